// Comparing two load runs figure by figure, and the regression gate on top (docs/regression-gate.md).
//
// compare() takes two Summary values (from `redline-load run --out`, parsed by summary_from_json, or from the
// run store) and reports every figure of the whole run and of each request name both runs have: baseline,
// current, absolute and relative change, a one-sided test's p-value in each direction and a verdict. A figure
// changed significantly when its test gives p < alpha AND the change is beyond a bound (CompareOptions for
// the verdicts, the RegressionSpec's bound for the gate). gate() decides the gated figures from the
// RunComparison alone: the p-values do not depend on the bound, so one comparison serves any spec.
//
// Pure functions, no Qt; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/load/results.h"
#include "core/problem.h"

namespace redline::load {

/// Reads a summary document (to_json(Summary), schema 1). Strict: wrong types, negative counts, a newer
/// schema and a malformed sketch are errors naming the field; unknown members are ignored (newer writers may
/// add some). Required: schema, scenario, executor, duration_s, completed, errors, achieved_rate, latency.
/// Everything else defaults to empty/0 when absent; `latency_sketch` (whole run and per request) may be
/// absent (older writers): compare() then compares quantile values only and says so.
Parsed<Summary> summary_from_json(const nlohmann::json& j);
/// parse_json_strict (syntax, duplicate keys, depth) + summary_from_json.
Parsed<Summary> parse_summary(std::string_view text);

enum class FigureVerdict { Regressed, Improved, NoChange, NotComparable };
/// "regressed", "improved", "no significant change", "n/a".
std::string_view to_string(FigureVerdict v);

/// What a figure measures, which fixes its unit, its test and its bound's unit.
enum class FigureKind {
    Latency,  // ms; higher is worse; bound in % or ms
    Rate,     // requests/s; lower is worse; bound in % (a drop)
    Count,    // requests; lower is worse (completed); bound in %
    Ratio,    // a share shown in %; higher is worse (failed, transport, unsent, late); bound in pp
    PassRate  // a share shown in %; lower is worse (checks); bound in pp
};

struct Figure {
    /// "p50" "p90" "p95" "p99" "p99.9" "max" "avg" "shift" (latency), "rate", "completed", "failed",
    /// "transport_errors", "checks", "unsent", "late".
    std::string key;
    std::string request;  // "" = the whole run, else the request name
    FigureKind kind = FigureKind::Latency;
    std::string unit;  // "ms", "/s", "req", "%"
    double base = 0, current = 0;
    double change = 0;                    // current - base, in `unit` (pp for the shares)
    std::optional<double> relative;       // (current - base) / base as a fraction; none when base is 0
    std::uint64_t base_n = 0, cur_n = 0;  // samples behind the figure (requests, latency values, checks)
    std::uint64_t base_x = 0, cur_x = 0;  // shares: events counted (failed requests, failed checks, ...)
    std::string test;                     // "quantile exceedance", "Mann-Whitney U", "two-proportion z", ...
    double p_worse = 1.0;                 // one-sided p-value of "current is worse than the baseline"
    double p_better = 1.0;                // one-sided p-value of "current is better"
    bool comparable = true;               // false: the figure could not be tested (see note)
    FigureVerdict verdict = FigureVerdict::NoChange;  // with CompareOptions' bounds
    std::string note;  // why not comparable, too few samples, quantile values only, ...

    /// "p99" or "p99[browse]".
    std::string id() const { return request.empty() ? key : key + "[" + request + "]"; }
};

/// Defaults: docs/regression-gate.md "Verdicts".
struct CompareOptions {
    double alpha = 0.01;              // one-sided level of every test
    double latency_percent = 10.0;    // a latency figure changed when beyond this relative change ...
    double latency_ms = 0.0;          // ... and beyond this absolute change
    double ratio_pp = 0.1;            // shares (failed, transport errors, unsent, late, checks), in pp
    double shift_pp = 10.0;           // "shift": P(current > baseline) beyond 50 % + this (rollout's 0.6)
    double rate_percent = 5.0;        // achieved rate and completed, relative
    std::uint64_t min_requests = 20;  // fewer in either run: the figure is untested (no significant change)
};

/// Named RunComparison: redline::load::Comparison is the threshold operator (core/load/scenario.h).
struct RunComparison {
    std::string base_run_id, cur_run_id;
    std::string base_scenario, cur_scenario;
    CompareOptions options;
    /// Differences that make the comparison less meaningful (another scenario, executor, target or planned
    /// duration; request names only one run has; a baseline without sketches; an empty run). Never fatal.
    std::vector<std::string> warnings;
    std::vector<Figure> figures;  // whole run first, then request by request (the baseline's order)

    /// The figure with this key for this request ("" = whole run), or nullptr.
    const Figure* find(std::string_view key, std::string_view request = {}) const;
};

RunComparison compare(const Summary& base, const Summary& cur, const CompareOptions& options = {});

// --- the regression gate -----------------------------------------------------------------------------------

enum class BoundUnit { Percent, Ms, Pp };

/// One item of a --max-regression spec, e.g. "p99=10%" or "rate=-5%" or "p99[checkout]=5ms".
struct RegressionBound {
    std::string key;      // figure key (aliases resolved: "errors" -> "failed", "p999" -> "p99.9")
    std::string request;  // "" = whole run
    BoundUnit unit = BoundUnit::Percent;
    double value = 0;  // >= 0, in `unit` (the drop for rate/completed: "-5%" is 5)
    std::string text;  // the item as written
};

struct RegressionSpec {
    std::vector<RegressionBound> bounds;
};

/// Grammar (docs/regression-gate.md): ITEM (',' ITEM)*, ITEM = KEY ['[' REQUEST ']'] '=' VALUE:
///   p50 p90 p95 p99 p99.9 max avg   NUMBER '%' | NUMBER 'ms'   (may rise by at most)
///   failed (alias errors), transport_errors, unsent, late   NUMBER 'pp'   (may rise by at most)
///   shift   NUMBER 'pp'   (P(current > baseline), 50 % when alike, may rise by at most)
///   checks   NUMBER 'pp'   (the pass rate may drop by at most)
///   rate, completed   '-' NUMBER '%'   (may drop by at most)
/// On error returns nullopt and sets *error to one line naming the item.
std::optional<RegressionSpec> parse_regression_spec(std::string_view text, std::string* error);

struct GateResult {
    RegressionBound bound;
    Figure figure;          // the gated figure (key/request from the bound when the comparison lacks it)
    bool evaluated = true;  // false: the figure is missing or untestable; counts as failed (like thresholds)
    bool failed = false;    // regressed significantly beyond the bound, or not evaluated
    std::string message;    // one line: "p99 +31.2 % (12.10 ms -> 15.88 ms) > allowed +10 %, p = 1e-12"
};

/// One result per bound, in the spec's order.
std::vector<GateResult> gate(const RunComparison& comparison, const RegressionSpec& spec);
bool any_failed(const std::vector<GateResult>& results);

// --- rendering ---------------------------------------------------------------------------------------------

nlohmann::json to_json(const RunComparison& c);
nlohmann::json to_json(const std::vector<GateResult>& results);
/// The comparison table (every figure: baseline, current, change, p, verdict, with units), warnings first.
std::string render_table(const RunComparison& c);
/// The gate's lines ("regression gate: 1 of 3 bounds failed" and one line per bound).
std::string render_gate(const std::vector<GateResult>& results);

}  // namespace redline::load
