// Load-engine results a CI gate can trust (issue 9 §1), each against real servers: agent-side thresholds for
// runs of any length and abort guards with any window (the real sample server's agent), an agent that does
// not answer refuses the run, fewer connections than threads still sends the whole schedule, unexpected
// statuses are failed requests (k6's http_req_failed), per-request checks with a pass rate thresholds can
// use.
#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "core/agent_client.h"
#include "core/load/engine.h"
#include "tests/support/child_process.h"
#include "tst_load_server.h"

using namespace redline;
using namespace redline::load;
using nlohmann::json;
using redline::test::ChildProcess;
using redline::test::LoadTestServer;

namespace {

Scenario make(const json& j) {
    auto p = parse_scenario(j);
    if (!p.ok()) {
        std::string m;
        for (const auto& e : p.errors())
            m += e.field + ": " + e.message + "; ";
        qFatal("bad test scenario: %s", m.c_str());
    }
    return p.value();
}

const ThresholdResult* find(const Summary& s, const std::string& expr) {
    for (const auto& t : s.thresholds)
        if (t.threshold.expr == expr) return &t;
    return nullptr;
}

}  // namespace

class TestLoadTrust : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    ChildProcess server_;
    QString token_file_;

    json against_sample(double rate, double duration_s, json thresholds) {
        return {{"name", "trust"},
                {"target", server_.api_url().toStdString()},
                {"executor", "constant-arrival-rate"},
                {"rate", rate},
                {"duration_s", duration_s},
                {"connections", 4},
                {"requests", json::array({{{"path", "/v1/products/{1..50}"}}})},
                {"thresholds", std::move(thresholds)},
                {"agent",
                 {{"url", server_.admin_url().toStdString()}, {"token_file", token_file_.toStdString()}}}};
    }

  private slots:
    void initTestCase() {
        QString err;
        QVERIFY2(server_.start(ChildProcess::binary("agents/sample_server/redline-sample-server"),
                               {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--data-dir",
                                dir_.path(), "--seed-products", "200", "--threads", "2"},
                               30'000, &err),
                 qPrintable(err));
        token_file_ = dir_.filePath("viewer.token");
    }

    // A 2.5 s run used to ask the agent for window=3s, get 400, and fail every agent threshold (exit 99).
    void agent_thresholds_hold_for_any_run_length_data() {
        QTest::addColumn<double>("duration");
        QTest::newRow("2.5 s") << 2.5;
        QTest::newRow("3.3 s") << 3.3;
    }
    void agent_thresholds_hold_for_any_run_length() {
        QFETCH(double, duration);
        const Summary s = Engine::run(make(against_sample(
            60, duration,
            json::array({{{"expr", "p99 < 2000ms"}, {"source", "agent"}, {"route", "GET /v1/products/{id}"}},
                         {{"expr", "rate > 5/s"}, {"source", "agent"}},
                         {{"expr", "error_rate < 1%"}, {"source", "agent"}}}))));
        QCOMPARE(s.outcome, RunOutcome::Passed);
        QCOMPARE(s.exit_code(), 0);
        for (const auto& t : s.thresholds) {
            QVERIFY2(t.evaluated && t.passed, (t.threshold.expr + ": " + t.note).c_str());
        }
        // The agent saw the run's requests: its rate over the run's seconds is near the client's.
        const auto* rate = find(s, "rate > 5/s");
        QVERIFY(rate);
        QVERIFY2(rate->observed > 20 && rate->observed < 90, std::to_string(rate->observed).c_str());
    }

    // An abort guard with window_s 5 used to get 400 on every check and never fire.
    void abort_guard_with_any_window_fires() {
        AgentClient op(server_.admin_url().toStdString(), server_.token("operator").toStdString());
        CanaryConfig slow;
        slow.weight_percent = 100;
        slow.faults.latency_ms = 300;
        QVERIFY2(op.set_canary(slow).ok(), "PUT /v1/canary failed");
        auto restore = qScopeGuard([&] { op.set_canary(CanaryConfig{}); });
        const Summary s = Engine::run(make(against_sample(20, 20,
                                                          json::array({{{"expr", "p99 < 100ms"},
                                                                        {"source", "agent"},
                                                                        {"route", "GET /v1/products/{id}"},
                                                                        {"version", "canary"},
                                                                        {"abort_on_fail", true},
                                                                        {"for_s", 2},
                                                                        {"window_s", 5}}}))));
        QCOMPARE(s.outcome, RunOutcome::Aborted);
        QCOMPARE(s.exit_code(), 99);
        QVERIFY2(s.duration_s < 12, std::to_string(s.duration_s).c_str());
        QVERIFY(s.thresholds.at(0).aborted_run);
        QVERIFY2(s.reason.find("p99 < 100ms") != std::string::npos, s.reason.c_str());
    }

    // An agent threshold needs an agent that answers: the run refuses to start, and nothing is sent.
    void unreachable_agent_refuses_the_run() {
        json j = against_sample(50, 2, json::array({{{"expr", "p99 < 100ms"}, {"source", "agent"}}}));
        j["agent"]["url"] = "http://127.0.0.1:" + std::to_string(ChildProcess::free_port());
        const Summary s = Engine::run(make(j));
        QCOMPARE(s.outcome, RunOutcome::Error);
        QCOMPARE(s.exit_code(), 1);
        QCOMPARE(s.sent, std::uint64_t(0));
        QVERIFY2(s.error.find("did not answer") != std::string::npos, s.error.c_str());
    }

    void unknown_route_refuses_the_run() {
        const Summary s = Engine::run(make(against_sample(
            50, 2,
            json::array({{{"expr", "p99 < 100ms"}, {"source", "agent"}, {"route", "GET /v1/nope"}}}))));
        QCOMPARE(s.outcome, RunOutcome::Error);
        QCOMPARE(s.sent, std::uint64_t(0));
        QVERIFY2(s.error.find("GET /v1/nope") != std::string::npos, s.error.c_str());
    }

    // A threshold the agent cannot measure is failed with the reason, never skipped.
    void unmeasurable_agent_threshold_fails_with_its_reason() {
        const Summary s = Engine::run(make(against_sample(
            20, 1.5,
            json::array(
                {{{"expr", "cache_hit_ratio > 0.5"}, {"source", "agent"}, {"route", "POST /v1/orders"}}}))));
        QCOMPARE(s.outcome, RunOutcome::ThresholdsFailed);
        QVERIFY(!s.thresholds.at(0).evaluated);
        QVERIFY(!s.thresholds.at(0).passed);
        QVERIFY2(s.reason.find("could not be measured") != std::string::npos, s.reason.c_str());
    }

    // 2 threads and 1 connection used to send half the schedule and report the rest "unsent" with exit 0.
    void fewer_connections_than_threads_sends_everything() {
        LoadTestServer srv;
        const Summary s = Engine::run(make({{"name", "one-conn"},
                                            {"target", srv.url()},
                                            {"executor", "constant-arrival-rate"},
                                            {"rate", 100},
                                            {"duration_s", 3},
                                            {"threads", 2},
                                            {"connections", 1},
                                            {"requests", json::array({{{"path", "/"}}})},
                                            {"thresholds", json::array({"unsent < 1"})}}));
        QVERIFY2(s.completed >= 295 && s.completed <= 301, std::to_string(s.completed).c_str());
        QCOMPARE(s.unsent, std::uint64_t(0));
        QCOMPARE(s.outcome, RunOutcome::Passed);
        QVERIFY(s.thresholds.at(0).passed);
    }

    void unsent_is_a_threshold_metric() {
        LoadTestServer srv;
        // One connection to a 200 ms endpoint sustains 5/s; 50/s leaves most of the schedule unsent.
        const Summary s = Engine::run(make({{"name", "overload"},
                                            {"target", srv.url()},
                                            {"executor", "constant-arrival-rate"},
                                            {"rate", 50},
                                            {"duration_s", 2},
                                            {"connections", 1},
                                            {"graceful_stop_s", 0.5},
                                            {"requests", json::array({{{"path", "/slow/200"}}})},
                                            {"thresholds", json::array({"unsent < 1"})}}));
        QVERIFY2(s.unsent > 50, std::to_string(s.unsent).c_str());
        QCOMPARE(s.outcome, RunOutcome::ThresholdsFailed);
        QCOMPARE(s.thresholds.at(0).observed, double(s.unsent));
    }

    // 404s used to count as success ("0 errors"); they are failed requests unless expected.
    void unexpected_statuses_are_failed_requests() {
        LoadTestServer srv;
        const json base{{"name", "statuses"},         {"target", srv.url()},
                        {"executor", "constant-vus"}, {"vus", 1},
                        {"duration_s", 0.5},          {"thresholds", json::array({"error_rate < 1%"})}};
        json j = base;
        j["requests"] = json::array({{{"path", "/status/404"}}});
        Summary s = Engine::run(make(j));
        QVERIFY(s.completed > 0);
        QCOMPARE(s.errors, s.completed);
        QCOMPARE(s.error_ratio, 1.0);
        QCOMPARE(s.outcome, RunOutcome::ThresholdsFailed);
        // The same run with 404 declared as expected passes; 429 from a rate-limit probe the same way.
        j["requests"] = json::array({{{"path", "/status/404"}, {"expect_status", json::array({200, 404})}}});
        s = Engine::run(make(j));
        QCOMPARE(s.errors, std::uint64_t(0));
        QCOMPARE(s.outcome, RunOutcome::Passed);
        j["requests"] =
            json::array({{{"path", "/status/503"}, {"expect_status", json::array({"2xx", 429})}}});
        s = Engine::run(make(j));
        QCOMPARE(s.errors, s.completed);
    }

    void checks_are_counted_and_thresholded() {
        json j = against_sample(40, 1.5, json::array({"checks > 99%", "checks > 70%"}));
        j.erase("agent");
        j["requests"] = json::array({{{"name", "product 7"},
                                      {"path", "/v1/products/7"},
                                      {"checks", json::array({{{"status", 200}},
                                                              {{"header", "x-cache"}},
                                                              {{"json", "/id"}, {"equals", 7}},
                                                              {{"json", "/no_such_field"}}})}}});
        const Summary s = Engine::run(make(j));
        QVERIFY(s.completed > 20);
        QCOMPARE(s.checks.size(), std::size_t(4));
        QCOMPARE(s.checks[0].passes, s.completed);
        QCOMPARE(s.checks[1].passes, s.completed);
        QCOMPARE(s.checks[2].passes, s.completed);
        QCOMPARE(s.checks[3].fails, s.completed);
        QCOMPARE(s.checks_rate, 0.75);
        QVERIFY(!find(s, "checks > 99%")->passed);
        QVERIFY(find(s, "checks > 70%")->passed);
        QCOMPARE(s.outcome, RunOutcome::ThresholdsFailed);
        const json out = to_json(s);
        QCOMPARE(out["checks"].size(), std::size_t(4));
        QCOMPARE(out["checks"][2]["name"].get<std::string>(), std::string("json /id == 7"));
    }

    void cleanupTestCase() { server_.stop(); }
};

QTEST_GUILESS_MAIN(TestLoadTrust)
#include "tst_load_trust.moc"
