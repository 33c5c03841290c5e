// What the proxy's worker threads share (ProxyShared, read-only after start-up apart from atomics and the
// internally synchronised limiter, router, pools and agent) and what one worker thread owns (ProxyWorker:
// its io_context, acceptor, sweeper, client sessions and idle upstream connections).
//
// Threading: a ProxyWorker is touched only by its thread (the controller posts to its io_context).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agents/agent/agent.h"
#include "agents/proxy/proxy_config.h"
#include "agents/proxy/route_table.h"
#include "agents/proxy/upstream_conn.h"
#include "agents/proxy/upstream_pool.h"
#include "agents/sample_server/canary_router.h"
#include "agents/sample_server/rate_limiter.h"
#include "agents/sample_server/response_cache.h"

namespace redline::proxy {

/// Series and limiter index of one (route template, method) pair.
struct RouteSlot {
    std::size_t limiter_index = 0;
    agent::SeriesHandle series[2];    // [stable, canary]
    agent::SeriesHandle upstream[2];  // upstream wait, same labels
    bool cacheable = false;           // a GET route the response cache may serve
};

struct ProxyShared {
    const ProxyConfig* config = nullptr;
    const RouteTable* routes = nullptr;
    /// [route index (routes->size() = catch-all)][method index] -> slot
    std::vector<std::array<RouteSlot, kMethods.size()>> slots;
    agent::Agent* agent = nullptr;
    UpstreamPools* pools = nullptr;
    sample::RateLimiter* limiter = nullptr;
    sample::CanaryRouter* router = nullptr;
    sample::ResponseCache* cache = nullptr;
    std::atomic<std::size_t> connections{0};
    std::atomic<std::int64_t> inflight{0};
    bool record = true;
};

class ProxySession;

struct ProxyWorker {
    ProxyWorker() { ioc.emplace(1); }
    ~ProxyWorker() {
        acceptor.reset();
        sweeper.reset();
        idle.clear();
        ioc.reset();
    }
    ProxyWorker(const ProxyWorker&) = delete;
    ProxyWorker& operator=(const ProxyWorker&) = delete;

    /// An idle keep-alive connection to `b`, or a new one.
    std::shared_ptr<UpstreamConn> take(Backend& b);
    /// Keeps `c` for reuse when it is reusable and the pool has room; closes it otherwise.
    void give_back(std::shared_ptr<UpstreamConn> c);
    /// Closes pooled connections idle since before `cutoff_ns`.
    void expire_idle(std::int64_t cutoff_ns);

    std::optional<boost::asio::io_context> ioc;
    std::optional<boost::asio::ip::tcp::acceptor> acceptor;
    std::optional<boost::asio::steady_timer> sweeper;
    ProxyShared* shared = nullptr;
    sample::RateLimiter::Reader limits;
    sample::CanaryRouter::Reader canary;
    std::vector<std::vector<std::shared_ptr<UpstreamConn>>> idle;  // by Backend::index
    ProxySession* sessions = nullptr;                              // intrusive list of live sessions
    bool draining = false;
    std::string date;  // "Date: ...\r\n"
    std::string scratch;
};

}  // namespace redline::proxy
