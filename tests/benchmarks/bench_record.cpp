// Hot-path cost: Recorder::record() against prometheus-cpp 1.0.1 Histogram::Observe, side by side in one
// binary. Same label count (method, route, version: resolved once, before the loop, in both cases), 25
// histogram buckets for prometheus-cpp, the same latency values. With ->Threads(2) both threads record into
// the same series, as two server threads answering the same route do.
//
//   build/<dir>/tests/benchmarks/bench_record --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "agents/agent/metrics_collectable.h"
#include "agents/agent/recorder.h"

namespace {

constexpr std::size_t kValues = 4096;  // power of two

/// Lognormal latencies around 5 ms (fixed seed), in nanoseconds.
const std::array<std::int64_t, kValues>& latencies_ns() {
    static const auto values = [] {
        std::array<std::int64_t, kValues> v{};
        std::mt19937_64 rng(7);
        std::lognormal_distribution<double> d(std::log(5e6), 1.2);
        for (auto& x : v)
            x = std::int64_t(std::min(d(rng), 60e9));
        return v;
    }();
    return values;
}

const std::array<double, kValues>& latencies_s() {
    static const auto values = [] {
        std::array<double, kValues> v{};
        for (std::size_t i = 0; i < kValues; ++i)
            v[i] = double(latencies_ns()[i]) / 1e9;
        return v;
    }();
    return values;
}

struct RedlineFixture {
    redline::agent::Recorder recorder;
    redline::agent::SeriesHandle handle;
    RedlineFixture() {
        handle = recorder.register_series("GET", "/v1/products/{id}", "stable");
        recorder.register_series("GET", "/v1/products/{id}", "canary");
        recorder.freeze();
    }
};

RedlineFixture& redline_fixture() {
    static RedlineFixture f;
    return f;
}

struct PrometheusFixture {
    prometheus::Registry registry;
    prometheus::Histogram* histogram = nullptr;
    PrometheusFixture() {
        auto& family = prometheus::BuildHistogram()
                           .Name("http_server_request_duration_seconds")
                           .Help("Duration of HTTP server requests.")
                           .Register(registry);
        const auto b = redline::agent::MetricsCollectable::bucket_bounds_s();
        histogram = &family.Add(
            {{"http_request_method", "GET"}, {"http_route", "/v1/products/{id}"}, {"version", "stable"}},
            prometheus::Histogram::BucketBoundaries(b.begin(), b.end()));
    }
};

PrometheusFixture& prometheus_fixture() {
    static PrometheusFixture f;
    return f;
}

void BM_RedlineRecord(benchmark::State& state) {
    auto& f = redline_fixture();
    const auto& v = latencies_ns();
    std::size_t i = std::size_t(state.thread_index()) * 977;
    for (auto _ : state) {
        f.recorder.record(f.handle, 200, std::chrono::nanoseconds(v[i & (kValues - 1)]),
                          redline::agent::CacheOutcome::Hit);
        benchmark::ClobberMemory();  // no hoisting across calls: every call finds its shard again
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_PrometheusObserve(benchmark::State& state) {
    auto& f = prometheus_fixture();
    const auto& v = latencies_s();
    std::size_t i = std::size_t(state.thread_index()) * 977;
    for (auto _ : state) {
        f.histogram->Observe(v[i & (kValues - 1)]);
        benchmark::ClobberMemory();
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}

// A full request as the sample server records it: in-flight gauge, rate-limit decision, then the outcome.
void BM_RedlineRequestLifecycle(benchmark::State& state) {
    auto& f = redline_fixture();
    const auto& v = latencies_ns();
    std::size_t i = std::size_t(state.thread_index()) * 977;
    for (auto _ : state) {
        f.recorder.request_started(f.handle);
        f.recorder.record_rate_limit(f.handle, redline::agent::RateLimitOutcome::Allowed);
        f.recorder.record(f.handle, 200, std::chrono::nanoseconds(v[i & (kValues - 1)]),
                          redline::agent::CacheOutcome::Miss);
        f.recorder.request_finished(f.handle);
        benchmark::ClobberMemory();
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}

// A forwarding host (redline-proxy): the same recorder with an upstream recorder attached
// (Recorder::attach_upstream). BM_RedlineRecordAttached records the total only (what attaching costs the main
// record: nothing, the fast path is the same code); BM_RedlineProxyRecord records the total and the upstream
// time of each request, as the proxy does.
struct UpstreamFixture {
    redline::agent::Recorder recorder, upstream;
    redline::agent::SeriesHandle handle, up;
    UpstreamFixture() {
        handle = recorder.register_series("GET", "/v1/products/{id}", "stable");
        recorder.register_series("GET", "/v1/products/{id}", "canary");
        up = upstream.register_series("GET", "/v1/products/{id}", "stable");
        upstream.register_series("GET", "/v1/products/{id}", "canary");
        recorder.attach_upstream(upstream);
        recorder.freeze();
    }
};

UpstreamFixture& upstream_fixture() {
    static UpstreamFixture f;
    return f;
}

void BM_RedlineRecordAttached(benchmark::State& state) {
    auto& f = upstream_fixture();
    const auto& v = latencies_ns();
    std::size_t i = std::size_t(state.thread_index()) * 977;
    for (auto _ : state) {
        f.recorder.record(f.handle, 200, std::chrono::nanoseconds(v[i & (kValues - 1)]),
                          redline::agent::CacheOutcome::Hit);
        benchmark::ClobberMemory();
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_RedlineProxyRecord(benchmark::State& state) {
    auto& f = upstream_fixture();
    const auto& v = latencies_ns();
    std::size_t i = std::size_t(state.thread_index()) * 977;
    for (auto _ : state) {
        const std::int64_t total = v[i & (kValues - 1)];
        f.recorder.record(f.handle, 200, std::chrono::nanoseconds(total), redline::agent::CacheOutcome::None);
        f.upstream.record(f.up, 200, std::chrono::nanoseconds(total - total / 8));
        benchmark::ClobberMemory();
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(BM_RedlineRecord)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_PrometheusObserve)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_RedlineRequestLifecycle)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_RedlineRecordAttached)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_RedlineProxyRecord)->Threads(1)->Threads(2)->UseRealTime();

BENCHMARK_MAIN();
