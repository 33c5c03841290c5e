// Test helper: the sample lines of Prometheus text format 0.0.4 (label values with \\, \" and \n escapes),
// and the same sample lines expanded from protobuf exposition bytes (agents/agent/metrics.proto), so tests
// can compare the two encodings. Threading: free functions, no shared state.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace redline::test {

struct PromSample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

/// Sample lines of a text exposition; on a malformed line sets *error and returns what was parsed so far.
std::vector<PromSample> parse_prometheus_text(const std::string& text, std::string* error);

}  // namespace redline::test
