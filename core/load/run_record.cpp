#include "core/load/run_record.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace redline::load {

namespace {

constexpr std::uint8_t kSketchEncoding = 1;

void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(char(std::uint8_t(v) | 0x80));
        v >>= 7;
    }
    out.push_back(char(std::uint8_t(v)));
}

class Reader {
  public:
    explicit Reader(std::string_view b) : b_(b) {}
    bool varint(std::uint64_t& v) {
        v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos_ >= b_.size()) return false;
            const auto byte = std::uint8_t(b_[pos_++]);
            const std::uint64_t bits = byte & 0x7f;
            if (shift == 63 && bits > 1) return false;  // more than 64 bits
            v |= bits << shift;
            if (!(byte & 0x80)) return true;
        }
        return false;  // an 11th byte
    }
    bool f64(double& v) {
        if (b_.size() - pos_ < 8) return false;
        std::uint64_t bits = 0;
        for (int i = 0; i < 8; ++i)
            bits |= std::uint64_t(std::uint8_t(b_[pos_ + std::size_t(i)])) << (8 * i);
        pos_ += 8;
        v = std::bit_cast<double>(bits);
        return true;
    }
    bool u8(std::uint8_t& v) {
        if (pos_ >= b_.size()) return false;
        v = std::uint8_t(b_[pos_++]);
        return true;
    }
    bool at_end() const { return pos_ == b_.size(); }

  private:
    std::string_view b_;
    std::size_t pos_ = 0;
};

bool fail(std::string* why, const char* what) {
    if (why) *why = what;
    return false;
}

}  // namespace

std::string encode_sketch(const LatencySketch& s) {
    std::string out;
    const auto pairs = s.sparse();
    out.reserve(2 + pairs.size() * 3 + 20);
    out.push_back(char(kSketchEncoding));
    put_varint(out, pairs.size());
    if (pairs.empty()) return out;
    std::uint32_t prev = 0;
    for (const auto& [index, n] : pairs) {
        put_varint(out, index - prev);
        put_varint(out, n);
        prev = index;
    }
    const auto bits = std::bit_cast<std::uint64_t>(s.sum_ns());
    for (int i = 0; i < 8; ++i)
        out.push_back(char(std::uint8_t(bits >> (8 * i))));
    put_varint(out, s.min_ns());
    put_varint(out, s.max_ns());
    return out;
}

bool decode_sketch(std::string_view blob, LatencySketch& out, std::string* why) {
    out.clear();
    Reader r(blob);
    std::uint8_t version = 0;
    if (!r.u8(version)) return fail(why, "empty sketch blob");
    if (version != kSketchEncoding) return fail(why, "unknown sketch encoding version");
    std::uint64_t n = 0;
    if (!r.varint(n)) return fail(why, "truncated sketch (bucket count)");
    if (n > LatencySketch::kBuckets) return fail(why, "more buckets than a sketch has");
    std::vector<std::pair<std::uint32_t, std::uint64_t>> pairs;
    pairs.reserve(std::size_t(n));
    std::uint64_t index = 0, total = 0;
    for (std::uint64_t k = 0; k < n; ++k) {
        std::uint64_t delta = 0, count = 0;
        if (!r.varint(delta) || !r.varint(count)) return fail(why, "truncated sketch (buckets)");
        if (k > 0 && delta == 0) return fail(why, "sketch bucket indices are not increasing");
        if (delta >= LatencySketch::kBuckets || index + delta >= LatencySketch::kBuckets)
            return fail(why, "sketch bucket index out of range");
        index += delta;
        if (count == 0) return fail(why, "sketch bucket with a zero count");
        if (count > std::numeric_limits<std::uint64_t>::max() - total)
            return fail(why, "sketch count overflows");
        total += count;
        pairs.emplace_back(std::uint32_t(index), count);
    }
    double sum = 0;
    std::uint64_t min = 0, max = 0;
    if (n > 0) {
        if (!r.f64(sum) || !r.varint(min) || !r.varint(max))
            return fail(why, "truncated sketch (sum/min/max)");
        if (!std::isfinite(sum) || sum < 0)
            return fail(why, "sketch sum is not a finite, non-negative number");
        // min > max only in the form of a sketch whose extremes were never observed (filled by add_bucket).
        const bool unknown_extremes = min == std::numeric_limits<std::uint64_t>::max() && max == 0;
        if (min > max && !unknown_extremes) return fail(why, "sketch minimum above its maximum");
    }
    if (!r.at_end()) return fail(why, "trailing bytes after the sketch");
    if (!out.from_sparse(pairs, sum, min, max)) return fail(why, "sketch bucket index out of range");
    return true;
}

}  // namespace redline::load
