// `redlinectl rollout set|start|pause|resume|promote|abort|skip|status`: the agent's progressive delivery
// (GET/PUT /v1/rollout, POST /v1/rollout/{action}; docs/rollouts.md). A plan comes from a file or from the
// --steps shorthand; it is validated here with the agent's own parser before anything is sent.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "cli.h"
#include "core/clock.h"
#include "core/json_strict.h"
#include "core/number.h"
#include "core/rollout.h"
#include "rollout_view.h"

namespace redline::ctl {

namespace {

using nlohmann::json;

// Options that describe a plan (set, start). --file excludes the others.
const std::set<std::string> kPlanOptions = {"file", "steps", "on-failure", "window",
                                            "p50",  "p95",   "p99",        "max-error-increase"};
const std::set<std::string> kActions = {"pause", "resume", "promote", "abort", "skip"};

std::string field_lines(const std::vector<FieldError>& errors) {
    std::string out;
    for (const FieldError& e : errors)
        out += "\n  " + (e.field.empty() ? e.message : e.field + ": " + e.message);
    return out;
}

// A number with an optional unit suffix ("30s", "20%", "1pp"); UsageError naming the option otherwise.
double number_with_unit(std::string text, const std::string& unit, const std::string& what,
                        const std::string& cmd) {
    if (text.size() > unit.size() && text.compare(text.size() - unit.size(), unit.size(), unit) == 0)
        text.resize(text.size() - unit.size());
    const auto v = parse_decimal(text);
    if (!v)
        throw UsageError(cmd, what + " needs a number" +
                                  (unit.empty() ? "" : " (optionally in " + unit + ")") + ", got '" + text +
                                  "'");
    return *v;
}

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t at = text.find(sep, start);
        out.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
        if (at == std::string::npos) return out;
        start = at + 1;
    }
}

// "5:30,25:60,50:60,100": WEIGHT[%][:HOLD[s]] per step; only the last step may leave out its hold.
json steps_from_text(const std::string& text, const std::string& cmd) {
    json steps = json::array();
    const std::vector<std::string> items = split(text, ',');
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string& item = items[i];
        const std::string what = fmt::format("--steps item {} ('{}')", i + 1, item);
        if (item.empty())
            throw UsageError(
                cmd, fmt::format("--steps item {} is empty (expected WEIGHT:HOLD_S, e.g. 25:60)", i + 1));
        const std::vector<std::string> parts = split(item, ':');
        if (parts.size() > 2) throw UsageError(cmd, what + " must be WEIGHT:HOLD_S, e.g. 25:60");
        json step = {{"weight_percent", number_with_unit(parts[0], "%", what + " weight", cmd)}};
        if (parts.size() == 2) {
            const double hold = number_with_unit(parts[1], "s", what + " hold", cmd);
            if (hold != static_cast<double>(static_cast<long long>(hold)))
                throw UsageError(cmd, what + " hold must be whole seconds");
            step["hold_s"] = static_cast<long long>(hold);
        } else if (i + 1 < items.size()) {
            throw UsageError(cmd,
                             what + " needs a hold time (WEIGHT:HOLD_S); only the last step may omit it");
        }
        steps.push_back(std::move(step));
    }
    return steps;
}

// "20%,5ms": the canary's quantile may be at most 20 % and 5 ms worse. A part not given keeps its default.
json bound_from_text(const std::string& text, const std::string& option, const std::string& cmd) {
    json bound = json::object();
    for (const std::string& part : split(text, ',')) {
        const std::string what = "--" + option + " part '" + part + "'";
        if (part.size() > 1 && part.back() == '%') {
            bound["max_increase_percent"] = number_with_unit(part, "%", what, cmd);
        } else if (part.size() > 2 && part.compare(part.size() - 2, 2, "ms") == 0) {
            bound["max_increase_ms"] = number_with_unit(part, "ms", what, cmd);
        } else {
            throw UsageError(cmd, what + " must be a percentage (20%) or milliseconds (5ms)");
        }
    }
    return bound;
}

// The plan given on the command line, validated; nullopt when none is given.
std::optional<json> plan_from_args(const ParsedArgs& a, const std::string& cmd) {
    bool shorthand = false;
    for (const auto& name : kPlanOptions)
        if (name != "file" && a.has(name)) shorthand = true;
    if (auto file = a.value("file")) {
        if (shorthand)
            throw UsageError(cmd, "--file is a whole plan: put the other plan options in the file");
        const std::string text = read_input_file(*file);
        auto strict = parse_json_strict(text);
        if (!strict.ok()) throw Failure(*file + " is not strict JSON:" + field_lines(strict.errors()));
        auto spec = parse_rollout_spec(strict.value());
        if (!spec.ok()) throw Failure(*file + " is not a valid rollout plan:" + field_lines(spec.errors()));
        return strict.value();  // sent as written: the agent applies the same defaults
    }
    if (!shorthand) return std::nullopt;
    if (!a.has("steps")) throw UsageError(cmd, "the plan options need --steps (or a plan in --file)");
    json plan = {{"steps", steps_from_text(*a.value("steps"), cmd)}};
    if (auto v = a.value("on-failure")) {
        if (*v != "rollback" && *v != "pause")
            throw UsageError(cmd, "--on-failure must be rollback or pause, got '" + *v + "'");
        plan["on_failure"] = *v;
    }
    json analysis = json::object();
    if (auto v = a.value("window")) {
        const double w = number_with_unit(*v, "s", "--window", cmd);
        if (w != static_cast<double>(static_cast<long long>(w)))
            throw UsageError(cmd, "--window must be whole seconds, got '" + *v + "'");
        analysis["window_s"] = static_cast<long long>(w);
    }
    for (const char* q : {"p50", "p95", "p99"})
        if (auto v = a.value(q)) analysis[q] = bound_from_text(*v, q, cmd);
    if (auto v = a.value("max-error-increase"))
        analysis["max_error_increase_pp"] = number_with_unit(*v, "pp", "--max-error-increase", cmd);
    if (!analysis.empty()) plan["analysis"] = std::move(analysis);
    // Ranges and step order are the agent's rules, checked by the same parser; the command line is at fault.
    auto spec = parse_rollout_spec(plan);
    if (!spec.ok()) throw UsageError(cmd, "the plan is invalid:" + field_lines(spec.errors()));
    return plan;
}

// Like require(), with a 400's field errors one per line.
const json& require_rollout(const Result<json>& r, const Context& ctx, const char* method) {
    if (!r.ok() && r.problem && !r.problem->errors.empty()) {
        Problem head = *r.problem;
        head.errors.clear();
        throw Failure(std::string(method) + " " + r.url + ": " + head.to_string() +
                      field_lines(r.problem->errors));
    }
    return require(r, ctx, method);
}

RolloutStatus status_from(const json& j, const std::string& url) {
    std::string error;
    auto s = parse_rollout_status(j, &error);
    if (!s) throw Failure("invalid rollout status from " + url + ": " + error);
    return *s;
}

void print_status(const Context& ctx, const json& j) {
    if (ctx.json) {
        print_json(j);
        return;
    }
    const RolloutStatus s = status_from(j, ctx.agent + "/v1/rollout");
    std::fputs(rollout_status_text(ctx.agent, s, unix_ms()).c_str(), stdout);
}

json post_action(Context& ctx, const std::string& action, const std::optional<std::string>& reason) {
    const json body = reason ? json{{"reason", *reason}} : json();
    return require_rollout(ctx.client().call_json("POST", "/v1/rollout/" + action, reason ? &body : nullptr),
                           ctx, "POST");
}

int rollout_plan(Context& ctx, const std::string& sub, const std::vector<std::string>& rest) {
    const std::string cmd = "rollout " + sub;
    OptionSpec spec{kPlanOptions, {}};
    if (sub == "start") spec.values.insert("reason");
    const ParsedArgs a = parse_args(rest, spec, cmd);
    if (!a.positional.empty()) throw UsageError(cmd, "unexpected argument '" + a.positional.front() + "'");
    const std::optional<json> plan = plan_from_args(a, cmd);
    if (sub == "set" && !plan) throw UsageError(cmd, "no plan given: use --file PLAN.json or --steps");
    json status;
    if (plan) status = require_rollout(ctx.client().call_json("PUT", "/v1/rollout", &*plan), ctx, "PUT");
    if (sub == "start") status = post_action(ctx, "start", a.value("reason"));
    print_status(ctx, status);
    return kExitOk;
}

int rollout_action(Context& ctx, const std::string& action, const std::vector<std::string>& rest) {
    const std::string cmd = "rollout " + action;
    const ParsedArgs a = parse_args(rest, {{"reason"}, {}}, cmd);
    if (!a.positional.empty()) throw UsageError(cmd, "unexpected argument '" + a.positional.front() + "'");
    print_status(ctx, post_action(ctx, action, a.value("reason")));
    return kExitOk;
}

// Exit code of --watch once the rollout is over, nullopt while it is not.
std::optional<int> final_code(RolloutState s) {
    if (s == RolloutState::Promoted) return kExitOk;
    if (s == RolloutState::RolledBack || s == RolloutState::Aborted) return kExitRolledBack;
    return std::nullopt;
}

int watch(Context& ctx, bool as_json) {
    const std::string url = ctx.agent + "/v1/rollout";
    json doc = require(ctx.client().call_json("GET", "/v1/rollout"), ctx, "GET");
    const bool tty = stdout_is_tty() && !as_json;
    if (tty) std::fputs("\x1b[H\x1b[2J", stdout);
    std::string error;  // the last failed poll's reason, shown until a poll succeeds
    std::string shown;  // the last body printed (not on a terminal: only changes are printed)
    while (true) {
        const RolloutStatus s = status_from(doc, url);
        if (as_json) {
            const std::string line = doc.dump(-1, ' ', false, json::error_handler_t::replace);
            if (line != shown) std::fprintf(stdout, "%s\n", line.c_str());
            shown = line;
            std::fflush(stdout);
        } else {
            const std::string body = rollout_status_text(ctx.agent, s, unix_ms());
            const std::string head =
                fmt::format("redlinectl rollout status --watch  every 1 s  {}{}\n\n",
                            format_time_ms(unix_ms()).substr(11, 8), error.empty() ? "" : "  " + error);
            if (tty) {
                draw_tty(head + body);
            } else if (body != shown) {
                std::fputs(((shown.empty() ? "" : "\n") + head + body).c_str(), stdout);
                std::fflush(stdout);
            }
            shown = body;
        }
        if (auto code = final_code(s.state)) return *code;
        for (int i = 0; i < 10 && !interrupted(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (interrupted()) return kExitOk;
        auto r = ctx.client().call_json("GET", "/v1/rollout");
        if (r.ok()) {
            doc = *r.value;
            error.clear();
        } else {
            // Keep watching through an agent restart; say why the figures are not fresh.
            if (!tty && r.error_message() != error)
                std::fprintf(stderr, "redlinectl: %s\n", r.error_message().c_str());
            error = r.error_message();
        }
    }
}

int rollout_status(Context& ctx, const std::vector<std::string>& rest) {
    const std::string cmd = "rollout status";
    // -o json|table, as kubectl spells it (parse_args knows only long options).
    std::vector<std::string> args;
    for (const std::string& arg : rest) {
        if (arg == "-o")
            args.push_back("--output");
        else if (arg.rfind("-o", 0) == 0 && arg.rfind("--", 0) != 0)
            args.push_back("--output=" + arg.substr(2));
        else
            args.push_back(arg);
    }
    const ParsedArgs a = parse_args(args, {{"output"}, {"watch"}}, cmd);
    if (!a.positional.empty()) throw UsageError(cmd, "unexpected argument '" + a.positional.front() + "'");
    if (auto o = a.value("output")) {
        if (*o == "json")
            ctx.json = true;
        else if (*o != "table")
            throw UsageError(cmd, "-o must be json or table, got '" + *o + "'");
        else
            ctx.json = false;
    }
    if (a.flags.count("watch")) return watch(ctx, ctx.json);
    print_status(ctx, require(ctx.client().call_json("GET", "/v1/rollout"), ctx, "GET"));
    return kExitOk;
}

}  // namespace

int cmd_rollout(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty())
        throw UsageError("rollout",
                         "missing subcommand: set, start, status, pause, resume, promote, "
                         "abort or skip");
    const std::string sub = args.front();
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (sub == "set" || sub == "start") return rollout_plan(ctx, sub, rest);
    if (sub == "status") return rollout_status(ctx, rest);
    if (kActions.count(sub)) return rollout_action(ctx, sub, rest);
    throw UsageError("rollout", "unknown subcommand '" + sub + "'");
}

}  // namespace redline::ctl
