#include "agents/sample_server/http_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <stdexcept>

#include "agents/sample_server/http_session.h"
#include "agents/sample_server/listener.h"

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
        listen_reuseport(a, ep, ec);
        if (ec) throw std::runtime_error("cannot listen on " + options_.listen + ": " + ec.message());
        if (port == 0) port = a.local_endpoint().port();  // the others join the chosen port
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
                    spdlog::error("worker: unexpected exception: {}", e.what());
                }
            }
        });
    }
    spdlog::info("API listening on {} with {} worker threads", url(), workers_.size());
}

void HttpServer::accept(WorkerContext& w) {
    w.acceptor->async_accept(*w.ioc, [this, &w](boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !w.acceptor->is_open()) return;
        if (!ec) {
            if (connections_.fetch_add(1, std::memory_order_relaxed) >= options_.max_connections) {
                connections_.fetch_sub(1, std::memory_order_relaxed);
                boost::system::error_code ignored;
                const std::string_view busy = too_many_connections_response();
                asio::write(socket, asio::buffer(busy.data(), busy.size()), ignored);
                socket.close(ignored);
            } else {
                std::make_shared<HttpSession>(std::move(socket), w)->start();
            }
        } else {
            spdlog::warn("accept failed: {}", ec.message());
        }
        accept(w);
    });
}

void HttpServer::arm_sweeper(WorkerContext& w) {
    w.sweeper->expires_after(std::chrono::milliseconds(w.draining ? 20 : 200));
    w.sweeper->async_wait([this, &w](boost::system::error_code ec) {
        if (ec) return;
        w.date = http_date_line();
        const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::steady_clock::now().time_since_epoch())
                             .count();
        for (HttpSession* s = w.sessions; s;) {
            HttpSession* next = s->next;  // sweep() never destroys synchronously
            s->sweep(now);
            s = next;
        }
        arm_sweeper(w);
    });
}

bool HttpServer::drain(std::chrono::milliseconds deadline) {
    for (auto& w : workers_) {
        asio::post(*w->ioc, [ctx = w.get()] {
            ctx->draining = true;
            boost::system::error_code ec;
            if (ctx->acceptor) ctx->acceptor->close(ec);
            const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count();
            for (HttpSession* s = ctx->sessions; s;) {
                HttpSession* next = s->next;
                s->sweep(now);
                s = next;
            }
        });
    }
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (connections() > 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const std::size_t left = connections();
    if (left > 0) spdlog::warn("drain deadline passed with {} connections open", left);
    return left == 0;
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
