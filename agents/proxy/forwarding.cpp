#include "agents/proxy/forwarding.h"

#include <boost/beast/core/string.hpp>
#include <charconv>

namespace redline::proxy {

namespace {

using boost::beast::iequals;
using http_verb = boost::beast::http::verb;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

}  // namespace

bool is_hop_by_hop(std::string_view name, std::string_view connection) noexcept {
    static constexpr std::string_view kFixed[] = {"connection",
                                                  "keep-alive",
                                                  "proxy-connection",
                                                  "te",
                                                  "trailer",
                                                  "upgrade",
                                                  "expect",
                                                  "proxy-authorization",
                                                  "proxy-authenticate",
                                                  "transfer-encoding",
                                                  "content-length"};
    for (const auto f : kFixed)
        if (iequals(name, f)) return true;
    while (!connection.empty()) {
        const auto comma = connection.find(',');
        if (iequals(trim(connection.substr(0, comma)), name)) return true;
        if (comma == std::string_view::npos) break;
        connection.remove_prefix(comma + 1);
    }
    return false;
}

void build_upstream_request(const sample::HttpRequest& req, std::string_view fallback_host,
                            std::string& out) {
    out.clear();
    out.append(req.method_text);
    out.push_back(' ');
    out.append(req.target);
    out.append(" HTTP/1.1\r\n");
    std::string_view fields = req.fields;
    while (!fields.empty()) {
        const auto eol = fields.find("\r\n");
        const std::string_view line = fields.substr(0, eol);
        fields.remove_prefix(eol == std::string_view::npos ? fields.size() : eol + 2);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || is_hop_by_hop(line.substr(0, colon), req.connection)) continue;
        out.append(line);
        out.append("\r\n");
    }
    if (req.host.empty()) {
        out.append("Host: ");
        out.append(fallback_host);
        out.append("\r\n");
    }
    const bool v6 = req.remote_ip.find(':') != std::string::npos;
    out.append("X-Forwarded-For: ");
    if (!req.forwarded_for.empty()) {
        out.append(req.forwarded_for);
        out.append(", ");
    }
    out.append(req.remote_ip);
    out.append("\r\nForwarded: for=");
    out.append(v6 ? "\"[" : "");
    out.append(req.remote_ip);
    out.append(v6 ? "]\"" : "");
    if (!req.host.empty() && req.host.find_first_of("\";,\\ ") == std::string::npos) {
        out.append(";host=");
        out.append(req.host);
    }
    out.append(";proto=http\r\n");
    const bool body_method =
        req.method == http_verb::post || req.method == http_verb::put || req.method == http_verb::patch;
    if (!req.body.empty() || body_method) {
        char buf[24];
        auto [p, ec] = std::to_chars(buf, buf + sizeof buf, req.body.size());
        out.append("Content-Length: ");
        out.append(buf, static_cast<std::size_t>(p - buf));
        out.append("\r\n");
    }
    out.append("\r\n");
    out.append(req.body);
}

bool is_retryable(const sample::HttpRequest& req) noexcept {
    switch (req.method) {
        case http_verb::get:
        case http_verb::head:
        case http_verb::put:
        case http_verb::delete_:
        case http_verb::options:
        case http_verb::trace:
            return true;
        case http_verb::post:
            // Only with the key that reaches the upstream: one named in Connection is removed on the way.
            return req.has_idempotency_key &&
                   (req.connection.empty() || !is_hop_by_hop("idempotency-key", req.connection));
        default:
            return false;
    }
}

}  // namespace redline::proxy
