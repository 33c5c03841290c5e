#include "agents/agent/exposition.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace redline::agent {

namespace {

// Classic bounds 2^(k/4) s, k = -44..24: 69 bounds from 0.49 ms to 64 s, four per octave (a bucket ratio of
// 1.19), so histogram_quantile() over them is off by at most ~20 % (docs/metrics.md); every bound is a
// schema-5 native boundary (k/4 = 8k/32).
constexpr int kFirstK = -44;
constexpr int kLastK = 24;
const std::array<double, kLastK - kFirstK + 1> kBoundsS = [] {
    std::array<double, kLastK - kFirstK + 1> b{};
    // Rounded to 15 significant digits: the text serializer's 16-digit spelling of these values reads back
    // as the same double, so text and protobuf carry identical bounds (tst_native_histogram checks all 69).
    // The rounding (< 1e-15 relative) is far inside cumulative_at()'s tolerance for "on the boundary".
    for (int k = kFirstK; k <= kLastK; ++k) {
        char digits[32];
        std::snprintf(digits, sizeof digits, "%.15g", std::exp2(double(k) / 4.0));
        b[std::size_t(k - kFirstK)] = std::strtod(digits, nullptr);
    }
    return b;
}();

}  // namespace

std::span<const double> classic_duration_bounds_s() noexcept {
    return kBoundsS;
}

prometheus::ClientMetric histogram_metric(const LatencySketch& sketch,
                                          std::vector<prometheus::ClientMetric::Label> labels,
                                          NativeHistogram& native) {
    prometheus::ClientMetric h;
    h.label = std::move(labels);
    h.histogram.sample_count = sketch.count();
    h.histogram.sample_sum = sketch.sum_ns() / 1e9;
    // Classic buckets are sums of the native ones, so the two views agree.
    native = to_native_histogram(sketch);
    const auto cumulative = cumulative_at(native, kBoundsS);
    h.histogram.bucket.reserve(kBoundsS.size() + 1);
    for (std::size_t k = 0; k < kBoundsS.size(); ++k)
        h.histogram.bucket.push_back({cumulative[k], kBoundsS[k]});
    h.histogram.bucket.push_back({sketch.count(), std::numeric_limits<double>::infinity()});
    return h;
}

}  // namespace redline::agent
