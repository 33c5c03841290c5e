// `redlinectl cache get|set|flush`: the sample server's response cache (GET/PUT /v1/cache, POST
// /v1/cache/flush; docs/openapi.yaml). Hosts without a cache answer 404, reported as for any other error.
#include <fmt/format.h>

#include <cstdio>

#include "cli.h"

namespace redline::ctl {

namespace {

void print_cache(const Context& ctx, const nlohmann::json& c) {
    if (ctx.json) {
        print_json(c);
        return;
    }
    std::string out;
    if (c.contains("capacity") && c["capacity"].is_number_integer()) {
        const auto cap = c["capacity"].get<std::int64_t>();
        out += fmt::format("capacity  {} entries{}\n", cap, cap == 0 ? " (the cache is off)" : "");
    }
    if (c.contains("ttl_ms") && c["ttl_ms"].is_number())
        out += fmt::format("ttl       {} ms\n", c["ttl_ms"].dump());
    std::fputs(out.c_str(), stdout);
}

}  // namespace

int cmd_cache(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) throw UsageError("cache", "missing subcommand: get, set or flush");
    const std::string sub = args.front();
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (sub == "get") {
        const std::string cmd = "cache get";
        const ParsedArgs a = parse_args(take_output_option(ctx, rest, cmd), {}, cmd);
        if (!a.positional.empty())
            throw UsageError(cmd, "unexpected argument '" + a.positional.front() + "'");
        print_cache(ctx, require(ctx.client().control("cache"), ctx, "GET"));
        return kExitOk;
    }
    if (sub == "flush") {
        const std::string cmd = "cache flush";
        const ParsedArgs a = parse_args(rest, {}, cmd);
        if (!a.positional.empty())
            throw UsageError(cmd, "unexpected argument '" + a.positional.front() + "'");
        const nlohmann::json r = require(ctx.client().call_json("POST", "/v1/cache/flush"), ctx, "POST");
        if (ctx.json)
            print_json(r);
        else
            std::printf("flushed %s entries\n", r.value("flushed", nlohmann::json(0)).dump().c_str());
        return kExitOk;
    }
    if (sub != "set")
        throw UsageError("cache", "unknown subcommand '" + sub + "' (expected get, set or flush)");
    const std::string cmd = "cache set";
    const ParsedArgs a = parse_args(rest, {{"capacity", "ttl-ms"}, {}}, cmd);
    if (!a.positional.empty()) throw UsageError(cmd, "unexpected argument '" + a.positional.front() + "'");
    if (a.values.empty()) throw UsageError(cmd, "nothing to change: give --capacity or --ttl-ms");
    // Whole numbers checked here; the agent checks the ranges (and names the field).
    std::optional<std::int64_t> capacity, ttl;
    if (auto v = a.value("capacity")) capacity = parse_int(*v, "capacity", cmd, 0, INT64_MAX);
    if (auto v = a.value("ttl-ms")) ttl = parse_int(*v, "ttl-ms", cmd, 0, INT64_MAX);
    // Read-modify-write: a setting not given keeps its value.
    nlohmann::json c = require(ctx.client().control("cache"), ctx, "GET");
    if (capacity) c["capacity"] = *capacity;
    if (ttl) c["ttl_ms"] = *ttl;
    print_cache(ctx, require(ctx.client().set_control("cache", c), ctx, "PUT"));
    return kExitOk;
}

}  // namespace redline::ctl
