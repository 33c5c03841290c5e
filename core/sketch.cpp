#include "core/sketch.h"

#include <algorithm>
#include <cmath>

namespace redline {

std::uint64_t LatencySketch::lower_bound_ns(std::size_t index) noexcept {
    if (index >= kRegular) return index == kUnderflow ? 0 : (std::uint64_t{1} << (kMaxExp + 1));
    const int e = int(index >> kSubBits) + kMinExp;
    const std::uint64_t sub = index & ((1u << kSubBits) - 1);
    return ((std::uint64_t{1} << kSubBits) | sub) << (e - kSubBits);
}

std::uint64_t LatencySketch::upper_bound_ns(std::size_t index) noexcept {
    if (index >= kRegular)
        return index == kUnderflow ? (std::uint64_t{1} << kMinExp)
                                   : std::numeric_limits<std::uint64_t>::max();
    const int e = int(index >> kSubBits) + kMinExp;
    const std::uint64_t sub = index & ((1u << kSubBits) - 1);
    return (((std::uint64_t{1} << kSubBits) | sub) + 1) << (e - kSubBits);
}

double LatencySketch::representative_ns(std::size_t index) noexcept {
    const double lo = double(lower_bound_ns(index));
    const double hi = double(upper_bound_ns(index));
    return 2.0 * lo * hi / (lo + hi);
}

void LatencySketch::add(std::uint64_t ns, std::uint64_t n) noexcept {
    if (n == 0) return;
    counts_[index_of(ns)] += n;
    count_ += n;
    sum_ns_ += double(ns) * double(n);
    min_ns_ = std::min(min_ns_, ns);
    max_ns_ = std::max(max_ns_, ns);
}

void LatencySketch::observe_extremes(std::uint64_t min_ns, std::uint64_t max_ns) noexcept {
    min_ns_ = std::min(min_ns_, min_ns);
    max_ns_ = std::max(max_ns_, max_ns);
}

void LatencySketch::merge(const LatencySketch& other) noexcept {
    if (other.count_ == 0) return;
    for (std::size_t i = 0; i < kBuckets; ++i)
        counts_[i] += other.counts_[i];
    count_ += other.count_;
    sum_ns_ += other.sum_ns_;
    min_ns_ = std::min(min_ns_, other.min_ns_);
    max_ns_ = std::max(max_ns_, other.max_ns_);
}

void LatencySketch::clear() noexcept {
    *this = LatencySketch{};
}

double LatencySketch::quantile_ns(double q) const noexcept {
    if (count_ == 0) return 0.0;
    // Exact extremes are known unless the sketch was filled only through add_bucket() without
    // observe_extremes(); then the under/overflow buckets answer with their bounds instead.
    const bool extremes = min_ns_ <= max_ns_;
    std::uint64_t rank = 0;
    if (q >= 1.0)
        rank = count_ - 1;
    else if (q > 0.0)
        rank = static_cast<std::uint64_t>(std::floor(q * double(count_ - 1)));
    if (extremes && rank == 0) return double(min_ns_);
    if (extremes && rank == count_ - 1) return double(max_ns_);
    // Underflow values are below every regular bucket, overflow above: walk in value order.
    std::uint64_t seen = counts_[kUnderflow];
    if (rank < seen) return extremes ? double(min_ns_) : double(upper_bound_ns(kUnderflow)) / 2.0;
    for (std::size_t i = 0; i < kRegular; ++i) {
        seen += counts_[i];
        if (rank < seen) {
            // Clamp to the exact extremes so a sparse bucket never reports outside what was seen.
            const double r = representative_ns(i);
            return extremes ? std::clamp(r, double(min_ns_), double(max_ns_)) : r;
        }
    }
    return extremes ? double(max_ns_) : double(lower_bound_ns(kOverflow));
}

std::uint64_t LatencySketch::count_at_or_below(std::uint64_t bound_ns) const noexcept {
    if (count_ == 0) return 0;
    // The exact extremes sharpen the answer, when known (a sketch filled only through add_bucket() has none).
    if (min_ns_ <= max_ns_) {
        if (bound_ns >= max_ns_) return count_;
        if (bound_ns < min_ns_) return 0;
    }
    std::uint64_t n = 0;
    if (bound_ns + 1 >= (std::uint64_t{1} << kMinExp)) n += counts_[kUnderflow];
    for (std::size_t i = 0; i < kRegular; ++i) {
        if (upper_bound_ns(i) > bound_ns + 1) break;
        n += counts_[i];
    }
    return n;
}

std::vector<std::pair<std::uint32_t, std::uint64_t>> LatencySketch::sparse() const {
    std::vector<std::pair<std::uint32_t, std::uint64_t>> out;
    for (std::size_t i = 0; i < kBuckets; ++i)
        if (counts_[i]) out.emplace_back(std::uint32_t(i), counts_[i]);
    return out;
}

bool LatencySketch::from_sparse(const std::vector<std::pair<std::uint32_t, std::uint64_t>>& pairs,
                                double sum_ns, std::uint64_t min_ns, std::uint64_t max_ns) {
    clear();
    for (const auto& [i, n] : pairs) {
        if (i >= kBuckets) {
            clear();
            return false;
        }
        add_bucket(i, n);
    }
    if (count_) {
        sum_ns_ = sum_ns;
        min_ns_ = min_ns;
        max_ns_ = max_ns;
    }
    return true;
}

}  // namespace redline
