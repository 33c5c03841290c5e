// The load engine's small PRNG: templates, request choice, think time and data rows draw from it.
// Threading: one Rng per worker thread (not thread-safe).
#pragma once

#include <cstdint>

namespace redline::load {

/// Small fast PRNG (xorshift64*), one per worker thread.
class Rng {
  public:
    explicit Rng(std::uint64_t seed) : s_(seed ? seed : 0x9E3779B97F4A7C15ull) {}
    std::uint64_t next() noexcept {
        s_ ^= s_ >> 12;
        s_ ^= s_ << 25;
        s_ ^= s_ >> 27;
        return s_ * 0x2545F4914F6CDD1Dull;
    }
    /// Uniform in [0, n).
    std::uint64_t below(std::uint64_t n) noexcept { return n ? next() % n : 0; }
    double unit() noexcept { return double(next() >> 11) * (1.0 / 9007199254740992.0); }

  private:
    std::uint64_t s_;
};

}  // namespace redline::load
