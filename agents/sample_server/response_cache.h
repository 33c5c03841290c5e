// In-process LRU cache with TTL in front of catalog reads, holding pre-serialised JSON bodies.
// 16 shards, each an exact LRU under its own mutex; capacity is split across shards, so the total number of
// entries never exceeds the configured capacity. TTL is checked against the current setting at lookup, so a
// TTL change applies to entries already cached. Capacity 0 disables the cache (no lookups at all).
//
// Threading: every member is safe from any thread. get/put lock one shard; configure/flush lock each shard in
// turn. Settings are atomics read without a lock on the hot path.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/control.h"

namespace redline::agent {
class Agent;
}

namespace redline::sample {

class ResponseCache {
  public:
    using Body = std::shared_ptr<const std::string>;
    static constexpr std::size_t kShards = 16;

    ResponseCache(std::uint64_t capacity, std::chrono::milliseconds ttl);

    bool enabled() const noexcept { return capacity_.load(std::memory_order_relaxed) > 0; }
    /// The cached body, or nullptr on a miss (absent or expired; an expired entry is removed).
    Body get(const std::string& key, std::chrono::steady_clock::time_point now);
    void put(const std::string& key, Body body, std::chrono::steady_clock::time_point now);
    /// Applies new settings; a smaller capacity evicts the least recently used entries at once.
    void configure(std::uint64_t capacity, std::chrono::milliseconds ttl);
    /// Removes every entry; returns how many were removed.
    std::size_t flush();
    std::size_t size() const;
    std::uint64_t evictions() const noexcept { return evictions_.load(std::memory_order_relaxed); }

  private:
    struct Entry {
        std::string key;
        Body body;
        std::chrono::steady_clock::time_point stored;
    };
    struct Shard {
        mutable std::mutex mu;
        std::list<Entry> lru;  // front = most recently used; guarded by mu
        std::unordered_map<std::string_view, std::list<Entry>::iterator> index;  // keys view lru entries
        std::size_t capacity = 0;                                                // guarded by mu
    };

    Shard& shard_for(const std::string& key);
    static void evict_to(Shard& s, std::size_t capacity, std::atomic<std::uint64_t>& evictions);
    std::size_t shard_capacity(std::size_t i, std::uint64_t capacity) const;

    std::array<Shard, kShards> shards_;
    std::atomic<std::uint64_t> capacity_;
    std::atomic<std::int64_t> ttl_ns_;
    std::atomic<std::uint64_t> evictions_{0};
};

/// Adds the agent's "cache" control (CacheConfig: capacity, ttl_ms; strict, audited, persisted; capacity 0
/// switches the cache off) applied to `cache`, and POST /v1/cache/flush (operator, event "cache.flushed").
/// Configuration time (before agent.start()); shared by the sample server and redline-proxy.
void install_cache_control(agent::Agent& agent, ResponseCache& cache, const CacheConfig& initial);

}  // namespace redline::sample
