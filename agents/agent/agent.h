// The embeddable Redline agent: records every request of its host, keeps sliding-window metrics, serves
// /metrics, snapshots, an SSE stream, events and an authenticated control API on its own admin port.
//
// Typical host:
//   redline::agent::AgentOptions opt; opt.data_dir = "/var/lib/myapi"; opt.service = "myapi";
//   redline::agent::Agent agent(opt);
//   auto h = agent.register_series("GET", "/v1/products/{id}", "stable");
//   agent.on_limits([&](const redline::LimitsConfig& l) { limiter.apply(l); });
//   agent.start();
//   ... per request (any thread): agent.record(h, 200, elapsed, CacheOutcome::Hit);
//
// Threading: configuration calls (constructor, register_series, add_control, add_handler, on_*) happen on one
// thread before start(). record*/request_* are wait-free on any thread. Control callbacks run on the admin
// server thread (and once on the start() caller's thread with the persisted state). Accessors are
// thread-safe. Nothing throws across this boundary after start(); runtime faults go to
// AgentOptions::on_error.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agents/agent/admin_types.h"
#include "agents/agent/types.h"
#include "core/control.h"
#include "core/event.h"
#include "core/problem.h"
#include "core/rollout.h"
#include "core/snapshot.h"

namespace prometheus {
class Collectable;
}

namespace redline::agent {

class Recorder;

class Agent {
  public:
    explicit Agent(AgentOptions options);  // throws ConfigError (bad data dir, bad listen address, ...)
    ~Agent();                              // stop()s
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    // ---- configuration (before start) ----
    SeriesHandle register_series(std::string_view method, std::string_view route, std::string_view version);
    /// Route ids ("GET /v1/products/{id}") known so far, for limits validation.
    std::vector<std::string> route_ids() const;
    /// Built in: "limits" (LimitsConfig) and "canary" (CanaryConfig). Hosts add more, e.g. "cache".
    void add_control(ControlResource resource);
    /// Serves `method` on the paths matching `path_template` exactly for callers with at least `min_role`
    /// (reads should use Viewer, mutations Operator). A template is literal segments and whole-segment
    /// parameters: "/v1/loadtests" matches only that path; "/v1/loadtests/{id}" matches one more non-empty
    /// segment, handed over as AdminRequest::params["id"]. `query` names the query parameters the handler
    /// accepts; any other (or a repeated one) is answered 400 before the handler runs. Other methods on a
    /// matching template get 405 with Allow listing the template's methods; unmatched paths 404.
    /// Throws ConfigError for an invalid template, a duplicate (method, template), or a path the agent
    /// serves itself (checked at start()).
    void add_handler(std::string method, std::string path_template, Role min_role, AdminHandler handler,
                     std::vector<std::string> query = {});
    /// Hosts that forward requests (redline-proxy) keep the time spent waiting for their upstream apart: a
    /// second recorder with the same (method, route, version) series, closed with the main one, exposed on
    /// /metrics as redline_upstream_request_duration_seconds (docs/metrics.md) and in every snapshot as the
    /// "upstream" member of the series registered with the same (method, route, version) (absent while a
    /// window holds no upstream time). Register before start(). Hosts that never call this pay nothing.
    SeriesHandle register_upstream_series(std::string_view method, std::string_view route,
                                          std::string_view version);
    /// Adds a member `key` to /v1/info, computed by `fn` at every request (admin thread). Before start().
    void add_info(std::string key, std::function<nlohmann::json()> fn);
    void on_limits(std::function<void(const LimitsConfig&)> fn);
    void on_canary(std::function<void(const CanaryConfig&)> fn);
    /// Binds the admin server, loads persisted control state, calls every apply/on_* once, starts the clock.
    void start();
    /// Stops the admin server and the clock, closes the current epoch. Idempotent.
    void stop();

    // ---- hot path (any thread, wait-free) ----
    void record(SeriesHandle h, int status, std::chrono::nanoseconds latency,
                CacheOutcome cache = CacheOutcome::None) noexcept;
    void record_rate_limit(SeriesHandle h, RateLimitOutcome outcome) noexcept;
    /// Upstream time of one request that reached an upstream, on a handle from register_upstream_series()
    /// (a request that never reached one records nothing here).
    void record_upstream(SeriesHandle h, int status, std::chrono::nanoseconds latency) noexcept;
    void request_started(SeriesHandle h) noexcept;
    void request_finished(SeriesHandle h) noexcept;

    // ---- state (any thread) ----
    LimitsConfig limits() const;
    CanaryConfig canary() const;
    nlohmann::json control(std::string_view name) const;
    /// The rollout (GET /v1/rollout; docs/rollouts.md): its plan, state, step and newest scorecard.
    RolloutStatus rollout() const;
    /// The rollout API in-process, for the host's own load tests that drive a rollout: GET /v1/rollout,
    /// PUT /v1/rollout, POST /v1/rollout/{action} exactly as over HTTP (same validation, events, audit, with
    /// `actor`); 404 for any other path.
    AdminResponse rollout_call(std::string_view method, std::string_view path, const std::string& body,
                               const std::string& actor);
    /// Appends an event (id and time assigned), writes it to the audit log when it has an actor other than
    /// "agent", and pushes it to stream subscribers. Returns the stored event.
    Event publish_event(Event e);
    Snapshot snapshot(int window_s) const;
    std::string metrics_text() const;
    std::shared_ptr<prometheus::Collectable> collectable();
    /// Closes the epoch `epoch` (unix seconds) now; for hosts/tests that run with options.clock = false.
    void close_epoch(std::int64_t epoch);

    std::uint16_t admin_port() const;  // 0 before start() or without admin server
    std::string admin_url() const;     // "http://HOST:PORT" with the bound host ("0.0.0.0" stays "0.0.0.0")
    const std::string& agent_id() const;
    const AgentOptions& options() const;
    std::string token_path(Role role) const;  // file holding the viewer/operator token
    /// The base URL of the host's API ("http://127.0.0.1:8080"), once it listens; served as /v1/info's
    /// api_url so clients (the dashboard's load runs) know which API this agent measures. Any thread.
    void set_api_url(std::string url);
    std::string api_url() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace redline::agent
