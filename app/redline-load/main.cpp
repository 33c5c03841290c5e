// redline-load: run built-in or file scenarios from a terminal or CI.
//   redline-load run FILE|BUILTIN [--target URL] [--rate N] [--duration S] [--vus N] [--connections N]
//                                 [--threads N] [--out [KIND=]FILE]... [--agent URL] [--agent-token-file F]
//                                 [--quiet]      (redline-load run --help; KIND: docs/output-formats.md)
//   redline-load list
//   redline-load validate FILE|BUILTIN
// Exit codes (docs/scenarios.md): 0 all thresholds passed, 99 a threshold failed (k6's convention), 105
// stopped by SIGINT/SIGTERM (k6's external abort; the summary is still written), 2 usage error, invalid
// scenario or unusable --out/--agent-token-file (before the run), 1 runtime error (unreachable target or
// agent, ...).
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "app/redline-load/cli.h"
#include "core/agent_client.h"

namespace {
std::atomic<int> g_interrupts{0};
extern "C" void on_sigint(int) {
    g_interrupts.fetch_add(1);
}
}  // namespace

int main(int argc, char** argv) {
    redline::CurlGlobal curl;
    auto logger = spdlog::stderr_color_mt("redline-load");
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::warn);
    std::vector<std::string> args(argv + 1, argv + argc);
    std::signal(SIGINT, on_sigint);
    std::signal(SIGTERM, on_sigint);
    std::signal(SIGPIPE, SIG_IGN);
    return redline::loadcli::run_cli(args, g_interrupts);
}
