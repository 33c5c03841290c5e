// The agent's admin HTTP/1.1 server on Boost.Beast: one io_context on its own thread, async accept with a
// connection cap, per-connection read/idle timeouts, header (431) and body (413) limits, keep-alive, and
// server-sent-event streams with a bounded per-connection queue. What a request means is decided by the
// `dispatch` hook (see AdminApi); this class only moves bytes.
//
// Threading: the constructor binds (configuration thread). start() launches the io thread; every hook
// (dispatch, snapshot_json) runs on that thread. stop() may be called from any thread except the io thread
// and is idempotent. port()/connections() are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "agents/agent/agent.h"

namespace redline::agent {

class EventLog;
class ErrorReporter;

/// One parsed request as the server hands it to dispatch.
struct HttpIn {
    AdminRequest req;           // method, path, decoded query, body, remote (role not yet set)
    std::string target;         // raw request target
    std::string authorization;  // Authorization header
    std::string last_event_id;  // Last-Event-ID header
    std::string content_type;
    bool query_ok = true;  // false when the query string was not valid percent-encoding
};

/// Splits an origin-form request target into in.req.path (percent-decoded) and in.req.query (decoded; sets
/// in.query_ok = false on bad percent-encoding there). False when the target is not an absolute path or its
/// path has malformed percent-encoding (the server answers 400). Used by the server and the fuzz targets.
bool parse_target(std::string_view target, HttpIn& in);

/// Parameters of an accepted /v1/stream request.
struct StreamSpec {
    int interval_ms = 1000;
    int window_s = 1;
    std::uint64_t events_after = 0;  // events with a greater id are replayed, then new ones follow
};

struct Dispatch {
    AdminResponse response;
    std::optional<StreamSpec> stream;  // set: switch this connection to an SSE stream (response ignored)
};

class AdminServer {
  public:
    struct Options {
        std::string address = "127.0.0.1";
        std::uint16_t port = 0;
        std::size_t max_connections = 64;
        std::size_t max_header_bytes = 8 * 1024;
        std::size_t max_body_bytes = 64 * 1024;
        std::chrono::milliseconds read_timeout{10'000};
        std::chrono::milliseconds idle_timeout{60'000};
        std::size_t stream_queue_bytes =
            4 * 1024 * 1024;                        // a stream whose unsent backlog exceeds this is dropped
        std::chrono::seconds keep_alive_every{15};  // ": keep-alive" comment when nothing else was sent
    };
    struct Hooks {
        std::function<Dispatch(HttpIn&)> dispatch;
        std::function<std::string(int window_s)> snapshot_json;  // Snapshot JSON text for a stream tick
    };

    /// Binds and listens. Throws ConfigError when the address is invalid or the port cannot be bound.
    AdminServer(Options options, Hooks hooks, EventLog& events, ErrorReporter& errors);
    ~AdminServer();  // stop()s
    AdminServer(const AdminServer&) = delete;
    AdminServer& operator=(const AdminServer&) = delete;

    void start();
    void stop();
    std::uint16_t port() const;
    std::size_t connections() const;  // open connections now (HTTP + streams)
    std::size_t rejected() const;     // connections closed at accept because of the cap
    std::size_t streams() const;      // open SSE streams now

    struct Core;  // implementation (admin_server.cpp); public only so the session classes there can name it

  private:
    std::shared_ptr<Core> core_;
};

}  // namespace redline::agent
