// Value and transport types of the agent's public interface: its options, the request/response of a
// host-registered admin handler, and a control resource. Their own header so that the admin server, the API
// router and the control store need not include the Agent facade (includes point down).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agents/agent/types.h"
#include "core/problem.h"

namespace redline::agent {

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
    /// Who acts, for audit lines: "<role>" or "<role>:<Redline-Actor header>" (the header already validated).
    std::string actor;
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

}  // namespace redline::agent
