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

/// Non-inferiority form (the analysis' rule, docs/rollout-statistics.md): H0 "the canary's proportion is at
/// most `margin` (a fraction) above stable's", H1 "more than that". Agresti-Caffo adjusted proportions (one
/// success and one failure added to each version, Agresti & Caffo 2000) with the unpooled standard error:
///   z = ((x2+1)/(n2+2) - (x1+1)/(n1+2) - margin) / sqrt(p1~(1-p1~)/(n1+2) + p2~(1-p2~)/(n2+2)).
/// stable/canary/difference are the raw proportions. With an empty version: z 0, p 1.
ProportionTest proportion_greater_by(std::uint64_t x_stable, std::uint64_t n_stable, std::uint64_t x_canary,
                                     std::uint64_t n_canary, double margin) noexcept;

/// P(X >= x) for X ~ Binomial(n, p): exact (log-space sum) above the mean, normal approximation at or below
/// it (where the answer is about 0.5 or more and only needs to be large).
double binomial_sf(std::uint64_t x, std::uint64_t n, double p) noexcept;

/// H1 "the canary's q-quantile is above allowed_ns": x = canary values in buckets wholly above allowed_ns
/// (exact counts; the bucket holding allowed_ns is not counted, so the test errs towards passing), and
/// p = P(Binomial(n_canary, 1 - q) >= x), since a q-quantile at or below allowed_ns puts at most a share 1 -
/// q of the values above it. Stable's quantile enters only through allowed_ns (treated as known).
struct QuantileExcess {
    std::uint64_t above = 0, n = 0;
    double p_value = 1.0;
};
QuantileExcess quantile_above(const LatencySketch& canary, double q, double allowed_ns) noexcept;

/// H1 "P(canary > stable) exceeds max_superiority": z = (A - max_superiority - 1/(2 n1 n2)) / (sigma_U / (n1
/// n2)) with the tie-corrected null sigma of `t`. 1 without variance.
double superiority_p(const RankTest& t, double max_superiority) noexcept;

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
