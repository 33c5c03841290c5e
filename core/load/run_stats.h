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

/// Why a request got no HTTP response. Counted in Counters as status 0 and by kind here.
enum class TransportError : std::uint8_t { Connect, Refused, Reset, Timeout, Closed, Protocol, Interrupted };
inline constexpr std::size_t kTransportKinds = 7;
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

struct EpochStats {
    std::int64_t epoch = -1;  // unix second
    std::vector<RequestStats> requests;
    std::map<int, StageStats> stages;  // by stage index
    LatencySketch lateness;            // open model: send - intended
    std::uint64_t late = 0;
    std::array<std::uint64_t, kTransportKinds> transport{};
    bool any = false;

    void reset(std::size_t nrequests);  // clears, keeps allocations
    void merge(const EpochStats& o);    // adds o (epoch untouched)
};

/// Transport errors + 5xx over all responses and failures.
inline double error_ratio(const Counters& c) {
    return c.requests ? double(c.errors + c.by_class[0]) / double(c.requests) : 0.0;
}

}  // namespace redline::load
