// Host handler routing (Agent::add_handler): exact path templates with whole-segment parameters handed to the
// handler, the most specific template winning, 404 for unmatched paths, 405 + Allow with exactly the methods
// of the matching template, 400 for query parameters the registration did not declare (before the handler
// runs), and the registrations refused at configuration time.
#include <QtTest>
#include <atomic>
#include <nlohmann/json.hpp>

#include "tests/support/agent_fixture.h"
#include "tests/support/raw_http.h"

using namespace redline::test;
using redline::agent::AdminRequest;
using redline::agent::AdminResponse;
using redline::agent::ConfigError;
using redline::agent::Role;

namespace {

std::atomic<int> g_calls{0};

AdminResponse echo(const AdminRequest& r, const char* which) {
    ++g_calls;
    nlohmann::json params = nlohmann::json::object();
    for (auto& [k, v] : r.params)
        params[k] = v;
    nlohmann::json query = nlohmann::json::object();
    for (auto& [k, v] : r.query)
        query[k] = v;
    return AdminResponse::json(200, {{"handler", which}, {"params", params}, {"query", query}});
}

void install(redline::agent::Agent& a) {
    a.add_handler("GET", "/v1/jobs", Role::Viewer, [](const AdminRequest& r) { return echo(r, "list"); },
                  {"state", "limit"});
    a.add_handler("POST", "/v1/jobs", Role::Operator,
                  [](const AdminRequest& r) { return echo(r, "create"); });
    a.add_handler("GET", "/v1/jobs/{id}", Role::Viewer, [](const AdminRequest& r) { return echo(r, "one"); });
    a.add_handler("DELETE", "/v1/jobs/{id}", Role::Operator,
                  [](const AdminRequest& r) { return echo(r, "delete"); });
    a.add_handler("GET", "/v1/jobs/latest", Role::Viewer,
                  [](const AdminRequest& r) { return echo(r, "latest"); });
    a.add_handler("GET", "/v1/jobs/{id}/steps/{step}", Role::Viewer,
                  [](const AdminRequest& r) { return echo(r, "step"); });
}

QString sorted_allow(const RawResponse& r) {
    QStringList l = QString::fromStdString(r.header("allow")).split(',', Qt::SkipEmptyParts);
    for (auto& m : l)
        m = m.trimmed();
    l.sort();
    return l.join(", ");
}

}  // namespace

class TestAdminRouting : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() { fixture_ = std::make_unique<AgentFixture>(AgentFixture::Tweak{}, install); }
    void cleanupTestCase() { fixture_.reset(); }

    void routes_data() {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("target");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("handler");  // which handler answered (200), or the sorted Allow (405)
        QTest::addColumn<QString>("params");   // params JSON (200) or the field named (400)

        QTest::newRow("list") << "GET"
                              << "/v1/jobs" << 200 << "list"
                              << "{}";
        QTest::newRow("list, declared query") << "GET"
                                              << "/v1/jobs?state=done&limit=3" << 200 << "list"
                                              << "{}";
        QTest::newRow("create") << "POST"
                                << "/v1/jobs" << 200 << "create"
                                << "{}";
        QTest::newRow("one") << "GET"
                             << "/v1/jobs/42" << 200 << "one"
                             << R"({"id":"42"})";
        QTest::newRow("one, decoded") << "GET"
                                      << "/v1/jobs/a%20b" << 200 << "one"
                                      << R"({"id":"a b"})";
        QTest::newRow("literal beats parameter") << "GET"
                                                 << "/v1/jobs/latest" << 200 << "latest"
                                                 << "{}";
        QTest::newRow("two parameters") << "GET"
                                        << "/v1/jobs/7/steps/3" << 200 << "step"
                                        << R"({"id":"7","step":"3"})";
        QTest::newRow("delete") << "DELETE"
                                << "/v1/jobs/9" << 200 << "delete"
                                << R"({"id":"9"})";

        QTest::newRow("extra segment") << "GET"
                                       << "/v1/jobs/7/x" << 404 << ""
                                       << "";
        QTest::newRow("empty parameter") << "GET"
                                         << "/v1/jobs/" << 404 << ""
                                         << "";
        QTest::newRow("double slash") << "GET"
                                      << "/v1/jobs//steps/1" << 404 << ""
                                      << "";
        QTest::newRow("lookalike") << "GET"
                                   << "/v1/jobsx" << 404 << ""
                                   << "";
        QTest::newRow("encoded slash is a separator") << "GET"
                                                      << "/v1/jobs/a%2Fb" << 404 << ""
                                                      << "";

        QTest::newRow("405 collection") << "DELETE"
                                        << "/v1/jobs" << 405 << "GET, POST"
                                        << "";
        QTest::newRow("405 item") << "POST"
                                  << "/v1/jobs/42" << 405 << "DELETE, GET"
                                  << "";
        QTest::newRow("405 literal template") << "DELETE"
                                              << "/v1/jobs/latest" << 405 << "GET"
                                              << "";
        QTest::newRow("405 nested") << "PUT"
                                    << "/v1/jobs/1/steps/2" << 405 << "GET"
                                    << "";

        QTest::newRow("undeclared query") << "GET"
                                          << "/v1/jobs?sort=id" << 400 << ""
                                          << "sort";
        QTest::newRow("repeated query") << "GET"
                                        << "/v1/jobs?limit=1&limit=2" << 400 << ""
                                        << "limit";
        QTest::newRow("no query declared") << "POST"
                                           << "/v1/jobs?dry_run=1" << 400 << ""
                                           << "dry_run";
        QTest::newRow("query on item") << "GET"
                                       << "/v1/jobs/1?x=" << 400 << ""
                                       << "x";
    }
    void routes() {
        QFETCH(QString, method);
        QFETCH(QString, target);
        QFETCH(int, status);
        QFETCH(QString, handler);
        QFETCH(QString, params);
        const int calls = g_calls;
        const RawResponse r = http_request(fixture_->port(), method.toStdString(), target.toStdString(),
                                           fixture_->auth(Role::Operator));
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, status);
        const nlohmann::json body = parse_json(r.body);
        if (status == 200) {
            QCOMPARE(QString::fromStdString(json_string(body, "/handler")), handler);
            QCOMPARE(json_at(body, "/params"), nlohmann::json::parse(params.toStdString()));
            QCOMPARE(g_calls.load(), calls + 1);
            return;
        }
        QCOMPARE(g_calls.load(), calls);  // refused before the handler
        QCOMPARE(QString::fromStdString(r.header("content-type")), QString("application/problem+json"));
        QCOMPARE(json_number(body, "/status"), double(status));
        QCOMPARE(sorted_allow(r), status == 405 ? handler : QString());
        if (status == 400) {
            bool named = false;
            for (const auto& e : json_at(body, "/errors"))
                named = named || json_string(e, "/field") == params.toStdString();
            QVERIFY2(named, r.body.c_str());
        }
    }

    void viewer_needs_operator_for_mutations() {
        const int calls = g_calls;
        const auto r = http_request(fixture_->port(), "DELETE", "/v1/jobs/1", fixture_->auth(Role::Viewer));
        QCOMPARE(r.status, 403);
        QCOMPARE(g_calls.load(), calls);
    }

    void bad_registrations_data() {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("path");
        QTest::newRow("relative") << "GET"
                                  << "v1/x";
        QTest::newRow("empty segment") << "GET"
                                       << "/v1//x";
        QTest::newRow("trailing slash") << "GET"
                                        << "/v1/x/";
        QTest::newRow("partial parameter") << "GET"
                                           << "/v1/x-{id}";
        QTest::newRow("bad parameter name") << "GET"
                                            << "/v1/x/{Id}";
        QTest::newRow("repeated parameter") << "GET"
                                            << "/v1/{id}/{id}";
        QTest::newRow("empty method") << ""
                                      << "/v1/x";
    }
    void bad_registrations() {
        QFETCH(QString, method);
        QFETCH(QString, path);
        QTemporaryDir dir;
        redline::agent::AgentOptions opt;
        opt.data_dir = dir.path().toStdString();
        opt.admin_listen = "127.0.0.1:0";
        redline::agent::Agent a(opt);
        QVERIFY_THROWS_EXCEPTION(ConfigError,
                                 a.add_handler(method.toStdString(), path.toStdString(), Role::Viewer,
                                               [](const AdminRequest& r) { return echo(r, "x"); }));
    }

    void conflicting_registrations_data() {
        QTest::addColumn<QString>("first");
        QTest::addColumn<QString>("second");
        QTest::newRow("duplicate") << "/v1/x/{id}"
                                   << "/v1/x/{name}";
        QTest::newRow("built-in path") << "/v1/y"
                                       << "/v1/info";
        QTest::newRow("control path") << "/v1/y"
                                      << "/v1/limits";
    }
    void conflicting_registrations() {
        QFETCH(QString, first);
        QFETCH(QString, second);
        QTemporaryDir dir;
        redline::agent::AgentOptions opt;
        opt.data_dir = dir.path().toStdString();
        opt.admin_listen = "127.0.0.1:0";
        opt.clock = false;
        redline::agent::Agent a(opt);
        auto h = [](const AdminRequest& r) { return echo(r, "x"); };
        a.add_handler("GET", first.toStdString(), Role::Viewer, h);
        a.add_handler("GET", second.toStdString(), Role::Viewer, h);
        QVERIFY_THROWS_EXCEPTION(ConfigError, a.start());
    }

  private:
    std::unique_ptr<AgentFixture> fixture_;
};

QTEST_GUILESS_MAIN(TestAdminRouting)
#include "tst_admin_routing.moc"
