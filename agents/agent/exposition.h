// One scrape or push in the Prometheus data model: metric families (prometheus-cpp 1.0.1 types) plus, for the
// metrics of one histogram family, their native histograms (the protobuf format carries both). A value type
// shared by the agent's /metrics and the load engine's Pushgateway push, so both go through one encoder
// (agents/agent/metrics_protobuf.h).
//
// Threading: a plain value; copy it freely.
#pragma once

#include <prometheus/metric_family.h>

#include <span>
#include <string>
#include <vector>

#include "agents/agent/native_histogram.h"
#include "core/sketch.h"

namespace redline::agent {

/// Name of the agent's family that carries the native histogram.
inline constexpr const char* kDurationFamily = "http_server_request_duration_seconds";
/// A forwarding host's upstream time (redline-proxy), a histogram with the duration family's labels.
inline constexpr const char* kUpstreamFamily = "redline_upstream_request_duration_seconds";

/// The native histograms of one more histogram family (a forwarding host's upstream time).
struct NativeFamily {
    std::string family;
    std::vector<NativeHistogram> histograms;  // one per metric of that family, in order
};

struct Exposition {
    std::vector<prometheus::MetricFamily> families;
    /// For every metric of the family named native_family, in order, its native histogram.
    std::vector<NativeHistogram> duration_native;
    std::string native_family = kDurationFamily;
    /// Other families whose metrics carry native histograms too.
    std::vector<NativeFamily> more_native;
    /// The native histograms of a family's metrics (nullptr: classic only).
    const std::vector<NativeHistogram>* natives_of(const std::string& family) const {
        if (family == native_family) return &duration_native;
        for (const auto& f : more_native)
            if (f.family == family) return &f.histograms;
        return nullptr;
    }
};

/// Upper bounds (seconds) of the classic latency buckets, ascending; +Inf is implied. They are 2^(k/4) s for
/// k = -44..24 (0.49 ms .. 64 s), native bucket boundaries, so a classic bucket is a sum of native buckets of
/// the same sketch (docs/metrics.md). The agent's request duration and the load engine's push both use them.
std::span<const double> classic_duration_bounds_s() noexcept;

/// A histogram metric of a latency sketch with these labels: sample count and sum (seconds), the classic
/// buckets at classic_duration_bounds_s() plus +Inf, computed from the native histogram stored in *native, so
/// the two views of one scrape or push agree.
prometheus::ClientMetric histogram_metric(const LatencySketch& sketch,
                                          std::vector<prometheus::ClientMetric::Label> labels,
                                          NativeHistogram& native);

}  // namespace redline::agent
