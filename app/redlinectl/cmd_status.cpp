// `redlinectl status`: agent identity plus a 10 s summary.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "cli.h"
#include "core/clock.h"

namespace redline::ctl {

namespace {

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
    std::string out;
    for (const auto& s : v) {
        if (!out.empty()) out += sep;
        out += s;
    }
    return out.empty() ? std::string("-") : out;
}

/// Why the agent is unhealthy (empty: healthy), and what is degraded but still serving. Unhealthy: its
/// /healthz does not answer 200 {"status":"ok"}; or (a forwarding host, /v1/info "proxy") the stable pool, or
/// the canary pool without fallback to stable, has backends but none that is healthy with its circuit not
/// open. Degraded: any other backend that is unhealthy or ejected.
struct Health {
    std::vector<std::string> problems, degraded;
};

Health check_health(Context& ctx, const AgentInfo& info) {
    Health h;
    const HttpResponse r = ctx.client().request("GET", "/healthz");
    if (!r.transport_ok()) {
        h.problems.push_back("GET /healthz: " + r.transport_error);
    } else {
        const auto j = nlohmann::json::parse(r.body, nullptr, false);
        if (r.status != 200 || !j.is_object() || j.value("status", "") != "ok")
            h.problems.push_back(fmt::format("GET /healthz answered {} {}", r.status, r.body.substr(0, 200)));
    }
    if (!info.proxy) return h;
    for (const char* pool : {"stable", "canary"}) {
        int backends = 0, usable = 0;
        for (const auto& b : info.proxy->backends) {
            if (b.pool != pool) continue;
            ++backends;
            const bool ok = b.healthy && b.circuit != "open";
            usable += ok ? 1 : 0;
            if (!ok)
                h.degraded.push_back(fmt::format("{} backend {} is {}{}", pool, b.url,
                                                 b.healthy ? "healthy" : "unhealthy",
                                                 b.circuit == "open" ? ", circuit open" : ""));
        }
        const bool needed = std::string(pool) == "stable" || !info.proxy->canary_fallback;
        if (backends > 0 && usable == 0 && needed)
            h.problems.push_back(fmt::format("no usable backend in the {} pool ({} of {} unusable)", pool,
                                             backends, backends));
    }
    return h;
}

}  // namespace

int cmd_status(Context& ctx, const std::vector<std::string>& args) {
    const ParsedArgs a = parse_args(take_output_option(ctx, args, "status"), {}, "status");
    if (!a.positional.empty())
        throw UsageError("status", "unexpected argument '" + a.positional.front() + "'");

    const AgentInfo info = require(ctx.client().info(), ctx, "GET");
    const Snapshot snap = require(ctx.client().snapshot(10), ctx, "GET");
    const Health health = check_health(ctx, info);
    const int rc = health.problems.empty() ? kExitOk : kExitUnhealthy;

    if (ctx.json) {
        print_json({{"agent", ctx.agent},
                    {"info", info},
                    {"snapshot", snap},
                    {"health",
                     {{"healthy", health.problems.empty()},
                      {"problems", health.problems},
                      {"degraded", health.degraded}}}});
        return rc;
    }

    const auto now_ms = redline::unix_ms();
    std::string out;
    out += fmt::format("agent     {}\n", ctx.agent);
    out += fmt::format("service   {} {} (agent {}, id {})\n", info.service,
                       info.service_version.empty() ? "" : info.service_version,
                       info.agent_version.empty() ? "?" : info.agent_version, info.agent_id);
    if (info.started_ms > 0) {
        out += fmt::format("up        {} (since {})\n", format_duration_s((now_ms - info.started_ms) / 1000),
                           format_time_ms(info.started_ms));
    }
    out += fmt::format("health    {}\n", health.problems.empty()
                                             ? (health.degraded.empty() ? "healthy" : "healthy, degraded")
                                             : "UNHEALTHY");
    for (const auto& p : health.problems)
        out += fmt::format("          \u2717 {}\n", p);
    for (const auto& d : health.degraded)
        out += fmt::format("          ! {}\n", d);
    out += fmt::format("role      {}\n", info.role.empty() ? "-" : info.role);
    out += fmt::format("routes    {}: {}\n", info.routes.size(), join(info.routes));
    out += fmt::format("versions  {}\n", join(info.versions));
    out += fmt::format("controls  {}\n", join(info.controls));

    const SeriesSnapshot& t = snap.total;
    out += fmt::format("\nlast {} s: {} req/s, {} requests, success {}, 5xx {}, 429 {}, in flight {}\n",
                       snap.window_s, format_rate(t.rate_per_s), t.requests, format_success(t), t.errors,
                       t.rate_limited, t.inflight);
    out += fmt::format(
        "latency   p50 {}  p95 {}  p99 {}  p99.9 {}  max {}\n", format_latency(t, &LatencyQuantiles::p50_ms),
        format_latency(t, &LatencyQuantiles::p95_ms), format_latency(t, &LatencyQuantiles::p99_ms),
        format_latency(t, &LatencyQuantiles::p999_ms), format_latency(t, &LatencyQuantiles::max_ms));
    if (t.upstream) {
        // A forwarding host (redline-proxy): the time spent in the upstream service, of the requests that
        // reached one (quantiles do not subtract: total and upstream side by side).
        const LatencyQuantiles& u = t.upstream->latency;
        out +=
            fmt::format("upstream  p50 {}  p95 {}  p99 {}  max {}  ({} of {} requests reached an upstream)\n",
                        format_ms(u.p50_ms), format_ms(u.p95_ms), format_ms(u.p99_ms), format_ms(u.max_ms),
                        t.upstream->requests, t.requests);
    }
    out += fmt::format("cache hit {}\n", format_percent(t.cache_hit_ratio));
    const Table table = series_table(snap);
    out += '\n';
    out += table.rows.empty() ? std::string("(no traffic in the last 10 s)\n") : table.render();
    std::fputs(out.c_str(), stdout);
    return rc;
}

}  // namespace redline::ctl
