// The few PromQL queries the dashboard's Prometheus source runs per refresh, and the conversion of their
// answers into the dashboard's own currency: per-instance Snapshots (one per query step), as if each
// instance were an agent streaming at the refresh interval, plus one fleet-wide Snapshot stream.
//
// Queries: one per figure, fleet-wide, never one per instance (docs/dashboard.md states the count). Each is
// the union (`or`) of up to four aggregation levels, told apart by the label `redline_level`:
//   "instance"    by (instance)                                   every instance's totals
//   "fleet"       by ()                                           the whole selection
//   "fleet_route" by (method, route, version)                     the service's routes, fleet-wide
//   "route"       by (instance, method, route, version), only for the focused instances (the one the
//                 operator selected): per-route series of 500 instances would be tens of thousands of series
//                 per refresh for figures nobody looks at.
// Figures: request rate (the requests counter, or the duration histogram's count when the mapping has none,
// so any OpenTelemetry HTTP server works), the rate of 5xx and 429 answers by status code (with a zero series
// per group, so "no errors" differs from "no status metric"), the duration histogram's rate itself (native:
// the histograms; classic: the _bucket rates by le; without the "fleet" level), and cache lookups by result.
// Four range queries per refresh; figures the mapping cannot give (no status or cache metric) are left out,
// and figures that come back empty for the whole selection are "not exported" (FleetFrame), never zero.
//
// Latency: p50, p95 and p99 are computed here from the rated histograms with Prometheus' own
// histogram_quantile() algorithm (classic_quantile/native_quantile below), and the fleet's histogram is the
// sum of the instances' (exact: both are sums of the same rates). Prometheus 2.42 spends ~10-30 us per
// native histogram and step in rate(): three histogram_quantile() queries over three levels would rate every
// histogram nine times per refresh, which does not fit 500 instances at 1 Hz on 2 cores; this rates them
// twice (instances, fleet routes).
//
// Label and metric names are mappable, so Prometheus' own prometheus_http_request_duration_seconds by
// handler works too.
//
// Threading: pure functions.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/prometheus_client.h"
#include "core/snapshot.h"

namespace redline {

struct FleetMapping {
    std::string selector;  // label matchers without braces, e.g. job="redline"; empty = every series
    std::string duration_metric = "http_server_request_duration_seconds";  // histogram, seconds
    std::string requests_metric = "http_server_requests_total";  // counter with the status label; empty =
                                                                 // the duration histogram's count
    std::string status_label = "http_response_status_code";      // empty: no error figures
    std::string method_label = "http_request_method";            // empty: routes without a method
    std::string route_label = "http_route";                      // empty: no per-route grouping
    std::string version_label = "version";                       // empty: no per-version grouping
    std::string instance_label = "instance";
    std::string cache_metric =
        "redline_cache_lookups_total";  // counter with result="hit"|"miss"; empty = none
    // A forwarding host's upstream time (redline-proxy's agent), a histogram like the duration metric and
    // with the same labels; empty = none. Where it exists the snapshots carry `upstream`.
    std::string upstream_metric = "redline_upstream_request_duration_seconds";
    bool native = false;  // the duration (and upstream) metric is a native histogram
    bool operator==(const FleetMapping&) const = default;

    /// redline-load runs pushed to a Pushgateway (`redline-load --push`, scraped with honor_labels): the
    /// generators are the instances (they have no `up`: fleet_targets_query finds them by their series),
    /// the scenario's requests are the routes, the latency is the corrected one, errors are "5xx" answers.
    static FleetMapping load_generators() {
        FleetMapping m;
        m.selector = "job=\"redline-load\"";
        m.duration_metric = "redline_load_request_duration_seconds";
        m.requests_metric = "redline_load_requests_total";
        m.status_label = "status_class";
        m.method_label = "method";
        m.route_label = "request";
        m.version_label.clear();
        m.cache_metric.clear();
        m.upstream_metric.clear();
        return m;
    }
};

enum class FleetFigure { Rate, Status, Latency, Cache, Upstream };

struct FleetQuery {
    FleetFigure figure;
    std::string promql;
    // Non-empty: the answers are of this level and untagged (Prometheus 2.42's label_replace() drops native
    // histogram samples, so native latency levels are separate queries); tag them with tag_level().
    std::string level;
};

/// Adds redline_level=level to every series (the answers of a FleetQuery with a level).
void tag_level(std::vector<PromSeries>& series, const std::string& level);

inline constexpr const char* kFleetLevelLabel = "redline_level";

/// The queries for a rate() range of window_s seconds; `focus` lists the instances whose per-route series
/// are wanted (the "route" level; none when empty).
/// focus_only: just the "route" level (history of newly focused instances).
std::vector<FleetQuery> fleet_queries(const FleetMapping& m, int window_s,
                                      const std::vector<std::string>& focus = {}, bool focus_only = false);

/// The query that tells a native duration histogram from a classic one: a native histogram is stored under
/// the metric's bare name, a classic one only as _bucket/_count/_sum series. Prometheus 2.42 with the native
/// feature keeps only the native form, so the mapping must follow what is stored (`native` above).
std::string fleet_native_probe(const FleetMapping& m);

/// `up{selector}`: every target of the selection with its job, including the ones that are down; and the
/// instances of the requests (or duration) series that have no `up` (pushed or federated series), tagged
/// kFleetTargetLabel="series" with the value 1.
std::string fleet_targets_query(const FleetMapping& m);
inline constexpr const char* kFleetTargetLabel = "redline_target";
/// "no target matches up{…} and no series …": what an empty answer of fleet_targets_query() means.
std::string fleet_no_target_text(const FleetMapping& m);
/// `target_info{selector}`: the targets' resource attributes; a Redline agent says
/// telemetry_sdk_name="redline".
std::string fleet_target_info_query(const FleetMapping& m);

/// `name{selector,extra}` with the selector and extra matchers joined (either may be empty).
std::string fleet_series(const std::string& name, const std::string& selector, const std::string& extra = {});
/// A PromQL double-quoted string literal of s (backslash and quote escaped).
std::string promql_string(const std::string& s);

/// Prometheus' histogram_quantile() over classic buckets (upper bound, cumulative count; any order), as 2.42
/// computes it: sorted, coalesced, made monotonic, linear within the bucket, the +Inf bucket answered with
/// the highest finite bound; NaN without a +Inf bucket or observations.
double classic_quantile(double phi, std::vector<std::pair<double, double>> buckets);
/// Prometheus' histogram_quantile() over a native histogram (2.42: linear interpolation within the bucket;
/// a zero bucket of a histogram without negative buckets starts at 0).
double native_quantile(double phi, const PromHistogram& h);

/// The answers of one refresh, as Snapshots.
struct FleetFrame {
    std::map<std::string, std::vector<Snapshot>> instances;  // by instance label, in time order
    std::vector<Snapshot> fleet;                             // the whole selection, in time order
    bool status_exported = false;  // some series answered the status query (else: error figures absent)
    bool cache_exported = false;   // some series answered the cache query
};

/// Converts the answers (figure, series) of fleet_queries() into Snapshots: one per instance and step time,
/// with the per-route series of the focused instances, and the fleet-wide one with the fleet's routes.
/// Counts are the rates times window_s (rounded); ratios and rates are kept exact. Latency quantiles that
/// were not asked for (p90, p99.9, max, mean) are NaN. Steps without an instance's totals are dropped unless
/// routes_only (the answers of a focus_only query: snapshots with route series and an empty total).
FleetFrame fleet_frame(const FleetMapping& m, int window_s,
                       const std::vector<std::pair<FleetFigure, std::vector<PromSeries>>>& answers,
                       bool routes_only = false);

}  // namespace redline
