// Prometheus exposition of the recorder's cumulative totals: a prometheus::Collectable that builds metric
// families (prometheus-cpp 1.0.1 data model) on every scrape, following the OpenTelemetry HTTP semantic
// conventions mapped to Prometheus names. Every family, label and unit is documented in docs/metrics.md.
//
// The collectable reaches the data through a TotalsSource, Recorder::totals_source() builds around a weak
// reference to the recorder (make_metrics_collectable): after the recorder is destroyed, Collect() returns no
// families.
//
// Threading: Collect() may be called from any thread, concurrently with recording and epoch closes (the
// source serialises on the recorder's merge mutex). The object itself is immutable after construction.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "agents/agent/exposition.h"
#include "agents/agent/native_histogram.h"
#include "agents/agent/recorder.h"
#include "core/sketch.h"
#include "core/window.h"

namespace redline::agent {

class MetricsCollectable : public prometheus::Collectable {
  public:
    using TotalsVisitor = Recorder::TotalsVisitor;
    /// Calls the visitor once per registered series with its cumulative totals; returns false when the data
    /// source is gone (then Collect() returns nothing).
    using TotalsSource = Recorder::TotalsSource;

    MetricsCollectable(std::string service, TotalsSource source);

    /// One scrape: the families (as Collect()) plus, for every metric of http_server_request_duration_seconds
    /// in order, its native histogram (the protobuf exposition carries both).
    using Exposition = redline::agent::Exposition;
    Exposition collect_exposition() const;

    std::vector<prometheus::MetricFamily> Collect() const override;

    /// Upper bounds (seconds) of the classic request-duration buckets, ascending; +Inf is implied. They are
    /// 2^(k/4) s for k = -44..24 (0.49 ms .. 64 s), native bucket boundaries, so a classic bucket is a sum of
    /// native buckets of the same scrape.
    static std::span<const double> bucket_bounds_s() noexcept;

  private:
    std::string service_;
    TotalsSource source_;
};

/// The collectable of a recorder's totals; holds the recorder weakly (safe after its destruction).
std::shared_ptr<MetricsCollectable> make_metrics_collectable(const Recorder& recorder, std::string service);

/// redline_upstream_request_duration_seconds: the upstream wait recorded by a forwarding host (one classic
/// histogram per series, same labels and buckets as the request duration). Any thread.
prometheus::MetricFamily upstream_duration_family(const Recorder& upstream,
                                                  std::vector<NativeHistogram>* natives = nullptr);

/// Serialises families in the Prometheus text format 0.0.4 (prometheus::TextSerializer).
std::string serialize_metrics(const std::vector<prometheus::MetricFamily>& families);
/// Collect() + serialize_metrics().
std::string metrics_text(const prometheus::Collectable& collectable);

/// Content-Type of serialize_metrics() output.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace redline::agent
