// The Prometheus families of a load run's cumulative figures (redline-load --push), in the agent's data model
// and encoders (agents/agent/exposition.h): requests by status class, failed requests, transport failures,
// the corrected latency as a histogram (classic buckets and the schema-5 native histogram), the target, the
// open model's backlog. Names, labels and units: docs/scenarios.md ("Distributed runs through Prometheus").
//
// Threading: pure functions; call from any thread.
#pragma once

#include <string>

#include "agents/agent/exposition.h"
#include "core/load/run_totals.h"

namespace redline::load_push {

/// Name of the histogram family (it carries the native histogram in the protobuf push).
inline constexpr const char* kLoadDurationFamily = "redline_load_request_duration_seconds";

/// The families of one push. The grouping labels (job, run_id, instance) are not in them: the Pushgateway
/// adds them from the push URL.
agent::Exposition load_exposition(const load::RunTotals& totals);

}  // namespace redline::load_push
