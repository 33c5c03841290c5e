// RFC 9457 problem details, used by every HTTP error Redline returns and parsed by every client.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace redline {

/// One invalid input, named by its JSON pointer-ish path ("routes.GET /v1/products.rate").
struct FieldError {
    std::string field;
    std::string message;
    bool operator==(const FieldError&) const = default;
};

struct Problem {
    std::string type = "about:blank";
    std::string title;
    int status = 0;
    std::string detail;
    std::vector<FieldError> errors;  // extension member "errors" for validation failures

    static Problem make(int status, std::string title, std::string detail = {});
    /// "400 Bad Request: detail (field: message; ...)" — one line for CLIs and banners.
    std::string to_string() const;
    std::string to_json_string() const;
    /// Parses a problem+json body; nullopt when the body is not a problem object.
    static std::optional<Problem> parse(std::string_view body);
};

void to_json(nlohmann::json& j, const Problem& p);
void to_json(nlohmann::json& j, const FieldError& e);

/// Standard reason phrase ("Bad Request") for a status code; "Unknown" otherwise.
std::string_view reason_phrase(int status);

}  // namespace redline
