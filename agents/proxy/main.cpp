// redline-proxy: an HTTP/1.1 reverse proxy with the Redline agent inside. See docs/proxy.md.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "agents/proxy/proxy.h"
#include "agents/proxy/proxy_config.h"
#include "agents/sample_server/signal_runner.h"

int main(int argc, char** argv) {
    spdlog::set_default_logger(spdlog::stderr_color_mt("proxy"));
    const std::vector<std::string> args(argv + 1, argv + argc);
    auto parsed = redline::proxy::parse_proxy_args(args);
    if (!parsed.config) {
        std::fprintf(stderr, "redline-proxy: %s (see --help)\n", parsed.error.c_str());
        return 2;
    }
    if (parsed.config->help) {
        std::printf("%s", redline::proxy::proxy_usage_text().c_str());
        return 0;
    }
    std::unique_ptr<redline::proxy::Proxy> proxy;
    redline::sample::ServerLifecycle life;
    life.start = [&] {
        proxy = std::make_unique<redline::proxy::Proxy>(*parsed.config);
        proxy->start();
    };
    life.ready_line = [&] { return proxy->ready_line(); };
    life.shutdown = [&] { return proxy->shutdown(); };
    return redline::sample::run_until_signal(life);
}
