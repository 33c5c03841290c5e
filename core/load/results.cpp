// Progress and Summary: names, exit codes and JSON.
#include "core/load/results.h"

namespace redline::load {

using nlohmann::json;

std::string_view to_string(RunState s) {
    switch (s) {
        case RunState::Idle:
            return "idle";
        case RunState::Starting:
            return "starting";
        case RunState::Running:
            return "running";
        case RunState::Stopping:
            return "stopping";
        case RunState::Finished:
            return "finished";
    }
    return "?";
}

std::string_view to_string(RunOutcome o) {
    switch (o) {
        case RunOutcome::Passed:
            return "passed";
        case RunOutcome::ThresholdsFailed:
            return "thresholds_failed";
        case RunOutcome::Aborted:
            return "aborted";
        case RunOutcome::Stopped:
            return "stopped";
        case RunOutcome::Error:
            return "error";
    }
    return "?";
}

bool Summary::thresholds_passed() const {
    for (const auto& t : thresholds)
        if (!t.passed) return false;
    return true;
}

bool Summary::verdict_passed() const {
    return thresholds_passed() && (!rollout || rollout->passed);
}

int Summary::exit_code() const {
    // Precedence (docs/scenarios.md): runtime error 1 > a failed threshold 99 > stopped from outside 105 > 0.
    switch (outcome) {
        case RunOutcome::Error:
            return kExitRuntimeError;
        case RunOutcome::Aborted:
        case RunOutcome::ThresholdsFailed:
            return kExitThresholds;
        case RunOutcome::Stopped:
            return verdict_passed() ? kExitStopped : kExitThresholds;
        case RunOutcome::Passed:
            return verdict_passed() ? 0 : kExitThresholds;
    }
    return kExitRuntimeError;
}

namespace {

json status_map(const std::map<int, std::uint64_t>& m) {
    json j = json::object();
    for (const auto& [k, v] : m)
        j[std::to_string(k)] = v;
    return j;
}

json quantiles(const LatencyQuantiles& q) {
    json j;
    to_json(j, q);
    return j;
}

/// The corrected-latency sketch in the form LatencySketch::from_sparse() reads back: summaries of several
/// generators merge into the exact sketch of the whole distributed run.
json sketch_json(const LatencySketch& sk) {
    json buckets = json::array();
    for (const auto& [index, n] : sk.sparse())
        buckets.push_back(json::array({index, n}));
    return json{{"count", sk.count()},
                {"sum_ns", sk.sum_ns()},
                {"min_ns", sk.min_ns()},
                {"max_ns", sk.max_ns()},
                {"buckets", buckets}};
}

}  // namespace

json to_json(const Progress& p) {
    json series = json::array();
    for (const auto& s : p.series) {
        json x;
        to_json(x, s);
        series.push_back(x);
    }
    json total;
    to_json(total, p.total);
    return json{{"run_id", p.run_id},
                {"scenario", p.scenario},
                {"state", std::string(to_string(p.state))},
                {"stage", p.stage},
                {"stage_index", p.stage_index},
                {"stage_count", p.stage_count},
                {"elapsed_s", p.elapsed_s},
                {"planned_s", p.planned_s},
                {"remaining_s", p.remaining_s},
                {"fraction", p.fraction},
                {"open_model", p.open_model},
                {"target", p.target},
                {"achieved_rate", p.achieved_rate},
                {"in_flight", p.in_flight},
                {"active_vus", p.active_vus},
                {"sent", p.sent},
                {"completed", p.completed},
                {"errors", p.errors},
                {"transport_errors", p.transport_errors},
                {"rate_limited", p.rate_limited},
                {"error_ratio", p.error_ratio},
                {"by_status", status_map(p.by_status)},
                {"transport_by_kind", p.transport_by_kind},
                {"bytes_sent", p.bytes_sent},
                {"bytes_received", p.bytes_received},
                {"late", p.late},
                {"unsent", p.unsent},
                {"checks_passed", p.checks_passed},
                {"checks_failed", p.checks_failed},
                {"window_s", p.window_s},
                {"latency", quantiles(p.latency)},
                {"latency_uncorrected", quantiles(p.latency_uncorrected)},
                {"series", series},
                {"total", total},
                {"epoch", p.epoch},
                {"breaching", p.breaching}};
}

json to_json(const Summary& s) {
    json checks = json::array();
    for (const auto& c : s.checks)
        checks.push_back(
            {{"request", c.request}, {"name", c.name}, {"passes", c.passes}, {"fails", c.fails}});
    json reqs = json::array();
    for (const auto& r : s.requests)
        reqs.push_back({{"name", r.name},
                        {"method", r.method},
                        {"completed", r.completed},
                        {"errors", r.errors},
                        {"transport_errors", r.transport_errors},
                        {"rate_limited", r.rate_limited},
                        {"rate_per_s", r.rate_per_s},
                        {"error_ratio", r.error_ratio},
                        {"by_status", status_map(r.by_status)},
                        {"latency", quantiles(r.latency)},
                        {"latency_uncorrected", quantiles(r.latency_uncorrected)},
                        {"latency_sketch", sketch_json(r.latency_sketch)}});
    json stages = json::array();
    for (const auto& g : s.stages)
        stages.push_back({{"name", g.name},
                          {"start_s", g.start_s},
                          {"duration_s", g.duration_s},
                          {"target_from", g.target_from},
                          {"target_to", g.target_to},
                          {"completed", g.completed},
                          {"achieved_rate", g.achieved_rate},
                          {"error_ratio", g.error_ratio},
                          {"latency", quantiles(g.latency)}});
    json tl = json::array();
    for (const auto& p : s.timeline)
        tl.push_back({{"t_s", p.t_s},
                      {"target", p.target},
                      {"achieved_rate", p.achieved_rate},
                      {"p50_ms", p.p50_ms},
                      {"p95_ms", p.p95_ms},
                      {"p99_ms", p.p99_ms},
                      {"error_ratio", p.error_ratio},
                      {"late", p.late}});
    json th = json::array();
    for (const auto& r : s.thresholds) {
        json t{{"expr", r.threshold.expr},
               {"source", std::string(to_string(r.threshold.source))},
               {"observed", r.observed},
               {"evaluated", r.evaluated},
               {"passed", r.passed},
               {"aborted_run", r.aborted_run},
               {"abort_on_fail", r.threshold.abort_on_fail}};
        if (!r.threshold.request.empty()) t["request"] = r.threshold.request;
        if (!r.threshold.route.empty()) t["route"] = r.threshold.route;
        if (!r.threshold.version.empty()) t["version"] = r.threshold.version;
        if (!r.note.empty()) t["note"] = r.note;
        th.push_back(t);
    }
    json rollout = nullptr;
    if (s.rollout) {
        const RolloutResult& r = *s.rollout;
        json tr = json::array();
        for (const auto& t : r.transitions)
            tr.push_back({{"t_s", t.t_s},
                          {"state", t.state},
                          {"step", t.step},
                          {"weight_percent", t.weight_percent},
                          {"reason", t.reason}});
        rollout = {{"state", r.state},        {"step", r.step},
                   {"steps", r.steps},        {"weight_percent", r.weight_percent},
                   {"reason", r.reason},      {"expected", r.expected},
                   {"passed", r.passed},      {"aborted_by_run", r.aborted_by_run},
                   {"note", r.note},          {"transitions", tr},
                   {"scorecard", r.scorecard}};
    }
    json knee = nullptr;
    if (s.knee)
        knee = {{"rate_per_s", s.knee->rate_per_s},
                {"target", s.knee->target},
                {"t_s", s.knee->t_s},
                {"p99_ms", s.knee->p99_ms},
                {"reason", s.knee->reason}};
    return json{
        {"schema", 1},
        {"run_id", s.run_id},
        {"scenario", s.scenario},
        {"target", s.target},
        {"executor", s.executor},
        {"started_ms", s.started_ms},
        {"duration_s", s.duration_s},
        {"planned_s", s.planned_s},
        {"outcome", std::string(to_string(s.outcome))},
        {"exit_code", s.exit_code()},
        {"reason", s.reason},
        {"error", s.error},
        {"sent", s.sent},
        {"completed", s.completed},
        {"errors", s.errors},
        {"transport_errors", s.transport_errors},
        {"rate_limited", s.rate_limited},
        {"error_ratio", s.error_ratio},
        {"achieved_rate", s.achieved_rate},
        {"by_status", status_map(s.by_status)},
        {"transport_by_kind", s.transport_by_kind},
        {"bytes_sent", s.bytes_sent},
        {"bytes_received", s.bytes_received},
        {"tls", s.tls ? json{{"handshakes", s.tls->handshakes}, {"resumed", s.tls->resumed}} : json()},
        {"late", s.late},
        {"unsent", s.unsent},
        {"latency", quantiles(s.latency)},
        {"latency_uncorrected", quantiles(s.latency_uncorrected)},
        {"lateness", quantiles(s.lateness)},
        {"latency_sketch", sketch_json(s.latency_sketch)},
        {"requests", reqs},
        {"checks", checks},
        {"checks_passed", s.checks_passed},
        {"checks_failed", s.checks_failed},
        {"checks_rate", s.checks_rate},
        {"stages", stages},
        {"timeline", tl},
        {"knee", knee},
        {"thresholds", th},
        {"thresholds_passed", s.thresholds_passed()},
        {"rollout", rollout}};
}

}  // namespace redline::load
