#include "core/control.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <string>

#include "core/field_checker.h"

namespace redline {

namespace {

using detail::Checker;
using detail::finish;
using detail::type_name;
using nlohmann::json;

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
