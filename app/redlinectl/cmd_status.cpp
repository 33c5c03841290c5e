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

}  // namespace

int cmd_status(Context& ctx, const std::vector<std::string>& args) {
    const ParsedArgs a = parse_args(args, {}, "status");
    if (!a.positional.empty())
        throw UsageError("status", "unexpected argument '" + a.positional.front() + "'");

    const AgentInfo info = require(ctx.client().info(), ctx, "GET");
    const Snapshot snap = require(ctx.client().snapshot(10), ctx, "GET");

    if (ctx.json) {
        print_json({{"agent", ctx.agent}, {"info", info}, {"snapshot", snap}});
        return kExitOk;
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
    out += fmt::format("cache hit {}\n", format_percent(t.cache_hit_ratio));
    const Table table = series_table(snap);
    out += '\n';
    out += table.rows.empty() ? std::string("(no traffic in the last 10 s)\n") : table.render();
    std::fputs(out.c_str(), stdout);
    return kExitOk;
}

}  // namespace redline::ctl
