// `redlinectl canary get|set`: canary weight and fault injection (GET/PUT /v1/canary).
#include <fmt/format.h>

#include <cstdio>

#include "cli.h"

namespace redline::ctl {

namespace {

void print_canary(const Context& ctx, const CanaryConfig& c) {
    if (ctx.json) {
        print_json(c);
        return;
    }
    std::string out = fmt::format("weight       {:g}%\n", c.weight_percent);
    out += fmt::format("latency      +{:g} ms (jitter 0..{:g} ms)\n", c.faults.latency_ms,
                       c.faults.latency_jitter_ms);
    out += fmt::format("error ratio  {:g}\n", c.faults.error_ratio);
    std::fputs(out.c_str(), stdout);
}

}  // namespace

int cmd_canary(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) throw UsageError("canary", "missing subcommand: get or set");
    const std::string sub = args.front();
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (sub == "get") {
        const ParsedArgs a = parse_args(take_output_option(ctx, rest, "canary get"), {}, "canary get");
        if (!a.positional.empty()) {
            throw UsageError("canary get", "unexpected argument '" + a.positional.front() + "'");
        }
        print_canary(ctx, require(ctx.client().canary(), ctx, "GET"));
        return kExitOk;
    }
    if (sub != "set") throw UsageError("canary", "unknown subcommand '" + sub + "' (expected get or set)");

    const std::string cmd = "canary set";
    const ParsedArgs a = parse_args(rest, {{"weight", "latency-ms", "jitter-ms", "error-ratio"}, {}}, cmd);
    if (!a.positional.empty()) throw UsageError(cmd, "unexpected argument '" + a.positional.front() + "'");
    if (a.values.empty()) {
        throw UsageError(cmd, "nothing to change: give --weight, --latency-ms, --jitter-ms or --error-ratio");
    }
    std::optional<double> weight, latency, jitter, errors;
    if (auto v = a.value("weight")) {
        std::string text = *v;
        if (!text.empty() && text.back() == '%') text.pop_back();  // "--weight 25%" reads naturally
        weight = parse_double(text, "weight", cmd);
    }
    if (auto v = a.value("latency-ms")) latency = parse_double(*v, "latency-ms", cmd);
    if (auto v = a.value("jitter-ms")) jitter = parse_double(*v, "jitter-ms", cmd);
    if (auto v = a.value("error-ratio")) errors = parse_double(*v, "error-ratio", cmd);

    // Read-modify-write so options not given keep their current values; the agent validates ranges.
    CanaryConfig c = require(ctx.client().canary(), ctx, "GET");
    if (weight) c.weight_percent = *weight;
    if (latency) c.faults.latency_ms = *latency;
    if (jitter) c.faults.latency_jitter_ms = *jitter;
    if (errors) c.faults.error_ratio = *errors;
    print_canary(ctx, require(ctx.client().set_canary(c), ctx, "PUT"));
    return kExitOk;
}

}  // namespace redline::ctl
