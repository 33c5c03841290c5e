// The agent's rollout (docs/rollouts.md) through its admin API, on the agent's deterministic clock: synthetic
// per-second traffic of both versions is recorded, epochs are closed by the test, and the rollout's state,
// the canary weight, the events and the audit log are checked. Not timing-based: every step is one
// close_epoch() of the test.
//
// A plan with no fault promotes through every step; a fault injected at step 2 rolls back with the metric
// that failed in the reason; on_failure "pause" pauses instead; the rollout resumes after an agent restart,
// or rolls back when the agent was down longer than max_downtime_s; a viewer cannot start or stop it;
// invalid plans are refused with field errors and change nothing; while it runs the rollout owns the weight.
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "core/clock.h"
#include "tests/support/agent_fixture.h"
#include "tests/support/raw_http.h"

using namespace redline::test;
using nlohmann::json;
using redline::agent::Role;

namespace {

// 4 steps of 3 s hold. At 400 req/s a 10 s window holds 200 canary requests at 5 %, enough for p99 (100).
const char* kPlan = R"({"steps":[{"weight_percent":5,"hold_s":3},{"weight_percent":25,"hold_s":3},
  {"weight_percent":50,"hold_s":3},{"weight_percent":100}],
  "analysis":{"window_s":10,"min_requests":20,"pass_windows":2,"failure_windows":3}})";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

class TestRollout : public QObject {
    Q_OBJECT

    std::unique_ptr<AgentFixture> f_;
    std::mt19937_64 rng_{7};
    std::int64_t epoch_ = 0;
    double canary_extra_ms_ = 0;
    double canary_error_ratio_ = 0;

    RawResponse call(const std::string& method, const std::string& path, const std::string& body = {},
                     Role role = Role::Operator) {
        Headers h = f_->auth(role);
        if (!body.empty() || method != "GET") h.emplace_back("Content-Type", "application/json");
        h.emplace_back("Redline-Actor", "tester");
        return http_request(f_->port(), method, path, h, body);
    }
    json status() {
        auto r = call("GET", "/v1/rollout", {}, Role::Viewer);
        return parse_json(r.body);
    }
    /// One second of traffic at 400 req/s split by the current canary weight, then the epoch closes.
    void second() {
        const double w = f_->agent().canary().weight_percent / 100.0;
        std::lognormal_distribution<double> lat(std::log(5.0), 0.3);  // ms, median 5 ms
        std::uniform_real_distribution<double> u(0, 1);
        const auto& h = f_->handles();
        for (int i = 0; i < 400; ++i) {
            const bool canary = u(rng_) < w;
            double ms = lat(rng_);
            int status = 200;
            if (canary) {
                ms += canary_extra_ms_;
                if (u(rng_) < canary_error_ratio_) status = 500;
            }
            const std::size_t route = std::size_t(i % 5);
            f_->agent().record(h[canary ? 5 + route : route], status,
                               std::chrono::nanoseconds(std::int64_t(ms * 1e6)));
        }
        f_->agent().close_epoch(epoch_++);
    }
    /// Runs seconds until the rollout's state is `state` (at most `limit` seconds); returns the seconds run.
    int run_until(const std::string& state, int limit) {
        for (int i = 1; i <= limit; ++i) {
            second();
            if (status().value("state", "") == state) return i;
        }
        return -1;
    }
    std::vector<json> events(const std::string& prefix) {
        auto r = call("GET", "/v1/events?limit=1000", {}, Role::Viewer);
        json page = parse_json(r.body);
        if (r.status != 200) qWarning("GET /v1/events: %d %s", r.status, r.body.c_str());
        std::vector<json> out;
        for (auto& e : page["events"])
            if (e.value("kind", "").rfind(prefix, 0) == 0) out.push_back(e);
        return out;
    }

  private slots:
    void init() {
        f_ = std::make_unique<AgentFixture>();
        epoch_ = redline::unix_ms() / 1000;
        canary_extra_ms_ = 0;
        canary_error_ratio_ = 0;
    }
    void cleanup() { f_.reset(); }

    void invalidPlansAreRefusedWithFieldErrors_data() {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("field");
        QTest::newRow("weight above 100") << R"({"steps":[{"weight_percent":150,"hold_s":1}]})"
                                          << "steps[0].weight_percent";
        QTest::newRow("weights going down")
            << R"({"steps":[{"weight_percent":50,"hold_s":1},{"weight_percent":10,"hold_s":1}]})"
            << "steps[1].weight_percent";
        QTest::newRow("100 before the end")
            << R"({"steps":[{"weight_percent":100,"hold_s":0},{"weight_percent":100}]})"
            << "steps[0].weight_percent";
        QTest::newRow("hold on the 100 step") << R"({"steps":[{"weight_percent":100,"hold_s":5}]})"
                                              << "steps[0].hold_s";
        QTest::newRow("missing hold") << R"({"steps":[{"weight_percent":5},{"weight_percent":100}]})"
                                      << "steps[0].hold_s";
        QTest::newRow("no steps") << R"({"steps":[]})"
                                  << "steps";
        QTest::newRow("unknown analysis field")
            << R"({"steps":[{"weight_percent":5,"hold_s":1}],"analysis":{"windows":10}})"
            << "analysis.windows";
        QTest::newRow("window 0")
            << R"({"steps":[{"weight_percent":5,"hold_s":1}],"analysis":{"window_s":0}})"
            << "analysis.window_s";
        QTest::newRow("bad policy") << R"({"steps":[{"weight_percent":5,"hold_s":1}],"on_failure":"ignore"})"
                                    << "on_failure";
        QTest::newRow("duplicate key") << R"({"steps":[{"weight_percent":5,"weight_percent":6,"hold_s":1}]})"
                                       << "steps[0].weight_percent";
        QTest::newRow("fractional hold") << R"({"steps":[{"weight_percent":5,"hold_s":1.5}]})"
                                         << "steps[0].hold_s";
    }
    void invalidPlansAreRefusedWithFieldErrors() {
        QFETCH(QString, body);
        QFETCH(QString, field);
        const auto audit_before = f_->audit_lines().size();
        auto r = call("PUT", "/v1/rollout", body.toStdString());
        QCOMPARE(r.status, 400);
        json p = parse_json(r.body);
        bool named = false;
        for (auto& e : p["errors"])
            named = named || e.value("field", "") == field.toStdString();
        QVERIFY2(named, r.body.c_str());
        QCOMPARE(status().value("state", ""), std::string("none"));
        QCOMPARE(f_->audit_lines().size(), audit_before);
        QVERIFY(!QFile::exists(QString::fromStdString(f_->data_dir() + "/rollout.json")));
    }

    void aViewerCannotSetStartOrStop() {
        QCOMPARE(call("PUT", "/v1/rollout", kPlan, Role::Viewer).status, 403);
        QCOMPARE(call("PUT", "/v1/rollout", kPlan).status, 200);
        QCOMPARE(call("POST", "/v1/rollout/start", "{}", Role::Viewer).status, 403);
        QCOMPARE(status().value("state", ""), std::string("pending"));
        QCOMPARE(call("POST", "/v1/rollout/start", "{}").status, 200);
        QCOMPARE(call("POST", "/v1/rollout/abort", "{}", Role::Viewer).status, 403);
        QCOMPARE(call("POST", "/v1/rollout/pause", "{}", Role::Viewer).status, 403);
        QCOMPARE(status().value("state", ""), std::string("progressing"));
        QCOMPARE(call("GET", "/v1/rollout", {}, Role::None).status, 401);
    }

    void actionsOutOfTurnAre409AndChangeNothing() {
        QCOMPARE(call("POST", "/v1/rollout/start", "{}").status, 409);  // no plan
        QCOMPARE(call("PUT", "/v1/rollout", kPlan).status, 200);
        auto r = call("POST", "/v1/rollout/pause", "{}");
        QCOMPARE(r.status, 409);
        QVERIFY2(parse_json(r.body).value("detail", "").find("pending") != std::string::npos, r.body.c_str());
        QCOMPARE(call("POST", "/v1/rollout/jump", "{}").status, 404);
        QCOMPARE(call("POST", "/v1/rollout/start", R"({"reason":1})").status, 400);
        QCOMPARE(call("POST", "/v1/rollout/start", R"({"why":"x"})").status, 400);
        QCOMPARE(status().value("state", ""), std::string("pending"));
        QCOMPARE(call("POST", "/v1/rollout/start", R"({"reason":"release 42"})").status, 200);
        QCOMPARE(call("PUT", "/v1/rollout", kPlan).status, 409);  // a running rollout keeps its plan
        QCOMPARE(call("POST", "/v1/rollout/resume", "{}").status, 409);
        QCOMPARE(call("POST", "/v1/rollout/pause", "{}").status, 200);
        QCOMPARE(call("POST", "/v1/rollout/pause", "{}").status, 409);
        QCOMPARE(call("POST", "/v1/rollout/resume", "{}").status, 200);
        QCOMPARE(call("POST", "/v1/rollout/abort", R"({"reason":"changed my mind"})").status, 200);
        json s = status();
        QCOMPARE(s.value("state", ""), std::string("aborted"));
        QVERIFY(s.value("reason", "").find("changed my mind") != std::string::npos);
        QCOMPARE(f_->agent().canary().weight_percent, 0.0);
        QCOMPARE(call("POST", "/v1/rollout/abort", "{}").status, 409);
        // Every operator transition is audited with its actor.
        int audited = 0;
        for (const auto& line : f_->audit_lines())
            if (line.find("\"rollout.") != std::string::npos &&
                line.find("operator:tester") != std::string::npos)
                ++audited;
        QCOMPARE(audited, 5);  // spec, started, paused, resumed, aborted
    }

    void promotesThroughEveryStepWithoutAFault() {
        QCOMPARE(call("PUT", "/v1/rollout", kPlan).status, 200);
        QCOMPARE(call("POST", "/v1/rollout/start", "{}").status, 200);
        QCOMPARE(f_->agent().canary().weight_percent, 5.0);
        const int seconds = run_until("promoted", 120);
        QVERIFY2(seconds > 0, status().dump().c_str());
        QCOMPARE(f_->agent().canary().weight_percent, 100.0);
        std::vector<double> weights;
        for (auto& e : events("canary.changed")) {
            QCOMPARE(e.value("actor", ""), std::string("rollout"));
            weights.push_back(e["after"].value("weight_percent", -1.0));
        }
        QCOMPARE(weights, (std::vector<double>{5, 25, 50, 100}));
        QCOMPARE(events("rollout.step").size(), std::size_t(2));
        QCOMPARE(events("rollout.promoted").size(), std::size_t(1));
        // Each step held at least its hold time: 3 steps x 3 s.
        QVERIFY2(seconds >= 9, std::to_string(seconds).c_str());
        json s = status();
        QCOMPARE(s["scorecard"].value("verdict", ""), std::string("pass"));
    }

    void aFaultAtStepTwoRollsBackWithTheReason() {
        QCOMPARE(call("PUT", "/v1/rollout", kPlan).status, 200);
        QCOMPARE(call("POST", "/v1/rollout/start", "{}").status, 200);
        for (int i = 0; i < 60 && status().value("step", 0) < 1; ++i)
            second();
        QCOMPARE(status().value("step", 0), 1);
        QCOMPARE(f_->agent().canary().weight_percent, 25.0);
        canary_extra_ms_ = 50;  // the fault starts at step 2
        const int seconds = run_until("rolled_back", 30);
        QVERIFY2(seconds > 0, status().dump().c_str());
        QVERIFY2(seconds <= 6, std::to_string(seconds).c_str());  // 3 failing windows + the window filling
        QCOMPARE(f_->agent().canary().weight_percent, 0.0);
        json s = status();
        const std::string reason = s.value("reason", "");
        QVERIFY2(reason.find("p99") != std::string::npos || reason.find("latency") != std::string::npos,
                 reason.c_str());
        QVERIFY2(reason.find("step 2/4") != std::string::npos, reason.c_str());
        auto rb = events("rollout.rolled_back");
        QCOMPARE(rb.size(), std::size_t(1));
        QCOMPARE(rb[0].value("actor", ""), std::string("rollout"));
        QCOMPARE(rb[0]["after"]["scorecard"].value("verdict", ""), std::string("fail"));
        // Audited, so it survives in the audit log.
        bool audited = false;
        for (const auto& line : f_->audit_lines())
            audited = audited || line.find("rollout.rolled_back") != std::string::npos;
        QVERIFY(audited);
        // Terminal: more seconds change nothing.
        second();
        QCOMPARE(status().value("state", ""), std::string("rolled_back"));
    }

    void errorsFailTheErrorRatioAndPausePolicyPauses() {
        std::string plan = json::parse(kPlan).dump();
        json p = json::parse(plan);
        p["on_failure"] = "pause";
        QCOMPARE(call("PUT", "/v1/rollout", p.dump()).status, 200);
        QCOMPARE(call("POST", "/v1/rollout/start", "{}").status, 200);
        QCOMPARE(call("POST", "/v1/rollout/skip", "{}").status, 200);  // straight to 25 %
        QCOMPARE(f_->agent().canary().weight_percent, 25.0);
        canary_error_ratio_ = 0.10;
        const int seconds = run_until("paused", 30);
        QVERIFY2(seconds > 0, status().dump().c_str());
        json s = status();
        QVERIFY2(s.value("reason", "").find("error_ratio") != std::string::npos, s.dump().c_str());
        QCOMPARE(f_->agent().canary().weight_percent, 25.0);  // paused, not rolled back
        // Paused still owns the weight; abort releases it.
        QCOMPARE(call("POST", "/v1/rollout/abort", "{}").status, 200);
        QCOMPARE(f_->agent().canary().weight_percent, 0.0);
    }

    void theRolloutOwnsTheCanaryWeight() {
        QCOMPARE(call("PUT", "/v1/rollout", kPlan).status, 200);
        QCOMPARE(call("POST", "/v1/rollout/start", "{}").status, 200);
        auto r = call("PUT", "/v1/canary", R"({"weight_percent":40})");
        QCOMPARE(r.status, 400);
        QVERIFY2(r.body.find("weight_percent") != std::string::npos, r.body.c_str());
        QCOMPARE(f_->agent().canary().weight_percent, 5.0);
        // Fault knobs may change (same weight).
        QCOMPARE(call("PUT", "/v1/canary", R"({"weight_percent":5,"faults":{"latency_ms":3}})").status, 200);
        QCOMPARE(f_->agent().canary().faults.latency_ms, 3.0);
        QCOMPARE(call("POST", "/v1/rollout/promote", "{}").status, 200);
        QCOMPARE(f_->agent().canary().weight_percent, 100.0);
        QCOMPARE(call("PUT", "/v1/canary", R"({"weight_percent":0})").status, 200);  // released
    }

    void resumesItsStepAfterARestart() {
        QCOMPARE(call("PUT", "/v1/rollout", kPlan).status, 200);
        QCOMPARE(call("POST", "/v1/rollout/start", "{}").status, 200);
        for (int i = 0; i < 60 && status().value("step", 0) < 1; ++i)
            second();
        QCOMPARE(status().value("step", 0), 1);
        second();
        f_->restart();
        json s = status();
        QCOMPARE(s.value("state", ""), std::string("progressing"));
        QCOMPARE(s.value("step", -1), 1);
        QCOMPARE(f_->agent().canary().weight_percent, 25.0);
        QVERIFY2(s.value("reason", "").find("resumed step 2/4") != std::string::npos, s.dump().c_str());
        QCOMPARE(events("rollout.resumed").size(), std::size_t(1));
        // And it goes on to promotion.
        QVERIFY2(run_until("promoted", 120) > 0, status().dump().c_str());
    }

    void rollsBackWhenTheAgentWasDownTooLong() {
        QCOMPARE(call("PUT", "/v1/rollout", kPlan).status, 200);
        QCOMPARE(call("POST", "/v1/rollout/start", "{}").status, 200);
        second();
        f_->stop();
        const std::string path = f_->data_dir() + "/rollout.json";
        json saved = json::parse(read_file(path));
        saved["last_tick_epoch"] = redline::unix_ms() / 1000 - 600;  // "down" for 10 minutes
        std::ofstream(path, std::ios::trunc) << saved.dump();
        f_->restart();
        json s = status();
        QCOMPARE(s.value("state", ""), std::string("rolled_back"));
        QVERIFY2(s.value("reason", "").find("down for") != std::string::npos, s.dump().c_str());
        QCOMPARE(f_->agent().canary().weight_percent, 0.0);
    }

    void aCorruptStateFileIsReportedNotFatal() {
        QCOMPARE(call("PUT", "/v1/rollout", kPlan).status, 200);
        f_->stop();
        std::ofstream(f_->data_dir() + "/rollout.json", std::ios::trunc) << "{\"state\": \"progress";
        f_->restart();
        QCOMPARE(status().value("state", ""), std::string("none"));
        bool reported = false;
        for (const auto& e : f_->errors())
            reported = reported || e.find("rollout.json is unreadable") != std::string::npos;
        QVERIFY(reported);
    }
};

QTEST_GUILESS_MAIN(TestRollout)
#include "tst_rollout.moc"
