// Reports runtime faults without throwing: calls the host's on_error callback and logs through spdlog at a
// limited rate (at most `burst` lines per second, then one summary of how many were suppressed).
//
// Threading: report() is thread-safe (mutex_ guards the rate window); the callback runs on the reporting
// thread.
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace redline::agent {

class ErrorReporter {
  public:
    explicit ErrorReporter(std::function<void(std::string_view)> callback = {}, int burst = 10)
        : callback_(std::move(callback)), burst_(burst) {}

    void report(std::string_view message) noexcept {
        try {
            if (callback_) callback_(message);
        } catch (...) {
            // the host's callback must not take the agent down
        }
        try {
            std::lock_guard lock(mutex_);
            auto now = std::chrono::steady_clock::now();
            if (now - window_start_ >= std::chrono::seconds(1)) {
                if (suppressed_ > 0) spdlog::error("agent: {} more errors suppressed", suppressed_);
                window_start_ = now;
                in_window_ = 0;
                suppressed_ = 0;
            }
            if (in_window_ < burst_) {
                ++in_window_;
                spdlog::error("agent: {}", message);
            } else {
                ++suppressed_;
            }
        } catch (...) {
        }
    }

  private:
    std::function<void(std::string_view)> callback_;
    const int burst_;
    std::mutex mutex_;
    std::chrono::steady_clock::time_point window_start_{};
    int in_window_ = 0;
    long suppressed_ = 0;
};

}  // namespace redline::agent
