// The Prometheus protobuf exposition format (agents/agent/metrics.proto): varint-length-delimited
// io.prometheus.client.MetricFamily messages, the same families, names, labels and values as the text format,
// with the native histogram of http_server_request_duration_seconds next to its classic buckets. And the
// Accept negotiation that picks it. See docs/metrics.md.
//
// Threading: pure functions; call from any thread.
#pragma once

#include <string>
#include <string_view>

#include "agents/agent/exposition.h"

namespace redline::agent {

/// Content-Type of serialize_metrics_protobuf() output.
inline constexpr const char* kMetricsProtobufContentType =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/// Encodes a scrape (or a push): every family of exposition.families; the metrics of the family named
/// exposition.native_family also carry exposition.duration_native[i] (schema, zero bucket, positive spans and
/// deltas).
std::string serialize_metrics_protobuf(const Exposition& exposition);

/// The format /metrics answers for an Accept header value (several Accept headers joined with ','). Protobuf
/// only when the delimited MetricFamily protobuf type is acceptable (q > 0) and strictly preferred to
/// text/plain (by q, through text/plain, text/*, */* or absence); an empty, unparsable or tied header gets
/// text. Media ranges with an invalid q are ignored. Linear in the header's length, never throws.
enum class MetricsFormat { Text, Protobuf };
MetricsFormat negotiate_metrics_format(std::string_view accept) noexcept;

}  // namespace redline::agent
