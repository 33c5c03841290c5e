// AgentClient: one-shot admin API calls over one reused libcurl easy handle. See core/agent_client.h.
#include "core/agent_client.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "core/curl_util.h"

namespace redline {

// ---------------------------------------------------------------------------------------------------------------
// Global init

CurlGlobal::CurlGlobal() {
    if (const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK) {
        spdlog::error("curl_global_init failed: {}", curl_easy_strerror(rc));
    }
}

CurlGlobal::~CurlGlobal() {
    curl_global_cleanup();
}

namespace detail {

void ensure_curl_global() {
    // Fallback for programs that did not construct a CurlGlobal: init once, never cleaned up.
    // curl_global_init is reference counted, so this is harmless when main() also holds a CurlGlobal.
    static std::once_flag once;
    std::call_once(once, [] {
        if (const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK) {
            spdlog::error("curl_global_init failed: {}", curl_easy_strerror(rc));
        }
    });
}

std::string join_url(std::string_view base, std::string_view path) {
    std::string url(base);
    while (!url.empty() && url.back() == '/')
        url.pop_back();
    if (!path.empty() && path.front() != '/') url.push_back('/');
    url.append(path);
    return url;
}

void set_common_options(CURL* h) {
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(h, CURLOPT_USERAGENT, "redline/" REDLINE_VERSION);
}

void begin_request(CURL* h, const std::string& url, std::chrono::milliseconds timeout, char* errbuf) {
    curl_easy_reset(h);
    set_common_options(h);
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    const long timeout_ms = static_cast<long>(std::max<std::int64_t>(1, timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
}

curl_slist* make_headers(const std::string& token, std::initializer_list<std::string_view> extra) {
    curl_slist* list = nullptr;
    if (!token.empty()) list = curl_slist_append(list, ("Authorization: Bearer " + token).c_str());
    for (std::string_view h : extra)
        list = curl_slist_append(list, std::string(h).c_str());
    return list;
}

std::string transport_message(int code, const char* errbuf) {
    std::string msg = curl_easy_strerror(static_cast<CURLcode>(code));
    if (errbuf != nullptr && errbuf[0] != '\0') {
        std::string detail(errbuf);
        while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r'))
            detail.pop_back();
        if (detail != msg) msg += " (" + detail + ")";
    }
    return msg;
}

std::size_t write_body(char* data, std::size_t size, std::size_t n, void* user) {
    auto* sink = static_cast<BodySink*>(user);
    const std::size_t bytes = size * n;
    if (sink->body->size() + bytes > sink->limit) {
        sink->overflow = true;
        return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    sink->body->append(data, bytes);
    return bytes;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------------------------
// Result

template <class T>
std::string Result<T>::error_message() const {
    const std::string where = url.empty() ? std::string("agent") : url;
    if (!transport_error.empty()) return "cannot reach " + where + ": " + transport_error;
    if (problem) return problem->to_string();
    if (http_status != 0 && (http_status < 200 || http_status > 299)) {
        return std::to_string(http_status) + " " + std::string(reason_phrase(static_cast<int>(http_status))) +
               " from " + where;
    }
    if (!protocol_error.empty()) return "invalid response from " + where + ": " + protocol_error;
    if (!value) return "no result from " + where;
    return {};
}

template struct Result<AgentInfo>;
template struct Result<Snapshot>;
template struct Result<EventPage>;
template struct Result<Event>;
template struct Result<std::string>;
template struct Result<LimitsConfig>;
template struct Result<CanaryConfig>;
template struct Result<nlohmann::json>;

// ---------------------------------------------------------------------------------------------------------------
// AgentInfo JSON

void to_json(nlohmann::json& j, const AgentInfo& v) {
    j = nlohmann::json{{"agent_id", v.agent_id},
                       {"service", v.service},
                       {"service_version", v.service_version},
                       {"agent_version", v.agent_version},
                       {"started_ms", v.started_ms},
                       {"routes", v.routes},
                       {"versions", v.versions},
                       {"controls", v.controls},
                       {"role", v.role},
                       {"api_url", v.api_url.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.api_url)}};
    if (v.proxy) {
        nlohmann::json pools = {{"stable", nlohmann::json::array()}, {"canary", nlohmann::json::array()}};
        for (const auto& b : v.proxy->backends)
            pools[b.pool].push_back({{"url", b.url},
                                     {"pool", b.pool},
                                     {"healthy", b.healthy},
                                     {"circuit", b.circuit},
                                     {"consecutive_failures", b.consecutive_failures},
                                     {"ejections", b.ejections},
                                     {"outstanding", b.outstanding},
                                     {"requests", b.requests},
                                     {"failures", b.failures}});
        j["proxy"] = {{"pools", std::move(pools)},
                      {"canary_fallback", v.proxy->canary_fallback},
                      {"health_check",
                       {{"enabled", v.proxy->health_interval_ms > 0},
                        {"path", v.proxy->health_path},
                        {"interval_ms", v.proxy->health_interval_ms}}}};
    }
}

namespace {
// The "proxy" member of /v1/info, read leniently: a field of the wrong type is left at its default (the info
// of a newer host must not make the dashboard refuse the agent).
ProxyInfo proxy_info_from(const nlohmann::json& j) {
    ProxyInfo p;
    auto num = [](const nlohmann::json& o, const char* k) -> std::int64_t {
        auto it = o.find(k);
        return it != o.end() && it->is_number() ? it->get<std::int64_t>() : 0;
    };
    auto str = [](const nlohmann::json& o, const char* k) -> std::string {
        auto it = o.find(k);
        return it != o.end() && it->is_string() ? it->get<std::string>() : std::string{};
    };
    if (auto pools = j.find("pools"); pools != j.end() && pools->is_object())
        for (const char* pool : {"stable", "canary"}) {
            auto list = pools->find(pool);
            if (list == pools->end() || !list->is_array()) continue;
            for (const auto& b : *list) {
                if (!b.is_object()) continue;
                ProxyBackend e;
                e.pool = pool;
                e.url = str(b, "url");
                e.circuit = str(b, "circuit");
                auto h = b.find("healthy");
                e.healthy = h == b.end() || !h->is_boolean() || h->get<bool>();
                e.outstanding = num(b, "outstanding");
                e.requests = num(b, "requests");
                e.failures = num(b, "failures");
                e.consecutive_failures = num(b, "consecutive_failures");
                e.ejections = num(b, "ejections");
                p.backends.push_back(std::move(e));
            }
        }
    if (auto f = j.find("canary_fallback"); f != j.end() && f->is_boolean())
        p.canary_fallback = f->get<bool>();
    if (auto hc = j.find("health_check"); hc != j.end() && hc->is_object()) {
        p.health_path = str(*hc, "path");
        auto en = hc->find("enabled");
        if (en == hc->end() || !en->is_boolean() || en->get<bool>())
            p.health_interval_ms = num(*hc, "interval_ms");
    }
    return p;
}
}  // namespace

void from_json(const nlohmann::json& j, AgentInfo& v) {
    // Required identity fields throw when missing or mistyped; the rest default (newer agents may add
    // fields).
    if (!j.is_object()) throw nlohmann::json::type_error::create(302, "AgentInfo must be an object", &j);
    j.at("agent_id").get_to(v.agent_id);
    j.at("service").get_to(v.service);
    j.at("routes").get_to(v.routes);
    auto opt = [&j](const char* key, auto& out) {
        if (auto it = j.find(key); it != j.end() && !it->is_null()) it->get_to(out);
    };
    opt("service_version", v.service_version);
    opt("agent_version", v.agent_version);
    opt("started_ms", v.started_ms);
    opt("versions", v.versions);
    opt("controls", v.controls);
    opt("role", v.role);
    opt("api_url", v.api_url);
    if (auto it = j.find("proxy"); it != j.end() && it->is_object()) v.proxy = proxy_info_from(*it);
}

// ---------------------------------------------------------------------------------------------------------------
// Token file

std::optional<std::string> read_token_file(const std::string& path, std::string* error) {
    auto fail = [&](std::string why) -> std::optional<std::string> {
        if (error) *error = "token file " + path + " " + why;
        return std::nullopt;
    };
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(st))
        return fail("cannot be read: " + (ec ? ec.message() : "no such file"));
    if (std::filesystem::is_directory(st)) return fail("is a directory, not a file");
    if (!std::filesystem::is_regular_file(st)) return fail("is not a regular file");
    // A token is one short line; a large file is not a token file (and must not be read into memory).
    constexpr std::uintmax_t kMaxTokenFile = 4096;
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > kMaxTokenFile)
        return fail("is " + std::to_string(size) + " bytes; a token file holds one token of at most " +
                    std::to_string(kMaxTokenFile) + " bytes");
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(std::string("cannot be read: ") + std::strerror(errno));
    std::string text(kMaxTokenFile + 1, '\0');
    in.read(text.data(), std::streamsize(text.size()));
    text.resize(std::size_t(in.gcount()));
    if (text.size() > kMaxTokenFile)
        return fail("is larger than " + std::to_string(kMaxTokenFile) + " bytes");
    std::string line = text.substr(0, text.find('\n'));
    auto is_space = [](unsigned char c) { return c == ' ' || c == '\t' || c == '\r'; };
    while (!line.empty() && is_space(static_cast<unsigned char>(line.back())))
        line.pop_back();
    std::size_t start = 0;
    while (start < line.size() && is_space(static_cast<unsigned char>(line[start])))
        ++start;
    line.erase(0, start);
    if (line.empty()) return fail("is empty");
    // Bearer tokens are visible ASCII (RFC 6750 b64token is narrower still); anything else is not a token.
    for (unsigned char c : line)
        if (c <= 0x20 || c >= 0x7f) return fail("holds a byte that cannot be in a token (binary file?)");
    return line;
}

// ---------------------------------------------------------------------------------------------------------------
// AgentClient

namespace {

constexpr std::size_t kMaxResponseBody = 64u * 1024 * 1024;

template <class T, class Parse>
Result<T> typed(AgentClient& c, std::string_view method, std::string_view path, std::string_view body,
                Parse&& parse) {
    Result<T> r;
    r.url = detail::join_url(c.base_url(), path);
    HttpResponse resp = c.request(method, path, body);
    if (!resp.transport_ok()) {
        r.transport_error = std::move(resp.transport_error);
        return r;
    }
    r.http_status = resp.status;
    if (resp.status < 200 || resp.status > 299) {
        r.problem = Problem::parse(resp.body);
        return r;
    }
    try {
        parse(resp, r);
    } catch (const std::exception& e) {
        r.value.reset();
        r.protocol_error = e.what();
    }
    if (!r.value && r.protocol_error.empty()) r.protocol_error = "unparsable body";
    return r;
}

std::string field_errors_text(const std::vector<FieldError>& errors) {
    std::string out;
    for (const auto& e : errors) {
        if (!out.empty()) out += "; ";
        out += e.field + ": " + e.message;
    }
    return out;
}

}  // namespace

struct AgentClient::Impl {
    CURL* easy = nullptr;
    std::string token;
    std::chrono::milliseconds timeout;
    char errbuf[CURL_ERROR_SIZE] = {};
};

AgentClient::AgentClient(std::string base_url, std::string token, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()), base_url_(std::move(base_url)) {
    detail::ensure_curl_global();
    while (!base_url_.empty() && base_url_.back() == '/')
        base_url_.pop_back();
    impl_->easy = curl_easy_init();
    impl_->token = std::move(token);
    impl_->timeout = timeout;
}

AgentClient::~AgentClient() {
    if (impl_ && impl_->easy) curl_easy_cleanup(impl_->easy);
}

HttpResponse AgentClient::request(std::string_view method, std::string_view path, std::string_view body,
                                  std::string_view content_type) {
    HttpResponse resp;
    CURL* h = impl_->easy;
    if (h == nullptr) {
        resp.transport_error = "curl_easy_init failed";
        return resp;
    }
    const std::string url = detail::join_url(base_url_, path);
    detail::begin_request(h, url, impl_->timeout, impl_->errbuf);  // every option is set again below

    const std::string m(method);
    const bool has_body = !body.empty() || m == "POST" || m == "PUT" || m == "PATCH";
    if (m == "GET") {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (m == "HEAD") {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m.c_str());
    }
    if (has_body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.empty() ? "" : body.data());
    }
    const std::string ct = "Content-Type: " + std::string(content_type);
    curl_slist* headers = detail::make_headers(
        impl_->token, {"Accept: application/json, application/problem+json, */*", "Expect:"});
    if (has_body) headers = curl_slist_append(headers, ct.c_str());
    const std::string actor = "Redline-Actor: " + actor_;
    if (!actor_.empty() && m != "GET" && m != "HEAD") headers = curl_slist_append(headers, actor.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

    detail::BodySink sink{&resp.body, kMaxResponseBody};
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &detail::write_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);

    const CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        resp.transport_error =
            sink.overflow ? "response body larger than 64 MiB" : detail::transport_message(rc, impl_->errbuf);
        resp.body.clear();
        spdlog::debug("{} {}: {}", m, url, resp.transport_error);
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
        const char* ctype = nullptr;
        curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ctype);
        if (ctype) resp.content_type = ctype;
        spdlog::debug("{} {} -> {} ({} bytes)", m, url, resp.status, resp.body.size());
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(headers);
    return resp;
}

Result<AgentInfo> AgentClient::info() {
    return typed<AgentInfo>(*this, "GET", "/v1/info", {}, [](const HttpResponse& resp, Result<AgentInfo>& r) {
        r.value = nlohmann::json::parse(resp.body).get<AgentInfo>();
    });
}

Result<Snapshot> AgentClient::snapshot(int window_s) {
    const std::string path = "/v1/snapshot?window=" + std::to_string(window_s) + "s";
    return typed<Snapshot>(*this, "GET", path, {}, [](const HttpResponse& resp, Result<Snapshot>& r) {
        std::string err;
        r.value = parse_snapshot(resp.body, &err);
        if (!r.value) r.protocol_error = err.empty() ? "invalid snapshot" : err;
    });
}

Result<EventPage> AgentClient::events(std::uint64_t after, int limit) {
    const std::string path = "/v1/events?after=" + std::to_string(after) + "&limit=" + std::to_string(limit);
    return typed<EventPage>(*this, "GET", path, {}, [](const HttpResponse& resp, Result<EventPage>& r) {
        r.value = nlohmann::json::parse(resp.body).get<EventPage>();
    });
}

Result<Event> AgentClient::post_event(const std::string& kind, const std::string& message,
                                      const nlohmann::json& after, const std::string& by) {
    nlohmann::json body{{"kind", kind}, {"message", message}};
    if (!after.is_null()) body["after"] = after;
    if (!by.empty()) body["by"] = by;
    return typed<Event>(*this, "POST", "/v1/events", body.dump(),
                        [](const HttpResponse& resp, Result<Event>& r) {
                            r.value = nlohmann::json::parse(resp.body).get<Event>();
                        });
}

Result<std::string> AgentClient::metrics() {
    return typed<std::string>(*this, "GET", "/metrics", {}, [](HttpResponse& resp, Result<std::string>& r) {
        r.value = std::move(resp.body);
    });
}

namespace {

template <class T, class ParseFn>
void parse_control(const HttpResponse& resp, Result<T>& r, ParseFn&& fn, const T* sent) {
    if (resp.body.empty() && sent != nullptr) {  // 204 No Content: the agent accepted what we sent
        r.value = *sent;
        return;
    }
    auto parsed = fn(nlohmann::json::parse(resp.body));
    if (parsed.ok()) {
        r.value = std::move(parsed.value());
    } else {
        r.protocol_error = "invalid control document: " + field_errors_text(parsed.errors());
    }
}

}  // namespace

Result<LimitsConfig> AgentClient::limits() {
    return typed<LimitsConfig>(*this, "GET", "/v1/limits", {}, [](const HttpResponse& resp, auto& r) {
        parse_control<LimitsConfig>(
            resp, r, [](const nlohmann::json& j) { return parse_limits(j); }, nullptr);
    });
}

Result<LimitsConfig> AgentClient::set_limits(const LimitsConfig& limits) {
    const std::string body = nlohmann::json(limits).dump();
    return typed<LimitsConfig>(
        *this, "PUT", "/v1/limits", body, [&limits](const HttpResponse& resp, auto& r) {
            parse_control<LimitsConfig>(
                resp, r, [](const nlohmann::json& j) { return parse_limits(j); }, &limits);
        });
}

Result<CanaryConfig> AgentClient::canary() {
    return typed<CanaryConfig>(*this, "GET", "/v1/canary", {}, [](const HttpResponse& resp, auto& r) {
        parse_control<CanaryConfig>(
            resp, r, [](const nlohmann::json& j) { return parse_canary(j); }, nullptr);
    });
}

Result<CanaryConfig> AgentClient::set_canary(const CanaryConfig& canary) {
    const std::string body = nlohmann::json(canary).dump();
    return typed<CanaryConfig>(
        *this, "PUT", "/v1/canary", body, [&canary](const HttpResponse& resp, auto& r) {
            parse_control<CanaryConfig>(
                resp, r, [](const nlohmann::json& j) { return parse_canary(j); }, &canary);
        });
}

Result<nlohmann::json> AgentClient::control(std::string_view name) {
    return call_json("GET", "/v1/" + std::string(name));
}

Result<nlohmann::json> AgentClient::set_control(std::string_view name, const nlohmann::json& state) {
    return call_json("PUT", "/v1/" + std::string(name), &state);
}

Result<nlohmann::json> AgentClient::call_json(std::string_view method, std::string_view path,
                                              const nlohmann::json* body) {
    const std::string text = body ? body->dump() : std::string();
    return typed<nlohmann::json>(*this, method, path, text, [](const HttpResponse& resp, auto& r) {
        r.value = resp.body.empty() ? nlohmann::json() : nlohmann::json::parse(resp.body);
    });
}

}  // namespace redline
