#include "tests/support/latency_samples.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

namespace redline::test {

namespace {

std::uint64_t clamp_ns(double ns) {
    return static_cast<std::uint64_t>(
        std::clamp(ns, static_cast<double>(kMinLatencyNs), static_cast<double>(kMaxLatencyNs)));
}

}  // namespace

std::vector<std::uint64_t> latency_samples(const std::string& dist, std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::uint64_t> v;
    v.reserve(n);
    const auto fill = [&](auto&& draw) {
        for (std::size_t i = 0; i < n; ++i)
            v.push_back(clamp_ns(draw()));
    };
    if (dist == "uniform") {
        std::uniform_real_distribution<double> d{double(kMinLatencyNs), double(kMaxLatencyNs)};
        fill([&] { return d(rng); });
    } else if (dist == "loguniform") {  // every octave from 1 us to 100 s equally represented
        std::uniform_real_distribution<double> d(std::log(double(kMinLatencyNs)),
                                                 std::log(double(kMaxLatencyNs)));
        fill([&] { return std::exp(d(rng)); });
    } else if (dist == "lognormal") {
        std::lognormal_distribution<double> d(std::log(5e6), 1.5);
        fill([&] { return d(rng); });
    } else if (dist == "bimodal") {
        std::lognormal_distribution<double> fast(std::log(3e5), 0.25);
        std::lognormal_distribution<double> slow(std::log(8e7), 0.5);
        std::bernoulli_distribution hit(0.7);
        fill([&] { return hit(rng) ? fast(rng) : slow(rng); });
    } else if (dist == "pareto") {
        std::uniform_real_distribution<double> u(0.0, 1.0);
        fill([&] { return 5e4 / std::pow(1.0 - u(rng), 1.0 / 1.1); });
    } else {
        throw std::invalid_argument("unknown latency distribution '" + dist + "'");
    }
    return v;
}

}  // namespace redline::test
