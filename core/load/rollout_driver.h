// Drives a scenario's rollout on its agent (Scenario::rollout, docs/scenarios.md "Rollouts"): before the
// first request it refuses an agent whose rollout is already active, PUTs the plan and starts it; once a
// second it reads GET /v1/rollout and keeps every change of state or step as a transition; at the end it
// reads the final state, aborts a rollout the run outlived when the scenario says so, and judges the outcome
// against `expect`. The rollout itself runs in the agent on the agent's clock: the run only supplies traffic
// and reads.
//
// Threading: one owner (the engine's control thread).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/agent_client.h"
#include "core/load/results.h"
#include "core/load/scenario.h"

namespace redline::load {

/// A JSON call to the run's agent (method, path, body or null). The engine's default goes through an
/// AgentClient built from Scenario::agent.
using AgentCallFn = std::function<Result<nlohmann::json>(std::string_view method, std::string_view path,
                                                         const nlohmann::json*)>;

class RolloutDriver {
  public:
    RolloutDriver(const RolloutDrive& drive, AgentCallFn call);

    /// Sets the plan and starts the rollout. Empty on success, else one line (no state changed on the agent
    /// when the refusal came before the PUT).
    std::string start();
    /// Reads the agent's status; true once the rollout is in a final state (promoted, rolled back, aborted),
    /// or when the agent did not answer 10 reads in a row (the run cannot judge it any more: it fails).
    bool poll(double t_s);
    /// The final reading (aborting an outlived rollout when on_run_end is "abort") and the verdict.
    RolloutResult finish(double t_s);

  private:
    /// GET /v1/rollout into result_; false (note set) when the agent did not answer.
    bool read(double t_s);

    RolloutDrive drive_;
    AgentCallFn call_;
    RolloutResult result_;
    std::int64_t started_ms_ = 0;  // our start, to notice a rollout restarted by someone else
    bool final_ = false;
    int failed_reads_ = 0;
};

}  // namespace redline::load
