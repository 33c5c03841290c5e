// Snapshot build for 20 routes x 2 versions with 60 s of data (every second of the ring filled), for the 1 s,
// 10 s and 60 s windows; plus the epoch close itself and the /metrics text, and the memory per series.
//
//   build/<dir>/tests/benchmarks/bench_snapshot --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "agents/agent/metrics_collectable.h"
#include "agents/agent/recorder.h"

namespace {

constexpr int kRoutes = 20;
constexpr int kVersions = 2;
constexpr int kSeconds = 60;
constexpr int kPerSeriesPerSecond = 500;  // 40 series x 500 = 20k requests/s
constexpr std::int64_t kFirstEpoch = 1'800'000'000;

struct Loaded {
    redline::agent::Recorder recorder;
    std::vector<redline::agent::SeriesHandle> handles;
    std::int64_t next_epoch = kFirstEpoch;
    std::mt19937_64 rng{11};

    Loaded() {
        for (int r = 0; r < kRoutes; ++r)
            for (const char* v : {"stable", "canary"})
                handles.push_back(recorder.register_series(r % 4 == 3 ? "POST" : "GET",
                                                           "/v1/resource" + std::to_string(r) + "/{id}", v));
        recorder.freeze();
        for (int s = 0; s < kSeconds; ++s)
            fill_one_second();
    }

    /// Records one second of traffic for every series and closes it.
    void fill_one_second() {
        std::lognormal_distribution<double> latency(std::log(4e6), 1.0);
        for (const auto h : handles)
            for (int i = 0; i < kPerSeriesPerSecond; ++i) {
                const int status = i % 50 == 0 ? 503 : i % 20 == 0 ? 404 : i % 33 == 0 ? 429 : 200;
                recorder.record(h, status, std::chrono::nanoseconds(std::int64_t(latency(rng))),
                                redline::agent::CacheOutcome(i % 3));
            }
        recorder.close_epoch(next_epoch++);
    }
};

Loaded& loaded() {
    static Loaded l;
    return l;
}

void BM_Snapshot(benchmark::State& state) {
    auto& l = loaded();
    const int window = int(state.range(0));
    for (auto _ : state) {
        auto s = l.recorder.snapshot(window);
        benchmark::DoNotOptimize(s);
    }
    const auto s = l.recorder.snapshot(window);
    state.counters["series"] = double(s.series.size());
    state.counters["requests"] = double(s.total.requests);
}

// Closing one epoch with a second of traffic (merge of every shard series into the rings and totals).
// The recording of that second is excluded from the timing.
void BM_CloseEpoch(benchmark::State& state) {
    auto& l = loaded();
    std::lognormal_distribution<double> latency(std::log(4e6), 1.0);
    for (auto _ : state) {
        state.PauseTiming();
        for (const auto h : l.handles)
            for (int i = 0; i < kPerSeriesPerSecond; ++i)
                l.recorder.record(h, i % 50 == 0 ? 503 : 200,
                                  std::chrono::nanoseconds(std::int64_t(latency(l.rng))));
        state.ResumeTiming();
        l.recorder.close_epoch(l.next_epoch++);
    }
}

void BM_MetricsText(benchmark::State& state) {
    auto& l = loaded();
    auto c = redline::agent::make_metrics_collectable(l.recorder, "bench");
    std::size_t bytes = 0;
    for (auto _ : state) {
        const std::string text = redline::agent::metrics_text(*c);
        bytes = text.size();
        benchmark::DoNotOptimize(bytes);
    }
    state.counters["bytes"] = double(bytes);
}

void BM_MemoryPerSeries(benchmark::State& state) {
    auto& l = loaded();
    redline::agent::Recorder::MemoryUsage m;
    for (auto _ : state) {
        m = l.recorder.memory_usage();
        benchmark::DoNotOptimize(m);
    }
    const double n = double(m.series);
    state.counters["ring_B_per_series"] = double(m.rings_bytes) / n;
    state.counters["totals_B_per_series"] = double(m.totals_bytes) / n;
    state.counters["shard_B_per_series_per_thread"] = double(m.shard_bytes_per_series);
    state.counters["shards"] = double(m.shards);
    state.counters["total_B_per_series"] = double(m.rings_bytes + m.totals_bytes + m.shards_bytes) / n;
}

}  // namespace

BENCHMARK(BM_Snapshot)->Arg(1)->Arg(10)->Arg(60)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CloseEpoch)->Unit(benchmark::kMicrosecond)->Iterations(200);
BENCHMARK(BM_MetricsText)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MemoryPerSeries)->Iterations(1);

BENCHMARK_MAIN();
