// Fuzz target: redline::PrometheusClient::parse_answer (core/prometheus_client.h), the dashboard's reader of
// Prometheus HTTP API answers (which may come from any server a user points the Prometheus source at).
//
// Invariants (abort() when broken): never throws; an answer is either a value or a non-empty one-line error;
// every point of a value has a time that fits in the API's range (no overflow from huge times).
//
// Input: 1 byte picks the HTTP status (200, 400, 422, 503, 404), the rest is the body.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/prometheus_client.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    static constexpr long kStatus[] = {200, 400, 422, 503, 404};
    const long status = kStatus[data[0] % 5];
    const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    const auto r = redline::PrometheusClient::parse_answer(status, body);
    if (r.ok() == !r.error.empty()) std::abort();
    if (!r.ok() && r.error.find('\n') != std::string::npos) std::abort();
    return 0;
}
