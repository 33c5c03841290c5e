// A load run that drives a rollout on its agent (Scenario::rollout, docs/scenarios.md "Rollouts"): the real
// redline-load binary against a real redline-sample-server (port 0). A clean canary is promoted and ends the
// run early with exit 0; a canary 100 ms slower is rolled back by the agent's analysis and fails the run
// (99), or passes it when the scenario expects the rollback; a viewer token, an agent whose rollout is
// already active and an invalid plan are refused before any traffic with no change on the agent; a rollout
// the run outlives is aborted by the run; and a load test the agent runs itself drives the agent's own
// rollout in-process. The slots run in order and share the one agent.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/agent_client.h"
#include "tests/integration/tst_sample_support.h"
#include "tests/support/child_process.h"

using nlohmann::json;
using redline::test::ChildProcess;
using redline::test::CliRun;
using redline::test::run_cli;
using redline::test::SampleServerProcess;

namespace {

/// Promotes within a few seconds at 200/s: 2 s windows, one passing window after a 2 s hold, 1 s warm-up.
json quick_plan(int hold_s = 2) {
    return {{"steps", json::array({{{"weight_percent", 50}, {"hold_s", hold_s}}, {{"weight_percent", 100}}})},
            {"analysis",
             {{"window_s", 2},
              {"min_requests", 10},
              {"pass_windows", 1},
              {"failure_windows", 1},
              {"warmup_s", 1}}},
            {"on_failure", "rollback"}};
}

json keys(int n) {
    json k = json::array();
    for (int i = 0; i < n; ++i)
        k.push_back("k" + std::to_string(i));
    return k;
}

/// 200/s from 200 client keys (the canary is chosen per key), for at most duration_s.
json bake(const json& rollout, double duration_s = 30) {
    return {
        {"name", "bake-test"},
        {"executor", "constant-arrival-rate"},
        {"rate", 200},
        {"duration_s", duration_s},
        {"connections", 16},
        {"requests",
         json::array({{{"name", "product"}, {"path", "/v1/products/{1..100}"}, {"api_keys", keys(200)}}})},
        {"rollout", rollout}};
}

}  // namespace

class TestLoadRollout : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void cleanupTestCase() { server_.stop(); }

    void invalidPlanIsRefusedByValidate();
    void viewerTokenIsRefusedBeforeAnyTraffic();
    void activeRolloutIsLeftAlone();
    void cleanCanaryIsPromotedAndEndsTheRun();
    void slowCanaryIsRolledBackAndFailsTheRun();
    void expectedRollbackPasses();
    void outlivedRolloutIsAbortedByTheRun();
    void agentRunLoadTestDrivesItsOwnRollout();

  private:
    CliRun load(const json& scenario, const QString& role, const QStringList& extra = {}) {
        const QString file = dir_.path() + "/scenario.json";
        QFile f(file);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return {};
        f.write(QByteArray::fromStdString(scenario.dump()));
        f.close();
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.remove("REDLINE_VIEWER_TOKEN");
        return run_cli(
            load_,
            QStringList{"run", file, "--target", server_.api_url(), "--agent", server_.proc().admin_url(),
                        "--agent-token-file", server_.data_dir() + "/" + role + ".token", "--out",
                        dir_.path() + "/summary.json"} +
                extra,
            e, 90'000);
    }
    json summary() {
        QFile f(dir_.path() + "/summary.json");
        if (!f.open(QIODevice::ReadOnly)) return {};
        return json::parse(f.readAll().toStdString(), nullptr, false);
    }
    json rollout() {
        auto r = server_.admin().call_json("GET", "/v1/rollout");
        return r.ok() ? *r.value : json();
    }
    std::uint64_t served() {
        auto s = server_.admin().snapshot(60);
        return s.ok() ? s.value->total.requests : 0;
    }
    void set_canary_latency(double ms) {
        redline::CanaryConfig c = *server_.admin().canary().value;
        c.faults.latency_ms = ms;
        QVERIFY(server_.admin().set_canary(c).ok());
    }

    QTemporaryDir dir_;
    SampleServerProcess server_;
    QString load_;
};

void TestLoadRollout::initTestCase() {
    load_ = ChildProcess::binary("app/redline-load");
    QVERIFY2(QFile::exists(load_), qPrintable(load_));
    QVERIFY(dir_.isValid());
    QVERIFY(server_.start({}, 200));
}

void TestLoadRollout::invalidPlanIsRefusedByValidate() {
    json plan = quick_plan();
    plan["steps"][0]["weight_percent"] = 150;
    const QString file = dir_.path() + "/bad.json";
    QFile f(file);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray::fromStdString(bake({{"plan", plan}, {"expect", "promoted"}}).dump()));
    f.close();
    const CliRun v = run_cli(load_, {"validate", file}, QProcessEnvironment::systemEnvironment(), 30'000);
    QCOMPARE(v.code, 2);
    QVERIFY2(v.err.contains("rollout.plan.steps[0].weight_percent"), v.err.constData());
    const CliRun r = load(bake({{"plan", quick_plan()}, {"expect", "sometimes"}}), "operator");
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("rollout.expect"), r.err.constData());
    QCOMPARE(rollout()["state"], json("none"));
}

void TestLoadRollout::viewerTokenIsRefusedBeforeAnyTraffic() {
    const std::uint64_t before = served();
    const CliRun r = load(bake({{"plan", quick_plan()}}), "viewer");
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("operator token") || r.out.contains("operator token"), r.err.constData());
    QCOMPARE(rollout()["state"], json("none"));
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // the agent closes the second
    QCOMPARE(served(), before);  // the preflight's connection check sends no API request
}

void TestLoadRollout::activeRolloutIsLeftAlone() {
    json plan = quick_plan(600);
    QVERIFY(server_.admin().call_json("PUT", "/v1/rollout", &plan).ok());
    QVERIFY(server_.admin().call_json("POST", "/v1/rollout/start").ok());
    const json before = rollout();
    QCOMPARE(before["state"], json("progressing"));
    const CliRun r = load(bake({{"plan", quick_plan()}}), "operator");
    QCOMPARE(r.code, 1);
    QVERIFY2(
        r.out.contains("already has an active rollout") || r.err.contains("already has an active rollout"),
        r.out.constData());
    const json after = rollout();
    QCOMPARE(after["state"], json("progressing"));
    QCOMPARE(after["started_ms"], before["started_ms"]);
    QVERIFY(server_.admin().call_json("POST", "/v1/rollout/abort").ok());
}

void TestLoadRollout::cleanCanaryIsPromotedAndEndsTheRun() {
    const CliRun r = load(bake({{"plan", quick_plan()}, {"expect", "promoted"}}, 60), "operator");
    QVERIFY2(r.code == 0, (r.out + r.err).constData());
    const json s = summary();
    QCOMPARE(s["rollout"]["state"], json("promoted"));
    QCOMPARE(s["rollout"]["passed"], json(true));
    QVERIFY2(s["duration_s"].get<double>() < 40, s["duration_s"].dump().c_str());  // ended by the rollout
    const json& tr = s["rollout"]["transitions"];
    QVERIFY2(tr.size() >= 2 && tr.front()["state"] == "progressing" && tr.back()["state"] == "promoted",
             tr.dump().c_str());
    QVERIFY2(r.out.contains("rollout    \u2713 promoted"), r.out.constData());
    QCOMPARE(rollout()["state"], json("promoted"));
    // The agent's audit trail names the run as the actor.
    auto ev = server_.admin().events(0, 500);
    QVERIFY(ev.ok());
    bool named = false;
    for (const auto& e : ev.value->events)
        if (e.kind == "rollout.started" && e.actor.find("redline-load") != std::string::npos) named = true;
    QVERIFY(named);
}

void TestLoadRollout::slowCanaryIsRolledBackAndFailsTheRun() {
    set_canary_latency(100);
    const CliRun r = load(bake({{"plan", quick_plan(60)}, {"expect", "promoted"}}, 60), "operator");
    set_canary_latency(0);
    QCOMPARE(r.code, 99);
    const json s = summary();
    QCOMPARE(s["rollout"]["state"], json("rolled_back"));
    QCOMPARE(s["outcome"], json("thresholds_failed"));
    QVERIFY2(s["reason"].get<std::string>().rfind("rollout rolled_back", 0) == 0, s["reason"].dump().c_str());
    QVERIFY2(s["duration_s"].get<double>() < 40, s["duration_s"].dump().c_str());
    QVERIFY(!s["rollout"]["scorecard"].is_null());
    QVERIFY2(r.out.contains("rollout    \u2717 rolled_back"), r.out.constData());
    QCOMPARE(server_.admin().canary().value->weight_percent, 0.0);
}

void TestLoadRollout::expectedRollbackPasses() {
    set_canary_latency(100);
    const CliRun r = load(bake({{"plan", quick_plan(60)}, {"expect", "rolled_back"}}, 60), "operator");
    set_canary_latency(0);
    QVERIFY2(r.code == 0, (r.out + r.err).constData());
    QCOMPARE(summary()["rollout"]["state"], json("rolled_back"));
    QCOMPARE(summary()["rollout"]["passed"], json(true));
}

void TestLoadRollout::outlivedRolloutIsAbortedByTheRun() {
    const CliRun r = load(bake({{"plan", quick_plan(600)}}, 3), "operator");
    QCOMPARE(r.code, 99);
    const json s = summary();
    QCOMPARE(s["rollout"]["aborted_by_run"], json(true));
    QCOMPARE(s["rollout"]["state"], json("aborted"));
    QVERIFY2(s["rollout"]["note"].get<std::string>().find("before the rollout finished") != std::string::npos,
             s["rollout"].dump().c_str());
    QCOMPARE(rollout()["state"], json("aborted"));
    QCOMPARE(server_.admin().canary().value->weight_percent, 0.0);
}

void TestLoadRollout::agentRunLoadTestDrivesItsOwnRollout() {
    const json body = {{"scenario", bake({{"plan", quick_plan()}}, 60)}};
    auto started = server_.admin().call_json("POST", "/v1/loadtests", &body);
    QVERIFY2(started.ok(), started.error_message().c_str());
    const std::string id = (*started.value)["id"].get<std::string>();
    json lt;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < until) {
        auto r = server_.admin().call_json("GET", "/v1/loadtests/" + id);
        QVERIFY2(r.ok(), r.error_message().c_str());
        lt = *r.value;
        if (lt.contains("summary") && !lt["summary"].is_null()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    QVERIFY2(lt.contains("summary") && !lt["summary"].is_null(), lt.dump().c_str());
    const json s = lt["summary"];
    QCOMPARE(s["rollout"]["state"], json("promoted"));
    QCOMPARE(s["exit_code"], json(0));
    QCOMPARE(rollout()["state"], json("promoted"));
}

QTEST_GUILESS_MAIN(TestLoadRollout)
#include "tst_load_rollout.moc"
