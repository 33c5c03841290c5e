#include "agents/proxy/proxy_worker.h"

namespace redline::proxy {

std::shared_ptr<UpstreamConn> ProxyWorker::take(Backend& b) {
    if (b.index < idle.size()) {
        auto& list = idle[b.index];
        while (!list.empty()) {
            auto c = std::move(list.back());
            list.pop_back();
            if (c->reusable()) return c;
        }
    }
    return std::make_shared<UpstreamConn>(*ioc, b);
}

void ProxyWorker::give_back(std::shared_ptr<UpstreamConn> c) {
    const std::size_t i = c->backend().index;
    if (!c->reusable() || draining || i >= idle.size() ||
        idle[i].size() >= shared->config->max_idle_per_backend) {
        c->close();
        return;
    }
    c->idle_since_ns = steady_now_ns();
    idle[i].push_back(std::move(c));
}

void ProxyWorker::expire_idle(std::int64_t cutoff_ns) {
    for (auto& list : idle)
        std::erase_if(list, [&](const std::shared_ptr<UpstreamConn>& c) {
            if (c->idle_since_ns >= cutoff_ns && c->reusable()) return false;
            c->close();
            return true;
        });
}

}  // namespace redline::proxy
