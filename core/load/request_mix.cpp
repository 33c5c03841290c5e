#include "core/load/request_mix.h"

#include <algorithm>

namespace redline::load {

RequestMix::RequestMix(const Scenario& s, const std::string& host_header) {
    double total = 0;
    for (const auto& r : s.requests) {
        Entry e;
        e.name = r.name;
        e.method = r.method;
        e.head = r.method == "HEAD";
        std::string why;
        e.path = *PathTemplate::parse(r.path, &why);  // validated by parse_scenario
        e.prefix = r.method + " ";
        e.before_key =
            " HTTP/1.1\r\nHost: " + host_header + "\r\nUser-Agent: redline-load/" REDLINE_VERSION "\r\n";
        for (const auto& [k, v] : r.headers)
            e.before_key += k + ": " + v + "\r\n";
        if (!r.api_keys.empty()) e.key_header = r.api_key_header + ": ";
        e.keys = r.api_keys;
        if (!r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH")
            e.tail = "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
        else
            e.tail = "\r\n";
        e.is_static = e.path.is_static() && e.keys.size() <= 1;
        if (e.is_static) {
            e.whole = e.prefix + e.path.static_text() + e.before_key;
            if (!e.keys.empty()) e.whole += e.key_header + e.keys[0] + "\r\n";
            e.whole += e.tail;
        }
        e.spec = &r;
        e.check_base = check_count_;
        check_count_ += r.checks.size();
        for (const auto& ch : r.checks) {
            if (ch.kind == Check::Kind::Header) {
                std::string lower = ch.header;
                std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
                if (std::find(e.capture.begin(), e.capture.end(), lower) == e.capture.end())
                    e.capture.push_back(lower);
            }
            if (ch.kind == Check::Kind::Json) e.keep_body = true;
        }
        total += r.weight;
        cumulative_.push_back(total);
        entries_.push_back(std::move(e));
    }
}

std::size_t RequestMix::pick(Rng& rng) const noexcept {
    if (entries_.size() == 1) return 0;
    const double x = rng.unit() * cumulative_.back();
    const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), x);
    return std::min(std::size_t(it - cumulative_.begin()), entries_.size() - 1);
}

std::string_view RequestMix::render(std::size_t i, std::string& buf, Rng& rng, std::uint64_t& counter) const {
    const Entry& e = entries_[i];
    if (e.is_static) return e.whole;
    buf.clear();
    buf.append(e.prefix);
    e.path.expand(buf, rng);
    buf.append(e.before_key);
    if (!e.keys.empty()) {
        buf.append(e.key_header);
        buf.append(e.keys[counter++ % e.keys.size()]);
        buf.append("\r\n");
    }
    buf.append(e.tail);
    return buf;
}

}  // namespace redline::load
