#include "agents/sample_server/response_cache.h"

#include <spdlog/spdlog.h>

#include <functional>

#include "agents/agent/agent.h"

namespace redline::sample {

ResponseCache::ResponseCache(std::uint64_t capacity, std::chrono::milliseconds ttl)
    : capacity_(capacity), ttl_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(ttl).count()) {
    for (std::size_t i = 0; i < kShards; ++i)
        shards_[i].capacity = shard_capacity(i, capacity);
}

std::size_t ResponseCache::shard_capacity(std::size_t i, std::uint64_t capacity) const {
    // Split as evenly as possible; the first (capacity % kShards) shards get one more.
    const std::uint64_t base = capacity / kShards, extra = capacity % kShards;
    return static_cast<std::size_t>(base + (i < extra ? 1 : 0));
}

ResponseCache::Shard& ResponseCache::shard_for(const std::string& key) {
    // Mix the standard hash so consecutive ids spread over shards.
    std::uint64_t h = std::hash<std::string>{}(key);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return shards_[h % kShards];
}

ResponseCache::Body ResponseCache::get(const std::string& key, std::chrono::steady_clock::time_point now) {
    Shard& s = shard_for(key);
    const std::int64_t ttl = ttl_ns_.load(std::memory_order_relaxed);
    std::lock_guard lock(s.mu);
    const auto it = s.index.find(key);
    if (it == s.index.end()) return nullptr;
    const auto entry = it->second;
    if ((now - entry->stored).count() >= ttl) {
        s.index.erase(it);
        s.lru.erase(entry);
        return nullptr;
    }
    s.lru.splice(s.lru.begin(), s.lru, entry);
    return entry->body;
}

void ResponseCache::put(const std::string& key, Body body, std::chrono::steady_clock::time_point now) {
    Shard& s = shard_for(key);
    std::lock_guard lock(s.mu);
    if (s.capacity == 0) return;
    if (const auto it = s.index.find(key); it != s.index.end()) {
        it->second->body = std::move(body);
        it->second->stored = now;
        s.lru.splice(s.lru.begin(), s.lru, it->second);
        return;
    }
    evict_to(s, s.capacity - 1, evictions_);
    s.lru.push_front(Entry{key, std::move(body), now});
    s.index.emplace(std::string_view(s.lru.front().key), s.lru.begin());
}

void ResponseCache::evict_to(Shard& s, std::size_t capacity, std::atomic<std::uint64_t>& evictions) {
    while (s.lru.size() > capacity) {
        s.index.erase(std::string_view(s.lru.back().key));
        s.lru.pop_back();
        evictions.fetch_add(1, std::memory_order_relaxed);
    }
}

void ResponseCache::configure(std::uint64_t capacity, std::chrono::milliseconds ttl) {
    ttl_ns_.store(std::chrono::duration_cast<std::chrono::nanoseconds>(ttl).count(),
                  std::memory_order_relaxed);
    capacity_.store(capacity, std::memory_order_relaxed);
    for (std::size_t i = 0; i < kShards; ++i) {
        std::lock_guard lock(shards_[i].mu);
        shards_[i].capacity = shard_capacity(i, capacity);
        evict_to(shards_[i], shards_[i].capacity, evictions_);
    }
}

std::size_t ResponseCache::flush() {
    std::size_t n = 0;
    for (auto& s : shards_) {
        std::lock_guard lock(s.mu);
        n += s.lru.size();
        s.index.clear();
        s.lru.clear();
    }
    return n;
}

std::size_t ResponseCache::size() const {
    std::size_t n = 0;
    for (const auto& s : shards_) {
        std::lock_guard lock(s.mu);
        n += s.lru.size();
    }
    return n;
}

void install_cache_control(agent::Agent& agent, ResponseCache& cache_ref, const CacheConfig& initial_config) {
    agent::ControlResource cache;
    cache.name = "cache";
    nlohmann::json initial;
    to_json(initial, initial_config);
    cache.initial = initial;
    cache.validate = [](const nlohmann::json& body) {
        Parsed<nlohmann::json> out;
        auto p = parse_cache(body);
        if (!p.ok()) {
            out.v.emplace<1>(p.errors());
            return out;
        }
        nlohmann::json j;
        to_json(j, p.value());
        out.v.emplace<0>(std::move(j));
        return out;
    };
    cache.apply = [&cache_ref](const nlohmann::json& state) {
        auto p = parse_cache(state);
        if (!p.ok()) {
            spdlog::error("cache control: invalid committed state {}", state.dump());
            return;
        }
        cache_ref.configure(p.value().capacity, std::chrono::milliseconds(p.value().ttl_ms));
        spdlog::info("cache: capacity {} entries, ttl {} ms", p.value().capacity, p.value().ttl_ms);
    };
    cache.describe = [](const nlohmann::json& before, const nlohmann::json& after) {
        auto num = [](const nlohmann::json& j, const char* k) {
            return j.is_object() && j.contains(k) ? j.at(k).dump() : std::string("?");
        };
        return "cache capacity " + num(before, "capacity") + " -> " + num(after, "capacity") + ", ttl " +
               num(before, "ttl_ms") + " ms -> " + num(after, "ttl_ms") + " ms";
    };
    agent.add_control(std::move(cache));

    agent.add_handler("POST", "/v1/cache/flush", agent::Role::Operator,
                      [&agent, &cache_ref](const agent::AdminRequest& req) {
                          const std::size_t n = cache_ref.flush();
                          Event e;
                          e.kind = "cache.flushed";
                          e.actor = std::string(agent::to_string(req.role));
                          e.message = "cache flushed (" + std::to_string(n) + " entries removed)";
                          e.after = {{"flushed", n}};
                          agent.publish_event(std::move(e));
                          return agent::AdminResponse::json(200, {{"flushed", n}});
                      });
}

}  // namespace redline::sample
