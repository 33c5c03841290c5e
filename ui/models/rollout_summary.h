// One line about a rollout document as events carry it (rollout.* events' before/after: a RolloutStatus, or
// the RolloutSpec of rollout.spec): "rolled back at step 2 of 4, canary 0 %; failing: p99 latency (canary
// 61.5 ms, allowed ≤ 16.2 ms)" instead of a dump of a few hundred leaves. Used by the events table and the
// chart markers' tooltips.
//
// Threading: pure functions.
#pragma once

#include <QString>
#include <nlohmann/json.hpp>

namespace redline::ui {

/// Empty when `j` is neither a rollout status nor a plan.
QString rolloutSummary(const nlohmann::json& j);

}  // namespace redline::ui
