// Exports of one stored run (docs/runs.md, "runs show -o json"; docs/dashboard-runs.md, "Export"):
//
//   nlohmann::json doc = run_document(store, id);   // the document `redline-load runs show ID -o json`
//   prints std::string csv = timeline_csv(store, id);      // one row per stored second
//   std::vector<SecondRow> rows = timeline_rows(store.seconds(id));  // the figures both are made of
//
// The CSV's columns: t_s,target,achieved,requests,failed,no_response,http_4xx,http_5xx,transport,p50_ms,
// p95_ms,p99_ms,late,unsent,in_flight (latency corrected, from the second's merged sketch; empty when nothing
// completed in that second).
//
// Threading: pure functions over a RunStore the caller uses from one thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/load/run_store.h"

namespace redline::load {

/// The figures of one stored second over all its request names.
struct SecondRow {
    double t_s = 0;
    double target = 0;
    double achieved = 0;
    std::uint64_t requests = 0, failed = 0;
    std::uint64_t no_response = 0, http_4xx = 0, http_5xx = 0;  // by status class ([0]: no HTTP response)
    std::uint64_t transport = 0;                                // transport errors, all kinds
    std::uint64_t late = 0, unsent = 0;
    std::int64_t in_flight = 0;
    LatencySketch corrected, uncorrected;  // merged over the second's requests
    /// Corrected quantile in ms; nullopt when nothing completed in that second.
    std::optional<double> quantile_ms(double q) const;
};

std::vector<SecondRow> timeline_rows(const std::vector<StoredSecond>& seconds);

/// The listing of a run: {"id", "run_id", "scenario", ... "version"} (runs list -o json's items).
nlohmann::json run_json(const StoredRun& r);
/// {"run", "scenario", "summary", "stored", "timeline", "agent"}; null when there is no such run.
/// Throws RunStoreError on a SQLite failure.
nlohmann::json run_document(const RunStore& store, const std::string& id);
/// The header line and one line per stored second ("" when there is no such run).
std::string timeline_csv(const RunStore& store, const std::string& id);

}  // namespace redline::load
