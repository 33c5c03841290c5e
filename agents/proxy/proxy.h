// redline-proxy as a whole: the embedded agent (series per route template x method x {stable, canary}, plus
// the upstream-wait series; limits, canary and load tests exactly as the sample server has them; backends
// with health and circuit state in /v1/info under "proxy"), the upstream pools and their health checker, and
// the worker threads (one io_context and one SO_REUSEPORT acceptor each) that run the client sessions.
// Start-up and graceful shutdown in the documented order (docs/proxy.md).
//
// Threading: construct, start() and shutdown() on one thread (main). Agent callbacks run on the agent's admin
// thread and touch only internally synchronised members (limiter, router).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agents/agent/agent.h"
#include "agents/agent/loadtests.h"
#include "agents/proxy/health_checker.h"
#include "agents/proxy/proxy_config.h"
#include "agents/proxy/proxy_worker.h"
#include "agents/proxy/route_table.h"
#include "agents/proxy/upstream_pool.h"

namespace redline::proxy {

class Proxy {
  public:
    /// Loads routes, resolves upstreams, creates the agent. Throws std::runtime_error / agent::ConfigError.
    explicit Proxy(ProxyConfig config);
    ~Proxy();
    Proxy(const Proxy&) = delete;
    Proxy& operator=(const Proxy&) = delete;

    /// Starts the agent, binds the listeners, starts the workers and the health checker.
    void start();
    /// "REDLINE_READY api=... admin=... data_dir=..."
    std::string ready_line() const;
    /// Stops accepting, closes idle connections, lets in-flight requests finish up to the drain deadline,
    /// stops the workers, the health checker and the agent. Idempotent. True when all finished in time.
    bool shutdown();

    std::string url() const;

  private:
    void register_series();

    ProxyConfig config_;
    RouteTable routes_;
    std::unique_ptr<agent::Agent> agent_;
    std::unique_ptr<UpstreamPools> pools_;
    std::unique_ptr<sample::RateLimiter> limiter_;
    sample::CanaryRouter router_;
    sample::ResponseCache cache_;  // off (capacity 0) until the "cache" control enables it
    ProxyShared shared_;
    std::unique_ptr<HealthChecker> health_;
    std::shared_ptr<agent::LoadtestService> loadtests_;
    std::vector<std::unique_ptr<ProxyWorker>> workers_;
    std::vector<std::thread> threads_;
    std::string host_;
    std::uint16_t port_ = 0;
    bool stopped_ = false;
};

}  // namespace redline::proxy
