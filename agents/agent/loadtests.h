// Load runs through the agent: POST /v1/loadtests (operator), GET /v1/loadtests/{id} (viewer),
// DELETE /v1/loadtests/{id} (operator: 202 while the run stops, 200 when it had already finished),
// GET /v1/loadtests (viewer: {"runs": [the current/last run]}). Exact paths, no query parameters.
//
//   auto loadtests = redline::agent::install_loadtests(agent, opts);  // before agent.start()
//   ...
//   loadtests->shutdown();  // before agent.stop(): stops a running load test and joins its threads
//
// POST body: {"scenario": "smoke" | {inline scenario}, "rate": 100, "duration_s": 5, "connections": 8,
//             "guard": {"route": "GET /v1/products/{id}", "p99_ms": 250, "for_s": 3, "version": "canary"}}
// -> 201 {"id": "...", "state": "running", ...}. The target is always the host's own API server: a scenario's
// "target" (or a "target" field) must name it; any other host, port, non-canonical numeric spelling
// (2130706433, 0x7f.1) or name that resolves elsewhere gets 403, and the engine re-checks the resolved
// address before every connect. Redirects are never followed. Runs above the caps (rate, connections,
// duration, threads) get 400 naming the field; a second concurrent run gets 409. Progress and the end are
// pushed as events "loadtest.started" (audited, actor operator), "loadtest.progress", "loadtest.finished",
// "loadtest.aborted" (after = Progress / Summary JSON). The optional guard (and agent-side thresholds of the
// scenario) use the agent's own snapshot: the run stops when the route's p99 exceeds the bound for for_s
// consecutive seconds.
//
// Threading: handlers run on the admin thread; the run on the engine's threads; events are emitted from the
// engine's control thread. LoadtestService is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace redline::agent {

class Agent;

struct LoadtestOptions {
    /// The host's API base URL, "http://127.0.0.1:8080". If api_url_fn is set it is used instead (called when
    /// a run is requested, so a host may bind its API port after installing).
    std::string api_url;
    std::function<std::string()> api_url_fn;
    double max_rate = 2000;    // requests/s (open model peak)
    int max_connections = 64;  // also the VU cap in the closed model
    double max_duration_s = 600;
    int max_threads = 2;
    std::vector<std::string>
        scenario_dirs;  // extra dirs for built-in names (after the standard search order)
    int progress_interval_ms = 1000;
};

class LoadtestService;

/// Registers the /v1/loadtests handlers on `agent` (must be called before agent.start()).
/// The returned service must outlive the agent's admin server or be shutdown() before agent.stop().
std::shared_ptr<LoadtestService> install_loadtests(Agent& agent, LoadtestOptions options);

class LoadtestService {
  public:
    virtual ~LoadtestService() = default;
    /// Stops a running load test (if any) and waits for it; no more events are emitted afterwards.
    virtual void shutdown() = 0;
    /// True while a run is active.
    virtual bool running() const = 0;
};

}  // namespace redline::agent
