// The upstream pools ("stable", "canary") and their backends. Each backend carries its load (outstanding
// requests), its active-health state and a circuit breaker: after `eject_after_failures` consecutive
// transport failures (refused, reset, timeout, unparsable response) it is ejected for base_ejection * 2^(k-1)
// (k = ejections in a row, capped at max_ejection), then half-open: the next request (or health check)
// decides, a success closes the circuit, a failure opens it again for twice as long. pick() takes the usable
// backend with the fewest outstanding requests (ties rotate). Every state change is reported through
// `on_event`
// ("proxy.backend.ejected", "proxy.backend.readmitted", "proxy.backend.down", "proxy.backend.up").
//
// Threading: built at start-up; pick()/report_*()/usable() from any worker thread (atomics, CAS on state
// changes so exactly one thread reports a transition); the health checker calls report_health() from its own
// thread. on_event runs on the thread that made the transition.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agents/proxy/proxy_config.h"

namespace redline::proxy {

enum class Circuit : int { Closed = 0, Open = 1, HalfOpen = 2 };
std::string_view to_string(Circuit c);

struct Backend {
    std::string url;          // "http://127.0.0.1:9001"
    std::string pool;         // "stable" | "canary"
    std::string host_header;  // "127.0.0.1:9001"
    boost::asio::ip::tcp::endpoint endpoint;
    std::size_t index = 0;  // across all pools (per-thread connection pools are indexed by it)

    std::atomic<int> outstanding{0};
    std::atomic<int> consecutive_failures{0};
    std::atomic<int> circuit{0};  // Circuit
    std::atomic<std::int64_t> open_until_ns{0};
    std::atomic<int> ejections{0};      // ejections in a row (exponential back-off)
    std::atomic<bool> healthy{true};    // active health check verdict
    std::atomic<int> health_streak{0};  // >0 good checks in a row, <0 failed checks in a row
    std::atomic<std::uint64_t> requests{0}, failures{0};
};

enum class Failure { Connect, Reset, Timeout, BadResponse };
std::string_view to_string(Failure f);

class UpstreamPools {
  public:
    using EventFn =
        std::function<void(const std::string& kind, const std::string& message, const nlohmann::json& after)>;
    /// Resolves every backend URL (literal addresses and localhost only). Throws std::runtime_error.
    UpstreamPools(const ProxyConfig& config, EventFn on_event);

    /// pool 0 = stable, 1 = canary. The canary pool may be empty.
    const std::vector<Backend*>& pool(int p) const { return pools_[p]; }
    const std::vector<std::unique_ptr<Backend>>& backends() const { return backends_; }
    bool has_canary() const { return !pools_[1].empty(); }

    /// The usable backend of pool `p` with the fewest outstanding requests, skipping `avoid`; nullptr when
    /// none is usable. Moves an expired open circuit to half-open.
    Backend* pick(int p, const Backend* avoid = nullptr);
    bool usable(Backend& b, std::int64_t now_ns);

    void report_success(Backend& b);
    void report_failure(Backend& b, Failure f);
    void report_health(Backend& b, bool ok, const std::string& detail);

    /// Retry budget: each request earns budget_percent/100 of a retry; a retry spends one. Starts with 3.
    void earn_retry() noexcept;
    bool take_retry() noexcept;

    nlohmann::json info() const;  // for /v1/info "proxy"

  private:
    void open_circuit(Backend& b, const std::string& why);
    nlohmann::json backend_json(const Backend& b) const;

    const ProxyConfig& config_;
    EventFn on_event_;
    std::vector<std::unique_ptr<Backend>> backends_;
    std::vector<Backend*> pools_[2];
    std::atomic<std::uint32_t> rotate_{0};
    std::atomic<std::int64_t> retry_milli_{3000};  // retry tokens x 1000
    std::int64_t retry_cap_milli_ = 100'000;
};

std::int64_t steady_now_ns() noexcept;

}  // namespace redline::proxy
