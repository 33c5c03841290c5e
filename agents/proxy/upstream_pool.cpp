#include "agents/proxy/upstream_pool.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "core/url.h"

namespace redline::proxy {

std::int64_t steady_now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::string_view to_string(Circuit c) {
    switch (c) {
        case Circuit::Closed:
            return "closed";
        case Circuit::Open:
            return "open";
        case Circuit::HalfOpen:
            return "half_open";
    }
    return "closed";
}

std::string_view to_string(Failure f) {
    switch (f) {
        case Failure::Connect:
            return "connect failed";
        case Failure::Reset:
            return "connection reset";
        case Failure::Timeout:
            return "timeout";
        case Failure::BadResponse:
            return "malformed response";
    }
    return "failure";
}

UpstreamPools::UpstreamPools(const ProxyConfig& config, EventFn on_event)
    : config_(config), on_event_(std::move(on_event)) {
    const std::vector<std::string>* lists[2] = {&config.stable, &config.canary};
    for (int p = 0; p < 2; ++p) {
        for (const auto& url : *lists[p]) {
            std::string why;
            const auto t = parse_target_url(url, &why);
            if (!t) throw std::runtime_error("upstream '" + url + "': " + why);
            boost::system::error_code ec;
            const auto addr =
                boost::asio::ip::make_address(t->host == "localhost" ? "127.0.0.1" : t->host, ec);
            if (ec)
                throw std::runtime_error("upstream '" + url +
                                         "': the host must be a literal IP address or localhost");
            auto b = std::make_unique<Backend>();
            b->url = url;
            b->pool = p == 0 ? "stable" : "canary";
            b->host_header = t->host_header;
            b->endpoint = {addr, t->port};
            b->index = backends_.size();
            pools_[p].push_back(b.get());
            backends_.push_back(std::move(b));
        }
    }
}

bool UpstreamPools::usable(Backend& b, std::int64_t now) {
    if (!b.healthy.load(std::memory_order_relaxed)) return false;
    int c = b.circuit.load(std::memory_order_acquire);
    if (c == static_cast<int>(Circuit::Open)) {
        if (now < b.open_until_ns.load(std::memory_order_relaxed)) return false;
        if (b.circuit.compare_exchange_strong(c, static_cast<int>(Circuit::HalfOpen)))
            spdlog::info("proxy: backend {} half-open (ejection over)", b.url);
    }
    return true;
}

Backend* UpstreamPools::pick(int p, const Backend* avoid) {
    const auto& list = pools_[p];
    if (list.empty()) return nullptr;
    const std::int64_t now = steady_now_ns();
    const std::size_t start = rotate_.fetch_add(1, std::memory_order_relaxed) % list.size();
    Backend* best = nullptr;
    int best_load = 0;
    for (std::size_t k = 0; k < list.size(); ++k) {
        Backend* b = list[(start + k) % list.size()];
        if (b == avoid || !usable(*b, now)) continue;
        const int load = b->outstanding.load(std::memory_order_relaxed);
        if (!best || load < best_load) {
            best = b;
            best_load = load;
        }
    }
    return best;
}

void UpstreamPools::report_success(Backend& b) {
    b.consecutive_failures.store(0, std::memory_order_relaxed);
    int c = static_cast<int>(Circuit::HalfOpen);
    if (b.circuit.compare_exchange_strong(c, static_cast<int>(Circuit::Closed))) {
        b.ejections.store(0, std::memory_order_relaxed);
        const std::string msg = "backend " + b.url + " (" + b.pool + ") readmitted: circuit closed";
        spdlog::info("proxy: {}", msg);
        on_event_("proxy.backend.readmitted", msg, backend_json(b));
    }
}

void UpstreamPools::open_circuit(Backend& b, const std::string& why) {
    const int k = std::min(b.ejections.fetch_add(1, std::memory_order_relaxed), 20);
    const auto base = config_.base_ejection.count() * 1'000'000LL;
    const auto cap = config_.max_ejection.count() * 1'000'000LL;
    const std::int64_t dur = std::min(cap, base << std::min(k, 30));
    b.open_until_ns.store(steady_now_ns() + dur, std::memory_order_relaxed);
    b.circuit.store(static_cast<int>(Circuit::Open), std::memory_order_release);
    const std::string msg = "backend " + b.url + " (" + b.pool + ") ejected for " +
                            std::to_string(dur / 1'000'000) + " ms: " + why;
    spdlog::warn("proxy: {}", msg);
    on_event_("proxy.backend.ejected", msg, backend_json(b));
}

void UpstreamPools::report_failure(Backend& b, Failure f) {
    b.failures.fetch_add(1, std::memory_order_relaxed);
    const int n = b.consecutive_failures.fetch_add(1, std::memory_order_relaxed) + 1;
    int c = static_cast<int>(Circuit::HalfOpen);
    if (b.circuit.compare_exchange_strong(c, static_cast<int>(Circuit::Open))) {
        open_circuit(b, std::string(to_string(f)) + " while half-open");
        return;
    }
    c = static_cast<int>(Circuit::Closed);
    // A refused connection is definite (nothing listens there): the backend is ejected at once instead of
    // costing the next requests a failed attempt each (and the retry budget their retries).
    const int threshold = f == Failure::Connect ? 1 : static_cast<int>(config_.eject_after_failures);
    if (n >= threshold && b.circuit.compare_exchange_strong(c, static_cast<int>(Circuit::Open)))
        open_circuit(b,
                     std::to_string(n) + " consecutive failures (last: " + std::string(to_string(f)) + ")");
}

void UpstreamPools::report_health(Backend& b, bool ok, const std::string& detail) {
    int streak = b.health_streak.load(std::memory_order_relaxed);
    streak = ok ? std::max(streak, 0) + 1 : std::min(streak, 0) - 1;
    b.health_streak.store(streak, std::memory_order_relaxed);
    const bool was = b.healthy.load(std::memory_order_relaxed);
    if (was && !ok && -streak >= static_cast<int>(config_.unhealthy_after)) {
        b.healthy.store(false, std::memory_order_relaxed);
        const std::string msg = "backend " + b.url + " (" + b.pool + ") down: health check " + detail;
        spdlog::warn("proxy: {}", msg);
        on_event_("proxy.backend.down", msg, backend_json(b));
    } else if (!was && ok && streak >= static_cast<int>(config_.healthy_after)) {
        b.healthy.store(true, std::memory_order_relaxed);
        const std::string msg = "backend " + b.url + " (" + b.pool + ") up: health check passed";
        spdlog::info("proxy: {}", msg);
        on_event_("proxy.backend.up", msg, backend_json(b));
    }
}

void UpstreamPools::earn_retry() noexcept {
    const auto add = static_cast<std::int64_t>(config_.retry_budget_percent * 10);
    if (retry_milli_.load(std::memory_order_relaxed) < retry_cap_milli_)
        retry_milli_.fetch_add(add, std::memory_order_relaxed);
}

bool UpstreamPools::take_retry() noexcept {
    if (retry_milli_.fetch_sub(1000, std::memory_order_relaxed) >= 1000) return true;
    retry_milli_.fetch_add(1000, std::memory_order_relaxed);
    return false;
}

nlohmann::json UpstreamPools::backend_json(const Backend& b) const {
    return {{"url", b.url},
            {"pool", b.pool},
            {"healthy", b.healthy.load()},
            {"circuit", std::string(to_string(static_cast<Circuit>(b.circuit.load())))},
            {"consecutive_failures", b.consecutive_failures.load()},
            {"ejections", b.ejections.load()},
            {"outstanding", b.outstanding.load()},
            {"requests", b.requests.load()},
            {"failures", b.failures.load()}};
}

nlohmann::json UpstreamPools::info() const {
    nlohmann::json pools = nlohmann::json::object();
    for (int p = 0; p < 2; ++p) {
        nlohmann::json list = nlohmann::json::array();
        for (const Backend* b : pools_[p])
            list.push_back(backend_json(*b));
        pools[p == 0 ? "stable" : "canary"] = std::move(list);
    }
    return {{"pools", std::move(pools)},
            {"canary_fallback", config_.canary_fallback},
            {"health_check",
             {{"enabled", config_.health_enabled},
              {"path", config_.health_path},
              {"interval_ms", config_.health_interval.count()}}}};
}

}  // namespace redline::proxy
