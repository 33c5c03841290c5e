// The agent's measurement engine: wait-free per-thread recording, merged once per second into 60-slot window
// rings per (method, route, version), plus cumulative totals for Prometheus.
//
// Threading:
//  - register_series(): configuration thread, before freeze(). Throws ConfigError after freeze().
//  - record(), record_rate_limit(), request_started(), request_finished(): any thread, after freeze().
//    Wait-free and allocation-free except the first call on a thread, which allocates that thread's shard
//    once. Each thread writes only its own shard (single-writer cumulative counters; relaxed atomics).
//  - close_epoch(), snapshot(), totals(), collectable scrapes: any thread; serialised by merge_mutex_.
//    The merger reads every shard's cumulative counters and stores the deltas since the previous close.
//  - start_clock()/stop_clock(): owner thread. The clock thread calls close_epoch() just after each
//  wall-clock second.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agents/agent/recorder_cells.h"
#include "agents/agent/types.h"
#include "core/snapshot.h"
#include "core/window.h"

namespace redline::agent {

struct SeriesInfo {
    std::string method, route, version;
    std::string id() const { return method + " " + route; }
};

class Recorder {
  public:
    Recorder();
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    SeriesHandle register_series(std::string_view method, std::string_view route, std::string_view version);
    /// Ends registration; recording before freeze() is ignored. Also freezes an attached upstream recorder.
    void freeze();
    /// A second latency of the same requests kept in its own recorder (a forwarding host's upstream time,
    /// Agent::record_upstream): every close_epoch() of this recorder closes `upstream` for the same epoch,
    /// under this recorder's merge lock (so `upstream` needs no clock of its own and the two never disagree
    /// on the newest epoch), and snapshot() fills SeriesSnapshot::upstream of each series from the upstream
    /// series with the same (method, route, version), and of the total from all of them. This recorder's
    /// record() is untouched: a host that attaches nothing pays nothing. Before freeze(); `upstream` is kept
    /// alive by this recorder.
    void attach_upstream(Recorder& upstream);
    const std::vector<SeriesInfo>& series() const noexcept;

    /// Inline fast path: one thread-local compare, then the thread's own counters (recorder_cells.h).
    [[gnu::always_inline]] void record(SeriesHandle h, int status, std::chrono::nanoseconds latency,
                                       CacheOutcome cache = CacheOutcome::None) noexcept {
        const detail::TlsCache& tc = detail::t_cache;
        if (tc.id == id_ && h.index < tc.shard->nseries) [[likely]] {
            detail::record_into(tc.shard->cells[h.index], status, latency, cache);
            return;
        }
        record_slow(h, status, latency, cache);
    }
    void record_rate_limit(SeriesHandle h, RateLimitOutcome outcome) noexcept;
    void request_started(SeriesHandle h) noexcept;
    void request_finished(SeriesHandle h) noexcept;

    /// Moves everything recorded since the previous close into the slot of `epoch` (unix seconds).
    void close_epoch(std::int64_t epoch);
    /// Window over the newest closed epochs; fills series, total, epoch and window_s (caller sets identity
    /// fields).
    Snapshot snapshot(int window_s) const;
    using TotalsVisitor =
        std::function<void(const SeriesInfo&, const Counters&, const LatencySketch&, std::int64_t inflight)>;
    /// Calls a visitor with every series' totals; false when the recorder is gone.
    using TotalsSource = std::function<bool(const TotalsVisitor&)>;

    /// Adds every series of `version` over the newest `seconds` closed epochs into out/out_sketch.
    void version_window(int seconds, std::string_view version, Counters& out,
                        LatencySketch& out_sketch) const;
    /// Called after each epoch is merged (on the closing thread, no lock held). Before freeze().
    void on_epoch_closed(std::function<void(std::int64_t epoch)> fn);

    /// Cumulative since start (for /metrics): per series counters and sketch, merged at each close.
    void totals(const TotalsVisitor& fn) const;
    /// totals() behind a weak reference to the recorder: safe to call after the recorder is destroyed (then
    /// it returns false). Exposition (MetricsCollectable) is built on this, so the recorder knows nothing of
    /// it.
    TotalsSource totals_source() const;

    /// Memory held now (for docs/benchmarks): window rings, cumulative totals, and the per-thread shards
    /// (each shard holds one block of counters per series, plus the merger's previous reading of it).
    struct MemoryUsage {
        std::size_t rings_bytes = 0, totals_bytes = 0, shards_bytes = 0;
        std::size_t shard_bytes_per_series = 0;  // per series, per recording thread
        std::size_t series = 0, shards = 0;
    };
    MemoryUsage memory_usage() const;

    /// Starts/stops the thread that closes an epoch at each wall-clock second boundary.
    void start_clock();
    void stop_clock();

  private:
    /// snapshot()'s upstream members (merge_mutex held).
    void fill_upstream(Snapshot& out) const;
    /// First record on a thread, a thread that switched recorders, or an invalid handle.
    void record_slow(SeriesHandle h, int status, std::chrono::nanoseconds latency,
                     CacheOutcome cache) noexcept;

    struct Impl;
    std::shared_ptr<Impl> impl_;
    std::uint64_t id_;  // impl_->id, kept here so record() finds its shard with one load fewer
};

}  // namespace redline::agent
