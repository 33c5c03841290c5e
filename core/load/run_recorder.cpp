#include "core/load/run_recorder.h"

#include <spdlog/spdlog.h>

#include <iterator>

#include "core/agent_client.h"

namespace redline::load {

namespace {

std::int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

constexpr int kEventPagesPerPoll = 10;
constexpr int kEventPage = 100;

}  // namespace

struct RunRecorder::Agent {
    std::unique_ptr<AgentClient> client;
    std::uint64_t cursor = 0;
    bool have_cursor = false;
    std::chrono::steady_clock::time_point next_poll;
};

RunRecorder::RunRecorder(std::unique_ptr<RunStore> store, RunHeader header, Options options)
    : store_(std::move(store)), header_(std::move(header)), options_(std::move(options)) {
    result_.id = header_.id;
}

std::unique_ptr<RunRecorder> RunRecorder::start(std::unique_ptr<RunStore> store, RunHeader header,
                                                Options options, std::string* error) {
    if (header.id.empty()) header.id = RunStore::new_id();
    try {
        store->begin_run(header);
    } catch (const RunStoreError& e) {
        if (error) *error = store->path() + ": " + e.what();
        return nullptr;
    }
    std::unique_ptr<RunRecorder> r(new RunRecorder(std::move(store), std::move(header), std::move(options)));
    if (!r->options_.agent_url.empty()) {
        r->agent_ = std::make_unique<Agent>();
        r->agent_->client = std::make_unique<AgentClient>(r->options_.agent_url, r->options_.agent_token,
                                                          std::chrono::seconds(2));
        r->agent_->next_poll = std::chrono::steady_clock::now();
    }
    r->thread_ = std::thread([p = r.get()] { p->writer(); });
    return r;
}

RunRecorder::~RunRecorder() {
    if (thread_.joinable()) {
        {
            std::lock_guard lk(mu_);
            stopping_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
}

void RunRecorder::submit(const RunSecond& s) {
    RunSecond copy = s;  // outside the lock: a second holds two 14 KiB sketches per request
    {
        std::lock_guard lk(mu_);
        if (stopping_ || queue_.size() >= options_.max_queued) {
            ++result_.seconds_lost;
            return;
        }
        queue_.push_back(std::move(copy));
    }
    cv_.notify_one();
}

void RunRecorder::poll_agent(std::vector<StoredAgentSecond>& seconds, std::vector<nlohmann::json>& events) {
    Agent& a = *agent_;
    auto snap = a.client->snapshot(1);
    if (!snap.ok()) {
        std::lock_guard lk(mu_);
        if (result_.agent_error.empty()) spdlog::warn("run store: agent snapshot: {}", snap.error_message());
        result_.agent_error = snap.error_message();
        return;
    }
    Snapshot s = *snap.value;
    if (!a.have_cursor) {  // events from before the run are not part of it
        a.cursor = s.last_event_id;
        a.have_cursor = true;
    }
    std::erase_if(s.series, [](const SeriesSnapshot& x) { return x.requests == 0; });
    nlohmann::json j;
    to_json(j, s);
    seconds.push_back({s.epoch, s.time_ms, std::move(j)});
    for (int page = 0; page < kEventPagesPerPoll; ++page) {
        auto r = a.client->events(a.cursor, kEventPage);
        if (!r.ok()) {
            std::lock_guard lk(mu_);
            result_.agent_error = r.error_message();
            return;
        }
        for (const auto& e : r.value->events) {
            nlohmann::json ej;
            to_json(ej, e);
            events.push_back(std::move(ej));
            a.cursor = std::max(a.cursor, e.id);
        }
        a.cursor = std::max(a.cursor, r.value->next_cursor);
        if (r.value->events.size() < std::size_t(kEventPage)) break;
    }
}

void RunRecorder::writer() {
    // What failed to reach the file (locked beyond the busy timeout, disk full) is kept and written with the
    // next batch, up to max_queued seconds; older seconds beyond that are dropped and counted.
    std::vector<RunSecond> pending;
    std::vector<StoredAgentSecond> agent_seconds;
    std::vector<nlohmann::json> agent_events;
    for (;;) {
        bool stop = false;
        {
            std::unique_lock lk(mu_);
            auto ready = [&] { return stopping_ || !queue_.empty(); };
            if (agent_)
                cv_.wait_until(lk, agent_->next_poll, ready);
            else
                cv_.wait(lk, ready);
            pending.insert(pending.end(), std::make_move_iterator(queue_.begin()),
                           std::make_move_iterator(queue_.end()));
            queue_.clear();
            stop = stopping_;
            if (pending.size() > options_.max_queued) {
                const std::size_t drop = pending.size() - options_.max_queued;
                pending.erase(pending.begin(), pending.begin() + std::ptrdiff_t(drop));
                result_.seconds_lost += drop;
            }
        }
        // One last poll at the end, so the agent's last second of the run is kept too.
        if (agent_ && (stop || std::chrono::steady_clock::now() >= agent_->next_poll)) {
            if (agent_seconds.size() < options_.max_queued) poll_agent(agent_seconds, agent_events);
            agent_->next_poll = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        }
        if (!pending.empty() || !agent_seconds.empty() || !agent_events.empty()) {
            try {
                store_->add_seconds(header_.id, pending, agent_seconds, agent_events);
                std::lock_guard lk(mu_);
                result_.seconds_written += pending.size();
                result_.agent_seconds += agent_seconds.size();
                result_.agent_events += agent_events.size();
                pending.clear();
                agent_seconds.clear();
                agent_events.clear();
            } catch (const RunStoreError& e) {
                std::lock_guard lk(mu_);
                if (result_.write_error.empty())
                    spdlog::warn("run store {}: {} (will retry)", store_->path(), e.what());
                result_.write_error = e.what();
                ++result_.failed_writes;
            }
        }
        if (stop) {
            std::lock_guard lk(mu_);
            result_.seconds_lost += pending.size();  // the last attempt failed too
            return;
        }
    }
}

RunRecorder::Result RunRecorder::finish(const Summary& s) {
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    Result r;
    {
        std::lock_guard lk(mu_);
        r = result_;
    }
    try {
        store_->end_run(header_.id, s, unix_ms());
        r.saved = true;
    } catch (const RunStoreError& e) {
        r.error = e.what();
    }
    return r;
}

}  // namespace redline::load
