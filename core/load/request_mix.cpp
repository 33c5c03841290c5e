#include "core/load/request_mix.h"

#include <algorithm>
#include <charconv>

namespace redline::load {

namespace {
std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), ::tolower);
    return s;
}
}  // namespace

RequestMix::RequestMix(const Scenario& s, const std::string& host_header) {
    if (s.data.enabled) vars_ = s.data.table.columns;
    columns_ = vars_.size();
    for (const auto& r : s.requests)
        for (const auto& x : r.extract)
            if (std::find(vars_.begin(), vars_.end(), x.var) == vars_.end()) vars_.push_back(x.var);
    auto slot_of = [this](const std::string& name) {
        const auto it = std::find(vars_.begin(), vars_.end(), name);
        return it == vars_.end() ? -1 : int(it - vars_.begin());
    };
    double total = 0;
    for (const auto& r : s.requests) {
        Entry e;
        e.name = r.name;
        e.method = r.method;
        e.head = r.method == "HEAD";
        std::string why;
        e.path = *PathTemplate::parse(r.path, &why);  // validated by parse_scenario
        e.path.bind(slot_of);
        e.prefix = r.method + " ";
        e.before_key =
            " HTTP/1.1\r\nHost: " + host_header + "\r\nUser-Agent: redline-load/" REDLINE_VERSION "\r\n";
        bool json_body = false;
        for (const auto& [k, v] : r.headers) {
            auto t = *VarTemplate::parse(v, &why);
            if (lower(k) == "content-type" && lower(v).find("json") != std::string::npos) json_body = true;
            if (t.has_variables()) {
                t.bind(slot_of);
                e.var_headers.emplace_back(k + ": ", std::move(t));
            } else {
                e.before_key += k + ": " + v + "\r\n";
            }
        }
        if (!r.api_keys.empty()) e.key_header = r.api_key_header + ": ";
        e.keys = r.api_keys;
        e.body = *VarTemplate::parse(r.body, &why);
        e.body_vars = e.body.has_variables();
        e.body.bind(slot_of);
        e.body_encoding = json_body ? Encoding::Json : Encoding::Raw;
        if (e.body_vars)
            e.tail.clear();
        else if (!r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH")
            e.tail = "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
        else
            e.tail = "\r\n";
        e.is_static = e.path.is_static() && e.keys.size() <= 1 && e.var_headers.empty() && !e.body_vars;
        if (e.is_static) {
            e.whole = e.prefix + e.path.static_text() + e.before_key;
            if (!e.keys.empty()) e.whole += e.key_header + e.keys[0] + "\r\n";
            e.whole += e.tail;
        }
        e.spec = &r;
        e.check_base = check_count_;
        for (const auto& ch : r.checks) {
            e.check_names.push_back(ch.name);
            if (ch.kind == Check::Kind::Header) {
                const std::string l = lower(ch.header);
                if (std::find(e.capture.begin(), e.capture.end(), l) == e.capture.end())
                    e.capture.push_back(l);
            }
            if (ch.kind == Check::Kind::Json) e.keep_body = true;
        }
        for (const auto& x : r.extract) {
            e.check_names.push_back(x.name);
            e.extract_slots.push_back(slot_of(x.var));
            if (x.kind == Extraction::Kind::Header) {
                const std::string l = lower(x.source);
                if (std::find(e.capture.begin(), e.capture.end(), l) == e.capture.end())
                    e.capture.push_back(l);
            } else {
                e.keep_body = true;
            }
        }
        // Which extracted variables does it need?
        std::vector<std::string> needed;
        auto need = [&](const std::vector<std::string>& vs) {
            for (const auto& v : vs) {
                const int sl = slot_of(v);
                if (sl >= int(columns_) && std::find(needed.begin(), needed.end(), v) == needed.end())
                    needed.push_back(v);
            }
        };
        need(e.path.variables());
        for (const auto& [k, t] : e.var_headers)
            need(t.variables());
        need(e.body.variables());
        if (!needed.empty()) {
            std::string n = "variables set:";
            for (const auto& v : needed)
                n += " " + v;
            e.vars_check = int(e.check_names.size());
            e.check_names.push_back(n);
        }
        check_count_ += e.check_names.size();
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

std::string_view RequestMix::render(std::size_t i, std::string& buf, Rng& rng, std::uint64_t& counter,
                                    const VarValues* vars, int* missing) const {
    const Entry& e = entries_[i];
    if (e.is_static) return e.whole;
    static const VarValues kNone;
    const VarValues& v = vars ? *vars : kNone;
    buf.clear();
    buf.append(e.prefix);
    if (!e.path.expand(buf, rng, &v, missing)) return {};
    buf.append(e.before_key);
    for (const auto& [name, t] : e.var_headers) {
        buf.append(name);
        if (!t.expand(buf, v, Encoding::Header, missing)) return {};
        buf.append("\r\n");
    }
    if (!e.keys.empty()) {
        buf.append(e.key_header);
        buf.append(e.keys[counter++ % e.keys.size()]);
        buf.append("\r\n");
    }
    if (!e.body_vars) {
        buf.append(e.tail);
        return buf;
    }
    // The body goes after its Content-Length: expand it at the end, then move it behind the header.
    const std::size_t body_at = buf.size();
    if (!e.body.expand(buf, v, e.body_encoding, missing)) return {};
    const std::size_t len = buf.size() - body_at;
    char num[24];
    const auto [end, ec] = std::to_chars(num, num + sizeof num, len);
    (void)ec;
    std::string head = "Content-Length: ";
    head.append(num, end);
    head.append("\r\n\r\n");
    buf.insert(body_at, head);
    return buf;
}

}  // namespace redline::load
