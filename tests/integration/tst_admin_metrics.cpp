// Data endpoints: /metrics passes `promtool check metrics` on live output, /v1/snapshot reflects recorded
// traffic, /v1/info describes the agent, /healthz answers; and the redline-agent-demo executable serves the
// same API end to end (READY line, token files, SIGTERM).
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/snapshot.h"
#include "tests/support/agent_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/raw_http.h"

using namespace redline::test;
using nlohmann::json;
using redline::agent::CacheOutcome;
using redline::agent::Role;

namespace {
void record_traffic(AgentFixture& f) {
    auto& a = f.agent();
    const auto& h = f.handles();
    for (int i = 0; i < 200; ++i) {
        a.record(h[0], 200, std::chrono::microseconds(500 + i * 37), CacheOutcome::Hit);
        a.record(h[1], i % 10 == 0 ? 404 : 200, std::chrono::milliseconds(2 + i % 7), CacheOutcome::Miss);
        a.record(h[3], i % 50 == 0 ? 500 : 201, std::chrono::milliseconds(20 + i % 13));
        a.record(h[6], 200, std::chrono::milliseconds(3));  // canary GET /v1/products/{id}
    }
    a.record_rate_limit(h[1], redline::agent::RateLimitOutcome::Rejected);
    a.record(h[1], 429, std::chrono::microseconds(50));
    a.close_epoch(std::time(nullptr));
}
}  // namespace

class TestAdminMetrics : public QObject {
    Q_OBJECT

  private slots:
    void healthz() {
        AgentFixture f;
        RawResponse r = http_request(f.port(), "GET", "/healthz");
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, 200);
        QCOMPARE(parse_json(r.body), json({{"status", "ok"}}));
    }

    void promtool_accepts_live_metrics() {
        AgentFixture f;
        record_traffic(f);
        RawResponse r = http_request(f.port(), "GET", "/metrics");
        QCOMPARE(r.status, 200);
        QVERIFY(QString::fromStdString(r.header("content-type")).startsWith("text/plain; version=0.0.4"));
        QVERIFY2(r.body.find("# TYPE") != std::string::npos, r.body.substr(0, 500).c_str());
        QVERIFY(r.body.find("version=\"canary\"") != std::string::npos);
        const QString promtool = QStringLiteral(REDLINE_PROMTOOL);
        if (promtool.isEmpty()) QSKIP("promtool not found at configure time");
        QProcess p;
        p.start(promtool, {"check", "metrics"});
        QVERIFY(p.waitForStarted(10'000));
        p.write(QByteArray::fromStdString(r.body));
        p.closeWriteChannel();
        QVERIFY(p.waitForFinished(30'000));
        QByteArray out = p.readAllStandardOutput() + p.readAllStandardError();
        QVERIFY2(p.exitCode() == 0, out.constData());
        QVERIFY2(out.trimmed().isEmpty(), out.constData());  // no lint findings either
    }

    void snapshot_reflects_recorded_traffic() {
        AgentFixture f;
        record_traffic(f);
        RawResponse r = http_request(f.port(), "GET", "/v1/snapshot?window=10s", f.auth(Role::Viewer));
        QCOMPARE(r.status, 200);
        std::string err;
        auto s = redline::parse_snapshot(r.body, &err);
        QVERIFY2(s.has_value(), err.c_str());
        QCOMPARE(s->window_s, 10);
        QCOMPARE(s->service, std::string("tst-agent"));
        QCOMPARE(s->agent_id, f.agent().agent_id());
        QCOMPARE(s->series.size(), std::size_t(10));
        QCOMPARE(s->series[0].requests, std::uint64_t(200));
        QCOMPARE(s->series[1].requests, std::uint64_t(201));
        QVERIFY(s->series[1].by_code.count(404) == 1);
        QCOMPARE(s->series[1].by_code.at(404), std::uint64_t(20));
        QCOMPARE(s->series[1].rl_rejected, std::uint64_t(1));
        QCOMPARE(s->series[3].errors, std::uint64_t(4));
        QCOMPARE(s->series[6].version, std::string("canary"));
        QCOMPARE(s->total.requests, std::uint64_t(801));
        QVERIFY(s->last_event_id >= 1);
    }

    void info_describes_agent() {
        AgentFixture f;
        RawResponse r = http_request(f.port(), "GET", "/v1/info", f.auth(Role::Viewer));
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, 200);
        json j = parse_json(r.body);
        QVERIFY2(j.is_object(), r.body.c_str());
        QCOMPARE(json_string(j, "/agent_id"), f.agent().agent_id());
        QCOMPARE(json_string(j, "/service"), std::string("tst-agent"));
        QCOMPARE(json_size(j, "/routes"), 5L);
        QCOMPARE(json_string(j, "/routes/1"), std::string("GET /v1/products/{id}"));
        QCOMPARE(json_at(j, "/versions"), json({"stable", "canary"}));
        QCOMPARE(json_at(j, "/controls"), json({"canary", "limits"}));
        QCOMPARE(json_string(j, "/role"), std::string("viewer"));
        QVERIFY(json_number(j, "/started_ms") > 0);
        QVERIFY(json_string(j, "/agent_version") != "<missing>");
        QVERIFY(!json_string(j, "/agent_version").empty());
    }

    void demo_executable_end_to_end() {
        QTemporaryDir dir;
        ChildProcess demo;
        QString error;
        QString bin = ChildProcess::binary("agents/redline-agent-demo");
        QVERIFY2(QFile::exists(bin), qPrintable(bin));
        QVERIFY2(demo.start(
                     bin, {"--admin-listen", "127.0.0.1:0", "--data-dir", dir.path() + "/d", "--rate", "300"},
                     30'000, &error),
                 qPrintable(error));
        QVERIFY(demo.api_url().isEmpty());
        QVERIFY(demo.admin_url().startsWith("http://127.0.0.1:"));
        std::uint16_t port = std::uint16_t(QUrl(demo.admin_url()).port());
        std::string viewer = demo.token("viewer").toStdString();
        QCOMPARE(viewer.size(), std::size_t(64));
        // Within a few seconds the synthetic traffic shows up in the 10 s window.
        bool traffic = false;
        for (int i = 0; i < 60 && !traffic; ++i) {
            RawResponse r = http_request(port, "GET", "/v1/snapshot?window=10s", bearer(viewer));
            QCOMPARE(r.status, 200);
            auto s = redline::parse_snapshot(r.body);
            QVERIFY(s.has_value());
            QCOMPARE(s->series.size(), std::size_t(10));
            traffic = s->total.requests > 100;
            if (!traffic) QTest::qWait(100);
        }
        QVERIFY(traffic);
        // Canary weight changes route traffic to the canary series.
        RawResponse put =
            http_request(port, "PUT", "/v1/canary", bearer(demo.token("operator").toStdString()),
                         R"({"weight_percent":50})");
        QCOMPARE(put.status, 200);
        QCOMPARE(demo.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TestAdminMetrics)
#include "tst_admin_metrics.moc"
