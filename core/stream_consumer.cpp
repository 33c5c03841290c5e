// StreamConsumer: GET /v1/stream on a worker thread with libcurl's multi interface (so stop() can wake a
// blocked transfer with curl_multi_wakeup), SSE parsing, staleness detection and reconnect with capped
// exponential backoff and jitter. See core/agent_client.h.
#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <random>

#include "core/agent_client.h"
#include "core/stream_consumer.h"
#include "core/sse_parser.h"
#include "core/curl_util.h"

namespace redline {

std::string_view to_string(StreamState s) {
    switch (s) {
        case StreamState::Connecting:
            return "connecting";
        case StreamState::Live:
            return "live";
        case StreamState::Stale:
            return "stale";
        case StreamState::Disconnected:
            return "disconnected";
    }
    return "unknown";
}

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kMaxErrorBody = 64 * 1024;

std::string format_seconds(milliseconds d) {
    return fmt::format("{:.1f} s", static_cast<double>(d.count()) / 1000.0);
}

}  // namespace

// Threading: options/callbacks are read-only after construction. `stopping`, `multi` wakeups and the backoff
// condition variable are the only state shared between the worker and the thread calling start()/stop();
// everything else is worker-only.
struct StreamConsumer::Impl {
    Options opt;
    Callbacks cb;
    std::thread worker;
    std::mutex mu;  // guards `stopping` for the condition variable and start/stop sequencing
    std::condition_variable cv;
    std::atomic<bool> stopping{false};
    CURLM* multi = nullptr;

    // Worker-only state.
    std::uint64_t last_event_id = 0;
    std::optional<StreamState> state;
    std::string state_reason;
    std::mt19937_64 rng{std::random_device{}()};

    // Per-transfer state (reset in run_once).
    struct Transfer {
        SseParser parser;
        long status = 0;
        bool headers_done = false;
        bool live = false;
        bool parse_failed = false;
        std::string content_type;
        std::string error_body;
        Clock::time_point last_data;
        std::uint64_t messages = 0;
    };
    Transfer* tr = nullptr;

    void set_state(StreamState s, std::string reason) {
        if (state == s && state_reason == reason) return;
        state = s;
        state_reason = reason;
        spdlog::debug("stream {}: {} ({})", opt.base_url, to_string(s), reason);
        if (cb.on_state) {
            try {
                cb.on_state(s, std::move(reason));
            } catch (const std::exception& e) {
                spdlog::warn("stream on_state callback threw: {}", e.what());
            }
        }
    }

    std::string stream_url() const {
        return detail::join_url(
            opt.base_url, fmt::format("/v1/stream?interval_ms={}&window={}s&events_after={}", opt.interval_ms,
                                      opt.window_s, last_event_id));
    }

    milliseconds interval() const { return milliseconds(std::max(1, opt.interval_ms)); }

    void dispatch(const SseParser::Message& m) {
        try {
            if (m.event == "snapshot") {
                std::string err;
                auto snap = parse_snapshot(m.data, &err);
                if (!snap) {
                    spdlog::warn("stream {}: dropping invalid snapshot: {}", opt.base_url, err);
                    return;
                }
                if (cb.on_snapshot) cb.on_snapshot(std::move(*snap));
            } else if (m.event == "event") {
                Event e = nlohmann::json::parse(m.data).get<Event>();
                last_event_id = std::max(last_event_id, e.id);
                if (cb.on_event) cb.on_event(std::move(e));
            } else {
                nlohmann::json data = nlohmann::json::parse(m.data, nullptr, /*allow_exceptions=*/false);
                if (data.is_discarded()) data = m.data;  // not JSON: hand over the text
                if (cb.on_message) cb.on_message(data);
                if (cb.on_other_event) cb.on_other_event(m.event, data);
            }
        } catch (const std::exception& e) {
            spdlog::warn("stream {}: dropping '{}' message: {}", opt.base_url, m.event, e.what());
        }
    }

    static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
        auto* self = static_cast<Impl*>(user);
        const std::string_view line(data, size * n);
        Transfer& t = *self->tr;
        if (line.rfind("HTTP/", 0) == 0) {  // a new status line (e.g. after 100 Continue): start over
            t.headers_done = false;
            t.content_type.clear();
            const auto sp = line.find(' ');
            long code = 0;
            if (sp != std::string_view::npos) {
                std::from_chars(line.data() + sp + 1, line.data() + line.size(), code);
            }
            t.status = code;
        } else if (line.size() > 13 &&
                   (line.substr(0, 13) == "Content-Type:" || line.substr(0, 13) == "content-type:")) {
            std::string_view v = line.substr(13);
            while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
                v.remove_prefix(1);
            while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' '))
                v.remove_suffix(1);
            t.content_type.assign(v);
        } else if (line == "\r\n" || line == "\n") {
            t.headers_done = true;
            if (t.status == 200 && t.content_type.rfind("text/event-stream", 0) == 0) {
                t.live = true;
                t.last_data = Clock::now();
                self->set_state(StreamState::Live, "streaming from " + self->opt.base_url);
            }
        }
        return size * n;
    }

    static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
        auto* self = static_cast<Impl*>(user);
        Transfer& t = *self->tr;
        const std::size_t bytes = size * n;
        if (!t.live) {  // an error answer: keep (part of) the body for the problem details
            if (t.error_body.size() < kMaxErrorBody) {
                t.error_body.append(data, std::min(bytes, kMaxErrorBody - t.error_body.size()));
            }
            return bytes;
        }
        t.last_data = Clock::now();  // any bytes, including keep-alive comments, prove the stream is alive
        if (self->state == StreamState::Stale) self->set_state(StreamState::Live, "streaming again");
        const bool ok = t.parser.feed(std::string_view(data, bytes), [self, &t](const SseParser::Message& m) {
            ++t.messages;
            self->dispatch(m);
        });
        if (!ok) {
            t.parse_failed = true;
            return 0;  // abort: a line longer than the parser's limit
        }
        return bytes;
    }

    struct Outcome {
        std::string reason;
        bool auth_failed = false;  // 401/403: retry at the maximum backoff
        bool was_live = false;
    };

    Outcome run_once(CURL* easy) {
        Transfer t;
        tr = &t;
        char errbuf[CURL_ERROR_SIZE] = {};
        const std::string url = stream_url();
        curl_easy_reset(easy);
        detail::set_common_options(easy);
        curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Impl::on_header);
        curl_easy_setopt(easy, CURLOPT_HEADERDATA, this);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Impl::on_body);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
        // TCP keep-alive lets the kernel notice a vanished peer on a long-idle connection.
        curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
        const std::string last_id = "Last-Event-ID: " + std::to_string(last_event_id);
        curl_slist* headers =
            detail::make_headers(opt.token, {"Accept: text/event-stream", "Cache-Control: no-cache"});
        if (last_event_id > 0) headers = curl_slist_append(headers, last_id.c_str());
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);

        curl_multi_add_handle(multi, easy);
        const milliseconds stale_after = 3 * interval();
        // No byte at all for this long ends the connection and reconnects (a peer that vanished without FIN).
        const milliseconds dead_after = std::max(milliseconds(5000), 10 * interval());
        Outcome out;
        CURLcode done_code = CURLE_OK;
        bool done = false;
        bool aborted = false;
        while (!stopping.load()) {
            int running = 0;
            curl_multi_perform(multi, &running);
            int queued = 0;
            while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
                if (msg->msg == CURLMSG_DONE) {
                    done = true;
                    done_code = msg->data.result;
                }
            }
            if (done || running == 0) break;
            milliseconds wait = milliseconds(100);
            if (t.live) {
                const auto silent = std::chrono::duration_cast<milliseconds>(Clock::now() - t.last_data);
                if (silent >= dead_after) {
                    out.reason = "no data for " + format_seconds(silent) + "; reconnecting";
                    aborted = true;
                    break;
                }
                if (silent >= stale_after && state != StreamState::Stale) {
                    set_state(StreamState::Stale, "no data for " + format_seconds(silent));
                }
                const milliseconds next = silent < stale_after ? stale_after - silent : dead_after - silent;
                wait = std::clamp(next, milliseconds(1), milliseconds(1000));
            }
            curl_multi_poll(multi, nullptr, 0, static_cast<int>(wait.count()), nullptr);
        }
        curl_multi_remove_handle(multi, easy);
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);
        curl_slist_free_all(headers);
        tr = nullptr;

        out.was_live = t.live;
        if (stopping.load() || aborted) return out;
        if (t.parse_failed) {
            out.reason = "stream line too long; reconnecting";
        } else if (done_code != CURLE_OK && !(t.headers_done && t.status != 200)) {
            // A live stream that breaks was reachable: say it ended rather than "cannot reach".
            out.reason = (t.live ? "stream from " + opt.base_url + " ended: "
                                 : "cannot reach " + opt.base_url + ": ") +
                         detail::transport_message(done_code, errbuf);
        } else if (t.status != 200) {
            if (auto p = Problem::parse(t.error_body)) {
                out.reason = p->to_string();
            } else {
                out.reason = fmt::format("{} {} from {}", t.status, reason_phrase(static_cast<int>(t.status)),
                                         opt.base_url);
            }
            out.auth_failed = t.status == 401 || t.status == 403;
        } else if (!t.live) {
            out.reason = "unexpected content type '" + t.content_type + "' from " + opt.base_url;
        } else {
            out.reason = "stream closed by the agent";
        }
        return out;
    }

    milliseconds backoff(int attempt, bool max_now) {
        const auto init = std::max(milliseconds(1), opt.backoff_initial);
        const auto cap = std::max(init, opt.backoff_max);
        milliseconds base = cap;
        if (!max_now && attempt < 30) base = std::min(cap, init * (std::int64_t{1} << attempt));
        // "Equal jitter": between half the delay and the full delay, so clients spread out but never hammer.
        std::uniform_int_distribution<std::int64_t> dist(base.count() / 2, base.count());
        return milliseconds(dist(rng));
    }

    void run() {
        CURL* easy = curl_easy_init();
        if (easy == nullptr) {
            set_state(StreamState::Disconnected, "curl_easy_init failed");
            return;
        }
        int attempt = 0;
        while (!stopping.load()) {
            set_state(StreamState::Connecting, attempt == 0 ? "connecting to " + opt.base_url
                                                            : fmt::format("reconnecting to {} (attempt {})",
                                                                          opt.base_url, attempt + 1));
            Outcome o = run_once(easy);
            if (stopping.load()) break;
            if (o.was_live) attempt = 0;
            const milliseconds delay = backoff(attempt, o.auth_failed);
            ++attempt;
            set_state(StreamState::Disconnected, o.reason + "; retrying in " + format_seconds(delay));
            std::unique_lock lock(mu);
            cv.wait_for(lock, delay, [this] { return stopping.load(); });
        }
        curl_easy_cleanup(easy);
        set_state(StreamState::Disconnected, "stopped");
    }
};

StreamConsumer::StreamConsumer(Options options, Callbacks callbacks) : impl_(std::make_unique<Impl>()) {
    detail::ensure_curl_global();
    impl_->opt = std::move(options);
    impl_->cb = std::move(callbacks);
    impl_->last_event_id = impl_->opt.events_after;
    impl_->multi = curl_multi_init();
}

StreamConsumer::~StreamConsumer() {
    stop();
    if (impl_->multi) curl_multi_cleanup(impl_->multi);
}

void StreamConsumer::start() {
    std::lock_guard lock(impl_->mu);
    if (impl_->worker.joinable()) return;
    impl_->stopping = false;
    impl_->state.reset();
    impl_->worker = std::thread([impl = impl_.get()] { impl->run(); });
}

void StreamConsumer::stop() {
    {
        std::lock_guard lock(impl_->mu);
        if (!impl_->worker.joinable()) return;
        impl_->stopping = true;
    }
    impl_->cv.notify_all();
    if (impl_->multi) curl_multi_wakeup(impl_->multi);
    impl_->worker.join();
}

}  // namespace redline
