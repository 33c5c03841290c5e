// Admin server robustness: keep-alive, a slow (slowloris) or idle client cannot block another client, idle
// and half-sent requests are closed after their timeouts, and the connection cap closes excess connections at
// once.
#include <QtTest>
#include <chrono>
#include <thread>

#include "tests/support/agent_fixture.h"
#include "tests/support/raw_http.h"

using namespace redline::test;
using namespace std::chrono_literals;
using redline::agent::Role;

class TestAdminConnections : public QObject {
    Q_OBJECT

  private slots:
    void keep_alive_serves_many_requests() {
        AgentFixture f;
        RawConnection c;
        QVERIFY(c.connect(f.port()));
        for (int i = 0; i < 5; ++i) {
            QVERIFY(c.send_all(build_request("GET", "/v1/snapshot", f.auth(Role::Viewer), {}, true)));
            RawResponse r = c.read_response();
            QVERIFY2(r.ok, r.error.c_str());
            QCOMPARE(r.status, 200);
        }
        // Two pipelined requests in one write are answered in order.
        std::string two =
            build_request("GET", "/healthz", {}, {}, true) + build_request("GET", "/v1/info", {}, {}, true);
        QVERIFY(c.send_all(two));
        QCOMPARE(c.read_response().status, 200);
        QCOMPARE(c.read_response().status, 401);
    }

    void slow_client_does_not_block_others() {
        AgentFixture f([](redline::agent::AgentOptions& o) { o.read_timeout = 1500ms; });
        // Slowloris: a request whose headers trickle in one byte at a time.
        RawConnection slow;
        QVERIFY(slow.connect(f.port()));
        std::string req = build_request("GET", "/v1/info", f.auth(Role::Viewer));
        std::atomic<bool> stop{false};
        std::thread trickle([&] {
            for (std::size_t i = 0; i < req.size() - 4 && !stop; ++i) {
                if (!slow.send_all(req.substr(i, 1))) break;
                std::this_thread::sleep_for(50ms);
            }
        });
        // Another client is served while the slow one is still sending.
        for (int i = 0; i < 5; ++i) {
            RawResponse r = http_request(f.port(), "GET", "/v1/snapshot", f.auth(Role::Viewer));
            QVERIFY2(r.ok, r.error.c_str());
            QCOMPARE(r.status, 200);
        }
        // The slow request never completes in time: the server closes the connection after read_timeout.
        bool closed = slow.wait_closed(10'000);
        stop = true;
        trickle.join();
        QVERIFY(closed);
    }

    void idle_connections_are_closed() {
        AgentFixture f([](redline::agent::AgentOptions& o) {
            o.read_timeout = 800ms;
            o.idle_timeout = 800ms;
        });
        // A connection that never sends anything.
        RawConnection silent;
        QVERIFY(silent.connect(f.port()));
        // A keep-alive connection that goes quiet after one request.
        RawConnection idle;
        QVERIFY(idle.connect(f.port()));
        QVERIFY(idle.send_all(build_request("GET", "/healthz", {}, {}, true)));
        QCOMPARE(idle.read_response().status, 200);
        QCOMPARE(http_request(f.port(), "GET", "/healthz").status, 200);
        QVERIFY(silent.wait_closed(10'000));
        QVERIFY(idle.wait_closed(10'000));
    }

    void connection_cap() {
        AgentFixture f([](redline::agent::AgentOptions& o) {
            o.max_connections = 4;
            o.idle_timeout = 30s;
            o.read_timeout = 30s;
        });
        // Four keep-alive connections, each proven accepted by one answered request.
        std::vector<std::unique_ptr<RawConnection>> held;
        for (int i = 0; i < 4; ++i) {
            auto c = std::make_unique<RawConnection>();
            QVERIFY(c->connect(f.port()));
            QVERIFY(c->send_all(build_request("GET", "/healthz", {}, {}, true)));
            QCOMPARE(c->read_response().status, 200);
            held.push_back(std::move(c));
        }
        // The fifth is closed at once, without an answer.
        RawConnection extra;
        QVERIFY(extra.connect(f.port()));
        extra.send_all(build_request("GET", "/healthz"));
        RawResponse r = extra.read_response(10'000);
        QVERIFY(!r.ok);
        QVERIFY2(r.error == "connection closed" || r.error.rfind("recv", 0) == 0, r.error.c_str());
        // The held connections still work.
        QVERIFY(held[0]->send_all(build_request("GET", "/healthz", {}, {}, true)));
        QCOMPARE(held[0]->read_response().status, 200);
        // Freeing one slot lets a new client in (the server notices the close asynchronously: retry briefly).
        held.pop_back();
        bool served = false;
        for (int attempt = 0; attempt < 50 && !served; ++attempt) {
            RawResponse again = http_request(f.port(), "GET", "/healthz", {}, {}, 2000);
            served = again.ok && again.status == 200;
            if (!served) std::this_thread::sleep_for(100ms);
        }
        QVERIFY(served);
    }

    void streams_count_against_the_cap() {
        AgentFixture f([](redline::agent::AgentOptions& o) { o.max_connections = 2; });
        RawConnection s1, s2;
        for (RawConnection* s : {&s1, &s2}) {
            QVERIFY(s->connect(f.port()));
            QVERIFY(s->send_all(
                build_request("GET", "/v1/stream?interval_ms=1000", f.auth(Role::Viewer), {}, true)));
        }
        // Both streams are live (their first bytes arrive) ...
        std::string got;
        QVERIFY(s1.read_some(got, 5000) > 0);
        QVERIFY(s2.read_some(got, 5000) > 0);
        // ... so a third connection is refused.
        RawResponse r = http_request(f.port(), "GET", "/healthz", {}, {}, 5000);
        QVERIFY(!r.ok);
        s1.close();
        bool served = false;
        for (int attempt = 0; attempt < 50 && !served; ++attempt) {
            served = http_request(f.port(), "GET", "/healthz", {}, {}, 2000).status == 200;
            if (!served) std::this_thread::sleep_for(100ms);
        }
        QVERIFY(served);
    }
};

QTEST_GUILESS_MAIN(TestAdminConnections)
#include "tst_admin_connections.moc"
