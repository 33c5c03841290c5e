// Upstream time apart from total time (issue 12), from the outside: a real redline-proxy in front of a real
// sample server whose product reads are slowed by a known delay (its canary fault knob at weight 100 %). The
// proxy's snapshot (GET /v1/snapshot and the SSE stream) carries an "upstream" member per series with p50
// close to the delay, the total at or above it, one upstream time per forwarded request; requests that never
// reached an upstream (429 from the rate limit, 502/503 with the only backend down) have none; /metrics with
// the upstream family passes promtool; the sample server itself has no upstream member anywhere.
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <set>

#ifndef Q_MOC_RUN  // moc need not parse Boost
#include "agents/sample_server/api.h"
#include "tests/integration/tst_proxy_support.h"
#include "tests/support/raw_http.h"
#endif

using namespace redline::test;
using redline::AgentClient;
using redline::SeriesSnapshot;
using redline::Snapshot;

namespace {

constexpr double kDelayMs = 40.0;
const std::string kRoute = "/v1/products/{id}";

const SeriesSnapshot* find_series(const Snapshot& s, const std::string& route, const std::string& version) {
    for (const auto& x : s.series)
        if (x.route == route && x.version == version) return &x;
    return nullptr;
}

/// Polls the snapshot (window 30 s) until the series shows `requests` requests.
std::optional<Snapshot> wait_for(AgentClient& admin, const std::string& route, std::uint64_t requests) {
    std::optional<Snapshot> last;
    for (int i = 0; i < 60; ++i) {
        auto r = admin.snapshot(30);
        if (r.ok()) {
            last = *r.value;
            const SeriesSnapshot* s = find_series(*last, route, "stable");
            if (s && s->requests >= requests) return last;
        }
        QTest::qWait(100);
    }
    return last;
}

bool has_key_anywhere(const nlohmann::json& j, const std::string& key) {
    if (j.is_object()) {
        if (j.contains(key)) return true;
        for (const auto& [k, v] : j.items())
            if (has_key_anywhere(v, key)) return true;
    } else if (j.is_array()) {
        for (const auto& v : j)
            if (has_key_anywhere(v, key)) return true;
    }
    return false;
}

}  // namespace

class TstProxyUpstreamTime : public QObject {
    Q_OBJECT

  private slots:
    void upstreamTimeFollowsTheServiceDelay() {
        SampleServerProcess sample;
        QVERIFY(sample.start());
        // Every product read served by the sample server's canary, which waits kDelayMs first.
        redline::CanaryConfig slow;
        slow.weight_percent = 100;
        slow.faults.latency_ms = kDelayMs;
        auto put = sample.admin().set_canary(slow);
        QVERIFY2(put.ok(), put.error_message().c_str());

        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + sample.api_url(),
                             QStringLiteral("--route"), QString::fromStdString(kRoute)}));
        SampleHttp http(proxy.api_url());
        constexpr int kRequests = 20;
        for (int i = 1; i <= kRequests; ++i)
            QCOMPARE(http.get("/v1/products/" + std::to_string(i)).status, 200);

        const auto snap = wait_for(proxy.admin(), kRoute, kRequests);
        QVERIFY(snap.has_value());
        const SeriesSnapshot* s = find_series(*snap, kRoute, "stable");
        QVERIFY(s && s->latency && s->upstream);
        QCOMPARE(s->requests, std::uint64_t(kRequests));
        QCOMPARE(s->upstream->requests, std::uint64_t(kRequests));
        const auto& up = s->upstream->latency;
        const auto& total = *s->latency;
        const QByteArray figures = QStringLiteral("upstream p50 %1 p99 %2 max %3, total p50 %4 p99 %5")
                                       .arg(up.p50_ms)
                                       .arg(up.p99_ms)
                                       .arg(up.max_ms)
                                       .arg(total.p50_ms)
                                       .arg(total.p99_ms)
                                       .toUtf8();
        // The injected delay plus the sample server's own few milliseconds at most (a loaded CI machine).
        QVERIFY2(up.p50_ms >= kDelayMs * (1 - redline::LatencySketch::kRelativeError), figures.constData());
        QVERIFY2(up.p50_ms < kDelayMs + 25, figures.constData());
        // Every request's total includes its upstream time, so every order statistic does too.
        QVERIFY2(total.p50_ms >= up.p50_ms, figures.constData());
        QVERIFY2(total.p99_ms >= up.p99_ms, figures.constData());
        QVERIFY2(total.mean_ms >= up.mean_ms, figures.constData());
        QVERIFY(snap->total.upstream && snap->total.upstream->requests == std::uint64_t(kRequests));

        // The stream carries the same member.
        const auto viewer = proxy.proc().token(QStringLiteral("viewer")).toStdString();
        const auto port = static_cast<std::uint16_t>(proxy.proc().admin_url().section(':', -1).toUInt());
        SseCapture c = read_sse(port, "/v1/stream?interval_ms=200&window=30s",
                                {{"Authorization", "Bearer " + viewer}}, 5000, [](const SseCapture& cap) {
                                    for (const auto& m : cap.messages)
                                        if (m.event == "snapshot") return true;
                                    return false;
                                });
        bool streamed = false;
        for (const auto& m : c.messages) {
            if (m.event != "snapshot") continue;
            const nlohmann::json j = parse_json(m.data);
            for (const auto& x : j.value("series", nlohmann::json::array()))
                if (x.value("route", "") == kRoute && x.contains("upstream"))
                    streamed = x["upstream"].value("requests", 0) == kRequests;
        }
        QVERIFY2(streamed, c.error.c_str());

        // redlinectl status: the upstream line and the per-route column on the proxy, neither on the sample
        // server.
        auto status = [](const redline::test::ChildProcess& agent) {
            QProcess p;
            p.start(
                redline::test::ChildProcess::binary("app/redlinectl"),
                {"--agent", agent.admin_url(), "--token-file", agent.data_dir() + "/viewer.token", "status"});
            p.waitForFinished(30'000);
            return QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError());
        };
        const QString proxied = status(proxy.proc());
        QVERIFY2(proxied.contains(QStringLiteral("upstream  p50 ")), qPrintable(proxied));
        QVERIFY2(proxied.contains(QStringLiteral("(20 of 20 requests reached an upstream)")),
                 qPrintable(proxied));
        QVERIFY2(proxied.contains(QStringLiteral("UPSTREAM P99")), qPrintable(proxied));
        const QString direct = status(sample.proc());
        QVERIFY2(direct.contains(QStringLiteral("latency   p50")), qPrintable(direct));
        QVERIFY2(!direct.contains(QStringLiteral("upstream"), Qt::CaseInsensitive), qPrintable(direct));

        // The sample server records no upstream time: no member anywhere in its snapshot.
        auto own = sample.admin().call_json("GET", "/v1/snapshot?window=30s");
        QVERIFY(own.ok());
        QVERIFY(!has_key_anywhere(*own.value, "upstream"));

        // /metrics with the upstream family is valid exposition text.
        auto m = proxy.admin().metrics();
        QVERIFY(m.ok());
        QVERIFY(m.value->find("# TYPE redline_upstream_request_duration_seconds histogram") !=
                std::string::npos);
        const QString promtool = QStringLiteral(REDLINE_PROMTOOL);
        if (promtool.isEmpty()) QSKIP("promtool not found at configure time");
        QProcess p;
        p.start(promtool, {"check", "metrics"});
        QVERIFY(p.waitForStarted(10'000));
        p.write(QByteArray::fromStdString(*m.value));
        p.closeWriteChannel();
        QVERIFY(p.waitForFinished(30'000));
        const QByteArray out = p.readAllStandardOutput() + p.readAllStandardError();
        QVERIFY2(p.exitCode() == 0, out.constData());
        QVERIFY2(out.trimmed().isEmpty(), out.constData());
        QCOMPARE(proxy.stop(), 0);
    }

    void demoRoutesAreTheSampleApisRoutes() {
        // `packaging/redline.sh demo --proxy` gives the proxy resources/demo/catalog-routes.txt: every
        // request of the demo's background traffic is recorded under the template the sample server itself
        // records, none under the catch-all (it once named the admin API's OpenAPI file, and every request
        // was
        // "/{unmatched}").
        SampleServerProcess sample;
        QVERIFY(sample.start());
        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + sample.api_url(),
                             QStringLiteral("--routes"),
                             QStringLiteral(REDLINE_SOURCE_DIR "/resources/demo/catalog-routes.txt")}));
        SampleHttp http(proxy.api_url());
        QCOMPARE(http.get("/v1/products/7").status, 200);
        QCOMPARE(http.get("/v1/products?page_size=5").status, 200);
        QCOMPARE(http.get("/v1/products/search?q=lamp").status, 200);
        const auto order = http.request(
            "POST", "/v1/orders", R"({"items": [{"product_id": 42, "quantity": 1}], "customer": "demo"})");
        QCOMPARE(order.status, 201);
        const std::string location = order.header("location");
        QVERIFY2(location.starts_with("/v1/orders/"), location.c_str());
        QCOMPARE(http.get(location).status, 200);
        std::set<std::string> recorded;
        for (int i = 0; i < 60 && recorded.size() < 5; ++i) {
            recorded.clear();
            if (auto r = proxy.admin().snapshot(30); r.ok())
                for (const auto& x : r.value->series)
                    if (x.requests > 0) recorded.insert(x.method + " " + x.route);
            QTest::qWait(100);
        }
        const std::set<std::string> sample_routes(redline::sample::route_ids().begin(),
                                                  redline::sample::route_ids().end());
        std::string shown;
        for (const auto& r : recorded)
            shown += r + "; ";
        QVERIFY2(recorded == sample_routes, shown.c_str());
        QCOMPARE(proxy.stop(), 0);
    }

    void rateLimitedRequestsHaveNoUpstreamTime() {
        TestUpstream up;
        ProxyProcess proxy;
        QVERIFY(proxy.start({QStringLiteral("--upstream"), QStringLiteral("stable=") + up.url(),
                             QStringLiteral("--route"), QStringLiteral("/limited")}));
        redline::LimitsConfig l;
        redline::RouteLimit rl;
        rl.rate_per_s = 0.1;
        rl.burst = 3;
        l.routes["GET /limited"] = rl;
        auto put = proxy.admin().set_limits(l);
        QVERIFY2(put.ok(), put.error_message().c_str());
        SampleHttp http(proxy.api_url());
        int ok = 0, limited = 0;
        for (int i = 0; i < 8; ++i) {
            const int st = http.get("/limited", {{"X-API-Key", "k"}}).status;
            ok += st == 200;
            limited += st == 429;
        }
        QCOMPARE(ok, 3);
        QCOMPARE(limited, 5);
        const auto snap = wait_for(proxy.admin(), "/limited", 8);
        QVERIFY(snap.has_value());
        const SeriesSnapshot* s = find_series(*snap, "/limited", "stable");
        QVERIFY(s && s->upstream);
        QCOMPARE(s->requests, std::uint64_t(8));
        QCOMPARE(s->upstream->requests, std::uint64_t(3));  // the 429s never reached the upstream
        QCOMPARE(proxy.stop(), 0);
    }

    void deadBackendMeansNoUpstreamTime() {
        // The backend passes the first health check, then goes away: connects are refused (502) until the
        // health checker ejects it (503). Neither reached an upstream.
        TestUpstream up;
        ProxyProcess proxy;
        // No active health check: on a loaded machine its first check could run after up.stop() and eject the
        // backend before the first request, and the connect-failure path (502) would not be taken. The
        // passive ejection (consecutive failures) still turns later requests into 503s.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile cfg(dir.filePath("proxy.json"));
        QVERIFY(cfg.open(QIODevice::WriteOnly));
        cfg.write(R"({"health_check": {"enabled": false}})");
        cfg.close();
        QVERIFY(proxy.start({QStringLiteral("--config"), cfg.fileName(), QStringLiteral("--upstream"),
                             QStringLiteral("stable=") + up.url(), QStringLiteral("--route"),
                             QStringLiteral("/x")}));
        up.stop();
        SampleHttp http(proxy.api_url());
        int failed = 0, refused = 0;
        for (int i = 0; i < 6; ++i) {
            const int st = http.get("/x").status;
            QVERIFY2(st == 502 || st == 503, std::to_string(st).c_str());
            ++failed;
            refused += st == 502;
        }
        const auto snap = wait_for(proxy.admin(), "/x", std::uint64_t(failed));
        QVERIFY(snap.has_value());
        const SeriesSnapshot* s = find_series(*snap, "/x", "stable");
        QVERIFY(s);
        QVERIFY(refused > 0);  // the connect-failure path was taken
        QCOMPARE(s->requests, std::uint64_t(failed));
        // Before the fix a refused connect counted the steady clock's age (days) as upstream time.
        QVERIFY2(!s->upstream.has_value(),
                 s->upstream ? std::to_string(s->upstream->latency.max_ms).c_str() : "");
        QVERIFY(!snap->total.upstream.has_value());
        auto m = proxy.admin().metrics();
        QVERIFY(m.ok());
        QVERIFY2(m.value->find("redline_upstream_request_duration_seconds_count{http_request_method=\"GET\","
                               "http_route=\"/x\"") == std::string::npos,
                 m.value->c_str());
        QCOMPARE(proxy.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TstProxyUpstreamTime)
#include "tst_proxy_upstream_time.moc"
