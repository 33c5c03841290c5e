// Worst-case quantile error: Redline's LatencySketch against Prometheus `histogram_quantile` over the default
// client buckets, on the same samples.
//
// For each distribution, 200,000 latencies (fixed seed 42, tests/support/latency_samples, as in
// tests/unit/tst_sketch.cpp) are recorded into (a) a LatencySketch and (b) a Prometheus classic histogram
// with DefBuckets
// (.005 .01 .025 .05 .1 .25 .5 1 2.5 5 10 +Inf seconds, `le` inclusive). Each estimate of
// p50/p90/p95/p99/p99.9 is compared with the exact value sorted[floor(q * (n - 1))]; the counters report the
// worst relative error of each method in percent and their ratio. Errors are deterministic; the timing is
// that of one record-all-and-query pass.
//
//   bench_quantile_error --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/sketch.h"
#include "tests/support/latency_samples.h"

namespace {

constexpr std::size_t kSamples = 200'000;
constexpr std::array<double, 5> kQuantiles = {0.5, 0.9, 0.95, 0.99, 0.999};
constexpr std::array<const char*, 5> kQuantileNames = {"p50", "p90", "p95", "p99", "p999"};

// Prometheus client DefBuckets (client_golang prometheus.DefBuckets, also prometheus-cpp's usual choice),
// seconds.
constexpr std::array<double, 11> kDefBuckets = {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};

/// A Prometheus classic histogram as a scrape sees it: cumulative counts per `le` bound, +Inf last.
struct PromHistogram {
    std::array<double, kDefBuckets.size() + 1> upper{};
    std::array<double, kDefBuckets.size() + 1> cumulative{};

    PromHistogram() {
        std::copy(kDefBuckets.begin(), kDefBuckets.end(), upper.begin());
        upper.back() = std::numeric_limits<double>::infinity();
    }
    void observe(double seconds) {
        // client_golang: the first bucket whose upper bound is >= the value (bounds are inclusive).
        const auto i = std::size_t(std::lower_bound(upper.begin(), upper.end(), seconds) - upper.begin());
        for (std::size_t b = i; b < cumulative.size(); ++b)
            cumulative[b] += 1;
    }

    /// PromQL histogram_quantile for classic buckets (promql/quantile.go, bucketQuantile): find the first
    /// bucket whose cumulative count reaches rank = q * total and interpolate linearly inside it, with 0 as
    /// the lower bound of the first bucket; a rank in the +Inf bucket returns the highest finite bound. The
    /// buckets here are already sorted, distinct and monotonic, so the coalescing/monotonicity repairs are
    /// no-ops.
    double quantile(double q) const {
        if (std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
        if (q < 0) return -std::numeric_limits<double>::infinity();
        if (q > 1) return std::numeric_limits<double>::infinity();
        const std::size_t n = upper.size();
        const double observations = cumulative[n - 1];
        if (observations == 0) return std::numeric_limits<double>::quiet_NaN();
        double rank = q * observations;
        std::size_t b = 0;  // sort.Search over the first n - 1 buckets
        while (b < n - 1 && cumulative[b] < rank)
            ++b;
        if (b == n - 1) return upper[n - 2];
        if (b == 0 && upper[0] <= 0) return upper[0];
        double start = 0;
        const double end = upper[b];
        double count = cumulative[b];
        if (b > 0) {
            start = upper[b - 1];
            count -= cumulative[b - 1];
            rank -= cumulative[b - 1];
        }
        return start + (end - start) * (rank / count);
    }
};

void BM_QuantileError(benchmark::State& state, const std::string& dist) {
    const auto values = redline::test::latency_samples(dist, kSamples);
    auto sorted = values;
    std::sort(sorted.begin(), sorted.end());
    std::array<double, kQuantiles.size()> exact{};
    for (std::size_t i = 0; i < kQuantiles.size(); ++i)
        exact[i] =
            double(sorted[static_cast<std::size_t>(std::floor(kQuantiles[i] * double(sorted.size() - 1)))]);

    std::array<double, kQuantiles.size()> ours_err{}, prom_err{};
    for (auto _ : state) {
        redline::LatencySketch sketch;
        PromHistogram prom;
        for (const auto ns : values) {
            sketch.add(ns);
            prom.observe(double(ns) * 1e-9);
        }
        for (std::size_t i = 0; i < kQuantiles.size(); ++i) {
            ours_err[i] = std::abs(sketch.quantile_ns(kQuantiles[i]) - exact[i]) / exact[i];
            prom_err[i] = std::abs(prom.quantile(kQuantiles[i]) * 1e9 - exact[i]) / exact[i];
        }
        benchmark::DoNotOptimize(ours_err);
        benchmark::DoNotOptimize(prom_err);
    }
    const double ours_worst = *std::max_element(ours_err.begin(), ours_err.end());
    const double prom_worst = *std::max_element(prom_err.begin(), prom_err.end());
    state.counters["ours_worst_%"] = ours_worst * 100;
    state.counters["prom_worst_%"] = prom_worst * 100;
    state.counters["prom/ours"] = prom_worst / ours_worst;
    for (std::size_t i = 0; i < kQuantiles.size(); ++i) {
        state.counters[std::string("ours_") + kQuantileNames[i] + "_%"] = ours_err[i] * 100;
        state.counters[std::string("prom_") + kQuantileNames[i] + "_%"] = prom_err[i] * 100;
        state.counters[std::string("exact_") + kQuantileNames[i] + "_ms"] = exact[i] / 1e6;
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(values.size()));
}

BENCHMARK_CAPTURE(BM_QuantileError, lognormal, std::string("lognormal"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_QuantileError, bimodal, std::string("bimodal"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_QuantileError, pareto, std::string("pareto"))->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
