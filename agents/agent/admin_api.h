// Routing, authentication and the built-in endpoints of the admin API (docs/architecture.md,
// docs/openapi.yaml): /healthz, /metrics, /v1/info, /v1/snapshot, /v1/stream, /v1/events, GET/PUT
// /v1/<control> and the handlers a host added. Decides 404 / 405 (+Allow) / 401 (+WWW-Authenticate) / 403 /
// 415 / 400 (unknown or repeated query parameter) before any handler runs.
//
// Host handlers are matched on exact path templates: "/v1/loadtests" matches only that path,
// "/v1/loadtests/{id}" matches one more non-empty segment and hands it over as AdminRequest::params["id"].
// When several templates match, the one with a literal segment where the others have a parameter wins
// (leftmost difference decides). 405's Allow lists exactly the methods registered on the matching template.
//
// Threading: dispatch() runs on the admin server's io thread; the referenced stores are thread-safe.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "agents/agent/admin_server.h"
#include "agents/agent/admin_types.h"

namespace redline::agent {

class TokenStore;
class ControlStore;
class EventLog;
class ErrorReporter;

/// A parsed path template: "/v1/loadtests/{id}" -> segments {"v1", "loadtests", "{id}"}.
struct PathTemplate {
    std::string text;                   // as registered
    std::vector<std::string> segments;  // literal text, or "{name}" for a parameter
    /// Parses and validates: starts with '/', no empty segment, a parameter is a whole segment "{name}" with
    /// name [a-z_][a-z0-9_]* and unique. Throws ConfigError otherwise.
    static PathTemplate parse(const std::string& text);
    /// Matches `path` segment by segment; fills `params` on success.
    bool match(const std::string& path, std::map<std::string, std::string>* params) const;
    /// Same shape (parameter names ignored): two templates that match exactly the same paths.
    bool same_shape(const PathTemplate& other) const;
    bool has_params() const;
};

struct HostHandler {
    std::string method;
    PathTemplate path;
    Role min_role = Role::Operator;
    AdminHandler handler;
    std::vector<std::string> query;  // accepted query parameter names; others are answered 400
};

class AdminApi {
  public:
    struct Context {
        const AgentOptions* options = nullptr;
        const TokenStore* tokens = nullptr;
        ControlStore* controls = nullptr;
        EventLog* events = nullptr;
        ErrorReporter* errors = nullptr;
        std::function<std::string(int window_s)> snapshot_json;
        std::function<std::string()> metrics_text;
        std::function<std::string()> metrics_protobuf;  // empty: /metrics always answers text
        std::function<nlohmann::json(Role caller)> info_json;
    };

    AdminApi(Context ctx, std::vector<HostHandler> handlers);
    /// Header-time half of dispatch (AdminServer::Hooks::admit): routing (404/405), the duplicate-free
    /// Authorization header against the role the route needs (401/403). Sets in.req.role. Needs no body.
    std::optional<AdminResponse> admit(HttpIn& in) const;
    /// The whole request: admit() again (so dispatch alone is safe), then 415/400 and the handler.
    Dispatch dispatch(HttpIn& in);

  private:
    struct Route;
    Route find(const std::string& path, const std::string& method) const;
    bool authorize(HttpIn& in, Dispatch& d) const;  // false: d.response is the refusal
    AdminResponse builtin(const std::string& path, HttpIn& in, Role role, Dispatch& out);
    AdminResponse post_event(HttpIn& in, Role role);

    Context ctx_;
    std::vector<HostHandler> handlers_;
};

/// Parses a window "Ns", N = 1..60 (any sum of the agent's 60 one-second slots); nullopt otherwise.
std::optional<int> parse_window(std::string_view s);

}  // namespace redline::agent
