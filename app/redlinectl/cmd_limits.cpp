// `redlinectl limits get|set`: the agent's per-route rate-limit table (GET/PUT /v1/limits).
#include <fmt/format.h>

#include <cstdio>

#include "cli.h"
#include "core/json_strict.h"

namespace redline::ctl {

namespace {

void print_limits(const Context& ctx, const LimitsConfig& limits) {
    if (ctx.json) {
        print_json(limits);
        return;
    }
    if (limits.routes.empty()) {
        std::fputs("no rate limits (every route is unlimited)\n", stdout);
        return;
    }
    Table t;
    t.header = {"ROUTE", "MODE", "RATE/S", "BURST", "SCOPE", "ENABLED"};
    for (const auto& [route, l] : limits.routes) {
        t.rows.push_back({route, std::string(to_string(l.mode)), fmt::format("{:g}", l.rate_per_s),
                          fmt::format("{:g}", l.burst), std::string(to_string(l.scope)),
                          l.enabled ? "yes" : "no"});
    }
    std::fputs(t.render().c_str(), stdout);
}

int limits_set_file(Context& ctx, const std::string& path) {
    const std::string text = read_input_file(path);
    auto strict = parse_json_strict(text);
    if (!strict.ok()) throw Failure(path + " is not strict JSON: " + join_field_errors(strict.errors()));
    const nlohmann::json& doc = strict.value();
    // The agent validates strictly and names every bad field; send the document as written.
    const nlohmann::json result = require(ctx.client().call_json("PUT", "/v1/limits", &doc), ctx, "PUT");
    auto parsed = parse_limits(result);
    if (!parsed.ok()) {
        if (ctx.json) {
            print_json(result);
            return kExitOk;
        }
        throw Failure("PUT " + ctx.agent + "/v1/limits: the agent answered an unexpected document");
    }
    print_limits(ctx, parsed.value());
    return kExitOk;
}

}  // namespace

int cmd_limits(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) throw UsageError("limits", "missing subcommand: get or set");
    const std::string sub = args.front();
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (sub == "get") {
        const ParsedArgs a = parse_args(take_output_option(ctx, rest, "limits get"), {}, "limits get");
        if (!a.positional.empty()) {
            throw UsageError("limits get", "unexpected argument '" + a.positional.front() + "'");
        }
        print_limits(ctx, require(ctx.client().limits(), ctx, "GET"));
        return kExitOk;
    }
    if (sub != "set") throw UsageError("limits", "unknown subcommand '" + sub + "' (expected get or set)");

    const std::string cmd = "limits set";
    const ParsedArgs a =
        parse_args(rest, {{"rate", "burst", "mode", "scope", "file"}, {"disable", "enable", "remove"}}, cmd);
    if (auto file = a.value("file")) {
        if (!a.positional.empty() || a.values.size() > 1 || !a.flags.empty()) {
            throw UsageError(cmd, "--file replaces the whole table and takes no route or other options");
        }
        return limits_set_file(ctx, *file);
    }
    if (a.positional.empty()) throw UsageError(cmd, "missing ROUTE (e.g. \"GET /v1/products/{id}\")");
    if (a.positional.size() > 1) {
        throw UsageError(cmd, "expected one ROUTE, got " + std::to_string(a.positional.size()) +
                                  " arguments (quote a route id with a space: \"GET /v1/products\")");
    }
    const std::string route = a.positional.front();
    if (a.values.empty() && a.flags.empty()) {
        throw UsageError(
            cmd, "nothing to change: give --rate, --burst, --mode, --scope, --disable, --enable or --remove");
    }
    if (a.flags.count("disable") && a.flags.count("enable")) {
        throw UsageError(cmd, "--disable and --enable exclude each other");
    }
    if (a.flags.count("remove") && (a.values.size() > 0 || a.flags.size() > 1)) {
        throw UsageError(cmd, "--remove takes no other option");
    }
    // Parse every option before touching the network: a typo never reaches the agent.
    std::optional<double> rate, burst;
    std::optional<LimitMode> mode;
    std::optional<LimitScope> scope;
    if (auto v = a.value("rate")) rate = parse_double(*v, "rate", cmd);
    if (auto v = a.value("burst")) burst = parse_double(*v, "burst", cmd);
    if (auto v = a.value("mode")) {
        if (*v == "enforce")
            mode = LimitMode::Enforce;
        else if (*v == "shadow")
            mode = LimitMode::Shadow;
        else
            throw UsageError(cmd, "--mode must be enforce or shadow, got '" + *v + "'");
    }
    if (auto v = a.value("scope")) {
        if (*v == "client")
            scope = LimitScope::Client;
        else if (*v == "route")
            scope = LimitScope::Route;
        else
            throw UsageError(cmd, "--scope must be client or route, got '" + *v + "'");
    }

    LimitsConfig table = require(ctx.client().limits(), ctx, "GET");
    if (a.flags.count("remove")) {
        if (table.routes.erase(route) == 0) throw Failure("no rate limit is set for route '" + route + "'");
    } else {
        RouteLimit& l = table.routes[route];  // a new route starts from the RouteLimit defaults
        if (rate) l.rate_per_s = *rate;
        if (burst) l.burst = *burst;
        if (mode) l.mode = *mode;
        if (scope) l.scope = *scope;
        if (a.flags.count("disable")) l.enabled = false;
        if (a.flags.count("enable")) l.enabled = true;
    }
    print_limits(ctx, require(ctx.client().set_limits(table), ctx, "PUT"));
    return kExitOk;
}

}  // namespace redline::ctl
