// Writes one load run into a RunStore while it goes on: the row at the start (state "incomplete"), every
// closed second as it comes (EngineOptions::on_second -> submit(), written by a writer thread, one
// transaction per batch), optionally the agent's own per-second snapshot and events (polled once a second by
// the same thread), and the end (outcome, summary) in one transaction.
//
//   auto rec = RunRecorder::start(std::move(store), header, {}, &why);  // nullptr + why: the row failed
//   opt.on_second = [r = rec.get()](const RunSecond& s) { r->submit(s); };
//   ...
//   RunRecorder::Result res = rec->finish(summary);
//
// A process killed half-way leaves the run "incomplete" with the seconds committed so far.
//
// Threading: start() and finish() on one thread (the CLI's); submit() from any thread (the engine's control
// thread): it copies the second into a bounded queue under a short mutex and never waits for the disk. The
// writer thread owns the RunStore between start() and finish().
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/load/run_store.h"

namespace redline::load {

class RunRecorder {
  public:
    struct Options {
        std::string agent_url;          // "": no agent figures
        std::string agent_token;        // viewer token for the agent
        std::size_t max_queued = 3600;  // seconds waiting for the disk (also while a write is retried);
                                        // older ones beyond that are dropped and counted
    };
    struct Result {
        std::string id;
        bool saved = false;       // the end (outcome, summary) was written
        std::string error;        // why the end was not written
        std::string write_error;  // the last failed batch of seconds ("" when none failed)
        std::uint64_t seconds_written = 0;
        std::uint64_t seconds_lost = 0;   // not stored: still failing at the end, or beyond max_queued
        std::uint64_t failed_writes = 0;  // batches that failed (and were retried with the next one)
        std::uint64_t agent_seconds = 0, agent_events = 0;
        std::string agent_error;  // last failed agent poll ("" when none failed)
    };

    /// Inserts the run (incomplete) on the calling thread and starts the writer. nullptr + *error when the
    /// row could not be written.
    static std::unique_ptr<RunRecorder> start(std::unique_ptr<RunStore> store, RunHeader header,
                                              Options options, std::string* error);
    ~RunRecorder();  // without finish(): stops the writer; the run stays incomplete
    RunRecorder(const RunRecorder&) = delete;
    RunRecorder& operator=(const RunRecorder&) = delete;

    const std::string& id() const { return header_.id; }
    const std::string& path() const { return store_->path(); }
    /// Queues one closed second. Any thread; returns at once.
    void submit(const RunSecond& s);
    /// Writes what is queued and the end of the run, stops the writer. Call once.
    Result finish(const Summary& s);

  private:
    RunRecorder(std::unique_ptr<RunStore> store, RunHeader header, Options options);
    void writer();
    void poll_agent(std::vector<StoredAgentSecond>& seconds, std::vector<nlohmann::json>& events);

    std::unique_ptr<RunStore> store_;  // the writer thread's between start() and finish()
    RunHeader header_;
    Options options_;
    struct Agent;
    std::unique_ptr<Agent> agent_;  // writer thread only

    std::mutex mu_;  // guards queue_, stopping_, result_
    std::condition_variable cv_;
    std::deque<RunSecond> queue_;
    bool stopping_ = false;
    Result result_;
    std::thread thread_;
};

}  // namespace redline::load
