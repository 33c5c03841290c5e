#include "core/load/collector.h"

#include <algorithm>

namespace redline::load {

Collector::Collector(std::size_t n, std::vector<std::pair<std::size_t, std::size_t>> check_ranges)
    : nreq_(n), rings_(n), check_ranges_(std::move(check_ranges)) {
    totals_.reset(n);
}

void Collector::add(const EpochStats& s) {
    std::lock_guard lk(mu_);
    totals_.merge(s);
    if (s.epoch > closed_through_ || !s.records.empty()) {
        // Request records of a second already closed go with the next one: never lost, never in the totals.
        const std::int64_t e = std::max(s.epoch, closed_through_ + 1);
        auto& p = pending_[e];
        if (p.requests.empty()) {
            p.reset(nreq_);
            p.epoch = e;
        }
        if (e == s.epoch) p.merge(s);
        p.records.insert(p.records.end(), s.records.begin(), s.records.end());
    }
}

std::vector<EpochStats> Collector::close_through(std::int64_t epoch) {
    std::lock_guard lk(mu_);
    std::vector<EpochStats> closed;
    if (closed_through_ < 0) {
        // First close: start the rings at the first epoch with data (or this one).
        closed_through_ = pending_.empty() ? epoch : std::min(epoch, pending_.begin()->first) - 1;
    }
    for (std::int64_t e = closed_through_ + 1; e <= epoch; ++e) {
        const auto it = pending_.find(e);
        EpochStats empty;
        empty.reset(nreq_);
        const EpochStats& s = it != pending_.end() ? it->second : empty;
        Counters all;
        LatencySketch corr, uncorr;
        for (std::size_t i = 0; i < nreq_; ++i) {
            rings_[i].close_epoch(e, s.requests[i].counters, s.requests[i].corrected);
            all.merge(s.requests[i].counters);
            corr.merge(s.requests[i].corrected);
            uncorr.merge(s.requests[i].uncorrected);
        }
        total_ring_.close_epoch(e, all, corr);
        total_uncorrected_ring_.close_epoch(e, all, uncorr);
        Second sec;
        sec.epoch = e;
        sec.counters = all;
        sec.p50_ms = corr.quantile_ns(0.50) / 1e6;
        sec.p95_ms = corr.quantile_ns(0.95) / 1e6;
        sec.p99_ms = corr.quantile_ns(0.99) / 1e6;
        sec.late = s.late;
        timeline_.push_back(sec);
        check_slots_.push_back(s.checks);
        while (check_slots_.size() > std::size_t(WindowRing::kSlots))
            check_slots_.pop_front();
        if (it != pending_.end()) {
            closed.push_back(std::move(it->second));
            pending_.erase(it);
        } else {
            closed.push_back(std::move(empty));
        }
        closed.back().epoch = e;
    }
    closed_through_ = std::max(closed_through_, epoch);
    return closed;
}

std::int64_t Collector::closed_through() const {
    std::lock_guard lk(mu_);
    return closed_through_;
}

Collector::Window Collector::window(int request, int seconds) const {
    std::lock_guard lk(mu_);
    Window w;
    if (closed_through_ < 0) return w;
    if (request < 0) {
        total_ring_.window(closed_through_, seconds, w.counters, w.corrected);
        Counters ignored;
        total_uncorrected_ring_.window(closed_through_, seconds, ignored, w.uncorrected);
    } else if (std::size_t(request) < rings_.size()) {
        rings_[std::size_t(request)].window(closed_through_, seconds, w.counters, w.corrected);
    }
    const std::size_t n = std::min(check_slots_.size(), std::size_t(std::max(seconds, 1)));
    for (std::size_t k = check_slots_.size() - n; k < check_slots_.size(); ++k) {
        const auto& slot = check_slots_[k];
        for (std::size_t r = 0; r < check_ranges_.size(); ++r) {
            if (request >= 0 && r != std::size_t(request)) continue;
            for (std::size_t i = check_ranges_[r].first;
                 i < check_ranges_[r].first + check_ranges_[r].second && i < slot.size(); ++i) {
                w.checks.passes += slot[i].passes;
                w.checks.fails += slot[i].fails;
            }
        }
    }
    return w;
}

EpochStats Collector::totals() const {
    std::lock_guard lk(mu_);
    return totals_;
}

std::vector<Collector::Second> Collector::timeline() const {
    std::lock_guard lk(mu_);
    return timeline_;
}

}  // namespace redline::load
