// Self-contained HTML reports of saved load runs and of comparisons between two of them (docs/runs.md
// "Reports"): one file, no external resource, no script; inline CSS, charts as inline SVG (svg_chart.h).
//
// From a run store (the CLI):
//   std::string html = render_run_report_html(store, id, {});              // throws ReportError: no such run
//   std::string cmp = render_comparison_report_html(store, base_id, cur_id, {});
// From values already in memory (the dashboard's Runs view holds them):
//   ReportRun r{run, seconds, agent_seconds, agent_events};               // StoredRun + StoredSecond ...
//   std::string html = render_run_report_html(r, {});
//   std::string cmp = render_comparison_report_html(base, cur, {});
// and load_report_run(store, id) reads those values in one call.
//
// The document is XHTML-compatible HTML5 (it parses as XML: every element closed, attributes quoted, only
// the five XML entities and numeric references), so a test can read it with an XML parser. Every string
// that comes from a run (scenario and request names, reasons, event text, the scenario JSON) is escaped.
// It depends only on its inputs: times are the run's own (UTC), nothing random, so the same input gives
// the same bytes.
//
// Machine-readable hooks (tests, scripts): tables carry id="summary", "thresholds", "checks", "stages",
// "events", "comparison", "changes"; a summary row has data-request="NAME" ("" = all requests) and its cells
// data-key="count|rate|failed|min|avg|p50|p90|p95|p99|p99.9|max|p99_uncorrected"; a comparison row has
// data-figure="Figure::id()" and data-verdict="regressed|improved|no significant change|n/a".
//
// Pure functions of their inputs (the store overloads read the store); thread-safe for distinct stores.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/load/compare.h"
#include "core/load/run_record.h"
#include "core/load/stage_alignment.h"

namespace redline::load {

class RunStore;

/// A run's id is unknown, or (comparison) a run has no summary to compare (incomplete).
class ReportError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Everything a report shows of one run, as the store keeps it.
struct ReportRun {
    StoredRun run;
    std::vector<StoredSecond> seconds;  // oldest first
    std::vector<StoredAgentSecond> agent_seconds;
    std::vector<nlohmann::json> agent_events;  // the agent's events (core/event.h JSON) during the run
};

struct ReportOptions {
    std::string title;                  // "": "Load run SCENARIO" / "Comparison BASE vs CURRENT"
    CompareOptions compare;             // the verdicts of a comparison report
    std::string generator = "redline";  // named in the footer ("written by ...")
    /// Comparison charts: both runs from their start, or stage i of both from the same x (stage_alignment.h),
    /// with the stage boundaries marked.
    Alignment align = Alignment::Start;
};

/// The run's values from the store; nullopt when there is no run with this (full) id.
std::optional<ReportRun> load_report_run(const RunStore& store, const std::string& id);

/// One run: header, summary figures per request, thresholds and checks (✓/✗), stages, events, environment
/// and the scenario as run, charts per second (rate, latency p50/p95/p99, failures by class, in flight and
/// unsent, the agent's server-side p99 and rate when stored). An incomplete run is shown from its seconds.
std::string render_run_report_html(const ReportRun& run, const ReportOptions& options = {});
/// load_report_run + render; throws ReportError when the id is unknown, RunStoreError on a SQLite failure.
std::string render_run_report_html(const RunStore& store, const std::string& id,
                                   const ReportOptions& options = {});

/// Two runs: both headers, every compared figure (compare() with options.compare) with baseline, current,
/// change and verdict, overlaid charts aligned at the start or per stage (options.align; rate, p99,
/// failures), and what changed (scenario JSON differences as paths with old and new values, target, executor,
/// the events of either run). Throws ReportError when a run has no summary (incomplete) or its summary cannot
/// be read.
std::string render_comparison_report_html(const ReportRun& baseline, const ReportRun& current,
                                          const ReportOptions& options = {});
/// Throws ReportError when an id is unknown or a run is incomplete.
std::string render_comparison_report_html(const RunStore& store, const std::string& baseline_id,
                                          const std::string& current_id, const ReportOptions& options = {});

/// One difference between two JSON documents: its path ("$.stages[1].target", "$.requests[0].headers.x")
/// and the old and new values (absent on one side: null with the flag set).
struct JsonChange {
    std::string path;
    nlohmann::json before, after;
    bool added = false, removed = false;
};
/// Every leaf that differs, objects by key (sorted), arrays by index; the document order of paths.
std::vector<JsonChange> json_differences(const nlohmann::json& before, const nlohmann::json& after);

}  // namespace redline::load
