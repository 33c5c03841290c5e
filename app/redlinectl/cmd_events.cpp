// `redlinectl events [--after N] [--limit N] [--follow]`: the agent's audit/event log (GET /v1/events, then
// the stream's `event` messages when following).
// Threading: with --follow the StreamConsumer's worker pushes events into a mutex-guarded queue; the main
// thread prints.
#include <fmt/format.h>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>

#include "cli.h"
#include "core/stream_consumer.h"

namespace redline::ctl {

namespace {

void print_event(const Context& ctx, const Event& e) {
    if (ctx.json) {
        const std::string line =
            nlohmann::json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        std::fprintf(stdout, "%s\n", line.c_str());
    } else {
        std::fprintf(stdout, "#%-5llu %s  %-16s  %-18s  %s\n", static_cast<unsigned long long>(e.id),
                     format_time_ms(e.time_ms).c_str(), e.actor.c_str(), e.kind.c_str(), e.message.c_str());
    }
}

int follow(Context& ctx, std::uint64_t after, std::int64_t count) {
    struct Queue {
        std::mutex mu;
        std::condition_variable cv;
        std::deque<Event> events;
        std::optional<std::pair<StreamState, std::string>> change;
        bool ever_live = false;
    } q;
    StreamConsumer::Options opt;
    opt.base_url = ctx.agent;
    opt.token = ctx.token;
    opt.interval_ms = 1000;
    opt.events_after = after;
    opt.backoff_max = std::chrono::milliseconds(5000);
    StreamConsumer::Callbacks cb;
    cb.on_event = [&q](Event e) {
        std::lock_guard lock(q.mu);
        q.events.push_back(std::move(e));
        q.cv.notify_one();
    };
    cb.on_state = [&q](StreamState s, std::string reason) {
        std::lock_guard lock(q.mu);
        if (s == StreamState::Live) q.ever_live = true;
        q.change = std::make_pair(s, std::move(reason));
        q.cv.notify_one();
    };
    StreamConsumer consumer(opt, cb);
    consumer.start();
    std::int64_t shown = 0;
    std::string failure;
    while (!interrupted() && (count < 0 || shown < count)) {
        std::deque<Event> batch;
        std::optional<std::pair<StreamState, std::string>> change;
        bool ever_live;
        {
            std::unique_lock lock(q.mu);
            q.cv.wait_for(lock, std::chrono::milliseconds(200),
                          [&] { return !q.events.empty() || q.change; });
            batch.swap(q.events);
            change.swap(q.change);
            ever_live = q.ever_live;
        }
        for (const Event& e : batch) {
            if (e.id <= after) continue;  // the stream may repeat what the listing already showed
            after = e.id;
            print_event(ctx, e);
            if (count >= 0 && ++shown >= count) break;
        }
        std::fflush(stdout);
        if (change && change->first == StreamState::Disconnected) {
            if (!ever_live) {
                failure = "GET " + ctx.agent + "/v1/stream: " + change->second;
                break;
            }
            std::fprintf(stderr, "redlinectl: stream %s\n", change->second.c_str());
        }
    }
    consumer.stop();
    if (!failure.empty()) throw Failure(failure);
    return kExitOk;
}

}  // namespace

int cmd_events(Context& ctx, const std::vector<std::string>& args) {
    const std::string cmd = "events";
    const ParsedArgs a =
        parse_args(take_output_option(ctx, args, cmd), {{"after", "limit", "count"}, {"follow"}}, cmd);
    if (!a.positional.empty()) throw UsageError(cmd, "unexpected argument '" + a.positional.front() + "'");
    const auto after = static_cast<std::uint64_t>(
        a.value("after") ? parse_int(*a.value("after"), "after", cmd, 0, INT64_MAX) : 0);
    const std::int64_t limit = a.value("limit") ? parse_int(*a.value("limit"), "limit", cmd, 1, 1000) : -1;
    const bool follow_flag = a.flags.count("follow") > 0;
    const std::int64_t count =
        a.value("count") ? parse_int(*a.value("count"), "count", cmd, 1, 1'000'000'000) : -1;
    if (count >= 0 && !follow_flag) throw UsageError(cmd, "--count only applies with --follow");

    // The listing: one page with --limit, else every page.
    EventPage all;
    std::uint64_t cursor = after;
    all.next_cursor = after;
    for (;;) {
        const int page_size = limit > 0 ? static_cast<int>(limit) : 1000;
        const EventPage page = require(ctx.client().events(cursor, page_size), ctx, "GET");
        all.events.insert(all.events.end(), page.events.begin(), page.events.end());
        all.next_cursor = std::max(all.next_cursor, page.next_cursor);
        if (limit > 0 || page.events.empty() || page.next_cursor <= cursor) break;
        cursor = page.next_cursor;
    }
    if (!follow_flag && ctx.json) {
        print_json(all);
        return kExitOk;
    }
    // --count counts every event shown, the listed ones included: `--after C --follow --count 1` means "the
    // first event after C", whether it was already there or is still to come (a script waiting for a change
    // must not hang because the change won the race against the listing).
    std::uint64_t last = after;
    std::int64_t shown = 0;
    for (const Event& e : all.events) {
        if (count >= 0 && shown >= count) break;
        print_event(ctx, e);
        ++shown;
        last = std::max(last, e.id);
    }
    if (!follow_flag && all.events.empty()) std::fputs("no events\n", stderr);
    std::fflush(stdout);
    if (!follow_flag || (count >= 0 && shown >= count)) return kExitOk;
    return follow(ctx, std::max(last, all.next_cursor), count < 0 ? -1 : count - shown);
}

}  // namespace redline::ctl
