#include "agents/proxy/proxy.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <stdexcept>

#include "agents/proxy/proxy_session.h"
#include "agents/sample_server/listener.h"
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
        sample::listen_reuseport(*w->acceptor, tcp::endpoint(address, port), ec);
        if (ec) throw std::runtime_error("cannot listen on " + config_.listen + ": " + ec.message());
        if (port == 0) port = w->acceptor->local_endpoint().port();  // the others join the chosen port
        workers_.push_back(std::move(w));
    }
    port_ = port;
    for (auto& w : workers_) {
        accept(*w);
        w->sweeper.emplace(*w->ioc);
        arm_sweeper(*w);
        threads_.emplace_back([ctx = w.get()] {
            for (;;) {
                try {
                    ctx->ioc->run();
                    return;
                } catch (const std::exception& e) {
                    spdlog::error("proxy worker: unexpected exception: {}", e.what());
                }
            }
        });
    }
    agent_->set_api_url(url());
    health_->start();
    spdlog::info("proxy listening on {} with {} worker threads; {} stable and {} canary backends, {} routes",
                 url(), workers_.size(), pools_->pool(0).size(), pools_->pool(1).size(), routes_.size());
}

void Proxy::accept(ProxyWorker& w) {
    w.acceptor->async_accept(*w.ioc, [this, &w](boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !w.acceptor->is_open()) return;
        if (!ec) {
            if (shared_.connections.fetch_add(1, std::memory_order_relaxed) >= config_.max_connections) {
                shared_.connections.fetch_sub(1, std::memory_order_relaxed);
                boost::system::error_code ignored;
                const std::string_view busy = sample::too_many_connections_response();
                asio::write(socket, asio::buffer(busy.data(), busy.size()), ignored);
                socket.close(ignored);
            } else {
                std::make_shared<ProxySession>(std::move(socket), w)->start();
            }
        } else {
            spdlog::warn("accept failed: {}", ec.message());
        }
        accept(w);
    });
}

void Proxy::arm_sweeper(ProxyWorker& w) {
    w.sweeper->expires_after(std::chrono::milliseconds(w.draining ? 20 : 200));
    w.sweeper->async_wait([this, &w](boost::system::error_code ec) {
        if (ec) return;
        w.date = sample::http_date_line();
        const std::int64_t now = steady_now_ns();
        for (ProxySession* s = w.sessions; s;) {
            ProxySession* next = s->next;  // sweep() never destroys synchronously
            s->sweep(now);
            s = next;
        }
        w.expire_idle(w.draining ? now + 1
                                 : now - std::chrono::duration_cast<std::chrono::nanoseconds>(
                                             config_.upstream_idle_timeout)
                                             .count());
        arm_sweeper(w);
    });
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
        asio::post(*w->ioc, [ctx = w.get()] {
            ctx->draining = true;
            boost::system::error_code ec;
            if (ctx->acceptor) ctx->acceptor->close(ec);
            const std::int64_t now = steady_now_ns();
            for (ProxySession* s = ctx->sessions; s;) {
                ProxySession* next = s->next;
                s->sweep(now);
                s = next;
            }
        });
    const auto until = std::chrono::steady_clock::now() + config_.drain_timeout;
    while (shared_.connections.load() > 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const std::size_t left = shared_.connections.load();
    if (left > 0) spdlog::warn("drain deadline passed with {} connections open", left);
    for (auto& w : workers_)
        w->ioc->stop();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
    workers_.clear();
    if (health_) health_->stop();
    agent_->stop();
    return left == 0;
}

}  // namespace redline::proxy
