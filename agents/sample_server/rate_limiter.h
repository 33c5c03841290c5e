// Token-bucket rate limiting per route and per client key (or one bucket per route), in enforce or shadow
// mode, with the whole policy table replaced atomically at runtime. A new policy starts every bucket full.
//
// Threading: apply() from any thread (the agent's admin thread). check() from any worker thread: it reads the
// policy through the caller's per-thread Reader and locks one bucket shard (64 per route). Bucket maps are
// bounded: a shard holding more than kMaxKeysPerShard keys drops the buckets that are full again.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agents/sample_server/versioned.h"
#include "core/control.h"

namespace redline::sample {

struct RateDecision {
    bool limited = false;  // the route has an enabled policy
    bool admit = true;     // false only in enforce mode when the bucket is empty
    bool shadow_rejected = false;
    double limit = 0;            // burst (q)
    double window_s = 0;         // seconds for an empty bucket to refill (w)
    std::int64_t remaining = 0;  // whole tokens left (r)
    std::int64_t reset_s = 0;    // seconds until the bucket is full again (t)
    std::int64_t retry_after_s = 0;
};

/// Appends the draft-ietf-httpapi-ratelimit-headers lines of a decision of a limited route to `out`
/// ("RateLimit-Policy: ...\r\nRateLimit: ...\r\n", plus "Retry-After" when the request is refused). Shared by
/// the sample server and redline-proxy so both answer the same headers.
void append_rate_limit_headers(const RateDecision& d, std::string& out);

class RateLimiter {
  public:
    /// `route_ids` fixes the route index order used by check().
    explicit RateLimiter(std::vector<std::string> route_ids);

    void apply(const LimitsConfig& config);
    struct Policies;
    using Reader = Versioned<Policies>::Reader;
    RateDecision check(Reader& reader, std::size_t route, std::string_view client_key,
                       std::chrono::steady_clock::time_point now);

    struct Policies {
        std::uint64_t generation = 0;
        std::vector<std::optional<RouteLimit>> routes;  // by route index
    };

    static constexpr std::size_t kShards = 64;
    static constexpr std::size_t kMaxKeysPerShard = 4096;

  private:
    struct Bucket {
        double tokens = 0;
        std::int64_t last_ns = 0;
        std::uint64_t generation = 0;
    };
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    struct Shard {
        std::mutex mu;
        std::unordered_map<std::string, Bucket, Hash, std::equal_to<>> buckets;  // guarded by mu
    };
    struct RouteShards {
        std::array<Shard, kShards> shards;
    };

    std::vector<std::string> route_ids_;
    std::vector<std::unique_ptr<RouteShards>> state_;
    Versioned<Policies> policies_;
    std::mutex apply_mu_;
    std::uint64_t next_generation_ = 1;  // guarded by apply_mu_
};

}  // namespace redline::sample
