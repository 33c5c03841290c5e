// One keep-alive HTTP/1.1 connection from a worker thread to one backend, and one exchange on it at a time:
// connect (bounded by the connect timeout), write the prepared request, read the whole response (bounded by
// the request timeout and the response size cap) with Beast's parser. The response's forwardable fields are
// collected for the client; hop-by-hop fields are dropped (forwarding.h).
//
// Threading: a connection belongs to the worker thread whose io_context it uses; all members are touched from
// that thread only. Idle connections wait in that worker's pool (proxy_worker.h).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agents/proxy/upstream_pool.h"

namespace redline::proxy {

struct UpstreamResult {
    std::optional<Failure> failure;  // empty: a complete response
    bool too_large = false;          // the response exceeded max_response_bytes (failure = BadResponse)
    bool header_too_large = false;   // its header exceeded the 64 KiB header limit (failure = BadResponse)
    bool switched = false;           // 101 Switching Protocols: not supported (failure = BadResponse)
    bool closed = false;             // Reset came as a clean close (FIN) rather than a reset (RST)
    bool reused = false;             // the exchange ran on a pooled connection
    bool got_bytes = false;          // any byte of a response arrived
    int status = 0;
    std::string fields;  // forwardable response fields, "Name: value\r\n" each
    std::string body;
    std::optional<std::uint64_t> content_length;  // as the upstream sent it (HEAD responses)
    bool keep_alive = false;
    // The attempt reached the upstream: connected and the request (partly) written. Without it, elapsed is 0
    // (a connect that failed or timed out spends no upstream time).
    bool wrote = false;
    std::chrono::nanoseconds elapsed{0};  // first byte of the request written -> response read (or failure)
};

class UpstreamConn : public std::enable_shared_from_this<UpstreamConn> {
  public:
    struct Limits {
        std::chrono::milliseconds connect_timeout{1000};
        std::chrono::milliseconds request_timeout{15000};
        std::size_t max_response_bytes = 8 << 20;
    };
    using Done = std::function<void(UpstreamResult&)>;

    UpstreamConn(boost::asio::io_context& ioc, Backend& backend);
    UpstreamConn(const UpstreamConn&) = delete;
    UpstreamConn& operator=(const UpstreamConn&) = delete;

    /// Runs one exchange; `request` must stay valid until `done` runs (exactly once, on this thread).
    void run(const std::string& request, bool head_request, const Limits& limits, Done done);
    /// Can carry another exchange (open, last response complete and keep-alive, nothing unread).
    bool reusable() const noexcept { return reusable_; }
    /// Closes the socket (pending operations complete with an error).
    void close() noexcept;
    Backend& backend() const noexcept { return backend_; }
    std::int64_t idle_since_ns = 0;

  private:
    void connect();
    void write();
    void read();
    void read_failed(boost::system::error_code ec);
    void finish(std::optional<Failure> failure);
    void arm(std::chrono::milliseconds timeout);

    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer timer_;
    Backend& backend_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
    const std::string* request_ = nullptr;
    Limits limits_;
    Done done_;
    UpstreamResult result_;
    std::chrono::steady_clock::time_point sent_;
    std::uint64_t op_ = 0;  // bumps per exchange; a stale timer does nothing
    bool connected_ = false;
    bool timed_out_ = false;
    bool head_ = false;
    bool reusable_ = false;
    int interim_ = 0;  // 1xx responses skipped in this exchange
};

}  // namespace redline::proxy
