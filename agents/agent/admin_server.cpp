#include "agents/agent/admin_server.h"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "agents/agent/error_reporter.h"
#include "agents/agent/event_log.h"
#include "core/url.h"

namespace redline::agent {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

/// Splits an origin-form target into a decoded path and query map. False on malformed input.
bool parse_target(std::string_view target, HttpIn& in) {
    if (target.empty() || target.front() != '/') return false;
    auto q = target.find('?');
    std::string_view raw_path = target.substr(0, q);
    std::string path;
    for (std::size_t i = 0; i < raw_path.size(); ++i) {
        if (raw_path[i] == '%') {
            if (i + 2 >= raw_path.size()) return false;
            int hi = hex_value(raw_path[i + 1]), lo = hex_value(raw_path[i + 2]);
            if (hi < 0 || lo < 0) return false;
            path.push_back(char(hi * 16 + lo));
            i += 2;
        } else {
            path.push_back(raw_path[i]);
        }
    }
    in.req.path = std::move(path);
    if (q == std::string_view::npos) return true;
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
        auto amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (pair.empty()) continue;
        auto eq = pair.find('=');
        std::string k, v;
        if (!url_decode(pair.substr(0, eq), k)) in.query_ok = false;
        if (eq != std::string_view::npos && !url_decode(pair.substr(eq + 1), v)) in.query_ok = false;
        in.req.query.emplace(std::move(k), std::move(v));
    }
    return true;
}

namespace {

AdminResponse problem_response(int status, std::string title, std::string detail) {
    return AdminResponse::problem(Problem::make(status, std::move(title), std::move(detail)));
}

}  // namespace

class StreamSession;

struct AdminServer::Core {
    Core(Options o, Hooks h, EventLog& ev, ErrorReporter& er)
        : opt(std::move(o)), hooks(std::move(h)), events(ev), errors(er) {}

    void do_accept();
    void notify_streams();

    // Declared before ioc_: sessions destroyed with the io_context still touch these counters.
    Options opt;
    Hooks hooks;
    EventLog& events;
    ErrorReporter& errors;
    std::atomic<std::size_t> live{0};
    std::atomic<std::size_t> rejected_count{0};
    std::atomic<std::size_t> stream_count{0};
    std::atomic<std::uint16_t> bound_port{0};
    std::atomic<bool> notify_pending{false};
    std::vector<std::weak_ptr<StreamSession>> streams;  // io thread only
    std::uint64_t subscription = 0;
    std::mutex life_mutex;  // guards started/stopped and thread
    bool started = false;
    bool stopped = false;

    net::io_context ioc{1};
    tcp::acceptor acceptor{ioc};
    net::steady_timer accept_backoff{ioc};
    std::thread thread;
};

// ---------------------------------------------------------------------------------------------------------------
// SSE stream: owns the socket after the request was accepted by dispatch.
class StreamSession : public std::enable_shared_from_this<StreamSession> {
  public:
    StreamSession(tcp::socket socket, AdminServer::Core* core, StreamSpec spec)
        : sock_(std::move(socket)),
          core_(core),
          spec_(spec),
          cursor_(spec.events_after),
          tick_(core->ioc),
          keep_alive_(core->ioc),
          write_timer_(core->ioc) {
        ++core_->stream_count;
    }
    ~StreamSession() {
        --core_->stream_count;
        --core_->live;
    }

    void start() {
        core_->streams.push_back(weak_from_this());
        enqueue_raw(
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/event-stream; charset=utf-8\r\n"
            "Cache-Control: no-store\r\n"
            "X-Accel-Buffering: no\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "Transfer-Encoding: chunked\r\n"
            "\r\n");
        enqueue(": connected\nretry: 1000\n\n");
        pull_events();
        send_snapshot();
        next_tick_ = Clock::now() + std::chrono::milliseconds(spec_.interval_ms);
        arm_tick();
        arm_keep_alive();
        read_loop();
    }

    void pull_events() {
        constexpr std::size_t kPage = 256;
        while (!closed_) {
            EventPage page = core_->events.page(cursor_, kPage);
            for (const Event& e : page.events) {
                nlohmann::json j = e;
                enqueue("id: " + std::to_string(e.id) + "\nevent: event\ndata: " +
                        j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n");
            }
            cursor_ = page.next_cursor;
            if (page.events.size() < kPage) break;
        }
    }

    void close() {
        if (closed_) return;
        closed_ = true;
        beast::error_code ec;
        tick_.cancel();
        keep_alive_.cancel();
        write_timer_.cancel();
        sock_.shutdown(tcp::socket::shutdown_both, ec);
        sock_.close(ec);
    }

  private:
    void send_snapshot() {
        std::string json;
        try {
            json = core_->hooks.snapshot_json(spec_.window_s);
        } catch (const std::exception& ex) {
            core_->errors.report(std::string("stream: snapshot failed: ") + ex.what());
            return;
        }
        enqueue("event: snapshot\ndata: " + json + "\n\n");
    }

    void arm_tick() {
        tick_.expires_at(next_tick_);
        tick_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (ec || self->closed_) return;
            self->send_snapshot();
            auto now = Clock::now();
            self->next_tick_ += std::chrono::milliseconds(self->spec_.interval_ms);
            if (self->next_tick_ < now)
                self->next_tick_ = now + std::chrono::milliseconds(self->spec_.interval_ms);
            self->arm_tick();
        });
    }

    void arm_keep_alive() {
        keep_alive_.expires_after(core_->opt.keep_alive_every);
        keep_alive_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (ec || self->closed_) return;
            if (Clock::now() - self->last_enqueue_ >= self->core_->opt.keep_alive_every)
                self->enqueue(": keep-alive\n\n");
            self->arm_keep_alive();
        });
    }

    void read_loop() {
        // The client sends nothing after its request; a read completing with an error means it went away.
        sock_.async_read_some(net::buffer(rbuf_),
                              [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                  if (ec) {
                                      self->close();
                                      return;
                                  }
                                  self->read_loop();
                              });
    }

    void enqueue(std::string_view message) {
        char head[20];
        int n = std::snprintf(head, sizeof head, "%zx\r\n", message.size());
        std::string chunk;
        chunk.reserve(message.size() + std::size_t(n) + 2);
        chunk.append(head, std::size_t(n)).append(message).append("\r\n");
        enqueue_raw(std::move(chunk));
        last_enqueue_ = Clock::now();
    }

    void enqueue_raw(std::string bytes) {
        if (closed_) return;
        queued_ += bytes.size();
        queue_.push_back(std::move(bytes));
        if (queued_ > core_->opt.stream_queue_bytes) {
            core_->errors.report("stream: client is not reading; dropping the connection (" +
                                 std::to_string(queued_) + " bytes queued)");
            close();
            return;
        }
        if (!writing_) do_write();
    }

    void do_write() {
        writing_ = true;
        current_.clear();
        while (!queue_.empty()) {
            current_ += queue_.front();
            queue_.pop_front();
        }
        auto timeout = std::max<std::chrono::milliseconds>(core_->opt.read_timeout,
                                                           std::chrono::milliseconds(3 * spec_.interval_ms));
        write_timer_.expires_after(timeout);
        write_timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
            if (ec) return;
            if (auto self = weak.lock()) self->close();  // the client stopped reading
        });
        net::async_write(sock_, net::buffer(current_),
                         [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             self->write_timer_.cancel();
                             self->writing_ = false;
                             self->queued_ -= self->current_.size();
                             if (ec || self->closed_) {
                                 self->close();
                                 return;
                             }
                             if (!self->queue_.empty()) self->do_write();
                         });
    }

    tcp::socket sock_;
    AdminServer::Core* core_;
    StreamSpec spec_;
    std::uint64_t cursor_;
    net::steady_timer tick_;
    net::steady_timer keep_alive_;
    net::steady_timer write_timer_;
    Clock::time_point next_tick_{};
    Clock::time_point last_enqueue_{};
    std::deque<std::string> queue_;
    std::size_t queued_ = 0;  // bytes queued or being written
    std::string current_;
    bool writing_ = false;
    bool closed_ = false;
    std::array<char, 512> rbuf_{};
};

// ---------------------------------------------------------------------------------------------------------------
// One HTTP/1.1 connection: idle wait, bounded header+body read, dispatch, response, keep-alive.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
  public:
    HttpSession(tcp::socket socket, AdminServer::Core* core) : stream_(std::move(socket)), core_(core) {
        ++core_->live;
        beast::error_code ec;
        auto ep = stream_.socket().remote_endpoint(ec);
        if (!ec) {
            remote_ = ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
            remote_ += ":" + std::to_string(ep.port());
        }
    }
    ~HttpSession() {
        if (owns_slot_) --core_->live;
    }

    void start() {
        deadline_ = Clock::now() + core_->opt.read_timeout;  // a new connection must send its request in time
        wait_for_request();
    }

  private:
    void wait_for_request() {
        if (buffer_.size() > 0) {
            read_header();
            return;
        }
        if (!first_) deadline_ = Clock::now() + core_->opt.idle_timeout;
        stream_.expires_at(deadline_);
        stream_.async_read_some(buffer_.prepare(4096),
                                [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                    if (ec) {
                                        self->close();
                                        return;
                                    }
                                    self->buffer_.commit(n);
                                    if (!self->first_)
                                        self->deadline_ = Clock::now() + self->core_->opt.read_timeout;
                                    self->read_header();
                                });
    }

    void read_header() {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(core_->opt.max_header_bytes));
        parser_->body_limit(core_->opt.max_body_bytes);
        stream_.expires_at(deadline_);
        http::async_read_header(stream_, buffer_, *parser_,
                                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                    if (ec) return self->on_read_error(ec);
                                    self->on_header();
                                });
    }

    void on_header() {
        auto& req = parser_->get();
        if (beast::iequals(req[http::field::expect], "100-continue") && !parser_->is_done()) {
            static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            net::async_write(stream_, net::buffer(kContinue),
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                 if (ec) return self->close();
                                 self->read_body();
                             });
            return;
        }
        read_body();
    }

    void read_body() {
        stream_.expires_at(deadline_);
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) return self->on_read_error(ec);
                             self->on_request();
                         });
    }

    void on_read_error(beast::error_code ec) {
        if (ec == http::error::header_limit)
            return send_error(
                431, "Request Header Fields Too Large",
                "request headers exceed " + std::to_string(core_->opt.max_header_bytes) + " bytes");
        if (ec == http::error::body_limit)
            return send_error(413, "Content Too Large",
                              "request body exceeds " + std::to_string(core_->opt.max_body_bytes) + " bytes");
        if (ec == beast::error::timeout || ec == http::error::end_of_stream || ec == net::error::eof ||
            ec == net::error::connection_reset || ec == net::error::operation_aborted)
            return close();
        send_error(400, "Bad Request", "malformed HTTP request: " + ec.message());
    }

    void send_error(int status, std::string title, std::string detail) {
        write_response(problem_response(status, std::move(title), std::move(detail)), false, true);
    }

    void on_request() {
        first_ = false;
        auto& req = parser_->get();
        HttpIn in;
        in.req.method = std::string(req.method_string());
        in.target = std::string(req.target());
        in.req.remote = remote_;
        if (!parse_target(in.target, in))
            return write_response(
                problem_response(400, "Bad Request", "request target must be an absolute path"), false, true);
        in.authorization = std::string(req[http::field::authorization]);
        in.last_event_id = std::string(req["Last-Event-ID"]);
        in.content_type = std::string(req[http::field::content_type]);
        in.req.body = std::move(req.body());
        bool keep = req.keep_alive();
        Dispatch d;
        try {
            d = core_->hooks.dispatch(in);
        } catch (const std::exception& ex) {
            core_->errors.report(std::string("admin handler threw: ") + ex.what());
            d.response = problem_response(500, "Internal Server Error", "the request could not be handled");
        } catch (...) {
            core_->errors.report("admin handler threw");
            d.response = problem_response(500, "Internal Server Error", "the request could not be handled");
        }
        if (d.stream) {
            owns_slot_ = false;  // the stream takes over the connection slot
            stream_.expires_never();
            auto s = std::make_shared<StreamSession>(stream_.release_socket(), core_, *d.stream);
            s->start();
            return;
        }
        write_response(d.response, keep, false);
    }

    void write_response(const AdminResponse& r, bool keep_alive, bool after_error) {
        res_ = {};
        res_.version(11);
        res_.result(static_cast<unsigned>(r.status));
        res_.set(http::field::server, "redline-agent");
        res_.set(http::field::content_type, r.content_type);
        res_.set(http::field::cache_control, "no-store");
        res_.set("X-Content-Type-Options", "nosniff");
        for (auto& [k, v] : r.headers)
            res_.insert(k, v);
        res_.body() = r.body;
        res_.keep_alive(keep_alive);
        res_.prepare_payload();
        stream_.expires_after(core_->opt.read_timeout);
        http::async_write(
            stream_, res_,
            [self = shared_from_this(), keep_alive, after_error](beast::error_code ec, std::size_t) {
                if (ec) return self->close();
                if (keep_alive) return self->wait_for_request();
                beast::error_code ignored;
                self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                if (after_error) return self->drain();
                self->close();
            });
    }

    // After an error response on a connection we refuse to read further, discard what the client is still
    // sending (bounded) so that closing does not reset the connection before it read our answer.
    void drain() {
        stream_.expires_after(std::chrono::seconds(2));
        stream_.async_read_some(net::buffer(scratch_),
                                [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                    self->drained_ += n;
                                    if (ec || self->drained_ > (4u << 20)) return self->close();
                                    self->drain();
                                });
    }

    void close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        stream_.close();
    }

    beast::tcp_stream stream_;
    AdminServer::Core* core_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> res_;
    std::string remote_;
    Clock::time_point deadline_{};
    bool first_ = true;
    bool owns_slot_ = true;
    std::size_t drained_ = 0;
    std::array<char, 4096> scratch_{};
};

// ---------------------------------------------------------------------------------------------------------------

void AdminServer::Core::do_accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
        if (ec) {
            errors.report("admin accept failed: " + ec.message());
            accept_backoff.expires_after(std::chrono::milliseconds(100));
            accept_backoff.async_wait([this](beast::error_code e) {
                if (!e) do_accept();
            });
            return;
        }
        if (live.load() >= opt.max_connections) {
            ++rejected_count;
            beast::error_code ignored;
            socket.close(ignored);
        } else {
            beast::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            std::make_shared<HttpSession>(std::move(socket), this)->start();
        }
        do_accept();
    });
}

void AdminServer::Core::notify_streams() {
    notify_pending = false;
    std::size_t w = 0;
    for (std::size_t i = 0; i < streams.size(); ++i) {
        if (auto s = streams[i].lock()) {
            s->pull_events();
            streams[w++] = streams[i];
        }
    }
    streams.resize(w);
}

AdminServer::AdminServer(Options options, Hooks hooks, EventLog& events, ErrorReporter& errors)
    : core_(std::make_shared<Core>(std::move(options), std::move(hooks), events, errors)) {
    beast::error_code ec;
    auto addr = net::ip::make_address(core_->opt.address, ec);
    if (ec) throw ConfigError("admin listen address '" + core_->opt.address + "' is not an IP address");
    tcp::endpoint ep(addr, core_->opt.port);
    auto& a = core_->acceptor;
    a.open(ep.protocol(), ec);
    if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(ep, ec);
    if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
        throw ConfigError("cannot listen on " + core_->opt.address + ":" + std::to_string(core_->opt.port) +
                          ": " + ec.message());
    core_->bound_port = a.local_endpoint().port();
}

AdminServer::~AdminServer() {
    stop();
}

void AdminServer::start() {
    std::lock_guard lock(core_->life_mutex);
    if (core_->started) return;
    core_->started = true;
    Core* c = core_.get();
    c->subscription = c->events.subscribe([c](std::uint64_t) {
        if (!c->notify_pending.exchange(true)) net::post(c->ioc, [c] { c->notify_streams(); });
    });
    c->do_accept();
    c->thread = std::thread([c] {
        for (;;) {
            try {
                c->ioc.run();
                return;
            } catch (const std::exception& ex) {
                c->errors.report(std::string("admin io loop: ") + ex.what());
            }
        }
    });
}

void AdminServer::stop() {
    std::lock_guard lock(core_->life_mutex);
    if (!core_->started || core_->stopped) return;
    core_->stopped = true;
    core_->events.unsubscribe(core_->subscription);  // no more posts into the io_context after this
    Core* c = core_.get();
    net::post(c->ioc, [c] {
        beast::error_code ec;
        c->acceptor.close(ec);
        for (auto& w : c->streams)
            if (auto s = w.lock()) s->close();
    });
    c->ioc.stop();
    if (c->thread.joinable()) c->thread.join();
}

std::uint16_t AdminServer::port() const {
    return core_->bound_port;
}
std::size_t AdminServer::connections() const {
    return core_->live;
}
std::size_t AdminServer::rejected() const {
    return core_->rejected_count;
}
std::size_t AdminServer::streams() const {
    return core_->stream_count;
}

}  // namespace redline::agent
