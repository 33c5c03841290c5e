// GUI test of issue 12 (upstream time apart): the Charts tab of a redline-proxy agent draws the upstream
// p50/p99 next to the total latency, in their own legend entries, with the figure line above the chart (both
// p99s side by side, the mean overhead when every request reached an upstream); for one route, the upstream
// p99 of stable and canary. A sample server's agent (no upstream figures) shows neither. Real processes only:
// a redline-sample-server slowed by its canary fault knob (every product read waits 30 ms) behind a real
// redline-proxy on port 0.
#include <QApplication>
#include <QFile>
#include <QLabel>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <limits>

#include "core/agent_client.h"
#include "tests/integration/tst_proxy_support.h"
#include "tests/support/gui_fixture.h"
#include "tests/support/raw_http.h"
#include "ui/pages/detail_page.h"
#include "ui/session/dashboard.h"
#include "ui/widgets/theme.h"

using namespace redline;
using namespace redline::ui;

static void initRedlineResources() {
    Q_INIT_RESOURCE(redline);  // the themes' style sheets, for the screenshots
}

namespace {
constexpr int kTimeout = 20000;
constexpr double kDelayMs = 30.0;

int specIndex(const ChartView* c, const QString& label) {
    for (int i = 0; i < c->specs().size(); ++i)
        if (c->specs()[i].label == label) return i;
    return -1;
}

bool hasUpstreamSpec(const ChartView* c) {
    for (const auto& s : c->specs())
        if (s.metric == Metric::UpstreamP50 || s.metric == Metric::UpstreamP99) return true;
    return false;
}

/// The newest finite y of series i, NaN when none.
double lastValue(const ChartView* c, int i) {
    const auto& pts = c->points(i);
    for (auto it = pts.rbegin(); it != pts.rend(); ++it)
        if (std::isfinite(it->y())) return it->y();
    return std::nan("");
}

void traffic(std::uint16_t port, int n) {
    for (int i = 0; i < n; ++i)
        test::http_request(port, "GET", "/v1/products/" + std::to_string(1 + i % 40), {});
}
}  // namespace

class TestProxyUpstreamChart : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void proxyDetailChartShowsUpstreamLines();
    void sampleServerDetailChartHasNoUpstreamLines();
    void figureTextIsHonest();

  private:
    QTemporaryDir dir_;
    std::unique_ptr<CurlGlobal> curl_;
    std::unique_ptr<SampleServerProcess> sample_;
    test::ProxyProcess proxy_;
};

void TestProxyUpstreamChart::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    if (qEnvironmentVariableIsSet("REDLINE_SCREENSHOT_DIR")) {
        initRedlineResources();
        Theme::apply(*qApp, Theme::Mode::System);
    }
    curl_ = std::make_unique<CurlGlobal>();
    QVERIFY(dir_.isValid());
    sample_ = test::startSampleServer(dir_.filePath("sample"), 50);
    QVERIFY2(sample_, "redline-sample-server did not start (is it built?)");
    QFile tokenFile(sample_->operatorTokenFile());
    QVERIFY(tokenFile.open(QIODevice::ReadOnly));
    AgentClient admin(sample_->adminUrl().toStdString(), tokenFile.readAll().trimmed().toStdString());
    CanaryConfig slow;
    slow.weight_percent = 100;
    slow.faults.latency_ms = kDelayMs;
    QVERIFY(admin.set_canary(slow).ok());
    QVERIFY(proxy_.start({"--upstream", "stable=" + sample_->apiUrl(), "--route", "/v1/products/{id}"}));
}

void TestProxyUpstreamChart::proxyDetailChartShowsUpstreamLines() {
    Dashboard d;
    d.setStreamIntervalMs(250);
    AgentConfig c;
    c.name = "proxy";
    c.url = proxy_.proc().admin_url();
    c.token = proxy_.proc().token("operator");
    const QString id = d.addAgent(c);
    QVERIFY(test::waitLive(d, id, kTimeout));

    DetailPage page(&d);
    page.resize(1400, 900);
    page.setDark(qApp->palette().color(QPalette::Window).lightness() < 128);
    page.setAgent(id);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    ChartView* lat = page.chart(DetailPage::LatencyChart);
    QVERIFY(!hasUpstreamSpec(lat));  // nothing recorded yet: no upstream figures seen
    QVERIFY(!page.upstreamFigure()->isVisible());

    traffic(proxy_.port(), 30);
    QTRY_VERIFY_WITH_TIMEOUT(specIndex(lat, "upstream p99") >= 0, kTimeout);
    const int up99 = specIndex(lat, "upstream p99"), up50 = specIndex(lat, "upstream p50");
    const int p99 = specIndex(lat, "p99");
    QVERIFY(up50 >= 0 && p99 >= 0);
    QCOMPARE(lat->specs()[up99].color, colors::upstream);
    QVERIFY(lat->specs()[up99].color != lat->specs()[p99].color);
    QVERIFY(lat->seriesVisible(up99));
    QTRY_VERIFY_WITH_TIMEOUT((page.refreshNow(), std::isfinite(lastValue(lat, up99))), kTimeout);
    const double upstream = lastValue(lat, up99), total = lastValue(lat, p99);
    QVERIFY2(upstream >= kDelayMs * 0.99 && upstream < kDelayMs + 40, qPrintable(QString::number(upstream)));
    QVERIFY2(total >= upstream, qPrintable(QStringLiteral("%1 < %2").arg(total).arg(upstream)));
    QVERIFY(!lat->legendEntryRect(up99).isEmpty());  // it has a legend entry

    QLabel* fig = page.upstreamFigure();
    QTRY_VERIFY_WITH_TIMEOUT(fig->isVisible() && fig->toolTip().contains("upstream"), kTimeout);
    QVERIFY2(fig->toolTip().contains("p99: total") && fig->toolTip().contains("Quantiles do not subtract"),
             qPrintable(fig->toolTip()));
    traffic(proxy_.port(), 20);  // keep the newest window busy for the picture
    QTest::qWait(600);
    page.refreshNow();
    test::shot(&page, "proxy-upstream-latency");

    // One route: the upstream p99 per version.
    page.setRoute("GET /v1/products/{id}");
    QVERIFY(specIndex(lat, "upstream p99 stable") >= 0);
    QVERIFY(specIndex(lat, "upstream p99 canary") >= 0);
    QVERIFY(specIndex(lat, "upstream p99") < 0);
    QTRY_VERIFY_WITH_TIMEOUT(
        (page.refreshNow(), std::isfinite(lastValue(lat, specIndex(lat, "upstream p99 stable")))), kTimeout);
    QVERIFY2(fig->toolTip().startsWith("stable"), qPrintable(fig->toolTip()));
}

void TestProxyUpstreamChart::sampleServerDetailChartHasNoUpstreamLines() {
    Dashboard d;
    d.setStreamIntervalMs(250);
    const QString id = test::addAgent(d, "sample", *sample_);
    QVERIFY(test::waitLive(d, id, kTimeout));
    DetailPage page(&d);
    page.resize(1400, 900);
    page.setAgent(id);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    traffic(proxy_.port(), 10);  // reaches the sample server through the proxy: it records them itself
    QTRY_VERIFY_WITH_TIMEOUT((page.refreshNow(), std::isfinite(lastValue(page.chart(DetailPage::LatencyChart),
                                                                         specIndex(page.chart(1), "p99")))),
                             kTimeout);
    QVERIFY(!d.store().hasUpstream(id));
    QVERIFY(!hasUpstreamSpec(page.chart(DetailPage::LatencyChart)));
    QVERIFY(!page.upstreamFigure()->isVisible());
    page.setRoute("GET /v1/products/{id}");
    QVERIFY(!hasUpstreamSpec(page.chart(DetailPage::LatencyChart)));
    QVERIFY(!page.upstreamFigure()->isVisible());
}

void TestProxyUpstreamChart::figureTextIsHonest() {
    Counters c;
    c.add_status(200, 10);
    LatencySketch total;
    for (int i = 0; i < 10; ++i)
        total.add(std::uint64_t(12'000'000));
    SeriesSnapshot s = SeriesSnapshot::from("GET", "/x", "stable", c, total, 5, 0);
    LatencySketch up;
    for (int i = 0; i < 10; ++i)
        up.add(std::uint64_t(10'000'000));
    s.upstream = UpstreamLatency{10, LatencyQuantiles::from(up)};
    QString t = DetailPage::upstreamFigureText(s, 5);
    QVERIFY2(t.startsWith("Last 5 s · p99: total 12.0 ms, upstream 10.0 ms"), qPrintable(t));
    QVERIFY2(t.contains("mean proxy overhead 2.00 ms"), qPrintable(t));
    // Not every request reached an upstream: no subtraction, both means and the counts.
    s.upstream->requests = 7;
    t = DetailPage::upstreamFigureText(s, 5);
    QVERIFY2(!t.contains("overhead"), qPrintable(t));
    QVERIFY2(t.contains("7 of 10 requests reached an upstream"), qPrintable(t));
    // Through a Prometheus source there are quantiles but no means: no mean is shown, not "—".
    s.latency->mean_ms = std::numeric_limits<double>::quiet_NaN();
    s.upstream->latency.mean_ms = std::numeric_limits<double>::quiet_NaN();
    t = DetailPage::upstreamFigureText(s, 5);
    QVERIFY2(!t.contains("mean") && !t.contains(QStringLiteral("—")), qPrintable(t));
    QVERIFY2(t.contains("7 of 10 requests reached an upstream"), qPrintable(t));
    s.upstream->requests = 10;
    t = DetailPage::upstreamFigureText(s, 5);
    QVERIFY2(t == QStringLiteral("Last 5 s · p99: total 12.0 ms, upstream 10.0 ms"), qPrintable(t));
    s.upstream.reset();
    QVERIFY(DetailPage::upstreamFigureText(s, 5).isEmpty());
}

QTEST_MAIN(TestProxyUpstreamChart)
#include "tst_proxy_upstream_chart.moc"
