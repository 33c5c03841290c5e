// The request-framing rule for Transfer-Encoding (RFC 9112 §6.1, §6.3), shared by the agent's admin server
// and the sample server so both refuse the same ambiguous framings (request smuggling).
// Threading: pure function.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace redline {

struct FramingError {
    int status = 400;     // 400 Bad Request, or 501 Not Implemented for a transfer coding we do not know
    std::string message;  // for the problem+json detail
};

/// Checks how a request's body is framed. `version` is 10 or 11 (HTTP/1.x as Beast reports it);
/// `transfer_encoding` is every Transfer-Encoding field value joined with ',' (std::nullopt when the request
/// has none; an empty string is a present but empty field); `has_content_length` whether any Content-Length
/// field is present.
///
/// Refused with 400 (the connection must then be closed, the body never read as the next request):
/// Transfer-Encoding in an HTTP/1.0 request, Transfer-Encoding together with Content-Length, an empty coding
/// list, a final coding that is not "chunked", "chunked" more than once. Refused with 501: a coding other
/// than chunked before the final chunked (e.g. "gzip, chunked"; this server decodes none). std::nullopt: the
/// framing is fine (no Transfer-Encoding, or exactly "chunked").
std::optional<FramingError> check_request_framing(int version,
                                                  std::optional<std::string_view> transfer_encoding,
                                                  bool has_content_length);

}  // namespace redline
