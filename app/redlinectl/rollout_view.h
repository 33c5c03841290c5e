// `redlinectl rollout status` as text, in the style of `kubectl argo rollouts get rollout`: a header (state,
// step, canary weight, hold, what the step waits for, reason), the steps with the current one marked, and the
// newest analysis window's scorecard with a unit on every value. Pure functions; main thread.
#pragma once

#include <cstdint>
#include <string>

#include "core/rollout.h"

namespace redline::ctl {

/// The state with its symbol: "▶ progressing", "✔ promoted", "✖ rolled_back", ...
std::string rollout_state_text(RolloutState s);

/// The whole status of the rollout of the agent at `agent` (its URL, shown). `now_ms` (unix ms) gives the
/// "ago" of the start time.
std::string rollout_status_text(const std::string& agent, const RolloutStatus& s, std::int64_t now_ms);

}  // namespace redline::ctl
