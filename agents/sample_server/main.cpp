// redline-sample-server: the sample API embedding the Redline agent. See docs/sample-server.md.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "agents/sample_server/options.h"
#include "agents/sample_server/sample_server.h"
#include "agents/sample_server/signal_runner.h"

int main(int argc, char** argv) {
    spdlog::set_default_logger(spdlog::stderr_color_mt("sample"));
    const std::vector<std::string> args(argv + 1, argv + argc);
    auto parsed = redline::sample::parse_options(args);
    if (!parsed.options) {
        std::fprintf(stderr, "redline-sample-server: %s\n\n%s", parsed.error.c_str(),
                     redline::sample::usage_text().c_str());
        return 2;
    }
    if (parsed.options->help) {
        std::printf("%s", redline::sample::usage_text().c_str());
        return 0;
    }
    // Built inside start(): the constructor may throw (bad data dir), and that is a start-up failure too.
    std::unique_ptr<redline::sample::SampleServer> server;
    redline::sample::ServerLifecycle life;
    life.start = [&] {
        server = std::make_unique<redline::sample::SampleServer>(*parsed.options);
        server->start();
    };
    life.ready_line = [&] { return server->ready_line(); };
    life.shutdown = [&] { return server->shutdown(); };
    return redline::sample::run_until_signal(life);
}
