// redline-load as a process: exit codes (0 pass, 99 threshold failed, 2 usage/invalid, 1 runtime), validate
// messages naming the field, list, and the JSON summary file.
#include <signal.h>

#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tst_load_server.h"

using redline::test::LoadTestServer;

namespace {

QString binary() {
    return QString::fromUtf8(qgetenv("REDLINE_BINARY_DIR")) + "/app/redline-load";
}

struct Run {
    int code = -1;
    QString out, err;
};

Run run(const QStringList& args) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("REDLINE_SCENARIO_DIR", QString(REDLINE_SOURCE_DIR) + "/resources/scenarios");
    p.setProcessEnvironment(env);
    p.start(binary(), args);
    Run r;
    if (!p.waitForFinished(60'000)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

QString write(QTemporaryDir& dir, const QString& name, const std::string& text) {
    const QString path = dir.filePath(name);
    std::ofstream(path.toStdString()) << text;
    return path;
}

std::string scenario(const std::string& target, const std::string& path, const std::string& thresholds) {
    return R"({"name":"cli","target":")" + target + R"(","executor":"constant-vus","vus":1,"duration_s":0.5,
      "requests":[{"path":")" +
           path + R"("}],"thresholds":[)" + thresholds + "]}";
}

}  // namespace

class TestLoadCli : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase() { QVERIFY2(QFileInfo::exists(binary()), qPrintable(binary() + " is not built")); }

    void usage_errors_exit_2_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("no command") << QStringList{} << "missing command";
        QTest::newRow("unknown command") << QStringList{"fly"} << "unknown command";
        QTest::newRow("unknown option") << QStringList{"run", "smoke", "--fast"} << "unknown option --fast";
        QTest::newRow("missing value") << QStringList{"run", "smoke", "--rate"} << "--rate needs a value";
        QTest::newRow("bad rate") << QStringList{"run", "baseline", "--rate", "lots"} << "--rate must be";
        QTest::newRow("rate on vus") << QStringList{"run", "smoke", "--rate", "10"}
                                     << "rate: applies to arrival-rate";
        QTest::newRow("no scenario") << QStringList{"run"} << "needs a FILE or BUILTIN";
        QTest::newRow("unknown builtin")
            << QStringList{"run", "nope"} << "no scenario file or built-in named 'nope'";
        QTest::newRow("bad target") << QStringList{"run", "smoke", "--target", "ftp://x"}
                                    << "target: must start with http://";
        QTest::newRow("push without run id")
            << QStringList{"run", "smoke", "--push", "http://127.0.0.1:9091"} << "--push needs --run-id";
        QTest::newRow("bad push url") << QStringList{"run", "smoke", "--run-id", "r1", "--push", "ftp://x"}
                                      << "--push URL must start with http:// or https://";
        QTest::newRow("bad push interval") << QStringList{"run",
                                                          "smoke",
                                                          "--run-id",
                                                          "r1",
                                                          "--push",
                                                          "http://127.0.0.1:9091",
                                                          "--push-interval",
                                                          "0.5s"}
                                           << "--push-interval must be a duration from 1s to 1h";
        QTest::newRow("bad run id") << QStringList{"run", "smoke", "--run-id", "a/b"}
                                    << "--run-id may only hold letters";
        QTest::newRow("generator without push")
            << QStringList{"run", "smoke", "--generator", "g1"} << "--generator only applies with --push";
    }
    void usage_errors_exit_2() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const Run r = run(args);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
    }

    void validate_names_the_field() {
        QTemporaryDir dir;
        const QString bad = write(
            dir, "bad.json",
            R"({"name":"x","executor":"constant-vus","vus":0,"duration_s":1,"requests":[{"path":"/a/{3..1}"}]})");
        const Run r = run({"validate", bad});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("vus: must be"), qPrintable(r.err));
        QVERIFY2(r.err.contains("requests[0].path:"), qPrintable(r.err));
        const Run ok = run({"validate", "smoke"});
        QCOMPARE(ok.code, 0);
        QVERIFY(ok.out.contains("smoke: valid"));
    }

    void invalid_scenario_does_not_run() {
        LoadTestServer srv;
        QTemporaryDir dir;
        const QString bad = write(dir, "bad.json", scenario(srv.url(), "/", R"("p95 <")"));
        const Run r = run({"run", bad});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("thresholds[0]"), qPrintable(r.err));
        QCOMPARE(srv.connections.load(), std::uint64_t(0));
    }

    void agent_threshold_needs_an_agent() {
        QTemporaryDir dir;
        const QString f =
            write(dir, "agent.json",
                  scenario("http://127.0.0.1:1", "/", R"({"expr": "p99 < 1s", "source": "agent"})"));
        const Run r = run({"run", f});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("is agent-side"), qPrintable(r.err));
    }

    void list_shows_builtins() {
        const Run r = run({"list"});
        QCOMPARE(r.code, 0);
        for (const char* n : {"smoke", "baseline", "ramp", "spike", "soak", "cache", "ratelimit-probe",
                              "canary-bake", "create-then-read"})
            QVERIFY2(r.out.contains(n), n);
    }

    void thresholds_decide_the_exit_code() {
        LoadTestServer srv;
        QTemporaryDir dir;
        const QString pass =
            write(dir, "pass.json", scenario(srv.url(), "/", R"("error_rate < 1%", "p99 < 60s")"));
        const QString fail =
            write(dir, "fail.json", scenario(srv.url(), "/status/500", R"("error_rate < 1%")"));
        const QString out = dir.filePath("summary.json");
        const Run ok = run({"run", pass, "--out", out});
        QCOMPARE(ok.code, 0);
        QVERIFY(ok.out.contains("outcome    passed"));
        std::ifstream f(out.toStdString());
        const auto j = nlohmann::json::parse(f);
        QCOMPARE(j["outcome"].get<std::string>(), std::string("passed"));
        QVERIFY(j["completed"].get<int>() > 0);
        const Run bad = run({"run", fail, "--quiet"});
        QCOMPARE(bad.code, 99);
    }

    void overrides_apply() {
        LoadTestServer srv;
        const QString out =
            QDir::temp().filePath("redline-load-cli-%1.json").arg(QCoreApplication::applicationPid());
        const Run r = run({"run", "baseline", "--target", QString::fromStdString(srv.url()), "--rate", "40/s",
                           "--duration", "1s", "--quiet", "--out", out});
        std::ifstream f(out.toStdString());
        const auto j = nlohmann::json::parse(f);
        QFile::remove(out);
        QCOMPARE(j["planned_s"].get<double>(), 1.0);
        QVERIFY2(std::abs(j["completed"].get<double>() - 40.0) <= 1.0,
                 qPrintable(QString::number(j["completed"].get<double>())));
        QCOMPARE(j["target"].get<std::string>(), srv.url());
        QVERIFY(r.code == 0 || r.code == 99);  // baseline's thresholds (rate > 190/s) fail at 40/s: 99
        QCOMPARE(r.code, 99);
    }

    // Ctrl-C used to print "stopped: stopped: interrupted" and exit 0.
    void interrupted_run_exits_105_and_writes_the_summary() {
        LoadTestServer srv;
        QTemporaryDir dir;
        const QString sc = write(dir, "long.json",
                                 R"({"name":"long","target":")" + srv.url() +
                                     R"(","executor":"constant-arrival-rate","rate":50,"duration_s":30,
                                       "requests":[{"path":"/"}]})");
        const QString out = dir.filePath("summary.json");
        QProcess p;
        p.start(binary(), {"run", sc, "--out", out});
        QVERIFY(p.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(srv.requests.load() > 20, 10'000);
        ::kill(pid_t(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(15'000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 105);
        const QString text = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(!text.contains("stopped: stopped"), qPrintable(text));
        std::ifstream f(out.toStdString());
        const auto j = nlohmann::json::parse(f, nullptr, false);
        QVERIFY(!j.is_discarded());
        QCOMPARE(j["outcome"].get<std::string>(), std::string("stopped"));
        QCOMPARE(j["exit_code"].get<int>(), 105);
    }

    // Refused before the run (exit 2, nothing sent): an --out that cannot be written, a missing or unusable
    // --agent-token-file (it used to warn, run, and then "fail a threshold" with exit 99).
    void unusable_outputs_and_token_files_exit_2_before_the_run() {
        LoadTestServer srv;
        QTemporaryDir dir;
        const QString sc = write(dir, "s.json", scenario(srv.url(), "/", R"("p99 < 1000ms")"));
        Run r = run({"run", sc, "--out", dir.filePath("no/such/dir/summary.json")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("--out"), qPrintable(r.err));
        QCOMPARE(srv.requests.load(), std::uint64_t(0));
        const QString agent_sc =
            write(dir, "a.json", scenario(srv.url(), "/", R"({"expr":"p99 < 1000ms","source":"agent"})"));
        for (const QString& bad : {dir.filePath("missing.token"), dir.path()}) {
            r = run({"run", agent_sc, "--agent", "http://127.0.0.1:9", "--agent-token-file", bad});
            QCOMPARE(r.code, 2);
            QVERIFY2(r.err.contains("--agent-token-file"), qPrintable(r.err));
        }
        QCOMPARE(srv.requests.load(), std::uint64_t(0));
        // An agent that does not answer refuses the run with one line (exit 1), nothing sent.
        const QString tok = write(dir, "v.token", std::string(64, 'a') + "\n");
        r = run({"run", agent_sc, "--agent", "http://127.0.0.1:9", "--agent-token-file", tok});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("did not answer"), qPrintable(r.err));
        QCOMPARE(srv.requests.load(), std::uint64_t(0));
    }

    void unreachable_target_exits_1() {
        boost::asio::io_context ioc;
        std::uint16_t port;
        {
            boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
            port = a.local_endpoint().port();
        }
        const Run r = run({"run", "smoke", "--target", QString("http://127.0.0.1:%1").arg(port)});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("cannot connect"), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestLoadCli)
#include "tst_load_cli.moc"
