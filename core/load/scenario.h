// Scenario model ("scenarios as code"): what to send, how fast, for how long, and what must hold.
//
// A scenario is a JSON document (schema: docs/scenario.schema.json, guide: docs/scenarios.md).
// parse_scenario() is strict: unknown fields, wrong types, out-of-range values and malformed
// templates/thresholds are reported as FieldErrors naming the field ("requests[1].path", "thresholds[0]") and
// why; on any error nothing is returned, so nothing runs. Built-in scenarios live in
// resources/scenarios/*.json (see scenario_search_dirs()).
//
// Value types only: safe to copy between threads.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/control.h"           // Parsed<T>, FieldError
#include "core/load/data_feeder.h"  // DataTable, DataMode
#include "core/rollout.h"           // RolloutSpec
#include "core/url.h"               // TargetUrl, parse_target_url

namespace redline::load {

/// k6's executor names. Closed model: a number of virtual users (one keep-alive connection each) send
/// back-to-back. Open model: requests start at a given arrival rate whatever the server does.
enum class ExecutorKind { ConstantVus, RampingVus, ConstantArrivalRate, RampingArrivalRate };
std::string_view to_string(ExecutorKind e);  // "constant-vus", "ramping-vus", ...
std::optional<ExecutorKind> executor_from_string(std::string_view s);
inline bool is_open_model(ExecutorKind e) {
    return e == ExecutorKind::ConstantArrivalRate || e == ExecutorKind::RampingArrivalRate;
}

/// One stage: the target (VUs or requests/s) moves linearly from the previous stage's target (or
/// Scenario::start_target) to `target` over `duration_s`. A hold is a stage whose target equals the previous
/// one.
struct Stage {
    std::string name;  // optional label shown in progress ("warm-up", "hold", ...); default "stage N"
    double duration_s = 0;
    double target = 0;
    bool operator==(const Stage&) const = default;
};

/// An inclusive range of HTTP statuses; "2xx" is {200, 299}.
struct StatusRange {
    int lo = 200;
    int hi = 399;
    bool contains(int status) const { return status >= lo && status <= hi; }
    bool operator==(const StatusRange&) const = default;
};

/// A per-request assertion on the response, counted in the summary (k6's checks): the status is one of a
/// list, a header is present (or equals a value), or a JSON field (RFC 6901 pointer into the body) exists
/// (or equals a value). A request that got no response fails all of its checks.
struct Check {
    enum class Kind { Status, Header, Json };
    std::string name;  // shown in the summary; default e.g. "status 200", "header X-Cache == HIT", "json /id"
    Kind kind = Kind::Status;
    std::vector<StatusRange> statuses;     // Status
    std::string header;                    // Header: name as written (compared case-insensitively)
    std::string pointer;                   // Json: "/items/0/id"
    std::optional<nlohmann::json> equals;  // Header: a string; Json: any value. Absent: "exists"
    bool operator==(const Check&) const = default;
};

/// Think time (closed model only): after this request's response the VU waits a uniformly random time in
/// [min_ms, max_ms] (min == max: fixed) before its next request. Not part of any latency.
struct ThinkTime {
    double min_ms = 0;
    double max_ms = 0;
    bool operator==(const ThinkTime&) const = default;
};

/// Response correlation: after a response with an expected status, `var` takes the value of a JSON field
/// (RFC 6901 pointer into the body) or of a header; it is unset when the request failed or the value is not
/// there. Counted as a check named `name` ("extract order_id from json /id").
struct Extraction {
    enum class Kind { Json, Header };
    std::string var;
    Kind kind = Kind::Json;
    std::string source;  // the pointer, or the header name
    std::string name;    // the check's name
    bool operator==(const Extraction&) const = default;
};

/// One entry of the weighted request mix. `path` is a template: "{a..b}" picks an integer uniformly in
/// [a, b], "{x|y|z}" picks one of the listed words, "{{name}}" is a variable (data column or extracted
/// value); everything else is literal. Header values and the body may hold "{{name}}" variables too.
struct RequestSpec {
    std::string name;  // unique; default "METHOD path"
    double weight = 1.0;
    std::string method = "GET";
    std::string path = "/";
    std::vector<std::pair<std::string, std::string>> headers;  // sent as given, in order
    std::string body;                   // sent with Content-Length; JSON objects are dumped
    std::vector<std::string> api_keys;  // each request uses one (round-robin per worker)
    std::string api_key_header = "X-API-Key";
    /// Statuses that count as success (k6's http_req_failed): default 2xx and 3xx. Every other status, and
    /// every request without a response, is a failed request.
    std::vector<StatusRange> expect_status;
    std::vector<Check> checks;
    std::optional<ThinkTime> think;
    std::vector<Extraction> extract;  // in the order written (sorted by variable name)
    bool expected(int status) const;
    bool operator==(const RequestSpec&) const = default;
};

enum class ThresholdSource { Client, Agent };
enum class ThresholdMetric {
    P50,
    P90,
    P95,
    P99,
    P999,
    Max,
    Mean,
    ErrorRate,
    RateLimitedRate,
    Rate,
    CacheHitRatio,
    Checks,  // client: share of checks that passed (k6's `checks`)
    Unsent   // client: requests scheduled within the run that never started (k6's dropped_iterations)
};
enum class Comparison { Less, LessEqual, Greater, GreaterEqual };
std::string_view to_string(ThresholdSource s);
std::string_view to_string(ThresholdMetric m);
std::string_view to_string(Comparison c);

/// "p95 < 200ms", "error_rate < 1%", "rate > 900/s". Values are normalised: latency in ms, ratios 0..1,
/// rate in requests/s. Client-side thresholds are evaluated on the whole run at the end; agent-side ones on
/// the agent's snapshot (window min(60 s, run length)). With abort_on_fail the run is stopped as soon as the
/// threshold has been violated for `for_s` consecutive seconds on the last `window_s` seconds, after
/// `delay_abort_s`.
struct Threshold {
    std::string expr;  // as written, e.g. "p95 < 200ms"
    ThresholdSource source = ThresholdSource::Client;
    ThresholdMetric metric = ThresholdMetric::P95;
    Comparison op = Comparison::Less;
    double value = 0;
    std::string request;  // client: only this request name (empty = all requests)
    std::string route;    // agent: route id "GET /v1/products/{id}" (empty = the agent's total)
    std::string version;  // agent: "stable" | "canary" (empty = worst of all versions of the route)
    bool abort_on_fail = false;
    double for_s = 1;
    double delay_abort_s = 0;
    int window_s = 10;  // 1..60, window used by the abort checks
    bool operator==(const Threshold&) const = default;
};

// TargetUrl / parse_target_url live in core/url.h (the engine, the CLIs and the agent client share them).
using redline::parse_target_url;
using redline::TargetUrl;

/// Parses one threshold expression ("p95 < 200ms"); on failure returns nullopt and sets *why.
std::optional<Threshold> parse_threshold_expr(std::string_view expr, std::string* why);
/// True when `observed` satisfies the threshold's comparison.
bool threshold_holds(const Threshold& t, double observed);

/// Where agent-side metrics come from when the CLI runs a scenario (the agent integration passes snapshots
/// directly).
struct AgentSpec {
    std::string url;         // "http://127.0.0.1:9464"; empty = no agent
    std::string token_file;  // viewer token file; or
    std::string token_env = "REDLINE_VIEWER_TOKEN";
    bool operator==(const AgentSpec&) const = default;
};

/// A rollout the run drives on its agent (docs/scenarios.md "Rollouts"): PUT as the agent's plan and started
/// just before the first request, watched every second, its outcome part of the run's verdict. Needs an
/// operator token for the agent.
enum class RolloutExpect { Promoted, RolledBack, Any };
struct RolloutDrive {
    bool enabled = false;
    RolloutSpec plan;
    RolloutExpect expect = RolloutExpect::Promoted;  // what the run needs for its verdict
    bool end_run = true;       // stop the run as soon as the rollout reached a final state
    bool abort_at_end = true;  // still active when the run ends: abort it (roll back) rather than leave it
    bool operator==(const RolloutDrive&) const = default;
};
std::string_view to_string(RolloutExpect e);

/// How a VU picks its next request: by weight (Mix), or every request in the order written, over and over
/// (Sequence: one pass is an iteration; closed model only).
enum class Flow { Mix, Sequence };

/// Rows whose columns fill "{{column}}" templates (docs/scenarios.md "Data"). From a CSV file (`file`,
/// relative to the scenario file; read by load_scenario_file / load_scenario_data, never by parse_scenario)
/// or inline (`rows`). One row per iteration: per request with flow "mix", per pass with "sequence".
struct DataSpec {
    bool enabled = false;
    std::string file;  // as written; empty: inline rows
    DataMode mode = DataMode::Sequential;
    bool stop_at_end = false;  // sequential: "on_exhausted": "stop" (unique always stops)
    bool loaded = false;       // table holds the rows (inline: always; file: after load_scenario_data)
    DataTable table;
    bool operator==(const DataSpec&) const = default;
};
std::string_view to_string(DataMode m);  // "sequential", "random", "unique"

struct Scenario {
    std::string name;
    std::string description;
    std::string target = "http://127.0.0.1:8080";  // http(s)://host:port (no path; paths come from requests)
    ExecutorKind executor = ExecutorKind::ConstantArrivalRate;
    std::vector<Stage> stages;   // constant executors have exactly one
    double start_target = 0;     // ramping executors: target at t = 0
    int connections = 0;         // open model: max concurrent requests (0 = auto); closed model: = max VUs
    int threads = 0;             // worker threads, each with its own io_context (0 = auto: min(2, cores))
    double timeout_ms = 10'000;  // per request; an expired request counts as a transport error "timeout"
    double late_after_ms =
        1.0;  // open model: a request started later than this after its intended time is "late"
    double graceful_stop_s = 2;         // in-flight requests may finish this long after the last stage
    bool insecure_skip_verify = false;  // https targets: do not verify the server's certificate and name
    std::vector<RequestSpec> requests;
    Flow flow = Flow::Mix;
    DataSpec data;
    std::vector<Threshold> thresholds;
    AgentSpec agent;
    RolloutDrive rollout;
    bool operator==(const Scenario&) const = default;

    double duration_s() const;           // sum of stage durations
    double max_target() const;           // highest VUs or rate reached
    double target_at(double t_s) const;  // VUs or rate at t seconds from the start (piecewise linear)
    /// Open model: the requests the arrival schedule starts over the whole run (integral of the rate); 0 for
    /// the closed model.
    double planned_requests() const;
    /// Index of the stage running at t (stages.size()-1 after the end).
    std::size_t stage_at(double t_s) const;
    /// Connections the engine opens: closed model ceil(max VUs); open model `connections` or an automatic
    /// value.
    int effective_connections() const;
    /// Worker threads: `threads` (or min(2, cores)), never more than effective_connections(), so every
    /// thread owns at least one connection and the arrival schedule is shared by connections that exist.
    int effective_threads() const;
};

/// Strict parse of a scenario document. Field names in errors are JSON paths ("stages[2].duration_s").
Parsed<Scenario> parse_scenario(const nlohmann::json& j);
/// Parses JSON text (syntax errors are reported with field "" and the parser's position).
Parsed<Scenario> parse_scenario_text(std::string_view text);
/// Reads and parses a file; a missing/unreadable file is one FieldError with field "" and the OS reason. A
/// `data.file` is read too (load_scenario_data, relative to the scenario file's directory).
Parsed<Scenario> load_scenario_file(const std::string& path);
/// Reads the CSV file named by s.data.file (relative to base_dir unless absolute) into s.data.table and
/// checks the "{{column}}" references against its header. Errors name "data.file" or the template's field.
/// Only for scenarios from a trusted place (a file the user gave): an agent never calls it.
std::vector<FieldError> load_scenario_data(Scenario& s, const std::string& base_dir);
/// Every "{{name}}" of a request must be a data column or extracted by an earlier request (flow
/// "sequence"). With an unloaded data.file the columns are unknown and nothing is checked.
std::vector<FieldError> check_variables(const Scenario& s);
/// The canonical JSON form (round-trips through parse_scenario).
nlohmann::json to_json(const Scenario& s);

/// Command-line style overrides. `rate` rescales an arrival-rate scenario so that its peak equals rate;
/// `duration_s` rescales all stages proportionally; `vus` rescales a VU scenario's peak.
/// Client-side thresholds the scenario's own schedule rules out, one readable line each ("rate > 190/s cannot
/// pass: the schedule sends at most 50/s on average"), e.g. after the peak rate was overridden. Warned about
/// before a run starts (dashboard, redline-load); the run still evaluates them.
std::vector<std::string> thresholds_that_cannot_pass(const Scenario& sc);

struct ScenarioOverrides {
    std::optional<std::string> target;
    std::optional<double> rate;
    std::optional<double> duration_s;
    std::optional<double> vus;
    std::optional<int> connections;
    std::optional<int> threads;
    std::optional<bool> insecure_skip_verify;  // redline-load --insecure
};
/// Applies overrides and re-validates; returns the errors (empty on success, s unchanged on failure).
std::vector<FieldError> apply_overrides(Scenario& s, const ScenarioOverrides& o);

/// Directories searched for built-in scenarios, in order:
///  1. $REDLINE_SCENARIO_DIR (if set)
///  2. <dir of the executable>/../share/redline/scenarios (installed layout)
///  3. <ancestor of the executable>/resources/scenarios (in-tree builds: build/<x>/app/redline-load -> source
///  tree)
///  4. `extra` (callers such as tests pass the source tree)
std::vector<std::string> scenario_search_dirs(const std::vector<std::string>& extra = {});
/// Names ("smoke", "baseline", ...) of *.json files in the first search dir that has any, sorted.
std::vector<std::string> list_builtin_scenarios(const std::vector<std::string>& extra = {});
/// Resolves "smoke" to a file path (first dir that has smoke.json); an existing file path is returned as is.
std::optional<std::string> find_scenario(std::string_view name_or_path,
                                         const std::vector<std::string>& extra = {});

}  // namespace redline::load
