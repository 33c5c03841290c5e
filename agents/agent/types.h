// Small public types of the embeddable agent (no dependencies beyond std).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace redline::agent {

enum class CacheOutcome : std::uint8_t { None, Hit, Miss };
enum class RateLimitOutcome : std::uint8_t { Allowed, Rejected, ShadowRejected };

/// Resolved at start-up by register_series(); request time does no lookups.
struct SeriesHandle {
    std::uint32_t index = UINT32_MAX;
    bool valid() const noexcept { return index != UINT32_MAX; }
};

/// Thrown only at configuration time (constructor, register_series, add_control, start). Never at request
/// time.
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class Role : std::uint8_t { None = 0, Viewer = 1, Operator = 2 };
std::string_view to_string(Role r);

}  // namespace redline::agent
