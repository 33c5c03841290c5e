// Percent-decoding of URL components, shared by the agent's admin server and the sample server.
// Threading: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace redline {

/// Value of one hexadecimal digit, or -1.
int hex_value(char c) noexcept;

/// Decodes a query-string component: "%XX" escapes and '+' as a space. False on a malformed escape.
bool url_decode(std::string_view in, std::string& out);

}  // namespace redline
