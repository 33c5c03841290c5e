#include "agents/agent/metrics_collectable.h"

#include <prometheus/text_serializer.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <utility>

namespace redline::agent {

namespace {

constexpr const char* kMethod = "http_request_method";
constexpr const char* kRoute = "http_route";
constexpr const char* kVersion = "version";
constexpr const char* kStatus = "http_response_status_code";

std::vector<prometheus::ClientMetric::Label> series_labels(const SeriesInfo& s) {
    return {{kMethod, s.method}, {kRoute, s.route}, {kVersion, s.version}};
}

prometheus::MetricFamily family(const char* name, const char* help, prometheus::MetricType type) {
    prometheus::MetricFamily f;
    f.name = name;
    f.help = help;
    f.type = type;
    return f;
}

void add_counter(prometheus::MetricFamily& f, std::vector<prometheus::ClientMetric::Label> labels,
                 double value) {
    prometheus::ClientMetric m;
    m.label = std::move(labels);
    m.counter.value = value;
    f.metric.push_back(std::move(m));
}

std::vector<prometheus::ClientMetric::Label> with(std::vector<prometheus::ClientMetric::Label> labels,
                                                  const char* name, std::string value) {
    labels.push_back({name, std::move(value)});
    return labels;
}

}  // namespace

MetricsCollectable::MetricsCollectable(std::string service, TotalsSource source)
    : service_(std::move(service)), source_(std::move(source)) {}

std::span<const double> MetricsCollectable::bucket_bounds_s() noexcept {
    return classic_duration_bounds_s();
}

std::vector<prometheus::MetricFamily> MetricsCollectable::Collect() const {
    return collect_exposition().families;
}

MetricsCollectable::Exposition MetricsCollectable::collect_exposition() const {
    Exposition out;
    using prometheus::MetricType;
    auto duration = family(kDurationFamily, "Duration of HTTP server requests.", MetricType::Histogram);
    auto requests = family("http_server_requests_total",
                           "HTTP server requests answered, by response status code.", MetricType::Counter);
    auto active = family("http_server_active_requests", "HTTP server requests currently being handled.",
                         MetricType::Gauge);
    auto cache = family("redline_cache_lookups_total", "Response cache lookups by result (hit or miss).",
                        MetricType::Counter);
    auto limits = family("redline_rate_limit_decisions_total",
                         "Rate limiter decisions (allowed, rejected, shadow_rejected).", MetricType::Counter);

    const bool alive =
        source_ &&
        source_([&](const SeriesInfo& s, const Counters& c, const LatencySketch& sk, std::int64_t inflight) {
            const auto labels = series_labels(s);

            NativeHistogram native;
            duration.metric.push_back(histogram_metric(sk, labels, native));
            out.duration_native.push_back(std::move(native));

            // Exact codes first; a series that saw more than Counters::kMaxCodes distinct codes reports the
            // rest by class ("1xx".."5xx") and codes outside 100..599 as "other", so the family always sums
            // to the histogram's _count.
            std::array<std::uint64_t, 6> listed{};
            std::uint64_t other = 0;
            for (std::size_t k = 0; k < c.ncodes; ++k) {
                const auto [code, n] = c.codes[k];
                if (code >= 100 && code <= 599) {
                    listed[code / 100] += n;
                    add_counter(requests, with(labels, kStatus, std::to_string(code)), double(n));
                } else {
                    listed[0] += n;
                    other += n;
                }
            }
            for (std::size_t cls = 1; cls < 6; ++cls)
                if (c.by_class[cls] > listed[cls])
                    add_counter(requests, with(labels, kStatus, std::to_string(cls) + "xx"),
                                double(c.by_class[cls] - listed[cls]));
            other += c.by_class[0] > listed[0] ? c.by_class[0] - listed[0] : 0;
            if (other) add_counter(requests, with(labels, kStatus, "other"), double(other));

            prometheus::ClientMetric g;
            g.label = labels;
            g.gauge.value = double(inflight);
            active.metric.push_back(std::move(g));

            add_counter(cache, with(labels, "result", "hit"), double(c.cache_hits));
            add_counter(cache, with(labels, "result", "miss"), double(c.cache_misses));
            add_counter(limits, with(labels, "decision", "allowed"), double(c.rl_allowed));
            add_counter(limits, with(labels, "decision", "rejected"), double(c.rl_rejected));
            add_counter(limits, with(labels, "decision", "shadow_rejected"), double(c.rl_shadow_rejected));
        });
    if (!alive) return {};

    auto info =
        family("target_info", "Target metadata (OpenTelemetry resource attributes).", MetricType::Gauge);
    prometheus::ClientMetric i;
    // telemetry_sdk_name says "this target is a Redline agent": the dashboard's Prometheus source offers its
    // live stream (the scrape address is the admin API's).
    i.label = {{"service_name", service_}, {"telemetry_sdk_name", "redline"}};
    i.gauge.value = 1;
    info.metric.push_back(std::move(i));

    out.families.reserve(6);
    for (auto* f : {&duration, &requests, &active, &cache, &limits, &info})
        if (!f->metric.empty()) out.families.push_back(std::move(*f));
    return out;
}

prometheus::MetricFamily upstream_duration_family(const Recorder& upstream,
                                                  std::vector<NativeHistogram>* natives) {
    auto f =
        family(kUpstreamFamily,
               "Upstream time of a forwarding host: first request byte written to last response byte, summed "
               "over the attempts that reached an upstream.",
               prometheus::MetricType::Histogram);
    upstream.totals([&](const SeriesInfo& s, const Counters& c, const LatencySketch& sk, std::int64_t) {
        if (c.requests == 0) return;
        NativeHistogram native;
        f.metric.push_back(histogram_metric(sk, series_labels(s), native));
        if (natives) natives->push_back(std::move(native));
    });
    return f;
}

std::string serialize_metrics(const std::vector<prometheus::MetricFamily>& families) {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, families);
    return std::move(out).str();
}

std::string metrics_text(const prometheus::Collectable& collectable) {
    return serialize_metrics(collectable.Collect());
}

std::shared_ptr<MetricsCollectable> make_metrics_collectable(const Recorder& recorder, std::string service) {
    return std::make_shared<MetricsCollectable>(std::move(service), recorder.totals_source());
}

}  // namespace redline::agent
