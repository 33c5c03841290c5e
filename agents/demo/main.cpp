// redline-agent-demo: embeds the Redline agent and records synthetic traffic for the sample server's route
// set, so the admin API (snapshot, stream, limits, canary, events, /metrics) can be tried without the sample
// server. Limits and canary settings changed through the admin API shape the synthetic traffic.
//
// Threading: main() configures the agent, starts one traffic thread, then waits for SIGINT/SIGTERM with
// sigwait (the signals are blocked in every thread). Control callbacks run on the agent's admin thread and
// hand new settings to the traffic thread through Shared (mutex + version counter).
#include <pthread.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "agents/agent/agent.h"

namespace {

using namespace std::chrono_literals;
using redline::agent::Agent;
using redline::agent::CacheOutcome;
using redline::agent::RateLimitOutcome;
using redline::agent::SeriesHandle;

struct RouteModel {
    const char* method;
    const char* route;
    double weight;        // share of traffic
    double median_ms;     // lognormal median of an uncached request
    double sigma;         // lognormal shape
    double cache_hit;     // probability of a cache hit (0 = no cache on this route)
    double not_found;     // probability of a 404
    double server_error;  // probability of a 500 (stable version)
    int ok_status;        // 200 or 201
};

// The sample server's routes (docs/architecture.md) with plausible latency, cache and status mixes.
const RouteModel kRoutes[] = {
    {"GET", "/v1/products", 0.25, 6.0, 0.45, 0.70, 0.0, 0.002, 200},
    {"GET", "/v1/products/{id}", 0.40, 2.5, 0.50, 0.85, 0.03, 0.001, 200},
    {"GET", "/v1/products/search", 0.15, 14.0, 0.60, 0.0, 0.0, 0.004, 200},
    {"POST", "/v1/orders", 0.10, 22.0, 0.40, 0.0, 0.0, 0.006, 201},
    {"GET", "/v1/orders/{id}", 0.10, 4.0, 0.45, 0.0, 0.05, 0.002, 200},
};
constexpr int kRouteCount = sizeof(kRoutes) / sizeof(kRoutes[0]);

struct Shared {
    std::mutex mutex;
    redline::LimitsConfig limits;
    redline::CanaryConfig canary;
    std::atomic<std::uint64_t> version{0};
};

struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last{};
};

struct Args {
    std::string admin_listen = "127.0.0.1:9464";
    std::string data_dir;
    double rate = 300;
};

void usage(FILE* to) {
    std::fprintf(
        to,
        "usage: redline-agent-demo --data-dir DIR [--admin-listen HOST:PORT] [--rate N]\n"
        "\n"
        "Embeds the Redline agent and records synthetic traffic for the sample server's routes\n"
        "(GET /v1/products, GET /v1/products/{id}, GET /v1/products/search, POST /v1/orders,\n"
        "GET /v1/orders/{id}; versions stable and canary) until SIGINT or SIGTERM.\n"
        "\n"
        "  --admin-listen HOST:PORT  admin API address (default 127.0.0.1:9464, port 0 = any free port)\n"
        "  --data-dir DIR            tokens (viewer.token, operator.token), control state, audit log\n"
        "  --rate N                  synthetic requests per second, 1..100000 (default 300)\n"
        "  --help                    this text\n"
        "\n"
        "Once serving, prints one line on stdout:\n"
        "  REDLINE_READY api= admin=http://127.0.0.1:PORT data_dir=DIR\n");
}

bool parse_args(int argc, char** argv, Args& a) {
    for (int i = 1; i < argc; ++i) {
        std::string k = argv[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "redline-agent-demo: %s needs a value\n", k.c_str());
                return false;
            }
            out = argv[++i];
            return true;
        };
        std::string v;
        if (k == "--help" || k == "-h") {
            usage(stdout);
            std::exit(0);
        } else if (k == "--admin-listen") {
            if (!value(a.admin_listen)) return false;
        } else if (k == "--data-dir") {
            if (!value(a.data_dir)) return false;
        } else if (k == "--rate") {
            if (!value(v)) return false;
            char* end = nullptr;
            a.rate = std::strtod(v.c_str(), &end);
            if (!end || *end || !(a.rate >= 1 && a.rate <= 100000)) {
                std::fprintf(stderr, "redline-agent-demo: --rate must be a number from 1 to 100000\n");
                return false;
            }
        } else {
            std::fprintf(stderr, "redline-agent-demo: unknown argument '%s' (see --help)\n", k.c_str());
            return false;
        }
    }
    if (a.data_dir.empty()) {
        std::fprintf(stderr, "redline-agent-demo: --data-dir is required (see --help)\n");
        return false;
    }
    return true;
}

/// Synthetic traffic: picks a route by weight, a version by the canary weight, applies the rate limit table
/// (token buckets per route), and records status, latency and cache outcome.
class Traffic {
  public:
    Traffic(Agent& agent, Shared& shared, const std::vector<SeriesHandle>& stable,
            const std::vector<SeriesHandle>& canary, double rate)
        : agent_(agent), shared_(shared), stable_(stable), canary_(canary), rate_(rate) {}

    void run(const std::atomic<bool>& stop) {
        auto next = std::chrono::steady_clock::now();
        const auto tick = 10ms;
        double carry = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            refresh();
            carry += rate_ * std::chrono::duration<double>(tick).count();
            int n = int(carry);
            carry -= n;
            for (int i = 0; i < n; ++i)
                one();
            next += tick;
            std::this_thread::sleep_until(next);
            if (std::chrono::steady_clock::now() - next > 1s) next = std::chrono::steady_clock::now();
        }
    }

  private:
    void refresh() {
        auto v = shared_.version.load(std::memory_order_acquire);
        if (v == seen_) return;
        std::lock_guard lock(shared_.mutex);
        limits_ = shared_.limits;
        canary_cfg_ = shared_.canary;
        seen_ = shared_.version.load();
        buckets_.clear();
    }

    int pick_route() {
        double r = uni_(rng_), acc = 0;
        for (int i = 0; i < kRouteCount; ++i) {
            acc += kRoutes[i].weight;
            if (r < acc) return i;
        }
        return kRouteCount - 1;
    }

    // Token bucket per route id; true when the request may pass.
    bool take(const std::string& id, const redline::RouteLimit& l) {
        auto now = std::chrono::steady_clock::now();
        auto [it, fresh] = buckets_.try_emplace(id);
        Bucket& b = it->second;
        if (fresh) {
            b.tokens = l.burst;
            b.last = now;
        }
        b.tokens =
            std::min(l.burst, b.tokens + l.rate_per_s * std::chrono::duration<double>(now - b.last).count());
        b.last = now;
        if (b.tokens < 1.0) return false;
        b.tokens -= 1.0;
        return true;
    }

    void one() {
        int ri = pick_route();
        const RouteModel& m = kRoutes[ri];
        bool is_canary = uni_(rng_) * 100.0 < canary_cfg_.weight_percent;
        SeriesHandle h = is_canary ? canary_[ri] : stable_[ri];
        std::string id = std::string(m.method) + " " + m.route;

        if (auto it = limits_.routes.find(id); it != limits_.routes.end() && it->second.enabled) {
            bool ok = take(id, it->second);
            if (ok) {
                agent_.record_rate_limit(h, RateLimitOutcome::Allowed);
            } else if (it->second.mode == redline::LimitMode::Enforce) {
                agent_.record_rate_limit(h, RateLimitOutcome::Rejected);
                agent_.record(h, 429, std::chrono::microseconds(80 + int(uni_(rng_) * 60)));
                return;
            } else {
                agent_.record_rate_limit(h, RateLimitOutcome::ShadowRejected);
            }
        }

        CacheOutcome cache = CacheOutcome::None;
        double ms;
        if (m.cache_hit > 0 && uni_(rng_) < m.cache_hit) {
            cache = CacheOutcome::Hit;
            ms = 0.25 * std::exp(0.35 * normal_(rng_));
        } else {
            if (m.cache_hit > 0) cache = CacheOutcome::Miss;
            ms = m.median_ms * std::exp(m.sigma * normal_(rng_));
            if (uni_(rng_) < 0.002) ms *= 8;  // occasional slow outlier (GC pause, cold page)
        }
        double error_p = m.server_error;
        if (is_canary) {
            ms *= 1.08;  // the canary build is a little slower
            ms += canary_cfg_.faults.latency_ms + uni_(rng_) * canary_cfg_.faults.latency_jitter_ms;
            error_p += canary_cfg_.faults.error_ratio;
        }
        int status = m.ok_status;
        double r = uni_(rng_);
        if (r < error_p)
            status = 500;
        else if (r < error_p + m.not_found)
            status = 404;
        agent_.record(h, status, std::chrono::nanoseconds(std::int64_t(ms * 1e6)), cache);
    }

    Agent& agent_;
    Shared& shared_;
    std::vector<SeriesHandle> stable_, canary_;
    double rate_;
    std::uint64_t seen_ = ~0ull;
    redline::LimitsConfig limits_;
    redline::CanaryConfig canary_cfg_;
    std::map<std::string, Bucket> buckets_;
    std::mt19937_64 rng_{std::random_device{}()};
    std::uniform_real_distribution<double> uni_{0.0, 1.0};
    std::normal_distribution<double> normal_{0.0, 1.0};
};

}  // namespace

int main(int argc, char** argv) {
    Args args;
    if (!parse_args(argc, argv, args)) return 2;

    // Logs go to stderr: stdout carries only the REDLINE_READY line.
    spdlog::set_default_logger(spdlog::stderr_color_mt("redline-agent-demo"));

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);  // inherited by every thread started below

    try {
        redline::agent::AgentOptions opt;
        opt.service = "redline-agent-demo";
        opt.data_dir = args.data_dir;
        opt.admin_listen = args.admin_listen;
        Agent agent(opt);

        std::vector<SeriesHandle> stable, canary;
        for (const auto& r : kRoutes)
            stable.push_back(agent.register_series(r.method, r.route, "stable"));
        for (const auto& r : kRoutes)
            canary.push_back(agent.register_series(r.method, r.route, "canary"));

        Shared shared;
        agent.on_limits([&](const redline::LimitsConfig& l) {
            std::lock_guard lock(shared.mutex);
            shared.limits = l;
            shared.version.fetch_add(1, std::memory_order_release);
        });
        agent.on_canary([&](const redline::CanaryConfig& c) {
            std::lock_guard lock(shared.mutex);
            shared.canary = c;
            shared.version.fetch_add(1, std::memory_order_release);
        });
        agent.start();

        std::atomic<bool> stop{false};
        Traffic traffic(agent, shared, stable, canary, args.rate);
        std::thread worker([&] { traffic.run(stop); });

        std::string dir = std::filesystem::absolute(args.data_dir).lexically_normal().string();
        spdlog::info("viewer token: {}  operator token: {}", agent.token_path(redline::agent::Role::Viewer),
                     agent.token_path(redline::agent::Role::Operator));
        std::printf("REDLINE_READY api= admin=%s data_dir=%s\n", agent.admin_url().c_str(), dir.c_str());
        std::fflush(stdout);

        int sig = 0;
        sigwait(&sigs, &sig);
        spdlog::info("signal {}: stopping", sig);
        stop = true;
        worker.join();
        agent.stop();
    } catch (const redline::agent::ConfigError& e) {
        std::fprintf(stderr, "redline-agent-demo: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "redline-agent-demo: %s\n", e.what());
        return 1;
    }
    return 0;
}
