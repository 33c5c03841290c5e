// The sample API server as a whole: the embedded agent (series per route x {stable, canary}, the "cache"
// control and POST /v1/cache/flush, limits and canary callbacks), the catalog, the cache, the rate limiter,
// the canary router and the HTTP server, with start-up and graceful shutdown in the documented order. The
// agent also serves /v1/loadtests (load runs against this server's own API address).
//
// Threading: construct, start() and shutdown() on one thread (main). Agent callbacks run on the agent's admin
// thread and only touch internally synchronised members (cache, limiter, router).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "agents/agent/agent.h"
#include "agents/agent/loadtests.h"
#include "agents/sample_server/api.h"
#include "agents/sample_server/canary_router.h"
#include "agents/sample_server/http_server.h"
#include "agents/sample_server/options.h"
#include "agents/sample_server/rate_limiter.h"
#include "agents/sample_server/response_cache.h"

namespace redline::sample {

class SampleServer {
  public:
    /// Creates the data dir and the agent; throws agent::ConfigError / std::runtime_error on bad settings.
    explicit SampleServer(ServerOptions options);
    ~SampleServer();

    /// Starts the agent (applying persisted control state), serves the API, opens and seeds the catalog.
    void start();
    /// "REDLINE_READY api=... admin=... data_dir=..."
    std::string ready_line() const;
    /// Stops accepting, drains in-flight requests up to the drain deadline, stops the agent. Idempotent.
    /// Returns true when every connection finished before the deadline.
    bool shutdown();

    agent::Agent& agent() { return *agent_; }
    std::uint16_t api_port() const { return http_ ? http_->port() : 0; }

  private:
    void add_cache_control();

    ServerOptions options_;
    std::unique_ptr<agent::Agent> agent_;
    ResponseCache cache_;
    RateLimiter limiter_;
    CanaryRouter router_;
    std::unique_ptr<Api> api_;
    std::unique_ptr<HttpServer> http_;
    std::shared_ptr<agent::LoadtestService> loadtests_;
    bool stopped_ = false;
};

}  // namespace redline::sample
