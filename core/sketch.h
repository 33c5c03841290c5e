// Latency sketch with a guaranteed relative error on every quantile.
//
// Log-linear buckets (DDSketch-style bound, HDR-style index): a value v in nanoseconds with most significant
// bit e falls in bucket ((e - kMinExp) << kSubBits) | (next kSubBits bits of v). Each bucket spans
// [lo, lo * (1 + 2^-kSubBits)) at most, and quantiles are answered with the bucket's harmonic midpoint
// 2*lo*hi/(lo+hi), whose relative error is at most w / (2 + w) with w = 2^-6: 0.78 %, under the 1 % promise.
//
// Range with that guarantee: 512 ns .. 2^37 ns (137 s), which covers the promised 1 us .. 100 s. Values below
// land in an underflow bucket and are reported as the exact minimum seen; values above in an overflow bucket
// reported as the exact maximum seen.
//
// Memory is fixed: kBuckets 64-bit counters (14.3 KiB) plus five scalars. Merging is exact (bucket-wise
// sums). Not thread-safe: one owner at a time (the agent's merger thread, a load worker, a test).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace redline {

class LatencySketch {
  public:
    static constexpr int kSubBits = 6;                      // 64 sub-buckets per power of two
    static constexpr int kMinExp = 9;                       // 2^9 ns = 512 ns
    static constexpr int kMaxExp = 36;                      // last exact octave starts at 2^36 ns (68.7 s)
    static constexpr int kOctaves = kMaxExp - kMinExp + 1;  // 28
    static constexpr std::size_t kRegular = std::size_t(kOctaves) << kSubBits;  // 1792
    static constexpr std::size_t kUnderflow = kRegular;                         // index of v < 512 ns
    static constexpr std::size_t kOverflow = kRegular + 1;                      // index of v >= 2^37 ns
    static constexpr std::size_t kBuckets = kRegular + 2;
    static constexpr double kRelativeError = 1.0 / (2.0 * 64.0 + 1.0);  // w/(2+w), w = 1/64

    /// Bucket index for a latency in nanoseconds. Branch-light, no floating point; safe for any input.
    static constexpr std::size_t index_of(std::uint64_t ns) noexcept {
        if (ns < (std::uint64_t{1} << kMinExp)) return kUnderflow;
        const int e = 63 - __builtin_clzll(ns);
        if (e > kMaxExp) return kOverflow;
        const std::uint64_t sub = (ns >> (e - kSubBits)) & ((1u << kSubBits) - 1);
        return (std::size_t(e - kMinExp) << kSubBits) | std::size_t(sub);
    }
    /// Inclusive lower bound of a regular bucket, in ns.
    static std::uint64_t lower_bound_ns(std::size_t index) noexcept;
    /// Exclusive upper bound of a regular bucket, in ns.
    static std::uint64_t upper_bound_ns(std::size_t index) noexcept;
    /// Value reported for a regular bucket (harmonic midpoint), in ns.
    static double representative_ns(std::size_t index) noexcept;

    void add(std::uint64_t ns) noexcept { add(ns, 1); }
    void add(std::uint64_t ns, std::uint64_t n) noexcept;
    /// Adds raw bucket counts (as produced by recorders that keep their own counters) plus their sum/min/max.
    void add_bucket(std::size_t index, std::uint64_t n) noexcept {
        counts_[index] += n;
        count_ += n;
    }
    void add_sum(double sum_ns) noexcept { sum_ns_ += sum_ns; }
    void observe_extremes(std::uint64_t min_ns, std::uint64_t max_ns) noexcept;
    void merge(const LatencySketch& other) noexcept;
    void clear() noexcept;

    std::uint64_t count() const noexcept { return count_; }
    double sum_ns() const noexcept { return sum_ns_; }
    double mean_ns() const noexcept { return count_ ? sum_ns_ / double(count_) : 0.0; }
    /// Exact extremes (0 when empty).
    std::uint64_t min_ns() const noexcept { return count_ ? min_ns_ : 0; }
    std::uint64_t max_ns() const noexcept { return count_ ? max_ns_ : 0; }
    /// Value of rank floor(q * (count - 1)) in sorted order, within kRelativeError of the true one
    /// (for values inside the guaranteed range). q in [0, 1]; 0 when empty.
    double quantile_ns(double q) const noexcept;
    /// Number of values <= bound_ns. Exact when bound_ns is a bucket boundary, otherwise counts whole buckets
    /// whose upper bound is <= bound_ns + 1 (used to derive Prometheus histogram buckets).
    std::uint64_t count_at_or_below(std::uint64_t bound_ns) const noexcept;

    const std::array<std::uint64_t, kBuckets>& buckets() const noexcept { return counts_; }
    bool operator==(const LatencySketch& o) const noexcept = default;

    /// Compact encoding (non-zero buckets as index/count pairs) for JSON transport.
    std::vector<std::pair<std::uint32_t, std::uint64_t>> sparse() const;
    /// Rebuilds from sparse() output; returns false (and leaves *this empty) on an invalid index.
    bool from_sparse(const std::vector<std::pair<std::uint32_t, std::uint64_t>>& pairs, double sum_ns,
                     std::uint64_t min_ns, std::uint64_t max_ns);

  private:
    std::array<std::uint64_t, kBuckets> counts_{};
    std::uint64_t count_ = 0;
    double sum_ns_ = 0.0;
    std::uint64_t min_ns_ = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t max_ns_ = 0;
};

}  // namespace redline
