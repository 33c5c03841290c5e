#include "agents/agent/admin_api.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "agents/agent/control_store.h"
#include "agents/agent/error_reporter.h"
#include "agents/agent/event_log.h"
#include "agents/agent/metrics_collectable.h"
#include "agents/agent/metrics_protobuf.h"
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
template <class Names>
bool check_query(const HttpIn& in, const Names& allowed, std::vector<FieldError>& errs) {
    if (!in.query_ok) errs.push_back({"query", "invalid percent-encoding"});
    std::set<std::string> seen;
    for (auto& [k, v] : in.req.query) {
        if (std::find(std::begin(allowed), std::end(allowed), k) == std::end(allowed))
            errs.push_back({k, "unknown query parameter"});
        else if (!seen.insert(k).second)
            errs.push_back({k, "given more than once"});
    }
    return errs.empty();
}

bool check_query(const HttpIn& in, std::initializer_list<std::string_view> allowed,
                 std::vector<FieldError>& errs) {
    return check_query<std::initializer_list<std::string_view>>(in, allowed, errs);
}

/// "/v1/loadtests/x" -> {"v1", "loadtests", "x"}; "/" -> {""}; "/a/" -> {"a", ""}.
std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    if (path.empty() || path.front() != '/') return out;
    path.remove_prefix(1);
    while (true) {
        const auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

bool is_param(std::string_view seg) {
    return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

/// Lexicographic rank of a template: 0 for a literal segment, 1 for a parameter; smaller = more specific.
std::vector<int> specificity(const PathTemplate& t) {
    std::vector<int> r;
    for (auto& s : t.segments)
        r.push_back(is_param(s) ? 1 : 0);
    return r;
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

PathTemplate PathTemplate::parse(const std::string& text) {
    PathTemplate t;
    t.text = text;
    const auto fail = [&](const std::string& why) {
        return ConfigError("path template '" + text + "': " + why);
    };
    if (text.empty() || text.front() != '/') throw fail("must start with '/'");
    std::set<std::string_view> names;
    for (auto seg : split_path(text)) {
        if (seg.empty()) throw fail("has an empty segment");
        const bool braces = seg.find_first_of("{}") != std::string_view::npos;
        if (braces) {
            if (!is_param(seg)) throw fail("a parameter must be a whole segment \"{name}\"");
            const auto name = seg.substr(1, seg.size() - 2);
            const bool ok = !name.empty() && !std::isdigit(static_cast<unsigned char>(name.front())) &&
                            std::all_of(name.begin(), name.end(), [](char c) {
                                return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                            });
            if (!ok) throw fail("parameter names are [a-z_][a-z0-9_]*");
            if (!names.insert(name).second) throw fail("parameter '" + std::string(name) + "' repeats");
        }
        t.segments.emplace_back(seg);
    }
    return t;
}

bool PathTemplate::match(const std::string& path, std::map<std::string, std::string>* params) const {
    const auto segs = split_path(path);
    if (segs.size() != segments.size()) return false;
    for (std::size_t i = 0; i < segs.size(); ++i) {
        if (is_param(segments[i])) {
            if (segs[i].empty()) return false;
        } else if (segs[i] != segments[i]) {
            return false;
        }
    }
    if (params) {
        params->clear();
        for (std::size_t i = 0; i < segs.size(); ++i)
            if (is_param(segments[i]))
                (*params)[segments[i].substr(1, segments[i].size() - 2)] = std::string(segs[i]);
    }
    return true;
}

bool PathTemplate::same_shape(const PathTemplate& other) const {
    if (segments.size() != other.segments.size()) return false;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const bool p = is_param(segments[i]);
        if (p != is_param(other.segments[i]) || (!p && segments[i] != other.segments[i])) return false;
    }
    return true;
}

bool PathTemplate::has_params() const {
    return std::any_of(segments.begin(), segments.end(), [](const std::string& s) { return is_param(s); });
}

namespace {
const std::set<std::string> kReads = {"/healthz",     "/metrics",   "/v1/info",
                                      "/v1/snapshot", "/v1/stream", "/v1/events"};

/// Kinds a client may post: its own activity (load runs, their thresholds) and free annotations. The kinds
/// of the agent's own state changes (limits.*, canary.*, ...) can only come from the agent.
bool postable_kind(const std::string& k) {
    if (k.empty() || k.size() > 64) return false;
    const bool chars = std::all_of(k.begin(), k.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
    });
    if (!chars || k.front() == '.' || k.back() == '.' || k.find("..") != std::string::npos) return false;
    if (k == "annotation") return true;
    for (const char* prefix : {"loadtest.", "threshold.", "annotation."})
        if (k.rfind(prefix, 0) == 0) return true;
    return false;
}

bool printable_line(const std::string& s) {
    return std::none_of(s.begin(), s.end(),
                        [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

/// Who acts: 1 to 64 characters without control characters or ':' (the separator in "role:name").
bool valid_actor_name(const std::string& s) {
    return !s.empty() && s.size() <= 64 && printable_line(s) && s.find(':') == std::string::npos &&
           s.front() != ' ' && s.back() != ' ';
}

constexpr const char* kActorRule = "must be a name of 1 to 64 characters, no ':' or control characters";

/// A Redline-Actor header that was sent must be valid (a 400 naming it, before anything changes).
std::optional<AdminResponse> check_actor(const HttpIn& in) {
    if (!in.has_actor || valid_actor_name(in.actor)) return std::nullopt;
    return problem(400, "Bad Request", "invalid Redline-Actor header", {{"Redline-Actor", kActorRule}});
}
}  // namespace

/// POST /v1/events: a client's event (a dashboard's load run, an annotation), audited and streamed like
/// the agent's own. Nothing is stored unless the whole body is valid and the audit line was written.
AdminResponse AdminApi::post_event(HttpIn& in, Role role) {
    std::vector<FieldError> errs;
    if (!check_query(in, {}, errs)) return problem(400, "Bad Request", "invalid query", errs);
    auto strict = parse_json_strict(in.req.body);
    if (!strict.ok()) return problem(400, "Bad Request", "the body is not strict JSON", strict.errors());
    const nlohmann::json& b = strict.value();
    if (!b.is_object()) return problem(400, "Bad Request", "the body must be a JSON object");
    Event e;
    std::string by;
    for (auto it = b.begin(); it != b.end(); ++it) {
        const std::string& k = it.key();
        if (k == "kind") {
            if (!it->is_string() || !postable_kind(it->get<std::string>()))
                errs.push_back({k,
                                "must be loadtest.<name>, threshold.<name> or annotation[.<name>] (lower "
                                "case letters, digits, '_' and '.', at most 64)"});
            else
                e.kind = it->get<std::string>();
        } else if (k == "message") {
            if (!it->is_string() || it->get<std::string>().empty() || it->get<std::string>().size() > 500 ||
                !printable_line(it->get<std::string>()))
                errs.push_back({k, "must be one line of 1 to 500 characters"});
            else
                e.message = it->get<std::string>();
        } else if (k == "by") {
            if (!it->is_string() || !valid_actor_name(it->get<std::string>()))
                errs.push_back({k, kActorRule});
            else
                by = it->get<std::string>();
        } else if (k == "after") {
            if (it->dump().size() > 16384)
                errs.push_back({k, "must be at most 16 KiB of JSON"});
            else
                e.after = *it;
        } else {
            errs.push_back({k, "unknown field"});
        }
    }
    if (!b.contains("kind")) errs.push_back({"kind", "is required"});
    if (!b.contains("message")) errs.push_back({"message", "is required"});
    if (in.has_actor && !valid_actor_name(in.actor)) errs.push_back({"Redline-Actor", kActorRule});
    if (!errs.empty()) return problem(400, "Bad Request", "invalid event", errs);
    if (by.empty()) by = in.actor;  // the body's "by" wins over the header
    e.actor = std::string(to_string(role)) + (by.empty() ? "" : ":" + by);
    std::string err;
    if (!ctx_.events->append(e, true, &err)) {
        ctx_.errors->report("POST /v1/events: " + err);
        return problem(503, "Service Unavailable", "the event could not be audited: " + err);
    }
    return AdminResponse::json(201, e);
}

struct AdminApi::Route {
    enum Kind { None, Builtin, Control, Host };
    Kind kind = None;
    std::vector<std::string> allow;     // methods served on this path
    const HostHandler* host = nullptr;  // the handler for the request's method (kind Host)
};

AdminApi::AdminApi(Context ctx, std::vector<HostHandler> handlers)
    : ctx_(std::move(ctx)), handlers_(std::move(handlers)) {
    // Configuration time: refuse registrations that could never be reached or would be ambiguous.
    for (std::size_t i = 0; i < handlers_.size(); ++i) {
        const HostHandler& h = handlers_[i];
        if (!h.path.has_params()) {
            const std::string& p = h.path.text;
            if (kReads.count(p) || (p.size() > 4 && p.compare(0, 4, "/v1/") == 0 &&
                                    ctx_.controls->has(std::string_view(p).substr(4))))
                throw ConfigError("add_handler " + h.method + " " + p +
                                  ": the agent serves this path itself");
        }
        for (std::size_t j = 0; j < i; ++j)
            if (handlers_[j].method == h.method && handlers_[j].path.same_shape(h.path))
                throw ConfigError("add_handler " + h.method + " " + h.path.text + ": already registered as " +
                                  handlers_[j].path.text);
    }
}

AdminApi::Route AdminApi::find(const std::string& path, const std::string& method) const {
    Route r;
    if (kReads.count(path)) {
        r.kind = Route::Builtin;
        r.allow = {"GET"};
        if (path == "/v1/events") r.allow.push_back("POST");
        return r;
    }
    if (path.size() > 4 && path.compare(0, 4, "/v1/") == 0 &&
        ctx_.controls->has(std::string_view(path).substr(4))) {
        r.kind = Route::Control;
        r.allow = {"GET", "PUT"};
    }
    if (r.kind == Route::Control) return r;
    // The most specific matching template, then every method registered on it.
    const HostHandler* best = nullptr;
    for (auto& h : handlers_) {
        if (!h.path.match(path, nullptr)) continue;
        if (!best || specificity(h.path) < specificity(best->path)) best = &h;
    }
    if (!best) return r;
    r.kind = Route::Host;
    for (auto& h : handlers_) {
        if (!h.path.same_shape(best->path)) continue;
        if (std::find(r.allow.begin(), r.allow.end(), h.method) == r.allow.end()) r.allow.push_back(h.method);
        if (h.method == method) r.host = &h;
    }
    std::sort(r.allow.begin(), r.allow.end());
    return r;
}

bool AdminApi::authorize(HttpIn& in, Dispatch& d) const {
    const std::string& path = in.req.path;
    const std::string& method = in.req.method;
    Route route = find(path, method);
    if (route.kind == Route::None) {
        d.response = problem(404, "Not Found", "no resource at " + path);
        return false;
    }
    if (std::find(route.allow.begin(), route.allow.end(), method) == route.allow.end()) {
        d.response = problem(405, "Method Not Allowed",
                             method + " is not allowed on " + path + "; allowed: " + join(route.allow));
        d.response.headers.emplace_back("Allow", join(route.allow));
        return false;
    }

    // Which role does this call need?
    Role need = Role::Viewer;
    const HostHandler* host = route.host;
    const bool control_call = route.kind == Route::Control && (method == "GET" || method == "PUT");
    if (path == "/healthz") {
        need = Role::None;
    } else if (path == "/metrics") {
        need = ctx_.options->metrics_require_auth ? Role::Viewer : Role::None;
    } else if (path == "/v1/events" && method == "POST") {
        need = Role::Operator;
    } else if (control_call) {
        need = method == "GET" ? Role::Viewer : Role::Operator;
    } else if (host) {
        need = std::max(host->min_role, Role::Viewer);
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
            return false;
        }
        if (role < need) {
            d.response = problem(403, "Forbidden",
                                 method + " " + path + " needs the " + std::string(to_string(need)) +
                                     " token; this token has the " + std::string(to_string(role)) + " role");
            return false;
        }
    }
    in.req.role = role;
    return true;
}

std::optional<AdminResponse> AdminApi::admit(HttpIn& in) const {
    Dispatch d;
    if (!authorize(in, d)) return std::move(d.response);
    return std::nullopt;
}

Dispatch AdminApi::dispatch(HttpIn& in) {
    Dispatch d;
    if (!authorize(in, d)) return d;
    const std::string& path = in.req.path;
    const std::string& method = in.req.method;
    const Role role = in.req.role;
    Route route = find(path, method);
    const HostHandler* host = route.host;
    const bool control_call = route.kind == Route::Control && (method == "GET" || method == "PUT");

    if (method == "PUT" || method == "POST") {
        if (!json_content_type(in.content_type)) {
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
        if (method == "GET") {
            d.response = AdminResponse::json(200, ctx_.controls->get(name));
        } else {
            if (auto bad = check_actor(in)) {
                d.response = std::move(*bad);
                return d;
            }
            d.response = ctx_.controls->put(name, in.req.body, role, in.actor);
        }
        return d;
    }
    if (host) {
        std::vector<FieldError> errs;
        if (!check_query(in, host->query, errs)) {
            d.response = problem(400, "Bad Request", "invalid query", errs);
            return d;
        }
        host->path.match(path, &in.req.params);
        if (auto bad = check_actor(in)) {
            d.response = std::move(*bad);
            return d;
        }
        in.req.actor = std::string(to_string(role)) + (in.actor.empty() ? "" : ":" + in.actor);
        try {
            d.response = host->handler(in.req);
        } catch (const std::exception& ex) {
            ctx_.errors->report("handler " + method + " " + host->path.text + " threw: " + ex.what());
            d.response = problem(500, "Internal Server Error", "the request could not be handled");
        }
        return d;
    }
    d.response = builtin(path, in, role, d);
    return d;
}

AdminResponse AdminApi::builtin(const std::string& path, HttpIn& in, Role role, Dispatch& out) {
    if (path == "/v1/events" && in.req.method == "POST") return post_event(in, role);
    std::vector<FieldError> errs;
    if (path == "/healthz") {
        if (!check_query(in, {}, errs)) return problem(400, "Bad Request", "invalid query", errs);
        return AdminResponse::json(200, {{"status", "ok"}});
    }
    if (path == "/metrics") {
        if (!check_query(in, {}, errs)) return problem(400, "Bad Request", "invalid query", errs);
        AdminResponse r;
        r.headers.emplace_back("Vary", "Accept");
        if (ctx_.metrics_protobuf && negotiate_metrics_format(in.accept) == MetricsFormat::Protobuf) {
            r.content_type = kMetricsProtobufContentType;
            r.body = ctx_.metrics_protobuf();
            return r;
        }
        r.content_type = kMetricsContentType;
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
        spec.role = role;
        out.stream = spec;
        return {};
    }
    return problem(404, "Not Found", "no resource at " + path);
}

}  // namespace redline::agent
