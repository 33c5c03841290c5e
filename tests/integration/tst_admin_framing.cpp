// Admin server request framing and header-time decisions (issue 9 §2, §3, §5):
// - a Transfer-Encoding the server cannot frame by (final coding not chunked, TE in HTTP/1.0, TE with
//   Content-Length) is answered 400 problem+json and the connection closed, so body bytes never run as the
//   next request (request smuggling); an unknown coding before chunked is 501;
// - two Authorization headers are 400;
// - authentication happens when the header arrives: an unauthenticated or viewer PUT is answered 401/403 and
//   closed without the server waiting for its body; a body on GET is 400.
#include <QtTest>
#include <chrono>

#include "tests/support/agent_fixture.h"
#include "tests/support/raw_http.h"

using namespace redline::test;
using namespace std::chrono_literals;
using redline::agent::Role;

namespace {

/// Sends raw bytes on a fresh connection; returns the first response and whether the server then closed the
/// connection without sending a second one.
struct Exchange {
    RawResponse first;
    bool closed_after = false;
    std::string extra;  // bytes that arrived after the first response (must be none)
};

Exchange exchange(std::uint16_t port, const std::string& bytes, int timeout_ms = 3000) {
    Exchange e;
    RawConnection c;
    if (!c.connect(port, timeout_ms, &e.first.error)) return e;
    c.send_all(bytes);
    e.first = c.read_response(timeout_ms);
    if (!e.first.ok) return e;
    for (;;) {
        int n = c.read_some(e.extra, timeout_ms);
        if (n > 0) continue;
        e.closed_after = n == 0 || n == -1;
        break;
    }
    return e;
}

std::string auth_line(const std::string& token) {
    return "Authorization: Bearer " + token + "\r\n";
}

}  // namespace

class TestAdminFraming : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() { f_ = std::make_unique<AgentFixture>(); }
    void cleanupTestCase() { f_.reset(); }

    void smuggled_request_never_runs() {
        // The body of this PUT is a complete second request. With TE: identity the body has no defined
        // length: a server that frames it as "no body" would run the GET /v1/info as the next request.
        const std::string inner =
            "GET /v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth_line(f_->viewer_token()) + "\r\n";
        const std::string outer =
            "PUT /v1/canary HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth_line(f_->operator_token()) +
            "Content-Type: application/json\r\nTransfer-Encoding: identity\r\n\r\n" + inner;
        Exchange e = exchange(f_->port(), outer);
        QVERIFY2(e.first.ok, e.first.error.c_str());
        QCOMPARE(e.first.status, 400);
        QVERIFY(e.first.header("content-type").rfind("application/problem+json", 0) == 0);
        QCOMPARE(e.first.header("connection"), std::string("close"));
        QVERIFY2(e.extra.empty(), e.extra.substr(0, 80).c_str());
        QVERIFY(e.closed_after);
    }

    void transfer_encoding_data() {
        QTest::addColumn<QString>("request_line_version");
        QTest::addColumn<QString>("fields");
        QTest::addColumn<int>("status");
        QTest::newRow("identity") << "HTTP/1.1"
                                  << "Transfer-Encoding: identity\r\n"
                                  << 400;
        QTest::newRow("gzip") << "HTTP/1.1"
                              << "Transfer-Encoding: gzip\r\n"
                              << 400;
        QTest::newRow("chunked, identity") << "HTTP/1.1"
                                           << "Transfer-Encoding: chunked, identity\r\n"
                                           << 400;
        QTest::newRow("two fields, last identity")
            << "HTTP/1.1"
            << "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n"
            << 400;
        QTest::newRow("empty") << "HTTP/1.1"
                               << "Transfer-Encoding: \r\n"
                               << 400;
        QTest::newRow("HTTP/1.0 chunked") << "HTTP/1.0"
                                          << "Transfer-Encoding: chunked\r\n"
                                          << 400;
        QTest::newRow("identity + Content-Length") << "HTTP/1.1"
                                                   << "Transfer-Encoding: identity\r\nContent-Length: 5\r\n"
                                                   << 400;
        QTest::newRow("Content-Length + chunked") << "HTTP/1.1"
                                                  << "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"
                                                  << 400;
        QTest::newRow("gzip, chunked (unknown coding)") << "HTTP/1.1"
                                                        << "Transfer-Encoding: gzip, chunked\r\n"
                                                        << 501;
    }
    void transfer_encoding() {
        QFETCH(QString, request_line_version);
        QFETCH(QString, fields);
        QFETCH(int, status);
        const std::string req =
            "PUT /v1/canary " + request_line_version.toStdString() + "\r\nHost: 127.0.0.1\r\n" +
            auth_line(f_->operator_token()) + "Content-Type: application/json\r\n" + fields.toStdString() +
            "\r\n" + "5\r\n{\"a\":\r\n0\r\n\r\n" + "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        Exchange e = exchange(f_->port(), req);
        QVERIFY2(e.first.ok, e.first.error.c_str());
        QCOMPARE(e.first.status, status);
        QVERIFY(e.first.header("content-type").rfind("application/problem+json", 0) == 0);
        QVERIFY2(e.extra.empty(), e.extra.substr(0, 80).c_str());
        QVERIFY(e.closed_after);
    }

    void chunked_body_still_works() {
        const std::string body = "{\"weight_percent\": 7}";
        char size[16];
        std::snprintf(size, sizeof size, "%zx", body.size());
        const std::string req = "PUT /v1/canary HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                                auth_line(f_->operator_token()) +
                                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                                "Connection: close\r\n\r\n" +
                                std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n";
        Exchange e = exchange(f_->port(), req);
        QVERIFY2(e.first.ok, e.first.error.c_str());
        QCOMPARE(e.first.status, 200);
    }

    void two_authorization_headers_are_refused() {
        // Operator first, viewer second, and the reverse: neither wins.
        for (auto [a, b] : {std::pair{f_->operator_token(), f_->viewer_token()},
                            std::pair{f_->viewer_token(), f_->operator_token()}}) {
            const std::string req =
                "GET /v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth_line(a) + auth_line(b) + "\r\n";
            Exchange e = exchange(f_->port(), req);
            QVERIFY2(e.first.ok, e.first.error.c_str());
            QCOMPARE(e.first.status, 400);
            QVERIFY(e.first.header("content-type").rfind("application/problem+json", 0) == 0);
        }
    }

    void body_is_not_awaited_without_the_operator_token_data() {
        QTest::addColumn<int>("role");
        QTest::addColumn<int>("status");
        QTest::newRow("no token") << int(Role::None) << 401;
        QTest::newRow("viewer") << int(Role::Viewer) << 403;
    }
    void body_is_not_awaited_without_the_operator_token() {
        QFETCH(int, role);
        QFETCH(int, status);
        // The header announces a body that never comes: the answer must not wait for it (read_timeout is 10
        // s).
        std::string req = "PUT /v1/canary HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        if (Role(role) != Role::None) req += auth_line(f_->token(Role(role)));
        req += "Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n{\"weight_percent\"";
        auto t0 = std::chrono::steady_clock::now();
        Exchange e = exchange(f_->port(), req, 3000);
        auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
        QVERIFY2(e.first.ok, e.first.error.c_str());
        QCOMPARE(e.first.status, status);
        QCOMPARE(e.first.header("connection"), std::string("close"));
        QVERIFY(e.closed_after);
        QVERIFY2(ms < 2500ms, qPrintable(QString::number(ms.count())));
    }

    void body_on_get_is_refused() {
        const std::string req = "GET /v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                                auth_line(f_->viewer_token()) + "Content-Length: 4\r\n\r\nabcd";
        Exchange e = exchange(f_->port(), req);
        QVERIFY2(e.first.ok, e.first.error.c_str());
        QCOMPARE(e.first.status, 400);
        QVERIFY(e.closed_after);
        // Content-Length: 0 on a GET is no body, and fine.
        const std::string empty = "GET /v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                                  auth_line(f_->viewer_token()) +
                                  "Content-Length: 0\r\nConnection: close\r\n\r\n";
        QCOMPARE(exchange(f_->port(), empty).first.status, 200);
    }

  private:
    std::unique_ptr<AgentFixture> f_;
};

QTEST_GUILESS_MAIN(TestAdminFraming)
#include "tst_admin_framing.moc"
