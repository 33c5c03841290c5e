#include "agents/agent/admin_server.h"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <deque>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include "agents/agent/error_reporter.h"
#include "agents/agent/event_log.h"
#include "core/http_framing.h"
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

std::size_t role_index(Role r) {
    return std::min<std::size_t>(static_cast<std::size_t>(r), 2);
}

}  // namespace

class StreamSession;
class HttpSession;

struct AdminServer::Core {
    Core(Options o, Hooks h, EventLog& ev, ErrorReporter& er)
        : opt(std::move(o)), hooks(std::move(h)), events(ev), errors(er) {}

    void do_accept();
    void notify_streams();
    bool evict_oldest_pending();  // false when none is pending
    bool evict_longest_idle();    // false when no keep-alive connection is idle

    // Declared before ioc_: sessions destroyed with the io_context still touch these counters.
    Options opt;
    Hooks hooks;
    EventLog& events;
    ErrorReporter& errors;
    std::atomic<std::size_t> live{0};
    std::atomic<std::size_t> rejected_count{0};
    std::atomic<std::size_t> stream_count{0};
    std::atomic<std::size_t> pending_count{0};  // mirrors pending.size() for pending()
    std::atomic<std::size_t> slots_count{0};    // mirrors slots_used for requests()
    std::atomic<std::uint16_t> bound_port{0};
    std::atomic<bool> notify_pending{false};
    std::vector<std::weak_ptr<StreamSession>> streams;  // io thread only
    // Connection budgets, io thread only (see the header). Sessions add and remove themselves.
    std::list<HttpSession*> pending;  // no complete request header yet (or draining), oldest first
    std::list<HttpSession*> idle;     // keep-alive with a slot, between requests, longest idle first
    std::size_t slots_used = 0;       // request slots taken (active + idle), <= opt.max_connections
    std::array<std::size_t, 3> streams_by_role{};  // open streams per Role
    Clock::time_point last_fd_report{};
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
        ++core_->streams_by_role[role_index(spec_.role)];
    }
    ~StreamSession() {
        --core_->streams_by_role[role_index(spec_.role)];
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
// One HTTP/1.1 connection: header read (pending: no request slot), header-time checks (framing, duplicate
// Authorization, admit), then with a request slot: body read, dispatch, response, keep-alive (idle,
// evictable).
class HttpSession : public std::enable_shared_from_this<HttpSession> {
  public:
    HttpSession(tcp::socket socket, AdminServer::Core* core)
        : stream_(std::move(socket)), core_(core), start_(Clock::now()) {
        ++core_->live;
        beast::error_code ec;
        auto ep = stream_.socket().remote_endpoint(ec);
        if (!ec) {
            remote_ = ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
            remote_ += ":" + std::to_string(ep.port());
        }
    }
    ~HttpSession() {
        leave_list();
        release_slot();
        if (owns_live_) --core_->live;
    }

    void start() {
        join(Where::Pending);
        read_header();
    }

    /// Closes the connection to make room for another one (io thread, never from inside this session's own
    /// handlers): off its list and out of its slot at once, the socket closed so its operations end.
    void evict() {
        ++core_->rejected_count;
        close();
    }

  private:
    enum class Where { None, Pending, Idle };

    std::list<HttpSession*>& list_of(Where w) { return w == Where::Pending ? core_->pending : core_->idle; }
    void join(Where w) {
        leave_list();
        auto& l = list_of(w);
        it_ = l.insert(l.end(), this);
        where_ = w;
        core_->pending_count = core_->pending.size();
    }
    void leave_list() {
        if (where_ == Where::None) return;
        list_of(where_).erase(it_);
        where_ = Where::None;
        core_->pending_count = core_->pending.size();
    }
    /// A request slot for the request whose header just arrived: closes the longest-idle keep-alive
    /// connection when all are taken. False when every slot serves a request in progress.
    bool take_slot() {
        if (has_slot_) return true;
        if (core_->slots_used >= core_->opt.max_connections) core_->evict_longest_idle();
        if (core_->slots_used >= core_->opt.max_connections) return false;
        ++core_->slots_used;
        core_->slots_count = core_->slots_used;
        has_slot_ = true;
        return true;
    }
    void release_slot() {
        if (!has_slot_) return;
        has_slot_ = false;
        --core_->slots_used;
        core_->slots_count = core_->slots_used;
    }

    // Keep-alive: wait for the next request. With a slot the connection idles (evictable, idle_timeout); a
    // connection that never got a slot (its requests were refused at header time) is pending again.
    void wait_for_request() {
        join(has_slot_ ? Where::Idle : Where::Pending);
        start_ = Clock::now();
        if (buffer_.size() > 0) return read_header();
        stream_.expires_after(has_slot_ ? core_->opt.idle_timeout : core_->opt.header_timeout);
        stream_.async_read_some(buffer_.prepare(4096),
                                [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                    if (ec) return self->close();
                                    self->buffer_.commit(n);
                                    self->start_ = Clock::now();  // the request's deadlines count from here
                                    self->read_header();
                                });
    }

    void read_header() {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(core_->opt.max_header_bytes));
        parser_->body_limit(core_->opt.max_body_bytes);
        // Total, not per byte: a header trickled in one byte at a time still has to be complete by then.
        stream_.expires_at(start_ + std::min(core_->opt.header_timeout, core_->opt.read_timeout));
        http::async_read_header(stream_, buffer_, *parser_,
                                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                    if (ec) return self->on_read_error(ec);
                                    self->on_header();
                                });
    }

    void on_header() {
        auto& req = parser_->get();
        std::string te;
        bool has_te = false;
        int authorizations = 0;
        for (const auto& field : req) {
            if (field.name() == http::field::transfer_encoding) {
                if (has_te) te += ',';
                te.append(field.value());
                has_te = true;
            } else if (field.name() == http::field::authorization) {
                ++authorizations;
            }
        }
        if (auto bad = check_request_framing(int(req.version()),
                                             has_te ? std::optional<std::string_view>(te) : std::nullopt,
                                             req.count(http::field::content_length) > 0))
            return send_error(bad->status, bad->status == 501 ? "Not Implemented" : "Bad Request",
                              bad->message);
        if (authorizations > 1)
            return send_error(400, "Bad Request", "the request has more than one Authorization header");
        const bool has_body = !parser_->is_done();

        in_ = HttpIn{};
        in_.req.method = std::string(req.method_string());
        in_.target = std::string(req.target());
        in_.req.remote = remote_;
        if (!parse_target(in_.target, in_))
            return send_error(400, "Bad Request", "request target must be an absolute path");
        in_.authorization = std::string(req[http::field::authorization]);
        in_.last_event_id = std::string(req["Last-Event-ID"]);
        if (auto it = req.find("Redline-Actor"); it != req.end()) {
            in_.has_actor = true;
            in_.actor = std::string(it->value());
        }
        in_.content_type = std::string(req[http::field::content_type]);
        for (const auto& field : req)
            if (field.name() == http::field::accept) {
                if (!in_.accept.empty()) in_.accept += ',';
                in_.accept.append(field.value());
            }

        // Routing and authorization before any body byte: a refused request cannot hold a slot with a slow
        // body.
        if (core_->hooks.admit) {
            std::optional<AdminResponse> refused;
            try {
                refused = core_->hooks.admit(in_);
            } catch (const std::exception& ex) {
                core_->errors.report(std::string("admin admit threw: ") + ex.what());
                refused = problem_response(500, "Internal Server Error", "the request could not be handled");
            }
            if (refused) {
                const bool keep = !has_body && req.keep_alive();
                return write_response(*refused, keep, !keep);
            }
        }
        // After routing (a body on a verb the path does not serve is still 405): no method here takes a body.
        const auto verb = req.method();
        if (has_body && (verb == http::verb::get || verb == http::verb::head || verb == http::verb::delete_))
            return send_error(400, "Bad Request", std::string(req.method_string()) + " must not have a body");
        if (!take_slot()) {
            ++core_->rejected_count;
            AdminResponse busy = problem_response(
                503, "Service Unavailable", "every admin request slot is serving a request; retry shortly");
            busy.headers.emplace_back("Retry-After", std::to_string(core_->opt.busy_retry_after.count()));
            return write_response(busy, false, true);
        }
        leave_list();  // in progress: neither pending nor idle, not evictable
        if (has_body && beast::iequals(req[http::field::expect], "100-continue")) {
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
        stream_.expires_at(start_ + core_->opt.read_timeout);
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
            ec == net::error::connection_reset || ec == net::error::operation_aborted ||
            ec == net::error::bad_descriptor)
            return close();
        send_error(400, "Bad Request", "malformed HTTP request: " + ec.message());
    }

    /// Every error answered here closes the connection: after a framing or parse error the rest of the
    /// stream cannot be trusted to start a request.
    void send_error(int status, std::string title, std::string detail) {
        write_response(problem_response(status, std::move(title), std::move(detail)), false, true);
    }

    void on_request() {
        in_.req.body = std::move(parser_->get().body());
        const bool keep = parser_->get().keep_alive();
        Dispatch d;
        try {
            d = core_->hooks.dispatch(in_);
        } catch (const std::exception& ex) {
            core_->errors.report(std::string("admin handler threw: ") + ex.what());
            d.response = problem_response(500, "Internal Server Error", "the request could not be handled");
        } catch (...) {
            core_->errors.report("admin handler threw");
            d.response = problem_response(500, "Internal Server Error", "the request could not be handled");
        }
        if (d.stream) return start_stream(*d.stream, keep);
        write_response(d.response, keep, false);
    }

    void start_stream(const StreamSpec& spec, bool keep) {
        const std::size_t open = core_->streams_by_role[role_index(spec.role)];
        if (open >= core_->opt.max_streams_per_role) {
            ++core_->rejected_count;
            AdminResponse r = problem_response(
                429, "Too Many Requests",
                "this token already has " + std::to_string(open) + " open streams, the limit for the " +
                    std::string(to_string(spec.role)) + " role; close one or retry later");
            r.headers.emplace_back("Retry-After", std::to_string(core_->opt.stream_retry_after.count()));
            return write_response(r, keep, false);
        }
        release_slot();  // a stream counts against its role's stream cap, not the request slots
        owns_live_ = false;
        stream_.expires_never();
        std::make_shared<StreamSession>(stream_.release_socket(), core_, spec)->start();
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
    // sending (bounded) so that closing does not reset the connection before it read our answer. A draining
    // connection holds no request slot; it counts as pending (evictable, oldest first).
    void drain() {
        release_slot();
        if (where_ != Where::Pending) join(Where::Pending);
        stream_.expires_after(std::chrono::seconds(2));
        stream_.async_read_some(net::buffer(scratch_),
                                [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                    self->drained_ += n;
                                    if (ec || self->drained_ > (4u << 20)) return self->close();
                                    self->drain();
                                });
    }

    void close() {
        leave_list();
        release_slot();
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        stream_.close();
    }

    beast::tcp_stream stream_;
    AdminServer::Core* core_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> res_;
    HttpIn in_;
    std::string remote_;
    Clock::time_point start_;  // accept, or the first byte of a keep-alive request: deadlines count from here
    Where where_ = Where::None;
    std::list<HttpSession*>::iterator it_{};
    bool has_slot_ = false;
    bool owns_live_ = true;
    std::size_t drained_ = 0;
    std::array<char, 4096> scratch_{};
};

// ---------------------------------------------------------------------------------------------------------------

bool AdminServer::Core::evict_oldest_pending() {
    if (pending.empty()) return false;
    pending.front()->evict();
    return true;
}

bool AdminServer::Core::evict_longest_idle() {
    if (idle.empty()) return false;
    idle.front()->evict();
    return true;
}

static bool out_of_descriptors(const beast::error_code& ec) {
    if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space || ec == net::error::no_memory)
        return true;
    return ec.category() == boost::system::system_category() && ec.value() == ENFILE;
}

void AdminServer::Core::do_accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
        if (ec) {
            // Out of descriptors: the oldest pending (else longest-idle) connection gives its descriptor to
            // the next one, so a flood of connections cannot stop accept.
            if (out_of_descriptors(ec) && (evict_oldest_pending() || evict_longest_idle())) {
                if (Clock::now() - last_fd_report >= std::chrono::seconds(10)) {
                    last_fd_report = Clock::now();
                    errors.report("admin accept: " + ec.message() +
                                  "; closing the oldest waiting connections to make room");
                }
                return do_accept();
            }
            errors.report("admin accept failed: " + ec.message());
            accept_backoff.expires_after(std::chrono::milliseconds(100));
            accept_backoff.async_wait([this](beast::error_code e) {
                if (!e) do_accept();
            });
            return;
        }
        if (pending.size() >= opt.max_pending) evict_oldest_pending();
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<HttpSession>(std::move(socket), this)->start();
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
std::size_t AdminServer::pending() const {
    return core_->pending_count;
}
std::size_t AdminServer::requests() const {
    return core_->slots_count;
}
std::size_t AdminServer::rejected() const {
    return core_->rejected_count;
}
std::size_t AdminServer::streams() const {
    return core_->stream_count;
}

}  // namespace redline::agent
