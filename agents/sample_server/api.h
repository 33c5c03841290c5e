// The sample API itself: routing, overload and rate-limit admission, canary selection and fault injection,
// cached catalog reads, orders with idempotency keys, RFC 9457 errors, and recording into the agent.
//
// Request path: route -> overload (max in-flight, /healthz and /readyz exempt) -> rate limit (per route x
// client key) -> canary (sticky per client key) -> cache -> SQLite catalog.
//
// Threading: one Api is shared by all worker threads. handle()/complete() run on worker threads, each with
// its own ThreadState; shared members are atomics or internally synchronised (cache, limiter, router, agent).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "agents/agent/agent.h"
#include "agents/sample_server/canary_router.h"
#include "agents/sample_server/catalog.h"
#include "agents/sample_server/http_message.h"
#include "agents/sample_server/rate_limiter.h"
#include "agents/sample_server/response_cache.h"

namespace redline::sample {

enum class Route : std::uint8_t { ListProducts, GetProduct, SearchProducts, CreateOrder, GetOrder, Count };
inline constexpr std::size_t kRouteCount = static_cast<std::size_t>(Route::Count);
/// Route ids in Route order ("GET /v1/products/{id}", ...).
const std::array<std::string, kRouteCount>& route_ids();

class Api {
  public:
    struct Limits {
        std::size_t max_inflight = 1024;
        std::size_t max_page_size = 500;
    };

    /// Per worker thread: catalog connection (opened on first use), config readers, RNG, scratch buffers.
    struct ThreadState {
        std::unique_ptr<CatalogConnection> catalog;
        RateLimiter::Reader limits;
        CanaryRouter::Reader canary;
        std::mt19937_64 rng{std::random_device{}()};
        std::string key;  // scratch: cache keys
    };

    /// `agent` may be null (no recording at all); series are registered on it here.
    Api(agent::Agent* agent, ResponseCache& cache, RateLimiter& limiter, CanaryRouter& router, Limits limits);

    /// Opens catalog reads: called once the catalog is seeded; /readyz answers 200 from then on.
    void set_ready(std::string catalog_path);
    bool ready() const noexcept { return ready_.load(std::memory_order_acquire); }
    /// Switches agent recording on/off at runtime (--no-record).
    void set_recording(bool on) noexcept { record_.store(on, std::memory_order_relaxed); }

    /// Fills `res` for `req`. If res.delay > 0 the caller waits that long before complete() and sending.
    void handle(HttpRequest& req, HttpResponse& res, ThreadState& ts);
    /// Records the finished exchange in the agent and releases its in-flight slot. Call exactly once per
    /// handle().
    void complete(HttpResponse& res) noexcept;

    std::int64_t inflight() const noexcept { return inflight_.load(std::memory_order_relaxed); }

    /// An RFC 9457 problem response.
    static void problem(HttpResponse& res, int status, std::string_view detail);

  private:
    bool admit_rate(Route r, std::string_view client_key, HttpResponse& res, ThreadState& ts,
                    std::chrono::steady_clock::time_point now);
    CatalogConnection* catalog(ThreadState& ts, HttpResponse& res);
    /// Answers from the response cache when `key` is there (records a hit); otherwise records a miss.
    bool serve_cached(const std::string& key, HttpResponse& res);
    void get_product(std::string_view id_text, bool canary, HttpResponse& res, ThreadState& ts);
    void list_products(std::string_view query, bool canary, HttpResponse& res, ThreadState& ts);
    void search_products(std::string_view query, bool canary, HttpResponse& res, ThreadState& ts);
    void create_order(const HttpRequest& req, std::string_view client_key, HttpResponse& res,
                      ThreadState& ts);
    void get_order(std::string_view id_text, HttpResponse& res, ThreadState& ts);

    agent::Agent* agent_;
    ResponseCache& cache_;
    RateLimiter& limiter_;
    CanaryRouter& router_;
    Limits limits_;
    std::array<std::array<agent::SeriesHandle, 2>, kRouteCount> series_{};  // [route][0 stable, 1 canary]
    std::atomic<bool> ready_{false};
    std::atomic<bool> record_{true};
    std::atomic<std::int64_t> inflight_{0};
    std::string catalog_path_;  // written before ready_ is released
};

}  // namespace redline::sample
