// Command line of redline-sample-server: listen addresses, data dir, worker threads, seeding and the limits
// that keep the server alive under abuse (sizes, timeouts, connection cap, in-flight cap, drain deadline).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agents/sample_server/listener.h"

namespace redline::sample {

struct ServerOptions {
    std::string listen = "127.0.0.1:8080";
    std::string admin_listen = "127.0.0.1:9464";
    std::string data_dir;
    unsigned threads = 0;  // 0 = number of cores
    std::uint64_t seed_products = 100'000;
    std::size_t max_header_bytes = 8 * 1024;
    std::size_t max_body_bytes = 64 * 1024;
    std::chrono::milliseconds read_timeout{10'000};  // a request's header + body must arrive within this
    std::chrono::milliseconds idle_timeout{60'000};  // keep-alive connection without a request
    std::size_t max_connections = 10'000;
    std::size_t max_inflight = 1'024;                 // more concurrent requests -> 503 + Retry-After
    std::chrono::milliseconds drain_timeout{10'000};  // SIGTERM: wait this long for in-flight requests
    bool record = true;                               // --no-record switches agent recording off
    bool metrics_without_token =
        false;  // --metrics-without-token: /metrics open on a non-loopback admin bind
    bool help = false;
};

struct ParsedOptions {
    std::optional<ServerOptions> options;
    std::string error;  // set when options is empty
};

/// Parses argv (argv[0] ignored). "--help" yields options with help = true.
ParsedOptions parse_options(const std::vector<std::string>& args);
std::string usage_text();

}  // namespace redline::sample
