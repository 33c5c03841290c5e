// The rollout's automated canary analysis against its anchors (docs/benchmarks.md "Rollouts"), on a real
// Agent with its deterministic clock (options.clock = false): synthetic per-second traffic of both versions
// is recorded through Agent::record, every second ends with Agent::close_epoch (which runs the analysis
// tick), and the rollout is driven through the real admin API on 127.0.0.1.
//
//   bench_rollout detect [reps]  time to rollback after a fault starts at 25 %, 200 req/s
//   bench_rollout curve [reps]   regression size vs detection time
//   bench_rollout aa [n]         A/A rollouts at 20, 200, 2,000 req/s: false rollbacks (Wilson 95 %)
//   bench_rollout aa-quiet [n]   A/A at 20 req/s with a plan for a quiet service
//   bench_rollout cost [ticks]   CPU per analysis tick, 20 routes x 2 versions
//   bench_rollout all            everything with the documented counts
//
// Traffic model: latency lognormal (median 5 ms, sigma 0.5), 1 % 5xx, 80 % cache hits, no 429; each request
// goes to the canary with probability weight/100 (a canary sticky by client key over many clients).
#include <spdlog/spdlog.h>

#include <QTemporaryDir>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "agents/agent/agent.h"
#include "core/clock.h"
#include "tests/support/raw_http.h"

using nlohmann::json;
using redline::agent::Agent;
using redline::agent::Role;

namespace {

struct Traffic {
    double median_ms = 5.0, sigma = 0.5;
    double error_ratio = 0.01;
    double cache_hit_ratio = 0.8;
    double extra_ms = 0.0;  // added to every request
    double scale = 1.0;     // latency multiplied
};

class Sim {
  public:
    explicit Sim(int routes, std::uint64_t seed) : rng_(seed) {
        redline::agent::AgentOptions o;
        o.data_dir = dir_.path().toStdString();
        o.admin_listen = "127.0.0.1:0";
        o.clock = false;
        o.service = "bench-rollout";
        o.on_error = [](std::string_view) {};
        agent_ = std::make_unique<Agent>(o);
        for (const char* v : {"stable", "canary"})
            for (int r = 0; r < routes; ++r)
                handles_.push_back(agent_->register_series("GET", "/v1/r" + std::to_string(r), v));
        agent_->start();
        std::ifstream in(agent_->token_path(Role::Operator));
        std::getline(in, token_);
        epoch_ = redline::unix_ms() / 1000;
    }
    Agent& agent() { return *agent_; }

    bool call(const std::string& method, const std::string& path, const std::string& body) {
        auto r = redline::test::http_request(
            agent_->admin_port(), method, path,
            {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}}, body);
        if (r.status != 200)
            std::fprintf(stderr, "%s %s: %d %s\n", method.c_str(), path.c_str(), r.status, r.body.c_str());
        return r.status == 200;
    }
    bool start(const json& plan) {
        return call("PUT", "/v1/rollout", plan.dump()) && call("POST", "/v1/rollout/start", "{}");
    }
    /// One second at `rate` requests/s.
    void second(int rate, const Traffic& stable, const Traffic& canary) {
        const double w = agent_->canary().weight_percent / 100.0;
        const std::size_t routes = handles_.size() / 2;
        for (int i = 0; i < rate; ++i) {
            const bool c = u_(rng_) < w;
            const Traffic& t = c ? canary : stable;
            const double ms = std::exp(std::log(t.median_ms) + t.sigma * n_(rng_)) * t.scale + t.extra_ms;
            const int status = u_(rng_) < t.error_ratio ? 500 : 200;
            const auto cache = u_(rng_) < t.cache_hit_ratio ? redline::agent::CacheOutcome::Hit
                                                            : redline::agent::CacheOutcome::Miss;
            agent_->record(handles_[(c ? routes : 0) + std::size_t(i) % routes], status,
                           std::chrono::nanoseconds(std::int64_t(ms * 1e6)), cache);
        }
        agent_->close_epoch(epoch_++);
    }
    /// Empty seconds, so the next rollout's windows hold nothing of the previous one.
    void idle(int seconds) {
        epoch_ += seconds;
        agent_->close_epoch(epoch_++);
    }

  private:
    QTemporaryDir dir_;
    std::unique_ptr<Agent> agent_;
    std::vector<redline::agent::SeriesHandle> handles_;
    std::string token_;
    std::int64_t epoch_ = 0;
    std::mt19937_64 rng_;
    std::uniform_real_distribution<double> u_{0.0, 1.0};
    std::normal_distribution<double> n_{0.0, 1.0};
};

json plan_at_25(const json& analysis = json::object()) {
    json p = {{"steps", {{{"weight_percent", 25}, {"hold_s", 3600}}, {{"weight_percent", 100}}}},
              {"on_failure", "rollback"}};
    if (!analysis.empty()) p["analysis"] = analysis;
    return p;
}

double median(std::vector<double> v) {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// Seconds from the fault's start to the rollback (-1: not within `limit` s). The canary runs clean for a
/// full window first.
int time_to_rollback(std::uint64_t seed, int rate, const Traffic& fault, const json& analysis,
                     int limit = 120) {
    Sim sim(5, seed);
    const Traffic clean;
    if (!sim.start(plan_at_25(analysis))) return -2;
    const int clean_s =
        (analysis.is_object() ? analysis.value("window_s", 10) : 10) + 5;  // a clean window first
    for (int i = 0; i < clean_s; ++i) {
        sim.second(rate, clean, clean);
        if (sim.agent().rollout().state != redline::RolloutState::Progressing) return -3;  // false rollback
    }
    for (int s = 1; s <= limit; ++s) {
        sim.second(rate, clean, fault);
        if (sim.agent().rollout().state == redline::RolloutState::RolledBack) return s;
    }
    return -1;
}

void report_detection(const char* name, const Traffic& fault, const json& analysis, int reps) {
    std::vector<double> t;
    int missed = 0, false_rb = 0;
    for (int r = 0; r < reps; ++r) {
        const int s = time_to_rollback(1000 + std::uint64_t(r), 200, fault, analysis);
        if (s > 0)
            t.push_back(s);
        else if (s == -3)
            ++false_rb;
        else
            ++missed;
    }
    if (t.empty()) {  // never detected: no time to show
        std::printf("| %s | %d | never | - | %d | %d |\n", name, reps, missed, false_rb);
    } else {
        const double lo = *std::min_element(t.begin(), t.end());
        const double hi = *std::max_element(t.begin(), t.end());
        std::printf("| %s | %d | %.0f s | %.0f-%.0f s | %d | %d |\n", name, reps, median(t), lo, hi, missed,
                    false_rb);
    }
    std::fflush(stdout);
}

void detect(int reps) {
    std::printf(
        "\n### Time to rollback at 25 %% weight, 200 req/s (the fault starts after a clean window + 5 s)\n");
    std::printf("| fault | runs | median | range | not detected in 180 s | rolled back before the fault |\n");
    std::printf("|---|---|---|---|---|---|\n");
    Traffic f;
    f.extra_ms = 50;
    report_detection("+50 ms on every canary request (default bounds)", f, {}, reps);
    f = Traffic{};
    f.scale = 1.2;
    report_detection("+20 % latency (p99 +20 %; default bounds allow 20 %)", f, {}, reps);
    report_detection("+20 % latency (p99 bound 10 % and 1 ms)", f,
                     {{"p99", {{"max_increase_percent", 10}, {"max_increase_ms", 1}}}}, reps);
    f = Traffic{};
    f.error_ratio = 0.03;
    report_detection("+2 pp 5xx (1 % -> 3 %, bound 1 pp)", f, {}, reps);
    report_detection("+2 pp 5xx, window 30 s", f, {{"window_s", 30}}, reps);
    report_detection("+2 pp 5xx, window 60 s", f, {{"window_s", 60}}, reps);
    report_detection("+2 pp 5xx, window 60 s, bound 0.5 pp", f,
                     {{"window_s", 60}, {"max_error_increase_pp", 0.5}}, reps);
    f = Traffic{};
    f.cache_hit_ratio = 0.6;
    report_detection("-20 pp cache hits (80 % -> 60 %, bound 5 pp)", f, {}, reps);
}

void curve(int reps) {
    std::printf("\n### Regression size vs time to rollback (25 %% weight, 200 req/s, default analysis)\n");
    std::printf("| fault | runs | median | range | not detected in 180 s | rolled back before the fault |\n");
    std::printf("|---|---|---|---|---|---|\n");
    for (double ms : {2.0, 5.0, 10.0, 20.0, 50.0, 100.0}) {
        Traffic f;
        f.extra_ms = ms;
        report_detection(("+" + std::to_string(int(ms)) + " ms").c_str(), f, {}, reps);
    }
    for (double pp : {1.5, 2.0, 3.0, 5.0, 10.0}) {
        Traffic f;
        f.error_ratio = 0.01 + pp / 100;
        char name[64];
        std::snprintf(name, sizeof name, "+%g pp 5xx", pp);
        report_detection(name, f, {}, reps);
    }
}

/// Wilson score interval for k successes out of n, 95 %.
std::pair<double, double> wilson(int k, int n) {
    const double z = 1.959964, p = double(k) / n, d = 1 + z * z / n;
    const double c = (p + z * z / (2.0 * n)) / d;
    const double h = z * std::sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / d;
    return {std::max(0.0, c - h), std::min(1.0, c + h)};
}

const json kDefaultPlan = {{"steps",
                            {{{"weight_percent", 5}, {"hold_s", 30}},
                             {{"weight_percent", 25}, {"hold_s", 60}},
                             {{"weight_percent", 50}, {"hold_s", 60}},
                             {{"weight_percent", 100}}}},
                           {"on_failure", "rollback"}};
// At 20 req/s the default plan never gets a conclusive window at 5 % (1 canary request/s): a plan for a quiet
// service starts at 25 % and analyses 60 s windows.
const json kQuietPlan = {{"steps",
                          {{{"weight_percent", 25}, {"hold_s", 120}},
                           {{"weight_percent", 50}, {"hold_s", 120}},
                           {{"weight_percent", 100}}}},
                         {"analysis", {{"window_s", 60}}},
                         {"on_failure", "rollback"}};

void aa(int rollouts, const json& plan, const std::vector<int>& rates, const char* title) {
    std::printf("\n### %s; each rollout gets at most 600 simulated seconds\n", title);
    std::printf(
        "| rate | rollouts | promoted | median time to promote | false rollbacks | rate (95 %% CI) | still "
        "waiting after 600 s |\n|---|---|---|---|---|---|---|\n");
    for (int rate : rates) {
        Sim sim(5, 77 + std::uint64_t(rate));
        const Traffic same;
        int promoted = 0, failed = 0, waiting = 0;
        std::vector<double> times;
        for (int r = 0; r < rollouts; ++r) {
            if (!sim.start(plan)) return;
            int s = 0;
            for (; s < 600; ++s) {
                sim.second(rate, same, same);
                const auto st = sim.agent().rollout().state;
                if (st == redline::RolloutState::Promoted) {
                    ++promoted;
                    times.push_back(s + 1);
                    break;
                }
                if (st == redline::RolloutState::RolledBack) {
                    ++failed;
                    std::fprintf(stderr, "A/A rollback at %d req/s: %s\n", rate,
                                 sim.agent().rollout().reason.c_str());
                    break;
                }
            }
            if (s == 600) {
                ++waiting;
                sim.call("POST", "/v1/rollout/abort", "{}");
            }
            sim.idle(70);
        }
        const auto [lo, hi] = wilson(failed, rollouts);
        std::printf("| %d req/s | %d | %d | %.0f s | %d | %.2f %% [%.2f-%.2f %%] | %d |\n", rate, rollouts,
                    promoted, median(times), failed, 100.0 * failed / rollouts, 100 * lo, 100 * hi, waiting);
        std::fflush(stdout);
    }
}

void cost(int ticks) {
    // 20 routes x 2 versions, 2,000 req/s; the tick's cost = close_epoch with a progressing rollout minus
    // close_epoch without one, measured on the same traffic, alternating blocks.
    Sim sim(20, 5);
    const Traffic t;
    auto timed = [&](int n) {
        double ns = 0;
        for (int i = 0; i < n; ++i) {
            const auto a = std::chrono::steady_clock::now();
            sim.second(2000, t, t);
            ns += double(
                std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - a)
                    .count());
        }
        return ns / n;
    };
    timed(20);  // warm-up: fill the windows
    std::vector<double> with, without;
    const json plan = {{"steps", {{{"weight_percent", 25}, {"hold_s", 86400}}, {{"weight_percent", 100}}}}};
    for (int block = 0; block < 5; ++block) {
        sim.start(plan);
        with.push_back(timed(ticks / 10));
        sim.call("POST", "/v1/rollout/abort", "{}");
        without.push_back(timed(ticks / 10));
    }
    std::vector<double> diff;
    for (std::size_t i = 0; i < with.size(); ++i)
        diff.push_back(with[i] - without[i]);
    const double d = median(diff);
    std::printf("\n### Cost of the analysis tick (20 routes x 2 versions, 2,000 req/s recorded)\n");
    std::printf("second recorded + closed, with a progressing rollout: median %.1f us; without: %.1f us\n",
                median(with) / 1e3, median(without) / 1e3);
    std::printf("analysis tick: %.1f us per second = %.4f %% of one core (blocks: ", d / 1e3, d / 1e9 * 100);
    for (double x : diff)
        std::printf("%.1f ", x / 1e3);
    std::printf("us)\n");
}

}  // namespace

int main(int argc, char** argv) {
    spdlog::set_level(spdlog::level::warn);
    const std::string mode = argc > 1 ? argv[1] : "all";
    const int n = argc > 2 ? std::atoi(argv[2]) : 0;
    if (mode == "detect" || mode == "all") detect(n > 0 ? n : 20);
    if (mode == "curve" || mode == "all") curve(n > 0 ? n : 10);
    if (mode == "aa" || mode == "all")
        aa(n > 0 ? n : 1000, kDefaultPlan, {20, 200, 2000},
           "A/A rollouts (canary identical to stable), default plan 5 %/30 s, 25 %/60 s, 50 %/60 s, 100 %, "
           "default analysis");
    if (mode == "aa-quiet" || mode == "all")
        aa(n > 0 ? n : 1000, kQuietPlan, {20},
           "A/A rollouts at 20 req/s with a plan for a quiet service: 25 %/120 s, 50 %/120 s, 100 %, window "
           "60 s");
    if (mode == "cost" || mode == "all") cost(n > 0 ? n : 1000);
    if (mode != "detect" && mode != "curve" && mode != "aa" && mode != "cost" && mode != "all" &&
        mode != "aa-quiet") {
        std::fprintf(stderr, "usage: bench_rollout detect|curve|aa|aa-quiet|cost|all [count]\n");
        return 2;
    }
    return 0;
}
