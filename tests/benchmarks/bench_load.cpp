// Micro-benchmarks of the load engine's per-request work: schedule lookup, request rendering, weighted pick.
//   build/<x>/tests/benchmarks/bench_load --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "core/load/arrival_schedule.h"
#include "core/load/request_mix.h"

using namespace redline::load;

namespace {

Scenario scenario() {
    auto p = parse_scenario_text(R"({"name":"b","executor":"ramping-arrival-rate","start_target":100,
      "stages":[{"duration_s":60,"target":50000},{"duration_s":60,"target":50000}],
      "requests":[{"name":"static","weight":1,"path":"/"},
                  {"name":"tmpl","weight":3,"path":"/v1/products/{1..100000}?q={red|blue|green}","api_keys":["a","b","c"],
                   "headers":{"Accept":"application/json"}}]})");
    return p.value();
}

void BM_ScheduleTimeOf(benchmark::State& st) {
    const Scenario sc = scenario();
    ArrivalSchedule a(sc);
    std::size_t hint = 0;
    double n = 0;
    for (auto _ : st) {
        benchmark::DoNotOptimize(a.time_of(n, &hint));
        n += 1;
        if (n >= a.total_arrivals()) n = 0, hint = 0;
    }
}
BENCHMARK(BM_ScheduleTimeOf);

// Arg 0: a static request (bytes serialised once); 1: a templated one (path and body rendered per request).
void BM_Render(benchmark::State& st) {
    const Scenario sc = scenario();
    RequestMix mix(sc, "127.0.0.1:8080");
    Rng rng(1);
    std::string buf;
    std::uint64_t k = 0;
    const auto which = static_cast<std::size_t>(st.range(0));
    for (auto _ : st)
        benchmark::DoNotOptimize(mix.render(which, buf, rng, k).size());
}
BENCHMARK(BM_Render)->ArgName("templated")->Arg(0)->Arg(1);

void BM_WeightedPick(benchmark::State& st) {
    const Scenario sc = scenario();
    RequestMix mix(sc, "127.0.0.1:8080");
    Rng rng(1);
    for (auto _ : st)
        benchmark::DoNotOptimize(mix.pick(rng));
}
BENCHMARK(BM_WeightedPick);

}  // namespace

BENCHMARK_MAIN();
