// Strict number parsing for command lines and text fields: the whole text must be a plain decimal number.
// std::stod/strtod also take "0x10" (16), "inf", "nan", leading spaces and "1e12" silently far out of range;
// a user who types one of those has made a mistake that must be named, not a value that is silently applied.
//
// Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace redline {

/// [+-]?digits[.digits][(e|E)[+-]?digits] (or .digits), finite. No hex, no inf/nan, no spaces.
std::optional<double> parse_decimal(std::string_view text);

}  // namespace redline
