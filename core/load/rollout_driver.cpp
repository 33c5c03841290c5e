#include "core/load/rollout_driver.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace redline::load {

namespace {

constexpr int kLostAfterReads = 10;  // consecutive unanswered once-a-second reads

bool final_state(RolloutState s) {
    return s == RolloutState::Promoted || s == RolloutState::RolledBack || s == RolloutState::Aborted;
}

std::string call_error(const std::string& what, const Result<nlohmann::json>& r) {
    if (r.http_status == 401 || r.http_status == 403)
        return what + ": " + r.error_message() +
               " (driving a rollout needs the agent's operator token: agent.token_file, agent.token_env or "
               "--agent-token-file)";
    return what + ": " + r.error_message();
}

}  // namespace

RolloutDriver::RolloutDriver(const RolloutDrive& drive, AgentCallFn call)
    : drive_(drive), call_(std::move(call)) {
    result_.expected = std::string(to_string(drive_.expect));
    result_.steps = int(drive_.plan.steps.size());
}

std::string RolloutDriver::start() {
    const auto cur = call_("GET", "/v1/rollout", nullptr);
    if (!cur.ok()) return call_error("cannot read the agent's rollout", cur);
    std::string why;
    const auto st = parse_rollout_status(*cur.value, &why);
    if (!st) return "the agent's GET /v1/rollout is not a rollout status: " + why;
    if (rollout_active(st->state))
        return fmt::format(
            "the agent already has an active rollout ({}, step {}/{}): abort or finish it before a run "
            "drives a "
            "new one",
            to_string(st->state), st->step + 1, st->spec ? st->spec->steps.size() : 0);
    nlohmann::json plan;
    to_json(plan, drive_.plan);
    const auto put = call_("PUT", "/v1/rollout", &plan);
    if (!put.ok()) return call_error("the agent refused the rollout plan", put);
    const nlohmann::json body = {{"reason", "load run drives it"}};
    const auto started = call_("POST", "/v1/rollout/start", &body);
    if (!started.ok()) return call_error("the agent did not start the rollout", started);
    if (auto s = parse_rollout_status(*started.value)) started_ms_ = s->started_ms;
    spdlog::info("load run: rollout started on the agent ({} steps)", drive_.plan.steps.size());
    read(0);
    return {};
}

bool RolloutDriver::read(double t_s) {
    const auto r = call_("GET", "/v1/rollout", nullptr);
    std::string why;
    std::optional<RolloutStatus> st;
    if (r.ok()) st = parse_rollout_status(*r.value, &why);
    if (!st) {
        ++failed_reads_;
        result_.note = r.ok() ? "the agent's rollout status is malformed: " + why
                              : "cannot read the agent's rollout: " + r.error_message();
        if (failed_reads_ == 1) spdlog::warn("load run: {}", result_.note);
        if (failed_reads_ >= kLostAfterReads) {
            // The gate cannot look any more: end the run (end_run) rather than send load for nothing.
            result_.note = fmt::format("lost the agent for {} s: {}", failed_reads_, result_.note);
            final_ = true;
        }
        return false;
    }
    failed_reads_ = 0;
    result_.note.clear();
    if (started_ms_ != 0 && st->started_ms != started_ms_) {
        // Someone else restarted the agent's rollout: what it does now is no longer this run's rollout.
        result_.note = "the agent's rollout was restarted by someone else during the run";
        final_ = true;
        return true;
    }
    const std::string state(to_string(st->state));
    if (result_.transitions.empty() || result_.transitions.back().state != state ||
        result_.transitions.back().step != st->step) {
        result_.transitions.push_back({t_s, state, st->step, st->weight_percent, st->reason});
        spdlog::info("load run: rollout {} step {}/{} canary {}% {}", state, st->step + 1, result_.steps,
                     st->weight_percent, st->reason);
    }
    result_.state = state;
    result_.step = st->step;
    result_.weight_percent = st->weight_percent;
    result_.reason = st->reason;
    if (st->scorecard) to_json(result_.scorecard, *st->scorecard);
    final_ = final_state(st->state);
    return true;
}

bool RolloutDriver::poll(double t_s) {
    if (!final_) read(t_s);
    return final_;
}

RolloutResult RolloutDriver::finish(double t_s) {
    const bool restarted = final_ && result_.note.starts_with("the agent's rollout was restarted");
    if (!final_) read(t_s);
    const int step_at_end = result_.step;
    const bool outlived = !final_ && !result_.state.empty() && failed_reads_ == 0;
    if (outlived && drive_.abort_at_end) {
        const nlohmann::json body = {{"reason", "the load run ended before the rollout finished"}};
        const auto r = call_("POST", "/v1/rollout/abort", &body);
        if (r.ok()) {
            result_.aborted_by_run = true;
            read(t_s);
        } else {
            result_.note = call_error("the run ended before the rollout finished and could not abort it", r);
        }
    }
    if (restarted || result_.state.empty() || failed_reads_ > 0) {
        result_.passed = false;  // not ours any more, never read, or unreadable at the end: a gate that
        return result_;          // cannot look fails (the note says why)
    }
    switch (drive_.expect) {
        case RolloutExpect::Promoted:
            result_.passed = result_.state == "promoted";
            break;
        case RolloutExpect::RolledBack:
            result_.passed = result_.state == "rolled_back";
            break;
        case RolloutExpect::Any:
            result_.passed = true;
            break;
    }
    if (!result_.passed && result_.note.empty()) {
        if (outlived)
            result_.note = fmt::format(
                "the run ended at step {}/{} before the rollout finished{}", step_at_end + 1, result_.steps,
                result_.aborted_by_run ? "; the run aborted it (on_run_end \"abort\")" : "");
        else
            result_.note = "expected " + result_.expected + ", the rollout ended " + result_.state;
    }
    return result_;
}

}  // namespace redline::load
