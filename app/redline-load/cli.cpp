#include "app/redline-load/cli.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "agents/load_push/pushgateway_pusher.h"
#include "app/redline-load/cmd_runs.h"
#include "app/redline-load/gate.h"
#include "app/redline-load/terminal.h"
#include "core/agent_client.h"
#include "core/load/engine.h"
#include "core/load/outputs.h"
#include "core/load/tls_client.h"

namespace redline::loadcli {

using namespace redline::load;

namespace {

constexpr const char* kUsage =
    "usage: redline-load run FILE|BUILTIN [options]     (redline-load run --help lists them)\n"
    "       redline-load compare BASELINE CURRENT [--max-regression SPEC] [-o table|json] [--junit FILE]\n"
    "                            (a summary file from run --out, or a saved run's ID with --db FILE)\n"
    "       redline-load list\n"
    "       redline-load runs list|show ID|report ID --html FILE|delete ID [--db FILE]\n"
    "                         (see: redline-load runs help)\n"
    "       redline-load validate FILE|BUILTIN\n"
    "       redline-load --version\n"
    "exit codes: 0 thresholds passed, 99 a threshold failed, 105 interrupted (Ctrl-C/SIGTERM; summary still\n"
    "            written), 2 usage error, invalid scenario or unusable --out/--agent-token-file, 1 runtime "
    "error\n"
    "            (precedence: 2 before the run, then 1 > 99 > 105 > 0; see docs/scenarios.md)\n";

constexpr const char* kRunUsage =
    "usage: redline-load run FILE|BUILTIN [options]\n"
    "Runs a scenario file or a built-in (redline-load list) and prints its summary.\n"
    "  --target URL           the API to load (overrides the scenario's \"target\")\n"
    "  --rate N[/s]           arrival rate (arrival-rate executors)\n"
    "  --duration S[s|m]      run length (single-stage scenarios)\n"
    "  --vus N                virtual users (closed-model executors)\n"
    "  --connections N        connection pool size (open model)\n"
    "  --threads N            worker threads\n"
    "  --out FILE             the final summary JSON (also --out summary=FILE)\n"
    "  --out json=FILE        NDJSON while the run goes: one line per second and per request and second\n"
    "  --out csv=FILE         CSV while the run goes: one row per second per request\n"
    "  --out requests=FILE    CSV of every request: sent and intended time, latency, status, error\n"
    "                         (--out may be given several times; formats: docs/output-formats.md)\n"
    "  --agent URL            the agent for agent-side thresholds and a scenario's rollout\n"
    "  --agent-token-file F   its token (viewer; operator for a rollout)\n"
    "  --run-id ID            id of the run (the same on every generator of a distributed run)\n"
    "  --push URL             push cumulative figures to a Prometheus Pushgateway every --push-interval\n"
    "                         (default 5s, 1s..1h) and at the end, grouped by job=redline-load, run_id\n"
    "                         (--run-id, required) and instance (--generator, default HOSTNAME-PID); a\n"
    "                         failed push never stops or fails the run\n"
    "  --push-interval S[s|m] --generator NAME\n"
    "  --baseline FILE|ID     compare the run with an earlier --out summary or a saved run (table after it)\n"
    "  --max-regression SPEC  exit 99 when a named figure regressed significantly beyond its bound, e.g.\n"
    "                         'p99=10%,failed=0.5pp,rate=-5%' (p50 p90 p95 p99 p99.9 max avg: % or ms;\n"
    "                         failed transport_errors unsent late shift: pp; checks: pp of pass rate;\n"
    "                         rate completed: -N%; docs/regression-gate.md)\n"
    "  --junit FILE           JUnit XML of thresholds, checks and regressions\n"
    "  --save                 keep the run in the runs database (--runs-db FILE, else $REDLINE_RUNS_DB,\n"
    "                         else ~/.local/share/redline/runs.db); --runs-db implies --save (docs/runs.md)\n"
    "  --insecure             https: do not verify the certificate (insecure_skip_verify)\n"
    "  --cacert FILE          https: verify against this PEM CA bundle only (default: system trust store)\n"
    "  --quiet, -q            no progress (the summary is always printed)\n"
    "  --verbose, -v          log the engine's steps to stderr\n"
    "  --help, -h             this text;  --version: the version\n"
    "Progress: a bar redrawn on a terminal; otherwise (CI logs) one line every 5 s.\n"
    "exit codes: 0 passed, 99 a threshold failed, a driven rollout did not end as expected or a gated\n"
    "            figure regressed, 105 interrupted, 2 usage error or an unusable file (before the run),\n"
    "            1 runtime error (docs/scenarios.md)\n";

int usage_error(const std::string& msg) {
    std::fprintf(stderr, "redline-load: %s\n%s", msg.c_str(), kUsage);
    return kExitUsage;
}

std::optional<double> parse_number(std::string s, std::string_view suffix_ok, double scale_for_m = 0) {
    double mult = 1;
    if (!suffix_ok.empty() && s.ends_with(suffix_ok))
        s.resize(s.size() - suffix_ok.size());
    else if (scale_for_m > 0 && s.ends_with("m")) {
        s.pop_back();
        mult = scale_for_m;
    } else if (scale_for_m > 0 && s.ends_with("s")) {
        s.pop_back();
    }
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (!end || *end != '\0' || !std::isfinite(v)) return std::nullopt;
    return v * mult;
}

std::optional<int> parse_int(const std::string& s) {
    if (s.empty() || s.size() > 9) return std::nullopt;
    for (char c : s)
        if (c < '0' || c > '9') return std::nullopt;
    return std::stoi(s);
}

void print_errors(const std::string& what, const std::vector<FieldError>& errs) {
    std::fprintf(stderr, "redline-load: %s is invalid:\n", what.c_str());
    for (const auto& e : errs)
        std::fprintf(stderr, "  %s: %s\n", e.field.empty() ? "(document)" : e.field.c_str(),
                     e.message.c_str());
}

/// Resolves a built-in name or a path and parses it. Returns nullopt after printing the problem.
std::optional<Scenario> load(const std::string& name) {
    const auto path = find_scenario(name);
    if (!path) {
        std::fprintf(stderr,
                     "redline-load: no scenario file or built-in named '%s' (try: redline-load list)\n",
                     name.c_str());
        return std::nullopt;
    }
    auto p = load_scenario_file(*path);
    if (!p.ok()) {
        print_errors(*path, p.errors());
        return std::nullopt;
    }
    return p.value();
}

struct PushSetup {
    load_push::PushOptions options;
    std::chrono::milliseconds interval{5000};
    bool enabled = false;
};

std::string default_generator() {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0 || !host[0]) std::strcpy(host, "generator");
    std::string name;
    for (const char* c = host; *c; ++c)  // keep it a valid grouping value
        name += load_push::grouping_value_problem(std::string_view(c, 1)) ? '_' : *c;
    return name.substr(0, 100) + "-" + std::to_string(getpid());
}

void print_push(const PushSetup& push, const load_push::PushStats& st) {
    std::printf("push       %llu of %llu pushes to %s failed%s%s%s\n", (unsigned long long)st.failed,
                (unsigned long long)st.attempted, load_push::group_url(push.options).c_str(),
                st.failed ? " (last: " : "", st.last_error.c_str(), st.failed ? ")" : "");
    if (!st.final_pushed) std::printf("           the final figures did NOT reach the Pushgateway\n");
}

nlohmann::json push_json(const PushSetup& push, const load_push::PushStats& st) {
    return {{"url", push.options.url},
            {"group", load_push::group_url(push.options)},
            {"interval_s", double(push.interval.count()) / 1000.0},
            {"attempted", st.attempted},
            {"succeeded", st.succeeded},
            {"failed", st.failed},
            {"final_pushed", st.final_pushed},
            {"last_error", st.last_error}};
}

int cmd_list() {
    const auto names = list_builtin_scenarios();
    if (names.empty()) {
        std::fprintf(stderr, "redline-load: no built-in scenarios found; searched:\n");
        for (const auto& d : scenario_search_dirs())
            std::fprintf(stderr, "  %s\n", d.c_str());
        return kExitRuntime;
    }
    for (const auto& n : names) {
        std::string desc;
        if (auto p = find_scenario(n)) {
            auto s = load_scenario_file(*p);
            desc = s.ok() ? s.value().description
                          : "(invalid: " + s.errors().front().field + ": " + s.errors().front().message + ")";
        }
        std::printf("%-16s %s\n", n.c_str(), desc.c_str());
    }
    return kExitOk;
}

int cmd_validate(const std::vector<std::string>& args) {
    if (args.size() != 2) return usage_error("validate takes exactly one FILE or BUILTIN");
    auto s = load(args[1]);
    if (!s) return kExitUsage;
    std::string data;  // ", 200 data rows (users.csv, unique)"
    if (s->data.enabled)
        data = ", " + std::to_string(s->data.table.rows.size()) + " data rows (" +
               (s->data.file.empty() ? std::string("inline") : s->data.file) + ", " +
               std::string(to_string(s->data.mode)) + ")";
    std::printf("%s: valid (%s, %.1f s, %zu request%s, %zu threshold%s%s)\n", s->name.c_str(),
                std::string(to_string(s->executor)).c_str(), s->duration_s(), s->requests.size(),
                s->requests.size() == 1 ? "" : "s", s->thresholds.size(),
                s->thresholds.size() == 1 ? "" : "s", data.c_str());
    return kExitOk;
}

/// Output problems before the run: one line, exit 2 (no usage text around it).
int refuse(const std::string& msg) {
    std::fprintf(stderr, "redline-load: %s\n", msg.c_str());
    return kExitUsage;
}

int cmd_run(const std::vector<std::string>& args, std::atomic<int>& interrupts) {
    std::string name;
    std::vector<OutputSpec> outs;
    ScenarioOverrides ov;
    std::string agent_url, agent_token_file;
    bool quiet = false;
    std::string run_id, push_interval, generator;
    PushSetup push;
    GateSetup gate;
    bool save = false;
    std::string runs_db;
    std::string cacert;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](const char* opt) -> std::optional<std::string> {
            if (i + 1 >= args.size()) return std::nullopt;
            (void)opt;
            return args[++i];
        };
        if (a == "--help" || a == "-h") {
            std::fputs(kRunUsage, stdout);
            return kExitOk;
        }
        if (a == "--version") {
            std::printf("redline-load %s\n", REDLINE_VERSION);
            return kExitOk;
        }
        if (a == "--quiet" || a == "-q")
            quiet = true;
        else if (a == "--save")
            save = true;
        else if (a == "--runs-db") {
            if (i + 1 >= args.size() || args[i + 1].empty())
                return usage_error("--runs-db needs a file name");
            runs_db = args[++i];
            gate.runs_db = runs_db;
            save = true;
        } else if (a == "--verbose" || a == "-v")
            spdlog::set_level(spdlog::level::info);
        else if (a == "--insecure")
            ov.insecure_skip_verify = true;
        else if (a == "--target" || a == "--rate" || a == "--duration" || a == "--vus" ||
                 a == "--connections" || a == "--threads" || a == "--out" || a == "--agent" ||
                 a == "--agent-token-file" || a == "--run-id" || a == "--push" || a == "--push-interval" ||
                 a == "--generator" || a == "--baseline" || a == "--max-regression" || a == "--junit" ||
                 a == "--cacert") {
            auto v = value(a.c_str());
            if (!v) return usage_error(a + " needs a value");
            if (a == "--baseline")
                gate.baseline_path = *v;
            else if (a == "--max-regression")
                gate.spec_text = v->empty() ? " " : *v;  // an empty spec is an error, not "no spec"
            else if (a == "--junit")
                gate.junit_path = *v;
            else if (a == "--run-id") {
                if (auto why = load_push::grouping_value_problem(*v)) return usage_error("--run-id " + *why);
                run_id = *v;
            } else if (a == "--push") {
                if (auto why = load_push::pushgateway_url_problem(*v))
                    return usage_error("--push URL " + *why);
                push.options.url = *v;
                push.enabled = true;
            } else if (a == "--push-interval") {
                auto d = parse_number(*v, "", 60);
                if (!d || *d < 1 || *d > 3600)
                    return usage_error("--push-interval must be a duration from 1s to 1h, e.g. 5s or 1m");
                push.interval = std::chrono::milliseconds(std::llround(*d * 1000));
                push_interval = *v;
            } else if (a == "--generator") {
                if (auto why = load_push::grouping_value_problem(*v))
                    return usage_error("--generator " + *why);
                generator = *v;
            } else if (a == "--cacert") {
                if (auto why = check_ca_file(*v); !why.empty()) return usage_error("--cacert: " + why);
                cacert = *v;
            } else if (a == "--target")
                ov.target = *v;
            else if (a == "--out") {
                std::string why;
                auto spec = parse_output_spec(*v, &why);
                if (!spec) return refuse(why);
                // Two outputs into one file would interleave: the same path, however spelled, is refused.
                std::error_code ec;
                const auto canon = std::filesystem::weakly_canonical(spec->path, ec);
                for (const auto& o : outs) {
                    std::error_code ec2;
                    if (o.path == spec->path ||
                        (!ec && std::filesystem::weakly_canonical(o.path, ec2) == canon && !ec2))
                        return refuse("--out: " + spec->path + " is given twice");
                }
                outs.push_back(std::move(*spec));
            } else if (a == "--agent")
                agent_url = *v;
            else if (a == "--agent-token-file")
                agent_token_file = *v;
            else if (a == "--rate") {
                auto r = parse_number(*v, "/s");
                if (!r || *r <= 0)
                    return usage_error("--rate must be a positive number of requests/s, e.g. 500 or 500/s");
                ov.rate = r;
            } else if (a == "--duration") {
                auto d = parse_number(*v, "", 60);
                if (!d || *d <= 0)
                    return usage_error("--duration must be a positive duration, e.g. 30, 30s or 2m");
                ov.duration_s = d;
            } else if (a == "--vus") {
                auto n = parse_int(*v);
                if (!n || *n < 1) return usage_error("--vus must be a positive integer");
                ov.vus = *n;
            } else if (a == "--connections") {
                auto n = parse_int(*v);
                if (!n || *n < 1) return usage_error("--connections must be a positive integer");
                ov.connections = *n;
            } else {
                auto n = parse_int(*v);
                if (!n || *n < 1) return usage_error("--threads must be a positive integer");
                ov.threads = *n;
            }
        } else if (a.starts_with("-")) {
            return usage_error("unknown option " + a);
        } else if (name.empty()) {
            name = a;
        } else {
            return usage_error("unexpected argument " + a);
        }
    }
    if (name.empty()) return usage_error("run needs a FILE or BUILTIN scenario");
    if (push.enabled && run_id.empty())
        return usage_error("--push needs --run-id ID (the id every generator of the distributed run shares)");
    if (!push.enabled && (!push_interval.empty() || !generator.empty()))
        return usage_error(std::string(push_interval.empty() ? "--generator" : "--push-interval") +
                           " only applies with --push URL");
    auto sc = load(name);
    if (!sc) return kExitUsage;
    if (auto errs = apply_overrides(*sc, ov); !errs.empty()) {
        print_errors("the command line", errs);
        return kExitUsage;
    }
    if (!cacert.empty() && !sc->target.starts_with("https://"))
        return usage_error("--cacert applies to https:// targets only (target " + sc->target + ")");
    if (!cacert.empty() && sc->insecure_skip_verify)
        return usage_error("--cacert and --insecure (insecure_skip_verify) contradict each other");
    for (const auto& w : thresholds_that_cannot_pass(*sc))
        std::fprintf(stderr, "redline-load: warning: %s\n", w.c_str());
    if (!agent_url.empty()) {
        std::string why;
        if (!parse_target_url(agent_url, &why)) return usage_error("--agent: " + why);
        sc->agent.url = agent_url;
    }
    if (!agent_token_file.empty()) sc->agent.token_file = agent_token_file;
    if (!sc->agent.token_file.empty()) {
        std::string why;
        if (!read_token_file(sc->agent.token_file, &why)) return usage_error("--agent-token-file: " + why);
    }
    // Refuse an unwritable --out before the run, so a long run never ends without its summary.
    for (const auto& o : outs) {
        if (o.kind != OutputKind::Summary) continue;
        std::ofstream probe(o.path, std::ios::app);
        if (!probe) return refuse("--out " + o.text + " cannot be written: " + std::strerror(errno));
    }
    if (sc->rollout.enabled && sc->agent.url.empty())
        return usage_error("the scenario drives a rollout on its agent: give --agent URL (or \"agent.url\")");
    if (int rc = prepare_gate(gate, sc->name)) return rc;
    for (std::size_t i = 0; i < sc->thresholds.size(); ++i)
        if (sc->thresholds[i].source == ThresholdSource::Agent && sc->agent.url.empty())
            return usage_error(
                fmt::format("thresholds[{}] '{}' is agent-side: give --agent URL (or \"agent.url\")", i,
                            sc->thresholds[i].expr));

    // The streaming files are created (truncated) last, once nothing else can refuse the run.
    std::string why;
    auto streams = StreamOutputs::open(outs, &why);
    if (!streams) return refuse(why);

    const bool tty = !quiet && isatty(STDERR_FILENO);
    EngineOptions opt;
    opt.progress_interval = std::chrono::milliseconds(tty ? 250 : 1000);
    if (tty)
        opt.on_progress = [](const Progress& p) {
            if (p.state == RunState::Running || p.state == RunState::Stopping) print_tty_progress(p);
        };
    else if (!quiet)  // CI logs: one line every 5 s
        opt.on_progress = [next = 5.0](const Progress& p) mutable {
            if ((p.state != RunState::Running && p.state != RunState::Stopping) || p.elapsed_s < next) return;
            std::fprintf(stderr, "%s\n", ci_progress_line(p).c_str());
            std::fflush(stderr);
            next = (std::floor(p.elapsed_s / 5.0) + 1) * 5.0;
        };
    RunMinimums mins;
    opt.on_second = [&mins, st = streams.get()](const RunSecond& sec) {
        mins.add(sec);
        if (!st->empty()) st->submit(RunSecond(sec));
    };
    opt.record_requests = streams->wants_records();
    opt.run_id = run_id;
    opt.tls_ca_file = cacert;
    std::unique_ptr<RunSaver> saver;  // --save: the record is opened before the run, never half-way
    if (save) {
        std::string why;
        saver = RunSaver::start(runs_db, *sc, opt, &why);
        if (!saver) {
            std::fprintf(stderr, "redline-load: %s\n", why.c_str());
            return kExitUsage;
        }
    }
    std::unique_ptr<load_push::PushgatewayPusher> pusher;
    if (push.enabled) {
        push.options.run_id = run_id;
        push.options.generator = generator.empty() ? default_generator() : generator;
        // The push gets its own thread; the engine only hands over totals at its once-a-second close.
        pusher = std::make_unique<load_push::PushgatewayPusher>(push.options);
        opt.totals_interval = push.interval;
        opt.on_totals = [p = pusher.get()](const RunTotals& t) { p->submit(t); };
    }
    Engine engine(*sc, opt);
    streams->begin(*sc, engine.progress().run_id);
    engine.start();
    int seen = 0;
    while (!engine.wait_for(std::chrono::milliseconds(100))) {
        const int n = interrupts.load();
        if (n != seen) {
            seen = n;
            engine.stop(n == 1 ? "interrupted (SIGINT/SIGTERM)" : "interrupted twice");
        }
    }
    const Summary s = engine.wait();
    load_push::PushStats push_stats;
    if (pusher) push_stats = pusher->finish();  // the final figures, pushed before the summary is shown
    if (tty) std::fputs("\n", stderr);
    // --quiet hides the progress only: the summary is what a CI log keeps.
    print_summary(s, mins);
    if (pusher) print_push(push, push_stats);
    int rc = s.exit_code();
    if (s.outcome == RunOutcome::Error) std::fprintf(stderr, "redline-load: %s\n", s.error.c_str());
    for (const auto& problem : streams->finish(&s)) {
        std::fprintf(stderr, "redline-load: %s\n", problem.c_str());
        if (rc == kExitOk) rc = kExitRuntime;  // like an unwritable summary: never hides 99 or 105
    }
    if (saver && !saver->finish(s, quiet) && rc == kExitOk) rc = kExitRuntime;
    for (const auto& o : outs) {
        if (o.kind != OutputKind::Summary) continue;
        const std::string& out = o.path;
        std::ofstream f(out, std::ios::trunc);
        nlohmann::json j = to_json(s);
        if (pusher) j["push"] = push_json(push, push_stats);
        f << j.dump(2) << "\n";
        f.close();
        if (!f) {
            std::fprintf(stderr, "redline-load: cannot write the summary to %s: %s\n", out.c_str(),
                         std::strerror(errno));
            // Never hides a failed threshold or an interrupt: only a clean run turns into a runtime error.
            if (rc == kExitOk) rc = kExitRuntime;
        }
    }
    return finish_gate(gate, s, rc, quiet);
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::atomic<int>& interrupts) {
    if (args.empty()) return usage_error("missing command");
    const std::string& cmd = args[0];
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
        std::fputs(kUsage, stdout);
        return kExitOk;
    }
    if (cmd == "--version") {
        std::printf("redline-load %s\n", REDLINE_VERSION);
        return kExitOk;
    }
    if (cmd == "list") return args.size() == 1 ? cmd_list() : usage_error("list takes no arguments");
    if (cmd == "validate") return cmd_validate(args);
    if (cmd == "run") return cmd_run(args, interrupts);
    if (cmd == "compare") return cmd_compare(args);
    if (cmd == "runs") return cmd_runs(args);
    return usage_error("unknown command '" + cmd + "'");
}

}  // namespace redline::loadcli
