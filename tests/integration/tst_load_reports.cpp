// `redline-load runs report` and `runs show --from/--to` from the outside (docs/runs.md "Reports"): two real
// runs against the real sample server saved with --runs-db (one with the agent's figures and an event), their
// HTML reports well-formed, without script, escaping a request name made of markup, carrying the stored
// summary's figures and compare()'s verdicts, written atomically; the CLI's errors (unknown and ambiguous
// ids, files that cannot be written, bad --from/--to) one line with exit 2; intervals computed from the
// stored sketches.
#include <fmt/format.h>

#include <QtTest>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/load/compare.h"
#include "core/load/run_store.h"
#include "tests/integration/tst_sample_support.h"
#include "tests/support/child_process.h"
#include "tests/support/html_report_reader.h"

using redline::test::CliRun;
using redline::test::read_html_report;
using redline::test::SampleServerProcess;
using json = nlohmann::json;
namespace load = redline::load;

namespace {

const std::string kEvilRequest = "<script>alert(1)</script> & \"co\"";

QString binary() {
    return redline::test::ChildProcess::binary("app/redline-load");
}

QProcessEnvironment env_with() {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("REDLINE_RUNS_DB");
    env.remove("XDG_DATA_HOME");
    return env;
}

CliRun cli(const QStringList& args, int timeout_ms = 60'000) {
    return redline::test::run_cli(binary(), args, env_with(), timeout_ms);
}

std::string slurp(const QString& path) {
    std::ifstream f(path.toStdString(), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

QString write(const QTemporaryDir& dir, const QString& name, const std::string& text) {
    const QString path = dir.filePath(name);
    std::ofstream(path.toStdString()) << text;
    return path;
}

std::string scenario(const QString& target, double rate, const std::string& path_range) {
    return json{
        {"name", "report-it"},
        {"target", target.toStdString()},
        {"executor", "constant-arrival-rate"},
        {"rate", rate},
        {"duration_s", 4},
        {"connections", 4},
        {"requests",
         json::array({{{"name", "list"},
                       {"weight", 3},
                       {"path", "/v1/products?page_size=5"},
                       {"checks", json::array({{{"name", "is 200"}, {"status", 200}}})}},
                      {{"name", kEvilRequest}, {"weight", 1}, {"path", "/v1/products/" + path_range}}})},
        {"thresholds", json::array({"p99 < 10s", "error_rate < 1%"})}}
        .dump();
}

json parse(const QByteArray& out) {
    return json::parse(out.toStdString(), nullptr, false);
}

/// data-key -> text of each summary row, by data-request.
std::map<std::string, std::map<std::string, std::string>> summary_rows(const redline::test::HtmlDoc& doc) {
    std::map<std::string, std::map<std::string, std::string>> rows;
    const int table = doc.find_id("summary");
    for (std::size_t i = 0; i < doc.elements.size(); ++i) {
        const auto& e = doc.elements[i];
        if (e.name != "td" || !e.has("data-key") || doc.ancestor(int(i), "table") != table) continue;
        const int tr = doc.ancestor(int(i), "tr");
        rows[doc.elements[std::size_t(tr)].attr("data-request")][e.attr("data-key")] = e.text;
    }
    return rows;
}

}  // namespace

class TestLoadReports : public QObject {
    Q_OBJECT
    SampleServerProcess server_;
    QTemporaryDir dir_;
    QString db_;
    QString base_, cur_;  // full ids

  private slots:
    void initTestCase() {
        QVERIFY2(QFileInfo::exists(binary()), qPrintable(binary() + " is not built"));
        QVERIFY(server_.start());
        db_ = dir_.filePath("runs.db");
        // The baseline: with the agent's figures and an event posted during the run.
        const QString sc1 = write(dir_, "base.json", scenario(server_.api_url(), 60, "{1..1200}"));
        QProcess p;
        p.setProcessEnvironment(env_with());
        p.start(binary(), {"run", sc1, "--runs-db", db_, "--quiet", "--agent", server_.proc().admin_url(),
                           "--agent-token-file", server_.data_dir() + "/viewer.token"});
        QVERIFY(p.waitForStarted());
        QTest::qWait(1500);
        QVERIFY(server_.admin().post_event("annotation", "deploy <b>v2</b> & go").ok());
        QVERIFY(p.waitForFinished(30'000));
        QCOMPARE(p.exitCode(), 0);
        // The current run: more load and a quarter of one request name's ids unknown (404 = failed).
        const QString sc2 = write(dir_, "cur.json", scenario(server_.api_url(), 120, "{1..1600}"));
        const CliRun r = cli({"run", sc2, "--runs-db", db_, "--quiet"});
        QCOMPARE(r.code, 99);  // error_rate < 1% fails
        const json runs = parse(cli({"runs", "list", "--db", db_, "-o", "json"}).out);
        QCOMPARE(runs["total"].get<int>(), 2);
        cur_ = QString::fromStdString(runs["runs"][0]["id"].get<std::string>());
        base_ = QString::fromStdString(runs["runs"][1]["id"].get<std::string>());
    }

    void a_run_report_carries_the_stored_summary() {
        const QString out = dir_.filePath("base.html");
        const CliRun r = cli({"runs", "report", base_.left(8), "--html", out, "--db", db_});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.err.contains("wrote the run report to " + out.toUtf8()), r.err.constData());
        const std::string html = slurp(out);
        const auto doc = read_html_report(html);
        QVERIFY2(doc.error.empty(), doc.error.c_str());
        for (const auto& e : doc.elements) {
            QVERIFY2(e.name != "script" && e.name != "link" && e.name != "img", e.name.c_str());
            QVERIFY(!e.has("src"));
            if (e.has("href")) QVERIFY2(e.attr("href").starts_with("#"), e.attr("href").c_str());
        }
        QVERIFY(html.find("<script") == std::string::npos);

        const json shown = parse(cli({"runs", "show", base_, "--db", db_, "-o", "json"}).out);
        const json& sm = shown["summary"];
        const auto rows = summary_rows(doc);
        QCOMPARE(rows.size(), sm["requests"].size() + 1);
        auto check_row = [&](const std::string& name, const json& q, const char* completed) {
            QVERIFY2(rows.count(name), name.c_str());
            const auto& row = rows.at(name);
            QCOMPARE(row.at("count"), std::to_string(q[completed].get<std::uint64_t>()));
            for (const auto& [key, field] :
                 std::vector<std::pair<std::string, std::string>>{{"p50", "p50_ms"},
                                                                  {"p90", "p90_ms"},
                                                                  {"p95", "p95_ms"},
                                                                  {"p99", "p99_ms"},
                                                                  {"p99.9", "p999_ms"},
                                                                  {"max", "max_ms"},
                                                                  {"avg", "mean_ms"}})
                QCOMPARE(row.at(key), fmt::format("{:.3f}", q["latency"][field].get<double>()));
            QCOMPARE(row.at("p99_uncorrected"),
                     fmt::format("{:.3f}", q["latency_uncorrected"]["p99_ms"].get<double>()));
            QCOMPARE(row.at("min"), fmt::format("{:.3f}", q["latency_sketch"]["min_ns"].get<double>() / 1e6));
        };
        check_row("", sm, "completed");
        for (const auto& q : sm["requests"])
            check_row(q["name"].get<std::string>(), q, "completed");
        QVERIFY(rows.count(kEvilRequest));  // the markup request name, read back as text

        // Thresholds with ✓/✗ as the summary says, observed values with units.
        std::vector<std::string> passed;
        for (std::size_t i = 0; i < doc.elements.size(); ++i)
            if (doc.elements[i].name == "tr" && doc.elements[i].has("data-passed") &&
                doc.ancestor(int(i), "table") == doc.find_id("thresholds"))
                passed.push_back(doc.elements[i].attr("data-passed"));
        QCOMPARE(passed.size(), sm["thresholds"].size());
        for (std::size_t i = 0; i < passed.size(); ++i)
            QCOMPARE(passed[i], std::string(sm["thresholds"][i]["passed"].get<bool>() ? "true" : "false"));
        QVERIFY(html.find("\u2713") != std::string::npos);
        // The agent's event, its server-side charts, the scenario as run.
        const int events = doc.find_id("events");
        QVERIFY(events >= 0);
        QVERIFY2(doc.elements[std::size_t(events)].text.find("deploy <b>v2</b> & go") != std::string::npos,
                 doc.elements[std::size_t(events)].text.c_str());
        QVERIFY(html.find("Server side (agent): p99 latency per second") != std::string::npos);
        QVERIFY(html.find("<details>") != std::string::npos);
        int charts = 0;
        for (const auto& e : doc.elements)
            charts += e.name == "svg";
        QCOMPARE(charts, 6);  // rate, latency, failures, in flight, agent p99, agent rate

        // The same report again: the same bytes; to stdout with "-".
        const QString again = dir_.filePath("base-again.html");
        QCOMPARE(cli({"runs", "report", base_, "--html", again, "--db", db_}).code, 0);
        QCOMPARE(slurp(again), html);
        const CliRun to_stdout = cli({"runs", "report", base_, "--html", "-", "--db", db_});
        QCOMPARE(to_stdout.code, 0);
        QCOMPARE(to_stdout.out.toStdString(), html);
    }

    void a_comparison_report_has_compares_verdicts() {
        const QString out = dir_.filePath("cmp.html");
        const CliRun r = cli({"runs", "report", cur_, "--compare", base_, "--html", out, "--db", db_});
        QCOMPARE(r.code, 0);
        const std::string html = slurp(out);
        const auto doc = read_html_report(html);
        QVERIFY2(doc.error.empty(), doc.error.c_str());
        // The other spelling writes the same report.
        const QString out2 = dir_.filePath("cmp2.html");
        QCOMPARE(cli({"runs", "compare", base_, cur_, "--html", out2, "--db", db_}).code, 0);
        QCOMPARE(slurp(out2), html);

        std::string why;
        auto store = load::RunStore::open(db_.toStdString(), load::RunStore::Mode::MustExist, &why);
        QVERIFY2(store, why.c_str());
        const auto b = load::summary_from_json(store->get(base_.toStdString())->summary);
        const auto c = load::summary_from_json(store->get(cur_.toStdString())->summary);
        QVERIFY(b.ok() && c.ok());
        const auto cmp = load::compare(b.value(), c.value());
        std::map<std::string, std::string> shown;
        for (const auto& e : doc.elements)
            if (e.name == "tr" && e.has("data-figure")) shown[e.attr("data-figure")] = e.attr("data-verdict");
        QCOMPARE(shown.size(), cmp.figures.size());
        for (const auto& f : cmp.figures)
            QCOMPARE(shown[f.id()], std::string(load::to_string(f.verdict)));
        QCOMPARE(shown["failed[" + kEvilRequest + "]"], std::string("regressed"));  // 404s of ids > 1200
        QCOMPARE(shown["rate"], std::string("improved"));                           // 60/s -> 120/s
        // What changed: the scenario's rate and the path, with old and new values.
        const int changes = doc.find_id("changes");
        QVERIFY(changes >= 0);
        const std::string text = doc.elements[std::size_t(changes)].text;
        QVERIFY2(text.find("scenario $.rate60.0120.0") != std::string::npos, text.c_str());
        QVERIFY2(text.find("{1..1200}") != std::string::npos && text.find("{1..1600}") != std::string::npos,
                 text.c_str());
        QVERIFY(doc.elements[std::size_t(doc.find_id("events"))].text.find("baseline") != std::string::npos);
        int charts = 0;
        for (const auto& e : doc.elements)
            charts += e.name == "svg";
        QCOMPARE(charts, 3);  // rate, p99, failures overlaid
    }

    void a_comparison_can_be_aligned_per_stage() {
        // --align start is the default (the same bytes); --align stages (both spellings) says so and lists
        // the stages with both runs' lengths.
        const CliRun deflt = cli({"runs", "compare", base_, cur_, "--html", "-", "--db", db_});
        const CliRun start =
            cli({"runs", "compare", base_, cur_, "--html", "-", "--align", "start", "--db", db_});
        QCOMPARE(deflt.code, 0);
        QCOMPARE(start.code, 0);
        QCOMPARE(start.out, deflt.out);
        const CliRun stages =
            cli({"runs", "compare", base_, cur_, "--align", "stages", "--html", "-", "--db", db_});
        QCOMPARE(stages.code, 0);
        const CliRun report = cli(
            {"runs", "report", cur_, "--compare", base_, "--align", "stages", "--html", "-", "--db", db_});
        QCOMPARE(report.code, 0);
        QCOMPARE(report.out, stages.out);
        const auto doc = read_html_report(stages.out.toStdString());
        QVERIFY2(doc.error.empty(), doc.error.c_str());
        const int h = doc.find_id("alignment");
        QVERIFY(h >= 0);
        QCOMPARE(doc.elements[std::size_t(h)].text, std::string("Charts (aligned per stage)"));
        QVERIFY(doc.find_id("stage-alignment") >= 0);
    }

    void report_errors_are_one_line_with_exit_2_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        const QString ok = dir_.filePath("never.html");
        QTest::newRow("unknown id") << QStringList{"runs", "report", "0123", "--html", ok} << "no run '0123'";
        QTest::newRow("unknown baseline")
            << QStringList{"runs", "report", "CUR", "--compare", "0123", "--html", ok} << "no run '0123'";
        QTest::newRow("no --html") << QStringList{"runs", "report", "CUR"} << "needs --html FILE";
        QTest::newRow("two ids") << QStringList{"runs", "report", "CUR", "BASE", "--html", ok}
                                 << "exactly one run ID";
        QTest::newRow("missing directory")
            << QStringList{"runs", "report", "CUR", "--html", dir_.filePath("no/such/dir/r.html")}
            << "does not exist";
        QTest::newRow("a directory") << QStringList{"runs", "report", "CUR", "--html", dir_.path()}
                                     << "is a directory";
        QTest::newRow("under a file")
            << QStringList{"runs", "report", "CUR", "--html", db_ + "/r.html"} << "does not exist";
        QTest::newRow("--compare on show") << QStringList{"runs", "show", "CUR", "--compare", "BASE"}
                                           << "--compare only applies to runs report";
        QTest::newRow("--html on show")
            << QStringList{"runs", "show", "CUR", "--html", ok} << "--html only applies";
        QTest::newRow("--compare without its id")
            << QStringList{"runs", "report", "CUR", "--html", ok, "--compare"}
            << "--compare needs a run ID (the baseline), got --db";
        QTest::newRow("--html without its file")
            << QStringList{"runs", "report", "CUR", "--html"}
            << "--html needs a file name (or - for stdout), got the option --db";
        QTest::newRow("-o on report") << QStringList{"runs", "report", "CUR", "--html", ok, "-o", "json"}
                                      << "do not apply to an HTML report";
        QTest::newRow("--align of one run")
            << QStringList{"runs", "report", "CUR", "--html", ok, "--align", "stages"}
            << "--align only applies to a comparison";
        QTest::newRow("--align without --html")
            << QStringList{"runs", "compare", "BASE", "CUR", "--align", "stages"}
            << "--align only applies to the HTML report";
        QTest::newRow("--align on show") << QStringList{"runs", "show", "CUR", "--align", "stages"}
                                         << "--align only applies to a comparison";
        QTest::newRow("--align of no kind")
            << QStringList{"runs", "compare", "BASE", "CUR", "--html", ok, "--align", "end"}
            << "--align must be start or stages, got 'end'";
        QTest::newRow("--align without its value")
            << QStringList{"runs", "report", "CUR", "--compare", "BASE", "--html", ok, "--align"}
            << "--align must be start or stages, got '--db'";
    }

    void report_errors_are_one_line_with_exit_2() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        args.replaceInStrings("CUR", cur_);
        args.replaceInStrings("BASE", base_);
        args << "--db" << db_;
        const CliRun r = cli(args);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.startsWith("redline-load: "), r.err.constData());
        QVERIFY2(r.err.contains(message.toUtf8()), r.err.constData());
        QVERIFY(!QFileInfo::exists(dir_.filePath("never.html")));
    }

    void ambiguous_ids_and_incomplete_runs_are_refused() {
        const QString db = dir_.filePath("ids.db");
        {
            std::string why;
            auto s = load::RunStore::open(db.toStdString(), load::RunStore::Mode::CreateIfMissing, &why);
            QVERIFY(s);
            for (const char* id : {"abcd000000000001", "abcd000000000002"}) {
                load::RunHeader h;
                h.id = h.run_id = id;
                h.scenario = "ids";
                h.scenario_json = json::object();
                h.started_ms = 1;
                s->begin_run(h);
            }
        }
        const QString out = dir_.filePath("ids.html");
        CliRun r = cli({"runs", "report", "abcd", "--html", out, "--db", db});
        QCOMPARE(r.code, 2);
        QCOMPARE(r.err.count('\n'), 1);
        QVERIFY2(r.err.contains("is ambiguous: 2 runs"), r.err.constData());
        // An incomplete run has a report (from its seconds) but cannot be compared.
        r = cli({"runs", "report", "abcd000000000001", "--html", out, "--db", db});
        QCOMPARE(r.code, 0);
        QVERIFY(slurp(out).find("incomplete") != std::string::npos);
        QVERIFY(read_html_report(slurp(out)).error.empty());
        r = cli({"runs", "report", "abcd000000000001", "--compare", "abcd000000000002", "--html", out, "--db",
                 db});
        QCOMPARE(r.code, 2);
        QCOMPARE(r.err.count('\n'), 1);
        QVERIFY2(r.err.contains("is incomplete"), r.err.constData());
    }

    void a_failed_report_leaves_the_old_file_and_no_temporary() {
        QTemporaryDir d;
        const QString out = d.filePath("keep.html");
        std::ofstream(out.toStdString()) << "old report";
        // Refused after the file was named: the old one stays as it was, no temporary is left.
        QCOMPARE(cli({"runs", "report", "0123", "--html", out, "--db", db_}).code, 2);
        QCOMPARE(slurp(out), std::string("old report"));
        QCOMPARE(QDir(d.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);
        // A good report replaces it whole.
        QCOMPARE(cli({"runs", "report", base_, "--html", out, "--db", db_}).code, 0);
        QVERIFY(slurp(out).starts_with("<!DOCTYPE html>"));
        QCOMPARE(QDir(d.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);
        QCOMPARE(QFileInfo(out).permissions() & QFileDevice::ReadOther, QFileDevice::ReadOther);
    }

    void odd_report_files() {
        // The runs database itself is refused, and left as it was.
        const QByteArray before = QByteArray::fromStdString(slurp(db_));
        CliRun r = cli({"runs", "report", base_, "--html", db_, "--db", db_});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("is the runs database"), r.err.constData());
        QCOMPARE(QByteArray::fromStdString(slurp(db_)), before);
        // A device is written in place (never replaced): /dev/full fails with exit 1 and stays a device.
        r = cli({"runs", "report", base_, "--html", "/dev/full", "--db", db_});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("No space left on device"), r.err.constData());
        QVERIFY(!QFileInfo("/dev/full").isFile());
        // A symbolic link keeps pointing at its file, which gets the report.
        QTemporaryDir d;
        std::ofstream(d.filePath("real.html").toStdString()) << "old";
        QVERIFY(QFile::link(d.filePath("real.html"), d.filePath("link.html")));
        QCOMPARE(cli({"runs", "report", base_, "--html", d.filePath("link.html"), "--db", db_}).code, 0);
        QVERIFY(QFileInfo(d.filePath("link.html")).isSymLink());
        QVERIFY(slurp(d.filePath("real.html")).starts_with("<!DOCTYPE html>"));
    }

    void show_from_to_is_the_interval_from_the_stored_sketches() {
        const json all = parse(cli({"runs", "show", cur_, "--db", db_, "-o", "json"}).out);
        const CliRun r =
            cli({"runs", "show", cur_.left(8), "--from", "1", "--to", "3", "--db", db_, "-o", "json"});
        QCOMPARE(r.code, 0);
        const json j = parse(r.out);
        QVERIFY2(!j.is_discarded(), r.out.constData());
        std::uint64_t requests = 0, errors = 0, seconds = 0;
        std::map<std::string, std::uint64_t> by_name;
        for (const auto& s : all["timeline"]) {
            const double t = s["t_s"].get<double>();
            if (t <= 1 || t > 3) continue;
            ++seconds;
            requests += s["requests"].get<std::uint64_t>();
            errors += s["errors"].get<std::uint64_t>();
            for (const auto& q : s["by_request"])
                by_name[q["name"].get<std::string>()] += q["requests"].get<std::uint64_t>();
        }
        QVERIFY(requests > 0);
        QCOMPARE(j["interval"]["seconds"].get<std::uint64_t>(), seconds);
        QCOMPARE(j["all"]["requests"].get<std::uint64_t>(), requests);
        QCOMPARE(j["all"]["errors"].get<std::uint64_t>(), errors);
        for (const auto& q : j["requests"])
            QCOMPARE(q["requests"].get<std::uint64_t>(), by_name[q["name"].get<std::string>()]);
        // Quantiles: exactly the merged stored sketches of (1, 3].
        std::string why;
        auto store = load::RunStore::open(db_.toStdString(), load::RunStore::Mode::MustExist, &why);
        QVERIFY(store);
        const auto sk = store->interval_sketch(cur_.toStdString(), 1, 3, "", true);
        QVERIFY(sk && sk->count() > 0);
        const auto q = redline::LatencyQuantiles::from(*sk);
        QCOMPARE(j["all"]["latency"]["p99_ms"].get<double>(), q.p99_ms);
        QCOMPARE(j["all"]["latency"]["p50_ms"].get<double>(), q.p50_ms);
        const auto one = store->interval_sketch(cur_.toStdString(), 1, 3, kEvilRequest, false);
        QVERIFY(one);
        for (const auto& x : j["requests"])
            if (x["name"] == kEvilRequest)
                QCOMPARE(x["latency_uncorrected"]["p99_ms"].get<double>(),
                         redline::LatencyQuantiles::from(*one).p99_ms);
        // The whole run through --from 0 equals the stored total; the table form names the interval.
        const json whole = parse(cli({"runs", "show", cur_, "--from", "0", "--db", db_, "-o", "json"}).out);
        QCOMPARE(whole["all"]["requests"], all["stored"]["requests"]);
        QCOMPARE(whole["all"]["latency"], all["stored"]["latency"]);
        const CliRun table = cli({"runs", "show", cur_, "--to", "2.5", "--db", db_});
        QCOMPARE(table.code, 0);
        QVERIFY2(table.out.contains("interval   t in (start, 2.5 s]: "), table.out.constData());
        QVERIFY2(table.out.contains("all (corrected)") && table.out.contains("p99.9"), table.out.constData());
    }

    void bad_from_to_name_the_option_data() {
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<QString>("message");
        QTest::newRow("from >= to") << QStringList{"--from", "5", "--to", "2"}
                                    << "--from (5) must be less than --to (2)";
        QTest::newRow("equal") << QStringList{"--from", "2", "--to", "2"}
                               << "--from (2) must be less than --to (2)";
        QTest::newRow("not a number") << QStringList{"--from", "abc"} << "--from must be a number";
        QTest::newRow("negative") << QStringList{"--to", "-1"} << "--to must be a number";
        QTest::newRow("inf") << QStringList{"--to", "inf"} << "--to must be a number";
        QTest::newRow("nan") << QStringList{"--from", "nan"} << "--from must be a number";
        QTest::newRow("exponent") << QStringList{"--from", "1e400"} << "--from must be a number";
        QTest::newRow("empty") << QStringList{"--from", ""} << "--from must be a number";
        QTest::newRow("no value") << QStringList{"--to"} << "--to needs a value";
        QTest::newRow("beyond the run") << QStringList{"--from", "1000"} << "no stored second of run";
    }

    void bad_from_to_name_the_option() {
        QFETCH(QStringList, extra);
        QFETCH(QString, message);
        QStringList args{"runs", "show", cur_, "--db", db_};
        args += extra;
        const CliRun r = cli(args);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.startsWith("redline-load: "), r.err.constData());
        QVERIFY2(r.err.contains(message.toUtf8()), r.err.constData());
        QVERIFY(r.out.isEmpty());
        // Only runs show takes them.
        QCOMPARE(cli({"runs", "list", "--from", "1", "--db", db_}).code, 2);
    }
};

QTEST_GUILESS_MAIN(TestLoadReports)
#include "tst_load_reports.moc"
