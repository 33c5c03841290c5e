#include "agents/agent/native_histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/prometheus_fleet.h"

namespace redline::agent {

namespace {
constexpr double kBucketsPerOctave = double(1 << NativeHistogram::kSchema);  // 32
}  // namespace

double native_upper_bound(std::int32_t index) noexcept {
    return std::exp2(double(index) / kBucketsPerOctave);
}

std::int32_t native_index(double v_s) noexcept {
    if (!(v_s > 0.0)) return std::numeric_limits<std::int32_t>::min();
    auto i = static_cast<std::int32_t>(std::ceil(std::log2(v_s) * kBucketsPerOctave));
    // log2 may be off by an ulp next to a boundary; settle on the exact rule lower < v <= upper.
    if (native_upper_bound(i - 1) >= v_s) --i;
    if (native_upper_bound(i) < v_s) ++i;
    return i;
}

std::vector<std::pair<std::int32_t, std::uint64_t>> NativeHistogram::buckets() const {
    std::vector<std::pair<std::int32_t, std::uint64_t>> out;
    std::int32_t index = 0;
    std::int64_t value = 0;
    std::size_t d = 0;
    for (std::size_t s = 0; s < positive_spans.size(); ++s) {
        index += positive_spans[s].offset;
        for (std::uint32_t k = 0; k < positive_spans[s].length && d < positive_deltas.size(); ++k, ++index) {
            value += positive_deltas[d++];
            if (value > 0) out.emplace_back(index, std::uint64_t(value));
        }
    }
    return out;
}

NativeHistogram to_native_histogram(const LatencySketch& sketch) {
    NativeHistogram h;
    h.count = sketch.count();
    h.sum_s = sketch.sum_ns() / 1e9;
    const auto& counts = sketch.buckets();
    h.zero_count = counts[LatencySketch::kUnderflow];

    std::vector<std::pair<std::int32_t, std::uint64_t>> absolute;
    auto put = [&](std::int32_t index, std::uint64_t n) {
        if (!absolute.empty() && absolute.back().first == index)
            absolute.back().second += n;
        else
            absolute.emplace_back(index, n);
    };
    for (std::size_t i = 0; i < LatencySketch::kRegular; ++i) {
        if (!counts[i]) continue;
        const double mid_ns =
            (double(LatencySketch::lower_bound_ns(i)) + double(LatencySketch::upper_bound_ns(i))) / 2.0;
        put(native_index(mid_ns / 1e9), counts[i]);
    }
    if (const auto over = counts[LatencySketch::kOverflow]) {
        // Above the sketch's range every value is reported as the exact maximum seen.
        const auto index = native_index(double(sketch.max_ns()) / 1e9);
        if (!absolute.empty() && absolute.back().first > index)
            absolute.back().second += over;  // cannot happen (max >= 2^37 ns); keeps the order safe
        else
            put(index, over);
    }

    std::int64_t previous = 0;
    std::int32_t next_index = 0;
    for (const auto& [index, n] : absolute) {
        if (h.positive_spans.empty())
            h.positive_spans.push_back({index, 0});
        else if (index != next_index)
            h.positive_spans.push_back({index - next_index, 0});
        ++h.positive_spans.back().length;
        h.positive_deltas.push_back(std::int64_t(n) - previous);
        previous = std::int64_t(n);
        next_index = index + 1;
    }
    return h;
}

std::vector<std::uint64_t> cumulative_at(const NativeHistogram& h, std::span<const double> bounds_s) {
    const auto buckets = h.buckets();
    std::vector<std::uint64_t> out;
    out.reserve(bounds_s.size());
    std::uint64_t running = h.zero_count;
    std::size_t k = 0;
    for (const double bound : bounds_s) {
        std::int32_t last = native_index(bound);
        if (native_upper_bound(last) > bound * (1.0 + 1e-12)) --last;  // bound inside a bucket: exclude it
        while (k < buckets.size() && buckets[k].first <= last)
            running += buckets[k++].second;
        out.push_back(running);
    }
    return out;
}

double prometheus_native_quantile(double q, double zero_count, double zero_threshold,
                                  std::span<const std::pair<std::int32_t, double>> buckets) {
    // The schema's bucket bounds, then the one implementation of Prometheus' algorithm
    // (core/prometheus_fleet, the dashboard's) over them.
    PromHistogram h;
    h.count = zero_count;
    if (zero_count > 0) h.buckets.push_back({3, -zero_threshold, zero_threshold, zero_count});
    for (const auto& [index, n] : buckets) {
        h.buckets.push_back({0, native_upper_bound(index - 1), native_upper_bound(index), n});
        h.count += n;
    }
    if (!(h.count > 0.0)) return std::numeric_limits<double>::quiet_NaN();
    return native_quantile(q, h);
}

double prometheus_classic_quantile(double q, std::span<const std::pair<double, double>> cumulative) {
    return classic_quantile(q, {cumulative.begin(), cumulative.end()});
}

}  // namespace redline::agent
