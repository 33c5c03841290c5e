#include "agents/sample_server/rate_limiter.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace redline::sample {

void append_rate_limit_headers(const RateDecision& d, std::string& out) {
    auto num = [&out](std::int64_t v) {
        char buf[24];
        auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, static_cast<std::size_t>(p - buf));
    };
    // Policy quota q over window w; remaining r, seconds to reset t.
    out.append("RateLimit-Policy: \"default\";q=");
    num(static_cast<std::int64_t>(d.limit));
    out.append(";w=");
    num(static_cast<std::int64_t>(d.window_s));
    out.append("\r\nRateLimit: \"default\";r=");
    num(d.remaining);
    out.append(";t=");
    num(d.admit ? d.reset_s : d.retry_after_s);
    out.append("\r\n");
    if (d.admit) return;
    out.append("Retry-After: ");
    num(d.retry_after_s);
    out.append("\r\n");
}

RateLimiter::RateLimiter(std::vector<std::string> route_ids)
    : route_ids_(std::move(route_ids)), policies_(std::make_shared<const Policies>()) {
    for (std::size_t i = 0; i < route_ids_.size(); ++i)
        state_.push_back(std::make_unique<RouteShards>());
    auto p = std::make_shared<Policies>();
    p->routes.resize(route_ids_.size());
    policies_.store(std::move(p));
}

void RateLimiter::apply(const LimitsConfig& config) {
    std::lock_guard lock(apply_mu_);
    auto p = std::make_shared<Policies>();
    p->generation = next_generation_++;
    p->routes.resize(route_ids_.size());
    for (std::size_t i = 0; i < route_ids_.size(); ++i) {
        const auto it = config.routes.find(route_ids_[i]);
        if (it != config.routes.end() && it->second.enabled) p->routes[i] = it->second;
    }
    policies_.store(std::move(p));
}

RateDecision RateLimiter::check(Reader& reader, std::size_t route, std::string_view client_key,
                                std::chrono::steady_clock::time_point now) {
    RateDecision d;
    const Policies& pol = reader.get(policies_);
    if (route >= pol.routes.size() || !pol.routes[route]) return d;
    const RouteLimit& lim = *pol.routes[route];
    d.limited = true;
    d.limit = lim.burst;
    d.window_s = std::ceil(lim.burst / lim.rate_per_s);

    const std::string_view key = lim.scope == LimitScope::Route ? std::string_view() : client_key;
    const std::size_t h = Hash{}(key);
    Shard& shard = state_[route]->shards[(h >> 7) % kShards];
    const std::int64_t now_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();

    std::lock_guard lock(shard.mu);
    auto it = shard.buckets.find(key);
    if (it == shard.buckets.end()) {
        if (shard.buckets.size() >= kMaxKeysPerShard) {
            // Drop buckets that have refilled (they carry no state a fresh bucket would not).
            std::erase_if(shard.buckets, [&](const auto& kv) {
                const Bucket& b = kv.second;
                return b.generation != pol.generation ||
                       b.tokens + double(now_ns - b.last_ns) * 1e-9 * lim.rate_per_s >= lim.burst;
            });
            if (shard.buckets.size() >= kMaxKeysPerShard) shard.buckets.clear();
        }
        it = shard.buckets.emplace(std::string(key), Bucket{lim.burst, now_ns, pol.generation}).first;
    }
    Bucket& b = it->second;
    if (b.generation != pol.generation) b = Bucket{lim.burst, now_ns, pol.generation};
    if (now_ns > b.last_ns) {
        b.tokens = std::min(lim.burst, b.tokens + double(now_ns - b.last_ns) * 1e-9 * lim.rate_per_s);
        b.last_ns = now_ns;
    }
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
    } else if (lim.mode == LimitMode::Shadow) {
        d.shadow_rejected = true;
    } else {
        d.admit = false;
        d.retry_after_s =
            std::max<std::int64_t>(1, std::int64_t(std::ceil((1.0 - b.tokens) / lim.rate_per_s)));
    }
    d.remaining = static_cast<std::int64_t>(std::floor(std::max(0.0, b.tokens)));
    d.reset_s = static_cast<std::int64_t>(std::ceil((lim.burst - b.tokens) / lim.rate_per_s));
    return d;
}

}  // namespace redline::sample
