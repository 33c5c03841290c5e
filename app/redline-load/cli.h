// Command-line front end of redline-load (argument parsing, live display, summary table). app/ only.
#pragma once

#include <atomic>
#include <string>
#include <vector>

namespace redline::loadcli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitThreshold = 99;
inline constexpr int kExitInterrupted = 105;  // stopped by SIGINT/SIGTERM (k6: external abort)

/// Runs one command; `interrupts` counts SIGINT/SIGTERM (first: graceful stop, second: stop at once).
int run_cli(const std::vector<std::string>& args, std::atomic<int>& interrupts);

}  // namespace redline::loadcli
