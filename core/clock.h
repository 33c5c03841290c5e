// Wall-clock time as Unix numbers, the one copy every module uses (events, snapshots, load runs, CLIs).
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>

namespace redline {

inline std::int64_t unix_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}
inline std::int64_t unix_ms() {
    return unix_ns() / 1'000'000;
}

}  // namespace redline
