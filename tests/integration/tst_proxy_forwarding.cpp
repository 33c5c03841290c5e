// redline-proxy from the outside: forwarding and recording by route template (catch-all included, upstream
// time apart), hop-by-hop fields dropped and Forwarded/X-Forwarded-For added, a real two-process canary split
// that is sticky per client key, the agent's rate limits (429 with the sample server's headers), strict
// framing (ambiguous requests answered 400 and never forwarded), pipelining, a slowloris client, and the
// command line / configuration errors (exit status 2, the field named).
#include <QProcess>
#include <QTest>
#include <set>

#ifndef Q_MOC_RUN  // moc need not parse Boost
#include "tests/integration/tst_proxy_support.h"
#include "tests/support/raw_http.h"
#endif

using namespace redline::test;
using redline::AgentClient;
using Clock = std::chrono::steady_clock;

class TstProxyForwarding : public QObject {
    Q_OBJECT

  private:
    static bool set_canary(AgentClient& admin, double weight) {
        redline::CanaryConfig c;
        c.weight_percent = weight;
        auto r = admin.set_canary(c);
        if (!r.ok()) qWarning("%s", r.error_message().c_str());
        return r.ok();
    }

  private slots:
    void forwardsAndRecordsByTemplate() {
        SampleServerProcess upstream;
        QVERIFY(upstream.start());
        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + upstream.api_url(),
                             QStringLiteral("--route"), QStringLiteral("/v1/products/{id}")}));
        SampleHttp http(proxy.api_url());
        for (int i = 1; i <= 5; ++i) {
            auto r = http.get("/v1/products/" + std::to_string(i));
            QCOMPARE(r.status, 200);
            QCOMPARE(json_number(parse_json(r.body), "/id"), double(i));
        }
        auto missing = http.get("/no/such/thing/7");
        QCOMPARE(missing.status, 404);  // the upstream's answer, passed through
        QCOMPARE(missing.header("content-type"), std::string("application/problem+json"));

        // Recorded by template, the unmatched path under the catch-all, upstream time as its own family.
        std::string text;
        for (int i = 0; i < 40; ++i) {
            auto m = proxy.admin().metrics();
            QVERIFY(m.ok());
            text = *m.value;
            if (text.find("http_route=\"/{unmatched}\"") != std::string::npos &&
                text.find("redline_upstream_request_duration_seconds_count") != std::string::npos)
                break;
            QTest::qWait(150);
        }
        QVERIFY2(
            text.find("http_server_requests_total{http_request_method=\"GET\",http_route=\"/v1/products/"
                      "{id}\",version=\"stable\",http_response_status_code=\"200\"} 5") != std::string::npos,
            text.c_str());
        QVERIFY(text.find(
                    "http_route=\"/{unmatched}\",version=\"stable\",http_response_status_code=\"404\"} 1") !=
                std::string::npos);
        QVERIFY(text.find(
                    "redline_upstream_request_duration_seconds_count{http_request_method=\"GET\",http_route="
                    "\"/v1/products/{id}\",version=\"stable\"} 5") != std::string::npos);
        QVERIFY(text.find("/no/such/thing") == std::string::npos);

        // Backends and their state in /v1/info.
        auto info = proxy.admin().call_json("GET", "/v1/info");
        QVERIFY(info.ok());
        QCOMPARE(json_string(*info.value, "/proxy/pools/stable/0/url"), upstream.api_url().toStdString());
        QCOMPARE(json_string(*info.value, "/proxy/pools/stable/0/circuit"), std::string("closed"));
        QCOMPARE(json_string(*info.value, "/api_url"), proxy.api_url().toStdString());

        // Load tests through the proxy's agent may target only the proxy's own address.
        const nlohmann::json elsewhere = {{"scenario", "smoke"},
                                          {"target", upstream.api_url().toStdString()}};
        auto lt = proxy.admin().call_json("POST", "/v1/loadtests", &elsewhere);
        QCOMPARE(lt.http_status, 403L);
        QCOMPARE(proxy.stop(), 0);
    }

    void dropsHopByHopAndAddsForwarded() {
        TestUpstream up("one");
        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + up.url()}));
        auto r = http_request(proxy.port(), "GET", "/x?q=1",
                              {{"Connection", "keep-alive, X-Secret"},
                               {"X-Secret", "1"},
                               {"Keep-Alive", "timeout=5"},
                               {"Proxy-Authorization", "Basic Zm9vOmJhcg=="},
                               {"X-Forwarded-For", "10.1.2.3"},
                               {"X-Kept", "yes"}});
        QCOMPARE(r.status, 200);
        const std::string seen = up.last_request();
        QVERIFY2(seen.rfind("GET /x?q=1 HTTP/1.1\r\n", 0) == 0, seen.c_str());
        QVERIFY2(seen.find("X-Kept: yes\r\n") != std::string::npos, seen.c_str());
        QVERIFY2(seen.find("X-Secret") == std::string::npos, seen.c_str());
        QVERIFY(seen.find("Keep-Alive") == std::string::npos);
        QVERIFY(seen.find("Proxy-Authorization") == std::string::npos);
        QVERIFY2(seen.find("X-Forwarded-For: 10.1.2.3, 127.0.0.1\r\n") != std::string::npos, seen.c_str());
        QVERIFY2(seen.find("Forwarded: for=127.0.0.1;host=") != std::string::npos, seen.c_str());
        // The upstream's hop-by-hop fields do not reach the client either.
        QCOMPARE(r.header("x-upstream"), std::string("one"));
        QVERIFY(r.header("x-hop").empty());
        QVERIFY(r.header("keep-alive").empty());
        QCOMPARE(proxy.stop(), 0);
    }

    void canarySplitsBetweenTwoProcesses() {
        SampleServerProcess stable, canary;
        QVERIFY(stable.start());
        QVERIFY(canary.start());
        QVERIFY(set_canary(canary.admin(), 100));  // the canary process answers as its canary version
        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + stable.api_url(),
                             QStringLiteral("--upstream"), QStringLiteral("canary=") + canary.api_url(),
                             QStringLiteral("--route"), QStringLiteral("/v1/products/{id}")}));
        SampleHttp http(proxy.api_url());
        QCOMPARE(http.get("/v1/products/1", {{"X-API-Key", "k0"}}).header("x-redline-version"),
                 std::string("stable"));  // weight 0: everything stable
        QVERIFY(set_canary(proxy.admin(), 50));
        int on_canary = 0;
        const int keys = 200;
        for (int k = 0; k < keys; ++k) {
            const std::string key = "client-" + std::to_string(k);
            auto a = http.get("/v1/products/3", {{"X-API-Key", key}});
            auto b = http.get("/v1/products/3", {{"X-API-Key", key}});
            QCOMPARE(a.status, 200);
            QCOMPARE(a.header("x-redline-version"), b.header("x-redline-version"));  // sticky
            on_canary += a.header("x-redline-version") == "canary";
        }
        QVERIFY2(on_canary > 60 && on_canary < 140, qPrintable(QString::number(on_canary)));
        // Both versions recorded on the proxy's agent, and each upstream saw its share.
        SampleServerProcess* ups[] = {&stable, &canary};
        for (auto* u : ups) {
            auto s = u->wait_snapshot([](const redline::Snapshot& s) {
                return route_sum(s, "GET /v1/products/{id}", [](auto& x) { return x.requests; }) > 50;
            });
            QVERIFY(s.has_value());
        }
        QCOMPARE(proxy.stop(), 0);
    }

    void rateLimitAnswers429() {
        TestUpstream up;
        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + up.url(),
                             QStringLiteral("--route"), QStringLiteral("/limited")}));
        redline::LimitsConfig l;
        redline::RouteLimit rl;
        rl.rate_per_s = 0.5;
        rl.burst = 2;
        l.routes["GET /limited"] = rl;
        auto put = proxy.admin().set_limits(l);
        QVERIFY2(put.ok(), put.error_message().c_str());
        SampleHttp http(proxy.api_url());
        int ok = 0, limited = 0;
        SampleReply last429;
        for (int i = 0; i < 5; ++i) {
            auto r = http.get("/limited", {{"X-API-Key", "abc"}});
            if (r.status == 200) ++ok;
            if (r.status == 429) {
                ++limited;
                last429 = r;
            }
        }
        QCOMPARE(ok, 2);
        QCOMPARE(limited, 3);
        QCOMPARE(up.requests.load(), 2);  // refused requests never reach the upstream
        QVERIFY(!last429.header("retry-after").empty());
        QCOMPARE(last429.header("ratelimit-policy"), std::string("\"default\";q=2;w=4"));
        QVERIFY(last429.header("ratelimit").rfind("\"default\";r=0;t=", 0) == 0);
        QCOMPARE(last429.header("content-type"), std::string("application/problem+json"));
        // Another client key has its own bucket.
        QCOMPARE(http.get("/limited", {{"X-API-Key", "other"}}).status, 200);
        QCOMPARE(proxy.stop(), 0);
    }

    void responseCacheFollowsCacheControl() {
        TestUpstream up;
        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + up.url(),
                             QStringLiteral("--route"), QStringLiteral("/cached/{id}"),
                             QStringLiteral("--route"), QStringLiteral("/fine")}));
        SampleHttp http(proxy.api_url());
        // Off by default: nothing is cached.
        QVERIFY(http.get("/cached/1").header("x-cache").empty());
        QVERIFY(http.get("/cached/1").header("x-cache").empty());
        QCOMPARE(up.requests.load(), 2);
        auto put = proxy.admin().set_control("cache", {{"capacity", 100}, {"ttl_ms", 60000}});
        QVERIFY2(put.ok(), put.error_message().c_str());
        QCOMPARE(http.get("/cached/1").header("x-cache"), std::string("MISS"));
        auto hit = http.get("/cached/1");
        QCOMPARE(hit.header("x-cache"), std::string("HIT"));
        QCOMPARE(json_string(parse_json(hit.body), "/path"), std::string("/cached/1"));
        QCOMPARE(up.requests.load(), 3);
        // No Cache-Control from the upstream: never stored. Authorization: never served from the cache.
        QCOMPARE(http.get("/fine").header("x-cache"), std::string("MISS"));
        QCOMPARE(http.get("/fine").header("x-cache"), std::string("MISS"));
        QCOMPARE(http.get("/cached/1", {{"Authorization", "Bearer x"}}).status, 200);
        QCOMPARE(up.requests.load(), 6);
        std::string text;
        for (int i = 0; i < 40 && text.find("result=\"hit\"} 1") == std::string::npos; ++i) {
            QTest::qWait(150);
            text = proxy.admin().metrics().value.value_or("");
        }
        QVERIFY2(
            text.find("redline_cache_lookups_total{http_request_method=\"GET\",http_route=\"/cached/{id}\","
                      "version=\"stable\",result=\"hit\"} 1") != std::string::npos,
            text.c_str());
        QCOMPARE(proxy.stop(), 0);
    }

    void strictFramingNeverForwards_data() {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::newRow("CL and TE") << QByteArray(
                                          "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                                          "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                                   << 400;
        QTest::newRow("TE not chunked last") << QByteArray(
                                                    "POST /a HTTP/1.1\r\nHost: x\r\n"
                                                    "Transfer-Encoding: chunked, identity\r\n\r\n")
                                             << 400;
        QTest::newRow("TE in HTTP/1.0") << QByteArray(
                                               "POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
                                               "0\r\n\r\n")
                                        << 400;
        QTest::newRow("two different CL") << QByteArray(
                                                 "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                                                 "Content-Length: 2\r\n\r\nab")
                                          << 400;
        QTest::newRow("bad request line") << QByteArray("GET\r\n\r\n") << 400;
        QTest::newRow("space in header name") << QByteArray("GET / HTTP/1.1\r\nBad Name: v\r\n\r\n") << 400;
        QTest::newRow("gzip chunked") << QByteArray(
                                             "POST /a HTTP/1.1\r\nHost: x\r\n"
                                             "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")
                                      << 501;
        QTest::newRow("huge header") << (QByteArray("GET / HTTP/1.1\r\nX-Big: ") + QByteArray(40000, 'a') +
                                         QByteArray("\r\n\r\n"))
                                     << 431;
        QTest::newRow("body too large")
            << QByteArray("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n") << 413;
        QTest::newRow("absolute form") << QByteArray("GET http://evil/ HTTP/1.1\r\nHost: x\r\n\r\n") << 400;
        // RFC 9112 §3.2: one valid Host, else 400 (the cache key and Forwarded would take one, the upstream
        // the other).
        QTest::newRow("two Host fields")
            << QByteArray("GET /a HTTP/1.1\r\nHost: a\r\nHost: evil\r\n\r\n") << 400;
        QTest::newRow("empty Host") << QByteArray("GET /a HTTP/1.1\r\nHost:\r\n\r\n") << 400;
        QTest::newRow("Host with a space") << QByteArray("GET /a HTTP/1.1\r\nHost: a b\r\n\r\n") << 400;
        QTest::newRow("Host with a slash") << QByteArray("GET /a HTTP/1.1\r\nHost: a/b\r\n\r\n") << 400;
        // Fields named in Connection are removed before forwarding; Host must not be.
        QTest::newRow("Connection names Host")
            << QByteArray("GET /a HTTP/1.1\r\nHost: a\r\nConnection: Host\r\n\r\n") << 400;
    }
    void strictFramingNeverForwards() {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        TestUpstream up;
        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + up.url()}));
        RawConnection c;
        QVERIFY(c.connect(proxy.port()));
        QVERIFY(c.send_all(std::string_view(request.constData(), static_cast<std::size_t>(request.size()))));
        auto r = c.read_response();
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, status);
        QCOMPARE(r.header("content-type"), std::string("application/problem+json"));
        QCOMPARE(up.requests.load(), 0);
        QCOMPARE(proxy.stop(), 0);
    }

    void pipelinedRequestsAnswerInOrder() {
        TestUpstream up;
        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + up.url()}));
        RawConnection c;
        QVERIFY(c.connect(proxy.port()));
        std::string batch;
        for (int i = 0; i < 5; ++i)
            batch += "GET /p" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
        batch += "POST /p5 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
        QVERIFY(c.send_all(batch));
        for (int i = 0; i < 6; ++i) {
            auto r = c.read_response();
            QVERIFY2(r.ok, r.error.c_str());
            QCOMPARE(r.status, 200);
            QCOMPARE(json_string(parse_json(r.body), "/path"), "/p" + std::to_string(i));
        }
        QCOMPARE(up.requests.load(), 6);
        QCOMPARE(up.posts.load(), 1);
        QCOMPARE(proxy.stop(), 0);
    }

    void slowlorisIsCutOffOthersServed() {
        TestUpstream up;
        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + up.url()},
                            QStringLiteral(R"({"timeouts_ms": {"client_read": 800}})")));
        std::vector<std::unique_ptr<RawConnection>> loris;
        for (int i = 0; i < 50; ++i) {
            auto c = std::make_unique<RawConnection>();
            QVERIFY(c->connect(proxy.port()));
            QVERIFY(c->send_all("GET /slow-header HTTP/1.1\r\nHost: x\r\nX-A: "));
            loris.push_back(std::move(c));
        }
        // Served meanwhile.
        for (int i = 0; i < 10; ++i)
            QCOMPARE(http_request(proxy.port(), "GET", "/fine").status, 200);
        // A byte now and then does not extend the deadline: the whole header must arrive in time.
        QTest::qWait(300);
        for (auto& c : loris)
            c->send_all("a");
        int closed = 0;
        for (auto& c : loris)
            closed += c->wait_closed(3000);
        QCOMPARE(closed, 50);
        QCOMPARE(up.requests.load(), 10);
        QCOMPARE(proxy.stop(), 0);
    }

    void interimResponsesAreNotTheAnswer() {
        // An upstream's 100 Continue / 103 Early Hints come before its final response on the same connection:
        // taking a 1xx as the answer would leave the final response to be read as the next request's.
        TestUpstream up;
        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + up.url(),
                             QStringLiteral("--threads"), QStringLiteral("1")}));
        for (int i = 0; i < 3; ++i) {
            auto a = http_request(proxy.port(), "GET", "/interim/" + std::to_string(i));
            QCOMPARE(a.status, 200);
            QCOMPARE(json_string(parse_json(a.body), "/path"), "/interim/" + std::to_string(i));
            auto b = http_request(proxy.port(), "GET", "/after/" + std::to_string(i));  // another client
            QCOMPARE(b.status, 200);
            QCOMPARE(json_string(parse_json(b.body), "/path"), "/after/" + std::to_string(i));
        }
        auto s = http_request(proxy.port(), "GET", "/switch");
        QCOMPARE(s.status, 502);
        QVERIFY2(s.body.find("switched protocols") != std::string::npos, s.body.c_str());
        QCOMPARE(http_request(proxy.port(), "GET", "/after/switch").status, 200);
        QCOMPARE(proxy.stop(), 0);
    }

    void responseCapCoversContentLengthBodies() {
        TestUpstream up;
        ProxyProcess proxy;
        QVERIFY(proxy.start_in_front_of(up, QStringLiteral(R"({"limits": {"max_response_bytes": 2048}})")));
        auto small = http_request(proxy.port(), "GET", "/big?n=2000");
        QCOMPARE(small.status, 200);
        QCOMPARE(small.body.size(), std::size_t(2000));
        auto big = http_request(proxy.port(), "GET", "/big?n=5000");
        QCOMPARE(big.status, 502);
        QVERIFY2(big.body.find("larger than 2048 bytes") != std::string::npos, big.body.c_str());
        QCOMPARE(proxy.stop(), 0);
    }

    void trailersAreNotRequestFields() {
        // A chunked body's trailer fields must not reach the upstream as header fields (nor override Host,
        // the client key or the idempotency key).
        TestUpstream up;
        ProxyProcess proxy;
        QVERIFY(proxy.start_in_front_of(up));
        RawConnection c;
        QVERIFY(c.connect(proxy.port()));
        QVERIFY(
            c.send_all("POST /t HTTP/1.1\r\nHost: good\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "3\r\nabc\r\n0\r\nHost: evil\r\nX-API-Key: evil-key\r\nIdempotency-Key: k1\r\n"
                       "X-Trailer-Only: 1\r\n\r\n"));
        auto r = c.read_response();
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, 200);
        const std::string seen = up.last_request();
        QVERIFY2(seen.find("Host: good\r\n") != std::string::npos, seen.c_str());
        QVERIFY2(seen.find("evil") == std::string::npos, seen.c_str());
        QVERIFY2(seen.find("X-Trailer-Only") == std::string::npos, seen.c_str());
        QVERIFY2(seen.find("Idempotency-Key") == std::string::npos, seen.c_str());
        QVERIFY2(seen.find("Content-Length: 3\r\n") != std::string::npos, seen.c_str());
        QCOMPARE(proxy.stop(), 0);
    }

    void connectionCannotStripTheIdempotencyKey() {
        // Naming Idempotency-Key in Connection removes it on the way: the upstream could not deduplicate, so
        // the POST is not retryable and reaches it once.
        TestUpstream up;
        ProxyProcess proxy;
        QVERIFY(proxy.start_in_front_of(up));
        auto r = http_request(proxy.port(), "POST", "/reset",
                              {{"Idempotency-Key", "k-1"},
                               {"Connection", "Idempotency-Key"},
                               {"Content-Type", "application/json"}},
                              "{}");
        QCOMPARE(r.status, 502);
        QCOMPARE(up.posts.load(), 1);
        QVERIFY(up.last_request().find("Idempotency-Key") == std::string::npos);
        QCOMPARE(proxy.stop(), 0);
    }

    void expectContinueIsAnsweredAtOnce() {
        TestUpstream up;
        ProxyProcess proxy;
        QVERIFY(proxy.start_in_front_of(up));
        RawConnection c;
        QVERIFY(c.connect(proxy.port()));
        QVERIFY(
            c.send_all("POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
        std::string got;
        const auto asked = Clock::now();
        while (got.find("\r\n\r\n") == std::string::npos && Clock::now() - asked < std::chrono::seconds(2))
            if (c.read_some(got, 100) == 0) break;
        QVERIFY2(got.rfind("HTTP/1.1 100 Continue\r\n\r\n", 0) == 0, got.c_str());
        QVERIFY(Clock::now() - asked < std::chrono::milliseconds(500));  // not the client's 1 s fallback
        QVERIFY(c.send_all("hello"));
        auto r = c.read_response();
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, 200);
        QVERIFY(up.last_request().find("Expect") == std::string::npos);
        QCOMPARE(proxy.stop(), 0);
    }

    void http10KeepAliveIsAnnounced() {
        TestUpstream up;
        ProxyProcess proxy;
        QVERIFY(proxy.start_in_front_of(up));
        RawConnection c;
        QVERIFY(c.connect(proxy.port()));
        for (int i = 0; i < 2; ++i) {
            QVERIFY(c.send_all("GET /k HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
            auto r = c.read_response();
            QVERIFY2(r.ok, r.error.c_str());
            QCOMPARE(r.status, 200);
            QCOMPARE(r.header("connection"), std::string("keep-alive"));
        }
        QVERIFY(c.send_all("GET /k HTTP/1.0\r\n\r\n"));  // no keep-alive asked: closed after the answer
        auto last = c.read_response();
        QVERIFY2(last.ok, last.error.c_str());
        QCOMPARE(last.header("connection"), std::string("close"));
        QVERIFY(c.wait_closed(2000));
        QCOMPARE(proxy.stop(), 0);
    }

    void listenPortInUseExits1_data() {
        QTest::addColumn<QString>("binary");
        QTest::newRow("redline-proxy") << QStringLiteral("agents/proxy/redline-proxy");
        QTest::newRow("sample server") << QStringLiteral("agents/sample_server/redline-sample-server");
    }
    void listenPortInUseExits1() {
        // SO_REUSEPORT must not let a second server of the same user take half of the port's connections.
        QFETCH(QString, binary);
        TestUpstream up;
        ProxyProcess first;
        QVERIFY(first.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + up.url()}));
        QTemporaryDir tmp;
        QStringList args = {
            QStringLiteral("--listen"),       QStringLiteral("127.0.0.1:%1").arg(first.port()),
            QStringLiteral("--admin-listen"), QStringLiteral("127.0.0.1:0"),
            QStringLiteral("--data-dir"),     tmp.path(),
            QStringLiteral("--threads"),      QStringLiteral("2")};
        if (binary.contains(QStringLiteral("proxy")))
            args << QStringLiteral("--upstream") << QStringLiteral("stable=") + up.url();
        QProcess second;
        second.start(ChildProcess::binary(binary), args);
        QVERIFY(second.waitForFinished(20000));
        QCOMPARE(second.exitCode(), 1);
        const QString err = QString::fromUtf8(second.readAllStandardError());
        QVERIFY2(err.contains(QStringLiteral("cannot listen")), qPrintable(err));
        QVERIFY(!QString::fromUtf8(second.readAllStandardOutput()).contains(QStringLiteral("REDLINE_READY")));
        for (int i = 0; i < 20; ++i)  // every connection still reaches the first proxy
            QCOMPARE(http_request(first.port(), "GET", "/still").status, 200);
        QCOMPARE(up.requests.load(), 20);
        QCOMPARE(first.stop(), 0);
    }

    void badConfigurationExits2_data() {
        QTest::addColumn<QString>("config");
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("named");
        const QStringList up = {QStringLiteral("--upstream"), QStringLiteral("stable=http://127.0.0.1:1")};
        QTest::newRow("unknown key") << QStringLiteral(R"({"listen": "127.0.0.1:0", "lisen": 1})") << up
                                     << QStringLiteral("lisen: unknown field");
        QTest::newRow("duplicate key") << QStringLiteral(R"({"threads": 1, "threads": 2})") << up
                                       << QStringLiteral("threads: duplicate key");
        QTest::newRow("wrong type") << QStringLiteral(R"({"timeouts_ms": {"connect": "1s"}})") << up
                                    << QStringLiteral("timeouts_ms.connect: must be an integer");
        QTest::newRow("nested unknown") << QStringLiteral(R"({"health_check": {"pth": "/"}})") << up
                                        << QStringLiteral("health_check.pth: unknown field");
        QTest::newRow("https upstream")
            << QString()
            << QStringList{QStringLiteral("--upstream"), QStringLiteral("stable=https://127.0.0.1:1")}
            << QStringLiteral("upstreams.stable");
        QTest::newRow("no upstream") << QString() << QStringList{} << QStringLiteral("upstreams.stable");
        QTest::newRow("bad pool") << QString()
                                  << QStringList{QStringLiteral("--upstream"),
                                                 QStringLiteral("blue=http://127.0.0.1:1")}
                                  << QStringLiteral("--upstream");
        QTest::newRow("not json") << QStringLiteral("{") << up << QStringLiteral("not valid JSON");
        QTest::newRow("host name upstream")
            << QString()
            << QStringList{QStringLiteral("--upstream"), QStringLiteral("stable=http://example.com:80")}
            << QStringLiteral("upstreams.stable: 'http://example.com:80': the host must be a literal IP");
        QTest::newRow("route without slash")
            << QStringLiteral(R"({"routes": ["no-slash"]})") << up
            << QStringLiteral("routes: route 'no-slash' must start with '/'");
        // Not a raw string: moc would count the brace in it.
        QTest::newRow("route half a parameter")
            << QStringLiteral("{\"routes\": [\"/a/\x7b\"]}") << up << QStringLiteral("routes: route '/a/{'");
        QTest::newRow("backend twice")
            << QString()
            << QStringList{QStringLiteral("--upstream"),
                           QStringLiteral("stable=http://127.0.0.1:1,http://127.0.0.1:1")}
            << QStringLiteral("upstreams.stable: 'http://127.0.0.1:1' is listed more");
        QTest::newRow("stable backend as canary")
            << QString()
            << (up + QStringList{QStringLiteral("--upstream"), QStringLiteral("canary=http://127.0.0.1:1")})
            << QStringLiteral("upstreams.canary: 'http://127.0.0.1:1' is listed more");
        QTest::newRow("missing routes file")
            << QString()
            << (up + QStringList{QStringLiteral("--routes"), QStringLiteral("/nonexistent/r.txt")})
            << QStringLiteral("routes_file:");
    }
    void badConfigurationExits2() {
        QFETCH(QString, config);
        QFETCH(QStringList, args);
        QFETCH(QString, named);
        QTemporaryDir tmp;
        QStringList all = {QStringLiteral("--data-dir"), tmp.path()};
        if (!config.isEmpty()) {
            QFile f(tmp.path() + QStringLiteral("/c.json"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(config.toUtf8());
            f.close();
            all += {QStringLiteral("--config"), f.fileName()};
        }
        all += args;
        QProcess p;
        p.start(ProxyProcess::binary(), all);
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitCode(), 2);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains(named), qPrintable(err));
        QCOMPARE(err.count(QLatin1Char('\n')), 1);  // one readable line
    }
};

QTEST_GUILESS_MAIN(TstProxyForwarding)
#include "tst_proxy_forwarding.moc"
