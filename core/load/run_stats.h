// Mergeable statistics of a load run: what one worker gathers during one second, and what the collector sums.
// Plain values, not thread-safe: a worker owns its current EpochStats; the Collector merges them under its
// mutex.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "core/sketch.h"
#include "core/window.h"

namespace redline::load {

/// Why a request got no HTTP response. Counted in Counters as status 0 and by kind here. Tls: an https
/// target's handshake failed or a TLS record was bad (not a clean close).
enum class TransportError : std::uint8_t {
    Connect,
    Refused,
    Reset,
    Timeout,
    Closed,
    Protocol,
    Interrupted,
    Tls
};
inline constexpr std::size_t kTransportKinds = 8;
std::string_view to_string(TransportError e);

/// One request name: counters (status 0 = transport error) and latency from the intended start (corrected)
/// and from the actual send (uncorrected). Transport errors have no latency.
struct RequestStats {
    Counters counters;
    LatencySketch corrected;
    LatencySketch uncorrected;
    void merge(const RequestStats& o);
    void clear();
};

struct StageStats {
    Counters counters;
    LatencySketch corrected;
    void merge(const StageStats& o);
};

/// Passes and failures of one check (index into the run's flattened check list).
struct CheckCount {
    std::uint64_t passes = 0;
    std::uint64_t fails = 0;
};

/// One finished request, kept only when the run records every request (EngineOptions::record_requests):
/// fixed size, trivially copyable, appended by the worker to its current EpochStats (no I/O, no allocation
/// once the buffer is warm). Times are unix ns.
struct RequestRecord {
    std::int64_t intended_ns = 0;  // intended start (= sent_ns in the closed model)
    std::int64_t sent_ns = 0;      // actual send (start of the connect for a request that never got written)
    std::int64_t done_ns = 0;      // response complete, or the transport error noticed
    std::uint32_t request = 0;     // index in the scenario's request order
    std::uint16_t status = 0;      // 0 = no HTTP response
    std::uint8_t error = 0;        // TransportError + 1 when status is 0, else 0
};
static_assert(sizeof(RequestRecord) == 32);

struct EpochStats {
    std::int64_t epoch = -1;  // unix second
    std::vector<RequestStats> requests;
    std::map<int, StageStats> stages;  // by stage index
    LatencySketch lateness;            // open model: send - intended
    std::uint64_t late = 0;
    std::array<std::uint64_t, kTransportKinds> transport{};
    std::vector<CheckCount> checks;  // flattened over all requests' checks (RequestMix::Entry::check_base)
    /// Every request finished in this second, in the order they finished per worker (record_requests only).
    /// merge() leaves them out (run totals must not grow with the run): the Collector moves them itself.
    std::vector<RequestRecord> records;
    bool any = false;

    void reset(std::size_t nrequests, std::size_t nchecks = 0);  // clears, keeps allocations
    void merge(const EpochStats& o);                             // adds o (epoch and records untouched)
};

/// Failed requests (unexpected status or no response; counted with Counters::add_result) over all requests.
inline double error_ratio(const Counters& c) {
    return c.requests ? double(c.errors) / double(c.requests) : 0.0;
}

}  // namespace redline::load
