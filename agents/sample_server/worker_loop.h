// Worker-thread plumbing shared by the sample server's HttpServer and redline-proxy: the accept loop with the
// connection cap (503 and close above it), the sweeper that refreshes the Date line and applies every
// session's deadlines, draining (stop accepting, close idle sessions), the wait for the last connection, and
// the worker thread's run loop. A Worker has: ioc, acceptor, sweeper (optionals), sessions (an intrusive list
// of Session* with next), draining, date. A Session is built as Session(socket, worker) and has start() and
// sweep(now_ns), which never destroys synchronously.
//
// Threading: accept/sweep/drain handlers run on the worker's own thread; wait_drained() on the controller.
#pragma once

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

#include "agents/sample_server/listener.h"

namespace redline::sample {

inline std::int64_t steady_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

template <class Session, class Worker>
void accept_connections(Worker& w, std::atomic<std::size_t>& connections, std::size_t max_connections) {
    namespace asio = boost::asio;
    w.acceptor->async_accept(*w.ioc, [&w, &connections, max_connections](boost::system::error_code ec,
                                                                         asio::ip::tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !w.acceptor->is_open()) return;
        if (!ec) {
            if (connections.fetch_add(1, std::memory_order_relaxed) >= max_connections) {
                connections.fetch_sub(1, std::memory_order_relaxed);
                boost::system::error_code ignored;
                const std::string_view busy = too_many_connections_response();
                asio::write(socket, asio::buffer(busy.data(), busy.size()), ignored);
                socket.close(ignored);
            } else {
                std::make_shared<Session>(std::move(socket), w)->start();
            }
        } else {
            spdlog::warn("accept failed: {}", ec.message());
        }
        accept_connections<Session>(w, connections, max_connections);
    });
}

template <class Worker>
void sweep_sessions(Worker& w, std::int64_t now_ns) {
    for (auto* s = w.sessions; s;) {
        auto* next = s->next;  // sweep() never destroys synchronously
        s->sweep(now_ns);
        s = next;
    }
}

/// Every 200 ms (20 ms while draining): Date line, session deadlines, then on_tick(now_ns).
template <class Worker, class OnTick>
void arm_sweeper(Worker& w, OnTick on_tick) {
    w.sweeper->expires_after(std::chrono::milliseconds(w.draining ? 20 : 200));
    w.sweeper->async_wait([&w, on_tick](boost::system::error_code ec) {
        if (ec) return;
        w.date = http_date_line();
        const std::int64_t now = steady_ns();
        sweep_sessions(w, now);
        on_tick(now);
        arm_sweeper(w, on_tick);
    });
}

/// Posts to the worker: stop accepting and close the idle sessions; in-flight ones finish.
template <class Worker>
void begin_drain(Worker& w) {
    boost::asio::post(*w.ioc, [&w] {
        w.draining = true;
        boost::system::error_code ec;
        if (w.acceptor) w.acceptor->close(ec);
        sweep_sessions(w, steady_ns());
    });
}

/// Waits until `connections` is 0 or the deadline passed; true when all closed (a warning otherwise).
bool wait_drained(const std::atomic<std::size_t>& connections, std::chrono::milliseconds deadline);
/// Runs an io_context until it is stopped, logging (and surviving) exceptions thrown by handlers.
void run_worker(boost::asio::io_context& ioc, const char* what);

}  // namespace redline::sample
