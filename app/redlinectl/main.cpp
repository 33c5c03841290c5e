// redlinectl: command-line client for a Redline agent's admin API. See docs/redlinectl.md.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "cli.h"
#include "core/url.h"

using namespace redline::ctl;

namespace {

const char* const kGlobal =
    R"(usage: redlinectl [--agent URL] [--token-file FILE] [--as NAME] [--json] [--verbose] <command> [options]

Commands:
  status                         agent info, health and a 10 s summary per route (exit 4: unhealthy)
  top                            live per-route table from the agent's stream
  limits get                     show the rate-limit table
  limits set ROUTE [options]     change one route's rate limit
  limits set --file FILE.json    replace the whole rate-limit table
  canary get                     show the canary weight and fault injection
  canary set [options]           change the canary weight or faults
  events [--after N] [--follow]  show the audit/event log
  cache get|set|flush            the response cache: show, change capacity/TTL, empty it
  loadtest start BUILTIN [--wait] start a load test run by the agent against its own API
  loadtest status [ID]|stop ID   the current (or last) run, or one run; stop a run
  rollout set --file PLAN.json   store a rollout plan (or --steps 5:30,25:60,50:60,100 [...])
  rollout start [plan options]   start the stored (or the given) plan from step 0
  rollout pause|resume|promote|abort|skip [--reason TEXT]
                                 steer the running rollout
  rollout status [--watch] [-o json|table]
                                 state, steps and the analysis scorecard

Global options (anywhere on the line):
  --agent URL         admin API base URL (default http://127.0.0.1:9464, or $REDLINE_AGENT)
  --token-file FILE   read the bearer token from FILE (default: $REDLINE_TOKEN)
  --as NAME           who acts, named in the agent's audit log as <role>:<NAME> (default: $REDLINE_ACTOR,
                      else $USER; 1 to 64 characters, no ':')
  --json              machine-readable JSON output (read commands also take -o json|table)
  --verbose           log HTTP traffic to stderr
  -h, --help          show help (also after a command: redlinectl limits set --help)
  --version           print the version

Exit codes: 0 ok, 1 server/transport error or invalid input file, 2 usage error,
3 `rollout status --watch`: the rollout ended rolled back or aborted, 4 `status`: the agent is unhealthy,
`loadtest start --wait`: the run's own code (0 passed, 99 a threshold failed, 105 stopped, 1 error).
)";

const char* const kRollout =
    R"(usage: redlinectl rollout set (--file PLAN.json | --steps STEPS [plan options])
       redlinectl rollout start [--file PLAN.json | --steps STEPS [plan options]] [--reason TEXT]
       redlinectl rollout pause|resume|promote|abort|skip [--reason TEXT]
       redlinectl rollout status [--watch] [-o json|table]

The agent runs the rollout: it moves the canary weight through the plan's steps, holding each step until the
analysis of stable vs canary passes, and rolls back (or pauses) when it fails. See docs/rollouts.md.

  set                 store a plan (PUT /v1/rollout); the rollout is then pending
  start               start the plan from step 0 (with a plan given: store it first)
  pause, resume       stop and go on moving through the steps (the weight stays)
  promote             go to 100 % now;  abort: back to 0 %;  skip: to the next step now
  status              state, step k/n, canary weight, time held, what the step waits for, the reason, the
                      steps (done, current, pending) and the newest analysis window's scorecard

Plan options (validated here with the agent's rules before anything is sent):
  --file PLAN.json           the whole plan as JSON (RolloutSpec: {"steps": [{"weight_percent": 5,
                             "hold_s": 30}, ...], "analysis": {...}, "on_failure": "rollback"})
  --steps STEPS              WEIGHT:HOLD_S per step, comma-separated; the last one may omit its hold:
                             5:30,25:60,50:60,100
  --on-failure rollback|pause   what a failed analysis does (default rollback: weight 0)
  --window S                 analysis window, 1 to 60 seconds (default 10)
  --p50|--p95|--p99 B        how much worse the canary's quantile may be, e.g. 20%,5ms (it fails only
                             above both; a part not given keeps its default 20%,5ms)
  --max-error-increase PP    error ratio increase allowed, percentage points (default 1pp)

  --reason TEXT              recorded with the transition in the agent's event log
  --watch                    redraw every second until Ctrl-C (exit 0) or the rollout ends:
                             promoted exit 0, rolled back or aborted exit 3
  -o json|table              json: the agent's status document (one line per change with --watch)

Exit codes: 0 ok, 1 server/transport error or invalid plan file (field errors one per line; 409 when the
action is not allowed in the current state), 2 usage error, 3 see --watch.
)";

std::string usage_text(const std::string& command) {
    if (command == "status") {
        return "usage: redlinectl status [-o json|table]\n\nShows the agent's identity, health, routes and "
               "controls, and a 10 s summary:\n"
               "total rate, success ratio, latency quantiles and a per-route table.\n"
               "Exit 4 when the agent answers but is unhealthy: its /healthz is not {\"status\":\"ok\"}, or "
               "a "
               "proxy's\nstable pool (or its canary pool without fallback) has no healthy backend with a "
               "closed circuit.\n";
    }
    if (command.rfind("cache", 0) == 0) {
        return "usage: redlinectl cache get [-o json|table]\n"
               "       redlinectl cache set [--capacity N] [--ttl-ms MS]\n"
               "       redlinectl cache flush\n\n"
               "The sample server's response cache (GET/PUT /v1/cache, POST /v1/cache/flush). set changes "
               "the "
               "given\nsettings and keeps the others: --capacity entries (0 turns the cache off), --ttl-ms "
               "the "
               "time an\nentry lives. Changes need the operator token.\n";
    }
    if (command.rfind("loadtest", 0) == 0) {
        return "usage: redlinectl loadtest start BUILTIN|--file SCENARIO.json [--rate R] [--duration S] "
               "[--vus N]\n"
               "                                [--connections N] [--threads N] [--target URL] [--wait]\n"
               "       redlinectl loadtest status [ID] [-o json|table]\n"
               "       redlinectl loadtest stop ID\n\n"
               "A load test run by the agent against its own API server (POST/GET/DELETE /v1/loadtests): "
               "capped in\nrate, connections and duration, one at a time (409 otherwise). status without ID "
               "shows the current\nor last run. --wait prints progress to stderr until the run ends and "
               "exits "
               "with its code (0 passed,\n99 a threshold failed, 105 stopped, 1 error); Ctrl-C stops "
               "waiting, "
               "not the run.\n";
    }
    if (command == "top") {
        return "usage: redlinectl top [--interval-ms MS] [--window 1..60] [--count N] [-o json|table]\n\n"
               "Live per-route table (route, version, rps, success, p50/p95/p99, cache hit, 429s) refreshed "
               "from\n"
               "the agent's stream. Redraws in place on a terminal, prints one table per update otherwise\n"
               "(one JSON snapshot per line with --json).\n\n"
               "  --interval-ms MS   update interval, 100..10000 (default 1000)\n"
               "  --window S         window the rates and quantiles cover: 1 to 60 seconds (default 1)\n"
               "  --count N          stop after N updates (default: until Ctrl-C)\n";
    }
    if (command == "limits") {
        return "usage: redlinectl limits get\n       redlinectl limits set ROUTE [--rate R] [--burst B] "
               "[--mode "
               "enforce|shadow]\n                             [--scope client|route] [--disable|--enable] "
               "[--remove]\n       redlinectl limits set --file FILE.json\n";
    }
    if (command == "limits get")
        return "usage: redlinectl limits get [-o json|table]\n\nShows the rate-limit table.\n";
    if (command == "limits set") {
        return "usage: redlinectl limits set ROUTE [--rate R] [--burst B] [--mode enforce|shadow]\n"
               "                             [--scope client|route] [--disable|--enable] [--remove]\n"
               "       redlinectl limits set --file FILE.json\n\n"
               "ROUTE is a route id such as \"GET /v1/products/{id}\" (quote it). The current table is "
               "read,\n"
               "the one route is changed (or added, starting from rate 100/s burst 100) and the whole table "
               "is\n"
               "written back. --remove deletes the route's limit. With --file, FILE.json is a complete "
               "table:\n"
               "{\"routes\": {\"GET /v1/products\": {\"rate_per_s\": 50, \"burst\": 100, ...}}}.\n";
    }
    if (command == "canary") {
        return "usage: redlinectl canary get\n       redlinectl canary set [--weight W] [--latency-ms MS] "
               "[--jitter-ms MS] [--error-ratio R]\n";
    }
    if (command == "canary get")
        return "usage: redlinectl canary get [-o json|table]\n\nShows the canary weight and faults.\n";
    if (command == "canary set") {
        return "usage: redlinectl canary set [--weight W] [--latency-ms MS] [--jitter-ms MS] [--error-ratio "
               "R]\n\n"
               "  --weight W         share of client keys routed to the canary, percent 0..100\n"
               "  --latency-ms MS    latency added to canary requests, 0..60000\n"
               "  --jitter-ms MS     plus a uniform 0..MS jitter, 0..60000\n"
               "  --error-ratio R    share of canary requests answered 500, 0..1\n"
               "Options not given keep their current value.\n";
    }
    if (command == "events") {
        return "usage: redlinectl events [--after N] [--limit N] [--follow] [-o json|table]\n\n"
               "  --after N    only events with an id greater than N (default 0)\n"
               "  --limit N    at most N events, 1..1000 (default: all)\n"
               "  --follow     keep printing new events from the agent's stream until Ctrl-C\n";
    }
    if (command.rfind("rollout", 0) == 0) return kRollout;
    return kGlobal;
}

}  // namespace

namespace redline::ctl {
std::string usage(const std::string& command) {
    return usage_text(command);
}
}  // namespace redline::ctl

int main(int argc, char** argv) {
    redline::CurlGlobal curl;
    spdlog::set_level(spdlog::level::warn);
    spdlog::set_pattern("redlinectl: %l: %v");
    install_signal_handlers();

    Context ctx;
    if (const char* env = std::getenv("REDLINE_AGENT"); env && *env) ctx.agent = env;
    std::string token_file, actor;
    bool actor_given = false;
    bool help = false;
    std::vector<std::string> words;  // command words and their options, globals removed
    std::string command_for_usage;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            auto take_value = [&](const std::string& name) -> std::string {
                const std::string prefix = "--" + name + "=";
                if (a.rfind(prefix, 0) == 0) return a.substr(prefix.size());
                if (i + 1 >= argc) throw UsageError("", "option '--" + name + "' needs a value");
                return argv[++i];
            };
            if (a == "--agent" || a.rfind("--agent=", 0) == 0) {
                ctx.agent = take_value("agent");
            } else if (a == "--token-file" || a.rfind("--token-file=", 0) == 0) {
                token_file = take_value("token-file");
            } else if (a == "--as" || a.rfind("--as=", 0) == 0) {
                actor = take_value("as");
                actor_given = true;
            } else if (a == "--json") {
                ctx.json = true;
            } else if (a == "--verbose" || a == "-v") {
                spdlog::set_level(spdlog::level::debug);
            } else if (a == "--help" || a == "-h") {
                help = true;
            } else if (a == "--version") {
                std::printf("redlinectl %s\n", REDLINE_VERSION);
                return kExitOk;
            } else {
                words.push_back(a);
            }
        }
        std::string command = words.empty() ? std::string() : words.front();
        command_for_usage = command;
        if ((command == "limits" || command == "canary") && words.size() > 1 &&
            (words[1] == "get" || words[1] == "set")) {
            command_for_usage = command + " " + words[1];
        }
        if (help) {
            std::fputs(usage_text(command_for_usage).c_str(), stdout);
            return kExitOk;
        }
        if (command.empty()) throw UsageError("", "no command given");
        {
            // Validate the whole URL here: a malformed one is a usage error (2), not a failed request (1).
            const bool https = ctx.agent.rfind("https://", 0) == 0;
            if (ctx.agent.rfind("http://", 0) != 0 && !https)
                throw UsageError("", "--agent must be an http:// or https:// URL, got '" + ctx.agent + "'");
            std::string why;
            if (!redline::parse_target_url("http://" + ctx.agent.substr(https ? 8 : 7), &why))
                throw UsageError("", "--agent '" + ctx.agent + "': " + why);
        }
        while (!ctx.agent.empty() && ctx.agent.back() == '/')
            ctx.agent.pop_back();
        {
            // Who acts: --as, else $REDLINE_ACTOR, else $USER (dropped, not refused, when it is not a valid
            // name: the environment is not the user's typing).
            auto valid = [](const std::string& n) {
                return !n.empty() && n.size() <= 64 && n.find(':') == std::string::npos &&
                       std::none_of(
                           n.begin(), n.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }) &&
                       n.front() != ' ' && n.back() != ' ';
            };
            if (actor_given) {
                if (!valid(actor))
                    throw UsageError(
                        "", "--as must be a name of 1 to 64 characters, no ':' or control characters");
                ctx.actor = actor;
            } else {
                for (const char* var : {"REDLINE_ACTOR", "USER"})
                    if (const char* env = std::getenv(var); env && valid(env)) {
                        ctx.actor = env;
                        break;
                    }
            }
        }

        if (!token_file.empty()) {
            std::string err;
            auto tok = redline::read_token_file(token_file, &err);
            if (!tok) throw Failure(err);
            ctx.token = *tok;
            ctx.token_source = "--token-file " + token_file;
        } else if (const char* env = std::getenv("REDLINE_TOKEN"); env && *env) {
            ctx.token = env;
            ctx.token_source = "REDLINE_TOKEN";
        }

        const std::vector<std::string> rest(words.begin() + 1, words.end());
        if (command == "status") return cmd_status(ctx, rest);
        if (command == "top") return cmd_top(ctx, rest);
        if (command == "limits") return cmd_limits(ctx, rest);
        if (command == "canary") return cmd_canary(ctx, rest);
        if (command == "events") return cmd_events(ctx, rest);
        if (command == "rollout") return cmd_rollout(ctx, rest);
        if (command == "cache") return cmd_cache(ctx, rest);
        if (command == "loadtest") return cmd_loadtest(ctx, rest);
        throw UsageError("", "unknown command '" + command + "'");
    } catch (const UsageError& e) {
        std::fprintf(stderr, "redlinectl: %s\n\n%s", e.what(), usage_text(e.command).c_str());
        return kExitUsage;
    } catch (const Failure& e) {
        std::fprintf(stderr, "redlinectl: %s\n", e.what());
        return kExitFailure;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "redlinectl: unexpected error: %s\n", e.what());
        return kExitFailure;
    }
}
