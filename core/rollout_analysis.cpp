// redline::analyze (core/rollout.h): one analysis window of canary against stable, metric by metric, with the
// statistics of core/stats.h. The rules and their limits: docs/rollout-statistics.md.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/rollout.h"
#include "core/stats.h"

namespace redline {

namespace {

template <typename... Args>
std::string format(const char* f, Args... args) {
    char buf[256];
    const int n = std::snprintf(buf, sizeof buf, f, args...);
    return n < 0 ? std::string{} : std::string(buf, std::min<std::size_t>(std::size_t(n), sizeof buf - 1));
}

std::string ms_text(double ms) {
    return format(ms >= 100.0 ? "%.0f ms" : ms >= 1.0 ? "%.1f ms" : "%.3f ms", ms);
}

std::string percent_text(double percent) {
    return format("%.2f %%", percent);
}

std::string p_text(double p) {
    if (p >= 0.01) return format("p=%.2f", p);
    if (p >= 0.001) return format("p=%.3f", p);
    if (p >= 1e-15) return format("p=%.0e", p);
    return "p<1e-15";
}

/// Null when both versions have `needed` samples, else why the metric is inconclusive.
std::optional<std::string> shortfall(std::uint64_t n_stable, std::uint64_t n_canary, std::uint64_t needed,
                                     const char* what) {
    const bool s = n_stable < needed, c = n_canary < needed;
    const auto need = static_cast<unsigned long long>(needed);
    if (s && c)
        return format("needs %llu %s per version in the window, stable has %llu, canary has %llu", need, what,
                      static_cast<unsigned long long>(n_stable), static_cast<unsigned long long>(n_canary));
    if (s || c)
        return format("needs %llu %s %s in the window, has %llu", need, s ? "stable" : "canary", what,
                      static_cast<unsigned long long>(s ? n_stable : n_canary));
    return std::nullopt;
}

/// The rule: the test of "canary worse than allowed" (the bound shifted into the null hypothesis) is
/// significant, and the estimate is beyond the bound; the reason is appended to the detail sentence.
void judge(MetricScore& m, bool significant, bool beyond, double alpha) {
    m.verdict = significant && beyond ? Verdict::Fail : Verdict::Pass;
    if (significant && !beyond)
        m.detail += "; significant but within the bound";
    else if (beyond && !significant)
        m.detail += format("; beyond the bound but not significant at alpha %g", alpha);
}

MetricScore latency_score(const VersionWindow& stable, const VersionWindow& canary,
                          const AnalysisConfig& cfg) {
    MetricScore m;
    m.metric = "latency";
    m.unit = "P(canary>stable)";
    m.allowed = cfg.max_superiority;
    m.needed = cfg.min_requests;
    const stats::RankTest t = stats::mann_whitney(stable.latency, canary.latency);
    m.n_stable = t.n_stable;
    m.n_canary = t.n_canary;
    if (t.n_stable > 0 && t.n_canary > 0) {
        m.stable = 0.5;
        m.canary = t.superiority;
        m.difference = t.superiority - 0.5;
        m.p_value = stats::superiority_p(t, cfg.max_superiority);
    }
    if (auto why = shortfall(t.n_stable, t.n_canary, m.needed, "requests")) {
        m.verdict = Verdict::Inconclusive;
        m.detail = *why;
        return m;
    }
    m.detail = format("P(canary slower than stable) %.3f (0.5 when alike), allowed %.3f, ", t.superiority,
                      cfg.max_superiority) +
               p_text(*m.p_value);
    judge(m, *m.p_value<cfg.alpha, t.superiority> cfg.max_superiority, cfg.alpha);
    return m;
}

/// Samples needed for a quantile q to lie inside the data: at least 1 / (1 - q) (100 for p99).
std::uint64_t needed_for_quantile(double q, std::uint64_t min_requests) {
    const double n = std::ceil(1.0 / (1.0 - q) - 1e-9);  // 1 / (1 - 0.99) is 100.00000000000009
    return std::max<std::uint64_t>(min_requests, std::uint64_t(n));
}

MetricScore quantile_score(const char* name, double q, const QuantileBound& bound,
                           const VersionWindow& stable, const VersionWindow& canary,
                           const AnalysisConfig& cfg) {
    MetricScore m;
    m.metric = name;
    m.unit = "ms";
    m.needed = needed_for_quantile(q, cfg.min_requests);
    const stats::QuantileTest t = stats::quantile_greater(stable.latency, canary.latency, q);
    m.n_stable = t.exceedance.n_stable;
    m.n_canary = t.exceedance.n_canary;
    const double allowed = std::max(t.stable_ms * (1.0 + bound.max_increase_percent / 100.0),
                                    t.stable_ms + bound.max_increase_ms);
    if (m.n_stable > 0) {
        m.stable = t.stable_ms;
        m.allowed = allowed;
    }
    if (m.n_canary > 0) m.canary = t.canary_ms;
    const stats::QuantileExcess ex = stats::quantile_above(canary.latency, q, allowed * 1e6);
    if (m.n_stable > 0 && m.n_canary > 0) {
        m.difference = t.canary_ms - t.stable_ms;
        m.p_value = ex.p_value;
    }
    if (auto why = shortfall(m.n_stable, m.n_canary, m.needed, "requests")) {
        m.verdict = Verdict::Inconclusive;
        m.detail = *why;
        return m;
    }
    m.detail = "canary " + m.metric + " " + ms_text(t.canary_ms) + " vs stable " + ms_text(t.stable_ms) +
               ", allowed " + ms_text(allowed) + ", " +
               format("%llu of %llu canary requests above it, ", static_cast<unsigned long long>(ex.above),
                      static_cast<unsigned long long>(ex.n)) +
               p_text(ex.p_value);
    judge(m, ex.p_value<cfg.alpha, t.canary_ms> allowed, cfg.alpha);
    return m;
}

/// A ratio of "bad" events: error_ratio and rate_limited_ratio directly; cache_hit_ratio through its misses.
struct RatioInput {
    const char* metric;
    const char* label;  // "error ratio"
    const char* what;   // what a sample is: "requests", "cache lookups"
    std::uint64_t bad_stable, n_stable, bad_canary, n_canary;
    double max_pp;       // allowed worsening in percentage points
    bool shown_as_good;  // the metric shows the complement of `bad` (hit ratio = 1 - miss ratio)
    bool optional;       // not applicable when neither version has a sample (cache lookups)
};

MetricScore ratio_score(const RatioInput& in, const AnalysisConfig& cfg) {
    MetricScore m;
    m.metric = in.metric;
    m.unit = "%";
    m.needed = cfg.min_requests;
    m.n_stable = in.n_stable;
    m.n_canary = in.n_canary;
    if (in.n_stable == 0 && in.n_canary == 0 && in.optional) {
        m.verdict = Verdict::NotApplicable;
        m.detail = format("no %s in either version", in.what);
        return m;
    }
    const stats::ProportionTest t = stats::proportion_greater_by(in.bad_stable, in.n_stable, in.bad_canary,
                                                                 in.n_canary, in.max_pp / 100.0);
    const auto shown = [&](double bad) { return 100.0 * (in.shown_as_good ? 1.0 - bad : bad); };
    const double stable = shown(t.stable), canary = shown(t.canary);
    const double allowed =
        in.shown_as_good ? std::max(0.0, stable - in.max_pp) : std::min(100.0, stable + in.max_pp);
    if (in.n_stable > 0) {
        m.stable = stable;
        m.allowed = allowed;
    }
    if (in.n_canary > 0) m.canary = canary;
    if (in.n_stable > 0 && in.n_canary > 0) {
        m.difference = canary - stable;
        m.p_value = t.p_value;
    }
    if (auto why = shortfall(in.n_stable, in.n_canary, m.needed, in.what)) {
        m.verdict = Verdict::Inconclusive;
        m.detail = *why;
        return m;
    }
    m.detail = std::string("canary ") + in.label + " " + percent_text(canary) + " vs stable " +
               percent_text(stable) + ", allowed " + (in.shown_as_good ? "down to " : "up to ") +
               percent_text(allowed) + ", " + p_text(t.p_value);
    const double worse_pp = 100.0 * t.difference;  // in `bad` terms: positive is worse
    judge(m, t.p_value<cfg.alpha, worse_pp> in.max_pp, cfg.alpha);
    return m;
}

}  // namespace

Scorecard analyze(const VersionWindow& stable, const VersionWindow& canary, const AnalysisConfig& cfg,
                  std::int64_t epoch) {
    Scorecard sc;
    sc.epoch = epoch;
    sc.window_s = cfg.window_s;
    const Counters& s = stable.counters;
    const Counters& c = canary.counters;
    sc.stable_requests = s.requests;
    sc.canary_requests = c.requests;

    sc.metrics.push_back(latency_score(stable, canary, cfg));
    sc.metrics.push_back(quantile_score("p50", 0.50, cfg.p50, stable, canary, cfg));
    sc.metrics.push_back(quantile_score("p95", 0.95, cfg.p95, stable, canary, cfg));
    sc.metrics.push_back(quantile_score("p99", 0.99, cfg.p99, stable, canary, cfg));
    sc.metrics.push_back(ratio_score({"error_ratio", "error ratio", "requests", s.errors, s.requests,
                                      c.errors, c.requests, cfg.max_error_increase_pp, false, false},
                                     cfg));
    sc.metrics.push_back(ratio_score(
        {"cache_hit_ratio", "cache hit ratio", "cache lookups", s.cache_misses, s.cache_hits + s.cache_misses,
         c.cache_misses, c.cache_hits + c.cache_misses, cfg.max_cache_hit_decrease_pp, true, true},
        cfg));
    // 429s as SeriesSnapshot::from counts them (core/snapshot.cpp).
    sc.metrics.push_back(
        ratio_score({"rate_limited_ratio", "rate-limited ratio", "requests", s.code_count(429), s.requests,
                     c.code_count(429), c.requests, cfg.max_rate_limited_increase_pp, false, false},
                    cfg));

    const auto any = [&](Verdict v) {
        return std::any_of(sc.metrics.begin(), sc.metrics.end(),
                           [v](const MetricScore& m) { return m.verdict == v; });
    };
    sc.verdict = any(Verdict::Fail)           ? Verdict::Fail
                 : any(Verdict::Inconclusive) ? Verdict::Inconclusive
                                              : Verdict::Pass;
    return sc;
}

}  // namespace redline
