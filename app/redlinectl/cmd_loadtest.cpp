// `redlinectl loadtest start|status|stop`: load tests run by the agent against its own API server
// (POST /v1/loadtests, GET /v1/loadtests[/{id}], DELETE /v1/loadtests/{id}; docs/openapi.yaml).
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "cli.h"
#include "core/json_strict.h"

namespace redline::ctl {

namespace {

std::string num(const nlohmann::json& j, const char* key, const char* fmt_spec = "{:g}") {
    if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return kAbsent;
    return fmt::format(fmt::runtime(fmt_spec), j[key].get<double>());
}

/// One run as text: id, scenario, state, live progress or the summary's outcome.
std::string run_text(const nlohmann::json& run) {
    std::string out = fmt::format("id        {}\nscenario  {}\nstate     {}\n", run.value("id", ""),
                                  run.value("scenario", ""), run.value("state", ""));
    const nlohmann::json progress = run.value("progress", nlohmann::json());
    const nlohmann::json summary = run.value("summary", nlohmann::json());
    if (summary.is_object()) {
        out += fmt::format("outcome   {}{}{}\n", summary.value("outcome", "?"),
                           summary.value("reason", "").empty() ? "" : ": ", summary.value("reason", ""));
        out += fmt::format("requests  {} completed, {}/s, {} failed, {} transport errors\n",
                           num(summary, "completed"), num(summary, "achieved_rate", "{:.1f}"),
                           num(summary, "errors"), num(summary, "transport_errors"));
        const nlohmann::json lat = summary.value("latency", nlohmann::json());
        out += fmt::format("latency   p50 {}ms  p95 {}ms  p99 {}ms  max {}ms (corrected)\n",
                           num(lat, "p50_ms", "{:.2f}"), num(lat, "p95_ms", "{:.2f}"),
                           num(lat, "p99_ms", "{:.2f}"), num(lat, "max_ms", "{:.2f}"));
        for (const auto& t : summary.value("thresholds", nlohmann::json::array()))
            out += fmt::format("  {} {}  observed {}\n", t.value("passed", false) ? "\u2713" : "\u2717",
                               t.value("expr", ""), num(t, "observed"));
    } else if (progress.is_object()) {
        const nlohmann::json lat = progress.value("latency", nlohmann::json());
        out += fmt::format(
            "progress  {}s/{}s  rate {}/s of {}  p99 {}ms  errors {}%  in-flight {}  unsent {}\n",
            num(progress, "elapsed_s", "{:.0f}"), num(progress, "planned_s", "{:.0f}"),
            num(progress, "achieved_rate", "{:.1f}"), num(progress, "target"), num(lat, "p99_ms", "{:.2f}"),
            progress.contains("error_ratio") && progress["error_ratio"].is_number()
                ? fmt::format("{:.2f}", progress["error_ratio"].get<double>() * 100)
                : std::string(kAbsent),
            num(progress, "in_flight"), num(progress, "unsent"));
    }
    return out;
}

void print_run(const Context& ctx, const nlohmann::json& run) {
    if (ctx.json)
        print_json(run);
    else
        std::fputs(run_text(run).c_str(), stdout);
}

/// A run id is one path segment of letters, digits, '-' and '_' (the agent's "lt-<hex>").
std::string run_path(const std::string& id, const std::string& cmd) {
    if (id.empty() || id.size() > 64 ||
        id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
            std::string::npos)
        throw UsageError(cmd, "ID must be a run id such as lt-3f9a0c12d4e5, got '" + id + "'");
    return "/v1/loadtests/" + id;
}

/// --wait: polls until the run has finished; exit code of the run's summary (0, 99, 105, 1).
int wait_for(Context& ctx, const std::string& id) {
    const std::string path = run_path(id, "loadtest start");
    std::string last_line;
    while (true) {
        if (interrupted()) {
            std::fprintf(stderr,
                         "redlinectl: stopped waiting; the run goes on (redlinectl loadtest stop %s)\n",
                         id.c_str());
            return kExitOk;
        }
        const nlohmann::json run = require(ctx.client().call_json("GET", path), ctx, "GET");
        if (run.value("state", "") == "finished") {
            print_run(ctx, run);
            const nlohmann::json summary = run.value("summary", nlohmann::json());
            if (!summary.is_object() || !summary.contains("exit_code")) return kExitFailure;
            return summary["exit_code"].get<int>();
        }
        if (!ctx.json) {
            const std::string text = run_text(run);
            const auto at = text.find("progress  ");
            const std::string line = at == std::string::npos ? "" : text.substr(at);
            if (!line.empty() && line != last_line) std::fputs(line.c_str(), stderr);
            last_line = line;
        }
        for (int i = 0; i < 10 && !interrupted(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

int loadtest_start(Context& ctx, const std::vector<std::string>& rest) {
    const std::string cmd = "loadtest start";
    const ParsedArgs a = parse_args(
        rest, {{"rate", "duration", "vus", "connections", "threads", "target", "file"}, {"wait"}}, cmd);
    nlohmann::json body = nlohmann::json::object();
    if (auto f = a.value("file")) {
        if (!a.positional.empty()) throw UsageError(cmd, "give a BUILTIN scenario name or --file, not both");
        const std::string text = read_input_file(*f);
        auto strict = parse_json_strict(text);
        if (!strict.ok()) throw Failure(*f + " is not strict JSON: " + join_field_errors(strict.errors()));
        body["scenario"] = strict.value();
    } else {
        if (a.positional.size() != 1)
            throw UsageError(cmd, "give one BUILTIN scenario name (or --file FILE)");
        body["scenario"] = a.positional.front();
    }
    if (auto v = a.value("rate")) body["rate"] = parse_double(*v, "rate", cmd);
    if (auto v = a.value("duration")) {
        std::string d = *v;
        if (!d.empty() && d.back() == 's') d.pop_back();
        body["duration_s"] = parse_double(d, "duration", cmd);
    }
    if (auto v = a.value("vus")) body["vus"] = parse_double(*v, "vus", cmd);
    if (auto v = a.value("connections"))
        body["connections"] = parse_int(*v, "connections", cmd, 1, 1'000'000);
    if (auto v = a.value("threads")) body["threads"] = parse_int(*v, "threads", cmd, 1, 1024);
    if (auto v = a.value("target")) body["target"] = *v;
    // The agent checks the scenario, the caps and the target (400 naming the field, 403, 409 when one runs).
    const nlohmann::json run = require(ctx.client().call_json("POST", "/v1/loadtests", &body), ctx, "POST");
    if (!a.flags.count("wait")) {
        print_run(ctx, run);
        return kExitOk;
    }
    if (!ctx.json)
        std::fprintf(stderr, "started %s (%s)\n", run.value("id", "").c_str(),
                     run.value("scenario", "").c_str());
    return wait_for(ctx, run.value("id", ""));
}

}  // namespace

int cmd_loadtest(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) throw UsageError("loadtest", "missing subcommand: start, status or stop");
    const std::string sub = args.front();
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (sub == "start") return loadtest_start(ctx, rest);
    if (sub == "status") {
        const std::string cmd = "loadtest status";
        const ParsedArgs a = parse_args(take_output_option(ctx, rest, cmd), {}, cmd);
        if (a.positional.size() > 1) throw UsageError(cmd, "unexpected argument '" + a.positional[1] + "'");
        if (a.positional.size() == 1) {
            print_run(ctx,
                      require(ctx.client().call_json("GET", run_path(a.positional[0], cmd)), ctx, "GET"));
            return kExitOk;
        }
        const nlohmann::json list = require(ctx.client().call_json("GET", "/v1/loadtests"), ctx, "GET");
        if (ctx.json) {
            print_json(list);
        } else {
            const nlohmann::json runs = list.value("runs", nlohmann::json::array());
            if (runs.empty()) std::fputs("no load test has run on this agent\n", stdout);
            for (const auto& r : runs)
                std::fputs(run_text(r).c_str(), stdout);
        }
        return kExitOk;
    }
    if (sub == "stop") {
        const std::string cmd = "loadtest stop";
        const ParsedArgs a = parse_args(rest, {}, cmd);
        if (a.positional.size() != 1) throw UsageError(cmd, "give the run's ID (redlinectl loadtest status)");
        print_run(ctx,
                  require(ctx.client().call_json("DELETE", run_path(a.positional[0], cmd)), ctx, "DELETE"));
        return kExitOk;
    }
    throw UsageError("loadtest", "unknown subcommand '" + sub + "' (expected start, status or stop)");
}

}  // namespace redline::ctl
