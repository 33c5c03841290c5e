// Progressive delivery: a rollout plan (steps of canary weight with hold times), its automated canary
// analysis, and the status the agent serves at GET /v1/rollout (docs/rollouts.md). Shared by the agent (which
// runs the rollout), the dashboard and redlinectl (which show it): one set of types and one JSON form.
//
// Pure value types and functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/problem.h"
#include "core/sketch.h"
#include "core/window.h"

namespace redline {

struct RolloutStep {
    double weight_percent = 0.0;  // (0, 100]; 100 only on the last step
    int hold_s = 0;               // 0..86400 seconds at this weight before the step may advance
    bool operator==(const RolloutStep&) const = default;
};

/// "canary may be at most 20 % and 5 ms worse": a quantile fails only when the canary's value is above both
/// stable * (1 + max_increase_percent/100) and stable + max_increase_ms.
struct QuantileBound {
    double max_increase_percent = 20.0;  // 0..1000
    double max_increase_ms = 5.0;        // 0..60000
    bool operator==(const QuantileBound&) const = default;
};

struct AnalysisConfig {
    int window_s = 10;                   // sliding analysis window, 1..60 one-second epochs
    double alpha = 0.001;                // significance level of each one-sided test, (0, 0.2]
    std::uint64_t min_requests = 50;     // per version in the window, else inconclusive; 1..1,000,000
    int failure_windows = 3;             // M consecutive failing windows trigger the failure policy, 1..60
    int pass_windows = 5;                // N last windows that must all pass before a step advances, 1..60
    double max_superiority = 0.6;        // whole distribution: P(canary > stable) allowed, (0.5, 1]
    QuantileBound p50, p95, p99;         // per-quantile bounds
    double max_error_increase_pp = 1.0;  // 5xx ratio, percentage points, 0..100
    double max_cache_hit_decrease_pp = 5.0;     // cache hit ratio, percentage points, 0..100
    double max_rate_limited_increase_pp = 1.0;  // 429 ratio, percentage points, 0..100
    bool operator==(const AnalysisConfig&) const = default;
};

enum class FailurePolicy { Rollback, Pause };

/// PUT /v1/rollout body.
struct RolloutSpec {
    std::vector<RolloutStep> steps;  // 1..20 steps, weights non-decreasing
    AnalysisConfig analysis;
    FailurePolicy on_failure = FailurePolicy::Rollback;
    /// An agent restarted after being down longer than this rolls the rollout back instead of resuming it.
    int max_downtime_s = 60;  // 0..86400
    bool operator==(const RolloutSpec&) const = default;
};

enum class RolloutState { None, Pending, Progressing, Paused, Promoted, RolledBack, Aborted };
enum class Verdict { Pass, Fail, Inconclusive, NotApplicable };

/// One metric of one analysis window.
struct MetricScore {
    std::string
        metric;  // "latency", "p50", "p95", "p99", "error_ratio", "cache_hit_ratio", "rate_limited_ratio"
    std::string unit;                      // "ms", "%", "P(canary>stable)"
    std::optional<double> stable, canary;  // the metric's value per version (null without data)
    std::optional<double> difference;      // canary - stable (in `unit`)
    std::optional<double> allowed;         // the bound the canary's value may reach (in `unit`)
    std::optional<double> p_value;         // of the one-sided test "canary worse than allowed"
    Verdict verdict = Verdict::Inconclusive;
    std::uint64_t n_stable = 0, n_canary = 0;  // samples the test used
    std::uint64_t needed = 0;                  // per version, for a conclusive verdict
    std::string detail;                        // one readable sentence
    bool operator==(const MetricScore&) const = default;
};

/// The analysis of one window: stable vs canary over epochs (epoch - window_s, epoch].
struct Scorecard {
    std::int64_t epoch = 0;
    int window_s = 0;
    Verdict verdict =
        Verdict::Inconclusive;  // fail if any metric fails, else inconclusive if any is, else pass
    std::uint64_t stable_requests = 0, canary_requests = 0;
    std::vector<MetricScore> metrics;
    bool operator==(const Scorecard&) const = default;
};

/// One version's traffic over an analysis window (all its routes merged).
struct VersionWindow {
    Counters counters;
    LatencySketch latency;
};

/// Judges canary against stable (docs/rollouts.md "Statistics"). Pure.
Scorecard analyze(const VersionWindow& stable, const VersionWindow& canary, const AnalysisConfig& cfg,
                  std::int64_t epoch);

/// GET /v1/rollout.
struct RolloutStatus {
    std::optional<RolloutSpec> spec;  // null before the first PUT
    RolloutState state = RolloutState::None;
    int step = 0;                 // 0-based index of the current step
    double weight_percent = 0.0;  // the canary weight the rollout last set
    int step_held_s = 0;          // seconds spent progressing in the current step
    int passing_windows = 0;      // consecutive passing windows up to now
    int failing_windows = 0;      // consecutive failing windows up to now
    std::string reason;           // why the rollout is in its state (rollback cause, pause, ...)
    std::string waiting_for;      // what holds the step ("hold 12 s more", "5 passing windows (2 so far)")
    std::int64_t started_ms = 0, updated_ms = 0;
    std::int64_t last_tick_epoch = 0;    // newest epoch analysed
    std::optional<Scorecard> scorecard;  // newest window's
    bool operator==(const RolloutStatus&) const = default;
};

std::string_view to_string(RolloutState s);
std::string_view to_string(Verdict v);
std::string_view to_string(FailurePolicy p);
std::optional<RolloutState> rollout_state_from(std::string_view s);
std::optional<Verdict> verdict_from(std::string_view s);
/// True while the rollout owns the canary weight (progressing or paused).
bool rollout_active(RolloutState s);

void to_json(nlohmann::json& j, const RolloutStep& v);
void to_json(nlohmann::json& j, const QuantileBound& v);
void to_json(nlohmann::json& j, const AnalysisConfig& v);
void to_json(nlohmann::json& j, const RolloutSpec& v);
void to_json(nlohmann::json& j, const MetricScore& v);
void to_json(nlohmann::json& j, const Scorecard& v);
void to_json(nlohmann::json& j, const RolloutStatus& v);

/// Strict: unknown fields, wrong types, out-of-range values and inconsistent steps are FieldErrors; absent
/// analysis fields take the defaults above.
Parsed<RolloutSpec> parse_rollout_spec(const nlohmann::json& j);
/// Reads what to_json(RolloutStatus) wrote (the dashboard, redlinectl, the agent's persisted state).
/// Lenient about absent optional members; nullopt + *error on a malformed document. Never throws.
std::optional<RolloutStatus> parse_rollout_status(const nlohmann::json& j, std::string* error = nullptr);

}  // namespace redline
