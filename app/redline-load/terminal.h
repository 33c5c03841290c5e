// What redline-load run prints on a terminal or into a CI log: the live progress (a redrawn bar on a TTY, one
// compact line every 5 s otherwise) and the final summary table. app/ only.
// Threading: RunMinimums::add runs on the engine's control thread (EngineOptions::on_second); the printers
// and the reads run on the main thread after Engine::wait() (which joins the control thread).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/load/results.h"
#include "core/load/run_totals.h"

namespace redline::loadcli {

/// The smallest latency of every request and of the run, corrected and uncorrected, from the closed
/// seconds (the Summary carries quantiles, mean and max, not the minimum).
struct RunMinimums {
    static constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();
    std::vector<std::uint64_t> corrected, uncorrected;  // ns per request, kNone without a response
    std::uint64_t all_corrected = kNone, all_uncorrected = kNone;
    void add(const load::RunSecond& s);
};

/// On a terminal: the bar, redrawn in place (\r).
void print_tty_progress(const load::Progress& p);
/// Not a terminal (CI logs): "running    5s/60s  rate 199.0/s of 200/s  p99 3.20ms  errors 0.00%  in-flight 2
/// unsent 0" (closed model: "rate 812.0/s  vus 10/10").
std::string ci_progress_line(const load::Progress& p);

void print_summary(const load::Summary& s, const RunMinimums& mins);

}  // namespace redline::loadcli
