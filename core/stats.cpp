#include "core/stats.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace redline::stats {

namespace {

using Sketch = LatencySketch;

/// Bucket indices in value order: the underflow bucket holds values below every regular bucket, the
/// overflow bucket values above.
constexpr std::array<std::size_t, Sketch::kBuckets> value_order() {
    std::array<std::size_t, Sketch::kBuckets> order{};
    order[0] = Sketch::kUnderflow;
    for (std::size_t i = 0; i < Sketch::kRegular; ++i)
        order[i + 1] = i;
    order[Sketch::kBuckets - 1] = Sketch::kOverflow;
    return order;
}
constexpr auto kOrder = value_order();

/// The raw proportions of both versions (x clamped to n; 0 when n = 0); z 0 and p 1 until a test fills them.
ProportionTest counts(std::uint64_t x_stable, std::uint64_t n_stable, std::uint64_t x_canary,
                      std::uint64_t n_canary) noexcept {
    ProportionTest r;
    r.n_stable = n_stable;
    r.n_canary = n_canary;
    r.x_stable = std::min(x_stable, n_stable);
    r.x_canary = std::min(x_canary, n_canary);
    if (n_stable) r.stable = double(r.x_stable) / double(n_stable);
    if (n_canary) r.canary = double(r.x_canary) / double(n_canary);
    r.difference = r.canary - r.stable;
    return r;
}

}  // namespace

double normal_sf(double z) noexcept {
    if (std::isnan(z)) return 1.0;
    return 0.5 * std::erfc(z / std::sqrt(2.0));
}

// Mann & Whitney (1947). Walking the buckets in value order, a canary value in bucket b is above every stable
// value in earlier buckets and ties with the stable values in b, so U = sum_b c_b (S_<b + s_b / 2).
// Tie-corrected variance (Lehmann, "Nonparametrics: Statistical Methods Based on Ranks", 1975, ch. 1):
//   sigma^2 = n1 n2 / 12 * ((N + 1) - sum_b (t_b^3 - t_b) / (N (N - 1))),  t_b = s_b + c_b, N = n1 + n2.
// It is the exact variance of U over all assignments of the N values to the two versions.
RankTest mann_whitney(const LatencySketch& stable, const LatencySketch& canary) noexcept {
    RankTest r;
    const auto& s = stable.buckets();
    const auto& c = canary.buckets();
    double below = 0.0;  // stable values in earlier buckets
    double ties = 0.0;   // sum of t^3 - t
    std::uint64_t ns = 0, nc = 0;
    for (const std::size_t b : kOrder) {
        if (s[b] == 0 && c[b] == 0) continue;
        const double sb = double(s[b]), cb = double(c[b]);
        r.u += cb * (below + 0.5 * sb);
        below += sb;
        const double t = sb + cb;
        ties += (t - 1.0) * t * (t + 1.0);
        ns += s[b];
        nc += c[b];
    }
    // Counted from the buckets, not count(): the two agree unless a caller filled counts inconsistently.
    r.n_stable = ns;
    r.n_canary = nc;
    if (ns == 0 || nc == 0) return r;
    const double n1n2 = double(ns) * double(nc);
    const double n = double(ns) + double(nc);
    r.superiority = r.u / n1n2;
    const double correction = ties / (n * (n - 1.0));  // n >= 2 here
    r.variance = std::max(0.0, n1n2 / 12.0 * ((n + 1.0) - correction));
    if (!(r.variance > 0.0)) return r;  // all values tie: U = n1 n2 / 2 exactly, no evidence either way
    r.z = (r.u - n1n2 / 2.0 - 0.5) / std::sqrt(r.variance);
    r.p_value = normal_sf(r.z);
    return r;
}

// Pooled two-proportion z-test with continuity correction (Yates 1934; Fleiss, Levin & Paik, "Statistical
// Methods for Rates and Proportions", 3rd ed. 2003, sec. 2.4):
//   p = (x1 + x2) / (n1 + n2),  z = (p2 - p1 - (1/n1 + 1/n2) / 2) / sqrt(p (1 - p) (1/n1 + 1/n2)).
// Without the correction the test is anti-conservative at the small counts a canary sees (5 expected errors
// in 500 requests): an A/A simulation failed about twice as often in the tail as the nominal level.
ProportionTest proportion_greater(std::uint64_t x_stable, std::uint64_t n_stable, std::uint64_t x_canary,
                                  std::uint64_t n_canary) noexcept {
    ProportionTest r = counts(x_stable, n_stable, x_canary, n_canary);
    if (n_stable == 0 || n_canary == 0) return r;
    const double pooled = (double(r.x_stable) + double(r.x_canary)) / (double(n_stable) + double(n_canary));
    const double se = std::sqrt(pooled * (1.0 - pooled) * (1.0 / double(n_stable) + 1.0 / double(n_canary)));
    // se = 0 only when every value is a success or none is: then both proportions are equal.
    if (!(se > 0.0)) return r;
    const double correction = 0.5 * (1.0 / double(n_stable) + 1.0 / double(n_canary));
    r.z = (r.difference - correction) / se;
    r.p_value = normal_sf(r.z);
    return r;
}

QuantileTest quantile_greater(const LatencySketch& stable, const LatencySketch& canary, double q) noexcept {
    QuantileTest r;
    r.q = q;
    r.stable_ms = stable.quantile_ns(q) / 1e6;
    r.canary_ms = canary.quantile_ns(q) / 1e6;
    const auto& s = stable.buckets();
    const auto& c = canary.buckets();
    std::uint64_t ns = 0, nc = 0;
    for (const std::size_t b : kOrder) {
        ns += s[b];
        nc += c[b];
    }
    // The bucket of stable's value of rank floor(q (n - 1)), the rank LatencySketch::quantile_ns answers.
    std::uint64_t above_s = 0, above_c = 0;
    r.threshold_ns = std::numeric_limits<std::uint64_t>::max();
    if (ns > 0) {
        const double qc = std::clamp(q, 0.0, 1.0);
        const auto rank = std::min<std::uint64_t>(ns - 1, std::uint64_t(std::floor(qc * double(ns - 1))));
        std::uint64_t seen_s = 0, seen_c = 0;
        std::size_t k = 0;
        for (; k < kOrder.size(); ++k) {
            seen_s += s[kOrder[k]];
            seen_c += c[kOrder[k]];
            if (rank < seen_s) break;
        }
        r.threshold_ns = kOrder[k] == Sketch::kOverflow ? std::numeric_limits<std::uint64_t>::max()
                                                        : Sketch::upper_bound_ns(kOrder[k]);
        above_s = ns - seen_s;
        above_c = nc - seen_c;
    }
    r.exceedance = proportion_greater(above_s, ns, above_c, nc);
    r.p_value = r.exceedance.p_value;
    return r;
}

ProportionTest proportion_greater_by(std::uint64_t x_stable, std::uint64_t n_stable, std::uint64_t x_canary,
                                     std::uint64_t n_canary, double margin) noexcept {
    ProportionTest r = counts(x_stable, n_stable, x_canary, n_canary);
    if (n_stable == 0 || n_canary == 0) return r;
    const double m1 = double(n_stable) + 2.0, m2 = double(n_canary) + 2.0;
    const double p1 = (double(r.x_stable) + 1.0) / m1, p2 = (double(r.x_canary) + 1.0) / m2;
    const double se = std::sqrt(p1 * (1.0 - p1) / m1 + p2 * (1.0 - p2) / m2);  // > 0: 0 < p~ < 1
    r.z = (p2 - p1 - margin) / se;
    r.p_value = normal_sf(r.z);
    return r;
}

double binomial_sf(std::uint64_t x, std::uint64_t n, double p) noexcept {
    if (x == 0) return 1.0;
    if (x > n || p <= 0.0) return 0.0;
    if (p >= 1.0) return 1.0;
    const double nn = double(n), mean = nn * p;
    if (double(x) <= mean) {
        const double sd = std::sqrt(nn * p * (1.0 - p));
        return normal_sf((double(x) - 0.5 - mean) / sd);
    }
    // Above the mean the terms fall monotonically: sum from x until they stop mattering.
    const double lp = std::log(p), lq = std::log1p(-p), lg_n1 = std::lgamma(nn + 1.0);
    double sum = 0.0;
    for (std::uint64_t k = x; k <= n; ++k) {
        const double kk = double(k);
        const double term =
            std::exp(lg_n1 - std::lgamma(kk + 1.0) - std::lgamma(nn - kk + 1.0) + kk * lp + (nn - kk) * lq);
        sum += term;
        if (term < sum * 1e-17 || (sum == 0.0 && k > x + 64)) break;
    }
    return std::min(1.0, sum);
}

QuantileExcess quantile_above(const LatencySketch& canary, double q, double allowed_ns) noexcept {
    QuantileExcess r;
    const auto& c = canary.buckets();
    const std::uint64_t bound = allowed_ns <= 0.0      ? 0
                                : allowed_ns >= 1.8e19 ? ~std::uint64_t{0}
                                                       : std::uint64_t(allowed_ns);
    const std::size_t holding = LatencySketch::index_of(bound);
    bool past = false;
    for (const std::size_t b : kOrder) {
        r.n += c[b];
        if (past) r.above += c[b];
        if (b == holding) past = true;
    }
    if (r.n == 0) return r;
    r.p_value = binomial_sf(r.above, r.n, std::clamp(1.0 - q, 0.0, 1.0));
    return r;
}

double superiority_p(const RankTest& t, double max_superiority) noexcept {
    if (t.n_stable == 0 || t.n_canary == 0 || !(t.variance > 0.0)) return 1.0;
    const double n1n2 = double(t.n_stable) * double(t.n_canary);
    const double z = (t.superiority - max_superiority - 0.5 / n1n2) / (std::sqrt(t.variance) / n1n2);
    return normal_sf(z);
}

}  // namespace redline::stats
