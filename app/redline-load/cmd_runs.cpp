#include "app/redline-load/cmd_runs.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <optional>
#include <system_error>

#include "app/redline-load/cli.h"
#include "app/redline-load/gate.h"
#include "core/agent_client.h"
#include "core/load/report_html.h"

namespace redline::loadcli {

using namespace redline::load;
using json = nlohmann::json;

namespace {

constexpr const char* kRunsUsage =
    "usage: redline-load runs list [--db FILE] [-o table|json] [--limit N] [--scenario NAME]\n"
    "       redline-load runs show ID [--db FILE] [-o table|json] [--from S] [--to S]\n"
    "       redline-load runs delete ID [--db FILE]\n"
    "       redline-load runs compare BASELINE CURRENT [--db FILE] [--max-regression SPEC] [-o table|json]\n"
    "                                 [--junit FILE]   (IDs or summary files; docs/regression-gate.md)\n"
    "       redline-load runs compare BASELINE CURRENT --html FILE [--align start|stages] [--db FILE]\n"
    "                                 (saved runs: an HTML report)\n"
    "       redline-load runs report ID --html FILE [--compare BASELINE [--align start|stages]] [--db FILE]\n"
    "ID: a run id or an unambiguous prefix of one (runs list shows the short form)\n"
    "FILE: --db (or --runs-db), else $REDLINE_RUNS_DB, else $XDG_DATA_HOME/redline/runs.db "
    "(~/.local/share/redline/runs.db)\n"
    "--limit N: the newest N runs (default 20, 0 = all)\n"
    "--from S --to S: runs show of the seconds whose end lies in (S, S] (seconds since the start; either "
    "may\n"
    "    be left out), exactly from the stored sketches\n"
    "--html FILE: a self-contained HTML report (- = stdout), written atomically; --compare BASELINE: the\n"
    "    report compares ID (current) with BASELINE\n"
    "--align: the comparison's charts from both starts (start, the default) or with stage i of both runs\n"
    "    beginning at the same point (stages)\n"
    "exit codes: 0 ok, 2 usage error, unknown or ambiguous ID, or a FILE that cannot be used, 1 runtime "
    "error\n";

constexpr std::size_t kDefaultLimit = 20;
constexpr std::size_t kShortId = 8;

int runs_usage_error(const std::string& msg) {
    std::fprintf(stderr, "redline-load: %s\n%s", msg.c_str(), kRunsUsage);
    return kExitUsage;
}

int one_line(int code, const std::string& msg) {
    std::fprintf(stderr, "redline-load: %s\n", msg.c_str());
    return code;
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string local_time(std::int64_t unix_ms) {
    const std::time_t t = std::time_t(unix_ms / 1000);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

std::string hostname() {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) return {};
    return host;
}

/// Cuts a cell to `width` characters, marking the cut with "~" (names and URLs are ASCII).
std::string cell(const std::string& s, std::size_t width) {
    if (s.size() <= width) return s;
    return s.substr(0, width - 1) + "~";
}

std::string shown_outcome(const StoredRun& r) {
    return r.complete ? r.outcome : "incomplete";
}

/// Shortest prefix of each id, at least kShortId, that no other id in the file shares (like git).
std::string short_id(const std::string& id, const std::vector<std::string>& sorted_ids) {
    std::size_t need = kShortId;
    const auto it = std::lower_bound(sorted_ids.begin(), sorted_ids.end(), id);
    auto common = [&](const std::string& other) {
        std::size_t n = 0;
        while (n < id.size() && n < other.size() && id[n] == other[n])
            ++n;
        return n;
    };
    if (it != sorted_ids.begin()) need = std::max(need, common(*std::prev(it)) + 1);
    if (it != sorted_ids.end() && std::next(it) != sorted_ids.end())
        need = std::max(need, common(*std::next(it)) + 1);
    return id.substr(0, std::min(need, id.size()));
}

json run_json(const StoredRun& r) {
    json j{{"id", r.id},
           {"run_id", r.run_id},
           {"scenario", r.scenario},
           {"target", r.target},
           {"executor", r.executor},
           {"state", r.complete ? "complete" : "incomplete"},
           {"outcome", r.complete ? json(r.outcome) : json(nullptr)},
           {"exit_code", r.exit_code ? json(*r.exit_code) : json(nullptr)},
           {"reason", r.reason},
           {"started_ms", r.started_ms},
           {"ended_ms", r.ended_ms ? json(*r.ended_ms) : json(nullptr)},
           {"duration_s", r.duration_s},
           {"seconds", r.seconds},
           {"requests", r.requests},
           {"error_ratio", r.error_ratio ? json(*r.error_ratio) : json(nullptr)},
           {"p99_ms", r.p99_ms ? json(*r.p99_ms) : json(nullptr)},
           {"host", r.host},
           {"pid", r.pid},
           {"version", r.version}};
    return j;
}

struct Common {
    std::string db;
    std::string output = "table";
    std::optional<std::size_t> limit;
    std::optional<std::string> scenario;
    std::optional<double> from_s, to_s;
    std::optional<std::string> html, compare;
    std::optional<Alignment> align;
    std::vector<std::string> positional;
};

std::optional<std::size_t> parse_count(const std::string& s) {
    if (s.empty() || s.size() > 9) return std::nullopt;
    for (char c : s)
        if (c < '0' || c > '9') return std::nullopt;
    return std::size_t(std::stoul(s));
}

/// Opens the file for reading commands (never creates one). nullptr after printing one line.
std::unique_ptr<RunStore> open_for_reading(const std::string& given, int* code) {
    bool is_default = false;
    std::string err;
    const std::string path = runs_db_path(given, &is_default, &err);
    *code = kExitUsage;
    if (path.empty()) {
        one_line(kExitUsage, err);
        return nullptr;
    }
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        one_line(kExitUsage, "no runs database at " + path +
                                 " (runs are saved with: redline-load run SCENARIO --save" +
                                 (given.empty() ? "" : " --runs-db " + given) + ")");
        return nullptr;
    }
    auto store = RunStore::open(path, RunStore::Mode::MustExist, &err);
    if (!store) one_line(kExitUsage, "runs database " + err);
    return store;
}

/// The full id for ID, or "" after printing one line (unknown, ambiguous).
std::string resolve_id(const RunStore& store, const std::string& id) {
    const auto r = store.resolve(id);
    using St = RunStore::Resolved::Status;
    if (r.status == St::Found) return r.id;
    if (r.status == St::Ambiguous)
        one_line(kExitUsage,
                 fmt::format("run id '{}' is ambiguous: {} runs in {} start with it; give more characters",
                             id, r.matches, store.path()));
    else
        one_line(kExitUsage,
                 fmt::format("no run '{}' in {} (see: redline-load runs list)", id, store.path()));
    return {};
}

std::vector<std::string> all_ids(const RunStore& store) {
    std::vector<std::string> ids;
    for (const auto& r : store.list({}))
        ids.push_back(r.id);
    std::sort(ids.begin(), ids.end());
    return ids;
}

int runs_list(const RunStore& store, const Common& c) {
    RunStore::ListQuery q;
    q.limit = c.limit.value_or(kDefaultLimit);
    q.scenario = c.scenario.value_or("");
    const auto runs = store.list(q);
    const std::size_t total = store.count(q);
    if (c.output == "json") {
        json arr = json::array();
        for (const auto& r : runs)
            arr.push_back(run_json(r));
        std::printf("%s\n",
                    json{{"database", store.path()}, {"total", total}, {"runs", arr}}.dump(2).c_str());
    } else {
        const auto ids = all_ids(store);
        std::printf("%-10s %-19s %-20s %-17s %4s %9s %9s %9s %7s %9s  %s\n", "ID", "STARTED", "SCENARIO",
                    "OUTCOME", "EXIT", "DURATION", "REQUESTS", "RATE/S", "ERR%", "P99 MS", "TARGET");
        for (const auto& r : runs) {
            const double rate = r.duration_s > 0 ? double(r.requests) / r.duration_s : 0.0;
            std::printf(
                "%-10s %-19s %-20s %-17s %4s %8.1fs %9llu %9.1f %7s %9s  %s\n", short_id(r.id, ids).c_str(),
                local_time(r.started_ms).c_str(), cell(r.scenario, 20).c_str(),
                cell(shown_outcome(r), 17).c_str(), r.exit_code ? std::to_string(*r.exit_code).c_str() : "-",
                r.duration_s, (unsigned long long)r.requests, rate,
                r.error_ratio ? fmt::format("{:.2f}", *r.error_ratio * 100).c_str() : "-",
                r.p99_ms ? fmt::format("{:.3f}", *r.p99_ms).c_str() : "-", cell(r.target, 40).c_str());
        }
    }
    if (runs.size() < total)
        std::fprintf(stderr, "(the newest %zu of %zu runs; --limit 0 shows all)\n", runs.size(), total);
    else if (total == 0)
        std::fprintf(stderr, "(no runs%s in %s)\n", q.scenario.empty() ? "" : (" of " + q.scenario).c_str(),
                     store.path().c_str());
    return kExitOk;
}

/// Figures of one second over all its requests.
struct SecondFigures {
    std::uint64_t requests = 0, errors = 0;
    LatencySketch corrected;
};

SecondFigures figures(const StoredSecond& s) {
    SecondFigures f;
    for (const auto& q : s.requests) {
        f.requests += q.counters.requests;
        f.errors += q.counters.errors;
        f.corrected.merge(q.corrected);
    }
    return f;
}

json transport_json(const StoredSecond& s) {
    json t = json::object();
    for (std::size_t k = 0; k < kTransportKinds; ++k)
        if (s.transport[k]) t[std::string(to_string(TransportError(k)))] = s.transport[k];
    return t;
}

json quantiles_json(const LatencySketch& s) {
    json j;
    to_json(j, LatencyQuantiles::from(s));
    return j;
}

void print_requests(const json& summary) {
    const auto it = summary.find("requests");
    if (it == summary.end() || !it->is_array() || it->empty()) return;
    std::printf("           %-24s %9s %9s %8s %9s %9s %9s\n", "request", "count", "rate/s", "err%", "p50 ms",
                "p95 ms", "p99 ms");
    for (const auto& r : *it) {
        const auto lat = r.value("latency", json::object());
        std::printf("           %-24s %9llu %9.1f %8.2f %9.3f %9.3f %9.3f\n",
                    cell(r.value("name", ""), 24).c_str(),
                    (unsigned long long)r.value("completed", std::uint64_t(0)), r.value("rate_per_s", 0.0),
                    r.value("error_ratio", 0.0) * 100, lat.value("p50_ms", 0.0), lat.value("p95_ms", 0.0),
                    lat.value("p99_ms", 0.0));
    }
}

void print_thresholds(const json& summary) {
    const auto it = summary.find("thresholds");
    if (it == summary.end() || !it->is_array() || it->empty()) return;
    std::printf("\nthresholds\n");
    for (const auto& t : *it) {
        std::string where = t.value("source", "");
        for (const char* k : {"request", "route", "version"})
            if (t.contains(k)) where += " " + t.value(k, "");
        const bool evaluated = t.value("evaluated", false);
        std::printf("  %s %-24s %-28s observed %s%s%s\n", t.value("passed", false) ? "\u2713" : "\u2717",
                    t.value("expr", "").c_str(), cell(where, 28).c_str(),
                    evaluated ? fmt::format("{:.4g}", t.value("observed", 0.0)).c_str() : "n/a",
                    t.value("aborted_run", false) ? " (aborted the run)" : "",
                    t.contains("note") ? (" - " + t.value("note", "")).c_str() : "");
    }
}

void print_checks(const json& summary) {
    const auto it = summary.find("checks");
    if (it == summary.end() || !it->is_array() || it->empty()) return;
    std::printf("\nchecks\n");
    for (const auto& c : *it) {
        const auto fails = c.value("fails", std::uint64_t(0));
        std::printf("  %s %-24s %-30s %llu passed, %llu failed\n", fails ? "\u2717" : "\u2713",
                    cell(c.value("request", ""), 24).c_str(), cell(c.value("name", ""), 30).c_str(),
                    (unsigned long long)c.value("passes", std::uint64_t(0)), (unsigned long long)fails);
    }
}

int runs_show(const RunStore& store, const std::string& id) {
    const auto run = store.get(id);
    if (!run) return one_line(kExitUsage, "no run '" + id + "'");
    const auto seconds = store.seconds(id);
    const LatencySketch corrected =
        store.interval_sketch(id, -1, INFINITY, "", true).value_or(LatencySketch{});
    const LatencySketch uncorrected =
        store.interval_sketch(id, -1, INFINITY, "", false).value_or(LatencySketch{});
    std::uint64_t stored_requests = 0, stored_errors = 0;
    for (const auto& s : seconds) {
        const auto f = figures(s);
        stored_requests += f.requests;
        stored_errors += f.errors;
    }
    const auto agent_seconds = store.agent_seconds(id);
    const auto agent_events = store.agent_events(id);

    std::printf("run        %s%s\n", run->id.c_str(),
                run->run_id != run->id ? (" (run id " + run->run_id + ")").c_str() : "");
    std::printf("scenario   %s (%s) -> %s\n", run->scenario.c_str(), run->executor.c_str(),
                run->target.c_str());
    if (run->complete)
        std::printf("outcome    %s, exit code %d%s%s\n", run->outcome.c_str(), run->exit_code.value_or(-1),
                    run->reason.empty() ? "" : ": ", run->reason.c_str());
    else
        std::printf(
            "outcome    incomplete: no end was recorded (pid %lld on %s stopped before the end, or is "
            "still running)\n",
            (long long)run->pid, run->host.c_str());
    std::printf("started    %s, %s\n", local_time(run->started_ms).c_str(),
                run->ended_ms ? ("ended " + local_time(*run->ended_ms)).c_str() : "no end recorded");
    const json& sm = run->summary;
    if (run->complete && sm.is_object()) {
        std::printf("requests   %llu completed in %.2f s, %.1f/s, %llu failed (%.2f%%)\n",
                    (unsigned long long)sm.value("completed", std::uint64_t(0)), sm.value("duration_s", 0.0),
                    sm.value("achieved_rate", 0.0), (unsigned long long)sm.value("errors", std::uint64_t(0)),
                    sm.value("error_ratio", 0.0) * 100);
        const auto lat = sm.value("latency", json::object());
        const auto unc = sm.value("latency_uncorrected", json::object());
        std::printf("latency    corrected   p50 %.3f  p95 %.3f  p99 %.3f  max %.3f ms\n",
                    lat.value("p50_ms", 0.0), lat.value("p95_ms", 0.0), lat.value("p99_ms", 0.0),
                    lat.value("max_ms", 0.0));
        std::printf("           uncorrected p50 %.3f  p95 %.3f  p99 %.3f  max %.3f ms\n",
                    unc.value("p50_ms", 0.0), unc.value("p95_ms", 0.0), unc.value("p99_ms", 0.0),
                    unc.value("max_ms", 0.0));
    }
    if (run->complete && sm.is_object()) print_requests(sm);
    const auto q = LatencyQuantiles::from(corrected);
    std::printf(
        "stored     %zu seconds: %llu requests, %llu failed, corrected p50 %.3f p95 %.3f p99 %.3f ms, "
        "uncorrected p99 %.3f ms\n",
        seconds.size(), (unsigned long long)stored_requests, (unsigned long long)stored_errors, q.p50_ms,
        q.p95_ms, q.p99_ms, LatencyQuantiles::from(uncorrected).p99_ms);
    if (!agent_seconds.empty() || !agent_events.empty())
        std::printf("agent      %zu seconds of server-side figures, %zu events\n", agent_seconds.size(),
                    agent_events.size());
    if (sm.is_object()) {
        print_thresholds(sm);
        print_checks(sm);
    }
    std::printf("\n%7s %8s %9s %9s %7s %9s %9s %9s %6s %7s %8s  %s\n", "t_s", "target", "requests", "rate/s",
                "err%", "p50 ms", "p95 ms", "p99 ms", "late", "unsent", "inflight", "transport");
    for (const auto& s : seconds) {
        const auto f = figures(s);
        std::string tr;
        const json transport = transport_json(s);  // a local: items() of a temporary would dangle
        for (const auto& [k, v] : transport.items())
            tr += fmt::format("{}={} ", k, v.get<std::uint64_t>());
        std::printf("%7.1f %8.1f %9llu %9.1f %7.2f %9.3f %9.3f %9.3f %6llu %7llu %8lld  %s\n", s.t_s,
                    s.target, (unsigned long long)f.requests, s.achieved_rate,
                    f.requests ? 100.0 * double(f.errors) / double(f.requests) : 0.0,
                    f.corrected.quantile_ns(0.50) / 1e6, f.corrected.quantile_ns(0.95) / 1e6,
                    f.corrected.quantile_ns(0.99) / 1e6, (unsigned long long)s.late,
                    (unsigned long long)s.unsent, (long long)s.in_flight, tr.c_str());
    }
    return kExitOk;
}

int runs_show_json(const RunStore& store, const std::string& id) {
    const auto run = store.get(id);
    if (!run) return one_line(kExitUsage, "no run '" + id + "'");
    json timeline = json::array();
    std::uint64_t stored_requests = 0, stored_errors = 0;
    for (const auto& s : store.seconds(id)) {
        const auto f = figures(s);
        stored_requests += f.requests;
        stored_errors += f.errors;
        json by_request = json::array();
        for (const auto& q : s.requests)
            by_request.push_back({{"name", q.name},
                                  {"method", q.method},
                                  {"requests", q.counters.requests},
                                  {"errors", q.counters.errors},
                                  {"latency", quantiles_json(q.corrected)},
                                  {"latency_uncorrected", quantiles_json(q.uncorrected)}});
        timeline.push_back({{"epoch", s.epoch},
                            {"t_s", s.t_s},
                            {"target", s.target},
                            {"achieved_rate", s.achieved_rate},
                            {"requests", f.requests},
                            {"errors", f.errors},
                            {"late", s.late},
                            {"unsent", s.unsent},
                            {"in_flight", s.in_flight},
                            {"transport", transport_json(s)},
                            {"latency", quantiles_json(f.corrected)},
                            {"by_request", by_request}});
    }
    const auto corrected = store.interval_sketch(id, -1, INFINITY, "", true).value_or(LatencySketch{});
    const auto uncorrected = store.interval_sketch(id, -1, INFINITY, "", false).value_or(LatencySketch{});
    json agent_seconds = json::array();
    for (const auto& a : store.agent_seconds(id))
        agent_seconds.push_back({{"epoch", a.epoch}, {"time_ms", a.time_ms}, {"snapshot", a.snapshot}});
    json out{{"run", run_json(*run)},
             {"scenario", run->scenario_json},
             {"summary", run->summary},
             {"stored",
              {{"seconds", timeline.size()},
               {"requests", stored_requests},
               {"errors", stored_errors},
               {"latency", quantiles_json(corrected)},
               {"latency_uncorrected", quantiles_json(uncorrected)}}},
             {"timeline", timeline},
             {"agent", {{"seconds", agent_seconds}, {"events", store.agent_events(id)}}}};
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
}

// --- runs show ID --from S --to S
// ----------------------------------------------------------------------------

/// A number of seconds for --from/--to: digits with an optional fraction, finite, >= 0.
std::optional<double> parse_seconds(const std::string& s) {
    if (s.empty() || s.size() > 32) return std::nullopt;
    bool dot = false, digit = false;
    for (char ch : s) {
        if (ch == '.' && !dot)
            dot = true;
        else if (ch >= '0' && ch <= '9')
            digit = true;
        else
            return std::nullopt;
    }
    if (!digit) return std::nullopt;
    const double v = std::strtod(s.c_str(), nullptr);
    if (!std::isfinite(v)) return std::nullopt;
    return v;
}

struct IntervalRow {
    std::string name, method;  // name "" = all requests
    Counters counters;
    LatencySketch corrected, uncorrected;
};

int runs_show_interval(const RunStore& store, const std::string& id, double from_s, double to_s,
                       const std::string& output) {
    const auto run = store.get(id);
    if (!run) return one_line(kExitUsage, "no run '" + id + "'");
    const auto seconds = store.seconds(id);
    // The seconds whose end t_s lies in (from, to] (what interval_sketch merges) and the end of the one
    // before.
    std::vector<IntervalRow> rows;
    IntervalRow all;
    std::size_t n = 0;
    double first_t = 0, last_t = 0, before_t = 0;
    for (const auto& s : seconds) {
        if (s.t_s <= from_s) {
            before_t = std::max(before_t, s.t_s);
            continue;
        }
        if (s.t_s > to_s) continue;
        if (n == 0) first_t = s.t_s;
        last_t = std::max(last_t, s.t_s);
        ++n;
        for (const auto& q : s.requests) {
            auto it = std::find_if(rows.begin(), rows.end(),
                                   [&](const IntervalRow& r) { return r.name == q.name; });
            if (it == rows.end()) {
                rows.push_back({q.name, q.method, {}, {}, {}});
                it = std::prev(rows.end());
            }
            it->counters.merge(q.counters);
            all.counters.merge(q.counters);
        }
    }
    const std::string range =
        fmt::format("({}, {}]", from_s < 0 ? std::string("start") : fmt::format("{:g} s", from_s),
                    std::isinf(to_s) ? std::string("end") : fmt::format("{:g} s", to_s));
    if (n == 0)
        return one_line(
            kExitUsage,
            fmt::format("--from/--to: no stored second of run {} ends in {}; its {} seconds end at "
                        "t = {:.2f} .. {:.2f} s",
                        id, range, seconds.size(), seconds.empty() ? 0.0 : seconds.front().t_s,
                        seconds.empty() ? 0.0 : seconds.back().t_s));
    // Latency: exactly the merged stored sketches of the interval.
    all.corrected = store.interval_sketch(id, from_s, to_s, "", true).value_or(LatencySketch{});
    all.uncorrected = store.interval_sketch(id, from_s, to_s, "", false).value_or(LatencySketch{});
    for (auto& r : rows) {
        r.corrected = store.interval_sketch(id, from_s, to_s, r.name, true).value_or(LatencySketch{});
        r.uncorrected = store.interval_sketch(id, from_s, to_s, r.name, false).value_or(LatencySketch{});
    }
    const double covered = last_t - before_t;
    auto rate = [&](const IntervalRow& r) {
        return covered > 0 ? double(r.counters.requests) / covered : 0.0;
    };
    if (output == "json") {
        auto row_json = [&](const IntervalRow& r) {
            return json{{"name", r.name},
                        {"method", r.method},
                        {"requests", r.counters.requests},
                        {"errors", r.counters.errors},
                        {"error_ratio", error_ratio(r.counters)},
                        {"rate_per_s", rate(r)},
                        {"min_ms", double(r.corrected.min_ns()) / 1e6},
                        {"latency", quantiles_json(r.corrected)},
                        {"latency_uncorrected", quantiles_json(r.uncorrected)}};
        };
        json reqs = json::array();
        for (const auto& r : rows)
            reqs.push_back(row_json(r));
        json all_j = row_json(all);
        all_j.erase("name");
        all_j.erase("method");
        const json out{{"run", run_json(*run)},
                       {"interval",
                        {{"from_s", from_s},
                         {"to_s", std::isinf(to_s) ? json(nullptr) : json(to_s)},
                         {"seconds", n},
                         {"first_t_s", first_t},
                         {"last_t_s", last_t},
                         {"duration_s", covered}}},
                       {"all", all_j},
                       {"requests", reqs}};
        std::printf("%s\n", out.dump(2, ' ', false, json::error_handler_t::replace).c_str());
        return kExitOk;
    }
    std::printf("run        %s (%s) -> %s\n", run->id.c_str(), run->scenario.c_str(), run->target.c_str());
    std::printf("interval   t in %s: %zu stored seconds ending at t = %.2f .. %.2f s (%.2f s)\n",
                range.c_str(), n, first_t, last_t, covered);
    std::size_t w = std::string("all (uncorrected)").size();
    for (const auto& r : rows)
        w = std::max(w, r.name.size() + 2);
    std::printf("\n%-*s %9s %9s %7s %9s %9s %9s %9s %9s %9s %9s %9s\n", int(w), "latency (ms)", "count",
                "rate/s", "err%", "min", "avg", "p50", "p90", "p95", "p99", "p99.9", "max");
    auto line = [&](const std::string& name, const IntervalRow& r, const LatencySketch& sk) {
        const auto q = LatencyQuantiles::from(sk);
        std::printf("%-*s %9llu %9.1f %7.2f %9s %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n", int(w),
                    name.c_str(), (unsigned long long)r.counters.requests, rate(r),
                    error_ratio(r.counters) * 100,
                    sk.count() ? fmt::format("{:.3f}", double(sk.min_ns()) / 1e6).c_str() : "-", q.mean_ms,
                    q.p50_ms, q.p90_ms, q.p95_ms, q.p99_ms, q.p999_ms, q.max_ms);
    };
    line("all (corrected)", all, all.corrected);
    line("all (uncorrected)", all, all.uncorrected);
    const bool open = run->executor.find("arrival") != std::string::npos;
    for (const auto& r : rows) {
        line("  " + r.name, r, r.corrected);
        if (open) line("    (uncorrected)", r, r.uncorrected);
    }
    return kExitOk;
}

// --- runs report
// ---------------------------------------------------------------------------------------------

/// Writes `text` to `path` atomically (a temporary file in the same directory, fsync, rename) or to stdout
/// for "-". Prints one line and returns the exit code on failure.
int write_report(const std::string& path, const std::string& text) {
    if (path == "-") {
        if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
            return one_line(kExitRuntime,
                            std::string("--html -: cannot write to stdout: ") + std::strerror(errno));
        return kExitOk;
    }
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);  // follows a symbolic link
    if (!ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st)) {
        // A device or a pipe (/dev/stdout, a FIFO): written in place, never replaced by a rename.
        const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
            return one_line(kExitUsage, "--html " + path + ": cannot be written: " + std::strerror(errno));
        std::size_t done = 0;
        int err = 0;
        while (done < text.size()) {
            const ssize_t w = ::write(fd, text.data() + done, text.size() - done);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                err = w < 0 ? errno : EIO;
                break;
            }
            done += std::size_t(w);
        }
        if (::close(fd) != 0 && !err) err = errno;
        if (err)
            return one_line(kExitRuntime, "--html " + path + ": cannot be written: " + std::strerror(err));
        return kExitOk;
    }
    // A symbolic link to a file: the file it names is replaced, the link stays.
    std::string target = path;
    if (std::filesystem::is_symlink(std::filesystem::symlink_status(path, ec)))
        if (auto c = std::filesystem::canonical(path, ec); !ec) target = c.string();
    std::string tmp = target + ".tmp-XXXXXX";
    const int fd = mkstemp(tmp.data());
    if (fd < 0)
        return one_line(kExitUsage, "--html " + path + ": cannot be written: " + std::strerror(errno));
    const mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    std::size_t done = 0;
    int err = 0;
    while (done < text.size()) {
        const ssize_t w = ::write(fd, text.data() + done, text.size() - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            err = errno;
            break;
        }
        done += std::size_t(w);
    }
    if (!err && ::fsync(fd) != 0) err = errno;
    if (::close(fd) != 0 && !err) err = errno;
    if (!err && std::rename(tmp.c_str(), target.c_str()) != 0) err = errno;
    if (err) {
        ::unlink(tmp.c_str());
        return one_line(
            err == EISDIR ? kExitUsage : kExitRuntime,
            "--html " + path + ": cannot be written: " + std::strerror(err) + " (nothing was written)");
    }
    return kExitOk;
}

/// Refuses an --html FILE that cannot become a file before anything is rendered (a directory, a missing
/// directory).
int check_html_path(const std::string& path) {
    if (path.empty()) return runs_usage_error("--html needs a file name (or - for stdout)");
    if (path == "-") return kExitOk;
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return one_line(kExitUsage, "--html " + path + ": is a directory");
    const auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
        return one_line(kExitUsage, "--html " + path + ": its directory " + dir.string() + " does not exist");
    return kExitOk;
}

/// runs report ID --html FILE [--compare BASELINE] and runs compare BASELINE CURRENT --html FILE.
int runs_report(const RunStore& store, const std::string& current, const std::string& baseline,
                const std::string& html, Alignment align) {
    if (html != "-") {
        std::error_code ec;
        for (const char* suffix : {"", "-wal", "-shm", "-journal"})
            if (std::filesystem::equivalent(html, store.path() + suffix, ec) && !ec)
                return one_line(kExitUsage,
                                "--html " + html + ": is the runs database" +
                                    (*suffix ? std::string(" (its ") + (suffix + 1) + " file)" : "") +
                                    "; give another file");
    }
    ReportOptions o;
    o.generator = std::string("redline-load ") + REDLINE_VERSION;
    o.align = align;
    std::string text;
    try {
        text = baseline.empty() ? render_run_report_html(store, current, o)
                                : render_comparison_report_html(store, baseline, current, o);
    } catch (const ReportError& e) {
        return one_line(kExitUsage, e.what());
    }
    if (int rc = write_report(html, text)) return rc;
    if (html != "-")
        std::fprintf(stderr, "redline-load: wrote the %s report to %s (%zu bytes)\n",
                     baseline.empty() ? "run" : "comparison", html.c_str(), text.size());
    return kExitOk;
}

}  // namespace

std::string runs_db_path(const std::string& given, bool* is_default, std::string* error) {
    *is_default = false;
    if (!given.empty()) return given;
    if (const char* env = std::getenv("REDLINE_RUNS_DB"); env && *env) return env;
    *is_default = true;
    // XDG base directories: a relative XDG_DATA_HOME is invalid and ignored.
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg == '/')
        return std::string(xdg) + "/redline/runs.db";
    if (const char* home = std::getenv("HOME"); home && *home)
        return std::string(home) + "/.local/share/redline/runs.db";
    if (error) *error = "no runs database: HOME is not set; give --runs-db FILE or set REDLINE_RUNS_DB";
    return {};
}

std::unique_ptr<RunSaver> RunSaver::start(const std::string& db_option, const Scenario& sc,
                                          EngineOptions& opt, std::string* error) {
    bool is_default = false;
    const std::string path = runs_db_path(db_option, &is_default, error);
    if (path.empty()) return nullptr;
    if (is_default) {  // the default directory is ours to create; a given path's directory must exist
        std::error_code ec;
        const auto dir = std::filesystem::path(path).parent_path();
        std::filesystem::create_directories(dir, ec);
        if (ec) {
            *error = "runs database " + path + ": cannot create " + dir.string() + ": " + ec.message();
            return nullptr;
        }
    }
    std::string why;
    auto store = RunStore::open(path, RunStore::Mode::CreateIfMissing, &why);
    const std::string option = db_option.empty() ? "runs database " : "--runs-db ";
    if (!store) {
        *error = option + why;
        return nullptr;
    }
    RunHeader h;
    h.id = RunStore::new_id();
    if (opt.run_id.empty()) opt.run_id = h.id;
    h.run_id = opt.run_id;
    h.scenario = sc.name;
    h.scenario_json = to_json(sc);
    h.target = sc.target;
    h.executor = std::string(to_string(sc.executor));
    h.started_ms = now_ms();
    h.host = hostname();
    h.pid = getpid();
    h.version = REDLINE_VERSION;
    RunRecorder::Options ro;
    if (!sc.agent.url.empty()) {
        ro.agent_url = sc.agent.url;
        if (!sc.agent.token_file.empty()) {
            if (auto t = read_token_file(sc.agent.token_file)) ro.agent_token = *t;
        } else if (!sc.agent.token_env.empty()) {
            if (const char* v = std::getenv(sc.agent.token_env.c_str())) ro.agent_token = v;
        }
    }
    auto rec = RunRecorder::start(std::move(store), std::move(h), std::move(ro), &why);
    if (!rec) {
        *error = option + why;
        return nullptr;
    }
    std::unique_ptr<RunSaver> saver(new RunSaver);
    saver->recorder_ = std::move(rec);
    auto previous = std::move(opt.on_second);
    opt.on_second = [r = saver->recorder_.get(), previous](const RunSecond& s) {
        r->submit(s);
        if (previous) previous(s);
    };
    return saver;
}

bool RunSaver::finish(const Summary& s, bool quiet) {
    const std::string path = recorder_->path();
    const auto res = recorder_->finish(s);
    if (!quiet)
        std::printf("saved      run %s in %s (%llu seconds%s)\n", res.id.c_str(), path.c_str(),
                    (unsigned long long)res.seconds_written,
                    res.agent_seconds ? fmt::format(", {} agent seconds, {} agent events", res.agent_seconds,
                                                    res.agent_events)
                                            .c_str()
                                      : "");
    if (res.seconds_lost)
        std::fprintf(stderr, "redline-load: %llu seconds of run %s could not be stored in %s%s%s\n",
                     (unsigned long long)res.seconds_lost, res.id.c_str(), path.c_str(),
                     res.write_error.empty() ? "" : ": ", res.write_error.c_str());
    if (!res.agent_error.empty())
        std::fprintf(stderr, "redline-load: warning: agent figures of run %s are incomplete: %s\n",
                     res.id.c_str(), res.agent_error.c_str());
    if (!res.saved)
        std::fprintf(stderr, "redline-load: the end of run %s could not be stored in %s: %s\n",
                     res.id.c_str(), path.c_str(), res.error.c_str());
    return res.saved;
}

int cmd_runs(const std::vector<std::string>& args) {
    if (args.size() < 2)
        return runs_usage_error("runs needs a command: list, show, compare, report or delete");
    const std::string& sub = args[1];
    if (sub == "--help" || sub == "-h" || sub == "help") {
        std::fputs(kRunsUsage, stdout);
        return kExitOk;
    }
    const bool html_compare =
        sub == "compare" && std::find(args.begin(), args.end(), std::string("--html")) != args.end();
    if (sub == "compare" && !html_compare &&
        std::find(args.begin(), args.end(), std::string("--align")) != args.end())
        return runs_usage_error(
            "--align only applies to the HTML report (runs compare BASELINE CURRENT --html FILE "
            "--align stages)");
    if (sub == "compare" && !html_compare) {
        // runs compare A B [--db FILE] ...: the compare command, with IDs looked up in the runs database.
        std::vector<std::string> rest(args.begin() + 1, args.end());
        return cmd_compare(rest);
    }
    if (sub != "list" && sub != "show" && sub != "delete" && sub != "report" && sub != "compare")
        return runs_usage_error("unknown runs command '" + sub + "' (list, show, compare, report or delete)");
    Common c;
    for (std::size_t i = 2; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--db" || a == "--runs-db" || a == "-o" || a == "--output" || a == "--limit" ||
            a == "--scenario" || a == "--from" || a == "--to" || a == "--html" || a == "--compare" ||
            a == "--align") {
            if (i + 1 >= args.size()) return runs_usage_error(a + " needs a value");
            const std::string& v = args[++i];
            if (a == "--db" || a == "--runs-db") {
                if (v.empty()) return runs_usage_error(a + " needs a file name");
                c.db = v;
            } else if (a == "-o" || a == "--output") {
                if (v != "table" && v != "json") return runs_usage_error(a + " must be table or json");
                c.output = v;
            } else if (a == "--limit") {
                c.limit = parse_count(v);
                if (!c.limit) return runs_usage_error("--limit must be a whole number (0 = all)");
            } else if (a == "--from" || a == "--to") {
                const auto x = parse_seconds(v);
                if (!x)
                    return runs_usage_error(a + " must be a number of seconds since the start (>= 0), got '" +
                                            v + "'");
                (a == "--from" ? c.from_s : c.to_s) = *x;
            } else if (a == "--html") {
                if (v.empty()) return runs_usage_error("--html needs a file name (or - for stdout)");
                if (v.starts_with("--"))
                    return runs_usage_error("--html needs a file name (or - for stdout), got the option " +
                                            v + " (write ./" + v + " for a file of that name)");
                c.html = v;
            } else if (a == "--compare") {
                if (v.empty() || v.starts_with("-"))
                    return runs_usage_error("--compare needs a run ID (the baseline)" +
                                            (v.empty() ? std::string() : ", got " + v));
                c.compare = v;
            } else if (a == "--align") {
                Alignment al = Alignment::Start;
                if (!parse_alignment(v, al))
                    return runs_usage_error("--align must be start or stages, got '" + v + "'");
                c.align = al;
            } else {
                c.scenario = v;
            }
        } else if (a.starts_with("-") && a.size() > 1) {
            return runs_usage_error("unknown option " + a);
        } else {
            c.positional.push_back(a);
        }
    }
    if ((c.from_s || c.to_s) && sub != "show")
        return runs_usage_error("--from and --to only apply to runs show");
    if (c.from_s && c.to_s && !(*c.from_s < *c.to_s))
        return runs_usage_error(
            fmt::format("--from ({:g}) must be less than --to ({:g})", *c.from_s, *c.to_s));
    if (c.html && sub != "report" && sub != "compare")
        return runs_usage_error("--html only applies to runs report and runs compare");
    if (c.compare && sub != "report") return runs_usage_error("--compare only applies to runs report");
    if (c.align && !(sub == "compare" || (sub == "report" && c.compare)))
        return runs_usage_error(
            "--align only applies to a comparison (runs compare --html, runs report --compare)");
    if (sub == "report" || sub == "compare") {
        const std::size_t want = sub == "compare" ? 2 : 1;
        if (c.positional.size() != want || std::any_of(c.positional.begin(), c.positional.end(),
                                                       [](const std::string& x) { return x.empty(); }))
            return runs_usage_error(sub == "compare"
                                        ? "runs compare --html takes exactly two run IDs: BASELINE CURRENT"
                                        : "runs report takes exactly one run ID");
        if (!c.html) return runs_usage_error("runs report needs --html FILE (- for stdout)");
        if (c.limit || c.scenario || c.output != "table")
            return runs_usage_error("--limit, --scenario and -o do not apply to an HTML report");
        if (int rc = check_html_path(*c.html)) return rc;
    } else if (sub == "list") {
        if (!c.positional.empty())
            return runs_usage_error("runs list takes no ID (unexpected " + c.positional[0] + ")");
    } else {
        if (c.positional.size() != 1 || c.positional[0].empty())
            return runs_usage_error("runs " + sub + " takes exactly one run ID");
        if (c.limit || c.scenario) return runs_usage_error("--limit and --scenario only apply to runs list");
        if (sub == "delete" && c.output != "table")
            return runs_usage_error("-o does not apply to runs delete");
    }
    int code = kExitOk;
    auto store = open_for_reading(c.db, &code);
    if (!store) return code;
    try {
        if (sub == "list") return runs_list(*store, c);
        if (sub == "report" || sub == "compare") {
            const std::string cur = resolve_id(*store, c.positional.back());
            if (cur.empty()) return kExitUsage;
            std::string base;
            if (sub == "compare" || c.compare) {
                base = resolve_id(*store, sub == "compare" ? c.positional[0] : *c.compare);
                if (base.empty()) return kExitUsage;
            }
            return runs_report(*store, cur, base, *c.html, c.align.value_or(Alignment::Start));
        }
        const std::string id = resolve_id(*store, c.positional[0]);
        if (id.empty()) return kExitUsage;
        if (sub == "show" && (c.from_s || c.to_s))
            return runs_show_interval(*store, id, c.from_s.value_or(-1), c.to_s.value_or(INFINITY), c.output);
        if (sub == "show") return c.output == "json" ? runs_show_json(*store, id) : runs_show(*store, id);
        const auto run = store->get(id);
        if (!store->remove(id)) return one_line(kExitUsage, "no run '" + id + "'");
        std::printf("deleted run %s (%s, started %s)\n", id.c_str(), run ? run->scenario.c_str() : "?",
                    run ? local_time(run->started_ms).c_str() : "?");
        return kExitOk;
    } catch (const RunStoreError& e) {
        return one_line(kExitRuntime, "runs database " + store->path() + ": " + e.what());
    }
}

}  // namespace redline::loadcli
