// Bounded FIFO ring with an explicit overflow policy: when full, the oldest element is overwritten and the
// dropped counter grows (spdlog circular_q style). Storage grows lazily up to the capacity, so a short
// session does not pay for a full hour of history.
//
// Threading: not thread-safe; owned and used by the GUI thread (SeriesStore).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace redline::ui {

template <class T>
class RingBuffer {
  public:
    explicit RingBuffer(std::size_t capacity = 3600) : capacity_(capacity ? capacity : 1) {}

    void push(const T& v) {
        if (data_.size() < capacity_) {
            data_.push_back(v);
            return;
        }
        data_[head_] = v;
        head_ = (head_ + 1) % capacity_;
        ++dropped_;
    }
    std::size_t size() const { return data_.size(); }
    bool empty() const { return data_.empty(); }
    std::size_t capacity() const { return capacity_; }
    /// Number of elements overwritten because the ring was full.
    std::uint64_t dropped() const { return dropped_; }
    /// i = 0 is the oldest element.
    const T& operator[](std::size_t i) const { return data_[(head_ + i) % data_.size()]; }
    const T& back() const { return (*this)[data_.size() - 1]; }
    void clear() {
        data_.clear();
        head_ = 0;
    }
    /// First index whose key(element) >= k, for elements ordered by key (binary search).
    template <class Key, class K>
    std::size_t lower_bound(const K& k, Key key) const {
        std::size_t lo = 0, hi = data_.size();
        while (lo < hi) {
            std::size_t mid = (lo + hi) / 2;
            if (key((*this)[mid]) < k)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
    std::size_t memory_bytes() const { return data_.capacity() * sizeof(T); }

  private:
    std::vector<T> data_;
    std::size_t capacity_;
    std::size_t head_ = 0;  // index of the oldest element once the ring is full
    std::uint64_t dropped_ = 0;
};

}  // namespace redline::ui
