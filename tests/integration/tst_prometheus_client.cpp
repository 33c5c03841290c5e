// The Prometheus source's foundation (issue 11 §2): PrometheusClient and the fleet queries against a real
// Prometheus (Debian's package) scraping two real agents and itself on loopback. Checks the answers a fleet
// view needs (per instance, route and version), a service no one here wrote (Prometheus' own HTTP metrics by
// handler, through a label mapping), and that every failure is one readable line: Prometheus' own error text,
// an unreachable server, a selector that matches nothing.
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <set>

#include "core/prometheus_client.h"
#include "core/prometheus_fleet.h"
#include "tests/support/child_process.h"
#include "tests/support/prometheus_server.h"

#ifndef Q_MOC_RUN  // moc need not parse Boost
#include "tests/integration/tst_proxy_support.h"
#endif

using namespace redline;
using redline::test::ChildProcess;

namespace {
std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

class TestPrometheusClient : public QObject {
    Q_OBJECT
  private slots:
    void parsesTheApiFormat();
    void initTestCase();
    void cleanupTestCase();
    void fleetQueriesPerInstanceRouteAndVersion();
    void aServiceNoOneHereWrote();
    void failuresAreOneReadableLine();
    void nativeHistogramsAreDetectedAndQueried();
    void upstreamTimeOfAForwardingHost_data();
    void upstreamTimeOfAForwardingHost();

  private:
    QTemporaryDir dir_;
    ChildProcess a_, b_;
    QProcess prom_;
    std::uint16_t port_ = 0;
    std::unique_ptr<PrometheusClient> client_;
};

// Pure parsing: values as strings with NaN/±Inf, scalars, errors with errorType, warnings, garbage.
void TestPrometheusClient::parsesTheApiFormat() {
    auto r = PrometheusClient::parse_answer(
        200, R"({"status":"success","warnings":["w1"],"data":{"resultType":"matrix","result":[
                {"metric":{"instance":"a"},"values":[[1700000000.25,"1.5"],[1700000001,"NaN"],[1700000002,"+Inf"]]},
                {"metric":{},"histograms":[[1700000000,{"count":"3","sum":"1.5","buckets":[[0,"0.5","1","3"]]}]]}]}})");
    QVERIFY(r.ok());
    QCOMPARE(r.value->size(), std::size_t(2));
    const auto& s = r.value->front();
    QCOMPARE(s.labels.at("instance"), std::string("a"));
    QCOMPARE(s.points.size(), std::size_t(3));
    QCOMPARE(s.points[0].first, std::int64_t(1'700'000'000'250));
    QCOMPARE(s.points[0].second, 1.5);
    QVERIFY(std::isnan(s.points[1].second));
    QVERIFY(std::isinf(s.points[2].second));
    QVERIFY(r.value->back().points.empty());  // a native histogram sample is not a float
    QCOMPARE(r.value->back().histograms.size(), std::size_t(1));
    const PromHistogram& h = r.value->back().histograms.front().second;
    QCOMPARE(h.count, 3.0);
    QCOMPARE(h.buckets.size(), std::size_t(1));
    QCOMPARE(h.buckets[0].upper, 1.0);
    QCOMPARE(native_quantile(0.5, h), 0.75);  // linear within the bucket
    QCOMPARE(classic_quantile(0.5, {{0.1, 0}, {0.2, 10}, {INFINITY, 10}}), 0.15);
    QCOMPARE(classic_quantile(0.99, {{0.1, 0}, {0.2, 5}, {INFINITY, 10}}),
             0.2);                                                     // in +Inf: the highest bound
    QVERIFY(std::isnan(classic_quantile(0.5, {{0.1, 1}, {0.2, 2}})));  // no +Inf bucket
    // A malformed histogram fails the answer.
    QVERIFY(
        !PrometheusClient::parse_answer(200, R"({"status":"success","data":{"resultType":"vector","result":[
                      {"metric":{},"histogram":[1700000000,{"count":"x","sum":"1"}]}]}})")
             .ok());
    QCOMPARE(r.warnings, std::vector<std::string>{"w1"});
    auto sc = PrometheusClient::parse_answer(
        200, R"({"status":"success","data":{"resultType":"scalar","result":[1,"2"]}})");
    QVERIFY(sc.ok() && sc.value->size() == 1 && sc.value->front().points[0].second == 2.0);
    auto err = PrometheusClient::parse_answer(
        400,
        R"({"status":"error","errorType":"bad_data","error":"1:5: parse error: unclosed left parenthesis"})");
    QVERIFY(!err.ok());
    QCOMPARE(err.error_type, std::string("bad_data"));
    QVERIFY2(err.error.find("unclosed left parenthesis") != std::string::npos, err.error.c_str());
    QVERIFY(err.error.find("HTTP 400") != std::string::npos);
    for (const char* bad :
         {"", "<html>502 Bad Gateway</html>", "[]", R"({"status":"success"})",
          R"({"status":"success","data":{"resultType":"string","result":[1,"x"]}})",
          R"({"status":"success","data":{"resultType":"scalar","result":"x"}})",
          R"({"type":"about:blank","title":"Not Found","status":404})",
          R"({"status":"error","errorType":7,"error":["x"]})",
          R"({"status":"success","data":{"resultType":5,"result":[]}})",
          R"({"status":"success","data":{"resultType":"vector","result":[{"metric":[1],"value":{}}]}})"}) {
        auto g = PrometheusClient::parse_answer(502, bad);
        QVERIFY2(!g.ok() && !g.error.empty() && g.error.find('\n') == std::string::npos, bad);
    }
    QCOMPARE(PrometheusClient::parse_value("1e3").value(), 1000.0);
    QVERIFY(!PrometheusClient::parse_value("12abc"));
    QCOMPARE(prom_time(1'700'000'000'005), std::string("1700000000.005"));
}

void TestPrometheusClient::initTestCase() {
    if (QStringLiteral(REDLINE_PROMETHEUS).isEmpty())
        QFAIL("prometheus not found: install Debian's 'prometheus'");
    QVERIFY(dir_.isValid());
    QString error;
    for (ChildProcess* c : {&a_, &b_}) {
        const QString data = dir_.filePath(c == &a_ ? "a" : "b");
        QVERIFY2(c->start(ChildProcess::binary("agents/redline-agent-demo"),
                          {"--admin-listen", "127.0.0.1:0", "--data-dir", data}, 30'000, &error),
                 qPrintable(error));
    }
    port_ = ChildProcess::free_port();
    auto hostport = [](const ChildProcess& c) { return c.admin_url().mid(QStringLiteral("http://").size()); };
    QFile cfg(dir_.filePath("prometheus.yml"));
    QVERIFY(cfg.open(QIODevice::WriteOnly));
    cfg.write(
        QStringLiteral("global:\n  scrape_interval: 1s\n"
                       "scrape_configs:\n"
                       "  - job_name: redline\n    static_configs:\n      - targets: ['%1', '%2']\n"
                       "  - job_name: prometheus\n    static_configs:\n      - targets: ['127.0.0.1:%3']\n")
            .arg(hostport(a_), hostport(b_))
            .arg(port_)
            .toUtf8());
    cfg.close();
    prom_.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    prom_.start(QStringLiteral(REDLINE_PROMETHEUS),
                {"--config.file=" + cfg.fileName(), "--storage.tsdb.path=" + dir_.filePath("tsdb"),
                 QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port_), "--log.level=warn"});
    QVERIFY(prom_.waitForStarted(10'000));
    client_ = std::make_unique<PrometheusClient>("http://127.0.0.1:" + std::to_string(port_));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            auto r = client_->query("up == 1");
            return r.ok() && r.value->size() == 3;
        }(),
        30'000);
}

void TestPrometheusClient::cleanupTestCase() {
    client_.reset();
    if (prom_.state() != QProcess::NotRunning) {
        prom_.terminate();
        if (!prom_.waitForFinished(10'000)) prom_.kill();
    }
    a_.stop();
    b_.stop();
}

void TestPrometheusClient::fleetQueriesPerInstanceRouteAndVersion() {
    FleetMapping m;
    m.selector = R"(job="redline")";
    const std::string focus = a_.admin_url().mid(7).toStdString();
    const auto queries = fleet_queries(m, 5, {focus});
    QCOMPARE(queries.size(), std::size_t(5));  // the count docs/dashboard.md states, whatever the fleet size
    // Enough history for rate() over 5 s windows.
    QTest::qWait(8000);
    const std::int64_t end = now_ms() / 1000 * 1000, start = end - 20'000;
    std::vector<std::pair<FleetFigure, std::vector<PromSeries>>> answers;
    for (const auto& q : queries) {
        auto r = client_->query_range(q.promql, start, end, 1000);
        QVERIFY2(r.ok(), (q.promql + " -> " + r.error).c_str());
        // No cache lookups, and sample servers forward nothing: no upstream histogram.
        if (q.figure != FleetFigure::Cache && q.figure != FleetFigure::Upstream)
            QVERIFY2(!r.value->empty(), q.promql.c_str());
        for (const auto& s : *r.value)
            QVERIFY2(s.labels.count(kFleetLevelLabel), q.promql.c_str());
        if (!q.level.empty()) tag_level(*r.value, q.level);
        answers.emplace_back(q.figure, std::move(*r.value));
    }
    const FleetFrame f = fleet_frame(m, 5, answers);
    QCOMPARE(f.instances.size(), std::size_t(2));  // both agents, from one query per figure
    // The fleet's quantiles, computed here from the instances' rated buckets, are Prometheus' own
    // histogram_quantile() over the whole selection at the same step.
    {
        const Snapshot& last = f.fleet.back();
        for (const auto& [phi, ours] :
             {std::pair{"0.5", last.total.latency->p50_ms}, std::pair{"0.99", last.total.latency->p99_ms}}) {
            const auto theirs = client_->query(
                std::string("histogram_quantile(") + phi +
                    ", sum by (le) (rate(http_server_request_duration_seconds_bucket{job=\"redline\"}[5s])))",
                last.time_ms);
            QVERIFY2(theirs.ok() && theirs.value->size() == 1, theirs.error.c_str());
            const double p = theirs.value->front().points.at(0).second * 1000;
            QVERIFY2(std::abs(ours - p) <= 1e-6 * p,
                     qPrintable(QStringLiteral("%1: %2 vs %3").arg(phi).arg(ours).arg(p)));
        }
    }
    QVERIFY(f.status_exported);
    QVERIFY(!f.fleet.empty());
    const Snapshot& fleet = f.fleet.back();
    QVERIFY(fleet.total.rate_per_s > 0);
    QVERIFY(!fleet.series.empty());  // the service's routes, fleet-wide
    QVERIFY(fleet.total.latency && fleet.total.latency->p99_ms > 0 && fleet.total.latency->p99_ms < 60'000);
    QVERIFY(fleet.total.error_ratio && *fleet.total.error_ratio >= 0 && *fleet.total.error_ratio <= 1);
    for (const auto& [instance, snaps] : f.instances) {
        QVERIFY(!snaps.empty());
        for (std::size_t i = 1; i < snaps.size(); ++i)
            QVERIFY(snaps[i].time_ms > snaps[i - 1].time_ms);
        const Snapshot& last = snaps.back();
        QVERIFY(last.time_ms >= start && last.time_ms <= end);
        QVERIFY(last.total.rate_per_s > 0);
        // Per-route series only for the focused instance.
        QCOMPARE(!last.series.empty(), instance == focus);
        for (const auto& s : last.series) {
            QVERIFY(!s.method.empty() && !s.route.empty() && !s.version.empty());
            QVERIFY(s.rate_per_s >= 0);
        }
    }
    // The fleet's rate is the sum of the instances' (same steps, same window).
    double sum = 0;
    for (const auto& [_, snaps] : f.instances)
        for (const auto& s : snaps)
            if (s.time_ms == fleet.time_ms) sum += s.total.rate_per_s;
    QVERIFY2(std::abs(sum - fleet.total.rate_per_s) < 1e-6 * std::max(1.0, sum),
             qPrintable(QStringLiteral("%1 vs %2").arg(sum).arg(fleet.total.rate_per_s)));
    // Only the focused instance's routes: focus_only gives the same route series and nothing else.
    for (const auto& q : fleet_queries(m, 5, {focus}, true)) {
        auto r = client_->query(q.promql);
        QVERIFY2(r.ok(), r.error.c_str());
        for (const auto& s : *r.value)
            QCOMPARE(s.labels.at(kFleetLevelLabel), std::string("route"));
    }
}

// Prometheus' own HTTP server metrics: another metric name, "handler" as the route, "code" as the status,
// no method, no version and no cache. The mapping is all it takes.
void TestPrometheusClient::aServiceNoOneHereWrote() {
    FleetMapping m;
    m.selector = R"(job="prometheus")";
    m.duration_metric = "prometheus_http_request_duration_seconds";
    m.requests_metric = "prometheus_http_requests_total";
    m.status_label = "code";
    m.method_label.clear();
    m.route_label = "handler";
    m.version_label.clear();
    m.cache_metric.clear();
    m.upstream_metric.clear();
    const auto queries = fleet_queries(m, 5);
    QCOMPARE(queries.size(), std::size_t(3));  // no cache figure: "not exported", not zero
    const std::int64_t end = now_ms() / 1000 * 1000;
    std::vector<std::pair<FleetFigure, std::vector<PromSeries>>> answers;
    for (const auto& q : queries) {
        auto r = client_->query_range(q.promql, end - 10'000, end, 1000);
        QVERIFY2(r.ok(), (q.promql + " -> " + r.error).c_str());
        answers.emplace_back(q.figure, std::move(*r.value));
    }
    const FleetFrame f = fleet_frame(m, 5, answers);
    QVERIFY(!f.cache_exported);
    QVERIFY(f.status_exported);
    QCOMPARE(f.instances.size(), std::size_t(1));
    QVERIFY(!f.fleet.empty());
    bool found = false;
    for (const auto& s : f.fleet.back().series) {
        QVERIFY(s.method.empty() && s.version.empty());
        QVERIFY(!s.cache_hit_ratio);
        // Our own queries and its scrapes of itself go through /api/v1/query_range and /metrics.
        found = found || s.id() == "/api/v1/query_range" || s.id() == "/metrics";
    }
    QVERIFY(found);
}

void TestPrometheusClient::failuresAreOneReadableLine() {
    // Prometheus' own text for a bad expression.
    auto bad = client_->query("sum(rate(http_server_requests_total[1m])");
    QVERIFY(!bad.ok());
    QCOMPARE(bad.error_type, std::string("bad_data"));
    QVERIFY2(bad.error.find("parse error") != std::string::npos, bad.error.c_str());
    QVERIFY(bad.error.find('\n') == std::string::npos);
    // A selector that matches nothing is an empty answer, not an error (the source says "matches nothing").
    FleetMapping none;
    none.selector = R"(job="no-such-job")";
    auto empty = client_->query(fleet_queries(none, 5).front().promql);
    QVERIFY2(empty.ok(), empty.error.c_str());
    QVERIFY(empty.value->empty());
    // An unreachable server.
    PrometheusClient down("http://127.0.0.1:" + std::to_string(ChildProcess::free_port()), {},
                          std::chrono::milliseconds(2000));
    auto r = down.query("up");
    QVERIFY(!r.ok());
    QCOMPARE(r.error_type, std::string("transport"));
    QVERIFY2(r.error.rfind("cannot reach http://127.0.0.1:", 0) == 0, r.error.c_str());
    // Not Prometheus at all: an agent's admin port answers 404 problem+json.
    PrometheusClient wrong(a_.admin_url().toStdString());
    auto w = wrong.query("up");
    QVERIFY(!w.ok());
    QVERIFY2(w.error.find("404") != std::string::npos || w.error_type == "auth", w.error.c_str());
    // A bad range is refused before any request.
    auto step = client_->query_range("up", 2000, 1000, 1000);
    QVERIFY(!step.ok() && step.error_type == "bad_data");
}

// A Prometheus with the native-histogram feature keeps only the native form of the agents' duration histogram
// (2.42 drops the classic _bucket series): the probe says so, and the native form of the queries answers.
void TestPrometheusClient::nativeHistogramsAreDetectedAndQueried() {
    FleetMapping m;
    m.selector = R"(job="redline")";
    auto classic = client_->query(fleet_native_probe(m));
    QVERIFY2(classic.ok() && classic.value->size() == 1, classic.error.c_str());
    QCOMPARE(classic.value->front().points.at(0).second, 0.0);  // the classic Prometheus above

    test::PrometheusServer native;
    test::PrometheusServer::Options o;
    o.targets = {a_.admin_url().mid(7)};
    o.native_histograms = true;
    QString error;
    QVERIFY2(native.start(o, &error), qPrintable(error));
    PrometheusClient nc(native.url());
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            auto r = nc.query(fleet_native_probe(m));
            return r.ok() && !r.value->empty() && r.value->front().points.at(0).second > 0;
        }(),
        30'000);
    QTest::qWait(7000);  // history for rate() over 5 s
    m.native = true;
    const FleetQuery latency = fleet_queries(m, 5).at(2);
    QVERIFY(latency.figure == FleetFigure::Latency && latency.level == "instance");
    const auto r = nc.query(latency.promql);
    QVERIFY2(r.ok(), (latency.promql + " -> " + r.error).c_str());
    QVERIFY2(!r.value->empty(), latency.promql.c_str());
    for (const auto& s : *r.value) {
        std::string labels;
        for (const auto& [k, v] : s.labels)
            labels += k + "=" + v + " ";
        QVERIFY2(!s.histograms.empty() && s.points.empty(),
                 qPrintable(QStringLiteral("%1: %2 histograms, %3 points")
                                .arg(QString::fromStdString(labels))
                                .arg(s.histograms.size())
                                .arg(s.points.size())));
    }
    // The quantiles computed here from the rated native histograms are Prometheus' own histogram_quantile().
    const std::int64_t t = now_ms() / 1000 * 1000;
    const auto hist = nc.query("sum(rate(http_server_request_duration_seconds{job=\"redline\"}[5s]))", t);
    QVERIFY2(hist.ok() && hist.value->size() == 1 && hist.value->front().histograms.size() == 1,
             hist.error.c_str());
    for (const char* phi : {"0.5", "0.95", "0.99"}) {
        const auto theirs =
            nc.query(std::string("histogram_quantile(") + phi +
                         ", sum(rate(http_server_request_duration_seconds{job=\"redline\"}[5s])))",
                     t);
        QVERIFY2(theirs.ok() && theirs.value->size() == 1, theirs.error.c_str());
        const double ours = native_quantile(std::stod(phi), hist.value->front().histograms.front().second);
        const double p = theirs.value->front().points.at(0).second;
        QVERIFY2(std::abs(ours - p) <= 1e-9 * p,
                 qPrintable(QStringLiteral("%1: %2 vs %3").arg(phi).arg(ours).arg(p)));
    }
    // The classic form finds nothing there: why the probe matters.
    m.native = false;
    const auto classic_hist = nc.query(fleet_queries(m, 5).at(2).promql);
    QVERIFY(classic_hist.ok() && classic_hist.value->empty());
}

void TestPrometheusClient::upstreamTimeOfAForwardingHost_data() {
    QTest::addColumn<bool>("native");
    QTest::newRow("classic") << false;
    QTest::newRow("native") << true;
}

// A real redline-proxy in front of a real sample server whose every product read waits 30 ms, both scraped by
// a real Prometheus: the proxy's snapshots through the Prometheus source carry the upstream time (the same
// figure an agent's own snapshot has), the sample server's carry none.
void TestPrometheusClient::upstreamTimeOfAForwardingHost() {
    QFETCH(bool, native);
    test::SampleServerProcess sample;
    QVERIFY(sample.start());
    CanaryConfig slow;
    slow.weight_percent = 100;
    slow.faults.latency_ms = 30;
    auto put = sample.admin().set_canary(slow);
    QVERIFY2(put.ok(), put.error_message().c_str());
    test::ProxyProcess proxy;
    QVERIFY(proxy.start({"--upstream", "stable=" + sample.api_url(), "--route", "/v1/products/{id}"}));

    test::PrometheusServer prom;
    test::PrometheusServer::Options o;
    o.targets = {proxy.proc().admin_url().mid(7), sample.proc().admin_url().mid(7)};
    o.native_histograms = native;
    QString error;
    QVERIFY2(prom.start(o, &error), qPrintable(error));
    // Traffic through the proxy for the scrapes and rate() over 5 s.
    test::SampleHttp http(proxy.api_url());
    QElapsedTimer t;
    t.start();
    int sent = 0;
    while (t.elapsed() < 9000) {
        QCOMPARE(http.get("/v1/products/" + std::to_string(1 + sent % 100)).status, 200);
        ++sent;
        QTest::qWait(20);
    }
    FleetMapping m;
    m.selector = R"(job="redline")";
    m.native = native;
    PrometheusClient pc(prom.url());
    const std::int64_t end = now_ms() / 1000 * 1000;
    std::vector<std::pair<FleetFigure, std::vector<PromSeries>>> answers;
    bool asked = false;
    for (const auto& q : fleet_queries(m, 5)) {
        auto r = pc.query_range(q.promql, end - 4000, end, 1000);
        QVERIFY2(r.ok(), (q.promql + " -> " + r.error).c_str());
        if (!q.level.empty()) tag_level(*r.value, q.level);
        asked = asked || q.figure == FleetFigure::Upstream;
        answers.emplace_back(q.figure, std::move(*r.value));
    }
    QVERIFY(asked);
    const FleetFrame f = fleet_frame(m, 5, answers);
    const std::string proxied = proxy.proc().admin_url().mid(7).toStdString();
    const std::string direct = sample.proc().admin_url().mid(7).toStdString();
    QVERIFY(f.instances.count(proxied) && f.instances.count(direct));
    const Snapshot& p = f.instances.at(proxied).back();
    QVERIFY2(p.total.upstream.has_value(), "the proxy's snapshot has no upstream member");
    QVERIFY(p.total.upstream->requests > 0);
    QVERIFY2(p.total.upstream->requests <= p.total.requests + 1,
             qPrintable(
                 QStringLiteral("%1 upstream of %2").arg(p.total.upstream->requests).arg(p.total.requests)));
    const double up50 = p.total.upstream->latency.p50_ms, total50 = p.total.latency->p50_ms;
    // 30 ms of injected delay: the bucket holding it (classic: 25-50 ms; native: within 10 %), never above
    // the total (each request's total includes its upstream time).
    QVERIFY2(up50 >= 25 && up50 <= 50 && total50 >= up50 * 0.9,
             qPrintable(QStringLiteral("upstream p50 %1 ms, total p50 %2 ms").arg(up50).arg(total50)));
    for (const Snapshot& s : f.instances.at(direct))
        QVERIFY2(!s.total.upstream.has_value(), "the sample server forwards nothing");
    // The fleet's upstream is the sum of its instances': here the proxy's alone.
    QVERIFY(!f.fleet.empty() && f.fleet.back().total.upstream.has_value());
    QCOMPARE(f.fleet.back().total.upstream->requests, p.total.upstream->requests);
}

QTEST_GUILESS_MAIN(TestPrometheusClient)
#include "tst_prometheus_client.moc"
