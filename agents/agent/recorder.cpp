// Recorder: per-thread shards of single-writer cumulative counters, merged once per epoch.
//
// Layout
//  - Every recording thread owns one Shard per Recorder: for each registered series a SeriesCells block of
//    cumulative counters (sketch bucket counts and per-status counts as uint32 that may wrap, the rest
//    uint64). Only the owner thread writes them, with a relaxed load followed by a relaxed store (a plain
//    `mov` pair on x86-64: no lock prefix, no fence). The exception is the min/max pair, which the merger
//    takes and resets with an exchange (see below).
//  - The thread finds its shard through a thread_local cache {recorder id, shard*} (plus the previous
//    entry, checked out of line: a forwarding host alternates between its total and upstream recorders); ids
//    are never reused, so an entry of a destroyed recorder never matches again. On a miss the thread looks
//    through its own list of shards (no lock) and only on its first call for a recorder allocates a shard and
//    hands it to the recorder under shards_mutex (the "pending" list).
//  - close_epoch() reads every shard, subtracts the previous reading (SeriesPrev, merger-owned), turns the
//    deltas into Counters + LatencySketch per series, stores them in the series' WindowRing and adds them to
//    the cumulative totals used by /metrics.
//  - Per-epoch min/max: each SeriesCells keeps the smallest and largest latency recorded since the merger
//    last took them. The owner only compares and, on a new extreme, stores; the merger takes them with an
//    exchange that resets them (min to UINT64_MAX, max to 0). A record racing with that exchange (nanoseconds
//    wide) can leave its extreme in the neighbouring epoch; the merged extremes are therefore clamped into
//    the epoch's lowest/highest non-empty sketch bucket, so they are exact except in that race, and then
//    still within one bucket (< 1.6 %) of the truth.
//  - When a thread exits, its thread_local list marks each of its shards retired (release). The next close
//    reads the shard one last time (after an acquire of the flag, so every write is visible), keeps its
//    in-flight balance and drops it: memory is bounded by the threads alive, not by the threads ever seen.
//  - When a recorder is destroyed its shards are marked orphaned; threads drop them from their lists on their
//    next cache miss.
#include "agents/agent/recorder.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <limits>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>
#include <utility>

#include "core/clock.h"

namespace redline::agent {

constinit thread_local detail::TlsCache detail::t_cache{};

namespace {

using detail::bump;
using detail::kMinStatus;
using detail::kOutcomes;
using detail::kSketchBuckets;
using detail::kStatusCells;
using detail::kStatusSlots;
using detail::SeriesCells;
using detail::SeriesPrev;
using detail::Shard;
using detail::t_cache;
constexpr std::size_t kMaxSeries = 4096;

std::atomic<std::uint64_t> g_next_recorder_id{1};

constinit thread_local bool t_exiting = false;

/// The calling thread's shards (one per recorder it has recorded into). Touched only by its own thread.
struct ThreadShards {
    std::vector<std::pair<std::uint64_t, std::shared_ptr<Shard>>> entries;
    ~ThreadShards() {
        t_exiting = true;
        t_cache = {};
        for (auto& e : entries)
            e.second->retired.store(true, std::memory_order_release);
    }
};
thread_local ThreadShards t_shards;

inline std::uint32_t delta32(std::uint32_t now, std::uint32_t before) noexcept {
    return now - before;  // modulo 2^32: exact while fewer than 2^32 increments happen between two closes
}

}  // namespace

struct Recorder::Impl {
    struct SeriesState {
        WindowRing ring;
        Counters total;
        LatencySketch total_sketch;
        std::int64_t inflight_base = 0;  // balance left by retired shards
    };

    const std::uint64_t id = g_next_recorder_id.fetch_add(1, std::memory_order_relaxed);
    std::atomic<bool> frozen{false};
    std::vector<SeriesInfo> series;  // configuration thread before freeze; immutable after

    std::mutex shards_mutex;
    std::vector<std::shared_ptr<Shard>> pending;  // guarded by shards_mutex: new shards not yet adopted

    std::mutex merge_mutex;
    // Guarded by merge_mutex:
    std::vector<std::shared_ptr<Shard>> shards;
    std::vector<SeriesState> state;
    std::int64_t last_closed = -1;
    LatencySketch scratch;                        // per-series epoch sketch, reused
    std::function<void(std::int64_t)> on_closed;  // configuration thread before freeze; immutable after
    // attach_upstream(): configuration thread before freeze; immutable after. Closed and read under this
    // recorder's merge_mutex, then the upstream's own (always in that order).
    std::shared_ptr<Impl> upstream;
    std::vector<std::ptrdiff_t> upstream_index;  // per series: its upstream series, or -1

    std::mutex clock_mutex;
    std::condition_variable clock_cv;
    bool clock_stop = false;  // guarded by clock_mutex
    std::thread clock;        // owner thread (start_clock/stop_clock)

    ~Impl() {
        for (auto& s : shards)
            s->orphaned.store(true, std::memory_order_release);
        for (auto& s : pending)
            s->orphaned.store(true, std::memory_order_release);
    }

    Shard* shard_slow() noexcept;

    SeriesCells* cells_for(SeriesHandle h) noexcept {
        Shard* s = t_cache.id == id ? t_cache.shard : t_cache.id2 == id ? t_cache.shard2 : shard_slow();
        if (s == nullptr || h.index >= s->nseries) return nullptr;
        return &s->cells[h.index];
    }

    void adopt_pending() {
        std::lock_guard lk(shards_mutex);
        for (auto& s : pending)
            shards.push_back(std::move(s));
        pending.clear();
    }

    std::int64_t inflight(std::size_t i) const noexcept {
        std::int64_t n = state[i].inflight_base;
        for (const auto& s : shards) {
            const SeriesCells& c = s->cells[i];
            n += std::int64_t(c.started.load(std::memory_order_relaxed)) -
                 std::int64_t(c.finished.load(std::memory_order_relaxed));
        }
        return std::max<std::int64_t>(n, 0);
    }

    void close(std::int64_t epoch);

    template <class Fn>
    void visit_totals(const Fn& fn) {
        if (!frozen.load(std::memory_order_acquire)) return;
        std::lock_guard lk(merge_mutex);
        adopt_pending();
        for (std::size_t i = 0; i < series.size(); ++i)
            fn(series[i], state[i].total, state[i].total_sketch, inflight(i));
    }
    void read_series(Shard& shard, std::size_t i, Counters& c, LatencySketch& sk, std::uint64_t& mn,
                     std::uint64_t& mx);
    void clock_loop();
    /// Merges the shards into the rings as epoch `epoch`; false when the epoch is older than the newest.
    bool merge(std::int64_t epoch);
};

Shard* Recorder::Impl::shard_slow() noexcept {
    if (!frozen.load(std::memory_order_acquire) || t_exiting) return nullptr;
    try {
        auto& list = t_shards.entries;
        std::erase_if(list, [](const auto& e) { return e.second->orphaned.load(std::memory_order_acquire); });
        for (const auto& [rid, s] : list) {
            if (rid == id) {
                t_cache = {id, s.get(), t_cache.id, t_cache.shard};
                return s.get();
            }
        }
        auto s = std::make_shared<Shard>(series.size());
        {
            std::lock_guard lk(shards_mutex);
            pending.push_back(s);
        }
        list.emplace_back(id, s);
        t_cache = {id, s.get(), t_cache.id, t_cache.shard};
        return t_cache.shard;
    } catch (...) {
        return nullptr;  // out of memory: this record is dropped; the next call retries
    }
}

void Recorder::Impl::read_series(Shard& shard, std::size_t i, Counters& c, LatencySketch& sk,
                                 std::uint64_t& mn, std::uint64_t& mx) {
    constexpr auto rlx = std::memory_order_relaxed;
    SeriesCells& cells = shard.cells[i];
    SeriesPrev& p = shard.prev[i];
    auto take = [](const std::atomic<std::uint64_t>& a, std::uint64_t& prev) {
        const std::uint64_t v = a.load(std::memory_order_relaxed);
        const std::uint64_t d = v - prev;
        prev = v;
        return d;
    };
    c.rl_allowed += take(cells.rl_allowed, p.rl_allowed);
    c.rl_rejected += take(cells.rl_rejected, p.rl_rejected);
    c.rl_shadow_rejected += take(cells.rl_shadow_rejected, p.rl_shadow_rejected);
    p.started = cells.started.load(rlx);
    p.finished = cells.finished.load(rlx);

    // Every cell is read at every close (a few microseconds per series and thread): a record caught half-way
    // (status counted, bucket not yet) is completed by the next close even if the series then goes idle.
    for (std::size_t k = 0; k < kStatusCells; ++k) {
        const std::uint32_t v = cells.status[k].load(rlx);
        if (const std::uint32_t d = delta32(v, p.status[k]); d) {
            p.status[k] = v;
            const std::size_t code = k / kOutcomes;
            c.add_status(code == kStatusSlots ? 0 : kMinStatus + int(code), d);
            switch (CacheOutcome(k % kOutcomes)) {
                case CacheOutcome::Hit:
                    c.cache_hits += d;
                    break;
                case CacheOutcome::Miss:
                    c.cache_misses += d;
                    break;
                case CacheOutcome::None:
                    break;
            }
        }
    }
    sk.add_sum(double(take(cells.latency_sum_ns, p.latency_sum_ns)));
    for (std::size_t k = 0; k < kSketchBuckets; ++k) {
        const std::uint32_t v = cells.buckets[k].load(rlx);
        if (const std::uint32_t d = delta32(v, p.buckets[k]); d) {
            sk.add_bucket(k, d);
            p.buckets[k] = v;
        }
    }
    mn = std::min(mn, cells.min.exchange(std::numeric_limits<std::uint64_t>::max(), rlx));
    mx = std::max(mx, cells.max.exchange(0, rlx));
}

namespace {

/// Clamps the extremes read from the shards into the sketch's lowest/highest non-empty buckets (they can only
/// disagree when a record raced with the close; see the file comment) and stores them in the sketch.
void settle_extremes(LatencySketch& sk, std::uint64_t mn, std::uint64_t mx) {
    if (sk.count() == 0) return;
    const auto& b = sk.buckets();
    std::size_t lo = LatencySketch::kOverflow;
    if (b[LatencySketch::kUnderflow]) {
        lo = LatencySketch::kUnderflow;
    } else {
        for (std::size_t k = 0; k < LatencySketch::kRegular; ++k)
            if (b[k]) {
                lo = k;
                break;
            }
    }
    std::size_t hi = LatencySketch::kUnderflow;
    if (b[LatencySketch::kOverflow]) {
        hi = LatencySketch::kOverflow;
    } else {
        for (std::size_t k = LatencySketch::kRegular; k-- > 0;)
            if (b[k]) {
                hi = k;
                break;
            }
    }
    mn = std::clamp(mn, LatencySketch::lower_bound_ns(lo), LatencySketch::upper_bound_ns(lo) - 1);
    mx = std::clamp(mx, LatencySketch::lower_bound_ns(hi), LatencySketch::upper_bound_ns(hi) - 1);
    sk.observe_extremes(mn, mx);
}

}  // namespace

void Recorder::Impl::close(std::int64_t epoch) {
    if (!frozen.load(std::memory_order_acquire)) return;
    if (!merge(epoch) || !on_closed) return;
    try {
        on_closed(epoch);
    } catch (const std::exception& e) {
        spdlog::error("recorder: the epoch-closed callback threw: {}", e.what());
    }
}

bool Recorder::Impl::merge(std::int64_t epoch) {
    std::lock_guard lk(merge_mutex);
    if (epoch < last_closed) {
        // The ring keeps increasing epochs only; leave the data in the shards for the next close.
        spdlog::debug("recorder: close_epoch({}) ignored, newest closed epoch is {}", epoch, last_closed);
        return false;
    }
    adopt_pending();
    // A retired flag read (acquire) before the final reading guarantees that reading sees every write.
    std::vector<char> retired(shards.size());
    for (std::size_t s = 0; s < shards.size(); ++s)
        retired[s] = shards[s]->retired.load(std::memory_order_acquire);

    for (std::size_t i = 0; i < series.size(); ++i) {
        Counters c;
        scratch.clear();
        std::uint64_t mn = std::numeric_limits<std::uint64_t>::max();
        std::uint64_t mx = 0;
        for (auto& s : shards)
            read_series(*s, i, c, scratch, mn, mx);
        settle_extremes(scratch, mn, mx);
        SeriesState& st = state[i];
        st.ring.close_epoch(epoch, c, scratch);
        st.total.merge(c);
        st.total_sketch.merge(scratch);
    }
    last_closed = epoch;
    if (upstream) upstream->merge(epoch);

    // Fold and drop the shards of threads that have exited.
    std::size_t keep = 0;
    for (std::size_t s = 0; s < shards.size(); ++s) {
        if (!retired[s]) {
            shards[keep++] = std::move(shards[s]);
            continue;
        }
        for (std::size_t i = 0; i < series.size(); ++i) {
            const SeriesPrev& p = shards[s]->prev[i];
            state[i].inflight_base += std::int64_t(p.started) - std::int64_t(p.finished);
        }
    }
    shards.resize(keep);
    return true;
}

void Recorder::Impl::clock_loop() {
    using namespace std::chrono;
    std::unique_lock lk(clock_mutex);
    while (!clock_stop) {
        const auto now = system_clock::now();
        const auto next = floor<seconds>(now) + seconds(1);
        if (clock_cv.wait_for(lk, next - now, [this] { return clock_stop; })) break;
        const auto woke = system_clock::now();
        if (woke < next) continue;  // woke early: wait for the boundary again
        // The second that just ended, [E, E+1), is epoch E.
        const std::int64_t ended =
            duration_cast<seconds>(floor<seconds>(woke).time_since_epoch()).count() - 1;
        lk.unlock();
        try {
            close(ended);
        } catch (const std::exception& e) {
            spdlog::error("recorder: closing epoch {} failed: {}", ended, e.what());
        }
        lk.lock();
    }
}

// ---------------------------------------------------------------------------------------------------------------

Recorder::Recorder() : impl_(std::make_shared<Impl>()), id_(impl_->id) {}

Recorder::~Recorder() {
    stop_clock();
}

SeriesHandle Recorder::register_series(std::string_view method, std::string_view route,
                                       std::string_view version) {
    if (impl_->frozen.load(std::memory_order_acquire))
        throw ConfigError("register_series after freeze(): series must be registered at start-up");
    if (method.empty() || route.empty() || version.empty())
        throw ConfigError("register_series: method, route and version must not be empty");
    auto& s = impl_->series;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (s[i].method == method && s[i].route == route && s[i].version == version)
            return SeriesHandle{std::uint32_t(i)};
    if (s.size() >= kMaxSeries)
        throw ConfigError(fmt::format("register_series: more than {} series", kMaxSeries));
    s.push_back(SeriesInfo{std::string(method), std::string(route), std::string(version)});
    return SeriesHandle{std::uint32_t(s.size() - 1)};
}

void Recorder::attach_upstream(Recorder& upstream) {
    if (impl_->frozen.load(std::memory_order_acquire))
        throw ConfigError("attach_upstream after freeze(): attach at start-up");
    if (upstream.impl_ == impl_) throw ConfigError("attach_upstream: a recorder cannot be its own upstream");
    impl_->upstream = upstream.impl_;
}

void Recorder::freeze() {
    if (impl_->frozen.load(std::memory_order_acquire)) return;
    if (const auto& up = impl_->upstream) {
        if (!up->frozen.load(std::memory_order_acquire)) {
            std::lock_guard lk(up->merge_mutex);
            up->state = std::vector<Impl::SeriesState>(up->series.size());
            up->frozen.store(true, std::memory_order_release);
        }
        std::map<std::tuple<std::string_view, std::string_view, std::string_view>, std::ptrdiff_t> by_id;
        for (std::size_t j = 0; j < up->series.size(); ++j)
            by_id.emplace(std::tuple<std::string_view, std::string_view, std::string_view>(
                              up->series[j].method, up->series[j].route, up->series[j].version),
                          std::ptrdiff_t(j));
        impl_->upstream_index.assign(impl_->series.size(), -1);
        for (std::size_t i = 0; i < impl_->series.size(); ++i) {
            const SeriesInfo& si = impl_->series[i];
            const auto it = by_id.find({si.method, si.route, si.version});
            if (it != by_id.end()) impl_->upstream_index[i] = it->second;
        }
    }
    {
        std::lock_guard lk(impl_->merge_mutex);
        impl_->state = std::vector<Impl::SeriesState>(impl_->series.size());
    }
    impl_->frozen.store(true, std::memory_order_release);
}

const std::vector<SeriesInfo>& Recorder::series() const noexcept {
    return impl_->series;
}

void Recorder::record_slow(SeriesHandle h, int status, std::chrono::nanoseconds latency,
                           CacheOutcome cache) noexcept {
    if (SeriesCells* c = impl_->cells_for(h)) detail::record_into(*c, status, latency, cache);
}

void Recorder::record_rate_limit(SeriesHandle h, RateLimitOutcome outcome) noexcept {
    SeriesCells* c = impl_->cells_for(h);
    if (c == nullptr) return;
    switch (outcome) {
        case RateLimitOutcome::Allowed:
            bump(c->rl_allowed, std::uint64_t{1});
            break;
        case RateLimitOutcome::Rejected:
            bump(c->rl_rejected, std::uint64_t{1});
            break;
        case RateLimitOutcome::ShadowRejected:
            bump(c->rl_shadow_rejected, std::uint64_t{1});
            break;
    }
}

void Recorder::request_started(SeriesHandle h) noexcept {
    if (SeriesCells* c = impl_->cells_for(h)) bump(c->started, std::uint64_t{1});
}

void Recorder::request_finished(SeriesHandle h) noexcept {
    if (SeriesCells* c = impl_->cells_for(h)) bump(c->finished, std::uint64_t{1});
}

void Recorder::close_epoch(std::int64_t epoch) {
    impl_->close(epoch);
}

Snapshot Recorder::snapshot(int window_s) const {
    Impl& im = *impl_;
    Snapshot out;
    out.window_s = std::clamp(window_s, 1, WindowRing::kSlots);
    out.time_ms = unix_ms();
    if (!im.frozen.load(std::memory_order_acquire)) {
        out.total = SeriesSnapshot::from("*", "*", "*", Counters{}, LatencySketch{}, out.window_s, 0);
        return out;
    }
    std::lock_guard lk(im.merge_mutex);
    im.adopt_pending();
    out.epoch = std::max<std::int64_t>(im.last_closed, 0);
    out.series.reserve(im.series.size());
    Counters all;
    auto all_sketch = std::make_unique<LatencySketch>();
    auto sketch = std::make_unique<LatencySketch>();
    std::int64_t all_inflight = 0;
    for (std::size_t i = 0; i < im.series.size(); ++i) {
        Counters c;
        sketch->clear();
        if (im.last_closed >= 0) im.state[i].ring.window(im.last_closed, out.window_s, c, *sketch);
        const std::int64_t inflight = im.inflight(i);
        const SeriesInfo& info = im.series[i];
        out.series.push_back(
            SeriesSnapshot::from(info.method, info.route, info.version, c, *sketch, out.window_s, inflight));
        all.merge(c);
        all_sketch->merge(*sketch);
        all_inflight += inflight;
    }
    out.total = SeriesSnapshot::from("*", "*", "*", all, *all_sketch, out.window_s, all_inflight);
    if (im.upstream && im.last_closed >= 0) fill_upstream(out);
    return out;
}

void Recorder::fill_upstream(Snapshot& out) const {
    // Called from snapshot() with merge_mutex held; the upstream's lock nests inside it (merge() closes the
    // upstream the same way), so both windows end at the same epoch.
    Impl& im = *impl_;
    Impl& up = *im.upstream;
    std::lock_guard lk(up.merge_mutex);
    auto all = std::make_unique<LatencySketch>();
    auto sketch = std::make_unique<LatencySketch>();
    for (std::size_t i = 0; i < im.series.size(); ++i) {
        const std::ptrdiff_t j = im.upstream_index[i];
        if (j < 0) continue;
        Counters c;
        sketch->clear();
        up.state[std::size_t(j)].ring.window(im.last_closed, out.window_s, c, *sketch);
        if (sketch->count() == 0) continue;
        out.series[i].upstream = UpstreamLatency{sketch->count(), LatencyQuantiles::from(*sketch)};
        all->merge(*sketch);
    }
    if (all->count() > 0) out.total.upstream = UpstreamLatency{all->count(), LatencyQuantiles::from(*all)};
}

void Recorder::version_window(int seconds, std::string_view version, Counters& out,
                              LatencySketch& out_sketch) const {
    Impl& im = *impl_;
    if (!im.frozen.load(std::memory_order_acquire)) return;
    std::lock_guard lk(im.merge_mutex);
    if (im.last_closed < 0) return;
    for (std::size_t i = 0; i < im.series.size(); ++i)
        if (im.series[i].version == version)
            im.state[i].ring.window(im.last_closed, seconds, out, out_sketch);
}

void Recorder::on_epoch_closed(std::function<void(std::int64_t epoch)> fn) {
    if (impl_->frozen.load(std::memory_order_acquire))
        throw ConfigError("on_epoch_closed after freeze(): set it at start-up");
    impl_->on_closed = std::move(fn);
}

void Recorder::totals(const TotalsVisitor& fn) const {
    impl_->visit_totals(fn);
}

Recorder::TotalsSource Recorder::totals_source() const {
    std::weak_ptr<Impl> weak = impl_;
    // The source holds the recorder weakly: a scrape after the recorder is gone yields no families.
    return [weak](const TotalsVisitor& visit) -> bool {
        const auto im = weak.lock();
        if (!im) return false;
        im->visit_totals(visit);
        return true;
    };
}

Recorder::MemoryUsage Recorder::memory_usage() const {
    Impl& im = *impl_;
    MemoryUsage m;
    m.series = im.series.size();
    m.shard_bytes_per_series = sizeof(SeriesCells) + sizeof(SeriesPrev);
    if (!im.frozen.load(std::memory_order_acquire)) return m;
    std::lock_guard lk(im.merge_mutex);
    im.adopt_pending();
    for (const auto& st : im.state) {
        m.rings_bytes += st.ring.memory_bytes();
        m.totals_bytes += sizeof(st) - sizeof(st.ring);
    }
    m.shards = im.shards.size();
    m.shards_bytes = m.shards * (sizeof(Shard) + m.series * m.shard_bytes_per_series);
    return m;
}

void Recorder::start_clock() {
    Impl& im = *impl_;
    if (im.clock.joinable()) return;
    {
        std::lock_guard lk(im.clock_mutex);
        im.clock_stop = false;
    }
    im.clock = std::thread([&im] { im.clock_loop(); });
    spdlog::debug("recorder: epoch clock started");
}

void Recorder::stop_clock() {
    Impl& im = *impl_;
    if (!im.clock.joinable()) return;
    {
        std::lock_guard lk(im.clock_mutex);
        im.clock_stop = true;
    }
    im.clock_cv.notify_all();
    im.clock.join();
    spdlog::debug("recorder: epoch clock stopped");
}

}  // namespace redline::agent
