#include "agents/sample_server/signal_runner.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <thread>

namespace redline::sample {

int run_until_signal(const ServerLifecycle& server) {
    try {
        // Signals are handled by the signal_set below; block them before any thread starts.
        boost::asio::io_context signals_ctx(1);
        boost::asio::signal_set signals(signals_ctx, SIGTERM, SIGINT);
        int received = 0;
        signals.async_wait([&](const boost::system::error_code& ec, int sig) {
            if (!ec) received = sig;
        });

        server.start();
        std::printf("%s\n", server.ready_line().c_str());
        std::fflush(stdout);

        signals_ctx.run();
        spdlog::info("signal {} received: draining", received);
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

}  // namespace redline::sample
