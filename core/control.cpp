#include "core/control.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <string>

namespace redline {

namespace {

using nlohmann::json;

std::string type_name(const json& v) {
    if (v.is_number_float()) return "a fractional number";
    if (v.is_number_integer()) return "an integer";
    if (v.is_boolean()) return "a boolean";
    if (v.is_string()) return "a string";
    if (v.is_null()) return "null";
    if (v.is_array()) return "an array";
    if (v.is_object()) return "an object";
    return "an unsupported value";
}

std::string fmt_num(double d) {
    json j = d;
    return j.dump();  // shortest round-trip form: 1e6 -> 1000000.0, 0.5 -> 0.5
}

std::string join(const std::string& prefix, const std::string& key) {
    return prefix.empty() ? key : prefix + "." + key;
}

/// Collects every problem in one document; parsers keep going after an error so the caller sees all of them.
class Checker {
  public:
    std::vector<FieldError> errors;

    void fail(std::string field, std::string message) {
        errors.push_back({std::move(field), std::move(message)});
    }

    /// Reports members not in `allowed` (the strictness rule: a typo is an error, never silently ignored).
    bool object(const json& j, const std::string& path, std::initializer_list<const char*> allowed) {
        if (!j.is_object()) {
            fail(path.empty() ? "body" : path, "must be a JSON object, got " + type_name(j));
            return false;
        }
        for (const auto& [key, value] : j.items()) {
            (void)value;
            const std::string& name = key;  // clang < 16 cannot capture a structured binding
            if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return name == a; })) {
                std::string known;
                for (const char* a : allowed)
                    known += (known.empty() ? "" : ", ") + std::string(a);
                fail(join(path, key), "unknown field (allowed: " + known + ")");
            }
        }
        return true;
    }

    /// A finite number within [lo, hi] (or (lo, hi] when lo_open). nullopt when absent or invalid.
    std::optional<double> number(const json& j, const std::string& path, const char* key, bool required,
                                 double lo, double hi, bool lo_open = false) {
        const std::string field = join(path, key);
        const auto it = j.find(key);
        if (it == j.end()) {
            if (required) fail(field, "is required");
            return std::nullopt;
        }
        if (!it->is_number()) {
            fail(field, "must be a number, got " + type_name(*it));
            return std::nullopt;
        }
        const double d = it->get<double>();
        if (!std::isfinite(d)) {
            fail(field, "must be a finite number");
            return std::nullopt;
        }
        if ((lo_open ? d <= lo : d < lo) || d > hi) {
            fail(field, "must be " + std::string(lo_open ? "> " : ">= ") + fmt_num(lo) +
                            " and <= " + fmt_num(hi) + ", got " + it->dump());
            return std::nullopt;
        }
        return d;
    }

    /// An integer within [lo, hi]; fractional numbers (even 5.0) are rejected.
    std::optional<std::uint64_t> integer(const json& j, const std::string& path, const char* key,
                                         bool required, std::uint64_t lo, std::uint64_t hi) {
        const std::string field = join(path, key);
        const auto it = j.find(key);
        if (it == j.end()) {
            if (required) fail(field, "is required");
            return std::nullopt;
        }
        if (!it->is_number_integer()) {
            fail(field, "must be an integer, got " + type_name(*it));
            return std::nullopt;
        }
        const bool negative = it->is_number_unsigned() ? false : it->get<std::int64_t>() < 0;
        const std::uint64_t v = negative ? 0 : it->get<std::uint64_t>();
        if (negative || v < lo || v > hi) {
            fail(field, "must be >= " + std::to_string(lo) + " and <= " + std::to_string(hi) + ", got " +
                            it->dump());
            return std::nullopt;
        }
        return v;
    }

    std::optional<bool> boolean(const json& j, const std::string& path, const char* key) {
        const auto it = j.find(key);
        if (it == j.end()) return std::nullopt;
        if (!it->is_boolean()) {
            fail(join(path, key), "must be true or false, got " + type_name(*it));
            return std::nullopt;
        }
        return it->get<bool>();
    }

    /// One of `choices`; returns its position.
    std::optional<std::size_t> choice(const json& j, const std::string& path, const char* key,
                                      std::initializer_list<const char*> choices) {
        const auto it = j.find(key);
        if (it == j.end()) return std::nullopt;
        std::string list;
        for (const char* c : choices)
            list += (list.empty() ? "\"" : ", \"") + std::string(c) + "\"";
        if (!it->is_string()) {
            fail(join(path, key), "must be one of " + list + ", got " + type_name(*it));
            return std::nullopt;
        }
        const auto& s = it->get_ref<const std::string&>();
        std::size_t i = 0;
        for (const char* c : choices) {
            if (s == c) return i;
            ++i;
        }
        fail(join(path, key), "must be one of " + list + ", got \"" + s + "\"");
        return std::nullopt;
    }
};

// "METHOD /path": an upper-case token, one space, an absolute path without spaces or control characters.
bool valid_route_id(const std::string& id) {
    const auto space = id.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 >= id.size() || id[space + 1] != '/')
        return false;
    for (std::size_t i = 0; i < space; ++i)
        if (id[i] < 'A' || id[i] > 'Z') return false;
    for (std::size_t i = space + 1; i < id.size(); ++i)
        if (static_cast<unsigned char>(id[i]) <= 0x20 || id[i] == 0x7f) return false;
    return true;
}

template <class T>
Parsed<T> finish(Checker& c, T value) {
    if (!c.errors.empty()) return Parsed<T>{std::move(c.errors)};
    return Parsed<T>{std::move(value)};
}

}  // namespace

std::string_view to_string(LimitMode m) {
    return m == LimitMode::Shadow ? "shadow" : "enforce";
}
std::string_view to_string(LimitScope s) {
    return s == LimitScope::Route ? "route" : "client";
}

void to_json(json& j, const RouteLimit& v) {
    j = json{{"rate_per_s", v.rate_per_s},
             {"burst", v.burst},
             {"mode", to_string(v.mode)},
             {"scope", to_string(v.scope)},
             {"enabled", v.enabled}};
}

void to_json(json& j, const LimitsConfig& v) {
    json routes = json::object();
    for (const auto& [id, limit] : v.routes)
        routes[id] = limit;
    j = json{{"routes", std::move(routes)}};
}

void to_json(json& j, const CanaryFaults& v) {
    j = json{{"latency_ms", v.latency_ms},
             {"latency_jitter_ms", v.latency_jitter_ms},
             {"error_ratio", v.error_ratio}};
}

void to_json(json& j, const CanaryConfig& v) {
    j = json{{"weight_percent", v.weight_percent}, {"faults", v.faults}};
}

void to_json(json& j, const CacheConfig& v) {
    j = json{{"capacity", v.capacity}, {"ttl_ms", v.ttl_ms}};
}

Parsed<LimitsConfig> parse_limits(const json& j, const std::vector<std::string>& known_routes) {
    Checker c;
    LimitsConfig out;
    if (!c.object(j, "", {"routes"})) return finish(c, out);
    const auto routes = j.find("routes");
    if (routes == j.end()) {
        c.fail("routes", "is required (use {} to remove every limit)");
        return finish(c, out);
    }
    if (!routes->is_object()) {
        c.fail("routes", "must be an object keyed by route id, got " + type_name(*routes));
        return finish(c, out);
    }
    for (const auto& [id, body] : routes->items()) {
        const std::string path = "routes." + id;
        if (!known_routes.empty()) {
            if (std::find(known_routes.begin(), known_routes.end(), id) == known_routes.end()) {
                c.fail(path, "unknown route (this agent serves " + std::to_string(known_routes.size()) +
                                 " routes; see GET /v1/info)");
                continue;
            }
        } else if (!valid_route_id(id)) {
            c.fail(path, "is not a route id of the form \"METHOD /path\"");
            continue;
        }
        if (!c.object(body, path, {"rate_per_s", "burst", "mode", "scope", "enabled"})) continue;
        RouteLimit limit;
        if (auto v = c.number(body, path, "rate_per_s", true, 0.0, 1e6, /*lo_open=*/true))
            limit.rate_per_s = *v;
        if (auto v = c.number(body, path, "burst", true, 1.0, 1e7)) limit.burst = *v;
        if (auto v = c.choice(body, path, "mode", {"enforce", "shadow"}))
            limit.mode = *v == 0 ? LimitMode::Enforce : LimitMode::Shadow;
        if (auto v = c.choice(body, path, "scope", {"client", "route"}))
            limit.scope = *v == 0 ? LimitScope::Client : LimitScope::Route;
        if (auto v = c.boolean(body, path, "enabled")) limit.enabled = *v;
        out.routes[id] = limit;
    }
    return finish(c, std::move(out));
}

Parsed<CanaryConfig> parse_canary(const json& j) {
    Checker c;
    CanaryConfig out;
    if (!c.object(j, "", {"weight_percent", "faults"})) return finish(c, out);
    if (auto v = c.number(j, "", "weight_percent", true, 0.0, 100.0)) out.weight_percent = *v;
    if (const auto faults = j.find("faults"); faults != j.end()) {
        if (c.object(*faults, "faults", {"latency_ms", "latency_jitter_ms", "error_ratio"})) {
            if (auto v = c.number(*faults, "faults", "latency_ms", false, 0.0, 60000.0))
                out.faults.latency_ms = *v;
            if (auto v = c.number(*faults, "faults", "latency_jitter_ms", false, 0.0, 60000.0))
                out.faults.latency_jitter_ms = *v;
            if (auto v = c.number(*faults, "faults", "error_ratio", false, 0.0, 1.0))
                out.faults.error_ratio = *v;
        }
    }
    return finish(c, out);
}

Parsed<CacheConfig> parse_cache(const json& j) {
    Checker c;
    CacheConfig out;
    if (!c.object(j, "", {"capacity", "ttl_ms"})) return finish(c, out);
    if (auto v = c.integer(j, "", "capacity", false, 0, 10'000'000)) out.capacity = *v;
    if (auto v = c.integer(j, "", "ttl_ms", false, 1, 86'400'000)) out.ttl_ms = *v;
    return finish(c, out);
}

}  // namespace redline
