// Admin server robustness: keep-alive, a slow (slowloris) or idle client cannot block another client, idle
// and half-sent requests are closed after their timeouts (the header deadline is total), and the budgets:
// request slots close the longest-idle keep-alive connection (503 when all are busy), the pending budget
// closes the oldest pending connection, streams have their own cap per role (429). The 2,000-connection
// acceptance run is tst_admin_slots.
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

    void connection_cap_closes_the_longest_idle() {
        AgentFixture f([](redline::agent::AgentOptions& o) {
            o.max_connections = 4;
            o.idle_timeout = 30s;
            o.read_timeout = 30s;
        });
        // Four keep-alive connections take the four request slots, each proven by one answered request.
        std::vector<std::unique_ptr<RawConnection>> held;
        for (int i = 0; i < 4; ++i) {
            auto c = std::make_unique<RawConnection>();
            QVERIFY(c->connect(f.port()));
            QVERIFY(c->send_all(build_request("GET", "/healthz", {}, {}, true)));
            QCOMPARE(c->read_response().status, 200);
            held.push_back(std::move(c));
            std::this_thread::sleep_for(20ms);
        }
        // Held[1] is used again, so held[0] is the longest idle.
        QVERIFY(held[1]->send_all(build_request("GET", "/healthz", {}, {}, true)));
        QCOMPARE(held[1]->read_response().status, 200);
        // A fifth client is served: the longest-idle keep-alive connection is closed for it.
        RawResponse r = http_request(f.port(), "GET", "/healthz");
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, 200);
        QVERIFY(held[0]->wait_closed(5000));
        // The others still work.
        for (int i = 1; i < 4; ++i) {
            QVERIFY(held[std::size_t(i)]->send_all(build_request("GET", "/healthz", {}, {}, true)));
            QCOMPARE(held[std::size_t(i)]->read_response().status, 200);
        }
    }

    void busy_slots_answer_503() {
        AgentFixture f([](redline::agent::AgentOptions& o) {
            o.max_connections = 1;
            o.read_timeout = 30s;
        });
        // The only slot serves an operator PUT whose body is still coming.
        RawConnection slow;
        QVERIFY(slow.connect(f.port()));
        Headers h = f.auth(Role::Operator);
        h.emplace_back("Content-Type", "application/json");
        std::string put = build_request("PUT", "/v1/canary", h, "{\"weight_percent\": 3}");
        QVERIFY(slow.send_all(put.substr(0, put.size() - 4)));
        std::this_thread::sleep_for(200ms);
        RawResponse busy = http_request(f.port(), "GET", "/healthz");
        QVERIFY2(busy.ok, busy.error.c_str());
        QCOMPARE(busy.status, 503);
        QCOMPARE(busy.header("retry-after"), std::string("1"));
        QVERIFY(busy.header("content-type").rfind("application/problem+json", 0) == 0);
        // The body completes: the PUT is served and the slot is free again.
        QVERIFY(slow.send_all(put.substr(put.size() - 4)));
        QCOMPARE(slow.read_response().status, 200);
        QCOMPARE(http_request(f.port(), "GET", "/healthz").status, 200);
    }

    void oldest_pending_connection_makes_room() {
        AgentFixture f([](redline::agent::AgentOptions& o) {
            o.max_pending = 4;
            o.header_timeout = 30s;
            o.read_timeout = 30s;
        });
        // Four connections that never send their request fill the pending budget (oldest first).
        std::vector<std::unique_ptr<RawConnection>> silent;
        for (int i = 0; i < 4; ++i) {
            auto c = std::make_unique<RawConnection>();
            QVERIFY(c->connect(f.port()));
            silent.push_back(std::move(c));
            std::this_thread::sleep_for(50ms);  // accepted in this order
        }
        // A real client is served at once: the oldest silent connection is closed to admit it.
        RawResponse r = http_request(f.port(), "GET", "/healthz");
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, 200);
        QVERIFY(silent[0]->wait_closed(5000));
        std::string got;
        QCOMPARE(silent[1]->read_some(got, 300), -2);  // the younger ones are still open
    }

    void header_deadline_is_total_not_per_byte() {
        AgentFixture f([](redline::agent::AgentOptions& o) {
            o.header_timeout = 1000ms;
            o.read_timeout = 30s;
        });
        RawConnection slow;
        QVERIFY(slow.connect(f.port()));
        auto t0 = std::chrono::steady_clock::now();
        bool closed = !slow.send_all("GET /healthz HTTP/1.1\r\nX-Slow: ");
        // One byte every 50 ms (far more often than any per-byte timeout) never completes the header.
        for (int i = 0; i < 100 && !closed; ++i) {
            if (!slow.send_all("a")) closed = true;
            std::string got;
            int n = slow.read_some(got, 50);
            if (n == 0 || n == -1) closed = true;
        }
        auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
        QVERIFY(closed);
        QVERIFY2(ms < 4000ms, qPrintable(QString::number(ms.count())));
    }

    void streams_have_their_own_cap_per_role() {
        AgentFixture f([](redline::agent::AgentOptions& o) {
            o.max_connections = 2;
            o.max_streams_per_role = 2;
        });
        auto open_stream = [&](RawConnection& s, Role role) {
            if (!s.connect(f.port())) return std::string("connect failed");
            s.send_all(build_request("GET", "/v1/stream?interval_ms=1000", f.auth(role), {}, true));
            std::string got;
            s.read_some(got, 5000);
            return got;
        };
        RawConnection s1, s2, s3, op;
        QVERIFY(open_stream(s1, Role::Viewer).rfind("HTTP/1.1 200", 0) == 0);
        QVERIFY(open_stream(s2, Role::Viewer).rfind("HTTP/1.1 200", 0) == 0);
        // Streams hold no request slot: both slots are still free for plain requests.
        QCOMPARE(http_request(f.port(), "GET", "/healthz").status, 200);
        QCOMPARE(http_request(f.port(), "GET", "/v1/info", f.auth(Role::Viewer)).status, 200);
        // A third viewer stream is over the viewer's cap: 429 problem+json with Retry-After.
        RawResponse over =
            http_request(f.port(), "GET", "/v1/stream?interval_ms=1000", f.auth(Role::Viewer), {}, 5000);
        QVERIFY2(over.ok, over.error.c_str());
        QCOMPARE(over.status, 429);
        QCOMPARE(over.header("retry-after"), std::string("10"));
        QVERIFY(over.header("content-type").rfind("application/problem+json", 0) == 0);
        // The operator's streams have their own cap.
        QVERIFY(open_stream(op, Role::Operator).rfind("HTTP/1.1 200", 0) == 0);
        // Closing a viewer stream makes room for another (the server notices the close asynchronously).
        s1.close();
        bool served = false;
        for (int attempt = 0; attempt < 50 && !served; ++attempt) {
            s3.close();
            served = open_stream(s3, Role::Viewer).rfind("HTTP/1.1 200", 0) == 0;
            if (!served) std::this_thread::sleep_for(100ms);
        }
        QVERIFY(served);
    }
};

QTEST_GUILESS_MAIN(TestAdminConnections)
#include "tst_admin_connections.moc"
