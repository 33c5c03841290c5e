#include "agents/sample_server/worker_loop.h"

#include <spdlog/spdlog.h>

#include <thread>

namespace redline::sample {

namespace asio = boost::asio;

bool wait_drained(const std::atomic<std::size_t>& connections, std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (connections.load(std::memory_order_relaxed) > 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const std::size_t left = connections.load(std::memory_order_relaxed);
    if (left > 0) spdlog::warn("drain deadline passed with {} connections open", left);
    return left == 0;
}

void run_worker(asio::io_context& ioc, const char* what) {
    for (;;) {
        try {
            ioc.run();
            return;
        } catch (const std::exception& e) {
            spdlog::error("{}: unexpected exception: {}", what, e.what());
        }
    }
}

}  // namespace redline::sample
