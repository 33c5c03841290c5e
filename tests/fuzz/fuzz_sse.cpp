// Fuzz target: redline::SseParser::feed (core/sse_parser.h), the dashboard's text/event-stream parser.
//
// Invariant (abort() when broken): feeding the bytes whole or in chunks split at data-derived points yields
// the same messages, the same feed() verdict (false = an over-long line, the consumer then reconnects) and
// the same retry value.
//
// Input: 1 control byte (low 4 bits: number of split points; bit 4: a small max_line of 64 bytes), then
// that many 16-bit split offsets, then the stream bytes.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/sse_parser.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using redline::SseParser;

struct Outcome {
    std::vector<SseParser::Message> messages;
    bool ok = true;
    std::optional<int> retry_ms;
};

bool same(const Outcome& a, const Outcome& b) {
    if (a.ok != b.ok || a.retry_ms != b.retry_ms || a.messages.size() != b.messages.size()) return false;
    for (std::size_t i = 0; i < a.messages.size(); ++i) {
        const auto &x = a.messages[i], &y = b.messages[i];
        if (x.event != y.event || x.data != y.data || x.id != y.id) return false;
    }
    return true;
}

Outcome run(std::string_view bytes, const std::vector<std::size_t>& cuts, std::size_t max_line) {
    Outcome out;
    SseParser parser;
    parser.max_line = max_line;
    auto collect = [&](const SseParser::Message& m) { out.messages.push_back(m); };
    std::size_t from = 0;
    for (std::size_t i = 0; i <= cuts.size() && out.ok; ++i) {
        const std::size_t to = i < cuts.size() ? cuts[i] : bytes.size();
        out.ok = parser.feed(bytes.substr(from, to - from), collect);
        from = to;
    }
    out.retry_ms = parser.retry_ms();
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    redline::fuzz::Input in{data, size};
    const std::uint8_t control = in.take_byte();
    const std::size_t max_line = (control & 0x10) ? 64 : SseParser{}.max_line;
    std::vector<std::size_t> offsets(control & 0x0f);
    for (auto& o : offsets)
        o = in.take_u16();
    const std::string_view bytes = in.rest();
    for (auto& o : offsets)
        o %= bytes.size() + 1;
    std::sort(offsets.begin(), offsets.end());

    const Outcome whole = run(bytes, {}, max_line);
    const Outcome chunked = run(bytes, offsets, max_line);
    if (!same(whole, chunked)) std::abort();
    return 0;
}
