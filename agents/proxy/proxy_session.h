// One client connection of the proxy: reads requests with the sample server's strict parser (framing refused
// with 400 before anything is forwarded, header and body caps), then per request: route template -> canary
// choice (sticky per client key) -> overload and rate-limit admission -> the backend with the fewest
// outstanding requests -> the exchange on a pooled upstream connection, with retries for idempotent requests
// (within the retry budget; the response is read whole before any byte goes to the client) -> the response,
// recorded in the agent (total time and upstream time apart). Errors the proxy makes itself are
// application/problem+json: 502 (upstream refused, reset or malformed), 503 (no usable backend, overload),
// 504 (upstream timeout).
//
// Client deadlines (read, idle, write) are stamped on the session and enforced by the worker's sweeper;
// upstream deadlines by the upstream connection's timer.
//
// Threading: a session lives on its worker thread; every member is touched only from there.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "agents/proxy/proxy_worker.h"
#include "agents/sample_server/http_message.h"
#include "agents/sample_server/request_parser.h"

namespace redline::proxy {

class ProxySession : public std::enable_shared_from_this<ProxySession> {
  public:
    enum class Phase { Idle, Reading, Handling, Writing, Closed };

    ProxySession(boost::asio::ip::tcp::socket socket, ProxyWorker& worker);
    ~ProxySession();
    ProxySession(const ProxySession&) = delete;
    ProxySession& operator=(const ProxySession&) = delete;

    void start();
    void close();
    /// Called by the sweeper: closes the session when its deadline passed, or when draining and idle.
    void sweep(std::int64_t now_ns);

    ProxySession* next = nullptr;
    ProxySession* prev = nullptr;

  private:
    /// Reads what the client sends next. Between requests with nothing buffered it first waits until the
    /// socket is readable without a buffer (wait_readable), so an idle connection holds no read buffer.
    void read_more();
    void need_more();  // the parser needs more bytes: 100 Continue first if the client waits for it
    void wait_readable();
    void read_now();
    /// An idle connection gives back its read buffer and the per-request strings' storage (sweep()).
    void release_idle_memory();
    void parse();
    void send_continue();
    void dispatch();
    bool admit(const RouteSlot& slot, std::string_view client_key);
    /// Answers from the response cache when it holds a fresh entry; otherwise prepares cache_key_.
    bool serve_cached();
    void store_cached(std::string_view upstream_fields);
    void attempt(Backend& b, bool fresh = false);
    void on_upstream(std::shared_ptr<UpstreamConn> conn, UpstreamResult& r);
    /// Answers a problem+json made by the proxy (recorded like any response).
    void fail(int status, std::string_view detail, const char* retry_after = nullptr);
    /// A request that cannot be read (framing, limits): answered and the connection closed, not recorded.
    void refuse(int status, std::string_view detail);
    void respond();
    void finish_request();
    void write();
    void on_write(boost::system::error_code ec);
    void set_deadline(std::chrono::milliseconds d);

    boost::asio::ip::tcp::socket socket_;
    ProxyWorker& worker_;
    const ProxyConfig& config_;
    boost::beast::flat_buffer buffer_;
    sample::HttpRequest req_;
    std::optional<sample::RequestParser> parser_;
    std::string upstream_request_;

    // The request being handled.
    const RouteSlot* slot_ = nullptr;
    int pool_ = 0;
    unsigned attempts_ = 0;
    bool stale_retry_used_ = false;
    bool counted_ = false;  // holds an in-flight slot
    bool started_ = false;  // agent request_started() on active_
    agent::SeriesHandle active_;
    std::chrono::steady_clock::time_point start_;
    std::chrono::nanoseconds upstream_time_{0};  // summed over the attempts that reached an upstream
    bool reached_upstream_ = false;
    std::string cache_key_;  // set when the response may be cached
    agent::CacheOutcome cache_outcome_ = agent::CacheOutcome::None;

    // The response being written.
    int status_ = 200;
    std::string head_;
    std::string fields_;  // extra/forwarded response fields
    std::string body_;
    std::optional<std::uint64_t> head_length_;  // HEAD: the upstream's Content-Length
    bool head_only_ = false;
    bool continue_sent_ = false;
    bool close_after_ = false;
    Phase phase_ = Phase::Idle;
    bool waiting_readable_ = false;  // an async_wait (no buffer in use) is pending
    bool idle_released_ = false;
    std::int64_t deadline_ns_ = 0;
};

}  // namespace redline::proxy
