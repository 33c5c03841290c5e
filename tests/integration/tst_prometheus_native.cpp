// A real Prometheus 2.42 with --enable-feature=native-histograms scrapes 4 real sample servers in the
// protobuf format while the load engine sends them bounded traffic on loopback: the fleet p99 Prometheus
// computes from the agents' native histograms agrees with the client-side p99 of the same requests. And
// /metrics, scraped by a hostile client while the agent is under load, never fails and answers text when in
// doubt.
#include <QTest>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "core/load/engine.h"
#include "core/sketch.h"
#include "tests/support/prometheus_server.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/raw_http.h"
#include "tst_sample_support.h"

using namespace std::chrono_literals;
using redline::LatencySketch;
using redline::test::PrometheusServer;
using redline::test::SampleServerProcess;

namespace {

bool loopback_only(const boost::asio::ip::tcp::endpoint& ep, std::string* why) {
    if (ep.address().is_loopback()) return true;
    *why = "only loopback in tests";
    return false;
}

redline::load::Scenario product_reads(const QString& target, int vus, int duration_s) {
    auto p = redline::load::parse_scenario(
        {{"name", "native-histogram"},
         {"target", target.toStdString()},
         {"executor", "constant-vus"},
         {"vus", vus},
         {"duration_s", duration_s},
         {"requests", nlohmann::json::array({{{"path", "/v1/products/{1..1000}"}}})}});
    if (!p.ok()) qFatal("bad scenario: %s", p.errors()[0].message.c_str());
    return p.value();
}

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::uint16_t port_of(const QString& url) {
    return std::uint16_t(url.mid(url.lastIndexOf(':') + 1).toUInt());
}

const std::string kProtobufAccept =
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,"
    "text/plain;version=0.0.4;q=0.3,*/*;q=0.1";

}  // namespace

class TestPrometheusNative : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase() {
        if (QStringLiteral(REDLINE_PROMETHEUS).isEmpty())
            QFAIL("prometheus not found: install Debian's 'prometheus' package (packaging/redline.sh does)");
    }

    void fleetP99MatchesClientSide() {
        constexpr int kAgents = 4;
        std::array<SampleServerProcess, kAgents> servers;
        QStringList targets;
        for (auto& s : servers) {
            QVERIFY(s.start({}, 1000));
            // Every product read goes to the canary (client key = 127.0.0.1), which waits 20 ms + U(0, 10)
            // ms: the 20..30 ms case, where the old classic buckets said p99 49.5 ms for 30 ms.
            redline::CanaryConfig c;
            c.weight_percent = 100;
            c.faults.latency_ms = 20;
            c.faults.latency_jitter_ms = 10;
            const auto r = s.admin().set_canary(c);
            QVERIFY2(r.ok(), r.error_message().c_str());
            targets << s.proc().admin_url().mid(QStringLiteral("http://").size());
        }
        PrometheusServer prom;
        QString error;
        QVERIFY2(prom.start({targets, true, 1000}, &error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(prom.scalar("count(up == 1)") == kAgents, 30'000);
        // Prometheus asked for protobuf and stores native histograms: the family is one histogram series per
        // label set (no _bucket series); it already holds a sample from before the run.
        QTRY_VERIFY_WITH_TIMEOUT(prom.scalar("count(http_server_request_duration_seconds)") >= kAgents * 5,
                                 30'000);
        QVERIFY(prom.query("http_server_request_duration_seconds_bucket").empty());
        const auto native = prom.query("http_server_request_duration_seconds");
        QVERIFY(!native.empty() && native[0].contains("histogram"));
        std::this_thread::sleep_for(1500ms);  // a scrape of every agent before the first request
        const double before = unix_now();

        // Bounded load: 4 VUs per agent for 15 s, closed model, loopback only.
        std::vector<std::unique_ptr<redline::load::Engine>> engines;
        for (auto& s : servers) {
            redline::load::EngineOptions o;
            o.allow_connect = loopback_only;
            engines.push_back(std::make_unique<redline::load::Engine>(product_reads(s.api_url(), 4, 15), o));
        }
        for (auto& e : engines)
            e->start();
        LatencySketch client;
        std::uint64_t completed = 0;
        for (auto& e : engines) {
            const auto summary = e->wait();
            QCOMPARE(summary.transport_errors, std::uint64_t(0));
            QCOMPARE(summary.by_status.at(200), summary.completed);
            client.merge(summary.latency_sketch);
            completed += summary.completed;
        }
        QVERIFY(completed > 5000);

        // The same requests: once Prometheus' cumulative count equals what the clients completed, every
        // request is in it (the servers serve nothing else), and a 1m window ending now starts before the
        // run.
        const std::string count = "sum(histogram_count(http_server_request_duration_seconds))";
        QTRY_VERIFY_WITH_TIMEOUT(prom.scalar(count) == double(completed), 15'000);
        std::this_thread::sleep_for(1100ms);  // one more scrape of every agent, all at the final count
        const double at = unix_now();
        QVERIFY(at - 60 < before);

        const double prom_p99 =
            prom.scalar("histogram_quantile(0.99, sum(rate(http_server_request_duration_seconds[1m])))", at);
        QVERIFY(std::isfinite(prom_p99));

        // 1. Server side, always: the agents' own figure. Each agent reports the p99 of its requests over the
        // last 60 s (all of this run) from its sketch, within 0.78 % of exact. The exact fleet p99 of a
        // mixture lies between the smallest and the largest p99 of its parts, so it is in [min p99 x (1 -
        // 0.78 %), max p99 x (1 + 0.78 %)]; Prometheus must be within 2 % of that interval.
        double lo = INFINITY, hi = 0;
        std::uint64_t agent_requests = 0;
        for (auto& s : servers) {
            const auto snap = s.admin().snapshot(60);
            QVERIFY2(snap.ok(), snap.error_message().c_str());
            for (const auto& series : snap.value->series) {
                if (series.route != "/v1/products/{id}" || series.version != "canary") continue;
                QVERIFY(series.latency.has_value());
                agent_requests += series.requests;
                lo = std::min(lo, series.latency->p99_ms / 1e3);
                hi = std::max(hi, series.latency->p99_ms / 1e3);
            }
        }
        QCOMPARE(agent_requests, completed);
        const double k = LatencySketch::kRelativeError;
        qInfo("agents' own p99: %.4f .. %.4f ms; Prometheus fleet p99 %.4f ms", lo * 1e3, hi * 1e3,
              prom_p99 * 1e3);
        QVERIFY2(prom_p99 >= lo * (1 - k) * 0.98 && prom_p99 <= hi * (1 + k) * 1.02,
                 "fleet p99 not within 2 % of the agents' own figure");

        // 2. Client side, the comparison: the load engine's p99 of the same requests (its sketch,
        // within 0.78 % of the exact client p99; the merge of the 4 engines' sketches is exact). A client's
        // latency is the server's plus loopback, parsing and its own scheduling. That offset is measured
        // exactly from the sums (the agents' histogram_sum is exact, so is the clients' sketch sum). When it
        // is small
        // (< 0.5 % of p99) client and server measure the same thing and the 2 % bound is asserted; on a
        // saturated machine (the whole suite on 2 cores) the client's own queueing dominates its tail, the
        // figures stop being comparable, and the test says so instead of widening the bound.
        const double client_p99 = client.quantile_ns(0.99) / 1e9;
        const double server_mean =
            prom.scalar("sum(histogram_sum(http_server_request_duration_seconds))", at) / double(completed);
        const double client_mean = client.mean_ns() / 1e9;
        const double offset = client_mean - server_mean;
        qInfo(
            "requests %llu, p99: Prometheus native %.4f ms, client-side %.4f ms (%+.2f %%); mean offset "
            "client - server %.3f ms",
            static_cast<unsigned long long>(completed), prom_p99 * 1e3, client_p99 * 1e3,
            100 * (prom_p99 / client_p99 - 1), offset * 1e3);
        QVERIFY2(offset > 0, "a client cannot see less latency than the server");
        if (offset < 0.005 * client_p99)
            QVERIFY2(std::abs(prom_p99 - client_p99) <= 0.02 * client_p99,
                     "fleet p99 not within 2 % of client's");
        else
            qWarning(
                "client-side comparison not asserted: the client adds %.3f ms on average (>= 0.5 %% of p99); "
                "the machine is too loaded for client and server to measure the same latency",
                offset * 1e3);
    }

    void hostileScrapesUnderLoad() {
        SampleServerProcess server;
        QVERIFY(server.start({}, 1000));
        const auto admin_port = port_of(server.proc().admin_url());
        redline::load::EngineOptions o;
        o.allow_connect = loopback_only;
        redline::load::Engine engine(product_reads(server.api_url(), 8, 6), o);
        engine.start();
        std::this_thread::sleep_for(1500ms);

        struct Case {
            std::string accept;
            bool protobuf;
        };
        std::vector<Case> cases = {
            {"", false},
            {"*/*", false},
            {kProtobufAccept, true},
            {"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0",
             false},
            {"application/vnd.google.protobuf;q=zero", false},
            {";;;==,,,\"\"\"/;q=;q=1.0000,**/**", false},
            {"text/plain;q=1, application/vnd.google.protobuf;q=1", false},
            {"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;x=" +
                 std::string(6000, 'y'),
             true},
        };
        std::string many;
        for (int i = 0; i < 700; ++i)
            many += "a/b;q=0.5,";
        cases.push_back({many + kProtobufAccept, false});  // 700 ranges: only the first 128 count

        int scrapes = 0;
        for (int round = 0; round < 5; ++round) {
            for (const auto& c : cases) {
                redline::test::Headers h;
                if (!c.accept.empty()) h.push_back({"Accept", c.accept});
                const auto r = redline::test::http_request(admin_port, "GET", "/metrics", h);
                QVERIFY2(r.ok, r.error.c_str());
                QVERIFY2(r.status == 200, c.accept.substr(0, 80).c_str());
                QCOMPARE(r.header("vary"), std::string("Accept"));
                if (c.protobuf) {
                    QVERIFY2(r.header("content-type").rfind("application/vnd.google.protobuf", 0) == 0,
                             c.accept.substr(0, 80).c_str());
                    QVERIFY(!r.body.empty());
                } else {
                    QVERIFY2(r.header("content-type").rfind("text/plain; version=0.0.4", 0) == 0,
                             c.accept.substr(0, 80).c_str());
                    std::string err;
                    QVERIFY(!redline::test::parse_prometheus_text(r.body, &err).empty());
                    QVERIFY2(err.empty(), err.c_str());
                }
                ++scrapes;
            }
        }
        // Control characters in a header are a framing error: 400 from the HTTP parser, before any handler.
        const auto ctl = redline::test::http_request(admin_port, "GET", "/metrics",
                                                     {{"Accept", std::string("\x01\x7f;q=1", 6)}});
        QVERIFY(!ctl.ok || ctl.status == 400);
        // An Accept header over the agent's header limit (8 KiB) is refused (431) like any other, and the
        // agent goes on serving.
        const auto big =
            redline::test::http_request(admin_port, "GET", "/metrics", {{"Accept", std::string(9000, 'a')}});
        QVERIFY(!big.ok || big.status == 431);
        // Two Accept headers count as one list: protobuf asked in the second one.
        const auto two = redline::test::http_request(
            admin_port, "GET", "/metrics", {{"Accept", "text/plain;q=0.1"}, {"Accept", kProtobufAccept}});
        QVERIFY(two.ok);
        QVERIFY(two.header("content-type").rfind("application/vnd.google.protobuf", 0) == 0);
        const auto summary = engine.wait();
        QCOMPARE(summary.transport_errors, std::uint64_t(0));
        QVERIFY(scrapes == 45);
        QVERIFY(server.proc().running());
        const auto after = redline::test::http_request(admin_port, "GET", "/metrics");
        QCOMPARE(after.status, 200);
    }
};

QTEST_GUILESS_MAIN(TestPrometheusNative)
#include "tst_prometheus_native.moc"
