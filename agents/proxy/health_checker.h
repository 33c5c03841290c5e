// Active health checks: every interval, one GET of the configured path to every backend (HTTP/1.1, a new
// connection each time, bounded by the check timeout) on a thread of its own. 2xx is healthy; anything else
// (refused, timeout, other status) is a failed check. Verdicts go to UpstreamPools::report_health, which
// applies the up/down thresholds and emits the events.
//
// Threading: start()/stop() from the controlling thread; checks run on the checker's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <thread>

#include "agents/proxy/proxy_config.h"
#include "agents/proxy/upstream_pool.h"

namespace redline::proxy {

class HealthChecker {
  public:
    HealthChecker(const ProxyConfig& config, UpstreamPools& pools);
    ~HealthChecker();  // stop()s
    void start();
    void stop();

  private:
    void tick();
    void check(Backend& b);

    const ProxyConfig& config_;
    UpstreamPools& pools_;
    boost::asio::io_context ioc_{1};
    std::optional<boost::asio::steady_timer> timer_;
    std::thread thread_;
};

}  // namespace redline::proxy
