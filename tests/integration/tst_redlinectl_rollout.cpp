// The real redlinectl binary's `rollout` commands against a real redline-sample-server (port 0): invalid
// plans are refused with their field and change nothing, the lifecycle set -> start -> pause/resume ->
// promote, the viewer token's 403, 409 for a verb the state does not allow, `status --watch` exit codes, and
// a real rollback caused by a canary latency fault. The printing itself is checked against fixtures in
// tst_redlinectl_rollout_view.cpp. The slots run in order and share the one agent.
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/agent_client.h"
#include "tests/integration/tst_sample_support.h"
#include "tests/support/child_process.h"

using nlohmann::json;
using redline::test::ChildProcess;
using redline::test::CliRun;
using redline::test::run_cli;
using redline::test::SampleHttp;
using redline::test::SampleServerProcess;

namespace {

struct Run {
    int code = -1;
    QByteArray out, err;
    json doc() const { return json::parse(out.toStdString(), nullptr, false); }
};

}  // namespace

class TestRedlinectlRollout : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void cleanupTestCase() { server_.stop(); }

    void noPlanYet();
    void badStepsIsUsageError();
    void invalidPlanFile_data();
    void invalidPlanFile();
    void setShowsPending();
    void startProgresses();
    void planLockedWhileProgressing();
    void pauseAndResume();
    void viewerIsRefused();
    void promote();
    void abortAfterPromoteConflicts();
    void watchEndsAtOnceWhenOver();
    void abortRollsBackToZero();
    void events();
    void realRollbackEndsWatchWith3();

  private:
    Run run(const QStringList& args, const QString& role = QStringLiteral("operator"),
            int timeout_ms = 30'000);
    json rollout() {
        auto r = server_.admin().call_json("GET", "/v1/rollout");
        return r.ok() ? *r.value : json();
    }
    double canary_weight() {
        auto r = server_.admin().canary();
        return r.ok() ? r.value->weight_percent : -1.0;
    }
    QString write_file(const QString& name, const QByteArray& content) {
        const QString path = dir_.path() + "/" + name;
        QFile f(path);
        if (f.open(QIODevice::WriteOnly)) f.write(content);
        return path;
    }

    QTemporaryDir dir_;
    SampleServerProcess server_;
    QString ctl_;
};

Run TestRedlinectlRollout::run(const QStringList& args, const QString& role, int timeout_ms) {
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.remove("REDLINE_AGENT");
    e.insert("REDLINE_TOKEN", server_.proc().token(role));
    const CliRun c =
        run_cli(ctl_, QStringList{"--agent", server_.proc().admin_url(), "--as", "ci"} + args, e, timeout_ms);
    return Run{c.code, c.out, c.err};
}

void TestRedlinectlRollout::initTestCase() {
    ctl_ = ChildProcess::binary("app/redlinectl");
    QVERIFY2(QFile::exists(ctl_), qPrintable(ctl_));
    QVERIFY(dir_.isValid());
    QVERIFY(server_.start({}, 200));
}

void TestRedlinectlRollout::noPlanYet() {
    const Run r = run({"rollout", "status"}, "viewer");
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("none") && r.out.contains("No rollout plan yet"), r.out.constData());
    QCOMPARE(rollout()["state"], json("none"));
}

void TestRedlinectlRollout::badStepsIsUsageError() {
    const json before = rollout();
    const Run r = run({"rollout", "set", "--steps", "5:30,25,100"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.startsWith("redlinectl: --steps item 2 ('25') needs a hold time"), r.err.constData());
    QCOMPARE(run({"rollout", "start", "--steps", "5:30,150:60,100"}).code, 2);
    QCOMPARE(rollout(), before);
}

void TestRedlinectlRollout::invalidPlanFile_data() {
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("field");
    QTest::newRow("weight 150") << QByteArray(R"({"steps": [{"weight_percent": 5, "hold_s": 30},
        {"weight_percent": 150, "hold_s": 60}, {"weight_percent": 100}]})")
                                << "  steps[1].weight_percent: must be";
    QTest::newRow("duplicate key") << QByteArray(R"({"steps": [{"weight_percent": 5, "hold_s": 30,
        "hold_s": 60}, {"weight_percent": 100}]})")
                                   << "  steps[0].hold_s: duplicate key";
}

void TestRedlinectlRollout::invalidPlanFile() {
    QFETCH(QByteArray, content);
    QFETCH(QString, field);
    const json before = rollout();
    const QString path = write_file("bad-plan.json", content);
    const Run r = run({"rollout", "set", "--file", path});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(("\n" + field).toUtf8()), r.err.constData());
    QCOMPARE(rollout(), before);  // unchanged
    QCOMPARE(run({"rollout", "start", "--file", path}).code, 1);
    QCOMPARE(rollout(), before);
}

void TestRedlinectlRollout::setShowsPending() {
    const Run r = run({"rollout", "set", "--steps", "5:30,25:60,50:60,100", "--p99", "20%,5ms"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("pending"), r.out.constData());
    const Run s = run({"rollout", "status", "-o", "json"}, "viewer");
    QCOMPARE(s.code, 0);
    const json d = s.doc();
    QCOMPARE(d["state"], json("pending"));
    QCOMPARE(d["steps"], json(4));
    QCOMPARE(d["spec"]["steps"][1]["weight_percent"].get<double>(), 25.0);
    QCOMPARE(d["spec"]["steps"][1]["hold_s"], json(60));
}

void TestRedlinectlRollout::startProgresses() {
    const Run r = run({"rollout", "start", "--reason", "release 1.4"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("progressing"), r.out.constData());
    const json d = run({"rollout", "status", "-o", "json"}).doc();
    QCOMPARE(d["state"], json("progressing"));
    QCOMPARE(d["step"], json(0));
    QCOMPARE(canary_weight(), 5.0);
    const Run text = run({"rollout", "status"}, "viewer");
    QVERIFY2(text.out.contains("\u25ba  1  canary 5%"), text.out.constData());
}

void TestRedlinectlRollout::planLockedWhileProgressing() {
    const Run r = run({"rollout", "set", "--steps", "10:30,100"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("PUT ") && r.err.contains("409"), r.err.constData());
    QCOMPARE(r.err.count('\n'), 1);
    QCOMPARE(rollout()["spec"]["steps"].size(), std::size_t(4));
}

void TestRedlinectlRollout::pauseAndResume() {
    const Run p = run({"rollout", "pause", "--reason", "look at the logs"});
    QCOMPARE(p.code, 0);
    QCOMPARE(rollout()["state"], json("paused"));
    QCOMPARE(canary_weight(), 5.0);  // pausing keeps the weight
    const Run again = run({"rollout", "pause"});
    QCOMPARE(again.code, 1);
    QVERIFY2(again.err.contains("409"), again.err.constData());
    QCOMPARE(run({"rollout", "resume"}).code, 0);
    QCOMPARE(rollout()["state"], json("progressing"));
}

void TestRedlinectlRollout::viewerIsRefused() {
    for (const QStringList& args : {QStringList{"rollout", "pause"}, QStringList{"rollout", "promote"},
                                    QStringList{"rollout", "set", "--steps", "5:30,100"}}) {
        const Run r = run(args, "viewer");
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("403") && r.err.contains("operator token"), r.err.constData());
        QCOMPARE(r.err.count('\n'), 1);
    }
    QCOMPARE(rollout()["state"], json("progressing"));
}

void TestRedlinectlRollout::promote() {
    const Run r = run({"rollout", "promote"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("\u2714 promoted"), r.out.constData());
    const json d = rollout();
    QCOMPARE(d["state"], json("promoted"));
    QCOMPARE(d["weight_percent"].get<double>(), 100.0);
    QCOMPARE(canary_weight(), 100.0);
}

void TestRedlinectlRollout::abortAfterPromoteConflicts() {
    const Run r = run({"rollout", "abort"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("409 Conflict") && r.err.contains("promoted"), r.err.constData());
    QCOMPARE(r.err.count('\n'), 1);
    QCOMPARE(rollout()["state"], json("promoted"));
}

void TestRedlinectlRollout::watchEndsAtOnceWhenOver() {
    const Run r = run({"rollout", "status", "--watch"}, "viewer", 10'000);
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("promoted"), r.out.constData());
}

void TestRedlinectlRollout::abortRollsBackToZero() {
    QCOMPARE(run({"rollout", "start"}).code, 0);  // from promoted: the stored plan again from step 0
    QCOMPARE(canary_weight(), 5.0);
    const Run r = run({"rollout", "abort", "--reason", "stop it"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("\u2716 aborted"), r.out.constData());
    QCOMPARE(canary_weight(), 0.0);
    const Run w = run({"rollout", "status", "--watch", "-o", "json"}, "viewer", 10'000);
    QCOMPARE(w.code, 3);
    QCOMPARE(w.doc()["state"], json("aborted"));
}

void TestRedlinectlRollout::events() {
    const Run r = run({"events", "--json"}, "viewer");
    QCOMPARE(r.code, 0);
    std::vector<std::string> kinds;
    bool by_ci = false;
    const json page = r.doc();
    for (const json& e : page["events"]) {
        const std::string kind = e.value("kind", "");
        if (kind.rfind("rollout.", 0) != 0) continue;
        kinds.push_back(kind);
        if (e.value("actor", "") == "operator:ci") by_ci = true;
    }
    for (const char* k : {"rollout.spec", "rollout.started", "rollout.paused", "rollout.resumed",
                          "rollout.promoted", "rollout.aborted"})
        QVERIFY2(std::find(kinds.begin(), kinds.end(), k) != kinds.end(),
                 qPrintable(QString("%1 not in %2").arg(k, r.out.left(2000))));
    QVERIFY(by_ci);  // --as names the actor
}

void TestRedlinectlRollout::realRollbackEndsWatchWith3() {
    // A canary 100 ms slower than stable, traffic from many client keys (the canary is chosen per key), and a
    // plan that judges 2 s windows with few requests: the agent must roll back, and the watch exit 3.
    redline::CanaryConfig c = *server_.admin().canary().value;
    c.faults.latency_ms = 100;
    QVERIFY(server_.admin().set_canary(c).ok());
    const QString plan = write_file("plan.json", R"({"steps": [{"weight_percent": 50, "hold_s": 60},
        {"weight_percent": 100}], "analysis": {"window_s": 2, "min_requests": 10, "failure_windows": 1},
        "on_failure": "rollback"})");
    QCOMPARE(run({"rollout", "start", "--file", plan}).code, 0);

    std::atomic<bool> stop{false};
    std::vector<std::thread> load;
    for (int t = 0; t < 4; ++t) {
        load.emplace_back([&, t] {
            SampleHttp http(server_.api_url());
            for (int i = 0; !stop; ++i)
                http.get("/v1/products/" + std::to_string(1 + i % 100),
                         {{"X-API-Key", "k" + std::to_string(t) + "-" + std::to_string(i % 64)}});
        });
    }
    const Run w = run({"rollout", "status", "--watch"}, "viewer", 60'000);
    stop = true;
    for (auto& th : load)
        th.join();
    c.faults.latency_ms = 0;
    server_.admin().set_canary(c);
    QCOMPARE(w.code, 3);
    QVERIFY2(w.out.contains("\u2716 rolled_back") && w.out.contains("Reason:"), w.out.constData());
    QVERIFY2(w.out.contains("\u2716 FAIL"), w.out.constData());  // the scorecard that caused it
    const json d = rollout();
    QCOMPARE(d["state"], json("rolled_back"));
    QVERIFY2(d["reason"].get<std::string>().rfind("canary analysis failed", 0) == 0, d.dump().c_str());
    QVERIFY2(w.out.contains("Reason:         canary analysis failed"), w.out.constData());
    QCOMPARE(canary_weight(), 0.0);
}

QTEST_GUILESS_MAIN(TestRedlinectlRollout)
#include "tst_redlinectl_rollout.moc"
