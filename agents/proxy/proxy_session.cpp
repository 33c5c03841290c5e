#include "agents/proxy/proxy_session.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <charconv>

#include "agents/proxy/forwarding.h"
#include "agents/proxy/proxy_cache.h"
#include "core/problem.h"

namespace redline::proxy {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {

void append_uint(std::string& out, std::uint64_t v) {
    char buf[24];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, static_cast<std::size_t>(p - buf));
}

/// True when the request fields hold "Expect: 100-continue".
bool expects_continue(std::string_view fields) {
    for (std::size_t at = 0; at < fields.size();) {
        const auto eol = fields.find("\r\n", at);
        const std::string_view line =
            fields.substr(at, eol == std::string_view::npos ? std::string_view::npos : eol - at);
        at = eol == std::string_view::npos ? fields.size() : eol + 2;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || !boost::beast::iequals(line.substr(0, colon), "expect"))
            continue;
        std::string_view v = line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ')
            v.remove_prefix(1);
        if (boost::beast::iequals(v, "100-continue")) return true;
    }
    return false;
}

/// Statuses whose responses carry no body and no Content-Length of ours.
bool bodyless(int status) {
    return status < 200 || status == 204 || status == 304;
}

}  // namespace

ProxySession::ProxySession(asio::ip::tcp::socket socket, ProxyWorker& worker)
    : socket_(std::move(socket)),
      worker_(worker),
      config_(*worker.shared->config),
      buffer_(config_.max_header_bytes + 16 * 1024) {
    next = worker_.sessions;
    if (next) next->prev = this;
    worker_.sessions = this;
    boost::system::error_code ec;
    const auto ep = socket_.remote_endpoint(ec);
    if (!ec) req_.remote_ip = ep.address().to_string();
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

ProxySession::~ProxySession() {
    if (prev)
        prev->next = next;
    else
        worker_.sessions = next;
    if (next) next->prev = prev;
    if (counted_) {
        status_ = 499;  // the client went away before its response was complete
        finish_request();
    }
    worker_.shared->connections.fetch_sub(1, std::memory_order_relaxed);
}

void ProxySession::set_deadline(std::chrono::milliseconds d) {
    deadline_ns_ = steady_now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

void ProxySession::start() {
    phase_ = Phase::Idle;
    set_deadline(config_.client_idle_timeout);
    read_more();
}

void ProxySession::close() {
    if (phase_ == Phase::Closed) return;
    phase_ = Phase::Closed;
    boost::system::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
}

void ProxySession::sweep(std::int64_t now) {
    switch (phase_) {
        case Phase::Idle:
            if (worker_.draining || now > deadline_ns_)
                close();
            else if (waiting_readable_ && !idle_released_)
                release_idle_memory();
            break;
        case Phase::Reading:
        case Phase::Writing:
            if (now > deadline_ns_) close();
            break;
        case Phase::Handling:  // bounded by the upstream timeouts
        case Phase::Closed:
            break;
    }
}

void ProxySession::read_more() {
    if (phase_ == Phase::Idle && buffer_.size() == 0) return wait_readable();
    read_now();
}

void ProxySession::wait_readable() {
    waiting_readable_ = true;
    socket_.async_wait(asio::ip::tcp::socket::wait_read,
                       [self = shared_from_this()](boost::system::error_code ec) {
                           self->waiting_readable_ = false;
                           if (self->phase_ == Phase::Closed) return;
                           if (ec) return self->close();
                           self->read_now();
                       });
}

namespace {
/// Gives back a string's storage when it holds more than a little (a small one is kept for the next request).
void release(std::string& s) {
    if (s.capacity() > 256) std::string().swap(s);
}
}  // namespace

void ProxySession::release_idle_memory() {
    idle_released_ = true;
    buffer_.shrink_to_fit();  // size() is 0: frees the storage
    for (std::string* s :
         {&req_.method_text, &req_.target, &req_.api_key, &req_.idempotency_key, &req_.content_type,
          &req_.body, &req_.fields, &req_.connection, &req_.forwarded_for, &req_.host, &upstream_request_,
          &cache_key_, &head_, &fields_, &body_})
        release(*s);
}

void ProxySession::read_now() {
    idle_released_ = false;
    asio::mutable_buffer b;
    try {
        b = buffer_.prepare(4096);
    } catch (const std::length_error&) {
        return refuse(431, "request header fields too large");
    }
    socket_.async_read_some(b, [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
        if (self->phase_ == Phase::Closed) return;
        if (ec) return self->close();
        self->buffer_.commit(n);
        if (self->phase_ == Phase::Idle) {
            self->phase_ = Phase::Reading;
            self->set_deadline(self->config_.client_read_timeout);
        }
        self->parse();
    });
}

void ProxySession::parse() {
    if (!parser_) {
        continue_sent_ = false;
        req_.reset();
        parser_.emplace(req_, config_.max_header_bytes, config_.max_body_bytes, true);
    }
    for (;;) {
        boost::beast::error_code ec;
        const std::size_t used = parser_->put(buffer_.data(), ec);
        buffer_.consume(used);
        if (ec == http::error::need_more) return need_more();
        if (ec == http::error::header_limit) return refuse(431, "request header fields too large");
        if (ec == http::error::body_limit) return refuse(413, "request body too large");
        if (ec && parser_->framing_error())
            return refuse(parser_->framing_error()->status, parser_->framing_error()->message);
        if (ec) return refuse(400, "malformed HTTP request: " + ec.message());
        if (parser_->is_done()) return dispatch();
        if (used == 0 || buffer_.size() == 0) return need_more();
    }
}

void ProxySession::need_more() {
    // The header may be complete with the body still to come: a client that asked for 100 Continue waits for
    // it before sending the body.
    if (!continue_sent_ && parser_->is_header_done() && expects_continue(req_.fields)) return send_continue();
    read_more();
}

void ProxySession::send_continue() {
    // The client waits for this before sending its body (curl does for bodies over 1 KiB); the proxy reads
    // bodies itself, so it answers at once instead of forwarding Expect.
    continue_sent_ = true;
    static constexpr char k100[] = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(socket_, asio::buffer(k100, sizeof k100 - 1),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                          if (self->phase_ == Phase::Closed) return;
                          if (ec) return self->close();
                          self->read_more();
                      });
}

void ProxySession::dispatch() {
    phase_ = Phase::Handling;
    req_.keep_alive = parser_->keep_alive();
    parser_.reset();
    ProxyShared& sh = *worker_.shared;
    head_only_ = req_.method == http::verb::head;
    start_ = Clock::now();
    upstream_time_ = std::chrono::nanoseconds(0);
    reached_upstream_ = false;
    attempts_ = 0;
    stale_retry_used_ = false;
    status_ = 200;
    fields_.clear();
    body_.clear();
    head_length_.reset();
    cache_key_.clear();
    cache_outcome_ = agent::CacheOutcome::None;

    const std::string_view target = req_.target;
    const std::string_view path = target.substr(0, target.find('?'));
    const std::size_t m = method_index(req_.method_text);
    slot_ = &sh.slots[sh.routes->match(path, m)][m];
    const std::string_view client_key =
        req_.api_key.empty() ? std::string_view(req_.remote_ip) : std::string_view(req_.api_key);
    const auto& canary = sh.router->state(worker_.canary);
    pool_ = sh.pools->has_canary() && sample::CanaryRouter::is_canary(canary, client_key) ? 1 : 0;

    counted_ = true;
    if (sh.inflight.fetch_add(1, std::memory_order_relaxed) >=
        static_cast<std::int64_t>(config_.max_inflight))
        return fail(503, "the proxy is overloaded; retry later", "1");
    if (target.empty() || target.front() != '/')
        return fail(400, "only origin-form request targets (/path?query) are proxied");
    // Fields named in Connection are removed before forwarding (RFC 9110 §7.6.1); Host is not a connection
    // option, and removing it would send the upstream a request without one.
    if (!req_.connection.empty() && is_hop_by_hop("host", req_.connection))
        return fail(400, "the Connection field names Host, which is not a connection option");
    if (!admit(*slot_, client_key)) return;
    if (serve_cached()) return respond();

    Backend* b = sh.pools->pick(pool_);
    if (!b && pool_ == 1 && config_.canary_fallback) {
        pool_ = 0;
        b = sh.pools->pick(0);
    }
    if (sh.record) {
        active_ = slot_->series[pool_];
        sh.agent->request_started(active_);
        started_ = true;
    }
    if (!b)
        return fail(503,
                    std::string("no usable backend in pool '") + (pool_ ? "canary" : "stable") +
                        "' (all down or ejected)",
                    "1");
    build_upstream_request(req_, b->host_header, upstream_request_);
    sh.pools->earn_retry();
    attempt(*b);
}

bool ProxySession::admit(const RouteSlot& slot, std::string_view client_key) {
    ProxyShared& sh = *worker_.shared;
    const sample::RateDecision d = sh.limiter->check(worker_.limits, slot.limiter_index, client_key, start_);
    if (!d.limited) return true;
    if (sh.record)
        sh.agent->record_rate_limit(slot.series[pool_], !d.admit ? agent::RateLimitOutcome::Rejected
                                                        : d.shadow_rejected
                                                            ? agent::RateLimitOutcome::ShadowRejected
                                                            : agent::RateLimitOutcome::Allowed);
    sample::append_rate_limit_headers(d, fields_);
    if (d.admit) return true;
    fail(429, "rate limit exceeded for this client; retry after the indicated time");
    return false;
}

bool ProxySession::serve_cached() {
    ProxyShared& sh = *worker_.shared;
    if (req_.method != http::verb::get || !slot_->cacheable || !sh.cache->enabled() ||
        request_bypasses_cache(req_.fields))
        return false;
    cache_key_.assign(pool_ ? "c\n" : "s\n");
    cache_key_.append(req_.host);
    cache_key_.push_back('\n');
    cache_key_.append(req_.target);
    cache_outcome_ = agent::CacheOutcome::Miss;
    const auto entry = sh.cache->get(cache_key_, start_);
    std::string_view fields, body;
    if (!entry || !read_cache_entry(*entry, steady_now_ns(), fields, body)) return false;
    cache_outcome_ = agent::CacheOutcome::Hit;
    status_ = 200;
    fields_.append(fields);
    fields_.append("X-Cache: HIT\r\n");
    body_.assign(body);
    return true;
}

void ProxySession::store_cached(std::string_view upstream_fields) {
    const auto life_ms = cacheable_for_ms(upstream_fields);
    if (!life_ms) return;
    const std::int64_t expires = steady_now_ns() + *life_ms * 1'000'000;
    worker_.shared->cache->put(
        cache_key_, std::make_shared<const std::string>(make_cache_entry(expires, upstream_fields, body_)),
        Clock::now());
}

void ProxySession::attempt(Backend& b, bool fresh) {
    ++attempts_;
    b.outstanding.fetch_add(1, std::memory_order_relaxed);
    b.requests.fetch_add(1, std::memory_order_relaxed);
    auto conn = fresh ? std::make_shared<UpstreamConn>(*worker_.ioc, b) : worker_.take(b);
    UpstreamConn::Limits limits;
    limits.connect_timeout = config_.connect_timeout;
    limits.request_timeout = config_.request_timeout;
    limits.max_response_bytes = config_.max_response_bytes;
    conn->run(upstream_request_, head_only_, limits,
              [self = shared_from_this(), conn](UpstreamResult& r) { self->on_upstream(conn, r); });
}

void ProxySession::on_upstream(std::shared_ptr<UpstreamConn> conn, UpstreamResult& r) {
    ProxyShared& sh = *worker_.shared;
    Backend& b = conn->backend();
    b.outstanding.fetch_sub(1, std::memory_order_relaxed);
    if (r.wrote) {  // upstream time: every attempt that reached an upstream, summed (docs/proxy.md)
        upstream_time_ += r.elapsed;
        reached_upstream_ = true;
    }
    if (!r.failure) {
        sh.pools->report_success(b);
        status_ = r.status;
        fields_.append(r.fields);
        body_ = std::move(r.body);
        if (cache_outcome_ == agent::CacheOutcome::Miss) {
            fields_.append("X-Cache: MISS\r\n");
            if (status_ == 200) store_cached(r.fields);
        }
        if (head_only_) head_length_ = r.content_length;
        worker_.give_back(std::move(conn));
        if (phase_ == Phase::Closed) {
            status_ = 499;
            return finish_request();
        }
        return respond();
    }
    const Failure f = *r.failure;
    // A pooled connection the backend closed while idle: not the backend's fault, and an idempotent request
    // may go again once on a new connection.
    const bool stale = r.reused && !r.got_bytes && f == Failure::Reset;
    if (!stale) sh.pools->report_failure(b, f);
    if (phase_ == Phase::Closed) {
        status_ = 499;
        return finish_request();
    }
    // A connection that was never made carried no byte of the request: any request may go elsewhere.
    const bool retryable = f == Failure::Connect || is_retryable(req_);
    if (stale && retryable && !stale_retry_used_) {
        stale_retry_used_ = true;
        --attempts_;
        return attempt(b, true);
    }
    if (retryable && f != Failure::Timeout && attempts_ < config_.max_attempts && sh.pools->take_retry()) {
        // Another backend of the pool; else, for a canary with fallback, stable (before the failed backend
        // again: the canary's only backend just failed); else the same backend once more.
        Backend* nb = sh.pools->pick(pool_, &b);
        if (!nb && pool_ == 1 && config_.canary_fallback) {
            nb = sh.pools->pick(0);
            if (nb) pool_ = 0;
        }
        if (!nb) nb = sh.pools->pick(pool_);
        if (nb) {
            spdlog::debug("proxy: retrying {} {} on {} after {}", req_.method_text, req_.target, nb->url,
                          to_string(f));
            return attempt(*nb);
        }
    }
    switch (f) {
        case Failure::Timeout:
            return fail(504, "upstream " + b.url + " did not answer within " +
                                 std::to_string(config_.request_timeout.count()) + " ms (timeout)");
        case Failure::Connect:
            return fail(502, "upstream " + b.url + " refused or failed the connection");
        case Failure::Reset:
            return fail(502, "upstream " + b.url +
                                 (r.closed ? " closed the connection before a complete response"
                                           : " reset the connection before a complete response"));
        case Failure::BadResponse:
            if (r.too_large)
                return fail(502, "upstream " + b.url + " sent a response body larger than " +
                                     std::to_string(config_.max_response_bytes) + " bytes");
            if (r.header_too_large)
                return fail(502, "upstream " + b.url + " sent a response header larger than 64 KiB");
            if (r.switched)
                return fail(
                    502, "upstream " + b.url + " switched protocols (101), which the proxy does not support");
            return fail(502, "upstream " + b.url + " sent a malformed response");
    }
}

void ProxySession::fail(int status, std::string_view detail, const char* retry_after) {
    status_ = status;
    head_length_.reset();
    fields_.append("Content-Type: application/problem+json\r\n");
    if (retry_after) {
        fields_.append("Retry-After: ");
        fields_.append(retry_after);
        fields_.append("\r\n");
    }
    fields_.append(worker_.date);
    body_ = Problem::make(status, std::string(reason_phrase(status)), std::string(detail)).to_json_string();
    respond();
}

void ProxySession::refuse(int status, std::string_view detail) {
    status_ = status;
    fields_.assign("Content-Type: application/problem+json\r\n");
    fields_.append(worker_.date);
    body_ = Problem::make(status, std::string(reason_phrase(status)), std::string(detail)).to_json_string();
    head_only_ = false;
    head_length_.reset();
    close_after_ = true;
    write();
}

void ProxySession::respond() {
    finish_request();
    close_after_ = !req_.keep_alive || worker_.draining;
    write();
}

void ProxySession::finish_request() {
    if (!counted_) return;
    counted_ = false;
    ProxyShared& sh = *worker_.shared;
    if (sh.record && slot_) {
        sh.agent->record(slot_->series[pool_], status_, Clock::now() - start_, cache_outcome_);
        // Only requests that reached an upstream: not a 429, a cache hit, a 503 without a usable backend,
        // or a 502 whose every attempt failed to connect.
        if (reached_upstream_) sh.agent->record_upstream(slot_->upstream[pool_], status_, upstream_time_);
    }
    if (started_) sh.agent->request_finished(active_);
    started_ = false;
    sh.inflight.fetch_sub(1, std::memory_order_relaxed);
}

void ProxySession::write() {
    phase_ = Phase::Writing;
    set_deadline(config_.client_read_timeout);
    head_.clear();
    head_.append("HTTP/1.1 ");
    append_uint(head_, static_cast<std::uint64_t>(status_));
    head_.push_back(' ');
    head_.append(reason_phrase(status_));
    head_.append("\r\n");
    head_.append(fields_);
    if (!bodyless(status_)) {
        head_.append("Content-Length: ");
        append_uint(head_, head_only_ && head_length_ ? *head_length_ : body_.size());
        head_.append("\r\n");
    }
    if (close_after_)
        head_.append("Connection: close\r\n");
    else if (req_.version == 10)  // an HTTP/1.0 client closes unless told the connection stays open
        head_.append("Connection: keep-alive\r\n");
    head_.append("\r\n");
    const bool no_body = head_only_ || bodyless(status_);
    const std::array<asio::const_buffer, 2> bufs = {asio::buffer(head_),
                                                    no_body ? asio::const_buffer() : asio::buffer(body_)};
    asio::async_write(socket_, bufs, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
        self->on_write(ec);
    });
}

void ProxySession::on_write(boost::system::error_code ec) {
    if (phase_ == Phase::Closed) return;
    if (ec || close_after_) {
        if (!ec) {
            boost::system::error_code ignored;
            socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
        }
        return close();
    }
    phase_ = Phase::Idle;
    set_deadline(config_.client_idle_timeout);
    if (buffer_.size() > 0) {  // a pipelined request is already buffered
        phase_ = Phase::Reading;
        set_deadline(config_.client_read_timeout);
        return parse();
    }
    read_more();
}

}  // namespace redline::proxy
