// `redlinectl top`: live per-route table from GET /v1/stream.
// Threading: the StreamConsumer's worker thread only pushes into `Feed` (mutex + condition variable); the
// main thread renders.
#include <fmt/format.h>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>

#include "cli.h"
#include "core/stream_consumer.h"

namespace redline::ctl {

namespace {

struct Feed {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Snapshot> snapshots;  // bounded: older ones are dropped when the terminal is slower
    std::optional<std::pair<StreamState, std::string>> state_change;
    StreamState state = StreamState::Connecting;
    std::string reason;
    bool ever_live = false;
};

std::string clock_text(std::int64_t ms) {
    return format_time_ms(ms).substr(11, 8);
}

std::string frame(const Context& ctx, const Snapshot& s, StreamState state, const std::string& reason,
                  int interval_ms) {
    std::string out = fmt::format(
        "redlinectl top  {}  {}  window {}s  every {} ms  {}  {}\n", ctx.agent, s.service, s.window_s,
        interval_ms, clock_text(s.time_ms),
        state == StreamState::Live ? std::string("LIVE") : fmt::format("{}: {}", to_string(state), reason));
    const SeriesSnapshot& t = s.total;
    out += fmt::format("total {} req/s  success {}  p50 {}  p95 {}  p99 {}  429s {}\n\n",
                       format_rate(t.rate_per_s), format_success(t),
                       format_latency(t, &LatencyQuantiles::p50_ms),
                       format_latency(t, &LatencyQuantiles::p95_ms),
                       format_latency(t, &LatencyQuantiles::p99_ms), t.rate_limited);
    const Table table = series_table(s);
    out += table.rows.empty() ? std::string("(no traffic in this window)\n") : table.render();
    return out;
}

}  // namespace

int cmd_top(Context& ctx, const std::vector<std::string>& args) {
    const ParsedArgs a =
        parse_args(take_output_option(ctx, args, "top"), {{"interval-ms", "window", "count"}, {}}, "top");
    if (!a.positional.empty()) throw UsageError("top", "unexpected argument '" + a.positional.front() + "'");
    const int interval_ms = static_cast<int>(
        a.value("interval-ms") ? parse_int(*a.value("interval-ms"), "interval-ms", "top", 100, 10000) : 1000);
    int window_s = 1;
    if (auto w = a.value("window")) {
        std::string text = *w;
        if (!text.empty() && text.back() == 's') text.pop_back();
        window_s = static_cast<int>(parse_int(text, "window", "top", 1, 60));
    }
    const std::int64_t count =
        a.value("count") ? parse_int(*a.value("count"), "count", "top", 1, 1'000'000'000) : -1;

    // One plain request first: a wrong URL or token fails fast with the server's message.
    require(ctx.client().info(), ctx, "GET");

    Feed feed;
    StreamConsumer::Options opt;
    opt.base_url = ctx.agent;
    opt.token = ctx.token;
    opt.interval_ms = interval_ms;
    opt.window_s = window_s;
    opt.backoff_max = std::chrono::milliseconds(5000);
    StreamConsumer::Callbacks cb;
    cb.on_snapshot = [&feed](Snapshot s) {
        std::lock_guard lock(feed.mu);
        if (feed.snapshots.size() >= 16) feed.snapshots.pop_front();
        feed.snapshots.push_back(std::move(s));
        feed.cv.notify_one();
    };
    cb.on_state = [&feed](StreamState st, std::string reason) {
        std::lock_guard lock(feed.mu);
        feed.state = st;
        feed.reason = reason;
        if (st == StreamState::Live) feed.ever_live = true;
        feed.state_change = std::make_pair(st, std::move(reason));
        feed.cv.notify_one();
    };
    StreamConsumer consumer(opt, cb);
    consumer.start();

    const bool tty = stdout_is_tty() && !ctx.json;
    if (tty) std::fputs("\x1b[H\x1b[2J", stdout);
    std::int64_t shown = 0;
    std::optional<Snapshot> last;
    int rc = kExitOk;
    std::string failure;
    while (!interrupted() && (count < 0 || shown < count)) {
        std::deque<Snapshot> batch;
        std::optional<std::pair<StreamState, std::string>> change;
        StreamState state;
        std::string reason;
        bool ever_live;
        {
            std::unique_lock lock(feed.mu);
            feed.cv.wait_for(lock, std::chrono::milliseconds(200),
                             [&] { return !feed.snapshots.empty() || feed.state_change.has_value(); });
            batch.swap(feed.snapshots);
            change.swap(feed.state_change);
            state = feed.state;
            reason = feed.reason;
            ever_live = feed.ever_live;
        }
        if (change && change->first == StreamState::Disconnected) {
            if (!ever_live) {  // never got a stream at all: an error, not something to wait out
                failure = "GET " + ctx.agent + "/v1/stream: " + change->second;
                rc = kExitFailure;
                break;
            }
            if (!tty) std::fprintf(stderr, "redlinectl: stream %s\n", change->second.c_str());
        } else if (change && change->first == StreamState::Stale && !tty) {
            std::fprintf(stderr, "redlinectl: stream stale: %s\n", change->second.c_str());
        }
        if (tty && batch.empty() && change && last) draw_tty(frame(ctx, *last, state, reason, interval_ms));
        if (batch.empty()) continue;
        if (tty) {
            // A slow terminal only draws the newest snapshot; each one still counts as an update.
            last = std::move(batch.back());
            shown += static_cast<std::int64_t>(batch.size());
            draw_tty(frame(ctx, *last, state, reason, interval_ms));
            continue;
        }
        for (Snapshot& s : batch) {
            if (count >= 0 && shown >= count) break;
            ++shown;
            if (ctx.json) {
                const std::string line =
                    nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
                std::fprintf(stdout, "%s\n", line.c_str());
            } else {
                std::fputs(frame(ctx, s, state, reason, interval_ms).c_str(), stdout);
                std::fputc('\n', stdout);
            }
            last = std::move(s);
        }
        std::fflush(stdout);
    }
    consumer.stop();
    if (rc != kExitOk) throw Failure(failure);
    return kExitOk;
}

}  // namespace redline::ctl
