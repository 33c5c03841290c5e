// Fuzz target: the agent's admin request path — HTTP parsing with the admin server's limits, target
// splitting (parse_target), then AdminApi::dispatch: routing, 404/405, bearer authentication, roles, query
// and body validation, and the control stores (limits, canary and a sample-server-like cache control)
// persisting into a temporary data directory with a real EventLog and audit file.
//
// Tokens are fixed (kOperatorToken / kViewerToken) so seeds and the fuzzer reach the authenticated paths.
// A /v1/stream request only yields a StreamSpec here; no stream is started. State persists across inputs
// (as it does across requests of a running agent); nothing in the target depends on it for correctness.
//
// Input: the raw bytes of one or more pipelined HTTP/1.1 requests.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "agents/agent/admin_api.h"
#include "agents/agent/admin_server.h"
#include "agents/agent/control_store.h"
#include "agents/agent/error_reporter.h"
#include "agents/agent/event_log.h"
#include "agents/agent/tokens.h"
#include "agents/sample_server/api.h"
#include "core/control.h"

namespace {

namespace http = boost::beast::http;
namespace fs = std::filesystem;
using namespace redline;
using namespace redline::agent;

// Two different tokens of >= 32 characters (what the agent requires of environment tokens).
constexpr const char* kOperatorToken = "fuzz-operator-token-0123456789abcdef0123";
constexpr const char* kViewerToken = "fuzz-viewer-token-fedcba9876543210fedcba";
constexpr int kMaxRequests = 16;

template <class T>
Parsed<nlohmann::json> to_state(const Parsed<T>& p) {
    if (!p.ok()) return {p.errors()};
    nlohmann::json j;
    to_json(j, p.value());
    return {std::move(j)};
}

/// Everything the admin API needs, created once per process in a fresh temporary data directory.
struct Fixture {
    Fixture() {
        spdlog::set_level(spdlog::level::off);
        std::string base = fs::exists("/dev/shm") ? "/dev/shm" : fs::temp_directory_path().string();
        std::string pattern = base + "/redline-fuzz-admin-XXXXXX";
        if (!::mkdtemp(pattern.data())) std::abort();
        dir = pattern;
        ::setenv("REDLINE_OPERATOR_TOKEN", kOperatorToken, 1);
        ::setenv("REDLINE_VIEWER_TOKEN", kViewerToken, 1);
        tokens.load(dir);
        events = std::make_unique<EventLog>(1000, (fs::path(dir) / "audit.jsonl").string());
        controls = std::make_unique<ControlStore>(dir, *events, errors);

        std::vector<std::string> routes(sample::route_ids().begin(), sample::route_ids().end());
        ControlResource limits;
        limits.name = "limits";
        limits.initial = LimitsConfig{};
        limits.validate = [routes](const nlohmann::json& body) {
            return to_state(parse_limits(body, routes));
        };
        controls->add(std::move(limits));
        ControlResource canary;
        canary.name = "canary";
        canary.initial = CanaryConfig{};
        canary.validate = [](const nlohmann::json& body) { return to_state(parse_canary(body)); };
        controls->add(std::move(canary));
        ControlResource cache;
        cache.name = "cache";
        cache.initial = CacheConfig{};
        cache.validate = [](const nlohmann::json& body) { return to_state(parse_cache(body)); };
        controls->add(std::move(cache));
        controls->load_and_apply();

        AdminApi::Context ctx;
        ctx.options = &options;
        ctx.tokens = &tokens;
        ctx.controls = controls.get();
        ctx.events = events.get();
        ctx.errors = &errors;
        ctx.snapshot_json = [](int window_s) { return "{\"window_s\":" + std::to_string(window_s) + "}"; };
        ctx.metrics_text = [] { return std::string("# EOF\n"); };
        ctx.info_json = [](Role r) { return nlohmann::json{{"role", std::string(to_string(r))}}; };
        std::vector<HostHandler> handlers;
        handlers.push_back(
            {"POST", PathTemplate::parse("/v1/cache/flush"), Role::Operator, [this](const AdminRequest& req) {
                 Event e;
                 e.kind = "cache.flushed";
                 e.actor = std::string(to_string(req.role));
                 e.message = "cache flushed (0 entries removed)";
                 events->append(e, true);
                 return AdminResponse::json(200, {{"flushed", 0}});
             }});
        api = std::make_unique<AdminApi>(std::move(ctx), std::move(handlers));
    }
    ~Fixture() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }

    std::string dir;
    AgentOptions options;  // require_auth, metrics_require_auth and the header/body caps as an agent has them
    TokenStore tokens;
    ErrorReporter errors;
    std::unique_ptr<EventLog> events;
    std::unique_ptr<ControlStore> controls;
    std::unique_ptr<AdminApi> api;
};

Fixture& fixture() {
    static Fixture f;
    return f;
}

/// What AdminServer's session does with a parsed request (admin_server.cpp on_request).
void handle(Fixture& f, http::request<http::string_body>& req) {
    HttpIn in;
    in.req.method = std::string(req.method_string());
    in.target = std::string(req.target());
    in.req.remote = "127.0.0.1:40000";
    if (!parse_target(in.target, in)) return;  // 400
    in.authorization = std::string(req[http::field::authorization]);
    in.last_event_id = std::string(req["Last-Event-ID"]);
    if (auto it = req.find("Redline-Actor"); it != req.end()) {
        in.has_actor = true;
        in.actor = std::string(it->value());
    }
    in.content_type = std::string(req[http::field::content_type]);
    in.req.body = std::move(req.body());
    Dispatch d;
    try {
        d = f.api->dispatch(in);
    } catch (const std::exception&) {
        return;  // the server answers 500; dispatch itself is not expected to throw, but the server copes
    }
    if (d.stream) return;  // a stream would start here; dropped
    const int s = d.response.status;
    if (s < 100 || s > 599) std::abort();
    // Every answer but a metrics page is JSON (or problem+json) that parses.
    if (d.response.content_type.find("json") != std::string::npos &&
        nlohmann::json::parse(d.response.body, nullptr, false).is_discarded())
        std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Fixture& f = fixture();
    boost::asio::const_buffer rest(data, size);
    for (int n = 0; n < kMaxRequests && rest.size() > 0; ++n) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(f.options.max_header_bytes));
        parser.body_limit(f.options.max_body_bytes);
        parser.eager(true);
        boost::beast::error_code ec;
        while (!parser.is_done()) {  // what http::async_read does with the bytes it has
            const std::size_t used = parser.put(rest, ec);
            rest += used;
            if (ec == http::error::need_more || (!ec && used == 0)) {
                boost::beast::error_code eof;
                if (parser.got_some()) parser.put_eof(eof);  // the client closed mid-request
                return 0;
            }
            if (ec) return 0;  // 400 / 413 / 431 and close
        }
        const bool keep_alive = parser.keep_alive();
        auto req = parser.release();
        handle(f, req);
        if (!keep_alive) break;
    }
    return 0;
}
