// An immutable value published atomically to many reader threads (RCU style): writers replace a
// shared_ptr<const T> under a mutex and then bump a generation counter; each reader thread keeps its own
// Reader that takes the mutex only when the generation moved, so the hot path is one acquire load. A reader
// always sees one whole published object, old or new, never a mix.
//
// (Not std::atomic<std::shared_ptr>: libstdc++ 12 guards it with a lock bit inside the control-block pointer,
// which ThreadSanitizer cannot see, so every configuration change was reported as a race.)
//
// Threading: store() from any thread; load()/generation() from any thread; a Reader belongs to one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

namespace redline::sample {

template <class T>
class Versioned {
  public:
    explicit Versioned(std::shared_ptr<const T> initial) : ptr_(std::move(initial)) {}

    void store(std::shared_ptr<const T> v) {
        std::shared_ptr<const T> old;  // released outside the lock
        {
            std::lock_guard lock(mu_);
            old = std::exchange(ptr_, std::move(v));
            gen_.fetch_add(1, std::memory_order_acq_rel);
        }
    }
    std::shared_ptr<const T> load() const {
        std::lock_guard lock(mu_);
        return ptr_;
    }
    std::uint64_t generation() const noexcept { return gen_.load(std::memory_order_acquire); }

    class Reader {
      public:
        const T& get(const Versioned& v) {
            const std::uint64_t g = v.generation();
            if (g != seen_ || !cur_) {
                cur_ = v.load();
                seen_ = g;
            }
            return *cur_;
        }

      private:
        std::shared_ptr<const T> cur_;
        std::uint64_t seen_ = ~std::uint64_t{0};
    };

  private:
    mutable std::mutex mu_;
    std::shared_ptr<const T> ptr_;  // guarded by mu_
    std::atomic<std::uint64_t> gen_{0};
};

}  // namespace redline::sample
