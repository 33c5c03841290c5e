#include "core/prometheus_fleet.h"

#include <fmt/format.h>

namespace redline {

std::vector<std::string> fleet_group_labels(const FleetMapping& m) {
    std::vector<std::string> out;
    for (const std::string* l : {&m.instance_label, &m.route_label, &m.version_label})
        if (!l->empty()) out.push_back(*l);
    return out;
}

std::string fleet_series(const std::string& name, const std::string& selector, const std::string& extra) {
    std::string matchers = selector;
    if (!extra.empty()) matchers += (matchers.empty() ? "" : ",") + extra;
    return matchers.empty() ? name : name + "{" + matchers + "}";
}

std::string fleet_native_probe(const FleetMapping& m) {
    return fmt::format("count({}) or vector(0)", fleet_series(m.duration_metric, m.selector));
}

std::vector<FleetQuery> fleet_queries(const FleetMapping& m, int window_s) {
    std::string by;
    for (const auto& l : fleet_group_labels(m))
        by += (by.empty() ? "" : ", ") + l;
    const std::string w = fmt::format("[{}s]", window_s);
    const std::string sel = m.selector;
    std::vector<FleetQuery> q;
    // Rate: every answered request is one histogram observation, whatever the service (OTel's count).
    if (m.native)
        q.push_back({FleetFigure::Rate, fmt::format("sum by ({}) (histogram_count(rate({}{})))", by,
                                                    fleet_series(m.duration_metric, sel), w)});
    else
        q.push_back({FleetFigure::Rate, fmt::format("sum by ({}) (rate({}{}))", by,
                                                    fleet_series(m.duration_metric + "_count", sel), w)});
    if (!m.requests_metric.empty() && !m.status_label.empty())
        q.push_back({FleetFigure::ErrorRatio,
                     fmt::format("sum by ({0}) (rate({1}{3})) / sum by ({0}) (rate({2}{3}))", by,
                                 fleet_series(m.requests_metric, sel, m.status_label + "=~\"5..\""),
                                 fleet_series(m.requests_metric, sel), w)});
    const std::pair<FleetFigure, const char*> quantiles[] = {
        {FleetFigure::P50, "0.5"}, {FleetFigure::P95, "0.95"}, {FleetFigure::P99, "0.99"}};
    for (const auto& [fig, phi] : quantiles) {
        if (m.native)
            q.push_back({fig, fmt::format("histogram_quantile({}, sum by ({}) (rate({}{})))", phi, by,
                                          fleet_series(m.duration_metric, sel), w)});
        else
            q.push_back({fig, fmt::format("histogram_quantile({}, sum by ({}, le) (rate({}{})))", phi, by,
                                          fleet_series(m.duration_metric + "_bucket", sel), w)});
    }
    if (!m.cache_metric.empty())
        q.push_back({FleetFigure::CacheHitRatio,
                     fmt::format("sum by ({0}) (rate({1}{3})) / sum by ({0}) (rate({2}{3}))", by,
                                 fleet_series(m.cache_metric, sel, "result=\"hit\""),
                                 fleet_series(m.cache_metric, sel), w)});
    return q;
}

}  // namespace redline
