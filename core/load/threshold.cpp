// Threshold expressions: "<metric> <op> <number>[unit]".
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

#include "core/load/scenario.h"

namespace redline::load {

std::string_view to_string(ThresholdSource s) {
    return s == ThresholdSource::Client ? "client" : "agent";
}

std::string_view to_string(ThresholdMetric m) {
    switch (m) {
        case ThresholdMetric::P50:
            return "p50";
        case ThresholdMetric::P90:
            return "p90";
        case ThresholdMetric::P95:
            return "p95";
        case ThresholdMetric::P99:
            return "p99";
        case ThresholdMetric::P999:
            return "p99.9";
        case ThresholdMetric::Max:
            return "max";
        case ThresholdMetric::Mean:
            return "mean";
        case ThresholdMetric::ErrorRate:
            return "error_rate";
        case ThresholdMetric::RateLimitedRate:
            return "rate_limited_rate";
        case ThresholdMetric::Rate:
            return "rate";
        case ThresholdMetric::CacheHitRatio:
            return "cache_hit_ratio";
        case ThresholdMetric::Checks:
            return "checks";
        case ThresholdMetric::Unsent:
            return "unsent";
    }
    return "?";
}

std::string_view to_string(Comparison c) {
    switch (c) {
        case Comparison::Less:
            return "<";
        case Comparison::LessEqual:
            return "<=";
        case Comparison::Greater:
            return ">";
        case Comparison::GreaterEqual:
            return ">=";
    }
    return "?";
}

namespace {

enum class Unit { Latency, Ratio, Rate, Count };

struct MetricName {
    std::string_view name;
    ThresholdMetric metric;
    Unit unit;
};

constexpr MetricName kMetrics[] = {
    {"p50", ThresholdMetric::P50, Unit::Latency},
    {"med", ThresholdMetric::P50, Unit::Latency},
    {"p90", ThresholdMetric::P90, Unit::Latency},
    {"p95", ThresholdMetric::P95, Unit::Latency},
    {"p99", ThresholdMetric::P99, Unit::Latency},
    {"p99.9", ThresholdMetric::P999, Unit::Latency},
    {"p999", ThresholdMetric::P999, Unit::Latency},
    {"max", ThresholdMetric::Max, Unit::Latency},
    {"mean", ThresholdMetric::Mean, Unit::Latency},
    {"avg", ThresholdMetric::Mean, Unit::Latency},
    {"error_rate", ThresholdMetric::ErrorRate, Unit::Ratio},
    {"rate_limited_rate", ThresholdMetric::RateLimitedRate, Unit::Ratio},
    {"rate_limited", ThresholdMetric::RateLimitedRate, Unit::Ratio},
    {"rate", ThresholdMetric::Rate, Unit::Rate},
    {"cache_hit_ratio", ThresholdMetric::CacheHitRatio, Unit::Ratio},
    {"failed_rate", ThresholdMetric::ErrorRate, Unit::Ratio},
    {"http_req_failed", ThresholdMetric::ErrorRate, Unit::Ratio},
    {"checks", ThresholdMetric::Checks, Unit::Ratio},
    {"unsent", ThresholdMetric::Unsent, Unit::Count},
    {"dropped_iterations", ThresholdMetric::Unsent, Unit::Count},
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<Threshold> parse_threshold_expr(std::string_view expr, std::string* why) {
    auto fail = [&](std::string msg) -> std::optional<Threshold> {
        if (why) *why = std::move(msg);
        return std::nullopt;
    };
    const std::string_view s = trim(expr);
    std::size_t i = 0;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == '.'))
        ++i;
    const std::string_view name = s.substr(0, i);
    if (name.empty()) return fail("expected '<metric> <op> <value>', e.g. \"p95 < 200ms\"");
    const MetricName* m = nullptr;
    for (const auto& k : kMetrics)
        if (k.name == name) m = &k;
    if (!m)
        return fail(
            "unknown metric '" + std::string(name) +
            "' (p50, p90, p95, p99, p99.9, max, mean, error_rate, rate_limited_rate, rate, cache_hit_ratio, "
            "checks, unsent)");
    std::string_view rest = trim(s.substr(i));
    Threshold t;
    t.expr = std::string(s);
    t.metric = m->metric;
    if (rest.starts_with("<=")) {
        t.op = Comparison::LessEqual;
        rest.remove_prefix(2);
    } else if (rest.starts_with(">=")) {
        t.op = Comparison::GreaterEqual;
        rest.remove_prefix(2);
    } else if (rest.starts_with("<")) {
        t.op = Comparison::Less;
        rest.remove_prefix(1);
    } else if (rest.starts_with(">")) {
        t.op = Comparison::Greater;
        rest.remove_prefix(1);
    } else {
        return fail("expected a comparison (<, <=, >, >=) after '" + std::string(name) + "'");
    }
    rest = trim(rest);
    double v = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v);
    if (ec != std::errc() || !std::isfinite(v) || v < 0)
        return fail("expected a non-negative number after the comparison");
    const std::string_view unit = trim(std::string_view(p, std::size_t(rest.data() + rest.size() - p)));
    switch (m->unit) {
        case Unit::Latency:
            if (unit == "ms" || unit.empty())
                t.value = v;
            else if (unit == "s")
                t.value = v * 1000.0;
            else if (unit == "us" || unit == "µs")
                t.value = v / 1000.0;
            else
                return fail("latency unit must be ms, s or us, not '" + std::string(unit) + "'");
            break;
        case Unit::Ratio:
            if (unit == "%")
                t.value = v / 100.0;
            else if (unit.empty())
                t.value = v;
            else
                return fail("ratio unit must be % or none, not '" + std::string(unit) + "'");
            if (t.value > 1.0) return fail("ratio must be at most 100% (1.0)");
            break;
        case Unit::Count:
            if (!unit.empty()) return fail("a count takes no unit, not '" + std::string(unit) + "'");
            t.value = v;
            break;
        case Unit::Rate:
            if (unit == "/s" || unit.empty())
                t.value = v;
            else
                return fail("rate unit must be /s, not '" + std::string(unit) + "'");
            break;
    }
    return t;
}

bool threshold_holds(const Threshold& t, double observed) {
    if (!std::isfinite(observed)) return false;
    switch (t.op) {
        case Comparison::Less:
            return observed < t.value;
        case Comparison::LessEqual:
            return observed <= t.value;
        case Comparison::Greater:
            return observed > t.value;
        case Comparison::GreaterEqual:
            return observed >= t.value;
    }
    return false;
}

}  // namespace redline::load
