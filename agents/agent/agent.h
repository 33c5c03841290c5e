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
    // Admin connection budgets (docs/architecture.md "Admin connection budgets"): no slot can be hoarded.
    // Request connections at once: a connection takes a slot when a complete request header arrives and keeps
    // it while the request is served and while it idles in keep-alive. At capacity the longest-idle
    // keep-alive connection is closed for a new request; when none is idle the request gets 503 +
    // Retry-After. Streams and connections still sending their header are not counted here. Default 64.
    std::size_t max_connections = 64;
    // Connections that have not sent a complete request header yet (slowloris budget). When full, the OLDEST
    // pending connection is closed to admit the new one, so accept never stalls. Default 1024.
    std::size_t max_pending = 1024;
    // Open /v1/stream connections per role (viewer token, operator token); over it: 429 + Retry-After (10 s).
    // Streams hold no request slot. Default 64.
    std::size_t max_streams_per_role = 64;
    std::size_t max_header_bytes = 8 * 1024;  // larger: 431. Default 8 KiB.
    std::size_t max_body_bytes = 64 * 1024;   // larger: 413. Default 64 KiB.
    // From accept (or a keep-alive request's first byte) to the complete request line and headers; total,
    // not per byte. Default 5 s (capped by read_timeout).
    std::chrono::milliseconds header_timeout{5'000};
    // From the same start to the complete body. Default 10 s.
    std::chrono::milliseconds read_timeout{10'000};
    std::chrono::milliseconds idle_timeout{60'000};  // keep-alive connection with no request. Default 60 s.
    std::size_t event_log_capacity = 10'000;  // events kept in memory for /v1/events (audit file keeps all)
    bool clock = true;  // close epochs on the wall clock; false: host/tests call close_epoch()
    std::function<void(std::string_view)> on_error;  // runtime faults (also logged, rate-limited)
};

/// A request to a host-registered admin handler (already authenticated and size-checked).
struct AdminRequest {
    std::string method;                             // "GET", "PUT", ...
    std::string path;                               // "/v1/loadtests/42" (no query, percent-decoded)
    std::map<std::string, std::string> params;      // path template parameters: {"id": "42"}
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
