// URL helpers: percent-decoding of components (admin server, sample server) and http(s)://host:port targets
// (load engine, CLIs).
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace redline {

/// Value of one hexadecimal digit, or -1.
int hex_value(char c) noexcept;

/// Decodes a query-string component: "%XX" escapes and '+' as a space. False on a malformed escape.
bool url_decode(std::string_view in, std::string& out);

/// A parsed "http[s]://host[:port][/]" target. host is without brackets ("::1"); host_header is what goes
/// into Host.
struct TargetUrl {
    std::string host;
    std::uint16_t port = 80;  // 443 for https:// without a port
    std::string host_header;  // "127.0.0.1:8080", "[::1]:8080"
    bool tls = false;         // https://
};
/// Which schemes a caller accepts: most (the proxy's upstreams, agent URLs) speak plain HTTP only; the load
/// engine's targets may be https://.
enum class Schemes { HttpOnly, HttpOrHttps };
/// http:// (or https:// when `schemes` allows it, lower case) with an optional port and no path, query, user
/// info or fragment.
std::optional<TargetUrl> parse_target_url(std::string_view url, std::string* why,
                                          Schemes schemes = Schemes::HttpOnly);

/// True when both are valid http:// or https:// targets naming the same server: same scheme, same port and
/// the same host, compared without case, with "localhost" taken as 127.0.0.1 and "[::ffff:127.0.0.1]" as
/// 127.0.0.1 (no name resolution).
bool same_target(std::string_view a, std::string_view b);

}  // namespace redline
