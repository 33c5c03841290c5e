// The recorder's per-thread counter layout, shared by the inline fast path of Recorder::record() (recorder.h)
// and the merger (recorder.cpp). Not part of the agent's API: nothing outside recorder.{h,cpp} uses it.
//
// Threading: a SeriesCells block is written by its owner thread only (plain relaxed load + store, no lock
// prefix), except min/max, which the merger takes and resets with an exchange. See recorder.cpp for the whole
// protocol.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>

#include "agents/agent/types.h"
#include "core/sketch.h"

namespace redline::agent::detail {

constexpr int kMinStatus = 100;
constexpr int kMaxStatus = 599;
constexpr std::size_t kStatusSlots = std::size_t(kMaxStatus - kMinStatus + 1);
// One counter per (status, cache outcome): a record bumps a single cell for both, and the merger sums the
// outcomes back out. The extra slot at index kStatusSlots counts statuses outside 100..599.
constexpr std::size_t kOutcomes = 3;  // CacheOutcome::None, Hit, Miss
constexpr std::size_t kStatusCells = (kStatusSlots + 1) * kOutcomes;
constexpr std::size_t kSketchBuckets = LatencySketch::kBuckets;

/// Single-writer increment: relaxed load + relaxed store (no read-modify-write instruction).
template <class T>
[[gnu::always_inline]] inline void bump(std::atomic<T>& a, T n = 1) noexcept {
    a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

/// One thread's cumulative counters for one series. Written by the owner thread only, except min/max
/// (which the merger takes and resets with an exchange). Read by the merger under the recorder's merge mutex.
struct alignas(64) SeriesCells {
    std::atomic<std::uint64_t> min{std::numeric_limits<std::uint64_t>::max()};  // since the last close
    std::atomic<std::uint64_t> max{0};
    std::atomic<std::uint64_t> latency_sum_ns{0};
    std::atomic<std::uint64_t> rl_allowed{0};
    std::atomic<std::uint64_t> rl_rejected{0};
    std::atomic<std::uint64_t> rl_shadow_rejected{0};
    std::atomic<std::uint64_t> started{0};
    std::atomic<std::uint64_t> finished{0};
    std::array<std::atomic<std::uint32_t>, kStatusCells> status{};  // wraps; deltas taken modulo 2^32
    std::array<std::atomic<std::uint32_t>, kSketchBuckets> buckets{};
};

/// The merger's previous reading of one SeriesCells (merge mutex).
struct SeriesPrev {
    std::uint64_t latency_sum_ns = 0;
    std::uint64_t rl_allowed = 0, rl_rejected = 0, rl_shadow_rejected = 0;
    std::uint64_t started = 0, finished = 0;
    std::array<std::uint32_t, kStatusCells> status{};
    std::array<std::uint32_t, kSketchBuckets> buckets{};
};

/// One thread's counters for every series of one recorder. cells: owner thread writes, merger reads.
/// prev: merger only. Flags: set once, by the owning thread (retired) or the recorder's destructor
/// (orphaned).
struct Shard {
    explicit Shard(std::size_t n)
        : nseries(n), cells(std::make_unique<SeriesCells[]>(n)), prev(std::make_unique<SeriesPrev[]>(n)) {}
    const std::size_t nseries;
    std::unique_ptr<SeriesCells[]> cells;
    std::unique_ptr<SeriesPrev[]> prev;
    std::atomic<bool> retired{false};
    std::atomic<bool> orphaned{false};
};

/// The calling thread's most recently used {recorder id, shard}, and the one before it (a forwarding host
/// records each request into two recorders, the total and the upstream time, alternately: the second entry
/// keeps that from searching the thread's shard list every time). Ids are never reused.
struct TlsCache {
    std::uint64_t id = 0;
    Shard* shard = nullptr;
    std::uint64_t id2 = 0;
    Shard* shard2 = nullptr;
};
extern constinit thread_local TlsCache t_cache;

/// The whole per-record work on the thread's own cells. Fixed-address counters first: their loads must not
/// wait behind the bucket store, whose address comes out of the index computation last.
[[gnu::always_inline]] inline void record_into(SeriesCells& c, int status, std::chrono::nanoseconds latency,
                                               CacheOutcome cache) noexcept {
    constexpr auto rlx = std::memory_order_relaxed;
    const std::uint64_t ns = latency.count() > 0 ? std::uint64_t(latency.count()) : 0;
    const auto code = std::size_t(unsigned(status - kMinStatus)) < kStatusSlots
                          ? std::size_t(unsigned(status - kMinStatus))
                          : kStatusSlots;
    const auto outcome = std::size_t(cache) < kOutcomes ? std::size_t(cache) : 0;
    bump(c.status[code * kOutcomes + outcome], 1u);
    bump(c.latency_sum_ns, ns);
    bump(c.buckets[LatencySketch::index_of(ns)], 1u);
    if (ns < c.min.load(rlx)) c.min.store(ns, rlx);
    if (ns > c.max.load(rlx)) c.max.store(ns, rlx);
}

}  // namespace redline::agent::detail
