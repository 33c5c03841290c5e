#include "core/load/worker.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <cstring>
#include <optional>

#include "core/json_strict.h"
#include "core/load/correlation.h"
#include "core/load/data_feeder.h"
#include "core/load/tls_client.h"

namespace redline::load {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

/// What a response's checks may read: the headers they name and, when a json check needs it, the body.
/// Owned by the connection and reused across its requests (no allocation once warm).
struct Captured {
    std::vector<std::string> values;  // parallel to RequestMix::Entry::capture
    std::vector<char> present;
    std::string body;
    bool body_overflow = false;
    void reset(std::size_t nheaders) {
        values.resize(nheaders);
        present.assign(nheaders, 0);
        for (auto& v : values)
            v.clear();
        body.clear();
        body_overflow = false;
    }
};

constexpr std::size_t kMaxCheckedBody = 1 << 20;  // json checks read at most 1 MiB of a body

/// A response parser that keeps only the status and counts body bytes; for requests with checks it also keeps
/// the headers and body they read. No allocation per response once warm.
class ResponseParser final : public http::basic_parser<false> {
  public:
    int status = 0;
    const std::vector<std::string>* capture = nullptr;  // lower-case header names, or null
    Captured* out = nullptr;
    bool keep_body = false;

  private:
    void on_request_impl(http::verb, std::string_view, std::string_view, int, error_code&) override {}
    void on_response_impl(int code, std::string_view, int, error_code&) override { status = code; }
    void on_field_impl(http::field, std::string_view name, std::string_view value, error_code&) override {
        if (!capture) return;
        for (std::size_t i = 0; i < capture->size(); ++i) {
            if (boost::beast::iequals(name, (*capture)[i])) {
                out->values[i].assign(value);
                out->present[i] = 1;
            }
        }
    }
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
    std::size_t on_body_impl(std::string_view body, error_code&) override {
        keep(body);
        return body.size();
    }
    void on_chunk_header_impl(std::uint64_t, std::string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, std::string_view body, error_code&) override {
        keep(body);
        return body.size();
    }
    void on_finish_impl(error_code&) override {}
    void keep(std::string_view body) {
        if (!keep_body || out->body_overflow) return;
        if (out->body.size() + body.size() > kMaxCheckedBody) {
            out->body_overflow = true;
            return;
        }
        out->body.append(body);
    }
};

/// One check against a response (status 0: no response, every check fails).
bool check_passes(const Check& ch, const RequestMix::Entry& e, int status, const Captured& cap,
                  std::optional<nlohmann::json>& body_json) {
    if (status == 0) return false;
    switch (ch.kind) {
        case Check::Kind::Status:
            return std::any_of(ch.statuses.begin(), ch.statuses.end(),
                               [&](const StatusRange& r) { return r.contains(status); });
        case Check::Kind::Header: {
            for (std::size_t i = 0; i < e.capture.size(); ++i) {
                if (!boost::beast::iequals(e.capture[i], ch.header)) continue;
                if (!cap.present[i]) return false;
                return !ch.equals || cap.values[i] == ch.equals->get<std::string>();
            }
            return false;
        }
        case Check::Kind::Json: {
            if (cap.body_overflow) return false;
            if (!body_json) {
                auto p = parse_json_strict(cap.body);
                body_json =
                    p.ok() ? std::move(p.value()) : nlohmann::json(nlohmann::json::value_t::discarded);
            }
            if (body_json->is_discarded()) return false;
            const nlohmann::json::json_pointer ptr(ch.pointer);
            if (!body_json->contains(ptr)) return false;
            return !ch.equals || body_json->at(ptr) == *ch.equals;
        }
    }
    return false;
}

/// Why a read or write failed: the TLS layer, a reset, or a connection that just ended.
TransportError io_error_kind(const error_code& ec) {
    if (is_tls_error(ec)) return TransportError::Tls;
    if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe) return TransportError::Reset;
    return TransportError::Closed;
}

constexpr std::size_t kReadBuf = 16 * 1024;
constexpr std::int64_t kTickNs = 10'000'000;  // 10 ms

}  // namespace

using TlsStream = asio::ssl::stream<tcp::socket&>;

struct Worker::Conn {
    explicit Conn(asio::io_context& ioc) : sock(ioc), backoff(ioc) {}
    tcp::socket sock;
    // https: the TLS stream over sock, new for every connection. Every handler of an operation on it holds a
    // reference, so close() may drop it while an operation is still pending.
    std::shared_ptr<TlsStream> tls;
    bool session_kept = false;   // this connection's session was offered to later connections
    asio::steady_timer backoff;  // closed model: pause after a transport error
    bool connected = false;
    bool busy = false;
    std::uint64_t gen = 0;  // bumped on close; stale handlers compare and return
    int vu = -1;            // closed model: global VU id; -1 in the open model
    bool parked = false;
    bool done = false;        // closed model: the data ran out, this VU sends no more
    VarValues vars;           // data row + extracted values, by RequestMix slot
    std::size_t seq_pos = 0;  // flow "sequence": the next request; 0 starts an iteration
    // current request
    std::size_t req = 0;
    int stage = 0;
    std::int64_t intended_ns = 0;
    std::int64_t sent_ns = 0;
    std::string wbuf;
    std::string_view wdata;
    std::optional<ResponseParser> parser;
    Captured captured;
    std::unique_ptr<char[]> rbuf{new char[kReadBuf]};
    std::size_t rlen = 0;
};

Worker::Worker(Config cfg) : cfg_(std::move(cfg)), tick_timer_(ioc_), sched_timer_(ioc_), rng_(cfg_.seed) {
    const auto& sc = *cfg_.scenario;
    late_after_ns_ = std::int64_t(sc.late_after_ms * 1e6);
    timeout_ns_ = std::int64_t(sc.timeout_ms * 1e6);
    cur_.reset(cfg_.mix->size(), cfg_.mix->check_count());
    if (cfg_.schedule) {
        for (int i = 0; i < cfg_.connections; ++i) {
            conns_.push_back(std::make_unique<Conn>(ioc_));
            idle_.push_back(conns_.back().get());
        }
        std::reverse(idle_.begin(), idle_.end());
    } else {
        for (int id : cfg_.vu_ids) {
            conns_.push_back(std::make_unique<Conn>(ioc_));
            conns_.back()->vu = id;
            conns_.back()->parked = true;
        }
    }
    for (auto& c : conns_)
        c->vars.resize(cfg_.mix->variable_names().size());
}

Worker::~Worker() {
    request_shutdown();
    join();
    if (session_) SSL_SESSION_free(session_);
}

void Worker::start() {
    thread_ = std::thread([this] { run(); });
}

void Worker::join() {
    if (thread_.joinable()) thread_.join();
}

void Worker::request_shutdown() {
    asio::post(ioc_, [this] {
        if (shutting_down_) return;
        shutting_down_ = true;
        for (auto& c : conns_) {
            if (c->busy) finish(*c, 0, TransportError::Interrupted);
            close(*c);
            c->backoff.cancel();
        }
        tick_timer_.cancel();
        sched_timer_.cancel();
        flush();
        ioc_.stop();
    });
}

std::int64_t Worker::now_ns() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - cfg_.t0)
        .count();
}

void Worker::run() {
    // Wait for the common start.
    std::this_thread::sleep_until(cfg_.t0);
    if (cfg_.schedule) {
        if (auto t = cfg_.schedule->time_of(double(std::uint64_t(cfg_.index)), &sched_hint_))
            next_intended_ns_ = std::int64_t(*t * 1e9);
    }
    asio::post(ioc_, [this] {
        tick();
        pump();
    });
    try {
        ioc_.run();
    } catch (const std::exception& e) {
        spdlog::error("load worker {}: {}", cfg_.index, e.what());
    }
}

void Worker::tick() {
    if (shutting_down_) return;
    const std::int64_t now = now_ns();
    flush_if_epoch_changed(now);
    // Timeouts: a request that has run longer than timeout_ms is failed and its connection closed.
    for (auto& c : conns_) {
        if (c->busy && now - c->intended_ns > timeout_ns_ && now - c->sent_ns > timeout_ns_) {
            finish(*c, 0, TransportError::Timeout);
            close(*c);
            after_finish(*c, true);
        }
    }
    if (!cfg_.schedule) {
        const int target = cfg_.shared->target_vus.load(std::memory_order_relaxed);
        const bool stopping = now >= cfg_.shared->stop_at_ns.load(std::memory_order_relaxed);
        for (auto& c : conns_) {
            if (c->parked && !c->done && !stopping && c->vu < target) {
                c->parked = false;
                resume(*c);
            }
        }
    } else {
        pump();
    }
    tick_timer_.expires_after(std::chrono::nanoseconds(kTickNs));
    tick_timer_.async_wait([this](error_code ec) {
        if (!ec) tick();
    });
}

void Worker::arm_schedule_timer(std::int64_t rel_ns) {
    if (sched_armed_at_ >= 0 && sched_armed_at_ <= rel_ns) return;
    sched_armed_at_ = rel_ns;
    sched_timer_.expires_at(cfg_.t0 + std::chrono::nanoseconds(rel_ns));
    sched_timer_.async_wait([this](error_code ec) {
        if (ec) return;
        sched_armed_at_ = -1;
        pump();
    });
}

void Worker::pump() {
    if (!cfg_.schedule || shutting_down_ || exhausted_) return;
    const std::int64_t stop_at = cfg_.shared->stop_at_ns.load(std::memory_order_relaxed);
    while (next_intended_ns_ >= 0) {
        if (next_intended_ns_ >= stop_at) return;
        const std::int64_t now = now_ns();
        if (next_intended_ns_ > now) {
            arm_schedule_timer(next_intended_ns_);
            return;
        }
        if (idle_.empty()) return;  // backlog: the next completion pumps again
        Conn* c = idle_.back();
        idle_.pop_back();
        const std::int64_t intended = next_intended_ns_;
        ++next_k_;
        const double n = double(next_k_ * std::uint64_t(cfg_.count) + std::uint64_t(cfg_.index));
        if (auto t = cfg_.schedule->time_of(n, &sched_hint_))
            next_intended_ns_ = std::int64_t(*t * 1e9);
        else
            next_intended_ns_ = -1;
        if (start_next(*c, intended) != Next::Sent) {
            idle_.push_back(c);
            return;
        }
    }
}

bool Worker::take_row(Conn& c) {
    const auto idx = cfg_.feeder->next(rng_);
    if (!idx) {
        if (!exhausted_) spdlog::info("load worker {}: the data rows are used up", cfg_.index);
        exhausted_ = true;
        cfg_.shared->data_exhausted.store(true, std::memory_order_relaxed);
        return false;
    }
    const auto& row = cfg_.scenario->data.table.rows[*idx];
    for (std::size_t k = 0; k < row.size() && k < cfg_.mix->column_count(); ++k)
        c.vars.assign(k, row[k]);
    return true;
}

Worker::Next Worker::start_next(Conn& c, std::int64_t intended_ns) {
    const RequestMix& mix = *cfg_.mix;
    const bool sequence = cfg_.scenario->flow == Flow::Sequence;
    // A request that lacks a variable is skipped; a sequence's first request never does (validated), so one
    // pass over the requests finds one to send unless every request is skipped.
    for (std::size_t attempt = 0; attempt < mix.size(); ++attempt) {
        std::size_t req = 0;
        if (sequence) {
            if (c.seq_pos == 0) {  // a new iteration: its own data row, no values from the last one
                for (std::size_t k = mix.column_count(); k < c.vars.set.size(); ++k)
                    c.vars.unset(k);
                if (cfg_.feeder && !take_row(c)) return Next::Exhausted;
            }
            req = c.seq_pos;
            c.seq_pos = (c.seq_pos + 1) % mix.size();
        } else {
            if (cfg_.feeder && !take_row(c)) return Next::Exhausted;
            req = mix.pick(rng_);
        }
        int missing = -1;
        const std::string_view bytes = mix.render(req, c.wbuf, rng_, key_counter_, &c.vars, &missing);
        const auto& e = mix.entry(req);
        if (e.vars_check >= 0) {
            flush_if_epoch_changed(now_ns());
            auto& cc = cur_.checks[e.check_base + std::size_t(e.vars_check)];
            if (bytes.empty()) {
                ++cc.fails;
                cur_.any = true;
                continue;
            }
            ++cc.passes;
        }
        c.wdata = bytes;
        send(c, req, intended_ns);
        return Next::Sent;
    }
    return Next::NothingToSend;
}

void Worker::resume(Conn& c) {
    if (shutting_down_) return;
    const bool active = !c.done && c.vu < cfg_.shared->target_vus.load(std::memory_order_relaxed) &&
                        now_ns() < cfg_.shared->stop_at_ns.load(std::memory_order_relaxed);
    if (!active) {
        c.parked = true;
        return;
    }
    switch (start_next(c, now_ns())) {
        case Next::Sent:
            return;
        case Next::Exhausted:
            c.done = true;
            c.parked = true;
            cfg_.shared->vus_done.fetch_add(1, std::memory_order_relaxed);
            return;
        case Next::NothingToSend:  // every request lacked a value: try again after a pause
            c.backoff.expires_after(std::chrono::milliseconds(50));
            c.backoff.async_wait([this, &c](error_code ec) {
                if (ec || shutting_down_) return;
                c.parked = true;  // the next tick restarts it if still active
            });
            return;
    }
}

void Worker::send(Conn& c, std::size_t req, std::int64_t intended_ns) {
    c.busy = true;
    c.req = req;
    c.intended_ns = intended_ns;
    c.sent_ns = now_ns();  // refined in do_write; covers the connect for the timeout sweep
    c.stage = int(cfg_.scenario->stage_at(double(intended_ns) * 1e-9));
    cfg_.shared->in_flight.fetch_add(1, std::memory_order_relaxed);
    if (!c.connected)
        do_connect(c);
    else
        do_write(c);
}

void Worker::do_connect(Conn& c) {
    const tcp::endpoint* ep = nullptr;
    std::string why;
    for (const auto& e : cfg_.endpoints) {
        if (!cfg_.filter || cfg_.filter(e, &why)) {
            ep = &e;
            break;
        }
    }
    if (!ep) {
        spdlog::warn("load worker {}: connect refused by the allow-list: {}", cfg_.index, why);
        finish(c, 0, TransportError::Refused);
        after_finish(c, true);
        return;
    }
    error_code ec;
    c.sock.open(ep->protocol(), ec);
    if (ec) {
        finish(c, 0, TransportError::Connect);
        after_finish(c, true);
        return;
    }
    const auto gen = c.gen;
    c.sock.async_connect(*ep, [this, &c, gen](error_code ec) {
        if (gen != c.gen) return;
        if (ec) {
            finish(c, 0, TransportError::Connect);
            close(c);
            after_finish(c, true);
            return;
        }
        c.sock.set_option(tcp::no_delay(true), ec);
        if (cfg_.tls) {
            do_handshake(c);
            return;
        }
        c.connected = true;
        do_write(c);
    });
}

void Worker::do_handshake(Conn& c) {
    c.tls = std::make_shared<TlsStream>(c.sock, cfg_.tls->context());
    c.session_kept = false;
    std::string why;
    if (!cfg_.tls->prepare(c.tls->native_handle(), session_, &why)) {
        spdlog::warn("load worker {}: {}", cfg_.index, why);
        finish(c, 0, TransportError::Tls);
        close(c);
        after_finish(c, true);
        return;
    }
    const auto gen = c.gen;
    c.tls->async_handshake(asio::ssl::stream_base::client, [this, &c, gen, tls = c.tls](error_code ec) {
        if (gen != c.gen) return;
        if (ec) {
            spdlog::debug("load worker {}: TLS handshake failed: {}", cfg_.index,
                          describe_tls_error(ec, tls->native_handle()));
            finish(c, 0, io_error_kind(ec));
            close(c, is_tls_error(ec));
            after_finish(c, true);
            return;
        }
        cfg_.shared->tls_handshakes.fetch_add(1, std::memory_order_relaxed);
        if (SSL_session_reused(tls->native_handle()))
            cfg_.shared->tls_resumed.fetch_add(1, std::memory_order_relaxed);
        c.connected = true;
        do_write(c);
    });
}

void Worker::keep_session(Conn& c) {
    // TLS 1.3 tickets arrive after the handshake, ahead of the first response: by now the session is
    // resumable (or the server does not offer resumption and this is tried again after the next response).
    SSL_SESSION* s = SSL_get1_session(c.tls->native_handle());
    if (!s) return;
    if (!SSL_SESSION_is_resumable(s)) {
        SSL_SESSION_free(s);
        return;
    }
    if (session_) SSL_SESSION_free(session_);
    session_ = s;
    c.session_kept = true;
}

void Worker::do_write(Conn& c) {
    c.sent_ns = now_ns();
    if (cfg_.schedule) {
        const std::int64_t lateness = std::max<std::int64_t>(0, c.sent_ns - c.intended_ns);
        cur_.lateness.add(std::uint64_t(lateness));
        if (lateness > late_after_ns_) ++cur_.late;
    } else {
        c.intended_ns = c.sent_ns;  // closed model: no schedule to be late for
    }
    c.parser.emplace();
    c.parser->eager(true);
    if (const auto& e = cfg_.mix->entry(c.req); !e.capture.empty() || e.keep_body) {
        c.captured.reset(e.capture.size());
        c.parser->capture = &e.capture;
        c.parser->out = &c.captured;
        c.parser->keep_body = e.keep_body;
    }
    c.parser->body_limit(std::uint64_t{1} << 40);  // effectively unlimited; bodies are discarded
    c.parser->skip(cfg_.mix->entry(c.req).head);
    c.rlen = 0;
    cfg_.shared->sent.fetch_add(1, std::memory_order_relaxed);
    cfg_.shared->bytes_sent.fetch_add(c.wdata.size(), std::memory_order_relaxed);
    const auto gen = c.gen;
    auto written = [this, &c, gen](error_code ec, std::size_t) {
        if (gen != c.gen) return;
        if (ec) {
            finish(c, 0, io_error_kind(ec));
            close(c, is_tls_error(ec));
            after_finish(c, true);
            return;
        }
        do_read(c);
    };
    const auto buf = asio::buffer(c.wdata.data(), c.wdata.size());
    if (c.tls)
        asio::async_write(*c.tls, buf,
                          [written, tls = c.tls](error_code ec, std::size_t n) { written(ec, n); });
    else
        asio::async_write(c.sock, buf, written);
}

void Worker::do_read(Conn& c) {
    const auto gen = c.gen;
    auto got = [this, &c, gen](error_code ec, std::size_t n) {
        if (gen != c.gen) return;
        if (ec) {
            // A body that ends with the connection: a TLS server may also close without close_notify.
            const bool ended = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
            if (ended && c.parser->need_eof()) {
                error_code pe;
                c.parser->put_eof(pe);
                if (!pe && c.parser->is_done()) {
                    finish(c, c.parser->status, TransportError::Protocol);
                    close(c);
                    after_finish(c, false);
                    return;
                }
            }
            finish(c, 0, io_error_kind(ec));
            close(c, is_tls_error(ec));
            after_finish(c, true);
            return;
        }
        on_read(c, n);
    };
    const auto buf = asio::buffer(c.rbuf.get() + c.rlen, kReadBuf - c.rlen);
    if (c.tls)
        c.tls->async_read_some(buf, [got, tls = c.tls](error_code ec, std::size_t n) { got(ec, n); });
    else
        c.sock.async_read_some(buf, got);
}

void Worker::on_read(Conn& c, std::size_t n) {
    cfg_.shared->bytes_received.fetch_add(n, std::memory_order_relaxed);
    c.rlen += n;
    std::size_t off = 0;
    error_code ec;
    while (off < c.rlen && !c.parser->is_done()) {
        const std::size_t used = c.parser->put(asio::buffer(c.rbuf.get() + off, c.rlen - off), ec);
        off += used;
        if (ec == http::error::need_more) {
            ec = {};
            break;
        }
        if (ec) break;
        if (used == 0) break;
    }
    if (ec) {
        spdlog::debug("load worker {}: bad response: {}", cfg_.index, ec.message());
        finish(c, 0, TransportError::Protocol);
        close(c);
        after_finish(c, true);
        return;
    }
    if (c.parser->is_done()) {
        if (c.tls && !c.session_kept) keep_session(c);
        const bool keep = c.parser->keep_alive();
        finish(c, c.parser->status, TransportError::Protocol);
        if (!keep) close(c);
        after_finish(c, false);
        return;
    }
    // Keep the unparsed tail at the front and read more.
    if (off > 0) {
        std::memmove(c.rbuf.get(), c.rbuf.get() + off, c.rlen - off);
        c.rlen -= off;
    }
    if (c.rlen == kReadBuf) {  // a header larger than the buffer
        finish(c, 0, TransportError::Protocol);
        close(c);
        after_finish(c, true);
        return;
    }
    do_read(c);
}

void Worker::finish(Conn& c, int status, TransportError kind) {
    if (!c.busy) return;
    c.busy = false;
    const std::int64_t now = now_ns();
    flush_if_epoch_changed(now);
    const auto& entry = cfg_.mix->entry(c.req);
    const bool failed = status == 0 || !entry.spec->expected(status);
    auto& rs = cur_.requests[c.req];
    rs.counters.add_result(status, failed);
    auto& st = cur_.stages[c.stage];
    st.counters.add_result(status, failed);
    if (!entry.spec->checks.empty() || !entry.spec->extract.empty()) {
        if (status == 0) c.captured.reset(entry.capture.size());  // no response: every check fails
        std::optional<nlohmann::json> body_json;
        for (std::size_t k = 0; k < entry.spec->checks.size(); ++k) {
            auto& cc = cur_.checks[entry.check_base + k];
            if (check_passes(entry.spec->checks[k], entry, status, c.captured, body_json))
                ++cc.passes;
            else
                ++cc.fails;
        }
        // Extractions: only from a response with an expected status; otherwise the variable is unset, so a
        // later request that needs it is not sent rather than sent with a stale or empty value.
        for (std::size_t k = 0; k < entry.spec->extract.size(); ++k) {
            const Extraction& x = entry.spec->extract[k];
            const int slot = entry.extract_slots[k];
            auto& cc = cur_.checks[entry.check_base + entry.spec->checks.size() + k];
            std::optional<std::string> value;
            if (!failed && slot >= 0) {
                if (x.kind == Extraction::Kind::Header) {
                    for (std::size_t h = 0; h < entry.capture.size(); ++h)
                        if (boost::beast::iequals(entry.capture[h], x.source) && c.captured.present[h])
                            value = c.captured.values[h];
                } else if (!c.captured.body_overflow) {
                    if (!body_json) {
                        auto p = parse_json_strict(c.captured.body);
                        body_json = p.ok() ? std::move(p.value())
                                           : nlohmann::json(nlohmann::json::value_t::discarded);
                    }
                    value = extract_json_value(*body_json, x.source, nullptr);
                }
            }
            if (value && !value->empty()) {
                c.vars.assign(std::size_t(slot), *value);
                ++cc.passes;
            } else {
                if (slot >= 0) c.vars.unset(std::size_t(slot));
                ++cc.fails;
            }
        }
    }
    if (status > 0) {
        const auto corrected = std::uint64_t(std::max<std::int64_t>(0, now - c.intended_ns));
        rs.corrected.add(corrected);
        rs.uncorrected.add(std::uint64_t(std::max<std::int64_t>(0, now - c.sent_ns)));
        st.corrected.add(corrected);
    } else {
        cur_.transport[std::size_t(kind)]++;
    }
    if (cfg_.record_requests) {  // a 32-byte append into a buffer reused every second
        const std::int64_t base =
            std::chrono::duration_cast<std::chrono::nanoseconds>(cfg_.t0.time_since_epoch()).count() +
            cfg_.unix_offset_ns;
        cur_.records.push_back({base + c.intended_ns, base + c.sent_ns, base + now, std::uint32_t(c.req),
                                std::uint16_t(status), std::uint8_t(status > 0 ? 0 : int(kind) + 1)});
    }
    cur_.any = true;
    cfg_.shared->completed.fetch_add(1, std::memory_order_relaxed);
    cfg_.shared->in_flight.fetch_sub(1, std::memory_order_relaxed);
}

void Worker::after_finish(Conn& c, bool failed) {
    if (shutting_down_) return;
    if (cfg_.schedule) {
        idle_.push_back(&c);
        pump();
        return;
    }
    const std::int64_t now = now_ns();
    const bool active = c.vu < cfg_.shared->target_vus.load(std::memory_order_relaxed) &&
                        now < cfg_.shared->stop_at_ns.load(std::memory_order_relaxed);
    if (!active) {
        c.parked = true;
        return;
    }
    // Think time: the VU pauses after the response (never part of a latency: the next request's clock
    // starts when it is sent). A failed request pauses at least 50 ms so a failing target is not spun on.
    double pause_ms = 0;
    if (const auto& t = cfg_.mix->entry(c.req).spec->think)
        pause_ms = t->min_ms + (t->max_ms - t->min_ms) * rng_.unit();
    if (failed) pause_ms = std::max(pause_ms, 50.0);
    if (pause_ms > 0) {
        c.parked = false;
        c.backoff.expires_after(std::chrono::nanoseconds(std::int64_t(pause_ms * 1e6)));
        c.backoff.async_wait([this, &c](error_code ec) {
            if (ec || shutting_down_) return;
            resume(c);
        });
        return;
    }
    resume(c);
}

void Worker::close(Conn& c, bool tls_failed) {
    ++c.gen;
    c.connected = false;
    error_code ec;
    // Without close_notify OpenSSL takes a connection for broken and marks its session not resumable when the
    // SSL is freed. Ending a healthy connection (Connection: close, timeout, end of run) keeps the session.
    if (c.tls && !tls_failed)
        SSL_set_shutdown(c.tls->native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    if (c.sock.is_open()) {
        c.sock.shutdown(tcp::socket::shutdown_both, ec);
        c.sock.close(ec);
    }
    c.tls.reset();  // pending handlers hold their own reference
}

void Worker::flush_if_epoch_changed(std::int64_t now) {
    const std::int64_t epoch =
        (now + std::chrono::duration_cast<std::chrono::nanoseconds>(cfg_.t0.time_since_epoch()).count() +
         cfg_.unix_offset_ns) /
        1'000'000'000;
    if (epoch == cur_.epoch) return;
    if (cur_.any) flush();
    cur_.epoch = epoch;
}

void Worker::flush() {
    if (cur_.any && cfg_.flush) cfg_.flush(cur_);
    const auto epoch = cur_.epoch;
    cur_.reset(cfg_.mix->size(), cfg_.mix->check_count());
    cur_.epoch = epoch;
}

}  // namespace redline::load
