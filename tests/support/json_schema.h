// Test helper: validates a JSON value against the subset of JSON Schema that OpenAPI 3.0 documents use:
// type, nullable, properties, required, additionalProperties (bool or schema), items, minItems/maxItems,
// enum, minimum/maximum (with OpenAPI 3.0's boolean exclusiveMinimum/exclusiveMaximum), pattern, oneOf,
// anyOf and $ref to "#/..." inside the same document. Annotations (description, example, format, default,
// title) are ignored; any other keyword is reported as unsupported, so a document cannot silently use a
// constraint that nothing checks.
//
// Threading: stateless; safe from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace redline::test {

/// Errors as "<json pointer into value>: <what>"; empty when `value` is valid. `root` is the whole document
/// that `$ref`s point into.
std::vector<std::string> validate_schema(const nlohmann::json& value, const nlohmann::json& schema,
                                         const nlohmann::json& root);

/// Keywords anywhere in `schema` (properties, items, additionalProperties, oneOf, anyOf, nested) that
/// validate_schema does not check, as "<pointer>: <keyword>"; $refs are not followed.
std::vector<std::string> unsupported_keywords(const nlohmann::json& schema, const std::string& at = "");

/// Follows "$ref": "#/a/b" chains inside `root` (at most 16 hops); a non-ref node is returned as is, a
/// dangling ref as a discarded value.
nlohmann::json resolve_ref(const nlohmann::json& node, const nlohmann::json& root);

}  // namespace redline::test
