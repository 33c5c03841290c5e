// Test helper: deterministic latency samples (nanoseconds, fixed seed) from the distributions the sketch's
// accuracy tests and the quantile-error benchmark share, clamped to the sketch's promised 1 us .. 100 s
// range. Threading: free functions, no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace redline::test {

inline constexpr std::uint64_t kMinLatencyNs = 1'000;            // 1 us
inline constexpr std::uint64_t kMaxLatencyNs = 100'000'000'000;  // 100 s

/// dist: "uniform", "loguniform", "lognormal" (median 5 ms, wide), "bimodal" (cache hits ~300 us, misses
/// ~80 ms), "pareto" (x_m = 50 us, alpha = 1.1: infinite variance). Throws std::invalid_argument otherwise.
std::vector<std::uint64_t> latency_samples(const std::string& dist, std::size_t n, std::uint64_t seed = 42);

}  // namespace redline::test
