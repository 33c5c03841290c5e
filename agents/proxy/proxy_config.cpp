#include "agents/proxy/proxy_config.h"

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "agents/proxy/route_table.h"
#include "agents/sample_server/listener.h"
#include "core/json_strict.h"
#include "core/url.h"

namespace redline::proxy {

namespace {

using json = nlohmann::json;
using Ms = std::chrono::milliseconds;

/// One key's reader: checks the type and range of `v`, stores it, returns an error message or "".
using KeyFn = std::function<std::string(const json& v)>;
using Schema = std::map<std::string, KeyFn>;

template <class T>
KeyFn integer(T& dst, std::int64_t min, std::int64_t max) {
    return [&dst, min, max](const json& v) -> std::string {
        if (!v.is_number_integer() || v.get<std::int64_t>() < min || v.get<std::int64_t>() > max)
            return "must be an integer " + std::to_string(min) + "-" + std::to_string(max);
        dst = static_cast<T>(v.get<std::int64_t>());
        return {};
    };
}

KeyFn millis(Ms& dst, std::int64_t min = 1, std::int64_t max = 86'400'000) {
    return [&dst, min, max](const json& v) -> std::string {
        if (!v.is_number_integer() || v.get<std::int64_t>() < min || v.get<std::int64_t>() > max)
            return "must be an integer " + std::to_string(min) + "-" + std::to_string(max) + " (ms)";
        dst = Ms(v.get<std::int64_t>());
        return {};
    };
}

KeyFn string_key(std::string& dst, bool allow_empty = false) {
    return [&dst, allow_empty](const json& v) -> std::string {
        if (!v.is_string() || (!allow_empty && v.get<std::string>().empty()))
            return "must be a non-empty string";
        dst = v.get<std::string>();
        return {};
    };
}

KeyFn boolean(bool& dst) {
    return [&dst](const json& v) -> std::string {
        if (!v.is_boolean()) return "must be true or false";
        dst = v.get<bool>();
        return {};
    };
}

KeyFn strings(std::vector<std::string>& dst) {
    return [&dst](const json& v) -> std::string {
        if (!v.is_array()) return "must be an array of strings";
        dst.clear();
        for (const auto& e : v) {
            if (!e.is_string() || e.get<std::string>().empty())
                return "must be an array of non-empty strings";
            dst.push_back(e.get<std::string>());
        }
        return {};
    };
}

/// Walks `obj` with `schema`; the first problem found is returned as "path: message".
std::string walk(const json& obj, const std::string& path, const Schema& schema) {
    if (!obj.is_object()) return (path.empty() ? std::string("config") : path) + ": must be an object";
    for (const auto& [key, value] : obj.items()) {
        const std::string at = path.empty() ? key : path + "." + key;
        const auto it = schema.find(key);
        if (it == schema.end()) return at + ": unknown field";
        if (std::string why = it->second(value); !why.empty())
            return why.find(": ") != std::string::npos && why.rfind(at, 0) == 0 ? why : at + ": " + why;
    }
    return {};
}

KeyFn section(const std::string& name, Schema schema) {
    return [name, schema = std::move(schema)](const json& v) { return walk(v, name, schema); };
}

std::string check_upstream(const std::string& url, const char* pool) {
    std::string why;
    const auto t = parse_target_url(url, &why);
    if (!t)
        return std::string("upstreams.") + pool + ": '" + url + "' is not an http://host:port URL (" + why +
               ")";
    boost::system::error_code ec;
    boost::asio::ip::make_address(t->host == "localhost" ? "127.0.0.1" : t->host, ec);
    if (ec)
        return std::string("upstreams.") + pool + ": '" + url +
               "': the host must be a literal IP address or localhost (the proxy resolves no names)";
    return {};
}

/// Final checks on a merged config (file + flags).
std::string validate(const ProxyConfig& c) {
    std::string h;
    std::uint16_t p = 0;
    if (!sample::split_host_port(c.listen, h, p)) return "listen: '" + c.listen + "' is not HOST:PORT";
    if (!c.admin_listen.empty() && !sample::split_host_port(c.admin_listen, h, p))
        return "admin_listen: '" + c.admin_listen + "' is not HOST:PORT";
    if (c.data_dir.empty()) return "data_dir: is required (--data-dir DIR)";
    if (c.stable.empty()) return "upstreams.stable: at least one backend is required (--upstream stable=URL)";
    for (const auto& u : c.stable)
        if (auto e = check_upstream(u, "stable"); !e.empty()) return e;
    for (const auto& u : c.canary)
        if (auto e = check_upstream(u, "canary"); !e.empty()) return e;
    // One backend listed twice would get twice the share of its pool (or serve both versions of a canary).
    std::set<std::string> seen;
    for (const auto* pool : {&c.stable, &c.canary})
        for (const auto& u : *pool)
            if (!seen.insert(u).second)
                return std::string("upstreams.") + (pool == &c.stable ? "stable" : "canary") + ": '" + u +
                       "' is listed more than once (in stable and canary together)";
    RouteTable routes;  // the same checks the proxy makes when it builds its table
    for (const auto& r : c.routes)
        if (auto e = routes.add(r); !e.empty()) return "routes: " + e;
    if (!c.routes_file.empty())
        if (auto e = routes.load_file(c.routes_file); !e.empty()) return "routes_file: " + e;
    if (c.health_path.empty() || c.health_path.front() != '/')
        return "health_check.path: must start with '/'";
    if (c.max_ejection < c.base_ejection)
        return "circuit_breaker.max_ejection_ms: must be at least base_ejection_ms";
    return {};
}

std::vector<std::string> split_commas(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    std::string part;
    while (std::getline(in, part, ','))
        out.push_back(part);
    return out;
}

}  // namespace

ConfigResult parse_config_json(const std::string& text, ProxyConfig base) {
    ConfigResult r;
    auto doc = parse_json_strict(text);
    if (!doc.ok()) {
        r.error = join_field_errors(doc.errors());
        return r;
    }
    ProxyConfig c = std::move(base);
    const Schema schema = {
        {"listen", string_key(c.listen)},
        {"admin_listen", string_key(c.admin_listen, true)},
        {"data_dir", string_key(c.data_dir)},
        {"threads", integer(c.threads, 1, 256)},
        {"routes", strings(c.routes)},
        {"routes_file", string_key(c.routes_file)},
        {"cache_routes", strings(c.cache_routes)},
        {"record", boolean(c.record)},
        {"upstreams", section("upstreams", {{"stable", strings(c.stable)},
                                            {"canary", strings(c.canary)},
                                            {"canary_fallback", boolean(c.canary_fallback)}})},
        {"timeouts_ms", section("timeouts_ms", {{"connect", millis(c.connect_timeout)},
                                                {"request", millis(c.request_timeout)},
                                                {"client_read", millis(c.client_read_timeout)},
                                                {"client_idle", millis(c.client_idle_timeout)},
                                                {"upstream_idle", millis(c.upstream_idle_timeout)},
                                                {"drain", millis(c.drain_timeout)}})},
        {"limits", section("limits", {{"max_connections", integer(c.max_connections, 1, 1'000'000)},
                                      {"max_inflight", integer(c.max_inflight, 1, 1'000'000)},
                                      {"max_header_bytes", integer(c.max_header_bytes, 256, 1 << 20)},
                                      {"max_body_bytes", integer(c.max_body_bytes, 0, 256 << 20)},
                                      {"max_response_bytes", integer(c.max_response_bytes, 1024, 1 << 30)},
                                      {"max_idle_per_backend", integer(c.max_idle_per_backend, 0, 4096)}})},
        {"health_check", section("health_check", {{"enabled", boolean(c.health_enabled)},
                                                  {"path", string_key(c.health_path)},
                                                  {"interval_ms", millis(c.health_interval, 10)},
                                                  {"timeout_ms", millis(c.health_timeout)},
                                                  {"unhealthy_after", integer(c.unhealthy_after, 1, 100)},
                                                  {"healthy_after", integer(c.healthy_after, 1, 100)}})},
        {"circuit_breaker",
         section("circuit_breaker", {{"failures", integer(c.eject_after_failures, 1, 1000)},
                                     {"base_ejection_ms", millis(c.base_ejection)},
                                     {"max_ejection_ms", millis(c.max_ejection)}})},
        {"retries", section("retries", {{"max_attempts", integer(c.max_attempts, 1, 5)},
                                        {"budget_percent", integer(c.retry_budget_percent, 0, 100)}})},
    };
    if (std::string why = walk(doc.value(), "", schema); !why.empty()) {
        r.error = why;
        return r;
    }
    r.config = std::move(c);
    return r;
}

std::string proxy_usage_text() {
    return R"(usage: redline-proxy [--config FILE] --data-dir DIR --upstream stable=URL[,URL...] [options]

  --config FILE               JSON configuration (schema: docs/proxy.md); flags below override it
  --listen HOST:PORT          proxy address (default 127.0.0.1:8081; port 0 = any)
  --admin-listen HOST:PORT    agent admin address (default 127.0.0.1:9465; port 0 = any)
  --data-dir DIR              agent tokens, control state, audit log (required)
  --upstream POOL=URL[,URL]   backends of pool "stable" (required) or "canary"; http:// only; repeatable
  --routes FILE               route templates: an OpenAPI file (.yaml/.yml/.json: its paths) or one
                              template a line (/v1/products/{id})
  --route TEMPLATE            one route template (repeatable)
  --threads N                 worker threads, one io_context each (default: number of cores)
  --no-canary-fallback        canary pool without a usable backend answers 503 (default: use stable)
  --health-path PATH          active health check path (default /healthz)
  --health-interval-ms N      active health check interval (default 1000)
  --connect-timeout-ms N      upstream connect timeout (default 1000)
  --request-timeout-ms N      upstream response timeout (default 15000)
  --no-record                 do not record requests in the agent
  --help                      this text

Exit status: 0 after a clean stop, 1 when it cannot start, 2 for a bad command line or configuration.
Once serving, prints one line on stdout:
  REDLINE_READY api=http://HOST:PORT admin=http://HOST:PORT data_dir=DIR
)";
}

ConfigResult parse_proxy_args(const std::vector<std::string>& args) {
    ConfigResult r;
    ProxyConfig c;
    // --config first, so every flag overrides the file whatever the order.
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string file;
        if (args[i] == "--config" && i + 1 < args.size())
            file = args[i + 1];
        else if (args[i].rfind("--config=", 0) == 0)
            file = args[i].substr(9);
        else
            continue;
        std::ifstream in(file);
        if (!in) {
            r.error = "cannot read config file '" + file + "'";
            return r;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        auto parsed = parse_config_json(ss.str(), c);
        if (!parsed.config) {
            r.error = "config " + file + ": " + parsed.error;
            return r;
        }
        c = std::move(*parsed.config);
    }
    bool stable_from_flags = false, canary_from_flags = false;
    auto ms = [](Ms& dst, std::int64_t min) {
        return [&dst, min](const std::string& v) {
            std::int64_t n = 0;
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec != std::errc() || p != v.data() + v.size() || n < min || n > 86'400'000) return false;
            dst = Ms(n);
            return true;
        };
    };
    const std::map<std::string, std::function<bool(const std::string&)>> with_value = {
        {"--config", [](const std::string&) { return true; }},
        {"--listen", [&](const std::string& v) { return !(c.listen = v).empty(); }},
        {"--admin-listen", [&](const std::string& v) { return (c.admin_listen = v), true; }},
        {"--data-dir", [&](const std::string& v) { return !(c.data_dir = v).empty(); }},
        {"--routes", [&](const std::string& v) { return !(c.routes_file = v).empty(); }},
        {"--route",
         [&](const std::string& v) {
             c.routes.push_back(v);
             return !v.empty();
         }},
        {"--health-path", [&](const std::string& v) { return !(c.health_path = v).empty(); }},
        {"--health-interval-ms", ms(c.health_interval, 10)},
        {"--connect-timeout-ms", ms(c.connect_timeout, 1)},
        {"--request-timeout-ms", ms(c.request_timeout, 1)},
        {"--threads",
         [&](const std::string& v) {
             auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), c.threads);
             return ec == std::errc() && p == v.data() + v.size() && c.threads >= 1 && c.threads <= 256;
         }},
        {"--upstream",
         [&](const std::string& v) {
             const auto eq = v.find('=');
             if (eq == std::string::npos) return false;
             const std::string pool = v.substr(0, eq);
             auto urls = split_commas(v.substr(eq + 1));
             if (urls.empty()) return false;
             std::vector<std::string>* dst = nullptr;
             if (pool == "stable") {
                 if (!stable_from_flags) c.stable.clear();
                 stable_from_flags = true;
                 dst = &c.stable;
             } else if (pool == "canary") {
                 if (!canary_from_flags) c.canary.clear();
                 canary_from_flags = true;
                 dst = &c.canary;
             } else {
                 return false;
             }
             dst->insert(dst->end(), urls.begin(), urls.end());
             return true;
         }},
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string name = args[i], value;
        bool has_inline = false;
        if (const auto eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            has_inline = true;
        }
        if (name == "--help" || name == "-h") {
            c.help = true;
            r.config = c;
            return r;
        }
        if (name == "--no-record" || name == "--no-canary-fallback") {
            (name == "--no-record" ? c.record : c.canary_fallback) = false;
            continue;
        }
        const auto it = with_value.find(name);
        if (it == with_value.end()) {
            r.error = "unknown option '" + name + "'";
            return r;
        }
        if (!has_inline) {
            if (i + 1 >= args.size()) {
                r.error = "option " + name + " needs a value";
                return r;
            }
            value = args[++i];
        }
        if (!it->second(value)) {
            r.error = "invalid value '" + value + "' for " + name;
            return r;
        }
    }
    if (std::string why = validate(c); !why.empty()) {
        r.error = why;
        return r;
    }
    r.config = std::move(c);
    return r;
}

}  // namespace redline::proxy
