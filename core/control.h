// Control-plane state owned by the agent and steered by the dashboard and redlinectl: rate limits, canary
// weight and fault knobs, cache settings. Each type has a strict JSON parser: unknown fields, wrong types and
// out-of-range values are reported as FieldErrors and nothing is returned, so callers never apply a partial
// change.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "core/problem.h"

namespace redline {

enum class LimitMode { Enforce, Shadow };
enum class LimitScope {
    Client,
    Route
};  // Client: one bucket per (route, client key); Route: one shared bucket

struct RouteLimit {
    double rate_per_s = 100.0;  // tokens added per second, > 0 and <= 1e6
    double burst = 100.0;       // bucket capacity, >= 1 and <= 1e7
    LimitMode mode = LimitMode::Enforce;
    LimitScope scope = LimitScope::Client;
    bool enabled = true;
    bool operator==(const RouteLimit&) const = default;
};

/// Keyed by route id "METHOD /path/template", e.g. "GET /v1/products/{id}". Routes absent are unlimited.
struct LimitsConfig {
    std::map<std::string, RouteLimit> routes;
    bool operator==(const LimitsConfig&) const = default;
};

struct CanaryFaults {
    double latency_ms = 0.0;         // added latency, 0..60000
    double latency_jitter_ms = 0.0;  // plus uniform 0..jitter, 0..60000
    double error_ratio = 0.0;        // share of canary requests answered 500, 0..1
    bool operator==(const CanaryFaults&) const = default;
};

struct CanaryConfig {
    double weight_percent = 0.0;  // 0..100, share of client keys routed to the canary
    CanaryFaults faults;
    bool operator==(const CanaryConfig&) const = default;
};

struct CacheConfig {
    std::uint64_t capacity = 10000;  // entries, 0 disables the cache, <= 10,000,000
    std::uint64_t ttl_ms = 30000;    // 1..86,400,000
    bool operator==(const CacheConfig&) const = default;
};

void to_json(nlohmann::json& j, const RouteLimit& v);
void to_json(nlohmann::json& j, const LimitsConfig& v);
void to_json(nlohmann::json& j, const CanaryFaults& v);
void to_json(nlohmann::json& j, const CanaryConfig& v);
void to_json(nlohmann::json& j, const CacheConfig& v);

std::string_view to_string(LimitMode m);
std::string_view to_string(LimitScope s);

/// Strict parsers. `known_routes`, when non-empty, restricts the route ids a limits document may name.
Parsed<LimitsConfig> parse_limits(const nlohmann::json& j, const std::vector<std::string>& known_routes = {});
Parsed<CanaryConfig> parse_canary(const nlohmann::json& j);
Parsed<CacheConfig> parse_cache(const nlohmann::json& j);

}  // namespace redline
