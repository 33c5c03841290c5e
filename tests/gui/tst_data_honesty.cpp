// GUI tests of issue 10's data-honesty items against a real redline-sample-server on port 0 (offscreen):
//  - no traffic is not zero: a version without requests has no latency and no error ratio, at the agent
//    (null in the snapshot JSON), on the charts (no point) and in CSV (an empty cell);
//  - lines are not drawn across outages: a stopped server leaves a gap in every series, in the pixels and
//    in CSV;
//  - stale figures are not shown in live colours: a killed server's card is greyed with "last seen N s ago"
//    and the reason, and so is the detail page.
#include <signal.h>

#include <QFile>
#include <QImage>
#include <QLabel>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "core/agent_client.h"
#include "core/stream_consumer.h"
#include "tests/support/fleet_table.h"
#include "tests/support/gui_fixture.h"
#include "tests/support/raw_http.h"
#include "ui/demo/sample_server_process.h"
#include "ui/pages/detail_page.h"
#include "ui/pages/overview_page.h"
#include "ui/session/dashboard.h"
#include "ui/session/load_controller.h"
#include "ui/widgets/chart_view.h"

using namespace redline;
using namespace redline::ui;

namespace {
constexpr int kTimeout = 20000;
constexpr int kIntervalMs = 250;
const QString kRoute = QStringLiteral("GET /v1/products/{id}");

struct Csv {
    QStringList header;
    std::vector<std::pair<std::int64_t, QStringList>>
        rows;  // time_ms, value cells (after the two time columns)
};

Csv readCsv(const QString& path) {
    Csv out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) return out;
    QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    lines.removeIf([](const QString& l) { return l.startsWith('#'); });  // context comment lines
    if (lines.isEmpty()) return out;
    for (QString h : lines.front().split(',').mid(2))
        out.header.append(h.remove('"'));
    for (const auto& l : lines.mid(1)) {
        const QStringList cells = l.split(',');
        if (cells.size() < 2) continue;
        out.rows.emplace_back(cells[0].toLongLong(), cells.mid(2));
    }
    return out;
}

// Pixels in the plot column at time t_ms whose colour is close to the rate series' blue (0x58a6ff), counted
// over three columns. Background, grid, labels and the grey markers are never that blue.
int bluePixelsAt(ChartView* v, double t_ms) {
    const QImage img = v->viewport()->grab().toImage();
    const qreal dpr = img.devicePixelRatio();
    const QRectF plot = v->chart()->plotArea();
    const QPoint at = v->mapFromScene(v->valueToScene(QPointF(t_ms, 0)));
    const QPoint top = v->mapFromScene(plot.topLeft()), bottom = v->mapFromScene(plot.bottomRight());
    int n = 0;
    for (int dx = -1; dx <= 1; ++dx)
        for (int y = top.y() + 2; y < bottom.y() - 2; ++y) {
            const QColor c = img.pixelColor(int((at.x() + dx) * dpr), int(y * dpr));
            if (c.blue() > 110 && c.blue() - c.red() > 60) ++n;
        }
    return n;
}

QString visibleLabelWith(const QWidget* root, const QString& needle) {
    for (const QLabel* l : root->findChildren<QLabel*>())
        if (l->isVisibleTo(root->window()) && l->text().contains(needle)) return l->text();
    return {};
}
}  // namespace

class TestDataHonesty : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void cleanupTestCase();
    void idleVersionIsNullInTheAgentSnapshot();
    void idleVersionDrawsNoLatencyAndExportsEmptyCells();
    void fewCanaryRequestsAreGapsNotZeros();
    void outageIsAGapInChartsAndCsv();
    void killedAgentIsShownStaleNotHealthy();  // last: kills and restarts the server

  private:
    QTemporaryDir dir_;
    std::unique_ptr<CurlGlobal> curl_;
    std::unique_ptr<SampleServerProcess> server_;
    std::unique_ptr<Dashboard> dash_;
    std::unique_ptr<LoadController> traffic_;
    QString agent_;
};

void TestDataHonesty::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    curl_ = std::make_unique<CurlGlobal>();
    QVERIFY(dir_.isValid());
    server_ = test::startSampleServer(dir_.filePath("data"), 500);
    QVERIFY2(server_, "redline-sample-server did not start (is it built?)");

    dash_ = std::make_unique<Dashboard>();
    dash_->setStreamIntervalMs(kIntervalMs);
    agent_ = test::addAgent(*dash_, "honest agent", *server_);
    QVERIFY(test::waitLive(*dash_, agent_, kTimeout));
    // Background traffic; the canary weight stays at its default 0 %, so every canary series is idle.
    traffic_ = std::make_unique<LoadController>(dash_.get());
    QString err;
    QVERIFY2(traffic_->start(LoadController::backgroundScenario(server_->apiUrl().toStdString(), 40), agent_,
                             false, &err),
             qPrintable(err));
}

void TestDataHonesty::cleanupTestCase() {
    if (traffic_) traffic_->stopAndWait();
    traffic_.reset();
    dash_.reset();
    if (server_) QVERIFY(server_->stop(10000));
}

void TestDataHonesty::idleVersionIsNullInTheAgentSnapshot() {
    const std::string token = read_token_file(server_->operatorTokenFile().toStdString()).value_or("");
    // Wait for a snapshot in which stable served requests (the traffic is running) and canary served none.
    nlohmann::json stable, canary;
    auto fetch = [&] {
        const auto r = test::http_request(server_->adminPort(), "GET", "/v1/snapshot", test::bearer(token));
        if (r.status != 200) return false;
        const auto j = test::parse_json(r.body);
        if (!j.is_object() || !j.contains("series")) return false;
        stable = canary = nullptr;
        for (const auto& s : j["series"]) {
            if (s.value("method", "") + " " + s.value("route", "") != kRoute.toStdString()) continue;
            (s.value("version", "") == "canary" ? canary : stable) = s;
        }
        return stable.is_object() && canary.is_object() && stable.value("requests", 0) > 0;
    };
    QTRY_VERIFY_WITH_TIMEOUT(fetch(), kTimeout);
    QCOMPARE(canary.value("requests", -1), 0);
    // No requests: no latency and no error ratio, rather than 0 ms and 0 %.
    for (const char* k : {"p50_ms", "p90_ms", "p95_ms", "p99_ms", "p999_ms", "max_ms", "mean_ms"})
        QVERIFY2(canary["latency"][k].is_null(), qPrintable(QString::fromStdString(canary.dump())));
    QVERIFY2(canary["error_ratio"].is_null(), qPrintable(QString::fromStdString(canary.dump())));
    QVERIFY(canary["cache_hit_ratio"].is_null());
    QCOMPARE(canary.value("rate_per_s", -1.0), 0.0);  // a rate of zero is a true zero
    // A series with requests keeps its numbers.
    QVERIFY(stable["latency"]["p50_ms"].is_number());
    QVERIFY(stable["error_ratio"].is_number());
}

void TestDataHonesty::idleVersionDrawsNoLatencyAndExportsEmptyCells() {
    DetailPage page(dash_.get());
    page.resize(1200, 800);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    page.setAgent(agent_);
    page.setRangeSeconds(60);
    QTRY_VERIFY_WITH_TIMEOUT(dash_->store().routes(agent_).contains(kRoute), kTimeout);
    page.setRoute(kRoute);
    auto* lat = page.chart(DetailPage::LatencyChart);
    auto* err = page.chart(DetailPage::ErrorChart);
    QCOMPARE(lat->seriesCount(), 6);
    QCOMPARE(lat->specs()[3].label, QStringLiteral("p50 canary"));
    QCOMPARE(err->specs()[1].label, QStringLiteral("canary"));
    // Stable has latency points; wait for a few seconds of them.
    QTRY_VERIFY_WITH_TIMEOUT(lat->points(0).size() >= 8, kTimeout);
    auto finite = [](const QList<QPointF>& pts) {
        int n = 0;
        for (const auto& p : pts)
            n += std::isfinite(p.y()) ? 1 : 0;
        return n;
    };
    // The idle canary has no latency and no error ratio: nothing is drawn for it, least of all 0 ms.
    for (int i = 3; i < 6; ++i)
        QCOMPARE(finite(lat->points(i)), 0);
    QCOMPARE(finite(err->points(1)), 0);
    QVERIFY(finite(err->points(0)) > 0);  // stable's error ratio (0 % here) is a real value and is drawn

    // CSV: the canary columns are empty cells, never "0".
    const QString path = dir_.filePath("latency.csv");
    QVERIFY(lat->exportCsv(path, dash_->store(), agent_));
    const Csv csv = readCsv(path);
    const int stableCol = csv.header.indexOf("p50 stable"), canaryCol = csv.header.indexOf("p50 canary");
    QVERIFY2(stableCol >= 0 && canaryCol >= 0, qPrintable(csv.header.join('|')));
    QVERIFY(csv.rows.size() >= 8);
    int stableCells = 0;
    for (const auto& [t, cells] : csv.rows) {
        QVERIFY2(cells.value(canaryCol).isEmpty(),
                 qPrintable(QStringLiteral("canary p50 at %1: '%2'").arg(t).arg(cells.value(canaryCol))));
        stableCells += cells.value(stableCol).isEmpty() ? 0 : 1;
    }
    QVERIFY(stableCells > 0);
}

// The canary at 25 % with a few requests per second: many one-second windows of the canary have no request.
// Those have no latency and no error ratio (NaN in the store, a break on the chart); the others have both.
void TestDataHonesty::fewCanaryRequestsAreGapsNotZeros() {
    const std::string token = read_token_file(server_->operatorTokenFile().toStdString()).value_or("");
    AgentClient client(server_->adminUrl().toStdString(), token);
    CanaryConfig canary;
    canary.weight_percent = 25;
    QVERIFY(client.set_canary(canary).ok());
    traffic_->stopAndWait();
    QString err;
    QVERIFY2(traffic_->start(LoadController::backgroundScenario(server_->apiUrl().toStdString(), 4), agent_,
                             false, &err),
             qPrintable(err));
    DetailPage page(dash_.get());
    page.resize(1200, 800);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    page.setAgent(agent_);
    page.setRangeSeconds(60);
    page.setRoute(kRoute);
    const std::int64_t from = QDateTime::currentMSecsSinceEpoch();
    QTest::qWait(8000);
    const auto samples = dash_->store().samples(agent_, seriesKey(kRoute, "canary"), from, from + 3'600'000);
    QVERIFY(samples.size() >= 20);
    int idle = 0, busy = 0;
    for (const auto& x : samples) {
        if (std::isnan(x[Metric::Rate])) continue;  // a gap marker
        if (x[Metric::Rate] == 0) {
            ++idle;
            QVERIFY2(
                std::isnan(x[Metric::P50]) && std::isnan(x[Metric::P99]) && std::isnan(x[Metric::ErrorRatio]),
                qPrintable(QStringLiteral("no canary requests at %1 but p50 %2, error ratio %3")
                               .arg(x.t_ms)
                               .arg(x[Metric::P50])
                               .arg(x[Metric::ErrorRatio])));
        } else {
            ++busy;
            QVERIFY(std::isfinite(x[Metric::P50]) && std::isfinite(x[Metric::ErrorRatio]));
        }
    }
    qInfo("canary windows: %d without requests, %d with", idle, busy);
    QVERIFY(idle > 0);
    // On the chart: no canary latency point at 0 ms.
    page.refreshNow();
    for (const auto& p : page.chart(DetailPage::LatencyChart)->points(3))
        QVERIFY(std::isnan(p.y()) || p.y() > 0);
    if (const QString keep = qEnvironmentVariable("REDLINE_SCREENSHOT_DIR"); !keep.isEmpty())
        page.grab().save(keep + "/canary-25-percent.png");
    traffic_->stopAndWait();
    QVERIFY2(traffic_->start(LoadController::backgroundScenario(server_->apiUrl().toStdString(), 40), agent_,
                             false, &err),
             qPrintable(err));
}

void TestDataHonesty::outageIsAGapInChartsAndCsv() {
    DetailPage page(dash_.get());
    page.resize(1200, 800);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    page.setAgent(agent_);
    page.setRangeSeconds(60);
    auto* rate = page.chart(DetailPage::RateChart);
    const SeriesStore& store = dash_->store();
    auto lastSampleMs = [&] {
        const auto s = store.samples(agent_, kTotalSeries, 0, std::numeric_limits<std::int64_t>::max() / 2);
        return s.empty() ? std::int64_t{0} : s.back().t_ms;
    };
    QTRY_VERIFY_WITH_TIMEOUT(rate->points(0).size() >= 8, kTimeout);

    // Freeze the server (no snapshot, no answer) for 4 s, then let it go on.
    const qint64 pid = server_->pid();
    QVERIFY(pid > 0);
    QCOMPARE(::kill(static_cast<pid_t>(pid), SIGSTOP), 0);
    QTRY_VERIFY_WITH_TIMEOUT(dash_->agentsModel()->stateOf(agent_) != StreamState::Live, kTimeout);
    QTest::qWait(4000);
    dash_->drain();
    const std::int64_t before = lastSampleMs();
    QCOMPARE(::kill(static_cast<pid_t>(pid), SIGCONT), 0);
    QTRY_COMPARE_WITH_TIMEOUT(dash_->agentsModel()->stateOf(agent_), StreamState::Live, kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(lastSampleMs() > before + 4 * kIntervalMs, kTimeout);
    std::int64_t after = 0;
    for (const auto& s : store.samples(agent_, kTotalSeries, before + 1, lastSampleMs()))
        if (!after && !std::isnan(s[Metric::Rate])) after = s.t_ms;  // the first real sample, not a marker
    QVERIFY2(after - before >= 4000, qPrintable(QStringLiteral("outage %1 ms").arg(after - before)));
    QTRY_VERIFY_WITH_TIMEOUT(lastSampleMs() >= after + 2000, kTimeout);  // a line to see after the outage
    page.refreshNow();

    // Every series of every chart breaks across the outage: no finite point inside it, and between the
    // last point before and the first after there is a break (NaN), so no line joins them.
    for (int c = 0; c < DetailPage::ChartCount; ++c) {
        ChartView* v = page.chart(c);
        for (int i = 0; i < v->seriesCount(); ++i) {
            const auto& pts = v->points(i);
            bool sawBefore = false, brokeAfterBefore = false, sawAfter = false;
            for (const auto& p : pts) {
                const auto t = static_cast<std::int64_t>(p.x());
                if (!std::isfinite(p.y())) {
                    if (sawBefore && !sawAfter) brokeAfterBefore = true;
                    continue;
                }
                QVERIFY2(
                    t <= before || t >= after,
                    qPrintable(QStringLiteral("%1: a point inside the outage").arg(v->specs()[i].label)));
                if (t <= before) sawBefore = true;
                if (t >= after) sawAfter = true;
            }
            if (sawBefore && sawAfter)
                QVERIFY2(brokeAfterBefore, qPrintable(QStringLiteral("%1 / %2: no break across the outage")
                                                          .arg(v->chart()->title(), v->specs()[i].label)));
        }
    }

    // The pixels agree: the request-rate line is drawn before and after the outage but not across it.
    QVERIFY(bluePixelsAt(rate, static_cast<double>(before - 1500)) > 0);
    QVERIFY(bluePixelsAt(rate, static_cast<double>(after + 1000)) > 0);
    QCOMPARE(bluePixelsAt(rate, static_cast<double>(before + after) / 2.0), 0);

    // CSV: the outage is a row of empty cells between the last sample before and the first after.
    const QString path = dir_.filePath("rate.csv");
    QVERIFY(rate->exportCsv(path, store, agent_));
    const Csv csv = readCsv(path);
    bool emptyRow = false;
    for (const auto& [t, cells] : csv.rows) {
        if (t <= before || t >= after) continue;
        bool allEmpty = true;
        for (const auto& cell : cells)
            allEmpty = allEmpty && cell.isEmpty();
        QVERIFY2(allEmpty, qPrintable(QStringLiteral("a value at %1 inside the outage").arg(t)));
        emptyRow = true;
    }
    QVERIFY2(emptyRow, "no empty row marks the outage in the CSV");
    if (const QString keep = qEnvironmentVariable("REDLINE_SCREENSHOT_DIR"); !keep.isEmpty())
        rate->exportPng(keep + "/outage-rate-chart.png");
}

void TestDataHonesty::killedAgentIsShownStaleNotHealthy() {
    OverviewPage overview(dash_.get());
    overview.resize(900, 500);
    overview.show();
    DetailPage detail(dash_.get());
    detail.resize(1200, 800);
    detail.show();
    detail.setAgent(agent_);
    QVERIFY(QTest::qWaitForWindowExposed(&overview));
    using test::fleetHealth;
    using test::fleetText;
    QTRY_COMPARE_WITH_TIMEOUT(fleetHealth(overview, agent_, FleetModel::RateCol), Health::Good, kTimeout);
    QVERIFY(!fleetText(overview, agent_, FleetModel::StateCol).contains("last seen"));

    const quint16 apiPort = server_->apiPort(), adminPort = server_->adminPort();
    const QString data = server_->dataDir();
    traffic_->stopAndWait();
    server_->kill();
    QTRY_VERIFY_WITH_TIMEOUT(dash_->agentsModel()->stateOf(agent_) != StreamState::Live, kTimeout);

    // Every figure keeps its last value but none is coloured by the SLOs any more: the row is greyed.
    const int figures[] = {FleetModel::RateCol, FleetModel::ErrorCol, FleetModel::P99Col, FleetModel::HitCol};
    auto rowGreyed = [&] {
        for (int col : figures)
            if (fleetHealth(overview, agent_, col) != Health::Stale) return false;
        return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(rowGreyed(), kTimeout);
    QVERIFY(fleetText(overview, agent_, FleetModel::RateCol) !=
            QStringLiteral("—"));  // the last figure stays
    const QColor grey =
        test::fleetCell(overview, agent_, FleetModel::RateCol, Qt::ForegroundRole).value<QColor>();
    for (int col = 0; col < FleetModel::ColumnCount; ++col)
        if (col != FleetModel::TrendCol)
            QCOMPARE(test::fleetCell(overview, agent_, col, Qt::ForegroundRole).value<QColor>(), grey);
    QVERIFY(test::fleetCell(overview, agent_, FleetModel::TrendCol, FleetModel::SparkRole)
                .value<SparkData>()
                .greyed);

    // "last seen N s ago" in the state cell (the reason in its tooltip) and on the detail page; N keeps
    // counting with no data.
    static const QRegularExpression re(QStringLiteral("last seen (\\d+) s ago"));
    auto seconds = [](const QString& text) {
        const auto m = re.match(text);
        return m.hasMatch() ? m.captured(1).toInt() : -1;
    };
    auto rowSeconds = [&] { return seconds(fleetText(overview, agent_, FleetModel::StateCol)); };
    auto detailSeconds = [&] { return seconds(visibleLabelWith(&detail, "last seen")); };
    QTRY_VERIFY_WITH_TIMEOUT(rowSeconds() >= 0, kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(detailSeconds() >= 0, kTimeout);
    const QString reason = dash_->agentsModel()->reasonOf(agent_);
    QVERIFY(!reason.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(
        test::fleetCell(overview, agent_, FleetModel::StateCol, Qt::ToolTipRole)
            .toString()
            .contains(AgentListModel::readableReason(dash_->agentsModel()->reasonOf(agent_))),
        kTimeout);
    const int n0 = rowSeconds();
    QTRY_VERIFY_WITH_TIMEOUT(rowSeconds() >= n0 + 2, kTimeout);
    QVERIFY(detailSeconds() >= n0 + 1);

    // Back live: SLO colours again, no stale text.
    QVERIFY(test::startAndWait(*server_, data, 500, 2, apiPort, adminPort));
    QTRY_COMPARE_WITH_TIMEOUT(dash_->agentsModel()->stateOf(agent_), StreamState::Live, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(fleetHealth(overview, agent_, FleetModel::RateCol), Health::Good, kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(!fleetText(overview, agent_, FleetModel::StateCol).contains("last seen"),
                             kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(visibleLabelWith(&detail, "last seen").isEmpty(), kTimeout);
}

QTEST_MAIN(TestDataHonesty)
#include "tst_data_honesty.moc"
