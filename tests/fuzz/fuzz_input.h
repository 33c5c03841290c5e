// Helpers shared by the fuzz targets: taking control bytes off the front of an input.
//
// Threading: plain functions over caller-owned data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace redline::fuzz {

/// An input being consumed from the front: control bytes first, the rest is the payload.
struct Input {
    const std::uint8_t* data;
    std::size_t size;

    /// Removes and returns one byte (0 when empty).
    std::uint8_t take_byte() {
        if (size == 0) return 0;
        --size;
        return *data++;
    }
    /// Removes and returns a little-endian 16-bit value (missing bytes count as 0).
    std::uint16_t take_u16() {
        const std::uint16_t lo = take_byte();
        return static_cast<std::uint16_t>(lo | (take_byte() << 8));
    }
    std::string_view rest() const { return {reinterpret_cast<const char*>(data), size}; }
};

}  // namespace redline::fuzz
