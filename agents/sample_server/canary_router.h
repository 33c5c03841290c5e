// Chooses stable or canary per request: a client key hashes to a fixed point in [0, 100) and goes to the
// canary when that point is below the weight, so a client stays on its version while the weight is unchanged
// and only the clients between the old and new weight move when it changes. The configuration (weight + fault
// knobs) is one immutable object swapped atomically: a request sees the old or the new one, never a mix.
//
// Threading: apply() from any thread (the agent's admin thread); route() from worker threads, each with its
// own Reader.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "agents/sample_server/versioned.h"
#include "core/control.h"

namespace redline::sample {

class CanaryRouter {
  public:
    struct State {
        CanaryConfig config;
        std::uint32_t threshold = 0;  // weight in basis points (0..10000)
        std::string weight_text;      // weight as sent back in X-Redline-Canary-Weight
    };
    using Reader = Versioned<State>::Reader;

    CanaryRouter();
    void apply(const CanaryConfig& config);
    /// The state to use for one whole request.
    const State& state(Reader& reader) const { return reader.get(state_); }
    /// Point of a client key in [0, 10000) basis points.
    static std::uint32_t point(std::string_view client_key) noexcept;
    static bool is_canary(const State& s, std::string_view client_key) noexcept {
        return point(client_key) < s.threshold;
    }
    static std::string format_weight(double weight_percent);

  private:
    Versioned<State> state_;
};

}  // namespace redline::sample
