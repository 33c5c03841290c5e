// Collects the per-second statistics flushed by the workers: keeps run totals, closes one-second epochs into
// WindowRings (one per request name, a total, and a total of uncorrected latency) and a per-second timeline.
//
// Threading: add() is called by worker threads; everything else by the engine's control thread. One mutex
// guards all members.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "core/load/run_stats.h"
#include "core/window.h"

namespace redline::load {

class Collector {
  public:
    struct Second {
        std::int64_t epoch = 0;
        Counters counters;  // all requests
        double p50_ms = 0, p95_ms = 0, p99_ms = 0;
        std::uint64_t late = 0;
    };
    struct Window {
        Counters counters;
        LatencySketch corrected;
        LatencySketch uncorrected;
        CheckCount checks;  // checks of the request (or all) in the window's seconds
    };

    /// check_ranges[i] = (first index, count) of request i's checks in the flattened check list.
    explicit Collector(std::size_t nrequests,
                       std::vector<std::pair<std::size_t, std::size_t>> check_ranges = {});

    void add(const EpochStats& s);
    /// Closes every pending epoch <= epoch (ring slots, timeline); later data for them still reaches the
    /// totals. Returns the seconds it closed, oldest first (empty seconds included, with epoch set).
    std::vector<EpochStats> close_through(std::int64_t epoch);
    std::int64_t closed_through() const;

    /// Sum of the last `seconds` closed epochs for one request (index) or all (-1).
    Window window(int request, int seconds) const;
    EpochStats totals() const;
    std::vector<Second> timeline() const;

  private:
    mutable std::mutex mu_;
    std::size_t nreq_;
    std::map<std::int64_t, EpochStats> pending_;
    EpochStats totals_;
    std::vector<WindowRing> rings_;
    WindowRing total_ring_;
    WindowRing total_uncorrected_ring_;
    std::int64_t closed_through_ = -1;
    std::vector<Second> timeline_;
    std::vector<std::pair<std::size_t, std::size_t>> check_ranges_;
    std::deque<std::vector<CheckCount>> check_slots_;  // checks of the newest closed seconds, newest last
};

}  // namespace redline::load
