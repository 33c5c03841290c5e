// Fuzz target: what redline-proxy parses from outside. The first byte selects:
//   0: the JSON configuration (agents/proxy/proxy_config.h) — an accepted config re-validates the same way;
//   1: a routes document (OpenAPI JSON, OpenAPI YAML or a template list, by the second byte) followed by
//      match() of paths taken from the rest — a match is always a template index or the catch-all;
//   2: a client request through the parser in forwarding mode (keep_fields) and build_upstream_request() —
//      the upstream request is parsed again by the same strict parser and never carries a hop-by-hop field;
//   3: response fields through the cache rules (proxy_cache.h) — a stored entry reads back the same.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "agents/proxy/forwarding.h"
#include "agents/proxy/proxy_cache.h"
#include "agents/proxy/proxy_config.h"
#include "agents/proxy/route_table.h"
#include "agents/sample_server/request_parser.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace http = boost::beast::http;
using redline::sample::HttpRequest;
using redline::sample::RequestParser;

void fuzz_config(std::string_view text) {
    const auto r = redline::proxy::parse_config_json(std::string(text));
    if (r.config.has_value() == !r.error.empty()) std::abort();  // exactly one of value and error
}

void fuzz_routes(redline::fuzz::Input& in) {
    static const char* kNames[] = {"routes.json", "routes.yaml", "routes.txt"};
    const char* name = kNames[in.size ? in.take_byte() % 3 : 2];
    const std::string_view rest = in.rest();
    const auto split = rest.find('\n');
    std::string doc(rest.substr(0, split == std::string_view::npos ? rest.size() : split));
    for (auto& c : doc)
        if (c == '\x01') c = '\n';  // documents are multi-line: \x01 stands for a newline
    redline::proxy::RouteTable t;
    t.load_text(name, doc);
    if (t.size() > redline::proxy::kMaxRoutes) std::abort();
    std::string_view paths = split == std::string_view::npos ? std::string_view() : rest.substr(split + 1);
    for (int i = 0; i < 64 && !paths.empty(); ++i) {
        const auto nl = paths.find('\n');
        const std::string_view p = paths.substr(0, nl);
        for (std::size_t m = 0; m < redline::proxy::kMethods.size(); ++m)
            if (t.match(p, m) > t.size()) std::abort();
        paths = nl == std::string_view::npos ? std::string_view() : paths.substr(nl + 1);
    }
}

/// Parses one request from `wire` in forwarding mode; true when complete.
bool parse_one(std::string_view wire, HttpRequest& req) {
    req.reset();
    req.remote_ip = "127.0.0.1";
    RequestParser parser(req, 16 * 1024, 64 * 1024, true);
    boost::beast::error_code ec;
    parser.put(boost::asio::const_buffer(wire.data(), wire.size()), ec);
    if (ec || !parser.is_done()) return false;
    req.keep_alive = parser.keep_alive();
    return true;
}

void fuzz_request(std::string_view wire) {
    HttpRequest req;
    if (!parse_one(wire, req)) return;
    std::string out;
    redline::proxy::build_upstream_request(req, "127.0.0.1:9", out);
    HttpRequest again;
    // What the proxy sends upstream is itself a well-framed request (methods Beast knows as verbs only).
    if (req.method != http::verb::unknown && !parse_one(out, again)) std::abort();
    if (req.method != http::verb::unknown) {
        if (again.body != req.body) std::abort();
        if (!again.connection.empty()) std::abort();  // Connection is hop-by-hop: never forwarded
    }
}

void fuzz_cache(std::string_view fields) {
    const auto life = redline::proxy::cacheable_for_ms(fields);
    if (life && *life <= 0) std::abort();
    redline::proxy::request_bypasses_cache(fields);
    const std::string entry = redline::proxy::make_cache_entry(1'000'000, fields, "body");
    std::string_view f, b;
    // A field list holding NUL cannot be split back; every other must round-trip.
    if (fields.find('\0') == std::string_view::npos &&
        (!redline::proxy::read_cache_entry(entry, 0, f, b) || f != fields || b != "body"))
        std::abort();
    if (redline::proxy::read_cache_entry(entry, 1'000'000, f, b)) std::abort();  // expired
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    redline::fuzz::Input in{data, size};
    if (in.size == 0) return 0;
    switch (in.take_byte() % 4) {
        case 0:
            fuzz_config(in.rest());
            break;
        case 1:
            fuzz_routes(in);
            break;
        case 2:
            fuzz_request(in.rest());
            break;
        default:
            fuzz_cache(in.rest());
            break;
    }
    return 0;
}
