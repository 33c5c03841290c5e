#include "agents/proxy/proxy.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "agents/proxy/proxy_session.h"
#include "agents/sample_server/listener.h"
#include "agents/sample_server/worker_loop.h"
#include "core/event.h"

#ifndef REDLINE_VERSION
#define REDLINE_VERSION "0.0.0"
#endif

namespace redline::proxy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Proxy::Proxy(ProxyConfig config) : config_(std::move(config)), cache_(0, std::chrono::milliseconds(30'000)) {
    for (const auto& r : config_.routes)
        if (auto e = routes_.add(r); !e.empty()) throw std::runtime_error(e);
    if (!config_.routes_file.empty())
        if (auto e = routes_.load_file(config_.routes_file); !e.empty()) throw std::runtime_error(e);

    std::filesystem::create_directories(config_.data_dir);
    agent::AgentOptions ao;
    ao.service = "redline-proxy";
    ao.service_version = REDLINE_VERSION;
    ao.data_dir = config_.data_dir;
    ao.admin_listen = config_.admin_listen;
    ao.on_error = [](std::string_view msg) { spdlog::warn("agent: {}", msg); };
    agent_ = std::make_unique<agent::Agent>(ao);

    pools_ = std::make_unique<UpstreamPools>(
        config_,
        [a = agent_.get()](const std::string& kind, const std::string& message, const nlohmann::json& after) {
            Event e;
            e.kind = kind;
            e.actor = "agent";
            e.message = message;
            e.after = after;
            a->publish_event(std::move(e));
        });
    register_series();

    shared_.config = &config_;
    shared_.routes = &routes_;
    shared_.agent = agent_.get();
    shared_.pools = pools_.get();
    shared_.limiter = limiter_.get();
    shared_.router = &router_;
    shared_.cache = &cache_;
    shared_.record = config_.record;

    agent_->on_limits([this](const LimitsConfig& l) { limiter_->apply(l); });
    agent_->on_canary([this](const CanaryConfig& c) { router_.apply(c); });
    sample::install_cache_control(*agent_, cache_, CacheConfig{0, 30'000});
    agent_->add_info("proxy", [p = pools_.get()] { return p->info(); });
    // Load tests through the agent always target this proxy's own listen address.
    agent::LoadtestOptions lo;
    lo.api_url_fn = [a = agent_.get()] { return a->api_url(); };
    loadtests_ = agent::install_loadtests(*agent_, std::move(lo));
    health_ = std::make_unique<HealthChecker>(config_, *pools_);
}

Proxy::~Proxy() {
    shutdown();
}

void Proxy::register_series() {
    std::vector<std::string> ids;
    shared_.slots.resize(routes_.size() + 1);
    for (std::size_t r = 0; r <= routes_.size(); ++r) {
        const std::string route(routes_.text(r));
        for (std::size_t m = 0; m < kMethods.size(); ++m) {
            // Methods an OpenAPI document does not list for a path are recorded under the catch-all.
            const bool listed = r == routes_.size() || (routes_.at(r).methods >> m & 1u);
            const std::size_t owner = listed ? r : routes_.size();
            if (owner != r) continue;
            RouteSlot& slot = shared_.slots[r][m];
            const std::string method(kMethods[m]);
            slot.limiter_index = ids.size();
            ids.push_back(method + " " + route);
            slot.cacheable =
                method == "GET" && (config_.cache_routes.empty() ||
                                    std::find(config_.cache_routes.begin(), config_.cache_routes.end(),
                                              ids.back()) != config_.cache_routes.end());
            for (int v = 0; v < 2; ++v) {
                const char* version = v ? "canary" : "stable";
                slot.series[v] = agent_->register_series(method, route, version);
                slot.upstream[v] = agent_->register_upstream_series(method, route, version);
            }
        }
    }
    // Unlisted (route, method) pairs share the catch-all's slot of that method.
    for (std::size_t r = 0; r < routes_.size(); ++r)
        for (std::size_t m = 0; m < kMethods.size(); ++m)
            if (!(routes_.at(r).methods >> m & 1u)) shared_.slots[r][m] = shared_.slots[routes_.size()][m];
    for (const auto& id : config_.cache_routes)
        if (std::find(ids.begin(), ids.end(), id) == ids.end())
            throw std::runtime_error("cache_routes: '" + id + "' is not a route id (\"GET /template\")");
    limiter_ = std::make_unique<sample::RateLimiter>(std::move(ids));
}

std::string Proxy::url() const {
    return sample::base_url(host_, port_);
}

void Proxy::start() {
    agent_->start();
    std::uint16_t port = 0;
    if (!sample::split_host_port(config_.listen, host_, port))
        throw std::runtime_error("bad listen address " + config_.listen);
    const auto address = sample::listen_address(host_, "listen");
    const unsigned n = config_.threads ? config_.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i) {
        auto w = std::make_unique<ProxyWorker>();
        w->shared = &shared_;
        w->date = sample::http_date_line();
        w->idle.resize(pools_->backends().size());
        w->acceptor.emplace(*w->ioc);
        boost::system::error_code ec;
        sample::listen_reuseport(*w->acceptor, tcp::endpoint(address, port), ec, i > 0);
        if (ec) throw std::runtime_error("cannot listen on " + config_.listen + ": " + ec.message());
        if (port == 0) port = w->acceptor->local_endpoint().port();  // the others join the chosen port
        workers_.push_back(std::move(w));
    }
    port_ = port;
    for (auto& w : workers_) {
        sample::accept_connections<ProxySession>(*w, shared_.connections, config_.max_connections);
        w->sweeper.emplace(*w->ioc);
        const auto idle_ns =
            std::chrono::duration_cast<std::chrono::nanoseconds>(config_.upstream_idle_timeout).count();
        sample::arm_sweeper(*w, [ctx = w.get(), idle_ns](std::int64_t now) {
            ctx->expire_idle(ctx->draining ? now + 1 : now - idle_ns);  // draining: close every pooled one
        });
        threads_.emplace_back([ctx = w.get()] { sample::run_worker(*ctx->ioc, "proxy worker"); });
    }
    agent_->set_api_url(url());
    health_->start();
    spdlog::info("proxy listening on {} with {} worker threads; {} stable and {} canary backends, {} routes",
                 url(), workers_.size(), pools_->pool(0).size(), pools_->pool(1).size(), routes_.size());
}

std::string Proxy::ready_line() const {
    return "REDLINE_READY api=" + url() +
           " admin=" + (agent_->admin_port() ? agent_->admin_url() : std::string()) +
           " data_dir=" + config_.data_dir;
}

bool Proxy::shutdown() {
    if (stopped_) return true;
    stopped_ = true;
    if (loadtests_) loadtests_->shutdown();
    for (auto& w : workers_)
        sample::begin_drain(*w);
    const bool clean = sample::wait_drained(shared_.connections, config_.drain_timeout);
    for (auto& w : workers_)
        w->ioc->stop();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
    workers_.clear();
    if (health_) health_->stop();
    agent_->stop();
    return clean;
}

}  // namespace redline::proxy
