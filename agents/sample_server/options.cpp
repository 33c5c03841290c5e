#include "agents/sample_server/options.h"

#include <charconv>
#include <functional>
#include <map>

namespace redline::sample {

namespace {

template <class T>
bool parse_number(const std::string& text, T& out, T min, T max) {
    T v{};
    const auto* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || p != end || v < min || v > max) return false;
    out = v;
    return true;
}

}  // namespace

std::string usage_text() {
    return R"(usage: redline-sample-server --data-dir DIR [options]

  --listen HOST:PORT          API address (default 127.0.0.1:8080; port 0 = any)
  --admin-listen HOST:PORT    agent admin address (default 127.0.0.1:9464; port 0 = any)
  --data-dir DIR              SQLite catalog, agent tokens, control state, audit log (required)
  --threads N                 worker threads, one io_context each (default: number of cores)
  --seed-products N           products seeded on first start (default 100000)
  --max-connections N         API connections at once (default 10000)
  --max-inflight N            concurrent requests before 503 overload (default 1024)
  --max-header-bytes N        request header cap, 431 above (default 8192)
  --max-body-bytes N          request body cap, 413 above (default 65536)
  --read-timeout-ms N         time for a request's header and body (default 10000)
  --idle-timeout-ms N         keep-alive idle time (default 60000)
  --drain-timeout-ms N        SIGTERM drain deadline (default 10000)
  --no-record                 do not record requests in the agent (benchmark baseline)
  --metrics-without-token     serve /metrics without the viewer token also when --admin-listen is not
                              loopback (by default a non-loopback admin bind requires it)
  --help                      this text

Once serving, prints one line on stdout:
  REDLINE_READY api=http://HOST:PORT admin=http://HOST:PORT data_dir=DIR
)";
}

ParsedOptions parse_options(const std::vector<std::string>& args) {
    ServerOptions o;
    ParsedOptions r;
    auto ms = [](std::chrono::milliseconds& dst) {
        return [&dst](const std::string& v) {
            std::int64_t n = 0;
            if (!parse_number<std::int64_t>(v, n, 1, 86'400'000)) return false;
            dst = std::chrono::milliseconds(n);
            return true;
        };
    };
    auto size = [](std::size_t& dst, std::size_t min, std::size_t max) {
        return [&dst, min, max](const std::string& v) { return parse_number<std::size_t>(v, dst, min, max); };
    };
    const std::map<std::string, std::function<bool(const std::string&)>> with_value = {
        {"--listen",
         [&](const std::string& v) {
             std::string h;
             std::uint16_t p;
             o.listen = v;
             return split_host_port(v, h, p);
         }},
        {"--admin-listen",
         [&](const std::string& v) {
             std::string h;
             std::uint16_t p;
             o.admin_listen = v;
             return v.empty() || split_host_port(v, h, p);
         }},
        {"--data-dir",
         [&](const std::string& v) {
             o.data_dir = v;
             return !v.empty();
         }},
        {"--threads", [&](const std::string& v) { return parse_number<unsigned>(v, o.threads, 1, 256); }},
        {"--seed-products",
         [&](const std::string& v) {
             return parse_number<std::uint64_t>(v, o.seed_products, 0, 10'000'000);
         }},
        {"--max-connections", size(o.max_connections, 1, 1'000'000)},
        {"--max-inflight", size(o.max_inflight, 1, 1'000'000)},
        {"--max-header-bytes", size(o.max_header_bytes, 256, 1 << 20)},
        {"--max-body-bytes", size(o.max_body_bytes, 16, 64 << 20)},
        {"--read-timeout-ms", ms(o.read_timeout)},
        {"--idle-timeout-ms", ms(o.idle_timeout)},
        {"--drain-timeout-ms", ms(o.drain_timeout)},
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string name = args[i], value;
        bool has_inline = false;
        if (const auto eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            has_inline = true;
        }
        if (name == "--help" || name == "-h") {
            o.help = true;
            r.options = o;
            return r;
        }
        if (name == "--no-record") {
            o.record = false;
            continue;
        }
        if (name == "--metrics-without-token") {
            o.metrics_without_token = true;
            continue;
        }
        const auto it = with_value.find(name);
        if (it == with_value.end()) {
            r.error = "unknown option '" + name + "'";
            return r;
        }
        if (!has_inline) {
            if (i + 1 >= args.size()) {
                r.error = "option " + name + " needs a value";
                return r;
            }
            value = args[++i];
        }
        if (!it->second(value)) {
            r.error = "invalid value '" + value + "' for " + name;
            return r;
        }
    }
    if (o.data_dir.empty()) {
        r.error = "--data-dir is required";
        return r;
    }
    r.options = o;
    return r;
}

}  // namespace redline::sample
