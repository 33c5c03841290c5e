#include "core/window.h"

#include <algorithm>
#include <limits>

namespace redline {

namespace {

int status_class(int status) noexcept {
    return (status >= 100 && status <= 599) ? status / 100 : 0;
}

// Adds n requests of one code to the sorted (status, count) table; returns false when the table is full.
bool add_code(Counters& c, int status, std::uint64_t n) noexcept {
    const auto code = static_cast<std::uint16_t>(std::clamp(status, 0, 65535));
    auto* const begin = c.codes.data();
    auto* const end = begin + c.ncodes;
    auto* const it = std::lower_bound(begin, end, code,
                                      [](const auto& entry, std::uint16_t s) { return entry.first < s; });
    if (it != end && it->first == code) {
        it->second += n;
        return true;
    }
    if (c.ncodes >= Counters::kMaxCodes) return false;
    std::move_backward(it, end, end + 1);
    *it = {code, n};
    ++c.ncodes;
    return true;
}

}  // namespace

void Counters::add_status(int status, std::uint64_t n) noexcept {
    if (n == 0) return;
    requests += n;
    const int cls = status_class(status);
    by_class[std::size_t(cls)] += n;
    if (cls == 5) errors += n;
    if (!add_code(*this, status, n)) codes_overflow += n;
}

void Counters::add_result(int status, bool failed, std::uint64_t n) noexcept {
    if (n == 0) return;
    requests += n;
    by_class[std::size_t(status_class(status))] += n;
    if (failed) errors += n;
    if (!add_code(*this, status, n)) codes_overflow += n;
}

void Counters::merge(const Counters& o) noexcept {
    requests += o.requests;
    for (std::size_t i = 0; i < by_class.size(); ++i)
        by_class[i] += o.by_class[i];
    for (std::size_t i = 0; i < o.ncodes; ++i)
        if (!add_code(*this, o.codes[i].first, o.codes[i].second)) codes_overflow += o.codes[i].second;
    codes_overflow += o.codes_overflow;
    errors += o.errors;
    cache_hits += o.cache_hits;
    cache_misses += o.cache_misses;
    rl_allowed += o.rl_allowed;
    rl_rejected += o.rl_rejected;
    rl_shadow_rejected += o.rl_shadow_rejected;
}

std::uint64_t Counters::code_count(int status) const noexcept {
    for (std::size_t i = 0; i < ncodes; ++i)
        if (codes[i].first == status) return codes[i].second;
    return 0;
}

namespace {

constexpr std::size_t slot_of(std::int64_t epoch) noexcept {
    const auto m = epoch % WindowRing::kSlots;
    return std::size_t(m < 0 ? m + WindowRing::kSlots : m);
}

void reset_slot(EpochSlot& slot, std::int64_t epoch) {
    slot.epoch = epoch;
    slot.counters = Counters{};
    slot.buckets.clear();  // keeps capacity: a busy series does not reallocate every second
    slot.latency_sum_ns = 0.0;
    slot.latency_min_ns = 0;
    slot.latency_max_ns = 0;
}

// Appends the sketch's non-zero buckets; a count above 2^32 - 1 is split over several entries of the same
// index, so the compact form stays exact.
void append_buckets(EpochSlot& slot, const LatencySketch& sketch) {
    const auto& counts = sketch.buckets();
    for (std::size_t i = 0; i < counts.size(); ++i) {
        std::uint64_t n = counts[i];
        while (n > 0) {
            const auto part = std::min<std::uint64_t>(n, std::numeric_limits<std::uint32_t>::max());
            slot.buckets.emplace_back(std::uint16_t(i), std::uint32_t(part));
            n -= part;
        }
    }
}

}  // namespace

void WindowRing::close_epoch(std::int64_t epoch, const Counters& counters, const LatencySketch& sketch) {
    if (epoch < 0 || epoch < newest_) return;
    EpochSlot& slot = slots_[slot_of(epoch)];
    if (epoch == newest_) {
        // The same second closed twice (a late shard): merge, so nothing recorded is lost.
        LatencySketch merged;
        for (const auto& [i, n] : slot.buckets)
            merged.add_bucket(i, n);
        if (merged.count()) merged.observe_extremes(slot.latency_min_ns, slot.latency_max_ns);
        merged.add_sum(slot.latency_sum_ns);
        merged.merge(sketch);
        slot.counters.merge(counters);
        slot.buckets.clear();
        append_buckets(slot, merged);
        slot.latency_sum_ns = merged.sum_ns();
        slot.latency_min_ns = merged.min_ns();
        slot.latency_max_ns = merged.max_ns();
        return;
    }
    // Idle seconds between the previous epoch and this one become real zeros.
    if (newest_ >= 0) {
        const std::int64_t first_gap = std::max(newest_ + 1, epoch - kSlots + 1);
        for (std::int64_t e = first_gap; e < epoch; ++e)
            reset_slot(slots_[slot_of(e)], e);
    }
    reset_slot(slot, epoch);
    slot.counters = counters;
    append_buckets(slot, sketch);
    slot.latency_sum_ns = sketch.sum_ns();
    slot.latency_min_ns = sketch.min_ns();
    slot.latency_max_ns = sketch.max_ns();
    newest_ = epoch;
}

void WindowRing::window(std::int64_t last_epoch, int seconds, Counters& out,
                        LatencySketch& out_sketch) const {
    seconds = std::clamp(seconds, 1, kSlots);
    for (std::int64_t e = last_epoch - seconds + 1; e <= last_epoch; ++e) {
        if (e < 0) continue;
        const EpochSlot& slot = slots_[slot_of(e)];
        if (slot.epoch != e) continue;  // never recorded, or overwritten by a newer epoch: zero
        out.merge(slot.counters);
        if (slot.buckets.empty()) continue;
        for (const auto& [i, n] : slot.buckets)
            out_sketch.add_bucket(i, n);
        out_sketch.add_sum(slot.latency_sum_ns);
        out_sketch.observe_extremes(slot.latency_min_ns, slot.latency_max_ns);
    }
}

std::size_t WindowRing::memory_bytes() const noexcept {
    std::size_t bytes = sizeof(*this);
    for (const auto& slot : slots_)
        bytes += slot.buckets.capacity() * sizeof(slot.buckets[0]);
    return bytes;
}

}  // namespace redline
