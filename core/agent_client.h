// Client for an agent's admin API over libcurl: one-shot calls (the SSE parser and the stream consumer have
// their own headers, core/sse_parser.h and core/stream_consumer.h).
// Transport errors (connection refused, timeout, TLS) are kept apart from HTTP statuses and problem details.
//
// Threading: an AgentClient is used by one thread at a time (it owns one CURL easy handle, reused for
// keep-alive). // curl_global_init must have run once (CurlGlobal in main, or the first AgentClient does it
// under call_once).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/control.h"
#include "core/event.h"
#include "core/problem.h"
#include "core/snapshot.h"

namespace redline {

/// RAII for curl_global_init/cleanup; construct once in main before any thread starts.
class CurlGlobal {
  public:
    CurlGlobal();
    ~CurlGlobal();
    CurlGlobal(const CurlGlobal&) = delete;
    CurlGlobal& operator=(const CurlGlobal&) = delete;
};

struct HttpResponse {
    std::string transport_error;  // non-empty when no HTTP response was received (curl's message)
    long status = 0;              // HTTP status when a response was received
    std::string content_type;
    std::string body;
    bool transport_ok() const { return transport_error.empty(); }
};

/// Outcome of a typed call: a value, or exactly one of a transport error, a problem (HTTP error), or a
/// protocol error (2xx with an unparsable body).
template <class T>
struct Result {
    std::optional<T> value;
    std::string transport_error;
    long http_status = 0;
    std::optional<Problem> problem;
    std::string protocol_error;
    std::string url;  // the request URL, named in error_message()

    bool ok() const { return value.has_value(); }
    /// One line for users: "cannot reach http://...: Connection refused", "403 Forbidden: ...".
    std::string error_message() const;
};

/// One upstream backend of a forwarding host (redline-proxy's /v1/info "proxy" member, docs/proxy.md).
struct ProxyBackend {
    std::string pool;     // "stable" | "canary"
    std::string url;      // http://host:port
    std::string circuit;  // "closed" | "open" | "half-open"
    bool healthy = true;  // the active health check's verdict
    std::int64_t outstanding = 0, requests = 0, failures = 0, consecutive_failures = 0, ejections = 0;
    bool operator==(const ProxyBackend&) const = default;
};
struct ProxyInfo {
    std::vector<ProxyBackend> backends;  // stable pool first, then canary
    bool canary_fallback = true;
    std::string health_path;
    std::int64_t health_interval_ms = 0;  // 0: no active health check
    bool operator==(const ProxyInfo&) const = default;
};

struct AgentInfo {
    std::string agent_id, service, service_version, agent_version;
    std::int64_t started_ms = 0;
    std::vector<std::string> routes;    // route ids
    std::vector<std::string> versions;  // "stable", "canary"
    std::vector<std::string> controls;  // "limits", "canary", "cache", ...
    std::string role;                   // role of the token used: "viewer" | "operator"
    std::string api_url;                // the API this agent measures; empty when the host did not say
    std::optional<ProxyInfo> proxy;     // set when the host forwards to upstream pools (redline-proxy)
};
void from_json(const nlohmann::json& j, AgentInfo& v);
void to_json(nlohmann::json& j, const AgentInfo& v);

class AgentClient {
  public:
    /// base_url like "http://127.0.0.1:9464"; token may be empty.
    AgentClient(std::string base_url, std::string token,
                std::chrono::milliseconds timeout = std::chrono::seconds(5));
    ~AgentClient();
    AgentClient(const AgentClient&) = delete;
    AgentClient& operator=(const AgentClient&) = delete;

    HttpResponse request(std::string_view method, std::string_view path, std::string_view body = {},
                         std::string_view content_type = "application/json");

    /// Who acts through this client: sent as the Redline-Actor header on every PUT/POST/DELETE, so the
    /// agent's audit line and event say "operator:<name>", not only the token's role. Empty: not sent.
    void set_actor(std::string name) { actor_ = std::move(name); }
    const std::string& actor() const { return actor_; }

    Result<AgentInfo> info();
    Result<Snapshot> snapshot(int window_s = 1);
    Result<EventPage> events(std::uint64_t after = 0, int limit = 100);
    /// POST /v1/events (operator token): records a client's event (kind loadtest.*, threshold.*, annotation)
    /// in the agent's log, audited and streamed to every client; returns the stored event.
    Result<Event> post_event(const std::string& kind, const std::string& message,
                             const nlohmann::json& after = nullptr, const std::string& by = {});
    Result<std::string> metrics();
    Result<LimitsConfig> limits();
    Result<LimitsConfig> set_limits(const LimitsConfig& limits);
    Result<CanaryConfig> canary();
    Result<CanaryConfig> set_canary(const CanaryConfig& canary);
    /// Generic control resource ("cache", ...): GET/PUT /v1/<name>.
    Result<nlohmann::json> control(std::string_view name);
    Result<nlohmann::json> set_control(std::string_view name, const nlohmann::json& state);
    /// Any JSON call (POST /v1/loadtests, ...).
    Result<nlohmann::json> call_json(std::string_view method, std::string_view path,
                                     const nlohmann::json* body = nullptr);

    const std::string& base_url() const { return base_url_; }

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string base_url_;
    std::string actor_;
};

/// Reads a token file (first line, trimmed). Returns an empty optional and sets *error when unreadable.
std::optional<std::string> read_token_file(const std::string& path, std::string* error = nullptr);

}  // namespace redline
