// The API's HTTP/1.1 server: N worker threads, each with its own io_context and its own acceptor on the same
// port (SO_REUSEPORT; the kernel spreads connections), so a request never crosses threads. Enforces the
// connection cap at accept and drains gracefully: stop accepting, close idle keep-alive connections, let
// in-flight requests finish (answered with Connection: close) up to a deadline.
//
// Threading: start()/drain()/stop() from one controlling thread (main). Worker state is touched only by its
// worker thread; the controller talks to workers by posting to their io_context.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agents/sample_server/api.h"
#include "agents/sample_server/options.h"

namespace redline::sample {

struct WorkerContext;

class HttpServer {
  public:
    HttpServer(const ServerOptions& options, Api& api);
    ~HttpServer();  // stop()s
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Binds every worker's acceptor and starts the threads. Throws std::runtime_error when binding fails.
    void start();
    std::uint16_t port() const noexcept { return port_; }
    std::string url() const;
    std::size_t connections() const noexcept { return connections_.load(std::memory_order_relaxed); }

    /// Stops accepting and waits until every connection closed or the deadline passed. Returns true when all
    /// connections finished in time.
    bool drain(std::chrono::milliseconds deadline);
    /// Stops the io_contexts and joins the threads. Idempotent.
    void stop();

  private:
    const ServerOptions& options_;
    Api& api_;
    std::vector<std::unique_ptr<WorkerContext>> workers_;
    std::vector<std::thread> threads_;
    std::atomic<std::size_t> connections_{0};
    std::string host_;
    std::uint16_t port_ = 0;
    bool stopped_ = false;
};

}  // namespace redline::sample
