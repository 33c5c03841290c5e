// Snapshot value types shared by the agent, the dashboard and the CLIs, with a versioned JSON schema
// (docs/snapshot.schema.json). Immutable once built: safe to hand between threads by value or
// shared_ptr<const>.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/sketch.h"
#include "core/window.h"

namespace redline {

// 2: the latency and error_ratio of a series without requests are null (absent), no longer 0. Readers take
// schema 1 too, reading the zeros a schema-1 agent wrote for a series without requests as absent.
inline constexpr int kSnapshotSchemaVersion = 2;

struct LatencyQuantiles {
    double p50_ms = 0, p90_ms = 0, p95_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0, mean_ms = 0;
    static LatencyQuantiles from(const LatencySketch& s);
    bool operator==(const LatencyQuantiles&) const = default;
};

/// The upstream time of a forwarding host's series (redline-proxy): per request that reached an upstream,
/// the time from the first byte of the request written upstream to the last byte of the response (or the
/// failure), summed over its attempts (docs/proxy.md, "Upstream time"). Absent on hosts that do not forward,
/// and for a window in which no request reached an upstream.
struct UpstreamLatency {
    std::uint64_t requests = 0;  // requests of the window with an upstream time
    LatencyQuantiles latency;
    bool operator==(const UpstreamLatency&) const = default;
};

struct SeriesSnapshot {
    std::string method;   // "GET"
    std::string route;    // "/v1/products/{id}"
    std::string version;  // "stable" | "canary" | ...
    std::uint64_t requests = 0;
    double rate_per_s = 0;
    std::array<std::uint64_t, 6> by_class{};  // index 1..5 = 1xx..5xx
    std::map<int, std::uint64_t> by_code;     // exact codes seen
    std::uint64_t errors = 0;                 // 5xx
    // errors / requests; absent (JSON null) without requests: no traffic is not a 0 % error ratio.
    std::optional<double> error_ratio;
    std::uint64_t rate_limited = 0;  // 429 answers
    std::uint64_t cache_hits = 0, cache_misses = 0;
    std::optional<double> cache_hit_ratio;  // null when the series had no cache lookups
    std::uint64_t rl_allowed = 0, rl_rejected = 0, rl_shadow_rejected = 0;
    std::int64_t inflight = 0;  // gauge at snapshot time
    // Absent (every JSON field null) without requests: no traffic has no latency, not 0 ms.
    std::optional<LatencyQuantiles> latency;
    // Forwarding hosts only (see UpstreamLatency); JSON member "upstream", absent when not set.
    std::optional<UpstreamLatency> upstream;

    // Route id, e.g. "GET /v1/products/{id}"; the route alone when the method is unknown (a service seen
    // through Prometheus without a method label).
    std::string id() const { return method.empty() ? route : method + " " + route; }
    /// Fills every derived field from window counters and a sketch.
    static SeriesSnapshot from(std::string method, std::string route, std::string version, const Counters& c,
                               const LatencySketch& s, int window_s, std::int64_t inflight);
    bool operator==(const SeriesSnapshot&) const = default;
};

struct Snapshot {
    int schema = kSnapshotSchemaVersion;
    std::string agent_id;         // stable per data dir
    std::string service;          // e.g. "redline-sample-server"
    std::string service_version;  // build version of the host
    std::int64_t time_ms = 0;     // unix ms when built
    std::int64_t epoch = 0;       // newest closed epoch (unix s) included
    int window_s = 1;
    std::vector<SeriesSnapshot> series;  // one per (method, route, version), registration order
    SeriesSnapshot total;                // all series merged: method "*", route "*", version "*"
    std::uint64_t last_event_id = 0;
    bool operator==(const Snapshot&) const = default;
};

void to_json(nlohmann::json& j, const LatencyQuantiles& v);
void to_json(nlohmann::json& j, const UpstreamLatency& v);
void to_json(nlohmann::json& j, const SeriesSnapshot& v);
void to_json(nlohmann::json& j, const Snapshot& v);
void from_json(const nlohmann::json& j, LatencyQuantiles& v);
void from_json(const nlohmann::json& j, UpstreamLatency& v);
void from_json(const nlohmann::json& j, SeriesSnapshot& v);
/// Throws nlohmann::json::exception on malformed input or a schema newer than this build understands.
void from_json(const nlohmann::json& j, Snapshot& v);

/// Parses snapshot JSON text; returns nullopt and sets *error on failure (never throws).
std::optional<Snapshot> parse_snapshot(std::string_view text, std::string* error = nullptr);

}  // namespace redline
