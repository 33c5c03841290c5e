// RFC 9457 problem details, used by every HTTP error Redline returns and parsed by every client.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace redline {

/// One invalid input, named by its JSON pointer-ish path ("routes.GET /v1/products.rate").
struct FieldError {
    std::string field;
    std::string message;
    bool operator==(const FieldError&) const = default;
};

/// Either a value or the list of field errors that prevented it.
template <class T>
struct Parsed {
    std::variant<T, std::vector<FieldError>> v;
    bool ok() const { return v.index() == 0; }
    const T& value() const { return std::get<0>(v); }
    T& value() { return std::get<0>(v); }
    const std::vector<FieldError>& errors() const { return std::get<1>(v); }
};

/// "field: message; field: message" (a field-less error is its message alone): one line for CLIs and logs.
std::string join_field_errors(const std::vector<FieldError>& errors);

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
