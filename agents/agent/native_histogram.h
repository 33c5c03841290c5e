// Re-bucketing of a LatencySketch into a Prometheus native (exponential) histogram, done at scrape time; the
// recording path is untouched. The error bound of re-bucketing plus Prometheus' in-bucket interpolation is
// derived in docs/metrics.md ("Native histogram") and checked by tests/unit/tst_native_histogram.cpp.
//
// Schema 5: bucket i holds values in (2^((i-1)/32), 2^(i/32)] seconds. Each regular sketch bucket [a, b) ns
// (b/a <= 65/64) goes whole into the native bucket that holds its arithmetic midpoint (a+b)/2, so counts stay
// integers and every native count is a sum of cumulative sketch counts (monotone across scrapes). The
// sketch's underflow bucket (< 512 ns) goes to the zero bucket; its overflow bucket (>= 2^37 ns) to the
// native bucket of the exact maximum seen.
//
// Threading: pure functions over values; call from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "core/sketch.h"

namespace redline::agent {

struct NativeBucketSpan {
    std::int32_t offset = 0;  // first span: index of its first bucket; later spans: gap to the previous one
    std::uint32_t length = 0;
    bool operator==(const NativeBucketSpan&) const = default;
};

struct NativeHistogram {
    static constexpr int kSchema = 5;
    /// 2^-31 s (0.47 us), a bucket boundary of every schema; the sketch's underflow (< 512 ns) counts here.
    static constexpr double kZeroThreshold = 1.0 / 2147483648.0;

    std::int32_t schema = kSchema;
    double zero_threshold = kZeroThreshold;
    std::uint64_t zero_count = 0;
    std::vector<NativeBucketSpan> positive_spans;
    std::vector<std::int64_t>
        positive_deltas;      // first: absolute count; then difference to the previous bucket
    std::uint64_t count = 0;  // zero_count + all bucket counts
    double sum_s = 0.0;

    /// Non-empty buckets as (index, count), ascending index (decodes spans and deltas).
    std::vector<std::pair<std::int32_t, std::uint64_t>> buckets() const;
};

/// Native bucket index (schema 5) of a value in seconds (> 0): the i with 2^((i-1)/32) < v <= 2^(i/32).
std::int32_t native_index(double v_s) noexcept;
/// Upper bound of native bucket i, in seconds: 2^(i/32).
double native_upper_bound(std::int32_t index) noexcept;

/// The sketch as a schema-5 native histogram (see the file comment for the mapping).
NativeHistogram to_native_histogram(const LatencySketch& sketch);

/// Cumulative counts of a native histogram at classic upper bounds (seconds, ascending), +Inf excluded. A
/// bound is meant to be a native bucket boundary (then the count is exact for the native histogram); other
/// bounds count the native buckets whose upper bound is <= the bound.
std::vector<std::uint64_t> cumulative_at(const NativeHistogram& h, std::span<const double> bounds_s);

/// What Prometheus 2.42's histogram_quantile() computes from a native histogram with these bucket counts
/// (possibly scaled by rate(), hence doubles): the bucket holding rank q*count, then linear interpolation
/// between its bounds (the zero bucket's lower bound is 0 when there are no negative buckets).
double prometheus_native_quantile(double q, double zero_count, double zero_threshold,
                                  std::span<const std::pair<std::int32_t, double>> buckets);
/// The same for classic buckets: (upper bound, cumulative count), ascending, last one +Inf (Prometheus'
/// bucketQuantile: first bucket's lower bound is 0, a rank in +Inf answers the highest finite bound).
/// Both are core's native_quantile()/classic_quantile() (core/prometheus_fleet.h) over these inputs.
double prometheus_classic_quantile(double q, std::span<const std::pair<double, double>> cumulative);

}  // namespace redline::agent
