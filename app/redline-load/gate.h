// redline-load's regression gate and `compare` command (docs/regression-gate.md): --baseline,
// --max-regression and --junit of `run`, and `compare BASELINE CURRENT`. app/ only; the statistics are
// core/load/compare.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/load/compare.h"

namespace redline::loadcli {

struct GateSetup {
    std::string baseline_path;  // --baseline FILE, or a saved run's id
    std::string runs_db;        // where a saved baseline is looked up (--runs-db; "": the default)
    std::string spec_text;      // --max-regression SPEC
    std::string junit_path;     // --junit FILE
    std::optional<load::Summary> baseline;
    std::optional<load::RegressionSpec> spec;
};

/// Before the run: reads and parses the baseline and the spec, and refuses an unwritable --junit, so a long
/// run never ends in a gate that cannot work. 0, or prints one line to stderr and returns kExitUsage.
int prepare_gate(GateSetup& g, const std::string& scenario_name);

/// After the run: compares with the baseline (table on stdout unless quiet; warnings and failed bounds on
/// stderr when quiet), writes the JUnit file, and returns the exit code: 99 when a gated figure regressed
/// (or could not be evaluated) and the run's code was 0 or 105; the run's code otherwise (1 stays 1).
int finish_gate(const GateSetup& g, const load::Summary& run, int rc, bool quiet);

/// redline-load compare BASELINE.json CURRENT.json [--max-regression SPEC] [-o table|json] [--junit FILE]
int cmd_compare(const std::vector<std::string>& args);

}  // namespace redline::loadcli
