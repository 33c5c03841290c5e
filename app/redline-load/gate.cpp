#include "app/redline-load/gate.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "app/redline-load/cli.h"
#include "app/redline-load/cmd_runs.h"
#include "core/load/junit.h"
#include "core/load/run_store.h"

namespace redline::loadcli {

using namespace redline::load;

namespace {

constexpr std::size_t kMaxSummaryBytes = 64u << 20;  // a day-long run's summary is about 15 MB

int fail_usage(const std::string& msg) {
    std::fprintf(stderr, "redline-load: %s\n", msg.c_str());
    return kExitUsage;
}

/// A name that can only be a saved run's id (or a prefix of one), never meant as a file path.
bool looks_like_run_id(const std::string& s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    });
}

/// The summary of a saved run (docs/runs.md): `id` (or an unambiguous prefix) in the runs database `db`.
std::optional<Summary> read_saved_run(const std::string& option, const std::string& id,
                                      const std::string& db) {
    bool is_default = false;
    std::string err;
    const std::string path = runs_db_path(db, &is_default, &err);
    std::error_code ec;
    if (path.empty() || !std::filesystem::exists(path, ec)) {
        fail_usage(fmt::format("{} {}: no such file, and no runs database{} to look it up as a saved run",
                               option, id, path.empty() ? "" : " at " + path));
        return std::nullopt;
    }
    auto store = RunStore::open(path, RunStore::Mode::MustExist, &err);
    if (!store) {
        fail_usage(fmt::format("{} {}: runs database {}", option, id, err));
        return std::nullopt;
    }
    try {
        const auto r = store->resolve(id);
        using St = RunStore::Resolved::Status;
        if (r.status != St::Found) {
            fail_usage(
                fmt::format("{} {}: no such file, and {} in {}", option, id,
                            r.status == St::Ambiguous
                                ? fmt::format("{} saved runs start with it (give more of the id)", r.matches)
                                : std::string("no saved run has that id"),
                            path));
            return std::nullopt;
        }
        const auto run = store->get(r.id);
        if (!run || !run->complete || run->summary.is_null()) {
            fail_usage(fmt::format("{} {}: saved run {} is incomplete (its process ended before the summary)",
                                   option, id, r.id));
            return std::nullopt;
        }
        auto p = summary_from_json(run->summary);
        if (!p.ok()) {
            fail_usage(fmt::format("{} {}: the summary of saved run {} is not readable: {}", option, id, r.id,
                                   join_field_errors(p.errors())));
            return std::nullopt;
        }
        return std::move(p.value());
    } catch (const RunStoreError& e) {
        fail_usage(fmt::format("{} {}: runs database {}: {}", option, id, path, e.what()));
        return std::nullopt;
    }
}

/// Reads and parses a summary file, or a saved run's summary when `path` is no file but looks like a run id;
/// on failure prints one line naming `option` and the argument.
std::optional<Summary> read_summary(const std::string& option, const std::string& path,
                                    const std::string& db = {}) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec) && looks_like_run_id(path))
        return read_saved_run(option, path, db);
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        fail_usage(fmt::format("{} {}: cannot be read: {}", option, path, std::strerror(errno)));
        return std::nullopt;
    }
    // Read at most the limit (+1 to tell "too large"): /dev/zero or a huge log must not eat the memory.
    std::string text;
    char buf[1 << 16];
    while (text.size() <= kMaxSummaryBytes && f.read(buf, sizeof buf).gcount() > 0)
        text.append(buf, std::size_t(f.gcount()));
    if (f.bad()) {
        fail_usage(fmt::format("{} {}: cannot be read: {}", option, path, std::strerror(errno)));
        return std::nullopt;
    }
    if (text.size() > kMaxSummaryBytes) {
        fail_usage(
            fmt::format("{} {}: larger than {} MiB, not a summary", option, path, kMaxSummaryBytes >> 20));
        return std::nullopt;
    }
    auto p = parse_summary(text);
    if (!p.ok()) {
        fail_usage(fmt::format("{} {} is not a redline-load summary (--out): {}", option, path,
                               join_field_errors(p.errors())));
        return std::nullopt;
    }
    return std::move(p.value());
}

int probe_writable(const std::string& option, const std::string& path) {
    std::ofstream probe(path, std::ios::app);
    if (!probe)
        return fail_usage(fmt::format("{} {} cannot be written: {}", option, path, std::strerror(errno)));
    return 0;
}

bool write_junit(const std::string& path, const Summary& run, const std::vector<GateResult>& gates) {
    std::ofstream f(path, std::ios::trunc);
    f << junit_xml(run, gates);
    f.close();
    if (!f) {
        std::fprintf(stderr, "redline-load: cannot write the JUnit report to %s: %s\n", path.c_str(),
                     std::strerror(errno));
        return false;
    }
    return true;
}

void print_failed_bounds(const std::vector<GateResult>& gates) {
    for (const auto& g : gates)
        if (g.failed) std::fprintf(stderr, "redline-load: regression: %s\n", g.message.c_str());
}

}  // namespace

int prepare_gate(GateSetup& g, const std::string& scenario_name) {
    if (!g.spec_text.empty() && g.baseline_path.empty())
        return fail_usage("--max-regression needs --baseline SUMMARY_JSON (the run to compare with)");
    if (!g.spec_text.empty()) {
        std::string error;
        g.spec = parse_regression_spec(g.spec_text, &error);
        if (!g.spec) return fail_usage("--max-regression: " + error);
    }
    if (!g.baseline_path.empty()) {
        g.baseline = read_summary("--baseline", g.baseline_path, g.runs_db);
        if (!g.baseline) return kExitUsage;
        if (g.baseline->scenario != scenario_name)
            std::fprintf(stderr,
                         "redline-load: warning: the baseline is from scenario '%s', this run is '%s'\n",
                         g.baseline->scenario.c_str(), scenario_name.c_str());
    }
    if (!g.junit_path.empty())
        if (int rc = probe_writable("--junit", g.junit_path)) return rc;
    return 0;
}

int finish_gate(const GateSetup& g, const Summary& run, int rc, bool quiet) {
    std::vector<GateResult> gates;
    if (g.baseline && run.outcome == RunOutcome::Error) {
        std::fprintf(stderr, "redline-load: no comparison with the baseline: the run ended in an error\n");
    } else if (g.baseline) {
        const RunComparison c = compare(*g.baseline, run);
        if (g.spec) gates = gate(c, *g.spec);
        if (!quiet) {
            std::printf("\n%s", render_table(c).c_str());
            if (g.spec) std::printf("%s", render_gate(gates).c_str());
        } else {
            for (const auto& w : c.warnings)
                std::fprintf(stderr, "redline-load: warning: %s\n", w.c_str());
            print_failed_bounds(gates);
        }
        if (any_failed(gates) && (rc == kExitOk || rc == kExitInterrupted)) rc = kExitThreshold;
    }
    if (!g.junit_path.empty() && !write_junit(g.junit_path, run, gates) && rc == kExitOk) rc = kExitRuntime;
    return rc;
}

int cmd_compare(const std::vector<std::string>& args) {
    std::vector<std::string> files;
    std::string spec_text, format = "table", junit, db;
    bool spec_given = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--max-regression" || a == "-o" || a == "--output" || a == "--junit" || a == "--db") {
            if (i + 1 >= args.size()) return fail_usage(a + " needs a value");
            const std::string& v = args[++i];
            if (a == "--max-regression") {
                spec_text = v;
                spec_given = true;
            } else if (a == "--junit") {
                junit = v;
            } else if (a == "--db") {
                db = v;
            } else if (v == "table" || v == "json") {
                format = v;
            } else {
                return fail_usage("-o must be table or json, got '" + v + "'");
            }
        } else if (a.starts_with("-") && a != "-") {
            return fail_usage("compare: unknown option " + a);
        } else {
            files.push_back(a);
        }
    }
    if (files.size() != 2)
        return fail_usage(
            "compare takes exactly two runs: BASELINE CURRENT, each a summary file (from run --out) or a "
            "saved "
            "run's ID (run --save; --db FILE)");
    std::optional<RegressionSpec> spec;
    if (spec_given) {
        std::string error;
        spec = parse_regression_spec(spec_text, &error);
        if (!spec) return fail_usage("--max-regression: " + error);
    }
    const auto base = read_summary("baseline", files[0], db);
    if (!base) return kExitUsage;
    const auto cur = read_summary("current", files[1], db);
    if (!cur) return kExitUsage;
    if (!junit.empty())
        if (int rc = probe_writable("--junit", junit)) return rc;

    const RunComparison c = compare(*base, *cur);
    std::vector<GateResult> gates;
    if (spec) gates = gate(c, *spec);
    if (format == "json") {
        nlohmann::json j = to_json(c);
        j["gate"] = to_json(gates);
        j["gate_failed"] = any_failed(gates);
        std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
        std::printf("%s", render_table(c).c_str());
        if (spec) std::printf("%s", render_gate(gates).c_str());
    }
    int rc = any_failed(gates) ? kExitThreshold : kExitOk;
    if (!junit.empty() && !write_junit(junit, *cur, gates) && rc == kExitOk) rc = kExitRuntime;
    return rc;
}

}  // namespace redline::loadcli
