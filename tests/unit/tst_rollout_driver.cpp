// RolloutDriver against a scripted agent (AgentCallFn): what it sends to start, how it reads, when it gives
// up, and its verdict. The real agent is exercised by integration.tst_load_rollout.
#include <QtTest>
#include <deque>

#include "core/load/rollout_driver.h"

using namespace redline;
using namespace redline::load;
using nlohmann::json;

namespace {

json status(const char* state, int step = 0, std::int64_t started_ms = 1000) {
    return {{"state", state},
            {"step", step},
            {"weight_percent", step == 0 ? 50 : 100},
            {"started_ms", started_ms}};
}

struct ScriptedAgent {
    std::vector<std::string> calls;
    std::deque<json> statuses;  // answers to GET /v1/rollout, the last repeats; null = unreachable
    json last = status("none");
    AgentCallFn fn() {
        return [this](std::string_view method, std::string_view path, const json*) {
            calls.push_back(std::string(method) + " " + std::string(path));
            Result<json> r;
            r.url = std::string(path);
            if (method == "GET") {
                if (!statuses.empty()) {
                    last = statuses.front();
                    statuses.pop_front();
                }
                if (last.is_null()) {
                    r.transport_error = "Connection refused";
                    return r;
                }
                r.http_status = 200;
                r.value = last;
                return r;
            }
            r.http_status = 200;
            r.value =
                method == "POST" && path == "/v1/rollout/start" ? status("progressing") : json::object();
            if (path == "/v1/rollout/abort") last = status("aborted");
            return r;
        };
    }
};

RolloutDrive drive() {
    RolloutDrive d;
    d.enabled = true;
    d.plan.steps = {{50, 2}, {100, 0}};
    return d;
}

}  // namespace

class TestRolloutDriver : public QObject {
    Q_OBJECT
  private slots:
    void startsAfterCheckingThatNoneIsActive() {
        ScriptedAgent a;
        a.statuses = {status("none"), status("progressing")};
        RolloutDriver d(drive(), a.fn());
        QCOMPARE(d.start(), std::string());
        QCOMPARE(a.calls, (std::vector<std::string>{"GET /v1/rollout", "PUT /v1/rollout",
                                                    "POST /v1/rollout/start", "GET /v1/rollout"}));
    }
    void refusesAnActiveRolloutWithoutTouchingIt() {
        ScriptedAgent a;
        a.statuses = {status("paused")};
        RolloutDriver d(drive(), a.fn());
        QVERIFY(d.start().find("already has an active rollout") != std::string::npos);
        QCOMPARE(a.calls.size(), std::size_t(1));
    }
    void promotedPasses() {
        ScriptedAgent a;
        a.statuses = {status("none"), status("progressing"), status("progressing", 1), status("promoted", 1)};
        RolloutDriver d(drive(), a.fn());
        QCOMPARE(d.start(), std::string());
        QVERIFY(!d.poll(1));
        QVERIFY(d.poll(2));
        const RolloutResult r = d.finish(2);
        QVERIFY(r.passed);
        QCOMPARE(r.transitions.size(), std::size_t(3));
    }
    void lostAgentEndsTheRunAsAFailure() {
        ScriptedAgent a;
        a.statuses = {status("none"), status("progressing"), json()};  // then unreachable for good
        RolloutDriver d(drive(), a.fn());
        QCOMPARE(d.start(), std::string());
        for (int i = 1; i < 10; ++i)
            QVERIFY2(!d.poll(i), qPrintable(QString::number(i)));
        QVERIFY(d.poll(10));  // the 10th unanswered read in a row
        const RolloutResult r = d.finish(10);
        QVERIFY(!r.passed);
        QVERIFY2(r.note.rfind("lost the agent for 10 s", 0) == 0, r.note.c_str());
        // No abort is attempted against an agent that does not answer.
        QVERIFY(std::find(a.calls.begin(), a.calls.end(), "POST /v1/rollout/abort") == a.calls.end());
    }
    void oneMissedReadIsForgiven() {
        ScriptedAgent a;
        a.statuses = {status("none"), status("progressing"), json(), status("promoted", 1)};
        RolloutDriver d(drive(), a.fn());
        QCOMPARE(d.start(), std::string());
        QVERIFY(!d.poll(1));
        QVERIFY(d.poll(2));
        QVERIFY(d.finish(2).passed);
    }
    void outlivedRolloutIsAborted() {
        ScriptedAgent a;
        a.statuses = {status("none"), status("progressing")};
        RolloutDriver d(drive(), a.fn());
        QCOMPARE(d.start(), std::string());
        const RolloutResult r = d.finish(5);
        QVERIFY(r.aborted_by_run);
        QCOMPARE(r.state, std::string("aborted"));
        QVERIFY(!r.passed);
    }
    void restartedBySomeoneElseFails() {
        ScriptedAgent a;
        a.statuses = {status("none"), status("progressing"), status("promoted", 1, 2000)};
        RolloutDriver d(drive(), a.fn());
        QCOMPARE(d.start(), std::string());
        QVERIFY(d.poll(1));
        QVERIFY(!d.finish(1).passed);
    }
};

QTEST_GUILESS_MAIN(TestRolloutDriver)
#include "tst_rollout_driver.moc"
