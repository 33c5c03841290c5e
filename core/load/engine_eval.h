// Pure functions behind the engine's results: metric extraction for thresholds (client side from Counters +
// sketches, agent side from a Snapshot), summary assembly and knee detection. No state, no threads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/load/collector.h"
#include "core/load/results.h"
#include "core/load/request_mix.h"

namespace redline::load {

int request_index(const RequestMix& mix, const std::string& name);  // -1 when unknown
/// What a client-side metric is computed from: the requests' counters and corrected latency over `seconds`,
/// the checks of those requests, and (run-wide only) the unsent count.
struct ClientData {
    Counters counters;
    LatencySketch corrected;
    double seconds = 0;
    CheckCount checks;
    std::optional<std::uint64_t> unsent;
};
/// Client-side value of a metric; nullopt (+ note) when it cannot be measured.
std::optional<double> client_metric(ThresholdMetric m, const ClientData& d, std::string* note);
/// Sums the checks of one request (index) or of all (-1) from a flattened check list.
CheckCount sum_checks(const RequestMix& mix, const std::vector<CheckCount>& checks, int request);
/// Agent-side value: the threshold's route/version series (worst version for latency/error, sum for rate) or
/// total.
std::optional<double> agent_metric(const Threshold& t, const Snapshot& snap, std::string* note);
std::string format_metric(ThresholdMetric m, double v);  // "212.40ms", "1.20%", "950.0/s"

void fill_totals(Summary& s, const EpochStats& tot, const RequestMix& mix, double seconds);
void fill_stages(Summary& s, const EpochStats& tot, const Scenario& sc, double ran_s);
void fill_timeline(Summary& s, const std::vector<Collector::Second>& secs, const Scenario& sc,
                   double start_unix_s, double ran_s);
/// Knee of a ramp: the last second before throughput fell behind the target (open model) or p99 rose above
/// max(3x baseline, baseline + 10 ms) or errors exceeded 5 %, for two consecutive seconds.
std::optional<Knee> detect_knee(const std::vector<TimelinePoint>& timeline, bool open_model);

}  // namespace redline::load
