// The statistics of automated canary analysis (docs/rollout-statistics.md): a rank test on two latency
// sketches, a two-proportion test, and a quantile comparison built on both. Every test is one-sided for
// "the canary is worse than stable" and answers with finite numbers for any input (empty versions, all ties,
// 0/0 proportions): no NaN, no infinity.
//
// Pure functions, no Qt; thread-safe.
#pragma once

#include <cstdint>

#include "core/sketch.h"

namespace redline::stats {

/// Upper tail of the standard normal, P(Z > z), accurate far into the tail (erfc, no 1 - cdf cancellation).
double normal_sf(double z) noexcept;

/// Mann-Whitney U of the canary's values over stable's. Two values in one sketch bucket are a tie.
struct RankTest {
    std::uint64_t n_stable = 0, n_canary = 0;
    /// #(canary > stable) + 0.5 #(canary == stable) over all n_stable * n_canary pairs.
    double u = 0.0;
    /// Variance of U under H0 (same distribution), tie-corrected; 0 when a version is empty or all tie.
    double variance = 0.0;
    /// (U - n1 n2 / 2 - 1/2) / sigma: normal approximation with continuity correction; 0 without variance.
    double z = 0.0;
    /// One-sided p-value for H1 "canary values tend to be larger"; 1 without variance.
    double p_value = 1.0;
    /// Probability of superiority A = U / (n1 n2) = P(canary > stable) + 0.5 P(tie); 0.5 when a version is
    /// empty.
    double superiority = 0.5;
};
/// Linear in the number of buckets (one pass in value order: underflow, regular buckets, overflow).
RankTest mann_whitney(const LatencySketch& stable, const LatencySketch& canary) noexcept;

/// Pooled two-proportion z-test of "canary's proportion x/n is greater than stable's", with continuity
/// correction: z = (canary - stable - (1/n_stable + 1/n_canary) / 2) / se.
struct ProportionTest {
    std::uint64_t x_stable = 0, n_stable = 0, x_canary = 0, n_canary = 0;  // x clamped to n
    double stable = 0.0, canary = 0.0;                                     // the proportions, 0 when n = 0
    double difference = 0.0;                                               // canary - stable
    double z = 0.0;        // 0 when the pooled standard error is 0 (or a version is empty)
    double p_value = 1.0;  // P(Z > z); 1 when z could not be computed
};
ProportionTest proportion_greater(std::uint64_t x_stable, std::uint64_t n_stable, std::uint64_t x_canary,
                                  std::uint64_t n_canary) noexcept;

/// Quantile q compared by exceedance: t = the upper bound of the bucket holding stable's q-quantile; the
/// numbers of stable and canary values above t are exact bucket counts, and proportion_greater tests whether
/// the canary exceeds t more often than stable.
struct QuantileTest {
    double q = 0.0;
    double stable_ms = 0.0,
           canary_ms = 0.0;          // each version's q-quantile (LatencySketch::quantile_ns); 0 empty
    std::uint64_t threshold_ns = 0;  // values >= threshold_ns count as above (a bucket boundary)
    ProportionTest exceedance;       // x = values above the threshold, n = all values
    double p_value = 1.0;            // exceedance.p_value
};
/// q in (0, 1). With an empty stable sketch nothing is above anything: counts 0, p = 1.
QuantileTest quantile_greater(const LatencySketch& stable, const LatencySketch& canary, double q) noexcept;

}  // namespace redline::stats
