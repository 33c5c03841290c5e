// Response caching rules of redline-proxy (RFC 9111, the shared-cache subset it needs): only 200 answers to
// GET requests without Authorization, whose Cache-Control has max-age or s-maxage > 0 and none of no-store,
// no-cache, private; never a response with Set-Cookie or Vary. An entry lives min(s-maxage|max-age, the cache
// control's ttl_ms). Entries are stored in the shared ResponseCache as one string: expiry, fields, body.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace redline::proxy {

/// Freshness lifetime (ms) the upstream allows for a 200 response with these fields, or nullopt.
std::optional<std::int64_t> cacheable_for_ms(std::string_view response_fields);
/// True when the request fields forbid answering from a shared cache (Authorization present).
bool request_bypasses_cache(std::string_view request_fields);

std::string make_cache_entry(std::int64_t expires_ns, std::string_view fields, std::string_view body);
/// Splits an entry; false when it expired at `now_ns` or is malformed.
bool read_cache_entry(std::string_view entry, std::int64_t now_ns, std::string_view& fields,
                      std::string_view& body);

}  // namespace redline::proxy
