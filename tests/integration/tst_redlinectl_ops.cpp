// The real redlinectl against the real sample server (which has the cache and load-test controls) and a real
// redline-proxy whose only backend is down: --version, -o json|table on the read commands, `cache`,
// `loadtest`, and `status` exiting 4 when the agent reports itself unhealthy.
#include <QtTest>
#include <nlohmann/json.hpp>

#include "tests/integration/tst_proxy_support.h"
#include "tests/integration/tst_sample_support.h"
#include "tests/support/child_process.h"

using redline::test::ChildProcess;
using redline::test::CliRun;
using redline::test::ProxyProcess;
using redline::test::SampleServerProcess;
using json = nlohmann::json;

class TestRedlinectlOps : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase() {
        ctl_ = ChildProcess::binary("app/redlinectl");
        QVERIFY2(QFile::exists(ctl_), qPrintable(ctl_));
        QVERIFY(srv_.start());
    }
    void cleanupTestCase() { srv_.stop(); }

    void version() {
        const CliRun r = ctl({"--version"});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.startsWith("redlinectl ") && r.out.count('\n') == 1, r.out.constData());
        QCOMPARE(ctl({"status", "--version"}).out, r.out);
    }

    void output_option_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("json_key");  // a member of the JSON document
        QTest::newRow("status") << QStringList{"status"} << "snapshot";
        QTest::newRow("limits get") << QStringList{"limits", "get"} << "routes";
        QTest::newRow("canary get") << QStringList{"canary", "get"} << "weight_percent";
        QTest::newRow("events") << QStringList{"events", "--limit", "5"} << "events";
        QTest::newRow("cache get") << QStringList{"cache", "get"} << "capacity";
        QTest::newRow("loadtest status") << QStringList{"loadtest", "status"} << "runs";
    }
    void output_option() {
        QFETCH(QStringList, args);
        QFETCH(QString, json_key);
        for (const QStringList& o :
             {QStringList{"-o", "json"}, QStringList{"-ojson"}, QStringList{"--output=json"}}) {
            const CliRun r = ctl(args + o);
            QVERIFY2(r.code == 0, r.err.constData());
            const json j = json::parse(r.out.toStdString(), nullptr, false);
            QVERIFY2(j.is_object() && j.contains(json_key.toStdString()), r.out.constData());
        }
        const CliRun t = ctl(args + QStringList{"-o", "table"});
        QCOMPARE(t.code, 0);
        QVERIFY2(json::parse(t.out.toStdString(), nullptr, false).is_discarded(), t.out.constData());
        const CliRun bad = ctl(args + QStringList{"-o", "yaml"});
        QCOMPARE(bad.code, 2);
        QVERIFY2(bad.err.contains("-o must be json or table, got 'yaml'"), bad.err.constData());
        QCOMPARE(ctl(args + QStringList{"-o"}).code, 2);
    }

    void cache_get_set_flush() {
        CliRun r = ctl({"cache", "get"});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains("capacity  10000 entries"), r.out.constData());
        r = ctl({"cache", "set", "--ttl-ms", "1234"});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.out.contains("ttl       1234 ms") && r.out.contains("capacity  10000"), r.out.constData());
        r = ctl({"--json", "cache", "get"});
        QCOMPARE(json::parse(r.out.toStdString())["ttl_ms"].get<int>(), 1234);
        // The agent's range check names the field, nothing changes.
        r = ctl({"cache", "set", "--ttl-ms", "0"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("ttl_ms"), r.err.constData());
        QVERIFY(ctl({"cache", "get"}).out.contains("ttl       1234 ms"));
        // Bad command lines are exit 2, changes need the operator token (viewer: 403, exit 1).
        QCOMPARE(ctl({"cache", "set"}).code, 2);
        QCOMPARE(ctl({"cache", "set", "--capacity", "lots"}).code, 2);
        QCOMPARE(ctl({"cache", "set", "--capacity", "-1"}).code, 2);
        QCOMPARE(ctl({"cache", "wipe"}).code, 2);
        r = ctl({"cache", "set", "--capacity", "5"}, "viewer");
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("403"), r.err.constData());
        // Fill the cache a little, then flush it.
        redline::test::SampleHttp http(srv_.api_url());
        for (int i = 1; i <= 3; ++i)
            QCOMPARE(http.request("GET", "/v1/products/" + std::to_string(i)).status, 200);
        r = ctl({"cache", "flush"});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(QRegularExpression("^flushed [1-9]\\d* entries\n$").match(QString(r.out)).hasMatch(),
                 r.out.constData());
        r = ctl({"--json", "cache", "flush"});
        QCOMPARE(json::parse(r.out.toStdString())["flushed"].get<int>(), 0);
        QVERIFY(ctl({"cache", "set", "--ttl-ms", "30000"}).code == 0);
    }

    void loadtest_start_wait_status_stop() {
        // --wait follows the run and exits with its code; stdout has the outcome.
        CliRun r = ctl({"loadtest", "start", "smoke", "--duration", "2", "--wait"}, "operator", 60'000);
        QVERIFY2(r.code == 0, (r.out + r.err).constData());
        QVERIFY2(r.out.contains("state     finished") && r.out.contains("outcome   passed"),
                 r.out.constData());
        QVERIFY2(r.out.contains("\xe2\x9c\x93 error_rate < 1%"), r.out.constData());
        r = ctl({"--json", "loadtest", "status"});
        const json list = json::parse(r.out.toStdString());
        QCOMPARE(list["runs"].size(), std::size_t(1));
        const std::string id = list["runs"][0]["id"].get<std::string>();
        r = ctl({"loadtest", "status", QString::fromStdString(id), "-o", "json"});
        QCOMPARE(json::parse(r.out.toStdString())["state"].get<std::string>(), std::string("finished"));
        // A long run: started (201), a second one is refused (409), stopped (202), then it finishes stopped.
        r = ctl({"--json", "loadtest", "start", "smoke", "--duration", "30"});
        QVERIFY2(r.code == 0, r.err.constData());
        const std::string id2 = json::parse(r.out.toStdString())["id"].get<std::string>();
        r = ctl({"loadtest", "start", "smoke"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("409"), r.err.constData());
        r = ctl({"loadtest", "stop", QString::fromStdString(id2)});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.out.contains("state     stopping") || r.out.contains("state     finished"),
                 r.out.constData());
        QTRY_VERIFY_WITH_TIMEOUT(
            ctl({"loadtest", "status", QString::fromStdString(id2)}).out.contains("outcome   stopped"),
            15'000);
        // Errors: unknown run (404, exit 1), an id that is not one (exit 2), bad values, viewer token.
        r = ctl({"loadtest", "status", "lt-000000000000"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("404"), r.err.constData());
        QCOMPARE(ctl({"loadtest", "stop", "../limits"}).code, 2);
        QCOMPARE(ctl({"loadtest", "start"}).code, 2);
        QCOMPARE(ctl({"loadtest", "start", "smoke", "--rate", "fast"}).code, 2);
        r = ctl({"loadtest", "start", "smoke", "--duration", "100000"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("duration"), r.err.constData());
        r = ctl({"loadtest", "start", "smoke"}, "viewer");
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("403"), r.err.constData());
    }

    void status_reports_health() {
        CliRun r = ctl({"status"});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains("health    healthy"), r.out.constData());
        r = ctl({"status", "-o", "json"});
        QCOMPARE(r.code, 0);
        QCOMPARE(json::parse(r.out.toStdString())["health"]["healthy"].get<bool>(), true);

        // A proxy whose only stable backend is down: the agent answers, but it cannot serve.
        ProxyProcess proxy;
        const std::uint16_t dead = ChildProcess::free_port();
        QVERIFY(proxy.start({"--upstream", QString("stable=http://127.0.0.1:%1").arg(dead), "--route", "/x",
                             "--health-interval-ms", "200"}));
        const QString admin = proxy.proc().admin_url(), token = proxy.proc().token("viewer");
        QTRY_VERIFY_WITH_TIMEOUT(ctl({"status"}, token, 30'000, admin).code == 4, 10'000);
        r = ctl({"status"}, token, 30'000, admin);
        QVERIFY2(
            r.out.contains("health    UNHEALTHY") && r.out.contains("no usable backend in the stable pool"),
            r.out.constData());
        r = ctl({"--json", "status"}, token, 30'000, admin);
        QCOMPARE(r.code, 4);
        const json h = json::parse(r.out.toStdString())["health"];
        QCOMPARE(h["healthy"].get<bool>(), false);
        QCOMPARE(h["problems"].size(), std::size_t(1));
        proxy.stop();
    }

  private:
    /// token: "operator"/"viewer" of the sample server, or a literal token for another agent.
    CliRun ctl(const QStringList& args, const QString& token = "operator", int timeout_ms = 30'000,
               const QString& agent = {}) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove("REDLINE_AGENT");
        env.insert("REDLINE_TOKEN",
                   token == "operator" || token == "viewer" ? srv_.proc().token(token) : token);
        return redline::test::run_cli(
            ctl_, QStringList{"--agent", agent.isEmpty() ? srv_.proc().admin_url() : agent} + args, env,
            timeout_ms);
    }

    QString ctl_;
    SampleServerProcess srv_;
};

QTEST_GUILESS_MAIN(TestRedlinectlOps)
#include "tst_redlinectl_ops.moc"
