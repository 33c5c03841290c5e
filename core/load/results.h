// What a load run reports: the live Progress, the final Summary (thresholds, checks, stages, timeline, knee),
// outcomes and exit codes, and their JSON forms (docs/scenarios.md). Plain values: copy them freely.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/load/scenario.h"
#include "core/sketch.h"
#include "core/snapshot.h"  // LatencyQuantiles, SeriesSnapshot

namespace redline::load {

enum class RunState { Idle, Starting, Running, Stopping, Finished };
std::string_view to_string(RunState s);

/// Live view of a run, published by the control thread once per progress interval (and at state changes).
/// A plain value: copy it freely.
struct Progress {
    std::string run_id;
    std::string scenario;
    RunState state = RunState::Idle;
    std::string stage;  // name of the current stage
    int stage_index = 0;
    int stage_count = 0;
    double elapsed_s = 0;
    double planned_s = 0;    // scenario duration
    double remaining_s = 0;  // planned - elapsed, >= 0
    double fraction = 0;     // elapsed / planned, 0..1
    bool open_model = true;
    double target = 0;         // current VUs (closed) or arrival rate (open)
    double achieved_rate = 0;  // completed requests/s over the last closed second
    std::int64_t in_flight = 0;
    int active_vus = 0;  // closed model

    // Cumulative since the start.
    std::uint64_t sent = 0;
    std::uint64_t completed = 0;         // responses + transport errors
    std::uint64_t errors = 0;            // failed: a status not expected (default 2xx/3xx) or no response
    std::uint64_t transport_errors = 0;  // no HTTP response (refused, reset, timeout, refused by allow-list)
    std::uint64_t rate_limited = 0;      // 429
    double error_ratio = 0;              // errors / completed (k6's http_req_failed rate)
    std::map<int, std::uint64_t> by_status;  // exact HTTP statuses; transport errors are not in here
    std::map<std::string, std::uint64_t> transport_by_kind;  // "connect", "timeout", "reset", "refused", ...
    std::uint64_t bytes_sent = 0;
    std::uint64_t bytes_received = 0;
    std::uint64_t late = 0;    // open model: started later than late_after_ms after the intended time
    std::uint64_t unsent = 0;  // open model: intended time passed, not yet started (backlog now)
    std::uint64_t checks_passed = 0;
    std::uint64_t checks_failed = 0;

    // Last closed second (window_s = 1): latency corrected (from intended start) and uncorrected (from send).
    int window_s = 1;
    LatencyQuantiles latency;
    LatencyQuantiles latency_uncorrected;
    /// Same window as the agent's SeriesSnapshot: one per request name (method = request method, route =
    /// request name, version = "client") plus the total, built with SeriesSnapshot::from exactly like the
    /// agent does.
    std::vector<SeriesSnapshot> series;
    SeriesSnapshot total;
    std::int64_t epoch = 0;  // unix second of the window's last slot

    std::vector<std::string> breaching;  // thresholds currently violated (expr), for the UI
};

struct ThresholdResult {
    Threshold threshold;
    double observed = 0;
    bool evaluated =
        false;  // false when the metric was not available (e.g. agent unreachable): counts as failed
    bool passed = false;
    bool aborted_run = false;  // this threshold stopped the run
    std::string note;          // "agent unreachable: ...", ...
};

/// The rollout a scenario drove on its agent (Scenario::rollout): what the agent reported, as seen by the
/// run.
struct RolloutTransition {
    double t_s = 0;     // run time when the run saw it
    std::string state;  // "progressing", "paused", "promoted", "rolled_back", "aborted", ...
    int step = 0;       // 0-based
    double weight_percent = 0;
    std::string reason;
};
struct RolloutResult {
    std::string state;  // the final state read from the agent (empty: never read)
    int step = 0, steps = 0;
    double weight_percent = 0;
    std::string reason;           // the agent's reason for its state
    std::string expected;         // "promoted" | "rolled_back" | "any"
    bool passed = false;          // the state is what the scenario expected
    bool aborted_by_run = false;  // the run ended first and aborted it (on_run_end "abort")
    std::string note;             // why it did not pass / what the run did ("agent unreachable: ...")
    std::vector<RolloutTransition> transitions;
    nlohmann::json scorecard;  // the newest scorecard the agent reported (null when none)
};

/// One check of one request over the whole run.
struct CheckSummary {
    std::string request;  // request name
    std::string name;     // check name
    std::uint64_t passes = 0;
    std::uint64_t fails = 0;
};

/// Results of one request name (or the whole run).
struct RequestSummary {
    std::string name;
    std::string method;
    std::uint64_t completed = 0;
    std::uint64_t errors = 0;
    std::uint64_t transport_errors = 0;
    std::uint64_t rate_limited = 0;
    double rate_per_s = 0;
    double error_ratio = 0;
    std::map<int, std::uint64_t> by_status;
    LatencyQuantiles latency;  // corrected (= uncorrected in the closed model)
    LatencyQuantiles latency_uncorrected;
    LatencySketch latency_sketch;  // corrected, whole run (what `latency` is computed from)
};

struct StageSummary {
    std::string name;
    double start_s = 0;
    double duration_s = 0;
    double target_from = 0, target_to = 0;
    std::uint64_t completed = 0;
    double achieved_rate = 0;
    double error_ratio = 0;
    LatencyQuantiles latency;  // corrected
};

/// One point per second of the run (for charts and knee detection).
struct TimelinePoint {
    double t_s = 0;  // end of the second, from the start
    double target = 0;
    double achieved_rate = 0;
    double p50_ms = 0, p95_ms = 0, p99_ms = 0;  // corrected
    double error_ratio = 0;
    std::uint64_t late = 0;
};

/// Ramp to saturation: the highest load the target sustained before latency or throughput broke away.
struct Knee {
    double rate_per_s = 0;  // achieved rate at the knee
    double target = 0;      // target (rate or VUs) at the knee
    double t_s = 0;
    double p99_ms = 0;
    std::string reason;  // "achieved rate fell below 90% of target", "p99 rose above 3x the baseline", ...
};

/// Passed; ThresholdsFailed (at the end); Aborted (an abort_on_fail threshold stopped it); Stopped (from
/// outside: Ctrl-C, the dashboard, DELETE /v1/loadtests/{id}); Error (it could not run).
enum class RunOutcome { Passed, ThresholdsFailed, Aborted, Stopped, Error };

/// Exit codes of a run (k6's numbers where k6 has one).
inline constexpr int kExitRuntimeError = 1;
inline constexpr int kExitThresholds = 99;
inline constexpr int kExitStopped = 105;  // k6's ExternalAbortErrorCode
std::string_view to_string(RunOutcome o);

/// https targets: TLS handshakes the run's connections completed and how many of them resumed an earlier
/// session (SSL_session_reused).
struct TlsSummary {
    std::uint64_t handshakes = 0;
    std::uint64_t resumed = 0;
    bool operator==(const TlsSummary&) const = default;
};

struct Summary {
    std::string run_id;
    std::string scenario;
    std::string target;
    std::string executor;
    std::int64_t started_ms = 0;  // unix ms
    double duration_s = 0;        // actual
    double planned_s = 0;
    RunOutcome outcome = RunOutcome::Passed;
    std::string
        reason;  // why it aborted / stopped / failed ("threshold p99 < 200ms failed", "stopped: user", ...)
    std::string error;  // runtime error (unreachable target, refused by allow-list), outcome Error

    std::uint64_t sent = 0;
    std::uint64_t completed = 0;
    std::uint64_t errors = 0;  // failed requests: status not expected (default 2xx/3xx) or no response
    std::uint64_t transport_errors = 0;
    std::uint64_t rate_limited = 0;
    double error_ratio = 0;    // errors / completed (k6's http_req_failed rate)
    double achieved_rate = 0;  // completed / duration
    std::map<int, std::uint64_t> by_status;
    std::map<std::string, std::uint64_t> transport_by_kind;
    std::uint64_t bytes_sent = 0, bytes_received = 0;
    std::optional<TlsSummary> tls;  // https targets only
    std::uint64_t late = 0;         // open model
    std::uint64_t unsent =
        0;  // open model: scheduled within the run but never started (counted, not dropped)

    LatencyQuantiles latency;  // corrected
    LatencyQuantiles latency_uncorrected;
    LatencyQuantiles lateness;     // open model: actual send - intended send
    LatencySketch latency_sketch;  // corrected, whole run (mergeable with agent sketches)

    std::vector<RequestSummary> requests;
    std::vector<CheckSummary> checks;
    std::uint64_t checks_passed = 0, checks_failed = 0;
    double checks_rate = 0;  // passed / (passed + failed); 0 without checks
    std::vector<StageSummary> stages;
    std::vector<TimelinePoint> timeline;
    std::optional<Knee> knee;  // ramping executors
    std::vector<ThresholdResult> thresholds;
    std::optional<RolloutResult> rollout;  // when the scenario drove a rollout

    bool thresholds_passed() const;
    /// Thresholds passed and a driven rollout ended as expected: what the exit code and outcome judge.
    bool verdict_passed() const;
    /// 1 runtime error, else 99 a threshold failed or aborted the run (or a driven rollout did not end as
    /// expected), else 105 stopped from outside, else 0.
    int exit_code() const;
};

nlohmann::json to_json(const Progress& p);
nlohmann::json to_json(const Summary& s);  // the --out summary.json document

}  // namespace redline::load
