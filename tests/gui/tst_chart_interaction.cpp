// GUI tests of the detail charts' reading aids (issue 10 §2 "Reads at a glance") against a real
// redline-sample-server on port 0 (offscreen), driven with QTest mouse and key events:
//  - the y axis follows the visible data: zoomed in past a burst, the axis fits the gentle traffic;
//    the log scale lifts a 40 req/s line off the floor under a burst;
//  - drag to zoom (all four charts), Shift+drag and Left/Right to pan, + / - to zoom, Esc to reset to live;
//  - one crosshair across the four charts, whose plot areas are aligned;
//  - the legend wraps instead of cutting entries off and its swatch shows the line style;
//  - markers: dense ones grouped with a count, an 8 px hit area, filtered by kind.
#include <QImage>
#include <QMenu>
#include <QPushButton>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <set>

#include "core/agent_client.h"
#include "core/stream_consumer.h"
#include "tests/support/gui_fixture.h"
#include "ui/main_window.h"
#include "ui/pages/detail_page.h"
#include "ui/session/load_controller.h"
#include "ui/widgets/chart_view.h"

using namespace redline;
using namespace redline::ui;

namespace {
constexpr int kTimeout = 20000;
const QString kRoute = QStringLiteral("GET /v1/products/{id}");

// Widget x of time t on chart v.
int xOf(ChartView* v, std::int64_t t) {
    return v->mapFromScene(v->valueToScene(QPointF(double(t), 0))).x();
}

// A drag on the viewport from x0 to x1 at the plot's vertical middle, as a user's mouse would do it.
void drag(ChartView* v, int x0, int x1, Qt::KeyboardModifiers mods = {}) {
    const int y = v->mapFromScene(v->chart()->plotArea().center()).y();
    QTest::mousePress(v->viewport(), Qt::LeftButton, mods, QPoint(x0, y));
    for (int k = 1; k <= 4; ++k)
        QTest::mouseMove(v->viewport(), QPoint(x0 + (x1 - x0) * k / 4, y));
    QTest::mouseRelease(v->viewport(), Qt::LeftButton, mods, QPoint(x1, y));
}

// Coloured pixels along the legend swatch of entry i (the first 22 px of its row, at its centre line).
int swatchInk(ChartView* v, int i) {
    const QImage img = v->viewport()->grab().toImage();
    const qreal dpr = img.devicePixelRatio();
    const QRect r = v->legendEntryRect(i);
    const QColor bg = img.pixelColor(int((r.left() - 3) * dpr), int(r.center().y() * dpr));
    int n = 0;
    for (int x = r.left(); x < r.left() + 22; ++x) {
        const QColor c = img.pixelColor(int(x * dpr), int(r.center().y() * dpr));
        if (std::abs(c.red() - bg.red()) + std::abs(c.green() - bg.green()) + std::abs(c.blue() - bg.blue()) >
            90)
            ++n;
    }
    return n;
}
}  // namespace

class TestChartInteraction : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void cleanupTestCase();
    void dragZoomsEveryChartAndEscReturnsToLive();
    void keyboardAndShiftDragPan();
    void yAxisFollowsVisibleDataAndLogScale();
    void crosshairIsSharedAndPlotsAligned();
    void legendWrapsAndShowsLineStyle();
    void markersGroupFilterAndHover();
    void escOnAChartInTheWindowResetsTheZoom();
    void agentKilledWhileZoomed();  // last: it kills the server

  private:
    void waitForHistory(int seconds);

    std::unique_ptr<CurlGlobal> curl_;
    QTemporaryDir dir_;
    std::unique_ptr<SampleServerProcess> server_;
    std::unique_ptr<Dashboard> dash_;
    std::unique_ptr<LoadController> traffic_;
    std::unique_ptr<DetailPage> page_;
    QString agent_;
};

void TestChartInteraction::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    curl_ = std::make_unique<CurlGlobal>();
    QVERIFY(dir_.isValid());
    server_ = test::startSampleServer(dir_.filePath("data"));
    QVERIFY2(server_, "redline-sample-server did not start");
    dash_ = std::make_unique<Dashboard>();
    dash_->setStreamIntervalMs(250);
    agent_ = test::addAgent(*dash_, "charts", *server_);
    QVERIFY(test::waitLive(*dash_, agent_));
    traffic_ = std::make_unique<LoadController>(dash_.get());
    QString err;
    QVERIFY2(traffic_->start(LoadController::backgroundScenario(server_->apiUrl().toStdString(), 40), agent_,
                             false, &err),
             qPrintable(err));
    page_ = std::make_unique<DetailPage>(dash_.get());
    page_->resize(1200, 820);
    page_->setAgent(agent_);
    page_->setRangeSeconds(60);
    page_->show();
    QVERIFY(QTest::qWaitForWindowExposed(page_.get()));
}

void TestChartInteraction::cleanupTestCase() {
    if (traffic_) traffic_->stopAndWait();
    traffic_.reset();
    page_.reset();
    dash_.reset();
    if (server_) QVERIFY(server_->stop(10000));
}

void TestChartInteraction::waitForHistory(int seconds) {
    QTRY_VERIFY_WITH_TIMEOUT(
        dash_->store().samples(agent_, kTotalSeries, 0, INT64_MAX).size() >= std::size_t(seconds) * 4,
        seconds * 1000 + kTimeout);
}

void TestChartInteraction::dragZoomsEveryChartAndEscReturnsToLive() {
    waitForHistory(12);
    page_->resetZoom();
    page_->refreshNow();
    ChartView* rate = page_->chart(DetailPage::RateChart);
    const QRectF plot = rate->chart()->plotArea();
    const int x0 = rate->mapFromScene(plot.topLeft()).x(), x1 = rate->mapFromScene(plot.topRight()).x();
    const int a = x0 + (x1 - x0) * 6 / 10, b = x0 + (x1 - x0) * 9 / 10;
    const std::int64_t ta = rate->timeAtX(a), tb = rate->timeAtX(b);
    drag(rate, a, b);
    QVERIFY(page_->zoomed());
    QVERIFY(page_->paused());
    const auto [from, to] = page_->viewRange();
    QVERIFY2(std::abs(from - ta) < 1500 && std::abs(to - tb) < 1500,
             qPrintable(QString("zoom %1..%2, dragged %3..%4").arg(from).arg(to).arg(ta).arg(tb)));
    for (int i = 0; i < DetailPage::ChartCount; ++i) {  // every chart shows the same range
        QCOMPARE(page_->chart(i)->fromMs(), from);
        QCOMPARE(page_->chart(i)->toMs(), to);
    }
    auto* reset = page_->findChild<QPushButton*>();
    QPushButton* resetBtn = nullptr;
    for (auto* b2 : page_->findChildren<QPushButton*>())
        if (b2->text() == "Reset zoom") resetBtn = b2;
    QVERIFY(reset && resetBtn && resetBtn->isVisible());
    // The range stays put while time goes on (paused on the zoom).
    QTest::qWait(1200);
    page_->refreshNow();
    QCOMPARE(rate->toMs(), to);
    // A click is not a drag: no zoom change.
    QTest::mouseClick(rate->viewport(), Qt::LeftButton, {}, QPoint((a + b) / 2, 60));
    QCOMPARE(page_->viewRange().first, from);
    // Esc on the focused chart: back to live, the selected range again.
    rate->setFocus();
    QTest::keyClick(rate, Qt::Key_Escape);
    QVERIFY(!page_->zoomed());
    QVERIFY(!page_->paused());
    QVERIFY(!resetBtn->isVisible());
    const auto [lf, lt] = page_->viewRange();
    QCOMPARE(lt - lf, std::int64_t(60'000));
    QVERIFY(std::abs(lt - QDateTime::currentMSecsSinceEpoch()) < 2000);
    // A double-click resets too.
    drag(rate, a, b);
    QVERIFY(page_->zoomed());
    QTest::mouseDClick(rate->viewport(), Qt::LeftButton, {}, QPoint((a + b) / 2, 80));
    QVERIFY(!page_->zoomed());
}

void TestChartInteraction::keyboardAndShiftDragPan() {
    waitForHistory(12);
    page_->resetZoom();
    page_->refreshNow();
    ChartView* lat = page_->chart(DetailPage::LatencyChart);
    lat->setFocus();
    const auto [f0, t0] = page_->viewRange();
    QTest::keyClick(lat, Qt::Key_Left);  // a quarter of the span earlier, paused
    QVERIFY(page_->paused());
    auto [f1, t1] = page_->viewRange();
    QCOMPARE(t1 - f1, t0 - f0);
    QVERIFY2(std::abs((t0 - t1) - (t0 - f0) / 4) < 1500, qPrintable(QString::number(t0 - t1)));
    QTest::keyClick(lat, Qt::Key_Plus);  // zoom in: half the span, same centre
    auto [f2, t2] = page_->viewRange();
    QVERIFY(std::abs((t2 - f2) - (t1 - f1) / 2) < 10);
    QVERIFY(std::abs((f2 + t2) / 2 - (f1 + t1) / 2) < 10);
    QTest::keyClick(lat, Qt::Key_Minus);
    auto [f3, t3] = page_->viewRange();
    QVERIFY(std::abs((t3 - f3) - (t1 - f1)) < 10);
    // Right never goes past now.
    for (int k = 0; k < 6; ++k)
        QTest::keyClick(lat, Qt::Key_Right);
    QVERIFY(page_->viewRange().second <= QDateTime::currentMSecsSinceEpoch());
    // Shift+drag pans: dragging right by a quarter of the plot shows earlier data by a quarter of the span.
    const auto [f4, t4] = page_->viewRange();
    const QRectF plot = lat->chart()->plotArea();
    const int x0 = lat->mapFromScene(plot.topLeft()).x(), w = int(plot.width());
    drag(lat, x0 + w / 2, x0 + w / 2 + w / 4, Qt::ShiftModifier);
    const auto [f5, t5] = page_->viewRange();
    QCOMPARE(t5 - f5, t4 - f4);
    QVERIFY2(std::abs((t4 - t5) - (t4 - f4) / 4) < 1500, qPrintable(QString::number(t4 - t5)));
    QTest::keyClick(lat, Qt::Key_Escape);
    QVERIFY(!page_->zoomed() && !page_->paused());
}

void TestChartInteraction::yAxisFollowsVisibleDataAndLogScale() {
    waitForHistory(4);
    page_->resetZoom();
    // A burst far above the background: ~15x the 40 req/s for 3 s.
    LoadController burst(dash_.get());
    QString err;
    QVERIFY2(burst.start(LoadController::backgroundScenario(server_->apiUrl().toStdString(), 600), agent_,
                         false, &err),
             qPrintable(err));
    const std::int64_t burstStart = QDateTime::currentMSecsSinceEpoch();
    QTest::qWait(3000);
    burst.stopAndWait();
    const std::int64_t burstEnd = QDateTime::currentMSecsSinceEpoch();
    QTest::qWait(14000);  // gentle traffic again
    page_->refreshNow();
    ChartView* rate = page_->chart(DetailPage::RateChart);
    const double liveTop = rate->yMax();
    qInfo("60 s view with the burst: y axis top %.0f req/s", liveTop);
    QVERIFY2(liveTop >= 150, qPrintable(QString::number(liveTop)));
    // Zoomed to the 10 s after the burst: the axis fits the background traffic, not the burst.
    page_->zoomTo(burstEnd + 2500, burstEnd + 12500);
    const double zoomTop = rate->yMax();
    qInfo("zoomed past the burst: y axis top %.0f req/s", zoomTop);
    QVERIFY2(zoomTop <= 100, qPrintable(QString::number(zoomTop)));
    // The 40 req/s line then sits well above the floor (more than a third of the plot up).
    const QList<QPointF>& pts = rate->points(0);
    QVERIFY(!pts.isEmpty());
    const QRectF plot = rate->chart()->plotArea();
    auto heightOf = [&](const QPointF& p) {
        return (plot.bottom() - rate->valueToScene(p).y()) / plot.height();
    };
    QVERIFY(heightOf(pts.back()) > 0.33);
    // Back on the range with the burst: linear flattens the background; log lifts it off the floor.
    page_->zoomTo(burstStart - 20000, burstEnd + 12500);
    QPointF calm;
    for (const auto& p : rate->points(0))
        if (!std::isnan(p.y()) && p.x() > burstEnd + 3000) calm = p;
    QVERIFY(calm.y() > 5);
    const double linear = heightOf(calm);
    QTest::mouseClick(
        [&] {
            for (auto* b : page_->findChildren<QPushButton*>())
                if (b->text() == "Log scale") return static_cast<QWidget*>(b);
            return static_cast<QWidget*>(nullptr);
        }(),
        Qt::LeftButton);
    QVERIFY(page_->logScale());
    QVERIFY(rate->logScale() && page_->chart(DetailPage::LatencyChart)->logScale());
    QVERIFY(!page_->chart(DetailPage::ErrorChart)->logScale());  // ratios stay linear
    QVERIFY(rate->yMin() > 0 && rate->yMax() / rate->yMin() >= 10);
    const double logH = heightOf(calm);
    qInfo("40 req/s under a %.0f req/s burst: %.0f %% up the plot linear, %.0f %% log", liveTop, linear * 100,
          logH * 100);
    QVERIFY2(logH > linear + 0.2, qPrintable(QString("%1 vs %2").arg(logH).arg(linear)));
    page_->setLogScale(false);
    QVERIFY(!rate->logScale() && rate->yMin() == 0);
    page_->resetZoom();
}

void TestChartInteraction::crosshairIsSharedAndPlotsAligned() {
    waitForHistory(4);
    page_->resetZoom();
    page_->refreshNow();
    // Aligned: the y axes' labels differ in width ("0.25 %" / "1500"), the plot areas start at the same x
    // (to the sub-pixel left by whole-pixel margins).
    auto plotLeft = [&](int i) {
        ChartView* c = page_->chart(i);
        return double(c->mapTo(page_.get(), QPoint(0, 0)).x()) + c->chart()->plotArea().left();
    };
    QTRY_VERIFY_WITH_TIMEOUT(
        std::abs(plotLeft(DetailPage::RateChart) - plotLeft(DetailPage::ErrorChart)) <= 0.5 &&
            std::abs(plotLeft(DetailPage::LatencyChart) - plotLeft(DetailPage::CacheChart)) <= 0.5,
        kTimeout);
    const double d0 = plotLeft(DetailPage::RateChart) - page_->chart(DetailPage::RateChart)->x();
    const double d1 = plotLeft(DetailPage::LatencyChart) - page_->chart(DetailPage::LatencyChart)->x();
    QVERIFY(std::abs(d0 - d1) <= 0.5);  // same offset inside each chart, so the columns match too
    // Crosshair: the mouse over the latency chart puts the same time on all four.
    ChartView* lat = page_->chart(DetailPage::LatencyChart);
    const QRectF plot = lat->chart()->plotArea();
    const QPoint at = lat->mapFromScene(QPointF(plot.left() + plot.width() * 0.7, plot.center().y()));
    QTest::mouseMove(lat->viewport(), at);
    const std::int64_t t = lat->crosshair();
    QVERIFY(t > 0);
    QVERIFY(std::abs(t - lat->timeAtX(at.x())) <= 1);
    for (int i = 0; i < DetailPage::ChartCount; ++i)
        QCOMPARE(page_->chart(i)->crosshair(), t);
    // Drawn at the same x in the same column's charts.
    ChartView* cache = page_->chart(DetailPage::CacheChart);
    QVERIFY(std::abs(cache->mapTo(page_.get(), QPoint(xOf(cache, t), 0)).x() -
                     lat->mapTo(page_.get(), QPoint(xOf(lat, t), 0)).x()) <= 1);
    // Leaving the chart clears it everywhere.
    QEvent leave(QEvent::Leave);
    QCoreApplication::sendEvent(lat->viewport(), &leave);
    QCoreApplication::sendEvent(lat, &leave);
    for (int i = 0; i < DetailPage::ChartCount; ++i)
        QCOMPARE(page_->chart(i)->crosshair(), std::int64_t(0));
}

void TestChartInteraction::legendWrapsAndShowsLineStyle() {
    QTRY_VERIFY_WITH_TIMEOUT(dash_->store().routes(agent_).contains(kRoute), kTimeout);
    page_->setRoute(kRoute);  // six latency series: p50/p95/p99 x stable/canary
    const QSize was = page_->size();
    page_->resize(760, 700);  // narrow: a single row cannot hold them
    QTest::qWait(50);
    ChartView* lat = page_->chart(DetailPage::LatencyChart);
    QVERIFY(lat->seriesCount() >= 6);
    QRect all;
    std::set<int> rows;
    for (int i = 0; i < lat->seriesCount(); ++i) {
        const QRect r = lat->legendEntryRect(i);
        QVERIFY2(lat->viewport()->rect().contains(r), qPrintable(QString("entry %1 cut off").arg(i)));
        for (int j = 0; j < i; ++j)
            QVERIFY2(!r.intersects(lat->legendEntryRect(j)),
                     qPrintable(QString("%1 %2,%3 %4x%5 vs %6 %7,%8 %9x%10")
                                    .arg(i)
                                    .arg(r.x())
                                    .arg(r.y())
                                    .arg(r.width())
                                    .arg(r.height())
                                    .arg(j)
                                    .arg(lat->legendEntryRect(j).x())
                                    .arg(lat->legendEntryRect(j).y())
                                    .arg(lat->legendEntryRect(j).width())
                                    .arg(lat->legendEntryRect(j).height())));
        rows.insert(r.top());
        all = all.united(r);
    }
    qInfo("latency legend at %d px: %zu rows", lat->width(), rows.size());
    QVERIFY(rows.size() >= 2);
    // The legend sits below the plot and its time labels, not over them.
    QVERIFY(all.top() > lat->mapFromScene(lat->chart()->plotArea().bottomLeft()).y());
    // The swatch shows the style: stable solid, canary dashed (fewer inked pixels along the swatch).
    const int solid = swatchInk(lat, 0), dashed = swatchInk(lat, 3);
    qInfo("swatch ink: solid %d px, dashed %d px of 22", solid, dashed);
    QVERIFY(solid >= 20);
    QVERIFY(dashed < solid - 4 && dashed > 4);
    page_->resize(was);
    page_->setRoute(QString());
}

void TestChartInteraction::markersGroupFilterAndHover() {
    const auto token = read_token_file(server_->operatorTokenFile().toStdString()).value_or("");
    AgentClient client(server_->adminUrl().toStdString(), token);
    // Three annotations within a second and one limits change a while later would crowd one spot: a group.
    for (int k = 0; k < 3; ++k)
        QVERIFY(client.post_event("annotation", "note " + std::to_string(k)).ok());
    QTRY_VERIFY_WITH_TIMEOUT(dash_->store().events(agent_).size() >= 3, kTimeout);
    page_->resetZoom();
    page_->refreshNow();
    ChartView* rate = page_->chart(DetailPage::RateChart);
    QTRY_VERIFY_WITH_TIMEOUT((page_->refreshNow(), rate->markerCount() >= 3), kTimeout);
    const auto groups = rate->markerGroups();
    const auto big = std::max_element(groups.begin(), groups.end(),
                                      [](const auto& a, const auto& b) { return a.size() < b.size(); });
    QVERIFY(big != groups.end() && big->size() >= 3);
    // Hovering 7 px beside the group shows all of them at once (left of it: it is at the live edge).
    const std::int64_t t = rate->markers()[std::size_t(big->front())].time_ms;
    const int x = xOf(rate, t) - 7;
    const int y = rate->mapFromScene(rate->chart()->plotArea().center()).y();
    const QString tip = rate->tooltipAt(QPoint(x, y));
    QVERIFY2(tip.contains(QString("%1 events").arg(big->size())), qPrintable(tip));
    QVERIFY(tip.contains("note 0") && tip.contains("note 2"));
    QVERIFY(!rate->tooltipAt(QPoint(x - 12, y)).contains("events"));  // 19 px away: not the group
    // Filtered by kind from the Markers menu: annotations off, gone from every chart.
    QPushButton* markers = nullptr;
    for (auto* b : page_->findChildren<QPushButton*>())
        if (b->text() == "Markers") markers = b;
    QVERIFY(markers && markers->menu());
    QAction* annotations = nullptr;
    for (QAction* a : markers->menu()->actions())
        if (a->data().toString() == "annotation") annotations = a;
    QVERIFY(annotations);
    annotations->trigger();
    for (int i = 0; i < DetailPage::ChartCount; ++i)
        for (const auto& e : page_->chart(i)->markers())
            QVERIFY(e.kind != "annotation");
    QVERIFY(!rate->tooltipAt(QPoint(x, y)).contains("note 0"));
    annotations->trigger();
    QVERIFY(rate->markerCount() >= 3);
}

// In the main window Esc is also a window shortcut (it dismisses the banner): on a focused chart it must
// still reach the chart and reset the zoom.
void TestChartInteraction::escOnAChartInTheWindowResetsTheZoom() {
    waitForHistory(12);
    MainWindow w(dash_.get());
    w.resize(1300, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.showTab(MainWindow::ChartsTab);
    DetailPage* page = w.detail();
    page->setAgent(agent_);
    page->setRangeSeconds(60);
    page->refreshNow();
    ChartView* rate = page->chart(DetailPage::RateChart);
    const QRectF plot = rate->chart()->plotArea();
    const int x0 = rate->mapFromScene(plot.topLeft()).x(), x1 = rate->mapFromScene(plot.topRight()).x();
    drag(rate, x0 + (x1 - x0) / 2, x0 + (x1 - x0) * 9 / 10);
    QVERIFY(page->zoomed());
    QVERIFY(rate->hasFocus());  // the press focused it
    QTest::keyClick(rate, Qt::Key_Escape);
    QVERIFY(!page->zoomed());
    QVERIFY(!page->paused());
    // The help lists the chart keys.
    QVERIFY(w.shortcutsText().contains("zoom"));
}

// The agent is killed while the user looks at a zoomed range: the zoom stays where it was (no jump), the page
// says the agent is stale, and back on live every chart greys and shades the span since the last sample;
// zooming into the outage shows a gap, never a line across it.
void TestChartInteraction::agentKilledWhileZoomed() {
    waitForHistory(12);
    page_->resetZoom();
    page_->refreshNow();
    ChartView* rate = page_->chart(DetailPage::RateChart);
    const QRectF plot = rate->chart()->plotArea();
    const int x0 = rate->mapFromScene(plot.topLeft()).x(), x1 = rate->mapFromScene(plot.topRight()).x();
    drag(rate, x0 + (x1 - x0) / 2, x0 + (x1 - x0) * 9 / 10);
    QVERIFY(page_->zoomed());
    const auto zoom = page_->viewRange();
    const std::int64_t killedAt = QDateTime::currentMSecsSinceEpoch();
    traffic_->stopAndWait();
    server_->kill();
    QTRY_VERIFY_WITH_TIMEOUT(dash_->agentsModel()->stateOf(agent_) != StreamState::Live, kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(rate->isStale(), kTimeout);
    QCOMPARE(page_->viewRange(), zoom);  // the zoomed range did not move
    // Live again (Esc): the charts end now, greyed from the last sample on.
    rate->setFocus();
    QTest::keyClick(rate, Qt::Key_Escape);
    QVERIFY(!page_->zoomed());
    QTest::qWait(3000);
    page_->refreshNow();
    for (int i = 0; i < DetailPage::ChartCount; ++i)
        QVERIFY(page_->chart(i)->isStale());
    QVERIFY(rate->staleText().contains("no data"));
    // Zoomed across the outage: the last point before it is the end of the line, nothing after.
    page_->zoomTo(killedAt - 8000, QDateTime::currentMSecsSinceEpoch());
    for (const auto& p : rate->points(0))
        QVERIFY2(std::isnan(p.y()) || p.x() <= double(killedAt) + 1500,
                 qPrintable(QString("a point at %1 ms after the kill").arg(p.x() - double(killedAt))));
}

QTEST_MAIN(TestChartInteraction)
#include "tst_chart_interaction.moc"
