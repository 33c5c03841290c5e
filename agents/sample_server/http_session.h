// One API connection: reads requests with a reused parser, runs them through the Api, writes responses with
// scatter/gather (pre-serialised cached bodies are never copied), keeps the connection alive, and enforces
// the header/body caps. Deadlines (request read timeout, idle keep-alive timeout, write timeout) are stamped
// on the session and enforced by its worker's sweeper, so the hot path arms no timers.
//
// Threading: a session and its WorkerContext live on one worker thread (one io_context per thread); every
// member is touched only from that thread. The server's connection counter is atomic.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "agents/sample_server/api.h"
#include "agents/sample_server/http_message.h"
#include "agents/sample_server/options.h"
#include "agents/sample_server/request_parser.h"

namespace redline::sample {

class HttpSession;

/// Everything one worker thread owns. Defined here because sessions use it; built by HttpServer.
struct WorkerContext {
    WorkerContext() { ioc.emplace(1); }
    /// Closes the acceptor and timer first, then destroys pending handlers (and so sessions) with the
    /// context.
    ~WorkerContext() {
        acceptor.reset();
        sweeper.reset();
        ioc.reset();
    }
    WorkerContext(const WorkerContext&) = delete;
    WorkerContext& operator=(const WorkerContext&) = delete;

    std::optional<boost::asio::io_context> ioc;
    std::optional<boost::asio::ip::tcp::acceptor> acceptor;
    std::optional<boost::asio::steady_timer> sweeper;
    Api::ThreadState api_state;
    HttpSession* sessions = nullptr;  // intrusive list of live sessions
    bool draining = false;
    std::string date;  // "Date: ...\r\n", refreshed by the sweeper
    const ServerOptions* options = nullptr;
    Api* api = nullptr;
    std::atomic<std::size_t>* connections = nullptr;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
  public:
    enum class Phase { Idle, Reading, Handling, Writing, Closed };

    HttpSession(boost::asio::ip::tcp::socket socket, WorkerContext& worker);
    ~HttpSession();
    HttpSession(const HttpSession&) = delete;
    HttpSession& operator=(const HttpSession&) = delete;

    void start();
    /// Closes the socket; pending operations complete with an error and release the session.
    void close();
    /// Called by the sweeper: closes the session when its deadline passed, or when draining and idle.
    void sweep(std::int64_t now_ns);

    HttpSession* next = nullptr;
    HttpSession* prev = nullptr;

  private:
    void read_more();
    void on_read(boost::system::error_code ec, std::size_t n);
    void parse();
    void dispatch();
    void respond();
    void send_error(int status, std::string_view detail);
    void write();
    void on_write(boost::system::error_code ec);
    void set_deadline(std::chrono::milliseconds d);

    boost::asio::ip::tcp::socket socket_;
    WorkerContext& worker_;
    boost::beast::flat_buffer buffer_;
    HttpRequest req_;
    HttpResponse res_;
    std::optional<RequestParser> parser_;
    std::unique_ptr<boost::asio::steady_timer> delay_timer_;  // only for canary latency faults
    std::string head_;
    bool close_after_ = false;
    bool head_only_ = false;
    Phase phase_ = Phase::Idle;
    std::int64_t deadline_ns_ = 0;
};

}  // namespace redline::sample
