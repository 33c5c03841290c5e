// An immutable value published atomically to many reader threads (RCU style): writers swap a
// shared_ptr<const T>; each reader thread keeps its own Reader that re-loads only when the generation moved,
// so the hot path is one acquire load. A reader always sees one whole published object, old or new, never a
// mix.
//
// Threading: store() from any thread (serialised by an internal mutex); load()/generation() from any thread;
// a Reader belongs to one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace redline::sample {

template <class T>
class Versioned {
  public:
    explicit Versioned(std::shared_ptr<const T> initial) : ptr_(std::move(initial)) {}

    void store(std::shared_ptr<const T> v) {
        std::lock_guard lock(mu_);
        ptr_.store(std::move(v), std::memory_order_release);
        gen_.fetch_add(1, std::memory_order_acq_rel);
    }
    std::shared_ptr<const T> load() const { return ptr_.load(std::memory_order_acquire); }
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
    std::mutex mu_;
    std::atomic<std::shared_ptr<const T>> ptr_;
    std::atomic<std::uint64_t> gen_{0};
};

}  // namespace redline::sample
