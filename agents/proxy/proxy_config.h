// Configuration of redline-proxy: one JSON file (--config, schema in docs/proxy.md) validated strictly
// (unknown keys, duplicate keys, wrong types and out-of-range values are refused with the field named), plus
// command-line flags for the common case, which override the file.
//
// Threading: pure functions; a ProxyConfig is a plain value, immutable once the proxy starts.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace redline::proxy {

struct ProxyConfig {
    std::string listen = "127.0.0.1:8081";
    std::string admin_listen = "127.0.0.1:9465";
    std::string data_dir;
    unsigned threads = 0;                   // 0 = number of cores
    std::vector<std::string> routes;        // path templates ("/v1/products/{id}")
    std::string routes_file;                // OpenAPI (yaml/json) or a list of templates, one a line
    std::vector<std::string> cache_routes;  // route ids the response cache may serve; empty = every GET route
    std::vector<std::string> stable;        // backend URLs, http://host:port
    std::vector<std::string> canary;
    bool canary_fallback = true;  // canary pool without a usable backend: send to stable (else 503)

    std::chrono::milliseconds connect_timeout{1'000};
    std::chrono::milliseconds request_timeout{15'000};       // request sent -> whole response received
    std::chrono::milliseconds client_read_timeout{10'000};   // client's request header + body
    std::chrono::milliseconds client_idle_timeout{60'000};   // client keep-alive idle
    std::chrono::milliseconds upstream_idle_timeout{4'000};  // pooled upstream connection idle
    std::chrono::milliseconds drain_timeout{10'000};

    std::size_t max_connections = 10'000;
    std::size_t max_inflight = 4'096;
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_body_bytes = 1024 * 1024;
    std::size_t max_response_bytes = 8 * 1024 * 1024;
    std::size_t max_idle_per_backend = 64;  // per worker thread

    std::string health_path = "/healthz";
    std::chrono::milliseconds health_interval{1'000};
    std::chrono::milliseconds health_timeout{500};
    unsigned unhealthy_after = 1;  // consecutive failed checks before a backend is marked down
    unsigned healthy_after = 1;    // consecutive good checks before it is up again
    bool health_enabled = true;

    unsigned eject_after_failures = 5;  // consecutive transport failures -> circuit open
    std::chrono::milliseconds base_ejection{1'000};
    std::chrono::milliseconds max_ejection{30'000};

    unsigned max_attempts = 2;         // first try + retries, idempotent requests only
    double retry_budget_percent = 20;  // each request earns this share of a retry (the bucket starts with 3)

    bool record = true;
    bool help = false;
};

struct ConfigResult {
    std::optional<ProxyConfig> config;
    std::string error;  // one line, names the field or flag
};

/// Parses the JSON text of a config file onto `base`.
ConfigResult parse_config_json(const std::string& text, ProxyConfig base = {});
/// Parses argv (argv[0] ignored): --config first, then the flags on top. Validates the result.
ConfigResult parse_proxy_args(const std::vector<std::string>& args);
std::string proxy_usage_text();

}  // namespace redline::proxy
