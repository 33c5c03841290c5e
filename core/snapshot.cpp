#include "core/snapshot.h"

#include <cmath>
#include <string>

namespace redline {

namespace {

using nlohmann::json;

constexpr double kNsPerMs = 1e6;

// nlohmann::json::exception has a protected constructor; this is how core reports schema violations while
// keeping the documented "throws nlohmann::json::exception" contract.
class SchemaError : public json::exception {
  public:
    explicit SchemaError(const std::string& what) : json::exception(590, ("[snapshot] " + what).c_str()) {}
};

const json& required(const json& j, const char* key) {
    if (!j.is_object()) throw SchemaError("expected an object holding '" + std::string(key) + "'");
    const auto it = j.find(key);
    if (it == j.end()) throw SchemaError(std::string("missing required field '") + key + "'");
    return *it;
}

std::uint64_t as_u64(const json& v, const char* key) {
    if (!v.is_number_unsigned())
        throw SchemaError(std::string("'") + key + "' must be a non-negative integer");
    return v.get<std::uint64_t>();
}

std::int64_t as_i64(const json& v, const char* key) {
    if (!v.is_number_integer()) throw SchemaError(std::string("'") + key + "' must be an integer");
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(INT64_MAX))
        throw SchemaError(std::string("'") + key + "' is out of range");
    return v.get<std::int64_t>();
}

double as_double(const json& v, const char* key) {
    if (!v.is_number()) throw SchemaError(std::string("'") + key + "' must be a number");
    const double d = v.get<double>();
    if (!std::isfinite(d)) throw SchemaError(std::string("'") + key + "' must be finite");
    return d;
}

std::string as_string(const json& v, const char* key) {
    if (!v.is_string()) throw SchemaError(std::string("'") + key + "' must be a string");
    return v.get<std::string>();
}

// Optional members keep their default when absent but must have the right type when present.
void opt_u64(const json& j, const char* key, std::uint64_t& out) {
    if (const auto it = j.find(key); it != j.end()) out = as_u64(*it, key);
}

constexpr const char* kClassNames[6] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};

}  // namespace

LatencyQuantiles LatencyQuantiles::from(const LatencySketch& s) {
    LatencyQuantiles q;
    if (s.count() == 0) return q;
    q.p50_ms = s.quantile_ns(0.50) / kNsPerMs;
    q.p90_ms = s.quantile_ns(0.90) / kNsPerMs;
    q.p95_ms = s.quantile_ns(0.95) / kNsPerMs;
    q.p99_ms = s.quantile_ns(0.99) / kNsPerMs;
    q.p999_ms = s.quantile_ns(0.999) / kNsPerMs;
    q.max_ms = double(s.max_ns()) / kNsPerMs;
    q.mean_ms = s.mean_ns() / kNsPerMs;
    return q;
}

SeriesSnapshot SeriesSnapshot::from(std::string method, std::string route, std::string version,
                                    const Counters& c, const LatencySketch& s, int window_s,
                                    std::int64_t inflight) {
    SeriesSnapshot out;
    out.method = std::move(method);
    out.route = std::move(route);
    out.version = std::move(version);
    out.requests = c.requests;
    out.rate_per_s = window_s > 0 ? double(c.requests) / double(window_s) : 0.0;
    out.by_class = c.by_class;
    for (std::size_t i = 0; i < c.ncodes; ++i)
        out.by_code[c.codes[i].first] = c.codes[i].second;
    out.errors = c.errors;
    if (c.requests > 0) out.error_ratio = double(c.errors) / double(c.requests);
    out.rate_limited = c.code_count(429);
    out.cache_hits = c.cache_hits;
    out.cache_misses = c.cache_misses;
    if (const auto lookups = c.cache_hits + c.cache_misses; lookups > 0)
        out.cache_hit_ratio = double(c.cache_hits) / double(lookups);
    out.rl_allowed = c.rl_allowed;
    out.rl_rejected = c.rl_rejected;
    out.rl_shadow_rejected = c.rl_shadow_rejected;
    out.inflight = inflight;
    if (c.requests > 0 && s.count() > 0) out.latency = LatencyQuantiles::from(s);
    return out;
}

void to_json(json& j, const LatencyQuantiles& v) {
    j = json{{"p50_ms", v.p50_ms},   {"p90_ms", v.p90_ms}, {"p95_ms", v.p95_ms},  {"p99_ms", v.p99_ms},
             {"p999_ms", v.p999_ms}, {"max_ms", v.max_ms}, {"mean_ms", v.mean_ms}};
}

void from_json(const json& j, LatencyQuantiles& v) {
    if (!j.is_object()) throw SchemaError("'latency' must be an object");
    v.p50_ms = as_double(required(j, "p50_ms"), "p50_ms");
    v.p90_ms = as_double(required(j, "p90_ms"), "p90_ms");
    v.p95_ms = as_double(required(j, "p95_ms"), "p95_ms");
    v.p99_ms = as_double(required(j, "p99_ms"), "p99_ms");
    v.p999_ms = as_double(required(j, "p999_ms"), "p999_ms");
    v.max_ms = as_double(required(j, "max_ms"), "max_ms");
    v.mean_ms = as_double(required(j, "mean_ms"), "mean_ms");
}

namespace {

constexpr const char* kLatencyKeys[] = {"p50_ms",  "p90_ms", "p95_ms", "p99_ms",
                                        "p999_ms", "max_ms", "mean_ms"};

json latency_json(const std::optional<LatencyQuantiles>& q) {
    if (q) return json(*q);
    json j = json::object();
    for (const char* k : kLatencyKeys)
        j[k] = nullptr;
    return j;
}

// Every field null (a series without requests) or every field a number; anything in between is refused.
std::optional<LatencyQuantiles> latency_from_json(const json& j) {
    if (!j.is_object()) throw SchemaError("'latency' must be an object");
    int nulls = 0;
    for (const char* k : kLatencyKeys)
        nulls += required(j, k).is_null() ? 1 : 0;
    if (nulls == int(std::size(kLatencyKeys))) return std::nullopt;
    if (nulls > 0)
        throw SchemaError("'latency' must have every field null (no requests) or every field a number");
    return j.get<LatencyQuantiles>();
}

}  // namespace

void to_json(json& j, const UpstreamLatency& v) {
    j = json(v.latency);
    j["requests"] = v.requests;
}

void from_json(const json& j, UpstreamLatency& v) {
    if (!j.is_object()) throw SchemaError("'upstream' must be an object");
    UpstreamLatency out;
    out.requests = as_u64(required(j, "requests"), "requests");
    if (out.requests == 0) throw SchemaError("'upstream' must have requests >= 1 (absent without any)");
    out.latency = j.get<LatencyQuantiles>();
    v = out;
}

void to_json(json& j, const SeriesSnapshot& v) {
    json by_class = json::object();
    for (std::size_t i = 1; i < 6; ++i)
        by_class[kClassNames[i]] = v.by_class[i];
    by_class["other"] = v.by_class[0];
    json by_code = json::object();
    for (const auto& [code, n] : v.by_code)
        by_code[std::to_string(code)] = n;
    j = json{{"method", v.method},
             {"route", v.route},
             {"version", v.version},
             {"requests", v.requests},
             {"rate_per_s", v.rate_per_s},
             {"by_class", std::move(by_class)},
             {"by_code", std::move(by_code)},
             {"errors", v.errors},
             {"error_ratio", v.error_ratio ? json(*v.error_ratio) : json(nullptr)},
             {"rate_limited", v.rate_limited},
             {"cache_hits", v.cache_hits},
             {"cache_misses", v.cache_misses},
             {"cache_hit_ratio", v.cache_hit_ratio ? json(*v.cache_hit_ratio) : json(nullptr)},
             {"rl_allowed", v.rl_allowed},
             {"rl_rejected", v.rl_rejected},
             {"rl_shadow_rejected", v.rl_shadow_rejected},
             {"inflight", v.inflight},
             {"latency", latency_json(v.latency)}};
    if (v.upstream) j["upstream"] = *v.upstream;
}

void from_json(const json& j, SeriesSnapshot& v) {
    if (!j.is_object()) throw SchemaError("a series must be an object");
    SeriesSnapshot out;
    out.method = as_string(required(j, "method"), "method");
    out.route = as_string(required(j, "route"), "route");
    out.version = as_string(required(j, "version"), "version");
    out.requests = as_u64(required(j, "requests"), "requests");
    out.rate_per_s = as_double(required(j, "rate_per_s"), "rate_per_s");
    out.errors = as_u64(required(j, "errors"), "errors");
    if (const json& er = required(j, "error_ratio"); !er.is_null())
        out.error_ratio = as_double(er, "error_ratio");
    out.latency = latency_from_json(required(j, "latency"));
    // A series without requests has neither; schema-1 agents wrote 0 for both.
    if (out.requests == 0) {
        out.error_ratio.reset();
        out.latency.reset();
    }

    if (const auto it = j.find("by_class"); it != j.end()) {
        if (!it->is_object()) throw SchemaError("'by_class' must be an object");
        for (const auto& [key, n] : it->items()) {
            std::size_t idx = 6;
            for (std::size_t i = 0; i < 6; ++i)
                if (key == kClassNames[i]) idx = i;
            if (idx == 6) throw SchemaError("'by_class' has an unknown class '" + key + "'");
            out.by_class[idx] = as_u64(n, "by_class");
        }
    }
    if (const auto it = j.find("by_code"); it != j.end()) {
        if (!it->is_object()) throw SchemaError("'by_code' must be an object");
        for (const auto& [key, n] : it->items()) {
            if (key.empty() || key.size() > 3 || key.find_first_not_of("0123456789") != std::string::npos)
                throw SchemaError("'by_code' key '" + key + "' is not a status code");
            out.by_code[std::stoi(key)] = as_u64(n, "by_code");
        }
    }
    opt_u64(j, "rate_limited", out.rate_limited);
    opt_u64(j, "cache_hits", out.cache_hits);
    opt_u64(j, "cache_misses", out.cache_misses);
    if (const auto it = j.find("cache_hit_ratio"); it != j.end() && !it->is_null())
        out.cache_hit_ratio = as_double(*it, "cache_hit_ratio");
    opt_u64(j, "rl_allowed", out.rl_allowed);
    opt_u64(j, "rl_rejected", out.rl_rejected);
    opt_u64(j, "rl_shadow_rejected", out.rl_shadow_rejected);
    if (const auto it = j.find("inflight"); it != j.end()) out.inflight = as_i64(*it, "inflight");
    if (const auto it = j.find("upstream"); it != j.end() && !it->is_null())
        out.upstream = it->get<UpstreamLatency>();
    v = std::move(out);
}

void to_json(json& j, const Snapshot& v) {
    j = json{{"schema", v.schema},     {"agent_id", v.agent_id},
             {"service", v.service},   {"service_version", v.service_version},
             {"time_ms", v.time_ms},   {"epoch", v.epoch},
             {"window_s", v.window_s}, {"series", v.series},
             {"total", v.total},       {"last_event_id", v.last_event_id}};
}

void from_json(const json& j, Snapshot& v) {
    if (!j.is_object()) throw SchemaError("a snapshot must be an object");
    Snapshot out;
    const std::int64_t schema = as_i64(required(j, "schema"), "schema");
    if (schema < 1 || schema > kSnapshotSchemaVersion)
        throw SchemaError("unsupported schema " + std::to_string(schema) + " (this build reads 1.." +
                          std::to_string(kSnapshotSchemaVersion) + ")");
    out.schema = int(schema);
    out.agent_id = as_string(required(j, "agent_id"), "agent_id");
    if (const auto it = j.find("service"); it != j.end()) out.service = as_string(*it, "service");
    if (const auto it = j.find("service_version"); it != j.end())
        out.service_version = as_string(*it, "service_version");
    out.time_ms = as_i64(required(j, "time_ms"), "time_ms");
    out.epoch = as_i64(required(j, "epoch"), "epoch");
    const std::int64_t window = as_i64(required(j, "window_s"), "window_s");
    if (window < 1 || window > WindowRing::kSlots)
        throw SchemaError("'window_s' must be within 1.." + std::to_string(WindowRing::kSlots));
    out.window_s = int(window);
    const json& series = required(j, "series");
    if (!series.is_array()) throw SchemaError("'series' must be an array");
    out.series.reserve(series.size());
    for (const auto& s : series)
        out.series.push_back(s.get<SeriesSnapshot>());
    out.total = required(j, "total").get<SeriesSnapshot>();
    opt_u64(j, "last_event_id", out.last_event_id);
    v = std::move(out);
}

std::optional<Snapshot> parse_snapshot(std::string_view text, std::string* error) {
    try {
        const json j = json::parse(text.begin(), text.end());
        return j.get<Snapshot>();
    } catch (const std::exception& e) {  // json::exception, or std::bad_alloc on absurd input
        if (error) *error = e.what();
        return std::nullopt;
    }
}

}  // namespace redline
