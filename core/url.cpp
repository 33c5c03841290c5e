#include "core/url.h"

#include <cctype>

namespace redline {

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool url_decode(std::string_view in, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '%') {
            if (i + 2 >= in.size()) return false;
            const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0) return false;
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (c == '+') {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return true;
}

// ---- target URL ----

std::optional<TargetUrl> parse_target_url(std::string_view url, std::string* why, Schemes schemes) {
    auto fail = [&](std::string m) -> std::optional<TargetUrl> {
        if (why) *why = std::move(m);
        return std::nullopt;
    };
    const bool https_ok = schemes == Schemes::HttpOrHttps;
    TargetUrl t;
    std::string_view rest;
    if (url.starts_with("http://")) {
        rest = url.substr(7);
    } else if (url.starts_with("https://")) {
        if (!https_ok) return fail("must start with http:// (https is not supported here)");
        rest = url.substr(8);
        t.tls = true;
        t.port = 443;
    } else {
        return fail(https_ok ? "must start with http:// or https://"
                             : "must start with http:// (https is not supported here)");
    }
    if (rest.ends_with("/")) rest.remove_suffix(1);
    if (rest.find_first_of("/?#@ \t\r\n") != std::string_view::npos)
        return fail(std::string("must be ") + (t.tls ? "https" : "http") +
                    "://host[:port] without path, query, user info or spaces");
    std::string_view portpart;
    if (rest.starts_with("[")) {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) return fail("unterminated '[' in IPv6 address");
        t.host = std::string(rest.substr(1, close - 1));
        const auto after = rest.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') return fail("expected ':port' after ']'");
            portpart = after.substr(1);
            if (portpart.empty()) return fail("empty port");
        }
    } else {
        const auto colon = rest.rfind(':');
        if (colon != std::string_view::npos) {
            t.host = std::string(rest.substr(0, colon));
            portpart = rest.substr(colon + 1);
            if (portpart.empty()) return fail("empty port");
            if (t.host.find(':') != std::string::npos) return fail("IPv6 addresses must be in brackets");
        } else {
            t.host = std::string(rest);
        }
    }
    if (t.host.empty()) return fail("missing host");
    if (!portpart.empty()) {
        unsigned p = 0;
        for (char c : portpart) {
            if (c < '0' || c > '9') return fail("port must be a number");
            p = p * 10 + unsigned(c - '0');
            if (p > 65535) return fail("port must be 1..65535");
        }
        if (p == 0) return fail("port must be 1..65535");
        t.port = std::uint16_t(p);
    }
    const bool v6 = t.host.find(':') != std::string::npos;
    t.host_header = (v6 ? "[" + t.host + "]" : t.host) + ":" + std::to_string(t.port);
    return t;
}

namespace {
std::string canonical_target_host(std::string h) {
    for (auto& c : h)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (h == "localhost" || h == "::ffff:127.0.0.1") return "127.0.0.1";
    return h;
}
}  // namespace

bool same_target(std::string_view a, std::string_view b) {
    const auto ta = parse_target_url(a, nullptr, Schemes::HttpOrHttps),
               tb = parse_target_url(b, nullptr, Schemes::HttpOrHttps);
    return ta && tb && ta->tls == tb->tls && ta->port == tb->port &&
           canonical_target_host(ta->host) == canonical_target_host(tb->host);
}

}  // namespace redline
