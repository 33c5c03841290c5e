#include "agents/sample_server/http_session.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <charconv>

#include "core/problem.h"

namespace redline::sample {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

void append_uint(std::string& out, std::uint64_t v) {
    char buf[24];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, static_cast<std::size_t>(p - buf));
}

}  // namespace

HttpSession::HttpSession(asio::ip::tcp::socket socket, WorkerContext& worker)
    : socket_(std::move(socket)), worker_(worker), buffer_(worker.options->max_header_bytes + 16 * 1024) {
    next = worker_.sessions;
    if (next) next->prev = this;
    worker_.sessions = this;
    boost::system::error_code ec;
    const auto ep = socket_.remote_endpoint(ec);
    if (!ec) req_.remote_ip = ep.address().to_string();
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

HttpSession::~HttpSession() {
    if (prev)
        prev->next = next;
    else
        worker_.sessions = next;
    if (next) next->prev = prev;
    if (res_.counted) worker_.api->complete(res_);
    worker_.connections->fetch_sub(1, std::memory_order_relaxed);
}

void HttpSession::set_deadline(std::chrono::milliseconds d) {
    deadline_ns_ = now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

void HttpSession::start() {
    phase_ = Phase::Idle;
    set_deadline(worker_.options->idle_timeout);
    read_more();
}

void HttpSession::close() {
    if (phase_ == Phase::Closed) return;
    phase_ = Phase::Closed;
    boost::system::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    if (delay_timer_) delay_timer_->cancel();
}

void HttpSession::sweep(std::int64_t now) {
    switch (phase_) {
        case Phase::Idle:
            if (worker_.draining || now > deadline_ns_) close();
            break;
        case Phase::Reading:
        case Phase::Writing:
            if (now > deadline_ns_) close();
            break;
        case Phase::Handling:
        case Phase::Closed:
            break;
    }
}

void HttpSession::read_more() {
    asio::mutable_buffer b;
    try {
        b = buffer_.prepare(4096);
    } catch (const std::length_error&) {
        return send_error(431, "request header fields too large");
    }
    socket_.async_read_some(b, [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
        self->on_read(ec, n);
    });
}

void HttpSession::on_read(boost::system::error_code ec, std::size_t n) {
    if (phase_ == Phase::Closed) return;
    if (ec) return close();
    buffer_.commit(n);
    if (phase_ == Phase::Idle) {
        phase_ = Phase::Reading;
        set_deadline(worker_.options->read_timeout);
    }
    parse();
}

void HttpSession::parse() {
    if (!parser_) {
        req_.reset();
        parser_.emplace(req_, worker_.options->max_header_bytes, worker_.options->max_body_bytes);
    }
    for (;;) {
        boost::beast::error_code ec;
        const std::size_t used = parser_->put(buffer_.data(), ec);
        buffer_.consume(used);
        if (ec == http::error::need_more) return read_more();
        if (ec == http::error::header_limit) return send_error(431, "request header fields too large");
        if (ec == http::error::body_limit) return send_error(413, "request body too large");
        if (ec && parser_->framing_error())
            return send_error(parser_->framing_error()->status, parser_->framing_error()->message);
        if (ec) return send_error(400, "malformed HTTP request: " + ec.message());
        if (parser_->is_done()) return dispatch();
        if (used == 0 || buffer_.size() == 0) return read_more();
    }
}

void HttpSession::dispatch() {
    phase_ = Phase::Handling;
    const bool keep_alive = parser_->keep_alive();
    parser_.reset();
    req_.keep_alive = keep_alive;
    head_only_ = req_.method == http::verb::head;
    res_.reset();
    worker_.api->handle(req_, res_, worker_.api_state);
    if (res_.delay.count() > 0) {
        if (!delay_timer_) delay_timer_ = std::make_unique<asio::steady_timer>(*worker_.ioc);
        delay_timer_->expires_after(res_.delay);
        delay_timer_->async_wait([self = shared_from_this()](boost::system::error_code) {
            if (self->phase_ == Phase::Closed) {
                self->worker_.api->complete(self->res_);
                return;
            }
            self->respond();
        });
        return;
    }
    respond();
}

void HttpSession::respond() {
    worker_.api->complete(res_);
    close_after_ = !req_.keep_alive || res_.close || worker_.draining;
    write();
}

void HttpSession::send_error(int status, std::string_view detail) {
    res_.reset();
    Api::problem(res_, status, detail);
    close_after_ = true;
    head_only_ = false;
    write();
}

void HttpSession::write() {
    phase_ = Phase::Writing;
    set_deadline(worker_.options->read_timeout);
    const std::string_view body = res_.body_view();
    head_.clear();
    head_.append("HTTP/1.1 ");
    append_uint(head_, static_cast<std::uint64_t>(res_.status));
    head_.push_back(' ');
    head_.append(reason_phrase(res_.status));
    head_.append("\r\nServer: redline-sample\r\n");
    head_.append(worker_.date);
    head_.append("Content-Type: ");
    head_.append(res_.content_type);
    head_.append("\r\nContent-Length: ");
    append_uint(head_, body.size());
    head_.append("\r\n");
    head_.append(res_.headers);
    if (close_after_) head_.append("Connection: close\r\n");
    head_.append("\r\n");
    const std::array<asio::const_buffer, 2> bufs = {
        asio::buffer(head_), head_only_ ? asio::const_buffer() : asio::buffer(body.data(), body.size())};
    asio::async_write(socket_, bufs, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
        self->on_write(ec);
    });
}

void HttpSession::on_write(boost::system::error_code ec) {
    if (phase_ == Phase::Closed) return;
    if (ec || close_after_) {
        if (!ec) {
            boost::system::error_code ignored;
            socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
        }
        return close();
    }
    res_.shared_body.reset();
    phase_ = Phase::Idle;
    set_deadline(worker_.options->idle_timeout);
    if (buffer_.size() > 0) {
        // A pipelined request is already buffered.
        phase_ = Phase::Reading;
        set_deadline(worker_.options->read_timeout);
        return parse();
    }
    read_more();
}

}  // namespace redline::sample
