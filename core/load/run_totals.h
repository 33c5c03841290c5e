// Cumulative figures of a load run since its start, for exporters that publish a run while it goes on (the
// Pushgateway push of redline-load --push): per request name its counters and coordinated-omission-corrected
// latency sketch, the transport failures by kind, the open model's backlog and the current target.
//
// Threading: a plain value; the engine builds one on its control thread (EngineOptions::on_totals) and the
// receiver may move it to any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/load/run_stats.h"
#include "core/sketch.h"
#include "core/window.h"

namespace redline::load {

struct RunTotals {
    struct Request {
        std::string name;
        std::string method;
        Counters counters;        // status 0 (by_class[0]) = no HTTP response
        LatencySketch corrected;  // from the intended start (= from the send in the closed model)
    };
    std::string run_id;
    std::string scenario;
    std::int64_t started_unix_ms = 0;
    double elapsed_s = 0;
    bool open_model = true;
    double target = 0;  // arrival rate (requests/s, open model) or VUs (closed model) at elapsed_s
    std::vector<Request> requests;
    std::array<std::uint64_t, kTransportKinds> transport{};  // by TransportError
    std::uint64_t unsent = 0;  // open model: intended start passed, never started (backlog; final at the end)
    bool final = false;        // the run has ended: these are its final figures
};

/// One closed second of a run (EngineOptions::on_second): what every request name got in that second, with
/// both latency sketches, so a receiver (streaming output, the run store) can compute any quantile of any
/// interval later by merging seconds. Seconds are delivered in order, each once, including empty ones.
struct RunSecond {
    struct Request {
        std::string name;
        std::string method;
        RequestStats stats;  // counters (status 0 = no HTTP response), corrected and uncorrected latency
    };
    std::string run_id;
    std::int64_t epoch = 0;  // unix second this covers [epoch, epoch + 1)
    double t_s = 0;          // end of the second, from the run's start (may be < 1 for the first one)
    bool open_model = true;
    double target = 0;           // arrival rate or VUs at t_s
    std::uint64_t late = 0;      // open model: requests that started late in this second
    std::uint64_t unsent = 0;    // open model: backlog (intended, not started) when it was closed
    std::int64_t in_flight = 0;  // when it was closed
    std::array<std::uint64_t, kTransportKinds> transport{};  // by TransportError, this second
    std::vector<Request> requests;                           // in the scenario's request order
    /// EngineOptions::record_requests only: every request that finished in this second, ordered by done_ns
    /// (a request a stalled worker handed in after its second was closed comes with the next second).
    std::vector<RequestRecord> records;
};

}  // namespace redline::load
