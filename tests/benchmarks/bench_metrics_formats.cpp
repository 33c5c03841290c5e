// /metrics in-process cost, text vs protobuf (issue 11 §1): Collect + serialize for 20 routes x 2 versions,
// every series with 30,000 log-normal latencies (median 4 ms) recorded, as bench_snapshot.cpp loads them; and
// the re-bucketing of one sketch into the schema-5 native histogram. Counter `bytes` is the body size.
//
//   build/release/tests/bench_metrics_formats --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "agents/agent/metrics_collectable.h"
#include "agents/agent/metrics_protobuf.h"
#include "agents/agent/native_histogram.h"
#include "agents/agent/recorder.h"

namespace {

struct Loaded {
    redline::agent::Recorder recorder;
    std::shared_ptr<redline::agent::MetricsCollectable> collectable;

    Loaded() {
        std::vector<redline::agent::SeriesHandle> handles;
        for (int r = 0; r < 20; ++r)
            for (const char* v : {"stable", "canary"})
                handles.push_back(recorder.register_series(r % 4 == 3 ? "POST" : "GET",
                                                           "/v1/resource" + std::to_string(r) + "/{id}", v));
        recorder.freeze();
        std::mt19937_64 rng(11);
        std::lognormal_distribution<double> latency(std::log(4e6), 1.0);
        for (int s = 0; s < 60; ++s) {
            for (const auto h : handles)
                for (int i = 0; i < 500; ++i)
                    recorder.record(h, i % 50 == 0 ? 503 : 200,
                                    std::chrono::nanoseconds(std::int64_t(latency(rng))));
            recorder.close_epoch(1'800'000'000 + s);
        }
        collectable = redline::agent::make_metrics_collectable(recorder, "bench");
    }
};

Loaded& loaded() {
    static Loaded l;
    return l;
}

void BM_MetricsText(benchmark::State& state) {
    auto& l = loaded();
    std::size_t bytes = 0;
    for (auto _ : state) {
        const std::string body = redline::agent::metrics_text(*l.collectable);
        bytes = body.size();
        benchmark::DoNotOptimize(body.data());
    }
    state.counters["bytes"] = double(bytes);
}

void BM_MetricsProtobuf(benchmark::State& state) {
    auto& l = loaded();
    std::size_t bytes = 0;
    for (auto _ : state) {
        const std::string body =
            redline::agent::serialize_metrics_protobuf(l.collectable->collect_exposition());
        bytes = body.size();
        benchmark::DoNotOptimize(body.data());
    }
    state.counters["bytes"] = double(bytes);
}

void BM_Rebucket(benchmark::State& state) {
    redline::LatencySketch sk;
    std::mt19937_64 rng(5);
    std::lognormal_distribution<double> latency(std::log(4e6), 1.0);
    for (int i = 0; i < 30'000; ++i)
        sk.add(std::uint64_t(latency(rng)));
    for (auto _ : state) {
        auto h = redline::agent::to_native_histogram(sk);
        benchmark::DoNotOptimize(h.positive_deltas.data());
    }
}

}  // namespace

BENCHMARK(BM_MetricsText)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MetricsProtobuf)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Rebucket)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
