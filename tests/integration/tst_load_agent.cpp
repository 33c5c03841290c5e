// Load runs through the agent (/v1/loadtests): start, 409 for a second run, progress/finish events, stop with
// DELETE, the allow-list (resolved address, numeric spellings, other hosts/ports, redirects), caps, roles and
// the server-side SLO guard. The "API server" is a local test server; the agent is a real in-process Agent.
#include <QtTest>
#include <atomic>
#include <thread>

#include "agents/agent/loadtests.h"
#include "core/agent_client.h"
#include "tests/support/agent_fixture.h"
#include "tests/support/raw_http.h"
#include "tst_load_server.h"

using namespace redline;
using nlohmann::json;
using redline::test::AgentFixture;
using redline::test::LoadTestServer;

namespace {

struct Harness {
    explicit Harness(bool clock = false, int progress_ms = 200) {
        agent::LoadtestOptions o;
        o.api_url = srv.url();
        o.max_rate = 500;
        o.max_connections = 8;
        o.max_duration_s = 60;
        o.progress_interval_ms = progress_ms;
        o.scenario_dirs = {std::string(REDLINE_SOURCE_DIR) + "/resources/scenarios"};
        fx = std::make_unique<AgentFixture>(
            [clock](agent::AgentOptions& a) { a.clock = clock; },
            [this, o](agent::Agent& a) { svc = agent::install_loadtests(a, o); });
        op = std::make_unique<AgentClient>(fx->agent().admin_url(), fx->operator_token());
        viewer = std::make_unique<AgentClient>(fx->agent().admin_url(), fx->viewer_token());
    }
    ~Harness() {
        svc->shutdown();
        fx.reset();
    }
    Result<json> post(const json& body) { return op->call_json("POST", "/v1/loadtests", &body); }
    json wait_finished(const std::string& id, int timeout_ms = 20000) {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeout_ms) {
            auto r = viewer->call_json("GET", "/v1/loadtests/" + id);
            if (r.ok() && (*r.value)["state"] == "finished" && !(*r.value)["summary"].is_null())
                return *r.value;
            QTest::qWait(50);
        }
        return {};
    }
    std::vector<Event> events() {
        auto r = viewer->events(0, 1000);
        return r.ok() ? r.value->events : std::vector<Event>{};
    }
    int count(const std::string& kind) {
        int n = 0;
        for (const auto& e : events())
            n += e.kind == kind;
        return n;
    }

    LoadTestServer srv;
    std::shared_ptr<agent::LoadtestService> svc;
    std::unique_ptr<AgentFixture> fx;
    std::unique_ptr<AgentClient> op, viewer;
};

json inline_scenario(const std::string& target, double rate, double duration, const std::string& path = "/") {
    json s{{"name", "inline"}, {"executor", "constant-arrival-rate"},
           {"rate", rate},     {"duration_s", duration},
           {"connections", 4}, {"requests", json::array({{{"path", path}}})}};
    if (!target.empty()) s["target"] = target;
    return s;
}

bool has_field_error(const Result<json>& r, const std::string& field) {
    if (!r.problem) return false;
    for (const auto& e : r.problem->errors)
        if (e.field == field) return true;
    return false;
}

}  // namespace

class TestLoadAgent : public QObject {
    Q_OBJECT
  private slots:
    void start_conflict_stop() {
        Harness h;
        auto r = h.post({{"scenario", inline_scenario("", 50, 30)}});
        QVERIFY2(r.ok(), r.error_message().c_str());
        QCOMPARE(r.http_status, 201L);
        const std::string id = (*r.value)["id"];
        QVERIFY(h.svc->running());
        auto again = h.post({{"scenario", inline_scenario("", 10, 1)}});
        QCOMPARE(again.http_status, 409L);
        auto g = h.viewer->call_json("GET", "/v1/loadtests/" + id);
        QVERIFY(g.ok());
        QCOMPARE((*g.value)["id"].get<std::string>(), id);
        QTRY_VERIFY_WITH_TIMEOUT(h.srv.requests.load() > 10, 10000);
        QCOMPARE(h.viewer->call_json("DELETE", "/v1/loadtests/" + id).http_status,
                 403L);  // viewer may not stop
        auto d = h.op->call_json("DELETE", "/v1/loadtests/" + id);
        QCOMPARE(d.http_status, 202L);
        const json done = h.wait_finished(id);
        QVERIFY(!done.is_null());
        QCOMPARE(done["summary"]["outcome"].get<std::string>(), std::string("stopped"));
        QTRY_VERIFY_WITH_TIMEOUT(!h.svc->running(),
                                 5000);  // the worker clears the slot just after publishing the summary
        QCOMPARE(h.count("loadtest.started"), 1);
        QTRY_COMPARE_WITH_TIMEOUT(h.count("loadtest.aborted"), 1, 5000);
        bool operator_stop = false;
        for (const auto& e : h.events())
            if (e.kind == "loadtest.aborted")
                operator_stop = e.actor == "operator" && e.after["outcome"] == "stopped";
        QVERIFY(operator_stop);
        QCOMPARE(h.op->call_json("GET", "/v1/loadtests/nope").http_status, 404L);
        // A finished run no longer blocks a new one.
        auto next = h.post({{"scenario", inline_scenario("", 20, 0.5)}});
        QCOMPARE(next.http_status, 201L);
        QVERIFY(!h.wait_finished((*next.value)["id"]).is_null());
    }

    void builtin_runs_against_the_hosts_api_with_progress() {
        Harness h;
        auto r = h.post({{"scenario", "smoke"}, {"duration_s", 1.5}});
        QVERIFY2(r.ok(), r.error_message().c_str());
        const json done = h.wait_finished((*r.value)["id"]);
        QVERIFY(!done.is_null());
        QCOMPARE(done["summary"]["target"].get<std::string>(), h.srv.url());
        QVERIFY(h.srv.requests.load() > 0);
        QCOMPARE(done["summary"]["completed"].get<std::uint64_t>(), h.srv.requests.load());
        QTRY_COMPARE_WITH_TIMEOUT(h.count("loadtest.finished"), 1, 5000);
        QVERIFY(h.count("loadtest.progress") >= 2);
        // The start is audited (actor operator); progress is not.
        const auto audit = h.fx->audit_lines();
        bool started = false, progress = false;
        for (const auto& l : audit) {
            started = started || l.find("loadtest.started") != std::string::npos;
            progress = progress || l.find("loadtest.progress") != std::string::npos;
        }
        QVERIFY(started);
        QVERIFY(!progress);
    }

    void allow_list_refuses_data() {
        QTest::addColumn<QString>("target");  // %1 = API port, %2 = another port
        QTest::newRow("127.0.0.2") << "http://127.0.0.2:%1";
        QTest::newRow("other port") << "http://127.0.0.1:%2";
        QTest::newRow("decimal spelling") << "http://2130706433:%1";
        QTest::newRow("hex spelling") << "http://0x7f.1:%1";
        QTest::newRow("short spelling") << "http://127.1:%1";
        QTest::newRow("octal spelling") << "http://0177.0.0.1:%1";
        QTest::newRow("ipv6 loopback") << "http://[::1]:%1";
        QTest::newRow("decimal other host") << "http://2130706434:%1";
        QTest::newRow("name") << "http://example.invalid:%1";
        QTest::newRow("trailing dot") << "http://localhost.:%1";
        // https:// targets pass the same check: the scheme changes nothing about where the load may go.
        QTest::newRow("https other port") << "https://127.0.0.1:%2";
        QTest::newRow("https 127.0.0.2") << "https://127.0.0.2:%1";
        QTest::newRow("https decimal spelling") << "https://2130706433:%1";
        QTest::newRow("https default port") << "https://127.0.0.1";
        QTest::newRow("https name") << "https://example.invalid:%1";
    }
    void allow_list_refuses() {
        QFETCH(QString, target);
        Harness h;
        LoadTestServer other;
        const std::string t = QString(target)
                                  .replace("%1", QString::number(h.srv.port()))
                                  .replace("%2", QString::number(other.port()))
                                  .toStdString();
        auto r = h.post({{"scenario", "smoke"}, {"target", t}});
        QCOMPARE(r.http_status, 403L);
        auto r2 = h.post({{"scenario", inline_scenario(t, 10, 1)}});
        QCOMPARE(r2.http_status, 403L);
        QVERIFY(!h.svc->running());
        QCOMPARE(h.srv.connections.load(), std::uint64_t(0));
        QCOMPARE(other.connections.load(), std::uint64_t(0));
        QCOMPARE(h.count("loadtest.started"), 0);
    }

    void allow_list_accepts_the_api_address() {
        Harness h;
        auto r = h.post({{"scenario", inline_scenario(h.srv.url(), 20, 0.5)}});
        QCOMPARE(r.http_status, 201L);
        QVERIFY(!h.wait_finished((*r.value)["id"]).is_null());
        auto l = h.post({{"scenario", inline_scenario("", 20, 0.5)},
                         {"target", "http://localhost:" + std::to_string(h.srv.port())}});
        QCOMPARE(l.http_status, 201L);  // localhost resolves (also) to the API address; only that one is used
        QVERIFY(!h.wait_finished((*l.value)["id"]).is_null());
    }

    // Inline data rows are what the agent accepts instead of a data.file: the run uses each row once.
    void inline_data_rows_run_through_the_agent() {
        Harness h;
        json sc = inline_scenario("", 50, 5, "/rows/{{n}}");
        sc["data"] = {{"rows", json::array({{{"n", 1}}, {{"n", 2}}, {{"n", 3}}})}, {"mode", "unique"}};
        auto r = h.post({{"scenario", sc}});
        QCOMPARE(r.http_status, 201L);
        const json done = h.wait_finished((*r.value)["id"]);
        QVERIFY(!done.is_null());
        QCOMPARE(done["summary"]["completed"].get<int>(), 3);
        QVERIFY2(
            done["summary"]["reason"].get<std::string>().find("all 3 data rows used") != std::string::npos,
            done.dump().c_str());
    }

    void https_to_the_api_address_fails_before_any_request() {
        // The allow-list lets https:// name the API server; its plain-HTTP port fails the TLS handshake,
        // which ends the run as an error before any request (no run of failed requests against the host).
        Harness h;
        auto r = h.post({{"scenario", inline_scenario("", 20, 0.5)},
                         {"target", "https://127.0.0.1:" + std::to_string(h.srv.port())}});
        QCOMPARE(r.http_status, 201L);
        const json done = h.wait_finished((*r.value)["id"]);
        QCOMPARE(done["summary"]["outcome"].get<std::string>(), std::string("error"));
        const std::string err = done["summary"]["error"].get<std::string>();
        QVERIFY2(err.find("TLS handshake with 127.0.0.1:") != std::string::npos, err.c_str());
        QCOMPARE(h.srv.requests.load(), std::uint64_t(0));
    }

    void redirects_are_not_followed() {
        Harness h;
        LoadTestServer elsewhere;
        h.srv.set_redirect(elsewhere.url() + "/");
        auto r = h.post({{"scenario", inline_scenario("", 50, 1, "/redirect")}});
        QCOMPARE(r.http_status, 201L);
        const json done = h.wait_finished((*r.value)["id"]);
        QVERIFY(done["summary"]["by_status"].contains("302"));
        QCOMPARE(elsewhere.connections.load(), std::uint64_t(0));
    }

    void caps_and_validation_data() {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("field");
        QTest::newRow("rate cap") << R"({"scenario":"baseline","rate":1000})"
                                  << "rate";
        QTest::newRow("rate cap inline")
            << R"({"scenario":{"name":"x","executor":"constant-arrival-rate","rate":900,"duration_s":1,"requests":[{"path":"/"}]}})"
            << "rate";
        QTest::newRow("connections cap") << R"({"scenario":"baseline","rate":10,"connections":100})"
                                         << "connections";
        QTest::newRow("vus cap") << R"({"scenario":"smoke","vus":50})"
                                 << "vus";
        QTest::newRow("duration cap") << R"({"scenario":"soak"})"
                                      << "duration_s";
        QTest::newRow("unknown field") << R"({"scenario":"smoke","turbo":true})"
                                       << "turbo";
        QTest::newRow("missing scenario") << R"({})"
                                          << "scenario";
        QTest::newRow("path as scenario") << R"({"scenario":"../../etc/passwd"})"
                                          << "scenario";
        QTest::newRow("unknown builtin") << R"({"scenario":"nope"})"
                                         << "scenario";
        QTest::newRow("invalid inline")
            << R"({"scenario":{"name":"x","executor":"constant-vus","vus":1,"duration_s":1}})"
            << "scenario.requests";
        // A posted scenario must not make the agent read a file (like --cacert, data.file is CLI-only).
        QTest::newRow("data file")
            << R"({"scenario":{"name":"x","executor":"constant-vus","vus":1,"duration_s":1,"data":{"file":"/etc/passwd"},"requests":[{"path":"/{{root}}"}]}})"
            << "scenario.data.file";
        QTest::newRow("bad rate type") << R"({"scenario":"baseline","rate":"fast"})"
                                       << "rate";
        QTest::newRow("guard route") << R"({"scenario":"smoke","guard":{"route":"GET /nope","p99_ms":10}})"
                                     << "guard.route";
        QTest::newRow("guard bound") << R"({"scenario":"smoke","guard":{"route":"GET /v1/products/{id}"}})"
                                     << "guard.p99_ms";
    }
    void caps_and_validation() {
        QFETCH(QString, body);
        QFETCH(QString, field);
        Harness h;
        auto r = h.post(json::parse(body.toStdString()));
        QCOMPARE(r.http_status, 400L);
        QVERIFY2(has_field_error(r, field.toStdString()), r.error_message().c_str());
        QVERIFY(!h.svc->running());
        QCOMPARE(h.srv.connections.load(), std::uint64_t(0));
    }

    void viewer_cannot_start() {
        Harness h;
        const json body{{"scenario", "smoke"}};
        auto r = h.viewer->call_json("POST", "/v1/loadtests", &body);
        QCOMPARE(r.http_status, 403L);
        QVERIFY(h.viewer->call_json("GET", "/v1/loadtests").ok());
    }

    // Exact routing: only /v1/loadtests and /v1/loadtests/{id} exist; unknown query parameters are refused
    // before a handler runs. None of these may start a run.
    void routing_is_exact_data() {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("target");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("allow");  // expected Allow header (405), sorted, or empty
        QTest::addColumn<QString>("field");  // expected field error (400), or empty
        QTest::newRow("POST on a run id") << "POST"
                                          << "/v1/loadtests/anything" << 405 << "DELETE, GET"
                                          << "";
        QTest::newRow("POST two segments") << "POST"
                                           << "/v1/loadtests/a/b" << 404 << ""
                                           << "";
        QTest::newRow("GET two segments") << "GET"
                                          << "/v1/loadtests/a/b" << 404 << ""
                                          << "";
        QTest::newRow("DELETE two segments") << "DELETE"
                                             << "/v1/loadtests/a/b" << 404 << ""
                                             << "";
        QTest::newRow("POST trailing slash") << "POST"
                                             << "/v1/loadtests/" << 404 << ""
                                             << "";
        QTest::newRow("POST prefix lookalike") << "POST"
                                               << "/v1/loadtestsx" << 404 << ""
                                               << "";
        QTest::newRow("POST unknown query") << "POST"
                                            << "/v1/loadtests?dry_run=1" << 400 << ""
                                            << "dry_run";
        QTest::newRow("GET unknown query") << "GET"
                                           << "/v1/loadtests?state=running" << 400 << ""
                                           << "state";
        QTest::newRow("GET id unknown query") << "GET"
                                              << "/v1/loadtests/x?full=1" << 400 << ""
                                              << "full";
        QTest::newRow("DELETE no id") << "DELETE"
                                      << "/v1/loadtests" << 405 << "GET, POST"
                                      << "";
        QTest::newRow("PUT no id") << "PUT"
                                   << "/v1/loadtests" << 405 << "GET, POST"
                                   << "";
    }
    void routing_is_exact() {
        QFETCH(QString, method);
        QFETCH(QString, target);
        QFETCH(int, status);
        QFETCH(QString, allow);
        QFETCH(QString, field);
        Harness h;
        // Only POST and PUT carry the body: a body on GET/DELETE is refused as such (400) before routing
        // details.
        const std::string body = method == "POST" || method == "PUT"
                                     ? json{{"scenario", inline_scenario("", 20, 5)}}.dump()
                                     : std::string();
        const auto r = test::http_request(h.fx->port(), method.toStdString(), target.toStdString(),
                                          h.fx->auth(agent::Role::Operator), body);
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, status);
        QCOMPARE(QString::fromStdString(r.header("content-type")), QString("application/problem+json"));
        QStringList got = QString::fromStdString(r.header("allow")).split(',', Qt::SkipEmptyParts);
        for (auto& m : got)
            m = m.trimmed();
        got.sort();
        QCOMPARE(got.join(", "), allow);
        if (!field.isEmpty()) {
            bool named = false;
            for (const auto& e : test::json_at(test::parse_json(r.body), "/errors"))
                named = named || test::json_string(e, "/field") == field.toStdString();
            QVERIFY2(named, r.body.c_str());
        }
        QVERIFY(!h.svc->running());
        QCOMPARE(h.count("loadtest.started"), 0);
        QCOMPARE(h.srv.connections.load(), std::uint64_t(0));
    }

    void slo_guard_stops_the_run() {
        Harness h(/*clock=*/true);
        // The host's own view of the route: every request of "GET /v1/products/{id}" takes 300 ms.
        std::atomic<bool> stop{false};
        const auto handle = h.fx->handles()[1];  // GET /v1/products/{id}, stable
        std::thread host([&] {
            while (!stop) {
                h.fx->agent().record(handle, 200, std::chrono::milliseconds(300));
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        });
        auto r = h.post({{"scenario", inline_scenario("", 20, 30)},
                         {"guard", {{"route", "GET /v1/products/{id}"}, {"p99_ms", 50}, {"for_s", 2}}}});
        QVERIFY2(r.ok(), r.error_message().c_str());
        const json done = h.wait_finished((*r.value)["id"], 20000);
        stop = true;
        host.join();
        QVERIFY(!done.is_null());
        QCOMPARE(done["summary"]["outcome"].get<std::string>(), std::string("aborted"));
        QVERIFY(done["summary"]["duration_s"].get<double>() < 20);
        const std::string reason = done["summary"]["reason"];
        QVERIFY2(reason.find("p99 < 50ms") != std::string::npos, reason.c_str());
        QTRY_COMPARE_WITH_TIMEOUT(h.count("loadtest.aborted"), 1, 5000);
    }
};

QTEST_GUILESS_MAIN(TestLoadAgent)
#include "tst_load_agent.moc"
