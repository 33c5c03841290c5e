// The agent's admin HTTP/1.1 server on Boost.Beast: one io_context on its own thread, async accept, header
// (431) and body (413) limits, strict framing (core/http_framing.h), keep-alive, and server-sent-event
// streams with a bounded per-connection queue. What a request means is decided by the `admit` and `dispatch`
// hooks (see AdminApi); this class only moves bytes and budgets connections.
//
// Connection budgets (no slot can be hoarded; docs/architecture.md "Admin connection budgets"):
// - pending: a connection that has not yet sent a complete request header holds no request slot. It must
//   send it within header_timeout of being accepted. At most max_pending are pending; when a new connection
//   arrives with the budget full, the OLDEST pending one is closed (a real client sends its request at once;
//   a slowloris connection is old). Accept never stalls: EMFILE/ENFILE on accept also evicts the oldest
//   pending (else the longest-idle) connection and accepts again.
// - request slots (max_connections): taken when a request header is complete, held while the request is
//   read, handled and answered and while the connection idles in keep-alive. When a request needs a slot at
//   capacity, the longest-idle keep-alive connection is closed for it; when none is idle, 503 + Retry-After.
// - streams: an accepted /v1/stream gives its request slot back and counts against its role's stream cap
//   (max_streams_per_role); over the cap the stream request is answered 429 + Retry-After.
// - authorization happens at header time (the `admit` hook) so a request that will be refused is answered
//   and closed without waiting for its body.
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

#include "agents/agent/admin_types.h"
#include "agents/agent/types.h"

namespace redline::agent {

class EventLog;
class ErrorReporter;

/// One parsed request as the server hands it to dispatch.
struct HttpIn {
    AdminRequest req;           // method, path, decoded query, body, remote (role not yet set)
    std::string target;         // raw request target
    std::string authorization;  // Authorization header
    std::string last_event_id;  // Last-Event-ID header
    std::string actor;          // Redline-Actor header: who acts, named in the audit line (role:actor)
    bool has_actor = false;     // the header was sent (an empty value is refused)
    std::string content_type;
    std::string accept;    // Accept header(s), several joined with ',' (content negotiation of /metrics)
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
    Role role = Role::None;          // whose stream cap it counts against
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
        std::size_t max_connections = 64;       // request slots (see the budgets above); streams not included
        std::size_t max_pending = 1024;         // connections without a complete request header yet
        std::size_t max_streams_per_role = 64;  // open /v1/stream per role (viewer, operator, none)
        std::size_t max_header_bytes = 8 * 1024;
        std::size_t max_body_bytes = 64 * 1024;
        std::chrono::milliseconds header_timeout{5'000};  // accept (or first byte) -> complete header
        std::chrono::milliseconds read_timeout{10'000};   // accept (or first byte) -> complete body
        std::chrono::milliseconds idle_timeout{60'000};
        std::chrono::seconds busy_retry_after{1};     // Retry-After of a 503 when every request slot is busy
        std::chrono::seconds stream_retry_after{10};  // Retry-After of a 429 over the stream cap
        std::size_t stream_queue_bytes =
            4 * 1024 * 1024;                        // a stream whose unsent backlog exceeds this is dropped
        std::chrono::seconds keep_alive_every{15};  // ": keep-alive" comment when nothing else was sent
    };
    struct Hooks {
        /// Called when a request header is complete, before any body byte is read (in.req.body is empty):
        /// routing and authorization. A response is sent and the connection closed when the request has a
        /// body still to come; std::nullopt lets the request go on to dispatch. Optional.
        std::function<std::optional<AdminResponse>(HttpIn&)> admit;
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
    std::size_t connections() const;  // open connections now (pending + request + streams)
    std::size_t pending() const;      // open connections without a complete request header yet
    std::size_t requests() const;     // request slots in use (active + idle keep-alive)
    std::size_t rejected() const;     // connections closed to make room (evicted) or refused (503, 429)
    std::size_t streams() const;      // open SSE streams now

    struct Core;  // implementation (admin_server.cpp); public only so the session classes there can name it

  private:
    std::shared_ptr<Core> core_;
};

}  // namespace redline::agent
