// The load engine: an HTTP/1.1 client on Boost.Beast/Asio (http:// or https:// over Asio SSL,
// core/load/tls_client.h) that plays a Scenario against one target.
//
//   redline::load::Scenario sc = ...;               // parse_scenario / load_scenario_file
//   redline::load::EngineOptions opt;
//   opt.on_progress = [](const Progress& p) { ... };  // once per progress_interval, on the engine's control
//   thread redline::load::Engine engine(sc, opt); engine.start();                                 // returns
//   at once
//   ... engine.progress() from any thread, engine.stop("user") from any thread ...
//   Summary s = engine.wait();                      // blocks until the run ended
//
// Design: N worker threads, each with its own io_context and its own keep-alive connections; request bytes
// are serialised once per request entry (only "{..}" placeholders are formatted per request, into a reused
// buffer). Closed model: one connection per VU, back to back. Open model: each worker follows its share of
// the arrival schedule; latency is measured from the intended start time (coordinated omission corrected, as
// wrk2 does) and also from the actual send time (uncorrected). Requests that could not start on time are
// counted as late; requests whose intended time passed but that never started before the end are counted as
// unsent — never dropped silently. Results go into redline::LatencySketch + Counters + WindowRing (one per
// request name and a total), the same structures as the agent, so client- and server-side figures compare
// exactly.
//
// Threading: start/stop/wait/progress/finished are thread-safe. Callbacks run on the engine's control thread
// (never on a worker, never on the caller of start()); they must not call wait() or destroy the Engine.
// The destructor stops the run and joins every thread.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/load/connect_filter.h"
#include "core/load/results.h"
#include "core/load/rollout_driver.h"
#include "core/load/run_totals.h"
#include "core/load/scenario.h"
#include "core/snapshot.h"

namespace redline::load {

/// Supplies the agent's snapshot for agent-side thresholds (window in seconds); nullopt + *error when
/// unavailable.
using AgentSnapshotFn = std::function<std::optional<Snapshot>(int window_s, std::string* error)>;

struct EngineOptions {
    std::string run_id;                                 // copied into Progress/Summary; default: random hex
    std::chrono::milliseconds progress_interval{1000};  // 100 ms .. 10 s
    ConnectFilter allow_connect;                        // empty = any address
    /// https targets: PEM CA bundle to verify the server against instead of the system trust store
    /// (redline-load --cacert). Not a scenario field: whoever can submit a scenario (POST /v1/loadtests)
    /// cannot make the process read a file of its choosing.
    std::string tls_ca_file;
    AgentSnapshotFn
        agent_snapshot;  // empty: built from scenario.agent (AgentClient) when agent thresholds exist
    /// JSON calls to the agent for a scenario's rollout (Scenario::rollout); empty: an AgentClient built from
    /// scenario.agent (its token must be an operator's).
    AgentCallFn agent_call;
    std::function<void(const Progress&)> on_progress;
    std::function<void(const Summary&)> on_finished;  // after the run, before wait() returns
    /// Cumulative figures every totals_interval while running (at the engine's per-second close, never on a
    /// worker) and once at the end with final = true, before on_finished. Must return quickly (hand the value
    /// to another thread). totals_interval: 0 = off; otherwise clamped to 1 s .. 1 h.
    std::function<void(const RunTotals&)> on_totals;
    std::chrono::milliseconds totals_interval{0};
    /// Every closed second of the run, in order, each once (also the last partial ones after the stop), on
    /// the control thread at its once-a-second close. Must return quickly. Empty: off (no cost).
    std::function<void(const RunSecond&)> on_second;
    /// With on_second: also hand over every finished request (RunSecond::records). The workers append a
    /// fixed-size record per request to their per-second buffer (no I/O on the hot path).
    bool record_requests = false;
};

class Engine {
  public:
    /// The scenario must be valid (parse_scenario); throws std::invalid_argument otherwise.
    Engine(Scenario scenario, EngineOptions options = {});
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    /// Starts the run (resolves the target, checks allow_connect, connects, runs the stages) on new threads.
    /// Runtime failures (unreachable target, refused address) end the run with outcome Error. Call once.
    void start();
    /// Asks the run to stop (remaining in-flight requests get graceful_stop_s). Thread-safe, idempotent.
    void stop(std::string reason = "stopped");
    /// Blocks until the run has finished; returns the summary (also after it was already returned once).
    Summary wait();
    bool wait_for(std::chrono::milliseconds timeout);
    bool finished() const;
    Progress progress() const;
    const Scenario& scenario() const;

    /// Convenience: start + wait.
    static Summary run(Scenario scenario, EngineOptions options = {});

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace redline::load
