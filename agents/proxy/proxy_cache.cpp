#include "agents/proxy/proxy_cache.h"

#include <boost/beast/core/string.hpp>
#include <charconv>
#include <cstdio>

namespace redline::proxy {

namespace {

using boost::beast::iequals;

/// Calls fn(name, value) per "Name: value\r\n" line.
template <class Fn>
void for_each_field(std::string_view fields, Fn&& fn) {
    while (!fields.empty()) {
        const auto eol = fields.find("\r\n");
        const std::string_view line = fields.substr(0, eol);
        fields.remove_prefix(eol == std::string_view::npos ? fields.size() : eol + 2);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view v = line.substr(colon + 1);
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
            v.remove_prefix(1);
        fn(line.substr(0, colon), v);
    }
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<std::int64_t> cacheable_for_ms(std::string_view response_fields) {
    bool forbidden = false;
    std::optional<std::int64_t> max_age, s_maxage;
    for_each_field(response_fields, [&](std::string_view name, std::string_view value) {
        if (iequals(name, "set-cookie") || iequals(name, "vary")) forbidden = true;
        if (!iequals(name, "cache-control")) return;
        while (!value.empty()) {
            const auto comma = value.find(',');
            const std::string_view d = trim(value.substr(0, comma));
            value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
            const auto eq = d.find('=');
            const std::string_view key = trim(d.substr(0, eq));
            if (iequals(key, "no-store") || iequals(key, "no-cache") || iequals(key, "private"))
                forbidden = true;
            if (eq == std::string_view::npos) continue;
            std::string_view num = trim(d.substr(eq + 1));
            if (num.size() >= 2 && num.front() == '"' && num.back() == '"')
                num = num.substr(1, num.size() - 2);
            std::int64_t n = 0;
            auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
            if (ec != std::errc() || p != num.data() + num.size() || n < 0) {
                forbidden = true;  // a malformed lifetime is stale (RFC 9111 §4.2.1)
                continue;
            }
            n = std::min<std::int64_t>(n, 86'400 * 365);
            if (iequals(key, "max-age")) max_age = n * 1000;
            if (iequals(key, "s-maxage")) s_maxage = n * 1000;
        }
    });
    const auto life = s_maxage ? s_maxage : max_age;
    if (forbidden || !life || *life <= 0) return std::nullopt;
    return life;
}

bool request_bypasses_cache(std::string_view request_fields) {
    bool bypass = false;
    for_each_field(request_fields, [&](std::string_view name, std::string_view) {
        if (iequals(name, "authorization")) bypass = true;
    });
    return bypass;
}

std::string make_cache_entry(std::int64_t expires_ns, std::string_view fields, std::string_view body) {
    char head[24];
    std::snprintf(head, sizeof head, "%016llx", static_cast<unsigned long long>(expires_ns));
    std::string out;
    out.reserve(16 + fields.size() + 1 + body.size());
    out.append(head, 16);
    out.append(fields);
    out.push_back('\0');
    out.append(body);
    return out;
}

bool read_cache_entry(std::string_view entry, std::int64_t now_ns, std::string_view& fields,
                      std::string_view& body) {
    if (entry.size() < 17) return false;
    unsigned long long expires = 0;
    auto [p, ec] = std::from_chars(entry.data(), entry.data() + 16, expires, 16);
    if (ec != std::errc() || static_cast<std::int64_t>(expires) <= now_ns) return false;
    const auto nul = entry.find('\0', 16);
    if (nul == std::string_view::npos) return false;
    fields = entry.substr(16, nul - 16);
    body = entry.substr(nul + 1);
    return true;
}

}  // namespace redline::proxy
