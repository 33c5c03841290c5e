// Sliding windows over one-second epochs: a 60-slot ring per series. A window of any 1..60 s is a sum of the
// most recent closed slots, so rates are exact over each window (no decay, no interpolation).
//
// Used by the agent (one ring per (route, version), written by the merger thread) and the load engine
// (one ring per request name), so client-side and server-side figures compare exactly.
// Not thread-safe: one writer; readers must synchronise externally (the agent guards rings with its merge
// mutex).
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/sketch.h"

namespace redline {

/// Plain, mergeable request counters for one epoch or window.
struct Counters {
    static constexpr int kMaxCodes = 16;  // distinct status codes kept per slot; the rest count only by class

    std::uint64_t requests = 0;
    std::array<std::uint64_t, 6> by_class{};  // [1]=1xx .. [5]=5xx, [0]=outside 100..599
    /// (status, count), the first ncodes used.
    std::array<std::pair<std::uint16_t, std::uint64_t>, kMaxCodes> codes{};
    std::uint8_t ncodes = 0;
    std::uint64_t codes_overflow = 0;  // requests whose code did not fit in `codes`
    std::uint64_t errors = 0;          // 5xx (server errors; 429 is counted as rate-limited, not an error)
    std::uint64_t cache_hits = 0;
    std::uint64_t cache_misses = 0;
    std::uint64_t rl_allowed = 0;
    std::uint64_t rl_rejected = 0;
    std::uint64_t rl_shadow_rejected = 0;

    /// Counts one request with this status (requests, by_class, codes, errors).
    void add_status(int status, std::uint64_t n = 1) noexcept;
    /// Like add_status, but `failed` decides whether the request is an error (the load engine's
    /// http_req_failed: a status that was not expected, or no response at all).
    void add_result(int status, bool failed, std::uint64_t n = 1) noexcept;
    void merge(const Counters& other) noexcept;
    std::uint64_t code_count(int status) const noexcept;
    bool operator==(const Counters&) const noexcept = default;
};

/// One closed epoch as stored in the ring: counters plus the latency distribution in compact form.
struct EpochSlot {
    std::int64_t epoch = -1;  // unix second this slot describes; -1 = empty
    Counters counters;
    std::vector<std::pair<std::uint16_t, std::uint32_t>> buckets;  // sorted sparse sketch buckets
    double latency_sum_ns = 0.0;
    std::uint64_t latency_min_ns = 0;
    std::uint64_t latency_max_ns = 0;
};

class WindowRing {
  public:
    static constexpr int kSlots = 60;

    /// Stores one closed epoch. Epochs must be increasing; gaps are filled with empty slots (an idle
    /// second is a real zero, not missing data). An epoch older than the newest stored is ignored;
    /// the newest epoch closed again (a late shard) is merged into its slot, so nothing recorded is lost.
    void close_epoch(std::int64_t epoch, const Counters& counters, const LatencySketch& sketch);

    /// Sums the closed epochs in (last_epoch - seconds, last_epoch] into out/out_sketch (which are added to,
    /// not cleared). seconds is clamped to [1, kSlots]. Epochs never recorded count as zero.
    void window(std::int64_t last_epoch, int seconds, Counters& out, LatencySketch& out_sketch) const;

    /// Newest epoch stored, or -1.
    std::int64_t newest_epoch() const noexcept { return newest_; }
    /// Bytes used by this ring now (slots plus their sparse buckets), for documentation and benchmarks.
    std::size_t memory_bytes() const noexcept;

  private:
    std::array<EpochSlot, kSlots> slots_{};
    std::int64_t newest_ = -1;
};

}  // namespace redline
