#include "agents/proxy/upstream_conn.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include "agents/proxy/forwarding.h"

namespace redline::proxy {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {
constexpr int kMaxInterim = 16;  // 1xx responses accepted before a final one; more is a broken upstream
}  // namespace

UpstreamConn::UpstreamConn(asio::io_context& ioc, Backend& backend)
    : socket_(ioc), timer_(ioc), backend_(backend), buffer_(64 * 1024) {}

void UpstreamConn::close() noexcept {
    boost::system::error_code ec;
    socket_.close(ec);
    connected_ = false;
    reusable_ = false;
}

void UpstreamConn::arm(std::chrono::milliseconds timeout) {
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this(), op = op_](boost::system::error_code ec) {
        if (ec || op != self->op_ || !self->done_) return;
        self->timed_out_ = true;
        boost::system::error_code ignored;
        self->socket_.close(ignored);  // the pending connect/read completes with operation_aborted
    });
}

void UpstreamConn::run(const std::string& request, bool head_request, const Limits& limits, Done done) {
    ++op_;
    request_ = &request;
    head_ = head_request;
    limits_ = limits;
    done_ = std::move(done);
    result_ = UpstreamResult{};
    result_.reused = connected_;
    timed_out_ = false;
    reusable_ = false;
    interim_ = 0;
    if (connected_) return write();
    connect();
}

void UpstreamConn::connect() {
    arm(limits_.connect_timeout);
    socket_.async_connect(backend_.endpoint, [self = shared_from_this()](boost::system::error_code ec) {
        if (ec) return self->finish(self->timed_out_ ? Failure::Timeout : Failure::Connect);
        self->connected_ = true;
        boost::system::error_code ignored;
        self->socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
        self->write();
    });
}

void UpstreamConn::write() {
    sent_ = std::chrono::steady_clock::now();
    result_.wrote = true;
    arm(limits_.request_timeout);
    asio::async_write(socket_, asio::buffer(*request_),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                          if (ec) return self->finish(self->timed_out_ ? Failure::Timeout : Failure::Reset);
                          self->read();
                      });
}

void UpstreamConn::read() {
    parser_.emplace();
    parser_->body_limit(limits_.max_response_bytes);  // chunked and close-delimited bodies
    parser_->header_limit(64 * 1024);
    if (head_) parser_->skip(true);
    http::async_read_header(
        socket_, buffer_, *parser_, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
            self->result_.got_bytes = self->result_.got_bytes || self->parser_->got_some();
            if (ec) return self->read_failed(ec);
            const unsigned status = self->parser_->get().result_int();
            if (status == 101) {
                self->result_.switched = true;
                return self->finish(Failure::BadResponse);
            }
            // 100 Continue, 102, 103 Early Hints: interim responses, never the answer to the request (RFC
            // 9110 §15.2). Skip them and read on; the final response follows on the same connection.
            if (status >= 100 && status < 200) {
                if (++self->interim_ > kMaxInterim) return self->finish(Failure::BadResponse);
                return self->read();
            }
            // Beast (1.74) does not hold a Content-Length body to body_limit, and its string body reserves
            // the whole announced length: refuse it here, before a byte of it is stored.
            const auto length = self->parser_->content_length();
            if (!self->head_ && length && *length > self->limits_.max_response_bytes) {
                self->result_.too_large = true;
                return self->finish(Failure::BadResponse);
            }
            // Usually the whole (small) response came with its header: parse it from the buffer without
            // another asynchronous read.
            while (!self->parser_->is_done() && self->buffer_.size() > 0) {
                boost::system::error_code pec;
                const std::size_t used = self->parser_->put(self->buffer_.data(), pec);
                self->buffer_.consume(used);
                if (pec == http::error::need_more) break;
                if (pec) return self->read_failed(pec);
                if (used == 0) break;
            }
            if (self->parser_->is_done()) return self->finish(std::nullopt);
            http::async_read(self->socket_, self->buffer_, *self->parser_,
                             [self](boost::system::error_code ec, std::size_t) {
                                 self->result_.got_bytes = true;
                                 if (ec) return self->read_failed(ec);
                                 self->finish(std::nullopt);
                             });
        });
}

void UpstreamConn::read_failed(boost::system::error_code ec) {
    if (timed_out_) return finish(Failure::Timeout);
    if (ec == http::error::body_limit || ec == http::error::buffer_overflow) {
        result_.too_large = true;
        return finish(Failure::BadResponse);
    }
    if (ec == http::error::header_limit) {
        result_.header_too_large = true;
        return finish(Failure::BadResponse);
    }
    result_.closed =
        ec == asio::error::eof || ec == http::error::end_of_stream || ec == http::error::partial_message;
    const bool transport =
        result_.closed || ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
    finish(transport ? Failure::Reset : Failure::BadResponse);
}

void UpstreamConn::finish(std::optional<Failure> failure) {
    timer_.cancel();
    // A failed connect never wrote: no upstream time (sent_ is the previous exchange's, or unset).
    result_.elapsed = result_.wrote ? std::chrono::steady_clock::now() - sent_ : std::chrono::nanoseconds(0);
    result_.failure = failure;
    if (!failure) {
        auto& res = parser_->get();
        result_.status = static_cast<int>(res.result_int());
        result_.keep_alive = res.keep_alive();
        if (const auto cl = parser_->content_length()) result_.content_length = *cl;
        std::string connection;
        for (const auto& f : res)
            if (f.name() == http::field::connection) {
                if (!connection.empty()) connection.push_back(',');
                connection.append(f.value());
            }
        for (const auto& f : res) {
            if (is_hop_by_hop(f.name_string(), connection)) continue;
            result_.fields.append(f.name_string());
            result_.fields.append(": ");
            result_.fields.append(f.value());
            result_.fields.append("\r\n");
        }
        result_.body = std::move(res.body());
        reusable_ = result_.keep_alive && buffer_.size() == 0 && connected_;
    }
    if (!reusable_) close();
    parser_.reset();
    Done done = std::move(done_);
    done_ = nullptr;
    done(result_);
}

}  // namespace redline::proxy
