#include "agents/sample_server/http_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <stdexcept>

#include "agents/sample_server/http_session.h"
#include "agents/sample_server/listener.h"
#include "agents/sample_server/worker_loop.h"

namespace redline::sample {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

HttpServer::HttpServer(const ServerOptions& options, Api& api) : options_(options), api_(api) {}

HttpServer::~HttpServer() {
    stop();
}

std::string HttpServer::url() const {
    return base_url(host_, port_);
}

void HttpServer::start() {
    std::uint16_t port = 0;
    if (!split_host_port(options_.listen, host_, port))
        throw std::runtime_error("bad --listen " + options_.listen);
    boost::system::error_code ec;
    const auto address = listen_address(host_, "listen");
    unsigned n = options_.threads ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i) {
        auto w = std::make_unique<WorkerContext>();
        w->options = &options_;
        w->api = &api_;
        w->connections = &connections_;
        w->date = http_date_line();
        w->acceptor.emplace(*w->ioc);
        tcp::acceptor& a = *w->acceptor;
        const tcp::endpoint ep(address, port);
        listen_reuseport(a, ep, ec, i > 0);
        if (ec) throw std::runtime_error("cannot listen on " + options_.listen + ": " + ec.message());
        if (port == 0) port = a.local_endpoint().port();  // the others join the chosen port
        workers_.push_back(std::move(w));
    }
    port_ = port;
    for (auto& w : workers_) {
        accept_connections<HttpSession>(*w, connections_, options_.max_connections);
        w->sweeper.emplace(*w->ioc);
        arm_sweeper(*w, [](std::int64_t) {});
        threads_.emplace_back([ctx = w.get()] { run_worker(*ctx->ioc, "worker"); });
    }
    spdlog::info("API listening on {} with {} worker threads", url(), workers_.size());
}

bool HttpServer::drain(std::chrono::milliseconds deadline) {
    for (auto& w : workers_)
        begin_drain(*w);
    return wait_drained(connections_, deadline);
}

void HttpServer::stop() {
    if (stopped_) return;
    stopped_ = true;
    for (auto& w : workers_)
        w->ioc->stop();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
    workers_.clear();
}

}  // namespace redline::sample
