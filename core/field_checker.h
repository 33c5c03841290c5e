// The strict field checker behind every control-document parser (core/control.cpp, core/rollout.cpp): it
// collects every problem of one document as FieldErrors naming the field, and never throws. Internal to
// redline::core (not an installed SDK header).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/problem.h"

namespace redline::detail {

using nlohmann::json;

inline std::string type_name(const json& v) {
    if (v.is_number_float()) return "a fractional number";
    if (v.is_number_integer()) return "an integer";
    if (v.is_boolean()) return "a boolean";
    if (v.is_string()) return "a string";
    if (v.is_null()) return "null";
    if (v.is_array()) return "an array";
    if (v.is_object()) return "an object";
    return "an unsupported value";
}

inline std::string fmt_num(double d) {
    json j = d;
    return j.dump();  // shortest round-trip form: 1e6 -> 1000000.0, 0.5 -> 0.5
}

inline std::string join(const std::string& prefix, const std::string& key) {
    return prefix.empty() ? key : prefix + "." + key;
}

/// Collects every problem in one document; parsers keep going after an error so the caller sees all of them.
class Checker {
  public:
    std::vector<FieldError> errors;

    void fail(std::string field, std::string message) {
        errors.push_back({std::move(field), std::move(message)});
    }

    /// Reports members not in `allowed` (the strictness rule: a typo is an error, never silently ignored).
    bool object(const json& j, const std::string& path, std::initializer_list<const char*> allowed) {
        if (!j.is_object()) {
            fail(path.empty() ? "body" : path, "must be a JSON object, got " + type_name(j));
            return false;
        }
        for (const auto& [key, value] : j.items()) {
            (void)value;
            const std::string& name = key;  // clang < 16 cannot capture a structured binding
            if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return name == a; })) {
                std::string known;
                for (const char* a : allowed)
                    known += (known.empty() ? "" : ", ") + std::string(a);
                fail(join(path, key), "unknown field (allowed: " + known + ")");
            }
        }
        return true;
    }

    /// A finite number within [lo, hi] (or (lo, hi] when lo_open). nullopt when absent or invalid.
    std::optional<double> number(const json& j, const std::string& path, const char* key, bool required,
                                 double lo, double hi, bool lo_open = false) {
        const std::string field = join(path, key);
        const auto it = j.find(key);
        if (it == j.end()) {
            if (required) fail(field, "is required");
            return std::nullopt;
        }
        if (!it->is_number()) {
            fail(field, "must be a number, got " + type_name(*it));
            return std::nullopt;
        }
        const double d = it->get<double>();
        if (!std::isfinite(d)) {
            fail(field, "must be a finite number");
            return std::nullopt;
        }
        if ((lo_open ? d <= lo : d < lo) || d > hi) {
            fail(field, "must be " + std::string(lo_open ? "> " : ">= ") + fmt_num(lo) +
                            " and <= " + fmt_num(hi) + ", got " + it->dump());
            return std::nullopt;
        }
        return d;
    }

    /// An integer within [lo, hi]; fractional numbers (even 5.0) are rejected.
    std::optional<std::uint64_t> integer(const json& j, const std::string& path, const char* key,
                                         bool required, std::uint64_t lo, std::uint64_t hi) {
        const std::string field = join(path, key);
        const auto it = j.find(key);
        if (it == j.end()) {
            if (required) fail(field, "is required");
            return std::nullopt;
        }
        if (!it->is_number_integer()) {
            fail(field, "must be an integer, got " + type_name(*it));
            return std::nullopt;
        }
        const bool negative = it->is_number_unsigned() ? false : it->get<std::int64_t>() < 0;
        const std::uint64_t v = negative ? 0 : it->get<std::uint64_t>();
        if (negative || v < lo || v > hi) {
            fail(field, "must be >= " + std::to_string(lo) + " and <= " + std::to_string(hi) + ", got " +
                            it->dump());
            return std::nullopt;
        }
        return v;
    }

    std::optional<bool> boolean(const json& j, const std::string& path, const char* key) {
        const auto it = j.find(key);
        if (it == j.end()) return std::nullopt;
        if (!it->is_boolean()) {
            fail(join(path, key), "must be true or false, got " + type_name(*it));
            return std::nullopt;
        }
        return it->get<bool>();
    }

    /// One of `choices`; returns its position.
    std::optional<std::size_t> choice(const json& j, const std::string& path, const char* key,
                                      std::initializer_list<const char*> choices) {
        const auto it = j.find(key);
        if (it == j.end()) return std::nullopt;
        std::string list;
        for (const char* c : choices)
            list += (list.empty() ? "\"" : ", \"") + std::string(c) + "\"";
        if (!it->is_string()) {
            fail(join(path, key), "must be one of " + list + ", got " + type_name(*it));
            return std::nullopt;
        }
        const auto& s = it->get_ref<const std::string&>();
        std::size_t i = 0;
        for (const char* c : choices) {
            if (s == c) return i;
            ++i;
        }
        fail(join(path, key), "must be one of " + list + ", got \"" + s + "\"");
        return std::nullopt;
    }
};

template <class T>
Parsed<T> finish(Checker& c, T value) {
    if (!c.errors.empty()) return Parsed<T>{std::move(c.errors)};
    return Parsed<T>{std::move(value)};
}

}  // namespace redline::detail
