// Scenario model and its strict JSON parser.
#include "core/load/scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <thread>

#include "core/json_strict.h"
#include "core/load/correlation.h"
#include "core/load/path_template.h"

namespace redline::load {

using nlohmann::json;

std::string_view to_string(ExecutorKind e) {
    switch (e) {
        case ExecutorKind::ConstantVus:
            return "constant-vus";
        case ExecutorKind::RampingVus:
            return "ramping-vus";
        case ExecutorKind::ConstantArrivalRate:
            return "constant-arrival-rate";
        case ExecutorKind::RampingArrivalRate:
            return "ramping-arrival-rate";
    }
    return "?";
}

std::optional<ExecutorKind> executor_from_string(std::string_view s) {
    for (auto e : {ExecutorKind::ConstantVus, ExecutorKind::RampingVus, ExecutorKind::ConstantArrivalRate,
                   ExecutorKind::RampingArrivalRate})
        if (to_string(e) == s) return e;
    return std::nullopt;
}

bool RequestSpec::expected(int status) const {
    if (expect_status.empty()) return status >= 200 && status <= 399;
    return std::any_of(expect_status.begin(), expect_status.end(),
                       [&](const StatusRange& r) { return r.contains(status); });
}

// ---- Scenario accessors ----

double Scenario::duration_s() const {
    double d = 0;
    for (const auto& s : stages)
        d += s.duration_s;
    return d;
}

double Scenario::max_target() const {
    double m = start_target;
    for (const auto& s : stages)
        m = std::max(m, s.target);
    return m;
}

double Scenario::target_at(double t) const {
    double from = (executor == ExecutorKind::ConstantVus || executor == ExecutorKind::ConstantArrivalRate)
                      ? (stages.empty() ? 0 : stages[0].target)
                      : start_target;
    double t0 = 0;
    for (const auto& s : stages) {
        if (t < t0 + s.duration_s) {
            const double f = s.duration_s > 0 ? (t - t0) / s.duration_s : 1.0;
            return from + (s.target - from) * std::clamp(f, 0.0, 1.0);
        }
        t0 += s.duration_s;
        from = s.target;
    }
    return stages.empty() ? 0 : stages.back().target;
}

double Scenario::planned_requests() const {
    if (!is_open_model(executor)) return 0;
    double from = (executor == ExecutorKind::ConstantArrivalRate) ? (stages.empty() ? 0 : stages[0].target)
                                                                  : start_target;
    double total = 0;
    for (const auto& s : stages) {
        total += (from + s.target) / 2 * s.duration_s;
        from = s.target;
    }
    return total;
}

std::vector<std::string> thresholds_that_cannot_pass(const Scenario& sc) {
    std::vector<std::string> out;
    if (!is_open_model(sc.executor) || sc.duration_s() <= 0) return out;
    // In the open model the engine never sends more than the schedule: the run's rate is at most the
    // scheduled requests over the run's length.
    const double best_rate = sc.planned_requests() / sc.duration_s();
    for (const auto& t : sc.thresholds) {
        if (t.source != ThresholdSource::Client || t.metric != ThresholdMetric::Rate) continue;
        const bool cannot = (t.op == Comparison::Greater && best_rate <= t.value) ||
                            (t.op == Comparison::GreaterEqual && best_rate < t.value);
        if (cannot)
            out.push_back(fmt::format("{} cannot pass: the schedule sends at most {:.4g}/s on average",
                                      t.expr, best_rate));
    }
    return out;
}

std::size_t Scenario::stage_at(double t) const {
    double t0 = 0;
    for (std::size_t i = 0; i < stages.size(); ++i) {
        t0 += stages[i].duration_s;
        if (t < t0) return i;
    }
    return stages.empty() ? 0 : stages.size() - 1;
}

namespace {
int wanted_threads(int threads) {
    if (threads > 0) return threads;
    const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    return int(std::min(2u, hw));
}
}  // namespace

int Scenario::effective_threads() const {
    // A thread without a connection (or a VU) would own a share of the schedule it can never send.
    return std::max(1, std::min(wanted_threads(threads), effective_connections()));
}

int Scenario::effective_connections() const {
    if (!is_open_model(executor)) return std::max(1, int(std::ceil(max_target())));
    if (connections > 0) return connections;
    // Enough for the peak rate at 50 ms per request, within [threads, 256].
    const int want = int(std::ceil(max_target() * 0.05));
    return std::clamp(want, std::min(wanted_threads(threads), 256), 256);
}

// ---- parser ----

namespace {

struct Ctx {
    std::vector<FieldError> errs;
    void err(std::string field, std::string msg) { errs.push_back({std::move(field), std::move(msg)}); }
};

std::string join(const std::string& prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

void check_keys(const json& o, const std::string& prefix, std::initializer_list<std::string_view> allowed,
                Ctx& c) {
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
            c.err(join(prefix, it.key()), "unknown field");
    }
}

/// Reads a number in [lo, hi] into out when present. Returns true when present and valid.
bool get_number(const json& o, std::string_view key, const std::string& prefix, double lo, double hi,
                double& out, Ctx& c, bool required = false, bool lo_exclusive = false) {
    const auto it = o.find(key);
    if (it == o.end()) {
        if (required) c.err(join(prefix, key), "is required");
        return false;
    }
    if (!it->is_number()) {
        c.err(join(prefix, key), "must be a number");
        return false;
    }
    const double v = it->get<double>();
    if (!std::isfinite(v) || v < lo || v > hi || (lo_exclusive && v == lo)) {
        std::string range = (lo_exclusive ? "> " : ">= ") + json(lo).dump() + " and <= " + json(hi).dump();
        c.err(join(prefix, key), "must be " + range + " (got " + it->dump() + ")");
        return false;
    }
    out = v;
    return true;
}

bool get_int(const json& o, std::string_view key, const std::string& prefix, int lo, int hi, int& out,
             Ctx& c) {
    const auto it = o.find(key);
    if (it == o.end()) return false;
    if (!it->is_number_integer()) {
        c.err(join(prefix, key), "must be an integer");
        return false;
    }
    const auto v = it->get<std::int64_t>();
    if (v < lo || v > hi) {
        c.err(join(prefix, key), "must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                                     " (got " + std::to_string(v) + ")");
        return false;
    }
    out = int(v);
    return true;
}

bool get_string(const json& o, std::string_view key, const std::string& prefix, std::string& out, Ctx& c,
                bool required = false, bool non_empty = false) {
    const auto it = o.find(key);
    if (it == o.end()) {
        if (required) c.err(join(prefix, key), "is required");
        return false;
    }
    if (!it->is_string()) {
        c.err(join(prefix, key), "must be a string");
        return false;
    }
    out = it->get<std::string>();
    if (non_empty && out.empty()) {
        c.err(join(prefix, key), "must not be empty");
        return false;
    }
    return true;
}

bool get_bool(const json& o, std::string_view key, const std::string& prefix, bool& out, Ctx& c) {
    const auto it = o.find(key);
    if (it == o.end()) return false;
    if (!it->is_boolean()) {
        c.err(join(prefix, key), "must be true or false");
        return false;
    }
    out = it->get<bool>();
    return true;
}

bool is_token(std::string_view s) {  // RFC 9110 token
    if (s.empty()) return false;
    for (char ch : s) {
        const auto u = static_cast<unsigned char>(ch);
        if (std::isalnum(u)) continue;
        if (std::string_view("!#$%&'*+-.^_`|~").find(ch) == std::string_view::npos) return false;
    }
    return true;
}

bool is_field_value(std::string_view s) {
    for (char ch : s) {
        const auto u = static_cast<unsigned char>(ch);
        if ((u < 0x20 && u != '\t') || u == 0x7f) return false;
    }
    return true;
}

/// One status: 100..599, or "Nxx" for a whole class.
std::optional<StatusRange> parse_status(const json& v) {
    if (v.is_number_integer()) {
        const auto n = v.get<std::int64_t>();
        if (n < 100 || n > 599) return std::nullopt;
        return StatusRange{int(n), int(n)};
    }
    if (v.is_string()) {
        const std::string t = v.get<std::string>();
        if (t.size() == 3 && t[0] >= '1' && t[0] <= '5' && (t[1] == 'x' || t[1] == 'X') &&
            (t[2] == 'x' || t[2] == 'X'))
            return StatusRange{(t[0] - '0') * 100, (t[0] - '0') * 100 + 99};
    }
    return std::nullopt;
}

/// A single status or an array of them.
bool parse_statuses(const json& v, const std::string& field, std::vector<StatusRange>& out, Ctx& c) {
    const json list = v.is_array() ? v : json::array({v});
    if (list.empty() || list.size() > 100) {
        c.err(field, "must be a status (200, \"2xx\") or an array of 1..100 of them");
        return false;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto st = parse_status(list[i]);
        if (!st) {
            c.err(v.is_array() ? field + "[" + std::to_string(i) + "]" : field,
                  "must be an HTTP status 100..599 or a class such as \"2xx\" (got " + list[i].dump() + ")");
            return false;
        }
        out.push_back(*st);
    }
    return true;
}

json statuses_to_json(const std::vector<StatusRange>& v) {
    json a = json::array();
    for (const auto& r : v) {
        if (r.lo == r.hi)
            a.push_back(r.lo);
        else
            a.push_back(std::string(1, char('0' + r.lo / 100)) + "xx");
    }
    return a;
}

std::string statuses_text(const std::vector<StatusRange>& v) {
    std::string out;
    for (const auto& x : statuses_to_json(v))
        out += (out.empty() ? "" : "|") + (x.is_string() ? x.get<std::string>() : x.dump());
    return out;
}

void parse_check(const json& j, const std::string& p, Check& out, Ctx& c) {
    if (!j.is_object()) {
        c.err(p, "must be an object with one of \"status\", \"header\" or \"json\"");
        return;
    }
    check_keys(j, p, {"name", "status", "header", "json", "equals"}, c);
    const int kinds = int(j.contains("status")) + int(j.contains("header")) + int(j.contains("json"));
    if (kinds != 1) {
        c.err(p, "needs exactly one of \"status\", \"header\" or \"json\"");
        return;
    }
    if (j.contains("status")) {
        out.kind = Check::Kind::Status;
        if (!parse_statuses(j["status"], join(p, "status"), out.statuses, c)) return;
        if (j.contains("equals")) c.err(join(p, "equals"), "applies to header and json checks only");
        out.name = "status " + statuses_text(out.statuses);
    } else if (j.contains("header")) {
        out.kind = Check::Kind::Header;
        if (!get_string(j, "header", p, out.header, c, true, true)) return;
        if (!is_token(out.header)) {
            c.err(join(p, "header"), "is not a valid header name");
            return;
        }
        if (const auto e = j.find("equals"); e != j.end()) {
            if (!e->is_string()) {
                c.err(join(p, "equals"), "a header check compares with a string");
                return;
            }
            out.equals = *e;
        }
        out.name = "header " + out.header + (out.equals ? " == " + out.equals->get<std::string>() : "");
    } else {
        out.kind = Check::Kind::Json;
        if (!get_string(j, "json", p, out.pointer, c, true)) return;
        try {
            [[maybe_unused]] const json::json_pointer ptr(out.pointer);
        } catch (const json::exception&) {
            c.err(join(p, "json"), "must be a JSON pointer such as \"/items/0/id\" (RFC 6901)");
            return;
        }
        if (const auto e = j.find("equals"); e != j.end()) out.equals = *e;
        out.name = "json " + (out.pointer.empty() ? std::string("(body)") : out.pointer) +
                   (out.equals ? " == " + out.equals->dump() : " exists");
    }
    get_string(j, "name", p, out.name, c, false, true);
}

constexpr double kMaxThinkMs = 3'600'000;  // 1 h

/// A think time: milliseconds as a number, or a string "250ms" / "1.5s".
std::optional<double> parse_think_value(const json& v, const std::string& field, Ctx& c) {
    double ms = -1;
    if (v.is_number()) {
        ms = v.get<double>();
    } else if (v.is_string()) {
        const std::string t = v.get<std::string>();
        double scale = 0;
        std::size_t cut = 0;
        if (t.ends_with("ms"))
            scale = 1, cut = 2;
        else if (t.ends_with("s"))
            scale = 1000, cut = 1;
        const std::string num = t.substr(0, t.size() - cut);
        char* end = nullptr;
        const double x = scale > 0 && !num.empty() && (std::isdigit(static_cast<unsigned char>(num[0])) != 0)
                             ? std::strtod(num.c_str(), &end)
                             : -1;
        if (end && *end == '\0')
            ms = x * scale;
        else {
            c.err(field,
                  "must be a duration such as \"200ms\" or \"1.5s\", or milliseconds as a number (got " +
                      v.dump() + ")");
            return std::nullopt;
        }
    } else {
        c.err(field, "must be a duration such as \"200ms\", milliseconds, or {\"min\": ..., \"max\": ...}");
        return std::nullopt;
    }
    if (!std::isfinite(ms) || ms < 0 || ms > kMaxThinkMs) {
        c.err(field, "must be between 0 and 1 h (got " + v.dump() + ")");
        return std::nullopt;
    }
    return ms;
}

void parse_think(const json& v, const std::string& p, RequestSpec& out, Ctx& c) {
    ThinkTime t;
    if (v.is_object()) {
        check_keys(v, p, {"min", "max"}, c);
        if (!v.contains("min") || !v.contains("max")) {
            c.err(p, "needs both \"min\" and \"max\" (a random time between them)");
            return;
        }
        const auto lo = parse_think_value(v["min"], join(p, "min"), c);
        const auto hi = parse_think_value(v["max"], join(p, "max"), c);
        if (!lo || !hi) return;
        if (*lo > *hi) {
            c.err(join(p, "max"), "must not be below min");
            return;
        }
        t = {*lo, *hi};
    } else {
        const auto ms = parse_think_value(v, p, c);
        if (!ms) return;
        t = {*ms, *ms};
    }
    out.think = t;
}

void parse_extract(const json& v, const std::string& p, RequestSpec& out, Ctx& c) {
    if (!v.is_object() || v.empty() || v.size() > 16) {
        c.err(
            p,
            "must be an object of 1..16 variable name -> {\"json\": \"/pointer\"} or {\"header\": \"Name\"}");
        return;
    }
    for (auto it = v.begin(); it != v.end(); ++it) {
        const std::string f = join(p, it.key());
        if (!is_variable_name(it.key())) {
            c.err(f, "a variable name is a letter or '_' then letters, digits, '_' or '-' (at most 64)");
            continue;
        }
        const json& e = it.value();
        if (!e.is_object() || e.size() != 1 || !(e.contains("json") || e.contains("header"))) {
            c.err(f, "must be {\"json\": \"/pointer\"} or {\"header\": \"Name\"}");
            continue;
        }
        Extraction x;
        x.var = it.key();
        if (e.contains("json")) {
            x.kind = Extraction::Kind::Json;
            if (!get_string(e, "json", f, x.source, c, true)) continue;
            try {
                [[maybe_unused]] const json::json_pointer ptr(x.source);
            } catch (const json::exception&) {
                c.err(join(f, "json"), "must be a JSON pointer such as \"/id\" (RFC 6901)");
                continue;
            }
            x.name =
                "extract " + x.var + " from json " + (x.source.empty() ? std::string("(body)") : x.source);
        } else {
            x.kind = Extraction::Kind::Header;
            if (!get_string(e, "header", f, x.source, c, true, true)) continue;
            if (!is_token(x.source)) {
                c.err(join(f, "header"), "is not a valid header name");
                continue;
            }
            x.name = "extract " + x.var + " from header " + x.source;
        }
        out.extract.push_back(std::move(x));
    }
}

void parse_request(const json& r, const std::string& p, RequestSpec& out, Ctx& c) {
    if (!r.is_object()) {
        c.err(p, "must be an object");
        return;
    }
    check_keys(r, p,
               {"name", "weight", "method", "path", "headers", "body", "api_key", "api_keys",
                "api_key_header", "expect_status", "checks", "think", "extract"},
               c);
    get_string(r, "method", p, out.method, c);
    if (!is_token(out.method))
        c.err(join(p, "method"), "must be an HTTP method token such as GET or POST");
    else
        std::transform(out.method.begin(), out.method.end(), out.method.begin(), ::toupper);
    if (get_string(r, "path", p, out.path, c, true)) {
        std::string why;
        if (!PathTemplate::parse(out.path, &why)) c.err(join(p, "path"), why);
    }
    get_number(r, "weight", p, 0, 1e6, out.weight, c, false, true);
    out.name = out.method + " " + out.path;
    get_string(r, "name", p, out.name, c, false, true);
    if (const auto it = r.find("headers"); it != r.end()) {
        if (!it->is_object()) {
            c.err(join(p, "headers"), "must be an object of header name -> string value");
        } else {
            for (auto h = it->begin(); h != it->end(); ++h) {
                const std::string f = join(join(p, "headers"), h.key());
                if (!is_token(h.key()))
                    c.err(f, "is not a valid header name");
                else if (!h->is_string())
                    c.err(f, "must be a string");
                else if (!is_field_value(h->get<std::string>()))
                    c.err(f, "must not contain control characters");
                else if (std::string why; !VarTemplate::parse(h->get<std::string>(), &why))
                    c.err(f, why);
                else {
                    std::string lower = h.key();
                    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
                    if (lower == "content-length" || lower == "transfer-encoding" || lower == "connection" ||
                        lower == "host")
                        c.err(f, "is set by the engine and cannot be overridden");
                    else
                        out.headers.emplace_back(h.key(), h->get<std::string>());
                }
            }
        }
    }
    if (const auto it = r.find("body"); it != r.end()) {
        if (it->is_string())
            out.body = it->get<std::string>();
        else if (it->is_object() || it->is_array()) {
            out.body = it->dump();
            const bool has_ct = std::any_of(out.headers.begin(), out.headers.end(), [](const auto& h) {
                std::string l = h.first;
                std::transform(l.begin(), l.end(), l.begin(), ::tolower);
                return l == "content-type";
            });
            // Headers come from a JSON object, i.e. sorted by name: insert in that order so that to_json()
            // -> parse_scenario() gives the same list back (tests/fuzz/crashers/scenario).
            const std::pair<std::string, std::string> ct{"Content-Type", "application/json"};
            if (!has_ct)
                out.headers.insert(
                    std::upper_bound(out.headers.begin(), out.headers.end(), ct,
                                     [](const auto& a, const auto& b) { return a.first < b.first; }),
                    ct);
        } else
            c.err(join(p, "body"), "must be a string or a JSON object/array");
        if (std::string why; !VarTemplate::parse(out.body, &why)) c.err(join(p, "body"), why);
    }
    if (const auto it = r.find("expect_status"); it != r.end())
        parse_statuses(*it, join(p, "expect_status"), out.expect_status, c);
    if (const auto it = r.find("checks"); it != r.end()) {
        if (!it->is_array() || it->size() > 32) {
            c.err(join(p, "checks"), "must be an array of at most 32 checks");
        } else {
            for (std::size_t i = 0; i < it->size(); ++i) {
                Check ch;
                const auto before = c.errs.size();
                parse_check((*it)[i], join(p, "checks") + "[" + std::to_string(i) + "]", ch, c);
                if (c.errs.size() == before) out.checks.push_back(std::move(ch));
            }
        }
    }
    if (const auto it = r.find("think"); it != r.end()) parse_think(*it, join(p, "think"), out, c);
    if (const auto it = r.find("extract"); it != r.end()) parse_extract(*it, join(p, "extract"), out, c);
    get_string(r, "api_key_header", p, out.api_key_header, c, false, true);
    if (!is_token(out.api_key_header)) c.err(join(p, "api_key_header"), "is not a valid header name");
    std::string key;
    const bool has_key = get_string(r, "api_key", p, key, c, false, true);
    if (has_key) {
        if (!is_field_value(key)) c.err(join(p, "api_key"), "must not contain control characters");
        out.api_keys.push_back(key);
    }
    if (const auto it = r.find("api_keys"); it != r.end()) {
        if (has_key)
            c.err(join(p, "api_keys"), "give either api_key or api_keys, not both");
        else if (!it->is_array() || it->empty())
            c.err(join(p, "api_keys"), "must be a non-empty array of strings");
        else {
            for (std::size_t i = 0; i < it->size(); ++i) {
                const auto& k = (*it)[i];
                if (!k.is_string() || k.get<std::string>().empty() || !is_field_value(k.get<std::string>()))
                    c.err(join(p, "api_keys") + "[" + std::to_string(i) + "]",
                          "must be a non-empty string without control characters");
                else
                    out.api_keys.push_back(k.get<std::string>());
            }
        }
    }
}

void parse_threshold(const json& t, const std::string& p, Threshold& out, Ctx& c) {
    std::string expr;
    const json* obj = nullptr;
    if (t.is_string()) {
        expr = t.get<std::string>();
    } else if (t.is_object()) {
        obj = &t;
        check_keys(t, p,
                   {"expr", "source", "request", "route", "version", "abort_on_fail", "for_s",
                    "delay_abort_s", "window_s"},
                   c);
        if (!get_string(t, "expr", p, expr, c, true)) return;
    } else {
        c.err(p, "must be a string like \"p95 < 200ms\" or an object with \"expr\"");
        return;
    }
    std::string why;
    auto parsed = parse_threshold_expr(expr, &why);
    if (!parsed) {
        c.err(obj ? join(p, "expr") : p, "'" + expr + "': " + why);
        return;
    }
    out = *parsed;
    if (obj) {
        std::string src;
        if (get_string(t, "source", p, src, c)) {
            if (src == "client")
                out.source = ThresholdSource::Client;
            else if (src == "agent")
                out.source = ThresholdSource::Agent;
            else
                c.err(join(p, "source"), "must be \"client\" or \"agent\"");
        }
        get_string(t, "request", p, out.request, c, false, true);
        get_string(t, "route", p, out.route, c, false, true);
        get_string(t, "version", p, out.version, c, false, true);
        get_bool(t, "abort_on_fail", p, out.abort_on_fail, c);
        get_number(t, "for_s", p, 0, 3600, out.for_s, c);
        get_number(t, "delay_abort_s", p, 0, 86400, out.delay_abort_s, c);
        get_int(t, "window_s", p, 1, 60, out.window_s, c);
        if (out.source == ThresholdSource::Client && (!out.route.empty() || !out.version.empty()))
            c.err(join(p, out.route.empty() ? "version" : "route"),
                  "applies to agent-side thresholds only (set \"source\": \"agent\")");
        if (out.source == ThresholdSource::Agent && !out.request.empty())
            c.err(join(p, "request"), "applies to client-side thresholds only");
    }
    if (out.metric == ThresholdMetric::CacheHitRatio && out.source == ThresholdSource::Client)
        c.err(obj ? join(p, "expr") : p,
              "cache_hit_ratio is only known to the agent (set \"source\": \"agent\")");
    if ((out.metric == ThresholdMetric::Checks || out.metric == ThresholdMetric::Unsent) &&
        out.source == ThresholdSource::Agent)
        c.err(obj ? join(p, "expr") : p,
              std::string(to_string(out.metric)) + " is only known to the load engine (client side)");
    if (out.metric == ThresholdMetric::Unsent && !out.request.empty())
        c.err(join(p, "request"), "unsent counts the whole run's schedule, not one request");
}

void parse_stages(const json& j, Scenario& s, Ctx& c) {
    const auto it = j.find("stages");
    if (it == j.end()) {
        c.err("stages", "is required for executor " + std::string(to_string(s.executor)));
        return;
    }
    if (!it->is_array() || it->empty() || it->size() > 1000) {
        c.err("stages", "must be an array of 1..1000 stages");
        return;
    }
    const bool open = is_open_model(s.executor);
    for (std::size_t i = 0; i < it->size(); ++i) {
        const std::string p = "stages[" + std::to_string(i) + "]";
        const json& st = (*it)[i];
        if (!st.is_object()) {
            c.err(p, "must be an object with duration_s and target");
            continue;
        }
        check_keys(st, p, {"name", "duration_s", "target"}, c);
        Stage stage;
        stage.name = "stage " + std::to_string(i + 1);
        get_string(st, "name", p, stage.name, c, false, true);
        get_number(st, "duration_s", p, 0, 86400, stage.duration_s, c, true, true);
        get_number(st, "target", p, 0, open ? 1e6 : 10000, stage.target, c, true);
        s.stages.push_back(stage);
    }
}

/// name, description, target, insecure_skip_verify.
void parse_identity(const json& j, Scenario& s, Ctx& c) {
    if (get_string(j, "name", "", s.name, c, true, true)) {
        const bool ok =
            s.name.size() <= 64 && std::all_of(s.name.begin(), s.name.end(), [](char ch) {
                return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
            });
        if (!ok) c.err("name", "must be 1..64 characters of letters, digits, '-', '_' or '.'");
    }
    get_string(j, "description", "", s.description, c);
    if (get_string(j, "target", "", s.target, c, false, true)) {
        std::string why;
        if (!parse_target_url(s.target, &why, redline::Schemes::HttpOrHttps)) c.err("target", why);
    }
    if (get_bool(j, "insecure_skip_verify", "", s.insecure_skip_verify, c) && s.insecure_skip_verify &&
        !s.target.starts_with("https://"))
        c.err("insecure_skip_verify", "applies to https:// targets only");
}

/// The executor and its load shape: rate/vus + duration_s for constant executors, stages for ramping ones.
void parse_executor(const json& j, Scenario& s, Ctx& c) {
    std::string ex;
    if (!get_string(j, "executor", "", ex, c, true)) return;
    const auto e = executor_from_string(ex);
    if (!e) {
        c.err("executor",
              "'" + ex +
                  "' is not one of constant-vus, ramping-vus, constant-arrival-rate, ramping-arrival-rate");
        return;
    }
    s.executor = *e;
    const bool constant =
        s.executor == ExecutorKind::ConstantVus || s.executor == ExecutorKind::ConstantArrivalRate;
    const bool open = is_open_model(s.executor);
    const std::string exs(to_string(s.executor));
    if (constant) {
        Stage st{"main", 0, 0};
        const char* key = open ? "rate" : "vus";
        const char* other = open ? "vus" : "rate";
        if (j.contains(other)) c.err(other, "does not apply to executor " + exs + " (use \"" + key + "\")");
        if (j.contains("stages")) c.err("stages", "does not apply to executor " + exs + " (use duration_s)");
        if (j.contains("start_target")) c.err("start_target", "applies to ramping executors only");
        get_number(j, key, "", open ? 0 : 1, open ? 1e6 : 10000, st.target, c, true, open);
        if (!open && st.target != std::floor(st.target)) c.err("vus", "must be a whole number");
        get_number(j, "duration_s", "", 0, 86400, st.duration_s, c, true, true);
        s.stages.push_back(st);
    } else {
        for (const char* k : {"vus", "rate", "duration_s"})
            if (j.contains(k)) c.err(k, std::string("does not apply to executor ") + exs + " (use stages)");
        get_number(j, "start_target", "", 0, open ? 1e6 : 10000, s.start_target, c);
        parse_stages(j, s, c);
    }
    if (!open && j.contains("connections"))
        c.err("connections",
              "applies to arrival-rate executors only (the closed model opens one connection per VU)");
    if (!open && j.contains("late_after_ms"))
        c.err("late_after_ms", "applies to arrival-rate executors only");
}

void parse_requests(const json& j, Scenario& s, Ctx& c) {
    const auto it = j.find("requests");
    if (it == j.end()) {
        c.err("requests", "is required (at least one request)");
        return;
    }
    if (!it->is_array() || it->empty() || it->size() > 256) {
        c.err("requests", "must be an array of 1..256 requests");
        return;
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < it->size(); ++i) {
        const std::string p = "requests[" + std::to_string(i) + "]";
        RequestSpec r;
        const auto before = c.errs.size();
        parse_request((*it)[i], p, r, c);
        if (c.errs.size() == before && !names.insert(r.name).second)
            c.err(p + ".name", "'" + r.name + "' is used by another request");
        const json& rj = (*it)[i];
        if (rj.is_object()) {
            const bool open = is_open_model(s.executor);
            if (rj.contains("think") && open)
                c.err(p + ".think",
                      "applies to VU executors (constant-vus, ramping-vus) only: in an arrival-rate executor "
                      "the "
                      "schedule decides when requests start");
            if (rj.contains("extract") && s.flow != Flow::Sequence)
                c.err(p + ".extract",
                      "needs \"flow\": \"sequence\" (a VU's requests run in order, so later requests can use "
                      "the value)");
            if (rj.contains("weight") && s.flow == Flow::Sequence)
                c.err(p + ".weight",
                      "does not apply with \"flow\": \"sequence\" (every request runs in order)");
        }
        s.requests.push_back(std::move(r));
    }
}

void parse_flow(const json& j, Scenario& s, Ctx& c) {
    std::string flow;
    if (!get_string(j, "flow", "", flow, c)) return;
    if (flow == "mix")
        s.flow = Flow::Mix;
    else if (flow == "sequence")
        s.flow = Flow::Sequence;
    else {
        c.err("flow", "must be \"mix\" (pick by weight) or \"sequence\" (every request in order)");
        return;
    }
    if (s.flow == Flow::Sequence && is_open_model(s.executor))
        c.err(
            "flow",
            "\"sequence\" applies to VU executors (constant-vus, ramping-vus) only: an arrival-rate executor "
            "starts independent requests, there is no VU to run a sequence");
}

constexpr std::size_t kMaxInlineRows = 10'000;

void parse_data(const json& j, Scenario& s, Ctx& c) {
    const auto it = j.find("data");
    if (it == j.end()) return;
    if (!it->is_object()) {
        c.err("data", "must be an object with \"file\" (CSV) or \"rows\", and \"mode\"");
        return;
    }
    const json& d = *it;
    check_keys(d, "data", {"file", "rows", "mode", "on_exhausted"}, c);
    DataSpec out;
    out.enabled = true;
    std::string mode = "sequential";
    if (get_string(d, "mode", "data", mode, c)) {
        if (mode == "sequential")
            out.mode = DataMode::Sequential;
        else if (mode == "random")
            out.mode = DataMode::Random;
        else if (mode == "unique")
            out.mode = DataMode::Unique;
        else
            c.err("data.mode", "must be \"sequential\", \"random\" or \"unique\"");
    }
    std::string ex;
    if (get_string(d, "on_exhausted", "data", ex, c)) {
        if (out.mode != DataMode::Sequential)
            c.err("data.on_exhausted",
                  "applies to mode \"sequential\" only (\"unique\" always ends the run after the last row, "
                  "\"random\" never runs out)");
        else if (ex == "recycle" || ex == "stop")
            out.stop_at_end = ex == "stop";
        else
            c.err("data.on_exhausted", "must be \"recycle\" (start over) or \"stop\" (end the run)");
    }
    const bool has_file = d.contains("file"), has_rows = d.contains("rows");
    if (has_file == has_rows) {
        c.err("data", "needs exactly one of \"file\" (a CSV file) or \"rows\" (inline)");
        return;
    }
    if (has_file) {
        if (get_string(d, "file", "data", out.file, c, true, true) &&
            out.file.find('\0') != std::string::npos)
            c.err("data.file", "must not contain NUL");
        s.data = std::move(out);
        return;
    }
    const json& rows = d["rows"];
    if (!rows.is_array() || rows.empty() || rows.size() > kMaxInlineRows) {
        c.err("data.rows", "must be an array of 1..10000 objects of column -> string or number");
        return;
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const std::string f = "data.rows[" + std::to_string(i) + "]";
        const json& r = rows[i];
        if (!r.is_object() || r.empty() || r.size() > kMaxDataColumns) {
            c.err(f, "must be an object of 1..256 column -> string or number");
            return;
        }
        if (i == 0) {
            for (auto k = r.begin(); k != r.end(); ++k) {
                if (!is_variable_name(k.key())) {
                    c.err(f + "." + k.key(),
                          "a column name is a letter or '_' then letters, digits, '_' or '-' (at most 64)");
                    return;
                }
                out.table.columns.push_back(k.key());
            }
        }
        std::vector<std::string> row;
        for (const auto& col : out.table.columns) {
            const auto v = r.find(col);
            if (v == r.end()) {
                c.err(f, "has no column \"" + col + "\" (every row needs the columns of rows[0])");
                return;
            }
            if (v->is_string())
                row.push_back(v->get<std::string>());
            else if (v->is_number() || v->is_boolean())
                row.push_back(v->dump());
            else {
                c.err(f + "." + col, "must be a string, number or boolean");
                return;
            }
        }
        if (r.size() != out.table.columns.size()) {
            for (auto k = r.begin(); k != r.end(); ++k)
                if (out.table.column(k.key()) < 0) {
                    c.err(f + "." + k.key(), "is not a column of rows[0]");
                    return;
                }
        }
        out.table.rows.push_back(std::move(row));
    }
    out.loaded = true;
    s.data = std::move(out);
}

/// Thresholds; a threshold's "request" must name one of s.requests (parse those first).
void parse_thresholds(const json& j, Scenario& s, Ctx& c) {
    const auto it = j.find("thresholds");
    if (it == j.end()) return;
    if (!it->is_array()) {
        c.err("thresholds", "must be an array");
        return;
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
        const std::string p = "thresholds[" + std::to_string(i) + "]";
        Threshold t;
        const auto before = c.errs.size();
        parse_threshold((*it)[i], p, t, c);
        if (c.errs.size() != before) continue;
        if (!t.request.empty() && std::none_of(s.requests.begin(), s.requests.end(),
                                               [&](const RequestSpec& r) { return r.name == t.request; }))
            c.err(p + ".request", "'" + t.request + "' is not the name of a request");
        s.thresholds.push_back(std::move(t));
    }
}

void parse_agent(const json& j, Scenario& s, Ctx& c) {
    const auto it = j.find("agent");
    if (it == j.end()) return;
    if (!it->is_object()) {
        c.err("agent", "must be an object with url, token_file, token_env");
        return;
    }
    check_keys(*it, "agent", {"url", "token_file", "token_env"}, c);
    if (get_string(*it, "url", "agent", s.agent.url, c, true, true)) {
        std::string why;
        if (!parse_target_url(s.agent.url, &why)) c.err("agent.url", why);
    }
    get_string(*it, "token_file", "agent", s.agent.token_file, c);
    get_string(*it, "token_env", "agent", s.agent.token_env, c);
}

void parse_rollout(const json& j, Scenario& s, Ctx& c) {
    const auto it = j.find("rollout");
    if (it == j.end()) return;
    if (!it->is_object()) {
        c.err("rollout", "must be an object with plan, expect, end_run, on_run_end");
        return;
    }
    check_keys(*it, "rollout", {"plan", "expect", "end_run", "on_run_end"}, c);
    const auto plan = it->find("plan");
    if (plan == it->end()) {
        c.err("rollout.plan",
              "is required: the rollout plan as PUT /v1/rollout takes it (steps, analysis, ...)");
    } else {
        auto p = parse_rollout_spec(*plan);
        if (p.ok())
            s.rollout.plan = p.value();
        else
            for (const auto& e : p.errors())
                c.err(e.field.empty() ? "rollout.plan" : "rollout.plan." + e.field, e.message);
    }
    std::string expect = "promoted";
    if (get_string(*it, "expect", "rollout", expect, c)) {
        if (expect == "promoted")
            s.rollout.expect = RolloutExpect::Promoted;
        else if (expect == "rolled_back")
            s.rollout.expect = RolloutExpect::RolledBack;
        else if (expect == "any")
            s.rollout.expect = RolloutExpect::Any;
        else
            c.err("rollout.expect", "must be \"promoted\", \"rolled_back\" or \"any\"");
    }
    get_bool(*it, "end_run", "rollout", s.rollout.end_run, c);
    std::string at_end = "abort";
    if (get_string(*it, "on_run_end", "rollout", at_end, c)) {
        if (at_end == "abort" || at_end == "leave")
            s.rollout.abort_at_end = at_end == "abort";
        else
            c.err("rollout.on_run_end", "must be \"abort\" or \"leave\"");
    }
    s.rollout.enabled = true;
}

}  // namespace

std::string_view to_string(RolloutExpect e) {
    switch (e) {
        case RolloutExpect::Promoted:
            return "promoted";
        case RolloutExpect::RolledBack:
            return "rolled_back";
        case RolloutExpect::Any:
            return "any";
    }
    return "promoted";
}

std::string_view to_string(DataMode m) {
    switch (m) {
        case DataMode::Sequential:
            return "sequential";
        case DataMode::Random:
            return "random";
        case DataMode::Unique:
            return "unique";
    }
    return "sequential";
}

std::vector<FieldError> check_variables(const Scenario& s) {
    std::vector<FieldError> errs;
    if (s.data.enabled && !s.data.loaded) return errs;  // columns unknown until the file is read
    const auto& cols = s.data.table.columns;
    const std::string source = s.data.file.empty() ? "data.rows" : "data.file";
    std::string col_list;
    for (const auto& col : cols)
        col_list += (col_list.empty() ? "" : ", ") + col;
    auto is_column = [&](const std::string& v) {
        return std::find(cols.begin(), cols.end(), v) != cols.end();
    };
    for (std::size_t i = 0; i < s.requests.size(); ++i) {
        const RequestSpec& r = s.requests[i];
        const std::string p = "requests[" + std::to_string(i) + "]";
        for (const auto& x : r.extract)
            if (is_column(x.var))
                errs.push_back({p + ".extract." + x.var,
                                "is also a column of " + source + "; give the extracted value another name"});
        auto check = [&](const std::string& field, const std::vector<std::string>& vars) {
            std::set<std::string> reported;
            for (const auto& v : vars) {
                if (is_column(v) || !reported.insert(v).second) continue;
                bool earlier = false;
                std::string later;
                for (std::size_t k = 0; k < s.requests.size(); ++k)
                    for (const auto& x : s.requests[k].extract)
                        if (x.var == v) {
                            if (k < i && s.flow == Flow::Sequence)
                                earlier = true;
                            else if (later.empty())
                                later =
                                    "requests[" + std::to_string(k) + "] (\"" + s.requests[k].name + "\")";
                        }
                if (earlier) continue;
                std::string m = "variable \"" + v + "\" is ";
                if (s.data.enabled)
                    m += "not a column of " + source + " (columns: " + col_list + ")";
                else
                    m += "not a data column (the scenario has no \"data\")";
                if (!later.empty())
                    m += " and only extracted by " + later + ", which does not run before this request";
                else
                    m += " and no earlier request extracts it";
                errs.push_back({field, m});
            }
        };
        if (auto t = PathTemplate::parse(r.path, nullptr)) check(p + ".path", t->variables());
        for (const auto& [k, v] : r.headers)
            if (auto t = VarTemplate::parse(v, nullptr)) check(p + ".headers." + k, t->variables());
        if (auto t = VarTemplate::parse(r.body, nullptr)) check(p + ".body", t->variables());
    }
    return errs;
}

Parsed<Scenario> parse_scenario(const json& j) {
    Ctx c;
    Scenario s;
    if (!j.is_object()) {
        c.err("", "a scenario must be a JSON object");
        return {c.errs};
    }
    check_keys(j, "",
               {"$schema",
                "name",
                "description",
                "target",
                "executor",
                "vus",
                "rate",
                "duration_s",
                "stages",
                "start_target",
                "connections",
                "threads",
                "timeout_ms",
                "late_after_ms",
                "graceful_stop_s",
                "insecure_skip_verify",
                "requests",
                "flow",
                "data",
                "thresholds",
                "agent",
                "rollout"},
               c);
    parse_identity(j, s, c);
    parse_executor(j, s, c);
    get_int(j, "connections", "", 1, 10000, s.connections, c);
    get_int(j, "threads", "", 1, 64, s.threads, c);
    get_number(j, "timeout_ms", "", 1, 600000, s.timeout_ms, c);
    get_number(j, "late_after_ms", "", 0, 60000, s.late_after_ms, c);
    get_number(j, "graceful_stop_s", "", 0, 600, s.graceful_stop_s, c);
    parse_flow(j, s, c);
    parse_data(j, s, c);
    parse_requests(j, s, c);
    parse_thresholds(j, s, c);
    parse_agent(j, s, c);
    parse_rollout(j, s, c);
    if (!c.errs.empty()) return {c.errs};
    if (auto ve = check_variables(s); !ve.empty()) return {ve};
    return {s};
}

Parsed<Scenario> parse_scenario_text(std::string_view text) {
    auto j = parse_json_strict(text);
    if (!j.ok()) return {j.errors()};
    return parse_scenario(j.value());
}

json to_json(const Scenario& s) {
    json j;
    j["name"] = s.name;
    if (!s.description.empty()) j["description"] = s.description;
    j["target"] = s.target;
    j["executor"] = std::string(to_string(s.executor));
    const bool open = is_open_model(s.executor);
    if (s.executor == ExecutorKind::ConstantVus || s.executor == ExecutorKind::ConstantArrivalRate) {
        j[open ? "rate" : "vus"] = s.stages.empty() ? 0.0 : s.stages[0].target;
        j["duration_s"] = s.duration_s();
    } else {
        j["start_target"] = s.start_target;
        json st = json::array();
        for (const auto& x : s.stages)
            st.push_back({{"name", x.name}, {"duration_s", x.duration_s}, {"target", x.target}});
        j["stages"] = st;
    }
    if (open && s.connections > 0) j["connections"] = s.connections;
    if (s.threads > 0) j["threads"] = s.threads;
    j["timeout_ms"] = s.timeout_ms;
    if (open) j["late_after_ms"] = s.late_after_ms;
    j["graceful_stop_s"] = s.graceful_stop_s;
    if (s.insecure_skip_verify) j["insecure_skip_verify"] = true;
    json reqs = json::array();
    for (const auto& r : s.requests) {
        json rj{{"name", r.name}, {"weight", r.weight}, {"method", r.method}, {"path", r.path}};
        if (!r.headers.empty()) {
            json h = json::object();
            for (const auto& [k, v] : r.headers)
                h[k] = v;
            rj["headers"] = h;
        }
        if (!r.body.empty()) rj["body"] = r.body;
        if (!r.api_keys.empty()) rj["api_keys"] = r.api_keys;
        if (r.api_key_header != "X-API-Key") rj["api_key_header"] = r.api_key_header;
        if (!r.expect_status.empty()) rj["expect_status"] = statuses_to_json(r.expect_status);
        if (!r.checks.empty()) {
            json cs = json::array();
            for (const auto& ch : r.checks) {
                json cj{{"name", ch.name}};
                switch (ch.kind) {
                    case Check::Kind::Status:
                        cj["status"] = statuses_to_json(ch.statuses);
                        break;
                    case Check::Kind::Header:
                        cj["header"] = ch.header;
                        break;
                    case Check::Kind::Json:
                        cj["json"] = ch.pointer;
                        break;
                }
                if (ch.equals) cj["equals"] = *ch.equals;
                cs.push_back(cj);
            }
            rj["checks"] = cs;
        }
        if (r.think) rj["think"] = {{"min", r.think->min_ms}, {"max", r.think->max_ms}};
        if (!r.extract.empty()) {
            json ex = json::object();
            for (const auto& x : r.extract)
                ex[x.var] = {{x.kind == Extraction::Kind::Json ? "json" : "header", x.source}};
            rj["extract"] = ex;
        }
        if (s.flow == Flow::Sequence) rj.erase("weight");
        reqs.push_back(rj);
    }
    j["requests"] = reqs;
    if (s.flow == Flow::Sequence) j["flow"] = "sequence";
    if (s.data.enabled) {
        json d{{"mode", std::string(to_string(s.data.mode))}};
        if (s.data.mode == DataMode::Sequential && s.data.stop_at_end) d["on_exhausted"] = "stop";
        if (!s.data.file.empty()) {
            d["file"] = s.data.file;
        } else {
            json rows = json::array();
            for (const auto& row : s.data.table.rows) {
                json o = json::object();
                for (std::size_t k = 0; k < row.size() && k < s.data.table.columns.size(); ++k)
                    o[s.data.table.columns[k]] = row[k];
                rows.push_back(o);
            }
            d["rows"] = rows;
        }
        j["data"] = d;
    }
    json th = json::array();
    for (const auto& t : s.thresholds) {
        json tj{{"expr", t.expr},
                {"source", std::string(to_string(t.source))},
                {"abort_on_fail", t.abort_on_fail},
                {"for_s", t.for_s},
                {"delay_abort_s", t.delay_abort_s},
                {"window_s", t.window_s}};
        if (!t.request.empty()) tj["request"] = t.request;
        if (!t.route.empty()) tj["route"] = t.route;
        if (!t.version.empty()) tj["version"] = t.version;
        th.push_back(tj);
    }
    j["thresholds"] = th;
    if (!s.agent.url.empty()) {
        j["agent"] = {{"url", s.agent.url}, {"token_env", s.agent.token_env}};
        if (!s.agent.token_file.empty()) j["agent"]["token_file"] = s.agent.token_file;
    }
    if (s.rollout.enabled) {
        json plan;
        redline::to_json(plan, s.rollout.plan);
        j["rollout"] = {{"plan", plan},
                        {"expect", std::string(to_string(s.rollout.expect))},
                        {"end_run", s.rollout.end_run},
                        {"on_run_end", s.rollout.abort_at_end ? "abort" : "leave"}};
    }
    return j;
}

std::vector<FieldError> apply_overrides(Scenario& s, const ScenarioOverrides& o) {
    Scenario n = s;
    std::vector<FieldError> errs;
    const bool open = is_open_model(n.executor);
    if (o.target) n.target = *o.target;
    if (o.rate) {
        if (!open)
            errs.push_back({"rate", "applies to arrival-rate executors; this scenario uses " +
                                        std::string(to_string(n.executor))});
        else if (!(*o.rate > 0) || *o.rate > 1e6)
            errs.push_back({"rate", "must be > 0 and <= 1000000"});
        else {
            const double peak = n.max_target();
            const double f = peak > 0 ? *o.rate / peak : 0;
            n.start_target *= f;
            for (auto& st : n.stages)
                st.target = peak > 0 ? st.target * f : *o.rate;
        }
    }
    if (o.vus) {
        if (open)
            errs.push_back(
                {"vus", "applies to VU executors; this scenario uses " + std::string(to_string(n.executor))});
        else if (!(*o.vus >= 1) || *o.vus > 10000)
            errs.push_back({"vus", "must be between 1 and 10000"});
        else {
            const double peak = n.max_target();
            const double f = *o.vus / peak;
            n.start_target = std::round(n.start_target * f);
            for (auto& st : n.stages)
                st.target = std::round(st.target * f);
        }
    }
    if (o.duration_s) {
        if (!(*o.duration_s > 0) || *o.duration_s > 86400)
            errs.push_back({"duration", "must be > 0 and <= 86400 seconds"});
        else {
            const double f = *o.duration_s / n.duration_s();
            for (auto& st : n.stages)
                st.duration_s *= f;
        }
    }
    if (o.connections) {
        if (!open)
            errs.push_back({"connections", "applies to arrival-rate executors only"});
        else
            n.connections = *o.connections;
    }
    if (o.threads) n.threads = *o.threads;
    if (o.insecure_skip_verify) n.insecure_skip_verify = *o.insecure_skip_verify;
    if (!errs.empty()) return errs;
    auto re = parse_scenario(to_json(n));
    if (!re.ok()) return re.errors();
    s = re.value();
    if (n.data.enabled && !n.data.file.empty()) s.data = n.data;  // keep the rows read from the file
    return {};
}

}  // namespace redline::load
