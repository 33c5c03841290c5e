// Routing, authentication and the built-in endpoints of the admin API (docs/architecture.md,
// docs/openapi.yaml): /healthz, /metrics, /v1/info, /v1/snapshot, /v1/stream, /v1/events, GET/PUT
// /v1/<control> and the handlers a host added. Decides 404 / 405 (+Allow) / 401 (+WWW-Authenticate) / 403 /
// 400 / 415 before any handler runs.
//
// Threading: dispatch() runs on the admin server's io thread; the referenced stores are thread-safe.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agents/agent/admin_server.h"
#include "agents/agent/agent.h"

namespace redline::agent {

class TokenStore;
class ControlStore;
class EventLog;
class ErrorReporter;

struct HostHandler {
    std::string method;
    std::string path_prefix;
    Role min_role = Role::Operator;
    AdminHandler handler;
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
        std::function<nlohmann::json(Role caller)> info_json;
    };

    AdminApi(Context ctx, std::vector<HostHandler> handlers);
    Dispatch dispatch(HttpIn& in);

  private:
    struct Route;
    Route find(const std::string& path) const;
    AdminResponse builtin(const std::string& path, HttpIn& in, Role role, Dispatch& out);

    Context ctx_;
    std::vector<HostHandler> handlers_;
};

/// Parses a window "Ns", N = 1..60 (any sum of the agent's 60 one-second slots); nullopt otherwise.
std::optional<int> parse_window(std::string_view s);

}  // namespace redline::agent
