// JUnit XML of a load run for CI systems (docs/regression-gate.md "JUnit"): one <testsuite> each for the
// run's thresholds, its checks and the regression gate, one <testcase> per threshold / check / gated figure,
// a <failure message="..."> on each that failed. Text is escaped for XML 1.0 (markup characters, and the
// control characters and invalid UTF-8 that XML 1.0 cannot carry at all are replaced by U+FFFD).
//
// Pure functions, no Qt; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/load/compare.h"
#include "core/load/results.h"

namespace redline::load {

/// Escapes text for an XML attribute value or character data (& < > " ' and unrepresentable characters).
std::string xml_escape(std::string_view text);

/// The whole document. `gates` may be empty (no --max-regression): the regressions suite then has no cases.
std::string junit_xml(const Summary& run, const std::vector<GateResult>& gates);

}  // namespace redline::load
