// redline-sample-server: the sample API embedding the Redline agent. See docs/sample-server.md.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "agents/sample_server/options.h"
#include "agents/sample_server/sample_server.h"

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
    try {
        // Signals are handled by the signal_set below; block them before any thread starts.
        boost::asio::io_context signals_ctx(1);
        boost::asio::signal_set signals(signals_ctx, SIGTERM, SIGINT);
        int received = 0;
        signals.async_wait([&](const boost::system::error_code& ec, int sig) {
            if (!ec) received = sig;
        });

        redline::sample::SampleServer server(*parsed.options);
        server.start();
        std::printf("%s\n", server.ready_line().c_str());
        std::fflush(stdout);

        signals_ctx.run();
        spdlog::info("signal {} received: draining", received);
        // Further signals while draining are logged and ignored (the drain deadline bounds the shutdown).
        std::function<void(const boost::system::error_code&, int)> again =
            [&](const boost::system::error_code& ec, int sig) {
                if (ec) return;
                spdlog::info("signal {} received while draining; still draining", sig);
                signals.async_wait(again);
            };
        signals.async_wait(again);
        signals_ctx.restart();
        std::thread signal_thread([&] { signals_ctx.run(); });
        const bool clean = server.shutdown();
        signals_ctx.stop();
        signal_thread.join();
        spdlog::info("stopped{}", clean ? "" : " (drain deadline passed)");
        return 0;
    } catch (const std::exception& e) {
        spdlog::critical("cannot start: {}", e.what());
        return 1;
    }
}
