// What the run store (core/load/run_store.h) keeps of one load run, as plain values, and the compact binary
// encoding of a latency sketch that every stored second carries twice (corrected and uncorrected).
//
// Sketch encoding (version 1), little-endian, unsigned LEB128 varints:
//   u8 version = 1 | varint n = number of non-empty buckets | n x (varint index delta, varint count)
//   | f64 sum_ns | varint min_ns | varint max_ns
// The index delta is the bucket index minus the previous one (the first is the index itself); deltas after
// the first are >= 1, counts >= 1. An empty sketch is the 2 bytes {1, 0}. A typical second of one request
// (tens of distinct buckets, counts < 128) takes 2 bytes per bucket plus about 20.
//
// Threading: plain values and pure functions; use from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/load/run_stats.h"
#include "core/sketch.h"
#include "core/window.h"

namespace redline::load {

/// Binary form of a sketch (see the file comment); decode_sketch(encode_sketch(s)) == s.
std::string encode_sketch(const LatencySketch& s);
/// Strict decode: a wrong version, a truncated or over-long blob, an index out of range or not increasing,
/// a zero count, a count overflow or min > max is refused (false, *why says which; out is left empty).
bool decode_sketch(std::string_view blob, LatencySketch& out, std::string* why = nullptr);

/// What is known of a run when it starts (the row inserted with state "incomplete").
struct RunHeader {
    std::string id;                // the store's id: 16 lowercase hex characters (RunStore::new_id())
    std::string run_id;            // the engine's run id (= id unless the run was given --run-id)
    std::string scenario;          // scenario name
    nlohmann::json scenario_json;  // the scenario as run: to_json(Scenario) with the overrides applied
    std::string target;
    std::string executor;
    std::int64_t started_ms = 0;  // unix ms
    std::string host;
    std::int64_t pid = 0;
    std::string version;  // redline version that wrote it
};

/// One stored run as listed and shown.
struct StoredRun {
    std::string id, run_id, scenario, target, executor;
    nlohmann::json scenario_json;
    std::int64_t started_ms = 0;
    std::optional<std::int64_t> ended_ms;  // empty while incomplete
    bool complete = false;                 // false: the run is going on, or its process died
    std::string outcome;                   // "passed", ... ("" while incomplete)
    std::optional<int> exit_code;
    std::string reason;
    nlohmann::json summary;  // to_json(Summary); null while incomplete
    std::string host, version;
    std::int64_t pid = 0;
    // Figures: from the summary when complete, else from the stored seconds.
    std::int64_t seconds = 0;  // seconds stored
    std::uint64_t requests = 0;
    double duration_s = 0;
    std::optional<double> error_ratio;
    std::optional<double> p99_ms;  // corrected, whole run
};

/// One stored second of one request name.
struct StoredRequestSecond {
    std::string name, method;
    Counters counters;  // requests, errors, by_class ([0] = no HTTP response), codes
    LatencySketch corrected, uncorrected;
};

/// One stored second of a run (RunSecond as it was written).
struct StoredSecond {
    std::int64_t epoch = 0;
    double t_s = 0;
    double target = 0;
    double achieved_rate = 0;  // requests completed in this second
    std::uint64_t late = 0, unsent = 0;
    std::int64_t in_flight = 0;
    std::array<std::uint64_t, kTransportKinds> transport{};
    std::vector<StoredRequestSecond> requests;  // scenario order
};

/// One second of the agent's own figures during the run (GET /v1/snapshot?window=1, series without requests
/// left out).
struct StoredAgentSecond {
    std::int64_t epoch = 0;
    std::int64_t time_ms = 0;
    nlohmann::json snapshot;
};

}  // namespace redline::load
