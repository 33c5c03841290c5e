#include "agents/load_push/load_metrics.h"

#include <utility>

namespace redline::load_push {

namespace {

using Labels = std::vector<prometheus::ClientMetric::Label>;

prometheus::MetricFamily family(const char* name, const char* help, prometheus::MetricType type) {
    prometheus::MetricFamily f;
    f.name = name;
    f.help = help;
    f.type = type;
    return f;
}

void add(prometheus::MetricFamily& f, Labels labels, double value) {
    prometheus::ClientMetric m;
    m.label = std::move(labels);
    if (f.type == prometheus::MetricType::Counter)
        m.counter.value = value;
    else
        m.gauge.value = value;
    f.metric.push_back(std::move(m));
}

constexpr const char* kClassNames[6] = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};

}  // namespace

agent::Exposition load_exposition(const load::RunTotals& t) {
    using prometheus::MetricType;
    agent::Exposition out;
    out.native_family = kLoadDurationFamily;

    auto requests = family("redline_load_requests_total",
                           "Requests completed by the load generator, by request name and HTTP status class "
                           "(status_class=\"none\": no HTTP response).",
                           MetricType::Counter);
    auto failed =
        family("redline_load_failed_requests_total",
               "Requests that failed the scenario's expectation (an unexpected status or no response).",
               MetricType::Counter);
    auto duration =
        family(kLoadDurationFamily,
               "Request latency measured by the load generator from the intended start (coordinated omission "
               "corrected).",
               MetricType::Histogram);
    for (const auto& r : t.requests) {
        const Labels base{{"request", r.name}, {"method", r.method}};
        for (std::size_t c = 0; c < 6; ++c) {
            // Always the classes a run normally sees, so a rate() starts at zero; others once they occur.
            if (!r.counters.by_class[c] && c != 2 && c != 5) continue;
            Labels l = base;
            l.push_back({"status_class", kClassNames[c]});
            add(requests, std::move(l), double(r.counters.by_class[c]));
        }
        add(failed, base, double(r.counters.errors));
        agent::NativeHistogram native;
        duration.metric.push_back(agent::histogram_metric(r.corrected, base, native));
        out.duration_native.push_back(std::move(native));
    }

    auto failures = family("redline_load_failures_total",
                           "Requests that got no HTTP response, by kind (connect, reset, timeout, closed, "
                           "protocol, refused_by_allow_list, interrupted, tls).",
                           MetricType::Counter);
    for (std::size_t k = 0; k < load::kTransportKinds; ++k)
        add(failures, {{"kind", std::string(load::to_string(load::TransportError(k)))}},
            double(t.transport[k]));

    auto target =
        t.open_model
            ? family("redline_load_target_requests_per_second",
                     "Arrival rate the load generator is asked for now (open model).", MetricType::Gauge)
            : family("redline_load_target_vus", "Virtual users the load generator runs now (closed model).",
                     MetricType::Gauge);
    add(target, {}, t.target);
    auto unsent =
        family("redline_load_unsent_requests",
               "Open model: requests whose intended start passed but that never started (backlog while "
               "running, final count at the end).",
               MetricType::Gauge);
    add(unsent, {}, double(t.unsent));
    auto start = family("redline_load_run_start_timestamp_seconds",
                        "Unix time the load generator's run started.", MetricType::Gauge);
    add(start, {}, double(t.started_unix_ms) / 1e3);
    auto finished = family("redline_load_run_finished",
                           "1 once the load generator's run has ended (these are its final figures), else 0.",
                           MetricType::Gauge);
    add(finished, {}, t.final ? 1.0 : 0.0);
    auto info =
        family("redline_load_run_info", "The load generator's scenario (value 1).", MetricType::Gauge);
    add(info, {{"scenario", t.scenario}}, 1.0);

    for (auto* f : {&requests, &failed, &failures, &duration, &target, &unsent, &start, &finished, &info})
        out.families.push_back(std::move(*f));
    return out;
}

}  // namespace redline::load_push
