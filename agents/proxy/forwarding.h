// The header rules of a forwarding hop (RFC 9110 §7.6.1): hop-by-hop fields (Connection, Keep-Alive,
// Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade, Proxy-Authorization, Proxy-Authenticate, and
// every field the Connection header names) are not forwarded; the proxy frames bodies itself
// (Content-Length), adds X-Forwarded-For and Forwarded (RFC 7239), and never forwards Expect (bodies are read
// before forwarding). Idempotency decides retries: GET, HEAD, PUT, DELETE, OPTIONS, TRACE, and POST with an
// Idempotency-Key.
//
// Threading: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "agents/sample_server/http_message.h"

namespace redline::proxy {

/// True when a field named `name` must not cross the hop; `connection` is the Connection field value(s).
bool is_hop_by_hop(std::string_view name, std::string_view connection) noexcept;

/// The request line, forwardable fields, forwarding fields and body of `req` for an upstream.
/// `fallback_host` is used when the client sent no Host.
void build_upstream_request(const sample::HttpRequest& req, std::string_view fallback_host, std::string& out);

bool is_retryable(const sample::HttpRequest& req) noexcept;

}  // namespace redline::proxy
