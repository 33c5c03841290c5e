#include "agents/agent/admin_api.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "agents/agent/control_store.h"
#include "agents/agent/error_reporter.h"
#include "agents/agent/event_log.h"
#include "agents/agent/tokens.h"
#include "core/json_strict.h"

namespace redline::agent {

namespace {

AdminResponse problem(int status, std::string title, std::string detail,
                      std::vector<FieldError> errors = {}) {
    Problem p = Problem::make(status, std::move(title), std::move(detail));
    p.errors = std::move(errors);
    return AdminResponse::problem(p);
}

template <class T>
std::optional<T> parse_int(std::string_view s) {
    T v{};
    if (s.empty()) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

/// Rejects unknown and repeated query parameters (strict, like the JSON bodies).
bool check_query(const HttpIn& in, std::initializer_list<std::string_view> allowed,
                 std::vector<FieldError>& errs) {
    if (!in.query_ok) errs.push_back({"query", "invalid percent-encoding"});
    std::set<std::string> seen;
    for (auto& [k, v] : in.req.query) {
        if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
            errs.push_back({k, "unknown query parameter"});
        else if (!seen.insert(k).second)
            errs.push_back({k, "given more than once"});
    }
    return errs.empty();
}

const std::string* query_value(const HttpIn& in, const std::string& key) {
    auto it = in.req.query.find(key);
    return it == in.req.query.end() ? nullptr : &it->second;
}

/// A missing Content-Type is tolerated (the body must still be JSON); any other media type is 415.
bool json_content_type(std::string_view ct) {
    return ct.empty() || is_json_media_type(ct);
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (auto& s : v)
        out += (out.empty() ? "" : ", ") + s;
    return out;
}

}  // namespace

std::optional<int> parse_window(std::string_view s) {
    // "Ns", N a decimal integer 1..60 without sign or leading zero: the agent keeps 60 one-second slots.
    if (s.size() < 2 || s.size() > 3 || s.back() != 's' || s.front() == '0') return std::nullopt;
    int n = 0;
    for (char c : s.substr(0, s.size() - 1)) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    if (n < 1 || n > 60) return std::nullopt;
    return n;
}

struct AdminApi::Route {
    enum Kind { None, Builtin, Control, Host };
    Kind kind = None;
    std::vector<std::string> allow;  // methods served on this path
};

AdminApi::AdminApi(Context ctx, std::vector<HostHandler> handlers)
    : ctx_(std::move(ctx)), handlers_(std::move(handlers)) {
    // Longest prefix first so "/v1/cache/flush" wins over a hypothetical "/v1/cache" handler.
    std::stable_sort(handlers_.begin(), handlers_.end(), [](const HostHandler& a, const HostHandler& b) {
        return a.path_prefix.size() > b.path_prefix.size();
    });
}

static bool prefix_matches(const std::string& prefix, const std::string& path) {
    if (path.size() < prefix.size() || path.compare(0, prefix.size(), prefix) != 0) return false;
    return path.size() == prefix.size() || path[prefix.size()] == '/' || prefix.back() == '/';
}

AdminApi::Route AdminApi::find(const std::string& path) const {
    Route r;
    static const std::set<std::string> kReads = {"/healthz",     "/metrics",   "/v1/info",
                                                 "/v1/snapshot", "/v1/stream", "/v1/events"};
    if (kReads.count(path)) {
        r.kind = Route::Builtin;
        r.allow = {"GET"};
        return r;
    }
    if (path.size() > 4 && path.compare(0, 4, "/v1/") == 0 &&
        ctx_.controls->has(std::string_view(path).substr(4))) {
        r.kind = Route::Control;
        r.allow = {"GET", "PUT"};
    }
    for (auto& h : handlers_) {
        if (!prefix_matches(h.path_prefix, path)) continue;
        if (r.kind == Route::None) r.kind = Route::Host;
        if (std::find(r.allow.begin(), r.allow.end(), h.method) == r.allow.end()) r.allow.push_back(h.method);
    }
    return r;
}

Dispatch AdminApi::dispatch(HttpIn& in) {
    Dispatch d;
    const std::string& path = in.req.path;
    const std::string& method = in.req.method;
    Route route = find(path);
    if (route.kind == Route::None) {
        d.response = problem(404, "Not Found", "no resource at " + path);
        return d;
    }
    if (std::find(route.allow.begin(), route.allow.end(), method) == route.allow.end()) {
        d.response = problem(405, "Method Not Allowed",
                             method + " is not allowed on " + path + "; allowed: " + join(route.allow));
        d.response.headers.emplace_back("Allow", join(route.allow));
        return d;
    }

    // Which role does this call need?
    Role need = Role::Viewer;
    const HostHandler* host = nullptr;
    const bool control_call = route.kind == Route::Control && (method == "GET" || method == "PUT");
    if (path == "/healthz") {
        need = Role::None;
    } else if (path == "/metrics") {
        need = ctx_.options->metrics_require_auth ? Role::Viewer : Role::None;
    } else if (control_call) {
        need = method == "GET" ? Role::Viewer : Role::Operator;
    } else if (route.kind != Route::Builtin) {
        for (auto& h : handlers_) {
            if (h.method == method && prefix_matches(h.path_prefix, path)) {
                host = &h;
                break;
            }
        }
        if (host) need = std::max(host->min_role, Role::Viewer);
    }

    Role role = ctx_.options->require_auth ? ctx_.tokens->authenticate(in.authorization) : Role::Operator;
    if (need != Role::None) {
        if (role == Role::None) {
            d.response = problem(401, "Unauthorized",
                                 in.authorization.empty()
                                     ? "a bearer token is required (Authorization: Bearer <token>)"
                                     : "the bearer token is not valid");
            d.response.headers.emplace_back("WWW-Authenticate",
                                            in.authorization.empty()
                                                ? "Bearer realm=\"redline-agent\""
                                                : "Bearer realm=\"redline-agent\", error=\"invalid_token\"");
            return d;
        }
        if (role < need) {
            d.response = problem(403, "Forbidden",
                                 method + " " + path + " needs the " + std::string(to_string(need)) +
                                     " token; this token has the " + std::string(to_string(role)) + " role");
            return d;
        }
    }
    in.req.role = role;

    if (method == "PUT" || method == "POST") {
        if (!json_content_type(in.content_type) && control_call) {
            d.response = problem(415, "Unsupported Media Type", "the body must be application/json");
            return d;
        }
    }

    if (control_call) {
        std::vector<FieldError> errs;
        if (!check_query(in, {}, errs)) {
            d.response = problem(400, "Bad Request", "invalid query", errs);
            return d;
        }
        std::string name = path.substr(4);
        if (method == "GET")
            d.response = AdminResponse::json(200, ctx_.controls->get(name));
        else
            d.response = ctx_.controls->put(name, in.req.body, role);
        return d;
    }
    if (host) {
        try {
            d.response = host->handler(in.req);
        } catch (const std::exception& ex) {
            ctx_.errors->report("handler " + method + " " + host->path_prefix + " threw: " + ex.what());
            d.response = problem(500, "Internal Server Error", "the request could not be handled");
        }
        return d;
    }
    d.response = builtin(path, in, role, d);
    return d;
}

AdminResponse AdminApi::builtin(const std::string& path, HttpIn& in, Role role, Dispatch& out) {
    std::vector<FieldError> errs;
    if (path == "/healthz") {
        if (!check_query(in, {}, errs)) return problem(400, "Bad Request", "invalid query", errs);
        return AdminResponse::json(200, {{"status", "ok"}});
    }
    if (path == "/metrics") {
        if (!check_query(in, {}, errs)) return problem(400, "Bad Request", "invalid query", errs);
        AdminResponse r;
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        r.body = ctx_.metrics_text();
        return r;
    }
    if (path == "/v1/info") {
        if (!check_query(in, {}, errs)) return problem(400, "Bad Request", "invalid query", errs);
        return AdminResponse::json(200, ctx_.info_json(role));
    }
    if (path == "/v1/snapshot") {
        check_query(in, {"window"}, errs);
        int window = 1;
        if (auto* w = query_value(in, "window")) {
            if (auto v = parse_window(*w))
                window = *v;
            else
                errs.push_back({"window", "must be Ns with N from 1 to 60 (e.g. 1s, 5s, 60s)"});
        }
        if (!errs.empty()) return problem(400, "Bad Request", "invalid query", errs);
        AdminResponse r;
        r.body = ctx_.snapshot_json(window);
        return r;
    }
    if (path == "/v1/events") {
        check_query(in, {"after", "limit"}, errs);
        std::uint64_t after = 0;
        int limit = 100;
        if (auto* a = query_value(in, "after")) {
            if (auto v = parse_int<std::uint64_t>(*a))
                after = *v;
            else
                errs.push_back({"after", "must be a non-negative integer"});
        }
        if (auto* l = query_value(in, "limit")) {
            auto v = parse_int<int>(*l);
            if (v && *v >= 1 && *v <= 1000)
                limit = *v;
            else
                errs.push_back({"limit", "must be an integer from 1 to 1000"});
        }
        if (!errs.empty()) return problem(400, "Bad Request", "invalid query", errs);
        nlohmann::json j = ctx_.events->page(after, std::size_t(limit));
        return AdminResponse::json(200, j);
    }
    if (path == "/v1/stream") {
        check_query(in, {"interval_ms", "window", "events_after"}, errs);
        StreamSpec spec;
        std::optional<std::uint64_t> cursor;
        if (auto* s = query_value(in, "interval_ms")) {
            auto v = parse_int<int>(*s);
            if (v && *v >= 100 && *v <= 10000)
                spec.interval_ms = *v;
            else
                errs.push_back({"interval_ms", "must be an integer from 100 to 10000"});
        }
        if (auto* w = query_value(in, "window")) {
            if (auto v = parse_window(*w))
                spec.window_s = *v;
            else
                errs.push_back({"window", "must be Ns with N from 1 to 60 (e.g. 1s, 5s, 60s)"});
        }
        if (auto* e = query_value(in, "events_after")) {
            if (auto v = parse_int<std::uint64_t>(*e))
                cursor = *v;
            else
                errs.push_back({"events_after", "must be a non-negative integer"});
        }
        if (!in.last_event_id.empty()) {
            if (auto v = parse_int<std::uint64_t>(in.last_event_id))
                cursor = std::max(cursor.value_or(0), *v);
            else
                errs.push_back({"Last-Event-ID", "must be a non-negative integer"});
        }
        if (!errs.empty()) return problem(400, "Bad Request", "invalid query", errs);
        // Without a cursor the stream carries only events that happen from now on.
        spec.events_after = cursor ? *cursor : ctx_.events->last_id();
        out.stream = spec;
        return {};
    }
    return problem(404, "Not Found", "no resource at " + path);
}

}  // namespace redline::agent
