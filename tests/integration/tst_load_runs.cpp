// redline-load's run store from the outside (docs/runs.md): `run --save` against the real sample server, the
// record matching the summary (the p99 merged from the stored seconds equals the summary's), kill -9 half-way
// (an incomplete run with its seconds, a file that still opens), two processes saving into one file at once,
// the agent's figures and events, bad --runs-db/--db files refused before the run and left untouched, unknown
// and ambiguous ids, very long lists, and the default path.
#include <signal.h>
#include <sqlite3.h>

#include <QCryptographicHash>
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "core/load/run_store.h"
#include "tests/integration/tst_load_server.h"
#include "tests/integration/tst_sample_support.h"
#include "tests/support/child_process.h"

using redline::test::CliRun;
using redline::test::LoadTestServer;
using redline::test::SampleServerProcess;
using json = nlohmann::json;
namespace load = redline::load;

namespace {

QString binary() {
    return redline::test::ChildProcess::binary("app/redline-load");
}

QProcessEnvironment env_with(const QString& home = {}) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("REDLINE_SCENARIO_DIR", QString(REDLINE_SOURCE_DIR) + "/resources/scenarios");
    env.remove("REDLINE_RUNS_DB");
    env.remove("XDG_DATA_HOME");
    if (!home.isEmpty()) env.insert("HOME", home);
    return env;
}

CliRun cli(const QStringList& args, const QProcessEnvironment& env = env_with(), int timeout_ms = 60'000) {
    return redline::test::run_cli(binary(), args, env, timeout_ms);
}

QString write(const QTemporaryDir& dir, const QString& name, const std::string& text) {
    const QString path = dir.filePath(name);
    std::ofstream(path.toStdString()) << text;
    return path;
}

/// An open-model scenario against `target`: two requests, thresholds that pass and (failing) one that fails.
std::string scenario(const QString& target, double duration_s, double rate = 50, bool failing = true) {
    return json{
        {"name", "runs-it"},
        {"target", target.toStdString()},
        {"executor", "constant-arrival-rate"},
        {"rate", rate},
        {"duration_s", duration_s},
        {"connections", 4},
        {"requests", json::array({{{"name", "list"}, {"weight", 3}, {"path", "/v1/products?page_size=5"}},
                                  {{"name", "one"}, {"weight", 1}, {"path", "/v1/products/{1..100}"}}})},
        {"thresholds", failing ? json::array({"p99 < 10s", "error_rate < 50%", "rate > 100000/s"})
                               : json::array({"p99 < 10s"})}}
        .dump();
}

QByteArray digest(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

json parse(const QByteArray& out) {
    return json::parse(out.toStdString(), nullptr, false);
}

QByteArray first_line(const QByteArray& err) {
    return err.left(err.indexOf('\n'));
}

}  // namespace

class TestLoadRuns : public QObject {
    Q_OBJECT
    SampleServerProcess server_;
    QTemporaryDir dir_;

  private slots:
    void initTestCase() {
        QVERIFY2(QFileInfo::exists(binary()), qPrintable(binary() + " is not built"));
        QVERIFY(server_.start());
    }

    void a_saved_run_matches_its_summary() {
        const QString db = dir_.filePath("match.db");
        const QString sc = write(dir_, "match.json", scenario(server_.api_url(), 3));
        const QString out = dir_.filePath("match-summary.json");
        const CliRun r = cli({"run", sc, "--runs-db", db, "--out", out});
        QCOMPARE(r.code, 99);  // "rate > 100000/s" fails
        QVERIFY2(r.out.contains("saved      run "), r.out.constData());
        std::ifstream f(out.toStdString());
        const json summary = json::parse(f);

        const CliRun list = cli({"runs", "list", "--db", db, "-o", "json"});
        QCOMPARE(list.code, 0);
        const json runs = parse(list.out);
        QCOMPARE(runs["total"].get<int>(), 1);
        const json run = runs["runs"][0];
        QCOMPARE(run["state"].get<std::string>(), std::string("complete"));
        QCOMPARE(run["outcome"].get<std::string>(), std::string("thresholds_failed"));
        QCOMPARE(run["exit_code"].get<int>(), 99);
        const std::string id = run["id"].get<std::string>();
        QCOMPARE(id, summary["run_id"].get<std::string>());  // the record's id is the run id

        const CliRun show =
            cli({"runs", "show", QString::fromStdString(id.substr(0, 6)), "--db", db, "-o", "json"});
        QCOMPARE(show.code, 0);
        const json j = parse(show.out);
        QVERIFY(!j.is_discarded());
        QVERIFY(j["summary"] == summary);
        QCOMPARE(j["scenario"]["rate"].get<double>(), 50.0);
        QVERIFY(j["timeline"].size() >= 3);
        // The whole run from the stored seconds, exactly the summary's figures.
        QCOMPARE(j["stored"]["requests"].get<std::uint64_t>(), summary["completed"].get<std::uint64_t>());
        QCOMPARE(j["stored"]["latency"]["p99_ms"].get<double>(), summary["latency"]["p99_ms"].get<double>());
        QCOMPARE(j["stored"]["latency_uncorrected"]["p99_ms"].get<double>(),
                 summary["latency_uncorrected"]["p99_ms"].get<double>());
        QCOMPARE(j["stored"]["latency"]["max_ms"].get<double>(), summary["latency"]["max_ms"].get<double>());
        for (const auto& s : j["timeline"])
            QCOMPARE(s["by_request"].size(), std::size_t(2));

        const CliRun table = cli({"runs", "show", QString::fromStdString(id), "--db", db});
        QCOMPARE(table.code, 0);
        const QString text = QString::fromUtf8(table.out);
        QVERIFY2(text.contains(QString::fromUtf8("\u2713 p99 < 10s")), qPrintable(text));
        QVERIFY2(text.contains(QString::fromUtf8("\u2717 rate > 100000/s")), qPrintable(text));
        QVERIFY2(text.contains("thresholds_failed, exit code 99"), qPrintable(text));
        QVERIFY2(text.contains("p99 ms"), qPrintable(text));
    }

    void saved_runs_are_baselines_and_compare() {
        const QString db = dir_.filePath("compare.db");
        const QString sc = write(dir_, "cmp.json", scenario(server_.api_url(), 2));
        QCOMPARE(cli({"run", sc, "--runs-db", db}).code, 99);
        const json first = parse(cli({"runs", "list", "--db", db, "-o", "json"}).out);
        const std::string a = first["runs"][0]["id"].get<std::string>();
        // A saved run's short id is a baseline: the gate on an A/A pair passes, and the table is printed.
        const QString short_a = QString::fromStdString(a.substr(0, 8));
        const CliRun gated =
            cli({"run", sc, "--runs-db", db, "--baseline", short_a, "--max-regression", "p50=200%"});
        QCOMPARE(gated.code, 99);  // the scenario's own "rate > 100000/s" threshold still fails; the gate not
        QVERIFY2(gated.out.contains("p50") && !gated.err.contains("FAIL p50"),
                 (gated.out + gated.err).constData());
        const json both = parse(cli({"runs", "list", "--db", db, "-o", "json"}).out);
        QCOMPARE(both["total"].get<int>(), 2);
        const std::string b = both["runs"][0]["id"].get<std::string>();  // newest first
        QVERIFY(b != a);
        const CliRun cmp =
            cli({"runs", "compare", short_a, QString::fromStdString(b), "--db", db, "-o", "json"});
        QCOMPARE(cmp.code, 0);
        const json c = parse(cmp.out);
        QVERIFY2(c.is_object() && c.contains("figures"), cmp.out.constData());
        // The same through the compare command with --db, and an unknown id is one line, exit 2.
        QCOMPARE(cli({"compare", short_a, QString::fromStdString(b), "--db", db}).code, 0);
        const CliRun unknown = cli({"runs", "compare", "ffffffff", short_a, "--db", db});
        QCOMPARE(unknown.code, 2);
        QVERIFY2(unknown.err.contains("no saved run has that id"), unknown.err.constData());
    }

    void kill_9_leaves_an_incomplete_run_and_a_usable_file() {
        const QString db = dir_.filePath("killed.db");
        const QString sc = write(dir_, "long.json", scenario(server_.api_url(), 60));
        QProcess p;
        p.setProcessEnvironment(env_with());
        p.start(binary(), {"run", sc, "--runs-db", db, "--quiet"});
        QVERIFY(p.waitForStarted());
        QTest::qWait(2200);
        ::kill(pid_t(p.processId()), SIGKILL);
        QVERIFY(p.waitForFinished(10'000));
        QCOMPARE(p.exitStatus(), QProcess::CrashExit);

        const CliRun list = cli({"runs", "list", "--db", db, "-o", "json"});
        QCOMPARE(list.code, 0);
        const json run = parse(list.out)["runs"][0];
        QCOMPARE(run["state"].get<std::string>(), std::string("incomplete"));
        QVERIFY(run["outcome"].is_null());
        QVERIFY2(run["seconds"].get<int>() >= 1, list.out.constData());
        QVERIFY(run["requests"].get<int>() > 0);
        const CliRun table = cli({"runs", "list", "--db", db});
        QVERIFY2(table.out.contains("incomplete"), table.out.constData());

        const QString id = QString::fromStdString(run["id"].get<std::string>());
        const CliRun show = cli({"runs", "show", id, "--db", db});
        QCOMPARE(show.code, 0);
        QVERIFY2(show.out.contains("incomplete: no end was recorded"), show.out.constData());
        const json js = parse(cli({"runs", "show", id, "--db", db, "-o", "json"}).out);
        QVERIFY(js["summary"].is_null());
        QCOMPARE(js["timeline"].size(), std::size_t(run["seconds"].get<int>()));

        // The file opens as it is, and takes the next run.
        std::string why;
        QVERIFY2(load::RunStore::open(db.toStdString(), load::RunStore::Mode::MustExist, &why), why.c_str());
        const QString short_sc = write(dir_, "short.json", scenario(server_.api_url(), 1));
        QCOMPARE(cli({"run", short_sc, "--runs-db", db, "--quiet"}).code, 99);
        QCOMPARE(parse(cli({"runs", "list", "--db", db, "-o", "json"}).out)["total"].get<int>(), 2);
    }

    void an_interrupted_run_is_stored_complete() {
        const QString db = dir_.filePath("interrupted.db");
        const QString sc = write(dir_, "interrupted.json", scenario(server_.api_url(), 60, 50, false));
        QProcess p;
        p.setProcessEnvironment(env_with());
        p.start(binary(), {"run", sc, "--runs-db", db, "--quiet"});
        QVERIFY(p.waitForStarted());
        QTest::qWait(1500);
        ::kill(pid_t(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(15'000));
        QCOMPARE(p.exitCode(), 105);
        const json run = parse(cli({"runs", "list", "--db", db, "-o", "json"}).out)["runs"][0];
        QCOMPARE(run["state"].get<std::string>(), std::string("complete"));
        QCOMPARE(run["outcome"].get<std::string>(), std::string("stopped"));
        QCOMPARE(run["exit_code"].get<int>(), 105);
        QVERIFY(run["duration_s"].get<double>() < 10);
    }

    void two_processes_save_into_one_file_at_once() {
        const QString db = dir_.filePath("shared.db");
        const QString sc = write(dir_, "shared.json", scenario(server_.api_url(), 3));
        QProcess a, b;
        for (QProcess* p : {&a, &b}) {
            p->setProcessEnvironment(env_with());
            p->start(binary(), {"run", sc, "--runs-db", db, "--quiet"});
        }
        for (QProcess* p : {&a, &b}) {
            QVERIFY(p->waitForFinished(30'000));
            QCOMPARE(p->exitCode(), 99);
            QVERIFY2(!p->readAllStandardError().contains("could not"), "a second was lost");
        }
        const json runs = parse(cli({"runs", "list", "--db", db, "-o", "json"}).out);
        QCOMPARE(runs["total"].get<int>(), 2);
        for (const auto& r : runs["runs"]) {
            QCOMPARE(r["state"].get<std::string>(), std::string("complete"));
            QVERIFY(r["seconds"].get<int>() >= 3);
        }
    }

    void the_agent_figures_and_events_are_kept() {
        const QString db = dir_.filePath("agent.db");
        const QString sc = write(dir_, "agent.json", scenario(server_.api_url(), 3));
        const QString token = server_.data_dir() + "/viewer.token";
        QProcess p;
        p.setProcessEnvironment(env_with());
        p.start(binary(), {"run", sc, "--runs-db", db, "--quiet", "--agent", server_.proc().admin_url(),
                           "--agent-token-file", token});
        QVERIFY(p.waitForStarted());
        QTest::qWait(1500);
        QVERIFY(server_.admin().post_event("annotation", "during the saved run").ok());
        QVERIFY(p.waitForFinished(30'000));
        QCOMPARE(p.exitCode(), 99);
        const json runs = parse(cli({"runs", "list", "--db", db, "-o", "json"}).out);
        const QString id = QString::fromStdString(runs["runs"][0]["id"].get<std::string>());
        const json j = parse(cli({"runs", "show", id, "--db", db, "-o", "json"}).out);
        QVERIFY2(j["agent"]["seconds"].size() >= 2, j["agent"].dump().c_str());
        std::uint64_t server_requests = 0;
        for (const auto& s : j["agent"]["seconds"])
            server_requests += s["snapshot"]["total"]["requests"].get<std::uint64_t>();
        QVERIFY(server_requests > 0);
        bool seen = false;
        for (const auto& e : j["agent"]["events"])
            seen = seen || e.value("message", "") == "during the saved run";
        QVERIFY2(seen, j["agent"]["events"].dump().c_str());
    }

    void unusable_files_are_refused_before_the_run_and_left_alone_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("message");
        QTest::newRow("a directory") << "dir"
                                     << "is a directory";
        QTest::newRow("a missing directory") << "missing-dir"
                                             << "does not exist";
        QTest::newRow("under a regular file") << "under-file"
                                              << "is not a directory";
        QTest::newRow("unwritable (/proc)") << "proc"
                                            << "cannot open";
        QTest::newRow("a device") << "device"
                                  << "is not a regular file";
        QTest::newRow("garbage bytes") << "garbage"
                                       << "not a runs database";
        QTest::newRow("a newer schema") << "newer"
                                        << "newer redline (runs schema v99";
        QTest::newRow("another application's database") << "foreign"
                                                        << "another application";
    }
    void unusable_files_are_refused_before_the_run_and_left_alone() {
        QFETCH(QString, kind);
        QFETCH(QString, message);
        QTemporaryDir tmp;
        QString path;
        if (kind == "dir") {
            path = tmp.path();
        } else if (kind == "missing-dir") {
            path = tmp.filePath("no/such/runs.db");
        } else if (kind == "under-file") {
            path = write(tmp, "plain", "x") + "/runs.db";
        } else if (kind == "proc") {
            path = "/proc/redline-runs-test.db";
        } else if (kind == "device") {
            path = "/dev/null";
        } else if (kind == "garbage") {
            std::mt19937 rng(3);
            std::string bytes(6000, '\0');
            for (auto& c : bytes)
                c = char(rng());
            path = write(tmp, "garbage.db", bytes);
        } else {
            path = tmp.filePath(kind + ".db");
            sqlite3* db = nullptr;
            sqlite3_open(path.toUtf8().constData(), &db);
            const std::string sql = kind == "newer"
                                        ? "CREATE TABLE runs(x); PRAGMA application_id=" +
                                              std::to_string(load::RunStore::kApplicationId) +
                                              "; PRAGMA user_version=99;"
                                        : "CREATE TABLE notes(t TEXT); INSERT INTO notes VALUES ('mine');";
            QCOMPARE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
            sqlite3_close(db);
        }
        const QByteArray before = digest(path);
        LoadTestServer target;
        const QString sc = write(tmp, "s.json", scenario(QString::fromStdString(target.url()), 1, 50, false));
        const CliRun run = cli({"run", sc, "--runs-db", path});
        QCOMPARE(run.code, 2);
        QVERIFY2(first_line(run.err).contains("--runs-db " + path.toUtf8()), run.err.constData());
        QVERIFY2(run.err.contains(message.toUtf8()), run.err.constData());
        QCOMPARE(run.err.count('\n'), 1);                    // one line
        QCOMPARE(target.requests.load(), std::uint64_t(0));  // nothing was sent
        if (kind != "device") QCOMPARE(digest(path), before);
        if (kind == "missing-dir") QVERIFY(!QFileInfo::exists(tmp.filePath("no")));

        for (const QStringList& args :
             {QStringList{"runs", "list", "--db", path}, QStringList{"runs", "show", "abc", "--db", path},
              QStringList{"runs", "delete", "abc", "--db", path}}) {
            const CliRun r = cli(args);
            QCOMPARE(r.code, 2);
            QCOMPARE(r.err.count('\n'), 1);
            QVERIFY(r.out.isEmpty());
        }
        if (kind != "device") QCOMPARE(digest(path), before);
    }

    void unknown_and_ambiguous_ids_exit_2_with_one_line() {
        const QString db = dir_.filePath("ids.db");
        {
            std::string why;
            auto s = load::RunStore::open(db.toStdString(), load::RunStore::Mode::CreateIfMissing, &why);
            QVERIFY(s);
            for (const char* id : {"abcd000000000001", "abcd000000000002", "ffff000000000003"}) {
                load::RunHeader h;
                h.id = h.run_id = id;
                h.scenario = "ids";
                h.scenario_json = json::object();
                h.started_ms = 1;
                s->begin_run(h);
            }
        }
        for (const QStringList& args : {QStringList{"runs", "show", "0123", "--db", db},
                                        QStringList{"runs", "delete", "0123", "--db", db},
                                        QStringList{"runs", "show", "abcd0000000000019", "--db", db},
                                        QStringList{"runs", "show", "%", "--db", db},
                                        QStringList{"runs", "show", "' OR 1=1 --", "--db", db}}) {
            const CliRun r = cli(args);
            QCOMPARE(r.code, 2);
            QCOMPARE(r.err.count('\n'), 1);
            QVERIFY2(r.err.contains("no run '"), r.err.constData());
        }
        CliRun r = cli({"runs", "show", "abcd", "--db", db});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("is ambiguous: 2 runs"), r.err.constData());
        // Short ids in the list are long enough to be unambiguous.
        r = cli({"runs", "list", "--db", db});
        QVERIFY2(r.out.contains("abcd0000000000"), r.out.constData());
        QVERIFY2(r.out.contains("ffff0000 "), r.out.constData());
        r = cli({"runs", "delete", "ffff", "--db", db});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("deleted run ffff000000000003"));
        QCOMPARE(cli({"runs", "show", "ffff", "--db", db}).code, 2);
        QCOMPARE(cli({"runs", "delete", "abcd000000000001", "--db", db}).code, 0);
        QCOMPARE(cli({"runs", "show", "abcd", "--db", db}).code, 0);  // now unambiguous
    }

    void very_long_lists_stay_readable() {
        const QString db = dir_.filePath("long.db");
        {
            std::string why;
            auto s = load::RunStore::open(db.toStdString(), load::RunStore::Mode::CreateIfMissing, &why);
            QVERIFY(s);
            for (int i = 0; i < 300; ++i) {
                load::RunHeader h;
                h.id = h.run_id = load::RunStore::new_id();
                h.scenario = i % 2 ? std::string(64, 'n') : "soak";
                h.scenario_json = json::object();
                h.target = "http://a-very-long-host-name-that-goes-on-and-on.example.internal:8080";
                h.executor = "constant-vus";
                h.started_ms = 1'700'000'000'000 + i * 1000;
                s->begin_run(h);
            }
        }
        CliRun r = cli({"runs", "list", "--db", db});
        QCOMPARE(r.code, 0);
        const auto lines = r.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 21);  // the header and the newest 20
        for (const auto& l : lines)
            QVERIFY2(l.size() <= 170, l.constData());
        QVERIFY2(r.err.contains("the newest 20 of 300 runs; --limit 0 shows all"), r.err.constData());
        r = cli({"runs", "list", "--db", db, "--limit", "0"});
        QCOMPARE(r.out.trimmed().split('\n').size(), 301);
        QVERIFY(r.err.isEmpty());
        r = cli({"runs", "list", "--db", db, "--limit", "0", "-o", "json", "--scenario", "soak"});
        const json j = parse(r.out);
        QCOMPARE(j["runs"].size(), std::size_t(150));
        QCOMPARE(j["total"].get<int>(), 150);
        r = cli({"runs", "list", "--db", db, "--scenario", "nothing"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.err.contains("no runs of nothing"));
    }

    void usage_errors_exit_2_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("no runs command") << QStringList{"runs"} << "runs needs a command";
        QTest::newRow("unknown runs command") << QStringList{"runs", "fly"} << "unknown runs command 'fly'";
        QTest::newRow("list with an id") << QStringList{"runs", "list", "abc"} << "takes no ID";
        QTest::newRow("show without id") << QStringList{"runs", "show"} << "takes exactly one run ID";
        QTest::newRow("show two ids") << QStringList{"runs", "show", "a", "b"} << "takes exactly one run ID";
        QTest::newRow("bad limit") << QStringList{"runs", "list", "--limit", "-1"} << "--limit must be";
        QTest::newRow("bad output") << QStringList{"runs", "list", "-o", "yaml"}
                                    << "-o must be table or json";
        QTest::newRow("limit on show")
            << QStringList{"runs", "show", "a", "--limit", "3"} << "only apply to runs list";
        QTest::newRow("db without value") << QStringList{"runs", "list", "--db"} << "--db needs a value";
        QTest::newRow("empty db") << QStringList{"runs", "list", "--db", ""} << "--db needs a file name";
        QTest::newRow("unknown option") << QStringList{"runs", "list", "--all"} << "unknown option --all";
        QTest::newRow("runs-db without value")
            << QStringList{"run", "smoke", "--runs-db"} << "--runs-db needs";
    }
    void usage_errors_exit_2() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const CliRun r = cli(args);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(message.toUtf8()), r.err.constData());
    }

    void the_default_path_and_the_environment() {
        QTemporaryDir home;
        const QString sc = write(home, "s.json", scenario(server_.api_url(), 1));
        // Nothing saved yet: reading never creates the file.
        CliRun r = cli({"runs", "list"}, env_with(home.path()));
        QCOMPARE(r.code, 2);
        QVERIFY2(
            r.err.contains("no runs database at " + home.path().toUtf8() + "/.local/share/redline/runs.db"),
            r.err.constData());
        QVERIFY(!QFileInfo::exists(home.filePath(".local")));
        // --save creates ~/.local/share/redline/runs.db.
        r = cli({"run", sc, "--save"}, env_with(home.path()));
        QCOMPARE(r.code, 99);
        QVERIFY(QFileInfo::exists(home.filePath(".local/share/redline/runs.db")));
        QCOMPARE(parse(cli({"runs", "list", "-o", "json"}, env_with(home.path())).out)["total"].get<int>(),
                 1);
        // $XDG_DATA_HOME, then $REDLINE_RUNS_DB (which --runs-db / --db override).
        auto env = env_with(home.path());
        env.insert("XDG_DATA_HOME", home.filePath("xdg"));
        QVERIFY(QDir().mkpath(home.filePath("xdg")));
        QCOMPARE(cli({"run", sc, "--save", "--quiet"}, env).code, 99);
        QVERIFY(QFileInfo::exists(home.filePath("xdg/redline/runs.db")));
        env.insert("REDLINE_RUNS_DB", home.filePath("env.db"));
        QCOMPARE(cli({"run", sc, "--save", "--quiet"}, env).code, 99);
        QCOMPARE(parse(cli({"runs", "list", "-o", "json"}, env).out)["total"].get<int>(), 1);
        QCOMPARE(parse(cli({"runs", "list", "-o", "json", "--db", home.filePath("xdg/redline/runs.db")}, env)
                           .out)["total"]
                     .get<int>(),
                 1);
    }
};

QTEST_GUILESS_MAIN(TestLoadRuns)
#include "tst_load_runs.moc"
