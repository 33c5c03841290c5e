// SseParser: incremental text/event-stream parsing after the WHATWG HTML "server-sent events" rules
// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
#include <algorithm>
#include <charconv>

#include "core/sse_parser.h"

namespace redline {

namespace {

// Processes one complete line (without its terminator). Returns nothing; dispatch happens on empty lines.
void process_field(std::string_view line, SseParser::Message& cur, bool& has_data,
                   std::optional<int>& retry) {
    std::string_view field = line;
    std::string_view value;
    if (const auto colon = line.find(':'); colon != std::string_view::npos) {
        field = line.substr(0, colon);
        value = line.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (field == "event") {
        cur.event.assign(value);
    } else if (field == "data") {
        cur.data.append(value);
        cur.data.push_back('\n');
        has_data = true;
    } else if (field == "id") {
        if (value.find('\0') == std::string_view::npos) cur.id.assign(value);
    } else if (field == "retry") {
        const bool digits = !value.empty() && std::all_of(value.begin(), value.end(),
                                                          [](char c) { return c >= '0' && c <= '9'; });
        int ms = 0;
        if (digits) {
            const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
            if (ec == std::errc() && p == value.data() + value.size()) retry = ms;
        }
    }
    // Any other field name is ignored.
}

}  // namespace

bool SseParser::feed(std::string_view bytes, const std::function<void(const Message&)>& fn) {
    if (!bom_checked_ && !bytes.empty()) {
        // The stream may start with one UTF-8 BOM, possibly split across feeds: hold bytes until decided.
        static constexpr std::string_view kBom = "\xEF\xBB\xBF";
        buf_.append(bytes);
        if (buf_.size() < kBom.size() && kBom.substr(0, buf_.size()) == buf_) return true;
        bom_checked_ = true;
        std::string pending = std::move(buf_);
        buf_.clear();
        if (std::string_view(pending).substr(0, kBom.size()) == kBom) pending.erase(0, kBom.size());
        return feed(pending, fn);
    }

    auto end_line = [&](std::string_view line) {
        if (line.empty()) {
            // Dispatch: data buffer empty -> reset the event type only; otherwise drop the final LF.
            if (has_data_) {
                Message msg;
                msg.event = cur_.event.empty() ? std::string("message") : cur_.event;
                msg.data = std::move(cur_.data);
                if (!msg.data.empty() && msg.data.back() == '\n') msg.data.pop_back();
                msg.id = cur_.id;  // the last event ID persists across messages
                fn(msg);
            }
            cur_.event.clear();
            cur_.data.clear();
            has_data_ = false;
        } else if (line.front() != ':') {  // lines starting with ':' are comments
            process_field(line, cur_, has_data_, retry_ms_);
        }
    };

    std::size_t pos = 0;
    const std::size_t n = bytes.size();
    if (last_cr_ && pos < n) {
        if (bytes[0] == '\n') ++pos;  // second half of a CRLF split across feeds
        last_cr_ = false;
    }
    while (pos < n) {
        const std::size_t eol = bytes.find_first_of("\r\n", pos);
        if (eol == std::string_view::npos) {
            if (buf_.size() + (n - pos) > max_line) {
                buf_.clear();
                return false;
            }
            buf_.append(bytes.substr(pos));
            break;
        }
        std::string_view chunk = bytes.substr(pos, eol - pos);
        if (buf_.size() + chunk.size() > max_line) {
            buf_.clear();
            return false;
        }
        if (buf_.empty()) {
            end_line(chunk);
        } else {
            buf_.append(chunk);
            const std::string line = std::move(buf_);
            buf_.clear();
            end_line(line);
        }
        pos = eol + 1;
        if (bytes[eol] == '\r') {
            if (pos < n) {
                if (bytes[pos] == '\n') ++pos;
            } else {
                last_cr_ = true;
            }
        }
    }
    return true;
}

}  // namespace redline
