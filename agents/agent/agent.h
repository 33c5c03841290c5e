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

#include "agents/agent/types.h"
#include "core/control.h"
#include "core/event.h"
#include "core/problem.h"
#include "core/snapshot.h"

namespace prometheus {
class Collectable;
}

namespace redline::agent {

class Recorder;

struct AgentOptions {
    std::string service = "redline";
    std::string service_version = "0.1.0";
    std::string data_dir;                         // required: tokens, control state, audit log
    std::string admin_listen = "127.0.0.1:9464";  // host:port, port 0 = any; empty = no admin server
    bool require_auth = true;                     // false is refused on a non-loopback bind
    bool metrics_require_auth = false;            // /metrics open on loopback by default (Prometheus scrape)
    /// On a non-loopback admin bind /metrics requires the viewer token (metrics_require_auth is forced on)
    /// unless this is set: an explicit choice to let anyone who reaches the port read the metrics.
    bool metrics_open_beyond_loopback = false;
    std::size_t max_connections = 64;  // admin connections at once; more are closed at accept
    std::size_t max_header_bytes = 8 * 1024;
    std::size_t max_body_bytes = 64 * 1024;
    std::chrono::milliseconds read_timeout{10'000};  // a request's header and body must arrive within this
    std::chrono::milliseconds idle_timeout{60'000};  // keep-alive connection with no request
    std::size_t event_log_capacity = 10'000;  // events kept in memory for /v1/events (audit file keeps all)
    bool clock = true;  // close epochs on the wall clock; false: host/tests call close_epoch()
    std::function<void(std::string_view)> on_error;  // runtime faults (also logged, rate-limited)
};

/// A request to a host-registered admin handler (already authenticated and size-checked).
struct AdminRequest {
    std::string method;                             // "GET", "PUT", ...
    std::string path;                               // "/v1/loadtests/42" (no query)
    std::multimap<std::string, std::string> query;  // decoded
    std::string body;
    Role role = Role::None;
    std::string remote;  // "127.0.0.1:53422"
};

struct AdminResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;

    static AdminResponse json(int status, const nlohmann::json& body);
    static AdminResponse problem(const Problem& p);  // application/problem+json
};

using AdminHandler = std::function<AdminResponse(const AdminRequest&)>;

/// A piece of control state the agent owns: served at GET/PUT /v1/<name>, validated strictly, persisted
/// atomically, audited, echoed as an event "<name>.changed", and handed to the host through `apply`.
struct ControlResource {
    std::string name;        // URL segment, [a-z]+
    nlohmann::json initial;  // used when nothing is persisted
    /// Parses a PUT body into the normalised new state, or field errors (-> 400, no state change).
    std::function<Parsed<nlohmann::json>(const nlohmann::json& body)> validate;
    /// Hands the committed state to the host. Called once at start() and after every accepted change.
    std::function<void(const nlohmann::json& state)> apply;
    /// One-sentence description of a change for the event ("canary weight 5% -> 25%"); optional.
    std::function<std::string(const nlohmann::json& before, const nlohmann::json& after)> describe;
};

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
    /// Serves `method` on every path starting with `path_prefix` (e.g. "POST", "/v1/loadtests") for callers
    /// with at least `min_role`. Reads should use Viewer, mutations Operator.
    void add_handler(std::string method, std::string path_prefix, Role min_role, AdminHandler handler);
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
    void request_started(SeriesHandle h) noexcept;
    void request_finished(SeriesHandle h) noexcept;

    // ---- state (any thread) ----
    LimitsConfig limits() const;
    CanaryConfig canary() const;
    nlohmann::json control(std::string_view name) const;
    /// Appends an event (id and time assigned), writes it to the audit log when it has an actor other than
    /// "agent", and pushes it to stream subscribers. Returns the stored event.
    Event emit(Event e);
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

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace redline::agent
