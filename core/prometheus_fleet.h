// The few PromQL queries the dashboard's Prometheus source runs per refresh: one per figure, fleet-wide,
// grouped by instance, route and version (never one query per instance), for Redline agents and for any
// service exporting the OpenTelemetry HTTP server metrics (the label and metric names are mappable, so
// Prometheus' own prometheus_http_request_duration_seconds by handler works too).
//
// Six queries per refresh: rate, 5xx error ratio, p50, p95, p99, cache hit ratio. Quantiles come from the
// duration histogram: native (histogram_quantile over the histogram itself) or classic (over _bucket by le).
//
// Threading: pure functions.
#pragma once

#include <string>
#include <vector>

namespace redline {

struct FleetMapping {
    std::string selector;  // label matchers without braces, e.g. job="redline"; empty = every series
    std::string duration_metric = "http_server_request_duration_seconds";  // histogram, seconds
    std::string requests_metric = "http_server_requests_total";  // counter with the status label; empty =
                                                                 // no error ratio ("not exported")
    std::string status_label = "http_response_status_code";
    std::string route_label = "http_route";  // empty: no per-route grouping
    std::string version_label = "version";   // empty: no per-version grouping
    std::string instance_label = "instance";
    std::string cache_metric =
        "redline_cache_lookups_total";  // counter with result="hit"|"miss"; empty = none
    bool native = false;                // the duration metric is a native histogram
};

enum class FleetFigure { Rate, ErrorRatio, P50, P95, P99, CacheHitRatio };

struct FleetQuery {
    FleetFigure figure;
    std::string promql;
};

/// The queries for a window of window_s seconds (the range of rate()); figures the mapping cannot give
/// (no requests or cache metric) are left out. Labels of every result: instance, route, version (as mapped).
std::vector<FleetQuery> fleet_queries(const FleetMapping& m, int window_s);

/// The label names a result is grouped by, in order: instance, route, version (those mapped).
std::vector<std::string> fleet_group_labels(const FleetMapping& m);

/// The query that tells a native duration histogram from a classic one: a native histogram is stored under
/// the metric's bare name, a classic one only as _bucket/_count/_sum series. Prometheus 2.42 with the native
/// feature keeps only the native form, so the mapping must follow what is stored (`native` above).
std::string fleet_native_probe(const FleetMapping& m);

/// `name{selector,extra}` with the selector and extra matchers joined (either may be empty).
std::string fleet_series(const std::string& name, const std::string& selector, const std::string& extra = {});

}  // namespace redline
