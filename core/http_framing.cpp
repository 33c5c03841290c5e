#include "core/http_framing.h"

#include <vector>

namespace redline {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

}  // namespace

std::optional<FramingError> check_request_framing(int version,
                                                  std::optional<std::string_view> transfer_encoding,
                                                  bool has_content_length) {
    if (!transfer_encoding) return std::nullopt;
    if (version < 11) return FramingError{400, "Transfer-Encoding is not allowed in an HTTP/1.0 request"};
    if (has_content_length)
        return FramingError{400, "a request must not carry both Transfer-Encoding and Content-Length"};
    // Codings in order; empty list elements (",,") are allowed by the list syntax and skipped.
    std::vector<std::string_view> codings;
    std::string_view rest = *transfer_encoding;
    while (!rest.empty()) {
        auto comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        item = trim(item.substr(0, item.find(';')));  // transfer parameters are not used by chunked
        if (!item.empty()) codings.push_back(item);
    }
    if (codings.empty()) return FramingError{400, "Transfer-Encoding names no transfer coding"};
    if (!iequals(codings.back(), "chunked"))
        return FramingError{400, "the final transfer coding must be chunked (got '" +
                                     std::string(codings.back()) +
                                     "'); the request length cannot be determined"};
    for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
        if (iequals(codings[i], "chunked")) return FramingError{400, "chunked is applied more than once"};
    }
    if (codings.size() > 1)
        return FramingError{501, "transfer coding '" + std::string(codings.front()) + "' is not implemented"};
    return std::nullopt;
}

}  // namespace redline
