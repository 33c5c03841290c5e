#include "agents/agent/rollout_engine.h"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "agents/agent/control_store.h"
#include "agents/agent/error_reporter.h"
#include "core/json_strict.h"

namespace redline::agent {

namespace {

thread_local bool t_writing_weight = false;

AdminResponse problem(int status, const char* title, std::string detail,
                      std::vector<FieldError> errors = {}) {
    Problem p = Problem::make(status, title, std::move(detail));
    p.errors = std::move(errors);
    return AdminResponse::problem(p);
}

std::string pct(double w) {
    return fmt::format("{:g}%", w);
}

/// The failing metrics of a scorecard, one clause each ("p99: canary 58.2 ms vs stable 6.1 ms, ...").
std::string failing_metrics(const Scorecard& sc) {
    std::string out;
    for (const auto& m : sc.metrics) {
        if (m.verdict != Verdict::Fail) continue;
        if (!out.empty()) out += "; ";
        out += m.metric + ": " + m.detail;
    }
    return out.empty() ? "no failing metric" : out;
}

const MetricScore* first_inconclusive(const Scorecard& sc) {
    for (const auto& m : sc.metrics)
        if (m.verdict == Verdict::Inconclusive) return &m;
    return nullptr;
}

}  // namespace

bool RolloutEngine::writing_weight_here() noexcept {
    return t_writing_weight;
}

RolloutEngine::RolloutEngine(std::string path, Hooks hooks, ErrorReporter& errors)
    : path_(std::move(path)), hooks_(std::move(hooks)), errors_(errors) {}

void RolloutEngine::publish_active() {
    active_.store(rollout_active(status_.state), std::memory_order_release);
}

bool RolloutEngine::persist(std::string* error) {
    return ControlStore::write_atomic(path_, nlohmann::json(status_).dump(2) + "\n", error);
}

std::string RolloutEngine::waiting_for(const RolloutStatus& s) const {
    if (!s.spec) return "a plan (PUT /v1/rollout)";
    switch (s.state) {
        case RolloutState::None:
        case RolloutState::Pending:
            return "start";
        case RolloutState::Paused:
            return "resume, promote or abort";
        case RolloutState::Promoted:
        case RolloutState::RolledBack:
        case RolloutState::Aborted:
            return "";
        case RolloutState::Progressing:
            break;
    }
    const auto& spec = *s.spec;
    if (s.step < 0 || s.step >= int(spec.steps.size())) return "";
    const RolloutStep& st = spec.steps[std::size_t(s.step)];
    const int warmup = spec.analysis.warmup_s;
    if (s.step_held_s < warmup && s.step_held_s < st.hold_s)
        return fmt::format("warm-up {} s more, then hold {} s more", warmup - s.step_held_s,
                           st.hold_s - s.step_held_s);
    if (s.step_held_s < st.hold_s) return fmt::format("hold {} s more", st.hold_s - s.step_held_s);
    if (s.step_held_s <= warmup) return fmt::format("warm-up {} s more", warmup - s.step_held_s + 1);
    if (s.scorecard && s.scorecard->verdict == Verdict::Inconclusive) {
        if (const MetricScore* m = first_inconclusive(*s.scorecard))
            return "conclusive analysis (" + m->metric + ": " + m->detail + ")";
    }
    return fmt::format("{} passing windows in a row ({} so far)", spec.analysis.pass_windows,
                       s.passing_windows);
}

std::optional<std::string> RolloutEngine::transition(RolloutStatus next, const std::string& kind,
                                                     const std::string& actor, const std::string& message,
                                                     bool set_weight) {
    const RolloutStatus before = status_;
    const double old_weight = before.weight_percent;
    next.updated_ms = hooks_.now_ms();
    next.waiting_for = waiting_for(next);
    if (set_weight && hooks_.set_weight) {
        t_writing_weight = true;
        auto err = hooks_.set_weight(next.weight_percent);
        t_writing_weight = false;
        if (err) return "could not set the canary weight to " + pct(next.weight_percent) + ": " + *err;
    }
    status_ = std::move(next);
    publish_active();
    std::string err;
    Event e;
    e.kind = kind;
    e.actor = actor;
    e.message = message;
    nlohmann::json b = before, a = status_;
    b.erase("spec");
    a.erase("spec");
    e.before = std::move(b);
    e.after = std::move(a);
    const bool audited = hooks_.publish ? hooks_.publish(e) : true;
    if (!audited || !persist(&err)) {
        const std::string why = audited ? err : "could not write the audit log";
        status_ = before;
        publish_active();
        if (set_weight && hooks_.set_weight) {  // undo the weight change (audited as a change of its own)
            t_writing_weight = true;
            hooks_.set_weight(old_weight);
            t_writing_weight = false;
        }
        errors_.report("rollout: " + kind + " not applied: " + why);
        return why + "; nothing changed";
    }
    last_persist_epoch_ = status_.last_tick_epoch;
    spdlog::info("agent: {} by {}: {}", kind, actor, message);
    return std::nullopt;
}

void RolloutEngine::load() {
    std::lock_guard lk(mu_);
    std::ifstream in(path_, std::ios::binary);
    if (!in) {
        publish_active();
        return;  // never had a rollout
    }
    std::stringstream ss;
    ss << in.rdbuf();
    auto doc = parse_json_strict(ss.str());
    std::string err;
    std::optional<RolloutStatus> s;
    if (doc.ok()) s = parse_rollout_status(doc.value(), &err);
    if (!s) {
        errors_.report("rollout: " + path_ + " is unreadable (" +
                       (doc.ok() ? err : doc.errors().front().message) +
                       "); starting without a rollout, the canary weight stays as persisted");
        publish_active();
        return;
    }
    status_ = *s;
    publish_active();
    if (!status_.spec || status_.state != RolloutState::Progressing) return;
    const std::int64_t now_s = hooks_.now_ms() / 1000;
    const std::int64_t last_s =
        status_.last_tick_epoch > 0 ? status_.last_tick_epoch : status_.updated_ms / 1000;
    const std::int64_t down_s = std::max<std::int64_t>(0, now_s - last_s);
    RolloutStatus next = status_;
    if (down_s > status_.spec->max_downtime_s) {
        next.state = RolloutState::RolledBack;
        next.weight_percent = 0.0;
        next.reason = fmt::format(
            "the agent was down for {} s, longer than max_downtime_s = {} s: rolled back instead of resuming "
            "step {}/{}",
            down_s, status_.spec->max_downtime_s, status_.step + 1, status_.spec->steps.size());
        if (auto e = transition(next, "rollout.rolled_back", "rollout", next.reason, true))
            errors_.report("rollout: restart rollback failed: " + *e);
        return;
    }
    // Resume: the held time so far counts, the analysis windows start again (the agent has no data from
    // before the restart).
    next.passing_windows = 0;
    next.failing_windows = 0;
    next.scorecard.reset();
    next.reason = fmt::format("resumed step {}/{} after the agent was down for {} s", status_.step + 1,
                              status_.spec->steps.size(), down_s);
    // Re-assert the step's weight only when the canary control disagrees (it normally restored it itself).
    const bool weight_differs = !hooks_.current_weight || hooks_.current_weight() != next.weight_percent;
    if (auto e = transition(next, "rollout.resumed", "rollout", next.reason, weight_differs))
        errors_.report("rollout: resume after restart failed: " + *e);
}

void RolloutEngine::stop() {
    std::lock_guard lk(mu_);
    stopped_ = true;
}

RolloutStatus RolloutEngine::status() const {
    std::lock_guard lk(mu_);
    return status_;
}

AdminResponse RolloutEngine::get() const {
    std::lock_guard lk(mu_);
    return AdminResponse::json(200, nlohmann::json(status_));
}

AdminResponse RolloutEngine::put(const std::string& body, const std::string& actor) {
    if (body.empty()) return problem(400, "Bad Request", "request body is empty; expected a rollout plan");
    auto strict = parse_json_strict(body);
    if (!strict.ok()) return problem(400, "Bad Request", "request body is not strict JSON", strict.errors());
    auto spec = parse_rollout_spec(strict.value());
    if (!spec.ok()) return problem(400, "Bad Request", "invalid rollout plan", spec.errors());
    std::lock_guard lk(mu_);
    if (rollout_active(status_.state))
        return problem(409, "Conflict",
                       "a rollout is " + std::string(to_string(status_.state)) +
                           "; promote or abort it before setting a new plan");
    RolloutStatus next;
    next.spec = spec.value();
    next.state = RolloutState::Pending;
    next.weight_percent = status_.weight_percent;
    const std::string msg = fmt::format("rollout plan set: {} steps, on failure {}", next.spec->steps.size(),
                                        to_string(next.spec->on_failure));
    if (auto err = transition(next, "rollout.spec", actor, msg, false))
        return problem(500, "Internal Server Error", *err);
    return AdminResponse::json(200, nlohmann::json(status_));
}

void RolloutEngine::advance(RolloutStatus& next, std::string& kind, std::string& message) const {
    const auto& steps = next.spec->steps;
    const int n = int(steps.size());
    const int k = next.step + 1;
    next.step_held_s = 0;
    next.passing_windows = 0;
    next.failing_windows = 0;
    if (k >= n || steps[std::size_t(k)].weight_percent >= 100.0) {
        next.step = std::min(k, n - 1);
        next.state = RolloutState::Promoted;
        next.weight_percent = 100.0;
        kind = "rollout.promoted";
        message = "rollout promoted: canary 100%";
        return;
    }
    next.step = k;
    next.weight_percent = steps[std::size_t(k)].weight_percent;
    kind = "rollout.step";
    message = fmt::format("step {}/{}: canary {}", k + 1, n, pct(next.weight_percent));
}

AdminResponse RolloutEngine::act(const std::string& action, const std::string& body,
                                 const std::string& actor) {
    static const char* kActions[] = {"start", "pause", "resume", "promote", "abort", "skip"};
    if (std::none_of(std::begin(kActions), std::end(kActions), [&](const char* a) { return action == a; }))
        return problem(404, "Not Found",
                       "no rollout action '" + action + "' (start, pause, resume, promote, abort, skip)");
    std::string reason;
    if (!body.empty()) {
        auto strict = parse_json_strict(body);
        if (!strict.ok())
            return problem(400, "Bad Request", "request body is not strict JSON", strict.errors());
        const auto& j = strict.value();
        std::vector<FieldError> errs;
        if (!j.is_object()) {
            errs.push_back({"body", "must be a JSON object"});
        } else {
            for (const auto& [k, v] : j.items()) {
                if (k != "reason") {
                    errs.push_back({k, "unknown field (allowed: reason)"});
                } else if (!v.is_string() || v.get_ref<const std::string&>().size() > 200) {
                    errs.push_back({"reason", "must be a string of at most 200 characters"});
                } else {
                    reason = v.get<std::string>();
                    for (char c : reason)
                        if (static_cast<unsigned char>(c) < 0x20) {
                            errs.push_back({"reason", "must not contain control characters"});
                            break;
                        }
                }
            }
        }
        if (!errs.empty()) return problem(400, "Bad Request", "invalid rollout action body", errs);
    }
    std::lock_guard lk(mu_);
    const RolloutState st = status_.state;
    auto refuse = [&](const std::string& why) {
        return problem(409, "Conflict",
                       "cannot " + action + " a rollout that is " + std::string(to_string(st)) + ": " + why);
    };
    if (!status_.spec)
        return problem(409, "Conflict", "cannot " + action + ": no rollout plan (PUT /v1/rollout)");
    const std::string by = reason.empty() ? "" : ": " + reason;
    RolloutStatus next = status_;
    std::string kind, message;
    bool set_weight = false;
    if (action == "start") {
        if (rollout_active(st)) return refuse("it is already running (abort it to start again)");
        next.state = RolloutState::Progressing;
        next.step = 0;
        next.step_held_s = 0;
        next.passing_windows = next.failing_windows = 0;
        next.scorecard.reset();
        next.weight_percent = next.spec->steps.front().weight_percent;
        next.started_ms = hooks_.now_ms();
        next.reason = "started by " + actor + by;
        kind = "rollout.started";
        message = fmt::format("rollout started: step 1/{}: canary {}", next.spec->steps.size(),
                              pct(next.weight_percent));
        set_weight = true;
    } else if (action == "pause") {
        if (st != RolloutState::Progressing) return refuse("only a progressing rollout can be paused");
        next.state = RolloutState::Paused;
        next.reason = "paused by " + actor + by;
        kind = "rollout.paused";
        message = next.reason;
    } else if (action == "resume") {
        if (st != RolloutState::Paused) return refuse("only a paused rollout can be resumed");
        next.state = RolloutState::Progressing;
        next.failing_windows = 0;
        next.passing_windows = 0;
        next.reason = "resumed by " + actor + by;
        kind = "rollout.resumed";
        message = next.reason;
    } else if (action == "promote") {
        if (!rollout_active(st)) return refuse("only a progressing or paused rollout can be promoted");
        next.state = RolloutState::Promoted;
        next.weight_percent = 100.0;
        next.reason = "promoted by " + actor + by;
        kind = "rollout.promoted";
        message = "rollout promoted by " + actor + by + ": canary 100%";
        set_weight = true;
    } else if (action == "abort") {
        if (!rollout_active(st) && st != RolloutState::Pending)
            return refuse("only a pending, progressing or paused rollout can be aborted");
        next.state = RolloutState::Aborted;
        next.weight_percent = 0.0;
        next.reason = "aborted by " + actor + by;
        kind = "rollout.aborted";
        message = next.reason + ": canary 0%";
        set_weight = st != RolloutState::Pending;
    } else {  // skip
        if (!rollout_active(st)) return refuse("only a progressing or paused rollout can skip a step");
        advance(next, kind, message);
        message += " (step skipped by " + actor + by + ")";
        next.reason = "step skipped by " + actor + by;
        set_weight = true;
    }
    if (auto err = transition(next, kind, actor, message, set_weight))
        return problem(500, "Internal Server Error", *err);
    return AdminResponse::json(200, nlohmann::json(status_));
}

void RolloutEngine::tick(std::int64_t epoch) {
    std::lock_guard lk(mu_);
    if (stopped_ || !status_.spec) return;
    const RolloutState st = status_.state;
    if (!rollout_active(st)) return;
    if (epoch <= status_.last_tick_epoch) return;  // a re-closed or older epoch: analysed already
    const AnalysisConfig& cfg = status_.spec->analysis;
    const std::int64_t elapsed =
        status_.last_tick_epoch > 0 ? std::clamp<std::int64_t>(epoch - status_.last_tick_epoch, 1, 5) : 1;
    // After the warm-up the window never reaches back into it: the seconds right after a weight change
    // (a cold cache of the version that just got traffic) are not judged, neither now nor later.
    const int held = status_.step_held_s + (st == RolloutState::Progressing ? int(elapsed) : 0);
    const int window = held > cfg.warmup_s ? std::min(cfg.window_s, held - cfg.warmup_s) : cfg.window_s;
    VersionWindow stable, canary;
    if (hooks_.windows) hooks_.windows(window, stable, canary);
    Scorecard sc = analyze(stable, canary, cfg, epoch);
    sc.window_s = window;

    RolloutStatus next = status_;
    next.last_tick_epoch = epoch;
    next.scorecard = sc;
    if (st == RolloutState::Paused) {
        // The scorecard stays live while paused; nothing counts.
        next.updated_ms = hooks_.now_ms();
        next.waiting_for = waiting_for(next);
        status_ = std::move(next);
        return;
    }
    next.step_held_s += int(elapsed);
    // Warming up after a weight change: the window is shown but counts neither way.
    const Verdict counted = next.step_held_s <= cfg.warmup_s ? Verdict::Inconclusive : sc.verdict;
    switch (counted) {
        case Verdict::Fail:
            next.failing_windows += 1;
            next.passing_windows = 0;
            break;
        case Verdict::Pass:
            next.passing_windows += 1;
            next.failing_windows = 0;
            break;
        default:  // inconclusive: neither advances nor fails, but the passing run is broken
            next.passing_windows = 0;
            break;
    }
    const RolloutSpec& spec = *status_.spec;
    std::string kind, message;
    bool set_weight = false;
    if (next.failing_windows >= cfg.failure_windows) {
        const std::string why =
            fmt::format("{} ({} failing windows in a row at step {}/{}, canary {})", failing_metrics(sc),
                        next.failing_windows, next.step + 1, spec.steps.size(), pct(next.weight_percent));
        if (spec.on_failure == FailurePolicy::Rollback) {
            next.state = RolloutState::RolledBack;
            next.weight_percent = 0.0;
            next.reason = "canary analysis failed: " + why;
            kind = "rollout.rolled_back";
            message = "rolled back: " + why;
            set_weight = true;
        } else {
            next.state = RolloutState::Paused;
            next.reason = "canary analysis failed: " + why + "; paused for a human";
            kind = "rollout.paused";
            message = "paused: " + why;
        }
    } else if (next.step_held_s >= spec.steps[std::size_t(next.step)].hold_s &&
               next.passing_windows >= cfg.pass_windows) {
        advance(next, kind, message);
        next.reason.clear();
        set_weight = true;
    }
    if (kind.empty()) {
        next.updated_ms = hooks_.now_ms();
        next.waiting_for = waiting_for(next);
        status_ = std::move(next);
        if (epoch - last_persist_epoch_ >= 5) {
            std::string err;
            if (persist(&err))
                last_persist_epoch_ = epoch;
            else
                errors_.report("rollout: cannot persist progress: " + err);
        }
        return;
    }
    if (auto err = transition(next, kind, "rollout", message, set_weight)) {
        // Keep analysing: the status is unchanged, the next tick tries again.
        errors_.report("rollout: " + *err);
    }
}

}  // namespace redline::agent
