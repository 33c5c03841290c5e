// redline-proxy under failure, with real processes on loopback: the canary upstream killed mid-run (errors
// for at most about one health-check interval, then stable takes its traffic, or 503 when fallback is off;
// the backend's events in the agent's log), a slow upstream (504 at the timeout while other requests are
// served), an upstream that resets connections (502), a non-idempotent POST never sent twice (counted on the
// upstream) while an idempotent one is retried, and 2,000 concurrent client connections.
#include <signal.h>

#include <QTest>
#include <algorithm>
#include <atomic>
#include <thread>

#ifndef Q_MOC_RUN  // moc need not parse Boost
#include "tests/integration/tst_proxy_support.h"
#include "tests/support/raw_http.h"
#endif

using namespace redline::test;
using redline::AgentClient;
using Clock = std::chrono::steady_clock;

class TstProxyReliability : public QObject {
    Q_OBJECT

  private:
    static bool set_canary(AgentClient& admin, double weight) {
        redline::CanaryConfig c;
        c.weight_percent = weight;
        auto r = admin.set_canary(c);
        if (!r.ok()) qWarning("%s", r.error_message().c_str());
        return r.ok();
    }

    static bool has(const std::vector<std::string>& kinds, const std::string& k) {
        return std::find(kinds.begin(), kinds.end(), k) != kinds.end();
    }

  private slots:
    void killedCanaryFallsBackToStable_data() {
        QTest::addColumn<bool>("fallback");
        QTest::newRow("fallback") << true;
        QTest::newRow("no fallback") << false;
    }
    void killedCanaryFallsBackToStable() {
        QFETCH(bool, fallback);
        TestUpstream stable("stable"), canary("canary");
        ProxyProcess proxy;
        QStringList args = {QStringLiteral("--upstream"),           QStringLiteral("stable=") + stable.url(),
                            QStringLiteral("--upstream"),           QStringLiteral("canary=") + canary.url(),
                            QStringLiteral("--health-interval-ms"), QStringLiteral("300")};
        if (!fallback) args << QStringLiteral("--no-canary-fallback");
        QVERIFY(proxy.start(args));
        QVERIFY(set_canary(proxy.admin(), 100));
        SampleHttp http(proxy.api_url());
        QCOMPARE(http.get("/a").header("x-upstream"), std::string("canary"));

        canary.stop();  // the canary process is gone: connections refused from now on
        const auto killed = Clock::now();
        std::int64_t last_error_ms = -1;
        int ok_stable = 0, s503 = 0, other = 0;
        while (Clock::now() - killed < std::chrono::milliseconds(2500)) {
            auto r = http.get("/a");
            const auto ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed).count();
            if (r.status == 200 && r.header("x-upstream") == "stable") {
                ++ok_stable;
            } else if (r.status == 502 || r.status == 503) {
                QCOMPARE(r.header("content-type"), std::string("application/problem+json"));
                if (fallback || ms < 1000) last_error_ms = ms;
                s503 += r.status == 503;
            } else {
                ++other;
                qWarning("unexpected answer at %lld ms (stable %s, canary %s): %d %s %s",
                         static_cast<long long>(ms), qPrintable(stable.url()), qPrintable(canary.url()),
                         r.status, r.error.c_str(), r.body.c_str());
            }
            QTest::qWait(20);
        }
        QCOMPARE(other, 0);
        if (fallback) {
            // A refused connection carried no byte of the request: it goes to stable at once, so the client
            // sees no error at all, not even before the health check (300 ms) takes the canary out.
            QVERIFY2(last_error_ms < 0, qPrintable(QString::number(last_error_ms)));
            QVERIFY(ok_stable > 20);
        } else {
            QCOMPARE(ok_stable, 0);
            QVERIFY(s503 > 20);
        }
        const auto kinds = proxy.event_kinds();
        QVERIFY(has(kinds, "proxy.backend.down") || has(kinds, "proxy.backend.ejected"));
        auto info = proxy.admin().call_json("GET", "/v1/info");
        QVERIFY(info.ok());
        QVERIFY(json_at(*info.value, "/proxy/pools/canary/0/healthy") == nlohmann::json(false));
        QCOMPARE(proxy.stop(), 0);
    }

    void killedSampleServerCanary() {
        // The same with real sample-server processes and kill -9.
        SampleServerProcess stable, canary;
        QVERIFY(stable.start());
        QVERIFY(canary.start());
        QVERIFY(set_canary(canary.admin(), 100));
        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + stable.api_url(),
                             QStringLiteral("--upstream"), QStringLiteral("canary=") + canary.api_url(),
                             QStringLiteral("--health-interval-ms"), QStringLiteral("300")}));
        QVERIFY(set_canary(proxy.admin(), 100));
        SampleHttp http(proxy.api_url());
        QCOMPARE(http.get("/v1/products/1").header("x-redline-version"), std::string("canary"));
        canary.proc().kill();
        const auto killed = Clock::now();
        std::int64_t last_error_ms = -1;
        int ok = 0;
        while (Clock::now() - killed < std::chrono::milliseconds(2000)) {
            auto r = http.get("/v1/products/1");
            if (r.status == 200) {
                QCOMPARE(r.header("x-redline-version"), std::string("stable"));
                ++ok;
            } else {
                QVERIFY2(r.status == 502 || r.status == 503, qPrintable(QString::number(r.status)));
                last_error_ms =
                    std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed).count();
            }
            QTest::qWait(20);
        }
        QVERIFY2(last_error_ms < 700, qPrintable(QString::number(last_error_ms)));
        QVERIFY(ok > 20);
        QCOMPARE(proxy.stop(), 0);
    }

    void slowUpstreamTimesOutOthersServed() {
        TestUpstream up("slow", 5000);
        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + up.url(),
                             QStringLiteral("--request-timeout-ms"), QStringLiteral("600")}));
        std::atomic<int> timeouts{0};
        std::atomic<std::int64_t> worst_ms{0};
        std::vector<std::thread> slow;
        for (int i = 0; i < 3; ++i)
            slow.emplace_back([&] {
                const auto t0 = Clock::now();
                auto r = http_request(proxy.port(), "GET", "/slow", {}, {}, 8000);
                const auto ms =
                    std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
                if (r.status == 504 && r.body.find("timeout") != std::string::npos) ++timeouts;
                worst_ms = std::max<std::int64_t>(worst_ms, ms);
            });
        // While the slow ones wait, the proxy keeps serving (no worker thread is blocked).
        int fast_ok = 0;
        for (int i = 0; i < 20; ++i)
            fast_ok += http_request(proxy.port(), "GET", "/fast", {}, {}, 2000).status == 200;
        for (auto& t : slow)
            t.join();
        QCOMPARE(fast_ok, 20);
        QCOMPARE(timeouts.load(), 3);
        QVERIFY2(worst_ms.load() < 3000, qPrintable(QString::number(worst_ms.load())));
        QCOMPARE(up.requests.load(), 23);  // a timed-out GET is not retried
        QCOMPARE(proxy.stop(), 0);
    }

    void resettingUpstreamAndRetries() {
        TestUpstream up("reset");
        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + up.url()},
                            QStringLiteral(R"({"circuit_breaker": {"failures": 100}})")));
        auto get = http_request(proxy.port(), "GET", "/reset");
        QCOMPARE(get.status, 502);
        QVERIFY2(get.body.find("reset") != std::string::npos, get.body.c_str());
        QCOMPARE(up.requests.load(), 2);  // idempotent: tried twice (max_attempts 2)

        // A POST without Idempotency-Key reaches the upstream exactly once, whatever happens to it.
        auto post =
            http_request(proxy.port(), "POST", "/reset/order", {{"Content-Type", "application/json"}}, "{}");
        QCOMPARE(post.status, 502);
        QCOMPARE(up.posts.load(), 1);
        // With an Idempotency-Key it may be retried.
        auto keyed = http_request(proxy.port(), "POST", "/reset/order",
                                  {{"Content-Type", "application/json"}, {"Idempotency-Key", "k-1"}}, "{}");
        QCOMPARE(keyed.status, 502);
        QCOMPARE(up.posts.load(), 3);
        // The proxy itself is fine.
        QCOMPARE(http_request(proxy.port(), "GET", "/ok").status, 200);
        QCOMPARE(proxy.stop(), 0);
    }

    void circuitBreakerEjectsAndReadmitsExponentially() {
        TestUpstream up("flaky");
        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + up.url()},
                            QStringLiteral(R"({"circuit_breaker": {"failures": 2, "base_ejection_ms": 1000,
                                                "max_ejection_ms": 10000}, "retries": {"max_attempts": 1}})")));
        QCOMPARE(http_request(proxy.port(), "GET", "/reset").status, 502);
        QCOMPARE(http_request(proxy.port(), "GET", "/reset").status, 502);  // 2nd failure in a row: ejected
        auto refused = http_request(proxy.port(), "GET", "/ok");
        QCOMPARE(refused.status, 503);
        QVERIFY2(refused.body.find("no usable backend") != std::string::npos, refused.body.c_str());
        QCOMPARE(up.requests.load(), 2);  // the ejected backend got nothing
        auto info = proxy.admin().call_json("GET", "/v1/info");
        QVERIFY(info.ok());
        QCOMPARE(json_string(*info.value, "/proxy/pools/stable/0/circuit"), std::string("open"));
        // Margins of a second or more around each ejection's end: a loaded 2-core machine may be slow to
        // answer.
        QTest::qWait(1300);
        QCOMPARE(http_request(proxy.port(), "GET", "/reset").status, 502);  // half-open probe fails
        QTest::qWait(500);  // the second ejection lasts 2,000 ms: still out
        QCOMPARE(http_request(proxy.port(), "GET", "/ok").status, 503);
        QTest::qWait(2500);
        QCOMPARE(http_request(proxy.port(), "GET", "/ok").status, 200);  // half-open probe succeeds
        std::vector<std::string> messages;
        auto ev = proxy.admin().events(0, 500);
        QVERIFY(ev.ok());
        for (const auto& e : ev.value->events)
            if (e.kind.rfind("proxy.backend.", 0) == 0) messages.push_back(e.kind + ": " + e.message);
        QCOMPARE(messages.size(), std::size_t(3));
        QVERIFY2(messages[0].find("ejected for 1000 ms") != std::string::npos, messages[0].c_str());
        QVERIFY2(messages[1].find("ejected for 2000 ms") != std::string::npos, messages[1].c_str());
        QVERIFY2(messages[2].rfind("proxy.backend.readmitted", 0) == 0, messages[2].c_str());
        QCOMPARE(proxy.stop(), 0);
    }

    void postNeverSentTwiceUnderLoad() {
        TestUpstream up("count");
        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + up.url()}));
        std::atomic<int> ok{0};
        std::vector<std::thread> ts;
        for (int t = 0; t < 4; ++t)
            ts.emplace_back([&] {
                SampleHttp http(proxy.api_url());
                for (int i = 0; i < 50; ++i)
                    ok += http.request("POST", "/orders", "{}").status == 200;
            });
        for (auto& t : ts)
            t.join();
        QCOMPARE(ok.load(), 200);
        QCOMPARE(up.posts.load(), 200);
        QCOMPARE(proxy.stop(), 0);
    }

    void sigtermDrainsInFlightRequests() {
        TestUpstream up("slow", 1000);
        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + up.url()}));
        RawResponse slow;
        std::thread t([&] { slow = http_request(proxy.port(), "GET", "/slow", {}, {}, 8000); });
        const auto until = Clock::now() + std::chrono::seconds(5);
        while (up.requests.load() == 0 && Clock::now() < until)
            QTest::qWait(10);
        QCOMPARE(up.requests.load(), 1);  // in flight at the upstream
        QCOMPARE(::kill(static_cast<pid_t>(proxy.proc().pid()), SIGTERM), 0);
        QTest::qWait(200);
        // New connections are refused while the in-flight request finishes.
        RawConnection late;
        QVERIFY(!late.connect(proxy.port(), 1000));
        t.join();
        QCOMPARE(slow.status, 200);
        QCOMPARE(slow.header("connection"), std::string("close"));
        QCOMPARE(proxy.stop(), 0);
    }

    void twoThousandConcurrentConnections() {
        SampleServerProcess upstream;
        QVERIFY(upstream.start());
        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + upstream.api_url(),
                             QStringLiteral("--route"), QStringLiteral("/v1/products/{id}")}));
        constexpr int kThreads = 8, kPer = 250;
        std::atomic<int> ok{0}, connected{0}, threads_connected{0};
        std::vector<std::thread> ts;
        for (int t = 0; t < kThreads; ++t)
            ts.emplace_back([&, t] {
                std::vector<std::unique_ptr<RawConnection>> conns;
                for (int i = 0; i < kPer; ++i) {
                    auto c = std::make_unique<RawConnection>();
                    if (!c->connect(proxy.port(), 20000)) continue;
                    ++connected;
                    conns.push_back(std::move(c));
                }
                // Every connection is open before any request is sent.
                ++threads_connected;
                while (threads_connected.load() < kThreads)
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                for (std::size_t i = 0; i < conns.size(); ++i)
                    conns[i]->send_all("GET /v1/products/" + std::to_string(1 + (t * kPer + int(i)) % 1000) +
                                       " HTTP/1.1\r\nHost: x\r\n\r\n");
                for (auto& c : conns)
                    ok += c->read_response(20000).status == 200;
            });
        for (auto& t : ts)
            t.join();
        QCOMPARE(connected.load(), kThreads * kPer);
        QCOMPARE(ok.load(), kThreads * kPer);
        QCOMPARE(proxy.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TstProxyReliability)
#include "tst_proxy_reliability.moc"
