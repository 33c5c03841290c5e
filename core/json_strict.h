// Strict JSON text parsing, the one entry point for every JSON document Redline accepts from outside (control
// PUT bodies, orders, load-test requests, scenario files, CLI --file inputs): syntax errors, duplicate object
// keys and nesting deeper than a bound are refused with the place named, so no caller silently takes the last
// of two keys and no later recursive walk (dump, validation) can overflow the stack.
//
// Pure function, thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/problem.h"

namespace redline {

/// Deepest nesting of arrays/objects accepted by default (the documents Redline reads need fewer than 10).
inline constexpr int kMaxJsonDepth = 64;

/// Parses `text` as one JSON value. On failure returns exactly one FieldError:
///   - syntax:    field "", message "not valid JSON: <parser's message>"
///   - duplicate: field = path of the repeated key ("routes.GET /v1/products.rate_per_s", "[2].name"),
///                message "duplicate key"
///   - depth:     field = path of the container that is too deep, message "nesting deeper than N levels"
Parsed<nlohmann::json> parse_json_strict(std::string_view text, int max_depth = kMaxJsonDepth);

/// True when a Content-Type value names exactly the media type application/json (RFC 9110 §8.3.1: type and
/// subtype case-insensitive, parameters such as "; charset=utf-8" allowed). "application/jsonx",
/// "application/json-patch+json" and "application/merge-patch+json" are not JSON bodies Redline reads.
bool is_json_media_type(std::string_view content_type);

}  // namespace redline
