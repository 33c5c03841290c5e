// Fuzz target: redline::agent::negotiate_metrics_format (agents/agent/metrics_protobuf.h), the Accept parsing
// of GET /metrics.
//
// Invariants (abort() when broken): the answer is deterministic; a header that does not mention "protobuf"
// (any case) gets text; putting "text/plain;q=1," in front always gets text (protobuf must be strictly
// preferred to text, and no q exceeds 1).
//
// Input: the Accept header value, as is.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agents/agent/metrics_protobuf.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using redline::agent::MetricsFormat;
    using redline::agent::negotiate_metrics_format;
    const std::string_view accept(reinterpret_cast<const char*>(data), size);
    const MetricsFormat f = negotiate_metrics_format(accept);
    if (negotiate_metrics_format(accept) != f) std::abort();
    std::string lower(accept);
    for (char& c : lower)
        c = char(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (lower.find("protobuf") == std::string::npos && f != MetricsFormat::Text) std::abort();
    if (negotiate_metrics_format("text/plain;q=1," + std::string(accept)) != MetricsFormat::Text)
        std::abort();
    return 0;
}
