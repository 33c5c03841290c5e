// AgentClient, Result messages, AgentInfo JSON, token files and StreamConsumer: against a closed loopback
// port (transport errors) and against a real redline-agent-demo process (HTTP statuses, problem details,
// typed values, the SSE stream, reconnection after the agent restarts on the same port).
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <mutex>
#include <vector>

#include "core/agent_client.h"
#include "core/stream_consumer.h"
#include "tests/support/child_process.h"

using namespace redline;
using redline::test::ChildProcess;

namespace {

// Collects everything a StreamConsumer reports; callbacks run on its worker thread.
struct Recorder {
    std::mutex mu;
    std::vector<Snapshot> snapshots;
    std::vector<Event> events;
    std::vector<std::pair<StreamState, std::string>> states;

    StreamConsumer::Callbacks callbacks() {
        StreamConsumer::Callbacks cb;
        cb.on_snapshot = [this](Snapshot s) {
            std::lock_guard lock(mu);
            snapshots.push_back(std::move(s));
        };
        cb.on_event = [this](Event e) {
            std::lock_guard lock(mu);
            events.push_back(std::move(e));
        };
        cb.on_state = [this](StreamState s, std::string reason) {
            std::lock_guard lock(mu);
            states.emplace_back(s, std::move(reason));
        };
        return cb;
    }
    std::size_t snapshot_count() {
        std::lock_guard lock(mu);
        return snapshots.size();
    }
    std::optional<std::pair<StreamState, std::string>> last_state() {
        std::lock_guard lock(mu);
        if (states.empty()) return std::nullopt;
        return states.back();
    }
    bool saw_state(StreamState s) {
        std::lock_guard lock(mu);
        for (const auto& st : states)
            if (st.first == s) return true;
        return false;
    }
    std::vector<Event> events_copy() {
        std::lock_guard lock(mu);
        return events;
    }
};

QString closed_port_url() {
    return QStringLiteral("http://127.0.0.1:%1").arg(ChildProcess::free_port());
}

}  // namespace

class TestAgentClient : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void cleanupTestCase();

    // Offline.
    void refusedIsTransportError();
    void resultMessages();
    void agentInfoJsonRoundTrip();
    void agentInfoRejectsMalformed();
    void tokenFile_data();
    void tokenFile();
    void streamRefusedReportsDisconnected();

    // Against redline-agent-demo.
    void infoAndHealth();
    void snapshotWindows_data();
    void snapshotWindows();
    void authStatuses_data();
    void authStatuses();
    void operatorChangesCanary();
    void invalidLimitsKeepState();
    void limitsRoundTrip();
    void eventsCursor();
    void metricsText();
    void notFoundAndMethodNotAllowed();
    void streamDeliversSnapshotsAndEvents();
    void streamBadTokenIsDisconnected();
    void streamReconnectsAfterRestart();

  private:
    QTemporaryDir dir_;
    ChildProcess agent_;
    std::string url_, viewer_, operator_;
    std::unique_ptr<CurlGlobal> curl_;
};

void TestAgentClient::initTestCase() {
    curl_ = std::make_unique<CurlGlobal>();
    QVERIFY(dir_.isValid());
    QString error;
    QVERIFY2(agent_.start(ChildProcess::binary("agents/redline-agent-demo"),
                          {"--admin-listen", "127.0.0.1:0", "--data-dir", dir_.path()}, 30'000, &error),
             qPrintable(error));
    url_ = agent_.admin_url().toStdString();
    viewer_ = agent_.token("viewer").toStdString();
    operator_ = agent_.token("operator").toStdString();
    QVERIFY(!url_.empty());
    QCOMPARE(operator_.size(), std::size_t{64});
    QCOMPARE(viewer_.size(), std::size_t{64});
}

void TestAgentClient::cleanupTestCase() {
    agent_.stop();
}

void TestAgentClient::refusedIsTransportError() {
    const std::string url = closed_port_url().toStdString();
    AgentClient c(url, "token", std::chrono::seconds(3));
    const HttpResponse raw = c.request("GET", "/healthz");
    QVERIFY(!raw.transport_ok());
    QCOMPARE(raw.status, 0L);

    const Result<AgentInfo> r = c.info();
    QVERIFY(!r.ok());
    QVERIFY(!r.transport_error.empty());
    QCOMPARE(r.http_status, 0L);
    QVERIFY(!r.problem.has_value());
    QVERIFY(r.protocol_error.empty());
    const std::string msg = r.error_message();
    QVERIFY2(msg.rfind("cannot reach " + url + "/v1/info: ", 0) == 0, msg.c_str());
    QVERIFY(msg.find('\n') == std::string::npos);
}

void TestAgentClient::resultMessages() {
    Result<CanaryConfig> p;
    p.url = "http://127.0.0.1:9/v1/canary";
    p.http_status = 403;
    p.problem = Problem::make(403, "", "viewer token cannot change state");
    QCOMPARE(QString::fromStdString(p.error_message()),
             QStringLiteral("403 Forbidden: viewer token cannot change state"));

    Result<CanaryConfig> s;
    s.url = "http://127.0.0.1:9/v1/canary";
    s.http_status = 502;
    QCOMPARE(QString::fromStdString(s.error_message()),
             QStringLiteral("502 Bad Gateway from http://127.0.0.1:9/v1/canary"));

    Result<Snapshot> pe;
    pe.url = "http://x/v1/snapshot";
    pe.http_status = 200;
    pe.protocol_error = "missing field";
    QCOMPARE(QString::fromStdString(pe.error_message()),
             QStringLiteral("invalid response from http://x/v1/snapshot: missing field"));

    Result<Snapshot> ok;
    ok.value = Snapshot{};
    QVERIFY(ok.ok());
    QVERIFY(ok.error_message().empty());
}

void TestAgentClient::agentInfoJsonRoundTrip() {
    AgentInfo a;
    a.agent_id = "abc";
    a.service = "redline-agent-demo";
    a.service_version = "0.1.0";
    a.agent_version = "0.1.0";
    a.started_ms = 1'700'000'000'000;
    a.routes = {"GET /v1/products", "POST /v1/orders"};
    a.versions = {"stable", "canary"};
    a.controls = {"limits", "canary"};
    a.role = "viewer";
    const nlohmann::json j = a;
    const AgentInfo b = j.get<AgentInfo>();
    QCOMPARE(b.agent_id, a.agent_id);
    QCOMPARE(b.routes, a.routes);
    QCOMPARE(b.versions, a.versions);
    QCOMPARE(b.controls, a.controls);
    QCOMPARE(b.role, a.role);
    QCOMPARE(b.started_ms, a.started_ms);
    QCOMPARE(nlohmann::json(b), j);
}

void TestAgentClient::agentInfoRejectsMalformed() {
    QVERIFY_THROWS_EXCEPTION(nlohmann::json::exception, nlohmann::json::parse("[]").get<AgentInfo>());
    QVERIFY_THROWS_EXCEPTION(nlohmann::json::exception,
                             nlohmann::json::parse(R"({"service":"s","routes":[]})").get<AgentInfo>());
    QVERIFY_THROWS_EXCEPTION(
        nlohmann::json::exception,
        nlohmann::json::parse(R"({"agent_id":1,"service":"s","routes":[]})").get<AgentInfo>());
}

void TestAgentClient::tokenFile_data() {
    QTest::addColumn<QByteArray>("content");  // "<missing>" = no file
    QTest::addColumn<QString>("expected");    // empty = error
    QTest::newRow("plain") << QByteArray("abc123") << "abc123";
    QTest::newRow("trailing newline") << QByteArray("abc123\n") << "abc123";
    QTest::newRow("CRLF and spaces") << QByteArray("  abc123 \r\nsecond line\n") << "abc123";
    QTest::newRow("empty") << QByteArray("") << "";
    QTest::newRow("blank line") << QByteArray(" \n") << "";
    QTest::newRow("missing") << QByteArray("<missing>") << "";
}

void TestAgentClient::tokenFile() {
    QFETCH(QByteArray, content);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    const std::string path = (tmp.path() + "/token").toStdString();
    if (content != "<missing>") {
        std::ofstream(path, std::ios::binary) << content.toStdString();
    }
    std::string error;
    const auto tok = read_token_file(path, &error);
    if (expected.isEmpty()) {
        QVERIFY(!tok);
        QVERIFY(error.find(path) != std::string::npos);
    } else {
        QVERIFY(tok);
        QCOMPARE(QString::fromStdString(*tok), expected);
    }
}

void TestAgentClient::streamRefusedReportsDisconnected() {
    Recorder rec;
    StreamConsumer::Options opt;
    opt.base_url = closed_port_url().toStdString();
    opt.backoff_initial = std::chrono::milliseconds(20);
    opt.backoff_max = std::chrono::milliseconds(100);
    StreamConsumer sc(opt, rec.callbacks());
    sc.start();
    QTRY_VERIFY_WITH_TIMEOUT(rec.saw_state(StreamState::Disconnected), 10'000);
    sc.stop();
    const auto last = rec.last_state();
    QVERIFY(last);
    QCOMPARE(last->first, StreamState::Disconnected);
    QVERIFY(rec.saw_state(StreamState::Connecting));
    QVERIFY(!rec.saw_state(StreamState::Live));
    std::lock_guard lock(rec.mu);
    bool named = false;
    for (const auto& [s, reason] : rec.states)
        if (s == StreamState::Disconnected &&
            reason.find("cannot reach " + opt.base_url) != std::string::npos)
            named = true;
    QVERIFY(named);
}

void TestAgentClient::infoAndHealth() {
    AgentClient c(url_, viewer_);
    const HttpResponse h = c.request("GET", "/healthz");
    QVERIFY(h.transport_ok());
    QCOMPARE(h.status, 200L);
    QCOMPARE(nlohmann::json::parse(h.body).at("status").get<std::string>(), std::string("ok"));

    const auto r = c.info();
    QVERIFY2(r.ok(), r.error_message().c_str());
    QCOMPARE(r.http_status, 200L);
    QCOMPARE(r.value->role, std::string("viewer"));
    QVERIFY(!r.value->agent_id.empty());
    QVERIFY(!r.value->routes.empty());
    // The same client (and connection) keeps working for a series of calls.
    for (int i = 0; i < 5; ++i)
        QVERIFY(c.info().ok());

    AgentClient op(url_, operator_);
    const auto ro = op.info();
    QVERIFY2(ro.ok(), ro.error_message().c_str());
    QCOMPARE(ro.value->role, std::string("operator"));
}

void TestAgentClient::snapshotWindows_data() {
    QTest::addColumn<int>("window");
    QTest::newRow("1s") << 1;
    QTest::newRow("10s") << 10;
    QTest::newRow("60s") << 60;
}

void TestAgentClient::snapshotWindows() {
    QFETCH(int, window);
    AgentClient c(url_, viewer_);
    const auto r = c.snapshot(window);
    QVERIFY2(r.ok(), r.error_message().c_str());
    QCOMPARE(r.value->window_s, window);
    QCOMPARE(r.value->schema, kSnapshotSchemaVersion);
    QVERIFY(!r.value->series.empty());
}

void TestAgentClient::authStatuses_data() {
    QTest::addColumn<QString>("token");  // "viewer", "operator", "none", "wrong"
    QTest::addColumn<int>("getStatus");
    QTest::addColumn<int>("putStatus");
    QTest::newRow("none") << "none" << 401 << 401;
    QTest::newRow("wrong") << "wrong" << 401 << 401;
    QTest::newRow("viewer") << "viewer" << 200 << 403;
}

void TestAgentClient::authStatuses() {
    QFETCH(QString, token);
    QFETCH(int, getStatus);
    QFETCH(int, putStatus);
    std::string t = token == "viewer" ? viewer_ : token == "wrong" ? std::string(64, 'f') : std::string();
    AgentClient c(url_, t);
    const auto g = c.canary();
    QCOMPARE(g.http_status, long(getStatus));
    QVERIFY(g.transport_error.empty());
    if (getStatus != 200) {
        QVERIFY(!g.ok());
        QVERIFY(g.problem.has_value());
        QCOMPARE(g.problem->status, getStatus);
        QVERIFY(g.error_message().rfind(std::to_string(getStatus) + " ", 0) == 0);
    }
    const auto p = c.set_canary(CanaryConfig{});
    QVERIFY(!p.ok());
    QCOMPARE(p.http_status, long(putStatus));
    QVERIFY(p.problem.has_value());
    QCOMPARE(p.problem->status, putStatus);
}

void TestAgentClient::operatorChangesCanary() {
    AgentClient c(url_, operator_);
    CanaryConfig want;
    want.weight_percent = 25;
    want.faults.latency_ms = 40;
    want.faults.latency_jitter_ms = 10;
    want.faults.error_ratio = 0.05;
    const auto set = c.set_canary(want);
    QVERIFY2(set.ok(), set.error_message().c_str());
    QCOMPARE(*set.value, want);
    const auto got = c.canary();
    QVERIFY2(got.ok(), got.error_message().c_str());
    QCOMPARE(*got.value, want);
    QVERIFY(c.set_canary(CanaryConfig{}).ok());
}

void TestAgentClient::invalidLimitsKeepState() {
    AgentClient c(url_, operator_);
    const auto before = c.limits();
    QVERIFY2(before.ok(), before.error_message().c_str());
    const auto info = c.info();
    QVERIFY(info.ok());
    LimitsConfig bad = *before.value;
    RouteLimit l;
    l.rate_per_s = -5;
    bad.routes[info.value->routes.front()] = l;
    const auto r = c.set_limits(bad);
    QVERIFY(!r.ok());
    QCOMPARE(r.http_status, 400L);
    QVERIFY(r.problem.has_value());
    QVERIFY(!r.problem->errors.empty());
    QVERIFY2(r.error_message().find("rate_per_s") != std::string::npos, r.error_message().c_str());
    const auto after = c.limits();
    QVERIFY(after.ok());
    QCOMPARE(*after.value, *before.value);

    // A raw body that is not JSON is a 400 problem too, never a transport error.
    const HttpResponse raw = c.request("PUT", "/v1/limits", "{not json");
    QVERIFY(raw.transport_ok());
    QCOMPARE(raw.status, 400L);
    QVERIFY(Problem::parse(raw.body).has_value());
}

void TestAgentClient::limitsRoundTrip() {
    AgentClient c(url_, operator_);
    const auto info = c.info();
    QVERIFY(info.ok());
    LimitsConfig want;
    RouteLimit l;
    l.rate_per_s = 50;
    l.burst = 120;
    l.mode = LimitMode::Shadow;
    l.scope = LimitScope::Route;
    want.routes[info.value->routes.front()] = l;
    const auto set = c.set_limits(want);
    QVERIFY2(set.ok(), set.error_message().c_str());
    QCOMPARE(*set.value, want);
    const auto got = c.limits();
    QVERIFY(got.ok());
    QCOMPARE(*got.value, want);
    QVERIFY(c.set_limits(LimitsConfig{}).ok());
}

void TestAgentClient::eventsCursor() {
    AgentClient c(url_, operator_);
    const auto first = c.events(0, 1000);
    QVERIFY2(first.ok(), first.error_message().c_str());
    const std::uint64_t cursor = first.value->next_cursor;
    CanaryConfig cfg;
    cfg.weight_percent = 7;
    QVERIFY(c.set_canary(cfg).ok());
    const auto next = c.events(cursor, 10);
    QVERIFY2(next.ok(), next.error_message().c_str());
    QVERIFY(!next.value->events.empty());
    const Event& e = next.value->events.back();
    QVERIFY(e.id > cursor);
    QCOMPARE(e.kind, std::string("canary.changed"));
    QCOMPARE(e.actor, std::string("operator"));
    QCOMPARE(e.after.at("weight_percent").get<double>(), 7.0);
    const auto none = c.events(next.value->next_cursor, 10);
    QVERIFY(none.ok());
    QVERIFY(none.value->events.empty());
    QVERIFY(c.set_canary(CanaryConfig{}).ok());
}

void TestAgentClient::metricsText() {
    AgentClient c(url_, viewer_);
    const auto m = c.metrics();
    QVERIFY2(m.ok(), m.error_message().c_str());
    QVERIFY(m.value->find("# TYPE") != std::string::npos);
}

void TestAgentClient::notFoundAndMethodNotAllowed() {
    AgentClient c(url_, operator_);
    const auto nf = c.call_json("GET", "/v1/does-not-exist");
    QCOMPARE(nf.http_status, 404L);
    QVERIFY(nf.problem.has_value());
    QVERIFY(nf.transport_error.empty());
    const nlohmann::json body = nlohmann::json::object();
    const auto na = c.call_json("PUT", "/v1/info", &body);
    QCOMPARE(na.http_status, 405L);
    QVERIFY(na.problem.has_value());
}

void TestAgentClient::streamDeliversSnapshotsAndEvents() {
    AgentClient op(url_, operator_);
    const auto page = op.events(0, 1000);
    QVERIFY(page.ok());

    Recorder rec;
    StreamConsumer::Options opt;
    opt.base_url = url_;
    opt.token = viewer_;
    opt.interval_ms = 100;
    opt.events_after = page.value->next_cursor;  // only events from now on
    StreamConsumer sc(opt, rec.callbacks());
    sc.start();
    QTRY_VERIFY_WITH_TIMEOUT(rec.snapshot_count() >= 3, 15'000);
    QVERIFY(rec.saw_state(StreamState::Connecting));
    QVERIFY(rec.saw_state(StreamState::Live));

    CanaryConfig cfg;
    cfg.weight_percent = 12;
    QVERIFY(op.set_canary(cfg).ok());
    QTRY_VERIFY_WITH_TIMEOUT(!rec.events_copy().empty(), 15'000);
    const auto events = rec.events_copy();
    for (const Event& e : events)
        QVERIFY(e.id > page.value->next_cursor);
    QCOMPARE(events.back().kind, std::string("canary.changed"));
    sc.stop();
    {
        std::lock_guard lock(rec.mu);
        for (const Snapshot& s : rec.snapshots) {
            QCOMPARE(s.window_s, 1);
            QVERIFY(!s.series.empty());
        }
    }
    QVERIFY(op.set_canary(CanaryConfig{}).ok());
}

void TestAgentClient::streamBadTokenIsDisconnected() {
    Recorder rec;
    StreamConsumer::Options opt;
    opt.base_url = url_;
    opt.token = std::string(64, '0');
    opt.backoff_initial = std::chrono::milliseconds(20);
    opt.backoff_max = std::chrono::milliseconds(200);
    StreamConsumer sc(opt, rec.callbacks());
    sc.start();
    QTRY_VERIFY_WITH_TIMEOUT(rec.saw_state(StreamState::Disconnected), 10'000);
    sc.stop();
    QVERIFY(!rec.saw_state(StreamState::Live));
    QCOMPARE(rec.snapshot_count(), std::size_t{0});
    std::lock_guard lock(rec.mu);
    const auto it = std::find_if(rec.states.begin(), rec.states.end(),
                                 [](const auto& s) { return s.first == StreamState::Disconnected; });
    QVERIFY(it != rec.states.end());
    QVERIFY2(it->second.rfind("401 ", 0) == 0, it->second.c_str());
}

void TestAgentClient::streamReconnectsAfterRestart() {
    QTemporaryDir dir;
    const std::uint16_t port = ChildProcess::free_port();
    QVERIFY(port != 0);
    const QStringList args = {"--admin-listen", QStringLiteral("127.0.0.1:%1").arg(port), "--data-dir",
                              dir.path()};
    ChildProcess agent;
    QString error;
    QVERIFY2(agent.start(ChildProcess::binary("agents/redline-agent-demo"), args, 30'000, &error),
             qPrintable(error));

    Recorder rec;
    StreamConsumer::Options opt;
    opt.base_url = agent.admin_url().toStdString();
    opt.token = agent.token("viewer").toStdString();
    opt.interval_ms = 100;
    opt.backoff_initial = std::chrono::milliseconds(50);
    opt.backoff_max = std::chrono::milliseconds(400);
    StreamConsumer sc(opt, rec.callbacks());
    sc.start();
    QTRY_VERIFY_WITH_TIMEOUT(rec.snapshot_count() >= 2, 15'000);

    agent.stop();
    QTRY_VERIFY_WITH_TIMEOUT(rec.last_state() && rec.last_state()->first == StreamState::Disconnected,
                             15'000);
    const std::size_t before_restart = rec.snapshot_count();

    QVERIFY2(agent.start(ChildProcess::binary("agents/redline-agent-demo"), args, 30'000, &error),
             qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(rec.snapshot_count() >= before_restart + 2, 20'000);
    QTRY_VERIFY_WITH_TIMEOUT(rec.last_state() && rec.last_state()->first == StreamState::Live, 5'000);
    sc.stop();
    agent.stop();
}

QTEST_GUILESS_MAIN(TestAgentClient)
#include "tst_agent_client.moc"
