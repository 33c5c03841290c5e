#include "core/load/data_feeder.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/load/rng.h"

namespace redline::load {

int DataTable::column(std::string_view name) const {
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (columns[i] == name) return int(i);
    return -1;
}

bool is_variable_name(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    const auto first = static_cast<unsigned char>(s[0]);
    if (!std::isalpha(first) && s[0] != '_') return false;
    return std::all_of(s.begin(), s.end(), [](char ch) {
        const auto u = static_cast<unsigned char>(ch);
        return u < 0x80 && (std::isalnum(u) || ch == '_' || ch == '-');
    });
}

namespace {

/// One record at `pos`: fields appended to out; pos moves past the record's line end. *line counts physical
/// lines (quoted line breaks included).
bool read_record(std::string_view t, std::size_t& pos, std::size_t& line, std::vector<std::string>& out,
                 std::string* why) {
    const std::size_t start_line = line;
    std::string field;
    while (true) {
        field.clear();
        if (pos < t.size() && t[pos] == '"') {
            ++pos;
            while (true) {
                if (pos >= t.size()) {
                    *why = "line " + std::to_string(start_line) + ": a quoted field is not closed";
                    return false;
                }
                const char ch = t[pos++];
                if (ch == '"') {
                    if (pos < t.size() && t[pos] == '"') {
                        field.push_back('"');
                        ++pos;
                        continue;
                    }
                    break;
                }
                if (ch == '\n') ++line;
                field.push_back(ch);
                if (field.size() > kMaxDataField) {
                    *why = "line " + std::to_string(start_line) + ": a field is longer than 64 KiB";
                    return false;
                }
            }
            if (pos < t.size() && t[pos] != ',' && t[pos] != '\r' && t[pos] != '\n') {
                *why =
                    "line " + std::to_string(line) + ": text after a closing quote (write \"\" for a quote)";
                return false;
            }
        } else {
            while (pos < t.size() && t[pos] != ',' && t[pos] != '\r' && t[pos] != '\n') {
                if (t[pos] == '"') {
                    *why = "line " + std::to_string(line) +
                           ": a quote inside an unquoted field (quote the whole field and write \"\")";
                    return false;
                }
                field.push_back(t[pos++]);
            }
            if (field.size() > kMaxDataField) {
                *why = "line " + std::to_string(line) + ": a field is longer than 64 KiB";
                return false;
            }
        }
        out.push_back(field);
        if (out.size() > kMaxDataColumns) {
            *why = "line " + std::to_string(start_line) + " has more than 256 fields";
            return false;
        }
        if (pos >= t.size()) return true;
        const char sep = t[pos++];
        if (sep == ',') continue;
        if (sep == '\r') {
            if (pos < t.size() && t[pos] == '\n') {
                ++pos;
            } else {
                *why = "line " + std::to_string(line) + ": a CR without LF outside quotes";
                return false;
            }
        }
        ++line;
        return true;
    }
}

}  // namespace

std::optional<DataTable> parse_csv(std::string_view t, std::string* why) {
    std::string scratch;
    if (!why) why = &scratch;
    if (t.size() > kMaxDataFileBytes) {
        *why = "is larger than 16 MiB";
        return std::nullopt;
    }
    if (t.starts_with("\xEF\xBB\xBF")) t.remove_prefix(3);
    if (t.empty()) {
        *why = "is empty (a header row and at least one data row are needed)";
        return std::nullopt;
    }
    DataTable d;
    std::size_t pos = 0, line = 1;
    if (!read_record(t, pos, line, d.columns, why)) return std::nullopt;
    std::set<std::string_view> seen;
    for (std::size_t i = 0; i < d.columns.size(); ++i) {
        const std::string& c = d.columns[i];
        if (!is_variable_name(c)) {
            *why = "line 1: column " + std::to_string(i + 1) + " name \"" + c.substr(0, 64) +
                   "\" must be a letter or '_' followed by letters, digits, '_' or '-' (at most 64)";
            return std::nullopt;
        }
        if (!seen.insert(c).second) {
            *why = "line 1: column \"" + c + "\" appears twice";
            return std::nullopt;
        }
    }
    std::vector<std::string> rec;
    while (pos < t.size()) {
        const std::size_t at = line;
        rec.clear();
        if (!read_record(t, pos, line, rec, why)) return std::nullopt;
        if (rec.size() != d.columns.size()) {
            *why = "line " + std::to_string(at) + " has " + std::to_string(rec.size()) + " field" +
                   (rec.size() == 1 ? "" : "s") + ", header has " + std::to_string(d.columns.size());
            return std::nullopt;
        }
        if (d.rows.size() == kMaxDataRows) {
            *why = "has more than 1000000 rows";
            return std::nullopt;
        }
        d.rows.push_back(rec);
    }
    if (d.rows.empty()) {
        *why = "has a header row but no data rows";
        return std::nullopt;
    }
    return d;
}

std::string write_csv(const DataTable& t) {
    std::string out;
    auto put = [&](const std::vector<std::string>& rec) {
        for (std::size_t i = 0; i < rec.size(); ++i) {
            if (i) out.push_back(',');
            const std::string& f = rec[i];
            // An empty single field would read back as an empty line: quote it.
            const bool quote =
                f.find_first_of(",\"\r\n") != std::string::npos || (rec.size() == 1 && f.empty());
            if (!quote) {
                out += f;
                continue;
            }
            out.push_back('"');
            for (char ch : f) {
                if (ch == '"') out.push_back('"');
                out.push_back(ch);
            }
            out.push_back('"');
        }
        out += "\r\n";
    };
    put(t.columns);
    for (const auto& r : t.rows)
        put(r);
    return out;
}

DataFeeder::DataFeeder(std::size_t rows, DataMode mode, bool stop_at_end)
    : rows_(rows), mode_(mode), stop_at_end_(stop_at_end || mode == DataMode::Unique) {}

std::optional<std::size_t> DataFeeder::next(Rng& rng) noexcept {
    if (rows_ == 0) return std::nullopt;
    if (mode_ == DataMode::Random) return std::size_t(rng.below(rows_));
    if (stop_at_end_) {
        // Never move the cursor past the end: exhausted() stays exact and the counter cannot wrap.
        std::uint64_t cur = cursor_.load(std::memory_order_relaxed);
        while (cur < rows_) {
            if (cursor_.compare_exchange_weak(cur, cur + 1, std::memory_order_relaxed))
                return std::size_t(cur);
        }
        return std::nullopt;
    }
    return std::size_t(cursor_.fetch_add(1, std::memory_order_relaxed) % rows_);
}

bool DataFeeder::exhausted() const noexcept {
    return stop_at_end_ && mode_ != DataMode::Random && cursor_.load(std::memory_order_relaxed) >= rows_;
}

}  // namespace redline::load
