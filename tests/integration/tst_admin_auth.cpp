// Admin API security: the full auth matrix (endpoint x {no token, wrong token, viewer, operator}),
// 401/403/404/405 details, token files (mode 0600, 64 hex chars, stable across restarts), tokens from the
// environment, and the refusal to serve without auth on a non-loopback address.
#include <sys/stat.h>

#include <QtTest>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/agent_fixture.h"
#include "tests/support/raw_http.h"

using namespace redline::test;
using redline::agent::AdminRequest;
using redline::agent::AdminResponse;
using redline::agent::Role;

namespace {

enum Caller { NoToken, WrongToken, MalformedScheme, Viewer, Operator };

Headers headers_for(const AgentFixture& f, Caller c) {
    switch (c) {
        case NoToken:
            return {};
        case WrongToken:
            return {{"Authorization", "Bearer " + std::string(64, 'a')}};
        case MalformedScheme:
            return {{"Authorization", "Basic " + f.operator_token()}};
        case Viewer:
            return f.auth(Role::Viewer);
        case Operator:
            return f.auth(Role::Operator);
    }
    return {};
}

void install_host_handlers(redline::agent::Agent& a) {
    a.add_handler("POST", "/v1/things", Role::Operator, [](const AdminRequest& r) {
        return AdminResponse::json(201, {{"role", to_string(r.role)}});
    });
    a.add_handler("GET", "/v1/things/{id}", Role::Viewer, [](const AdminRequest& r) {
        return AdminResponse::json(200, {{"path", r.path}, {"id", r.params.at("id")}});
    });
    a.add_handler("GET", "/v1/things", Role::Viewer, [](const AdminRequest& r) {
        return AdminResponse::json(200, {{"path", r.path}});
    });
}

}  // namespace

class TestAdminAuth : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        fixture_ = std::make_unique<AgentFixture>(AgentFixture::Tweak{}, install_host_handlers);
    }
    void cleanupTestCase() { fixture_.reset(); }

    void matrix_data() {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("body");
        QTest::addColumn<int>("caller");
        QTest::addColumn<int>("expected");

        struct Endpoint {
            const char* method;
            const char* target;
            const char* body;
            int none, wrong, viewer, op;  // expected status per caller (malformed scheme = wrong)
        };
        const Endpoint endpoints[] = {
            {"GET", "/healthz", "", 200, 200, 200, 200},
            {"GET", "/metrics", "", 200, 200, 200, 200},
            {"GET", "/v1/info", "", 401, 401, 200, 200},
            {"GET", "/v1/snapshot", "", 401, 401, 200, 200},
            {"GET", "/v1/snapshot?window=10s", "", 401, 401, 200, 200},
            {"GET", "/v1/events", "", 401, 401, 200, 200},
            {"GET", "/v1/limits", "", 401, 401, 200, 200},
            {"GET", "/v1/canary", "", 401, 401, 200, 200},
            {"PUT", "/v1/limits", R"({"routes":{}})", 401, 401, 403, 200},
            {"PUT", "/v1/canary",
             R"({"weight_percent":0,"faults":{"latency_ms":0,"latency_jitter_ms":0,"error_ratio":0}})", 401,
             401, 403, 200},
            {"GET", "/v1/things/7", "", 401, 401, 200, 200},
            {"POST", "/v1/things", "{}", 401, 401, 403, 201},
        };
        const std::pair<Caller, const char*> callers[] = {{NoToken, "no token"},
                                                          {WrongToken, "wrong token"},
                                                          {MalformedScheme, "basic scheme"},
                                                          {Viewer, "viewer"},
                                                          {Operator, "operator"}};
        for (const auto& e : endpoints) {
            for (const auto& [c, cname] : callers) {
                int expected = c == NoToken    ? e.none
                               : c == Viewer   ? e.viewer
                               : c == Operator ? e.op
                                               : e.wrong;
                QTest::newRow(qPrintable(QString("%1 %2 / %3").arg(e.method, e.target, cname)))
                    << e.method << e.target << e.body << int(c) << expected;
            }
        }
    }

    void matrix() {
        QFETCH(QString, method);
        QFETCH(QString, target);
        QFETCH(QString, body);
        QFETCH(int, caller);
        QFETCH(int, expected);
        Headers h = headers_for(*fixture_, Caller(caller));
        if (!body.isEmpty()) h.emplace_back("Content-Type", "application/json");
        RawResponse r =
            http_request(fixture_->port(), method.toStdString(), target.toStdString(), h, body.toStdString());
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, expected);
        if (expected >= 400) {
            QCOMPARE(QString::fromStdString(r.header("content-type")), QString("application/problem+json"));
            auto j = parse_json(r.body);
            QCOMPARE(json_number(j, "/status"), double(expected));
            QVERIFY2(json_string(j, "/title") != "<missing>" && !json_string(j, "/title").empty(),
                     r.body.c_str());
        }
        if (expected == 401) {
            QVERIFY(QString::fromStdString(r.header("www-authenticate")).startsWith("Bearer"));
        }
        if (target == "/v1/info" && expected == 200) {
            QCOMPARE(QString::fromStdString(json_string(parse_json(r.body), "/role")),
                     QString(caller == Viewer ? "viewer" : "operator"));
        }
    }

    void stream_matrix_data() {
        QTest::addColumn<int>("caller");
        QTest::addColumn<int>("expected");
        QTest::newRow("no token") << int(NoToken) << 401;
        QTest::newRow("wrong token") << int(WrongToken) << 401;
        QTest::newRow("viewer") << int(Viewer) << 200;
        QTest::newRow("operator") << int(Operator) << 200;
    }
    void stream_matrix() {
        QFETCH(int, caller);
        QFETCH(int, expected);
        SseCapture c =
            read_sse(fixture_->port(), "/v1/stream?interval_ms=100", headers_for(*fixture_, Caller(caller)),
                     5000, [](const SseCapture&) { return true; });
        QCOMPARE(c.status, expected);
        if (expected == 200) {
            QVERIFY(QString::fromStdString(c.content_type).startsWith("text/event-stream"));
            QVERIFY(!c.messages.empty());
        }
    }

    void method_not_allowed_data() {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("allow");
        QTest::newRow("PUT snapshot") << "PUT"
                                      << "/v1/snapshot"
                                      << "GET";
        QTest::newRow("POST limits") << "POST"
                                     << "/v1/limits"
                                     << "GET, PUT";
        QTest::newRow("DELETE canary") << "DELETE"
                                       << "/v1/canary"
                                       << "GET, PUT";
        QTest::newRow("DELETE healthz") << "DELETE"
                                        << "/healthz"
                                        << "GET";
        QTest::newRow("POST metrics") << "POST"
                                      << "/metrics"
                                      << "GET";
        QTest::newRow("PUT events") << "PUT"
                                    << "/v1/events"
                                    << "GET, POST";
        QTest::newRow("POST stream") << "POST"
                                     << "/v1/stream"
                                     << "GET";
        QTest::newRow("PATCH info") << "PATCH"
                                    << "/v1/info"
                                    << "GET";
        QTest::newRow("DELETE things") << "DELETE"
                                       << "/v1/things"
                                       << "GET, POST";
    }
    void method_not_allowed() {
        QFETCH(QString, method);
        QFETCH(QString, target);
        QFETCH(QString, allow);
        Headers h = fixture_->auth(Role::Operator);
        auto before = fixture_->audit_lines().size();
        RawResponse r = http_request(fixture_->port(), method.toStdString(), target.toStdString(), h, "{}");
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, 405);
        // Allow lists the same methods regardless of order of registration.
        auto split = [](QString s) {
            QStringList l = s.split(',', Qt::SkipEmptyParts);
            for (auto& x : l)
                x = x.trimmed();
            l.sort();
            return l;
        };
        QCOMPARE(split(QString::fromStdString(r.header("allow"))), split(allow));
        QCOMPARE(fixture_->audit_lines().size(), before);
    }

    void not_found_data() {
        QTest::addColumn<QString>("target");
        QTest::newRow("root") << "/";
        QTest::newRow("unknown v1") << "/v1/nope";
        QTest::newRow("control suffix") << "/v1/limitsx";
        QTest::newRow("control subpath") << "/v1/limits/extra";
        QTest::newRow("no version") << "/limits";
        QTest::newRow("host template, extra segment") << "/v1/things/7/x";
        QTest::newRow("host template, empty parameter") << "/v1/things/";
        QTest::newRow("host template lookalike") << "/v1/thingsx";
    }
    void not_found() {
        QFETCH(QString, target);
        RawResponse r =
            http_request(fixture_->port(), "GET", target.toStdString(), fixture_->auth(Role::Operator));
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, 404);
        QCOMPARE(QString::fromStdString(r.header("content-type")), QString("application/problem+json"));
    }

    void token_files() {
        for (Role role : {Role::Viewer, Role::Operator}) {
            std::string path = fixture_->agent().token_path(role);
            QVERIFY(QString::fromStdString(path).contains(role == Role::Viewer ? "viewer" : "operator"));
            struct stat st {};
            QCOMPARE(::stat(path.c_str(), &st), 0);
            QCOMPARE(int(st.st_mode & 0777), 0600);
            std::string t = fixture_->token(role);
            QVERIFY(std::regex_match(t, std::regex("[0-9a-f]{64}")));
        }
        QVERIFY(fixture_->viewer_token() != fixture_->operator_token());
    }

    void tokens_stable_across_restart() {
        AgentFixture f;
        std::string v = f.viewer_token(), o = f.operator_token();
        std::string id = f.agent().agent_id();
        f.restart();
        QCOMPARE(f.viewer_token(), v);
        QCOMPARE(f.operator_token(), o);
        QCOMPARE(f.agent().agent_id(), id);
        RawResponse r = http_request(f.port(), "GET", "/v1/info", bearer(v));
        QCOMPARE(r.status, 200);
    }

    void tokens_from_environment() {
        qputenv("REDLINE_VIEWER_TOKEN", "env-viewer-token-0123456789abcdefghij");
        qputenv("REDLINE_OPERATOR_TOKEN", "env-operator-token-0123456789abcdefgh");
        auto unset = qScopeGuard([] {
            qunsetenv("REDLINE_VIEWER_TOKEN");
            qunsetenv("REDLINE_OPERATOR_TOKEN");
        });
        AgentFixture f;
        QVERIFY(!QFile::exists(QString::fromStdString(f.agent().token_path(Role::Viewer))));
        QVERIFY(!QFile::exists(QString::fromStdString(f.agent().token_path(Role::Operator))));
        QCOMPARE(http_request(f.port(), "GET", "/v1/info", bearer("env-viewer-token-0123456789abcdefghij")).status,
                 200);
        QCOMPARE(http_request(f.port(), "PUT", "/v1/limits", bearer("env-viewer-token-0123456789abcdefghij"),
                              R"({"routes":{}})")
                     .status,
                 403);
        QCOMPARE(http_request(f.port(), "PUT", "/v1/limits", bearer("env-operator-token-0123456789abcdefgh"),
                              R"({"routes":{}})")
                     .status,
                 200);
    }

    // Short or equal tokens are refused at start (they used to start with a warning, and equal tokens gave
    // every viewer the operator role).
    void weak_tokens_are_refused_data() {
        QTest::addColumn<QByteArray>("viewer");
        QTest::addColumn<QByteArray>("op");
        QTest::addColumn<QString>("message");
        const QByteArray good(40, 'v'), good2(40, 'o');
        QTest::newRow("equal") << good << good << "are equal";
        QTest::newRow("one character each") << QByteArray("a") << QByteArray("b") << "at least 32";
        QTest::newRow("short operator") << good << QByteArray(31, 'o') << "REDLINE_OPERATOR_TOKEN";
        QTest::newRow("short viewer") << QByteArray(31, 'v') << good2 << "REDLINE_VIEWER_TOKEN";
    }
    void weak_tokens_are_refused() {
        QFETCH(QByteArray, viewer);
        QFETCH(QByteArray, op);
        QFETCH(QString, message);
        qputenv("REDLINE_VIEWER_TOKEN", viewer);
        qputenv("REDLINE_OPERATOR_TOKEN", op);
        auto unset = qScopeGuard([] {
            qunsetenv("REDLINE_VIEWER_TOKEN");
            qunsetenv("REDLINE_OPERATOR_TOKEN");
        });
        QTemporaryDir dir;
        redline::agent::AgentOptions o;
        o.data_dir = dir.path().toStdString();
        o.admin_listen = "127.0.0.1:0";
        try {
            redline::agent::Agent a(o);
            QFAIL("the agent accepted weak tokens");
        } catch (const redline::agent::ConfigError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
        }
        // A short token written into a token file is refused too.
        qunsetenv("REDLINE_VIEWER_TOKEN");
        qunsetenv("REDLINE_OPERATOR_TOKEN");
        QFile f(dir.filePath("viewer.token"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("short\n");
        f.close();
        try {
            redline::agent::Agent a(o);
            QFAIL("the agent accepted a 5-character token file");
        } catch (const redline::agent::ConfigError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains("at least 32"), e.what());
        }
    }

    // A wildcard admin bind used to be reported as 127.0.0.1 and served /metrics to anyone. (Binds 0.0.0.0 but
    // talks to 127.0.0.1 only.)
    void non_loopback_bind_is_reported_and_guards_metrics() {
        {
            AgentFixture f([](redline::agent::AgentOptions& o) { o.admin_listen = "0.0.0.0:0"; });
            QVERIFY2(QString::fromStdString(f.agent().admin_url()).startsWith("http://0.0.0.0:"),
                     f.agent().admin_url().c_str());
            QCOMPARE(http_request(f.port(), "GET", "/metrics").status, 401);
            QCOMPARE(http_request(f.port(), "GET", "/metrics", f.auth(Role::Viewer)).status, 200);
        }
        AgentFixture open([](redline::agent::AgentOptions& o) {
            o.admin_listen = "0.0.0.0:0";
            o.metrics_open_beyond_loopback = true;
        });
        QCOMPARE(http_request(open.port(), "GET", "/metrics").status, 200);
        AgentFixture local;
        QCOMPARE(http_request(local.port(), "GET", "/metrics").status, 200);
    }

    void non_loopback_without_auth_refused_data() {
        QTest::addColumn<QString>("listen");
        QTest::newRow("any v4") << "0.0.0.0:0";
        QTest::newRow("documentation address") << "192.0.2.1:0";
        QTest::newRow("any v6") << "[::]:0";
    }
    void non_loopback_without_auth_refused() {
        QFETCH(QString, listen);
        QTemporaryDir dir;
        redline::agent::AgentOptions opt;
        opt.data_dir = dir.path().toStdString();
        opt.admin_listen = listen.toStdString();
        opt.require_auth = false;
        QVERIFY_THROWS_EXCEPTION(redline::agent::ConfigError, redline::agent::Agent{opt});
    }

    void bad_listen_address_refused() {
        QTemporaryDir dir;
        for (const char* listen : {"nohost", "example.com:80", "127.0.0.1:99999", "127.0.0.1:"}) {
            redline::agent::AgentOptions opt;
            opt.data_dir = dir.path().toStdString();
            opt.admin_listen = listen;
            QVERIFY_THROWS_EXCEPTION(redline::agent::ConfigError, redline::agent::Agent{opt});
        }
    }

    void loopback_without_auth_allowed() {
        AgentFixture f([](redline::agent::AgentOptions& o) { o.require_auth = false; });
        RawResponse r = http_request(f.port(), "GET", "/v1/info");
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, 200);
        QCOMPARE(QString::fromStdString(json_string(parse_json(r.body), "/role")), QString("operator"));
    }

    void metrics_can_require_auth() {
        AgentFixture f([](redline::agent::AgentOptions& o) { o.metrics_require_auth = true; });
        QCOMPARE(http_request(f.port(), "GET", "/metrics").status, 401);
        QCOMPARE(http_request(f.port(), "GET", "/metrics", f.auth(Role::Viewer)).status, 200);
        QCOMPARE(http_request(f.port(), "GET", "/healthz").status, 200);
    }

    void get_never_changes_state() {
        auto audit = fixture_->audit_lines().size();
        auto limits =
            http_request(fixture_->port(), "GET", "/v1/limits", fixture_->auth(Role::Operator)).body;
        for (const char* t :
             {"/v1/limits", "/v1/canary", "/v1/info", "/v1/snapshot", "/v1/events", "/metrics"})
            QCOMPARE(http_request(fixture_->port(), "GET", t, fixture_->auth(Role::Operator)).status, 200);
        QCOMPARE(fixture_->audit_lines().size(), audit);
        QCOMPARE(http_request(fixture_->port(), "GET", "/v1/limits", fixture_->auth(Role::Operator)).body,
                 limits);
    }

  private:
    std::unique_ptr<AgentFixture> fixture_;
};

QTEST_GUILESS_MAIN(TestAdminAuth)
#include "tst_admin_auth.moc"
