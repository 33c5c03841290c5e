#include "agents/sample_server/canary_router.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace redline::sample {

CanaryRouter::CanaryRouter() : state_(std::make_shared<const State>(State{CanaryConfig{}, 0, "0"})) {}

std::string CanaryRouter::format_weight(double w) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", w);
    return buf;
}

void CanaryRouter::apply(const CanaryConfig& config) {
    auto s = std::make_shared<State>();
    s->config = config;
    const double w = std::clamp(config.weight_percent, 0.0, 100.0);
    s->threshold = static_cast<std::uint32_t>(std::llround(w * 100.0));
    s->weight_text = format_weight(config.weight_percent);
    state_.store(std::move(s));
}

std::uint32_t CanaryRouter::point(std::string_view key) noexcept {
    // FNV-1a 64 then a murmur finaliser: stable across builds and platforms (unlike std::hash).
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : key) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return static_cast<std::uint32_t>(h % 10000);
}

}  // namespace redline::sample
