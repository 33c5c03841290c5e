// GUI tests of the dashboard against a real redline-sample-server on port 0 (offscreen platform).
// Each test drives the real ui/ objects (Dashboard, panels, charts) and checks the agent's real state.
#include <QAbstractItemModelTester>
#include <QLabel>
#include <QLegend>
#include <QProgressBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "core/agent_client.h"
#include "core/stream_consumer.h"
#include "tests/support/fleet_table.h"
#include "tests/support/gui_fixture.h"
#include "ui/demo/sample_server_process.h"
#include "ui/pages/canary_panel.h"
#include "ui/pages/detail_page.h"
#include "ui/pages/limits_panel.h"
#include "ui/pages/load_panel.h"
#include "ui/pages/overview_page.h"
#include "ui/session/dashboard.h"
#include "ui/session/load_controller.h"
#include "ui/widgets/chart_view.h"

using namespace redline;
using namespace redline::ui;

namespace {
constexpr int kTimeout = 20000;

bool hasEvent(const SeriesStore& store, const QString& agent, const std::string& kind) {
    for (const auto& e : store.events(agent))
        if (e.kind == kind) return true;
    return false;
}
}  // namespace

class TestDashboard : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void cleanupTestCase();
    void ringBufferDropsOldest();
    void storeDecimatesToPixelWidth();
    void readyLineParsing_data();
    void readyLineParsing();
    void pointsArriveInChartSeries();
    void timeAxisTicksAreRoundClockTimes();
    void overviewCardShowsFigures();
    void limitChangeLandsOnAgentWithEventAndMarker();
    void invalidLimitIsRefusedInline();
    void canaryWeightSplitsTraffic();
    void builtinScenarioRunsAndStops();
    void modelsPassModelTester();
    void settingsRoundTrip();
    void killedServerGoesStaleThenRecovers();  // last: restarts the server

  private:
    QString adminToken() const;
    QTemporaryDir dir_;
    std::unique_ptr<CurlGlobal> curl_;
    std::unique_ptr<SampleServerProcess> server_;
    std::unique_ptr<Dashboard> dash_;
    std::unique_ptr<LoadController> traffic_;
    QString agent_;
};

void TestDashboard::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    curl_ = std::make_unique<CurlGlobal>();
    QVERIFY(dir_.isValid());
    server_ = test::startSampleServer(dir_.filePath("data"), 2000);
    QVERIFY2(server_, "redline-sample-server did not start (is it built?)");

    dash_ = std::make_unique<Dashboard>();
    dash_->setStreamIntervalMs(250);
    agent_ = test::addAgent(*dash_, "test agent", *server_);
    QVERIFY(test::waitLive(*dash_, agent_, kTimeout));
    // Gentle traffic from many client keys for the whole run (the demo's background mix).
    traffic_ = std::make_unique<LoadController>(dash_.get());
    QString err;
    QVERIFY2(traffic_->start(LoadController::backgroundScenario(server_->apiUrl().toStdString(), 40), agent_,
                             false, &err),
             qPrintable(err));
}

void TestDashboard::cleanupTestCase() {
    if (traffic_) traffic_->stopAndWait();
    traffic_.reset();
    dash_.reset();
    if (server_) QVERIFY(server_->stop(10000));
}

QString TestDashboard::adminToken() const {
    return QString::fromStdString(read_token_file(server_->operatorTokenFile().toStdString()).value_or(""));
}

void TestDashboard::ringBufferDropsOldest() {
    RingBuffer<int> r(3);
    for (int i = 1; i <= 5; ++i)
        r.push(i);
    QCOMPARE(r.size(), std::size_t(3));
    QCOMPARE(r.dropped(), std::uint64_t(2));
    QCOMPARE(r[0], 3);
    QCOMPARE(r.back(), 5);
}

void TestDashboard::storeDecimatesToPixelWidth() {
    SeriesStore store(3600);
    for (int i = 0; i < 3600; ++i) {
        Sample s;
        s.t_ms = 1'000'000 + i * 1000;
        s.v[static_cast<int>(Metric::Rate)] = (i == 1234) ? 1000.f : float(i % 7);
        store.appendSample("a", "k", s);
    }
    const auto all = store.points("a", "k", Metric::Rate, 0, 10'000'000, 5000);
    QCOMPARE(all.size(), 3600);
    const auto dec = store.points("a", "k", Metric::Rate, 0, 10'000'000, 200);
    QVERIFY(dec.size() <= 400);
    // The spike survives decimation (min/max envelope).
    bool spike = false;
    for (const auto& p : dec)
        spike = spike || p.y() == 1000.0;
    QVERIFY(spike);
    for (int i = 1; i < dec.size(); ++i)
        QVERIFY(dec[i].x() >= dec[i - 1].x());
    // Out-of-order samples are refused.
    Sample old;
    old.t_ms = 5;
    store.appendSample("a", "k", old);
    QCOMPARE(store.samples("a", "k", 0, 10).size(), std::size_t(0));
}

void TestDashboard::readyLineParsing_data() {
    QTest::addColumn<QString>("line");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("admin");
    QTest::newRow("full") << "REDLINE_READY api=http://127.0.0.1:1 admin=http://127.0.0.1:2 data_dir=/tmp/a b"
                          << true << "http://127.0.0.1:2";
    QTest::newRow("empty api") << "REDLINE_READY api= admin=http://127.0.0.1:3 data_dir=/x" << true
                               << "http://127.0.0.1:3";
    QTest::newRow("other line") << "listening on 8080" << false << "";
    QTest::newRow("no admin") << "REDLINE_READY api=http://127.0.0.1:1" << false << "";
}

void TestDashboard::readyLineParsing() {
    QFETCH(QString, line);
    QFETCH(bool, ok);
    QFETCH(QString, admin);
    QString a, m, d;
    QCOMPARE(SampleServerProcess::parseReadyLine(line, &a, &m, &d), ok);
    if (ok) QCOMPARE(m, admin);
}

void TestDashboard::pointsArriveInChartSeries() {
    DetailPage page(dash_.get());
    page.resize(1000, 700);
    page.show();
    page.setAgent(agent_);
    page.setRangeSeconds(60);
    QSignalSpy ticks(dash_.get(), &Dashboard::ticked);
    QTRY_VERIFY_WITH_TIMEOUT(ticks.count() > 0, kTimeout);
    // Requests recorded by the agent show up as non-zero points in the rate series.
    auto* rate = page.chart(DetailPage::RateChart);
    QTRY_VERIFY_WITH_TIMEOUT(rate->seriesCount() == 3 && rate->points(0).size() > 2, kTimeout);
    auto nonZero = [&] {
        for (const auto& p : rate->points(0))
            if (p.y() > 0) return true;
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(nonZero(), kTimeout);
    QVERIFY(page.chart(DetailPage::LatencyChart)->points(2).size() > 0);  // p99
    // Per-route view: stable and canary series of one route.
    QTRY_VERIFY_WITH_TIMEOUT(dash_->store().routes(agent_).contains("GET /v1/products/{id}"), kTimeout);
    page.setRoute("GET /v1/products/{id}");
    QCOMPARE(rate->seriesCount(), 6);
    QTRY_VERIFY_WITH_TIMEOUT(rate->points(0).size() > 0, kTimeout);
    // Hover tooltip: exact values near the last point.
    // (Re-read the last point each try: a snapshot may land between the repaint that moved the axis and this
    // check.)
    auto tooltipNearLast = [&] {
        const auto pts = rate->points(0);
        if (pts.isEmpty()) return QString();
        const QPoint pos = rate->mapFromScene(rate->valueToScene(pts.constLast()));
        return rate->tooltipAt(pos);
    };
    const QString stableEntry = QStringLiteral("</span> stable:");
    QTRY_VERIFY_WITH_TIMEOUT(tooltipNearLast().contains(stableEntry), kTimeout);
    // A click on a legend entry hides its series (gone from the tooltip) and fades its entry, which
    // stays to turn it back on.
    const QRect entry = rate->legendEntryRect(0);
    QVERIFY(!entry.isEmpty());
    QVERIFY(rate->viewport()->rect().contains(entry));  // never cut off
    QTest::mouseClick(rate->viewport(), Qt::LeftButton, {}, entry.center());
    QVERIFY(!rate->seriesVisible(0));
    QVERIFY(!tooltipNearLast().contains(stableEntry));
    QTest::mouseClick(rate->viewport(), Qt::LeftButton, {}, entry.center());
    QVERIFY(rate->seriesVisible(0));
    QTRY_VERIFY_WITH_TIMEOUT(tooltipNearLast().contains(stableEntry), kTimeout);
    // CSV export writes rows.
    const QString csv = dir_.filePath("rate.csv");
    QVERIFY(rate->exportCsv(csv, dash_->store(), agent_));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray text = f.readAll();
    QVERIFY(text.count('\n') > 4);
    // The export says what it is: chart, agent, route, versions, time range and unit.
    QVERIFY2(text.startsWith("# Redline: Request rate — test agent · GET "), text.left(200));
    QVERIFY(text.left(200).contains("stable and canary — "));
    QVERIFY(text.contains("UTC\n# values in req/s"));
    QVERIFY(rate->exportPng(dir_.filePath("rate.png")));
    QImage png(dir_.filePath("rate.png"));
    QVERIFY(!png.isNull() && png.height() > rate->height());  // the title band on top
}

void TestDashboard::timeAxisTicksAreRoundClockTimes() {
    ChartView v(QStringLiteral("t"), QStringLiteral("u"));
    v.resize(800, 300);
    v.setSeries({{kTotalSeries, Metric::Rate, QStringLiteral("r"), Qt::red}});
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    SeriesStore store;
    const std::int64_t to = QDateTime(QDate(2026, 11, 28), QTime(11, 23, 17, 250)).toMSecsSinceEpoch();
    struct Case {
        int range_s;
        std::int64_t step_ms;
    };
    // ~700 px of plot: a label every minute over 5 min, every 10 min over 1 h, every 10 s over 1 min.
    for (const Case c : {Case{300, 60'000}, Case{3600, 600'000}, Case{60, 10'000}}) {
        const std::int64_t from = to - c.range_s * 1000LL;
        v.refresh(store, QStringLiteral("a"), from, to);
        std::int64_t step = 0;
        const auto ticks = v.timeTicks(&step);
        QCOMPARE(step, c.step_ms);
        QCOMPARE(static_cast<std::int64_t>(ticks.size()), c.range_s * 1000LL / step);
        const QRectF plot = v.chart()->plotArea();
        for (const auto t : ticks) {
            QVERIFY(t >= from && t <= to);
            const QTime local = QDateTime::fromMSecsSinceEpoch(t).time();
            QCOMPARE(local.msec(), 0);
            QCOMPARE((local.minute() * 60 + local.second()) * 1000LL % step, 0LL);
            const qreal x = v.valueToScene(QPointF(static_cast<qreal>(t), 0)).x();
            QVERIFY(x >= plot.left() && x <= plot.right());
        }
    }
}

void TestDashboard::overviewCardShowsFigures() {
    OverviewPage page(dash_.get());
    page.show();
    page.refreshNow();
    QVERIFY(page.viewRowOf(agent_) >= 0);
    QTRY_VERIFY_WITH_TIMEOUT(test::fleetText(page, agent_, FleetModel::RateCol) != QStringLiteral("—"),
                             kTimeout);
    Slo tight;
    tight.max_p99_ms = 1e-6;  // any latency breaches
    dash_->setSlo(tight);
    QTRY_COMPARE_WITH_TIMEOUT(test::fleetHealth(page, agent_, FleetModel::P99Col), Health::Breach, kTimeout);
    dash_->setSlo(Slo{});
}

void TestDashboard::limitChangeLandsOnAgentWithEventAndMarker() {
    LimitsPanel panel(dash_.get());
    QSignalSpy settled(&panel, &LimitsPanel::settled);
    panel.setAgent(agent_);
    QTRY_VERIFY_WITH_TIMEOUT(settled.count() >= 1 && !panel.busy(), kTimeout);
    QVERIFY(settled.at(0).at(0).toBool());
    LimitsModel* m = panel.model();
    const int row = m->rowOf("GET /v1/products/{id}");
    QVERIFY(row >= 0);
    QVERIFY(m->setData(m->index(row, LimitsModel::Enabled), Qt::Checked, Qt::CheckStateRole));
    QVERIFY(m->setData(m->index(row, LimitsModel::Rate), 7.5));
    QVERIFY(m->setData(m->index(row, LimitsModel::Burst), 15.0));
    QVERIFY(m->setData(m->index(row, LimitsModel::Mode), "shadow"));
    QVERIFY(m->modified());
    // The agent's own limits.changed event makes the panel reload too, so settled may fire more than
    // once per action: the first signal after the action is the action's own result.
    const auto before = settled.count();
    panel.apply();
    QTRY_VERIFY_WITH_TIMEOUT(settled.count() > before && !panel.busy(), kTimeout);
    QVERIFY(settled.at(before).at(0).toBool());
    QVERIFY(!m->modified());

    // The agent's state.
    AgentClient client(server_->adminUrl().toStdString(), adminToken().toStdString());
    auto limits = client.limits();
    QVERIFY2(limits.ok(), limits.error_message().c_str());
    const auto it = limits.value->routes.find("GET /v1/products/{id}");
    QVERIFY(it != limits.value->routes.end());
    QCOMPARE(it->second.rate_per_s, 7.5);
    QCOMPARE(it->second.burst, 15.0);
    QCOMPARE(it->second.mode, LimitMode::Shadow);

    // The event, in the store and the events model, and as a marker on the charts.
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(dash_->store(), agent_, "limits.changed"), kTimeout);
    bool listed = false;
    for (int r = 0; r < dash_->eventsModel()->rowCount(); ++r)
        listed =
            listed || dash_->eventsModel()->index(r, EventsModel::Kind).data().toString() == "limits.changed";
    QVERIFY(listed);
    DetailPage page(dash_.get());
    page.resize(900, 600);
    page.show();
    page.setAgent(agent_);
    page.refreshNow();
    for (int c = 0; c < DetailPage::ChartCount; ++c)
        QVERIFY(page.chart(c)->markerCount() >= 1);
    bool markerFound = false;
    for (const auto& e : page.chart(DetailPage::RateChart)->markers())
        markerFound = markerFound || e.kind == "limits.changed";
    QVERIFY(markerFound);
    const QString tip = EventsModel::describe(page.chart(0)->markers().back());
    // The marker shows what changed, old → new, not the whole JSON.
    QVERIFY2(tip.contains("rate_per_s") && tip.contains("→"), qPrintable(tip));

    // Put the table back.
    QVERIFY(m->setData(m->index(row, LimitsModel::Enabled), Qt::Unchecked, Qt::CheckStateRole));
    const auto beforeRevert = settled.count();
    panel.apply();
    QTRY_VERIFY_WITH_TIMEOUT(settled.count() > beforeRevert && !panel.busy(), kTimeout);
    QVERIFY(settled.at(beforeRevert).at(0).toBool());
}

void TestDashboard::invalidLimitIsRefusedInline() {
    LimitsPanel panel(dash_.get());
    QSignalSpy settled(&panel, &LimitsPanel::settled);
    panel.setAgent(agent_);
    // A limits.changed event left by the previous case may trigger a second reload: wait for quiet.
    QTRY_VERIFY_WITH_TIMEOUT(settled.count() >= 1 && !panel.busy(), kTimeout);
    LimitsModel* m = panel.model();
    const int row = m->rowOf("GET /v1/products");
    QVERIFY(row >= 0);
    QVERIFY(m->setData(m->index(row, LimitsModel::Enabled), Qt::Checked, Qt::CheckStateRole));
    QVERIFY(!m->setData(m->index(row, LimitsModel::Rate), -3.0));
    QVERIFY(!m->rowError(row).isEmpty());
    QVERIFY(!m->setData(m->index(row, LimitsModel::Burst), 0.0));
    QVERIFY(!m->setData(m->index(row, LimitsModel::Mode), "sometimes"));
    QVERIFY(m->setData(m->index(row, LimitsModel::Rate), 10.0));
    QVERIFY(!m->rowError(row).isEmpty());  // the refused burst stays refused until it is edited
    QVERIFY(m->setData(m->index(row, LimitsModel::Burst), 20.0));
    QVERIFY(m->rowError(row).isEmpty());
    m->revert();
    QVERIFY(!m->modified());
}

void TestDashboard::canaryWeightSplitsTraffic() {
    CanaryPanel panel(dash_.get());
    int confirmations = 0;
    panel.setConfirm([&](const QString&) {
        ++confirmations;
        return true;
    });
    QSignalSpy settled(&panel, &CanaryPanel::settled);
    panel.setAgent(agent_);
    QTRY_VERIFY_WITH_TIMEOUT(settled.count() >= 1, kTimeout);
    panel.setWeight(50);
    QTRY_COMPARE_WITH_TIMEOUT(panel.applied().weight_percent, 50.0, kTimeout);
    QCOMPARE(confirmations, 0);  // 50 % is not drastic
    AgentClient client(server_->adminUrl().toStdString(), adminToken().toStdString());
    QCOMPARE(client.canary().value->weight_percent, 50.0);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(dash_->store(), agent_, "canary.changed"), kTimeout);

    // The background traffic comes from many client keys: it is split between stable and canary.
    auto split = [&] {
        auto s = dash_->store().latest(agent_);
        if (!s) return false;
        std::uint64_t stable = 0, canary = 0;
        for (const auto& x : s->series)
            (x.version == "canary" ? canary : stable) += x.requests;
        return stable > 0 && canary > 0;
    };
    QTRY_VERIFY_WITH_TIMEOUT(split(), kTimeout);
    panel.show();
    QTRY_VERIFY_WITH_TIMEOUT(
        panel.comparison()->value(ComparisonModel::RateRow, ComparisonModel::Canary).value_or(0) > 0,
        kTimeout);
    panel.setWeight(0);  // roll back: drastic, asks first
    QCOMPARE(confirmations, 1);
    QTRY_COMPARE_WITH_TIMEOUT(panel.applied().weight_percent, 0.0, kTimeout);
}

void TestDashboard::builtinScenarioRunsAndStops() {
    LoadController ctl(dash_.get());
    LoadPanel panel(dash_.get(), &ctl);
    panel.setAgent(agent_);
    panel.setDefaultTarget(server_->apiUrl());
    QVERIFY(panel.selectScenario("baseline") || panel.selectScenario("smoke"));
    QSignalSpy progress(&ctl, &LoadController::progress);
    QSignalSpy finished(&ctl, &LoadController::finished);
    QVERIFY(panel.startRun());
    QVERIFY(ctl.running());
    QTRY_VERIFY_WITH_TIMEOUT(progress.count() >= 2, kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(panel.progressBar()->value() > 0, kTimeout);
    QVERIFY(!LoadPanel::etaText(ctl.lastProgress()).isEmpty());
    // The live line counts failed requests (k6's http_req_failed) and unsent ones, like the CLI.
    auto* live = panel.findChild<QLabel*>("liveFigures");
    QVERIFY(live);
    QTRY_VERIFY_WITH_TIMEOUT(live->text().contains("unsent 0") && live->text().contains("failed"), kTimeout);
    // Client-side figures land next to the server-side ones.
    QVERIFY(dash_->store().seriesKeys(agent_).contains(kClientSeries));
    panel.stopRun();
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, kTimeout);
    QVERIFY(!ctl.running());
    QVERIFY(ctl.lastSummary());
    QVERIFY(ctl.lastSummary()->completed > 0);
    QVERIFY(!panel.summaryText().isEmpty());
    QVERIFY(panel.saveSummary(dir_.filePath("summary.json")));
    // The run's events are posted to the agent and come back on its stream.
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(dash_->store(), agent_, "loadtest.started"), kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(dash_->store(), agent_, "loadtest.finished") ||
                                 hasEvent(dash_->store(), agent_, "loadtest.aborted"),
                             kTimeout);
}

void TestDashboard::modelsPassModelTester() {
    QAbstractItemModelTester agents(dash_->agentsModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester events(dash_->eventsModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    LimitsModel limits;
    QAbstractItemModelTester lt(&limits, QAbstractItemModelTester::FailureReportingMode::QtTest);
    LimitsConfig cfg;
    cfg.routes["GET /v1/products"] = RouteLimit{};
    limits.setApplied(cfg, {"GET /v1/products", "POST /v1/orders"});
    QCOMPARE(limits.rowCount(), 2);
    QVERIFY(limits.setData(limits.index(1, LimitsModel::Enabled), Qt::Checked, Qt::CheckStateRole));
    limits.markApplied(limits.edited());
    ComparisonModel cmp;
    QAbstractItemModelTester ct(&cmp, QAbstractItemModelTester::FailureReportingMode::QtTest);
    if (auto s = dash_->store().latest(agent_)) cmp.update(*s, {});
    cmp.clear();
    // Structure changes on the live models while testers watch.
    AgentConfig extra;
    extra.name = "unreachable";
    extra.url = "http://127.0.0.2:9";
    const QString id = dash_->addAgent(extra);
    dash_->addLocalEvent(id, "test.event", "hello");
    QTRY_VERIFY_WITH_TIMEOUT(dash_->agentsModel()->stateOf(id) != StreamState::Connecting, kTimeout);
    dash_->removeAgent(id);
}

void TestDashboard::settingsRoundTrip() {
    const QString path = dir_.filePath("settings.ini");
    Slo slo;
    slo.max_p99_ms = 123;
    slo.max_error_ratio = 0.02;
    {
        Dashboard d;
        AgentConfig a;
        a.name = "kept";
        a.url = "http://127.0.0.1:9";
        a.tokenFile = "/nonexistent/token";
        d.addAgent(a);
        AgentConfig b;
        b.name = "session only";
        b.url = "http://127.0.0.1:10";
        b.ephemeral = true;
        d.addAgent(b);
        d.setSlo(slo);
        QSettings s(path, QSettings::IniFormat);
        d.save(s);
    }
    Dashboard d2;
    QSettings s(path, QSettings::IniFormat);
    d2.load(s);
    QCOMPARE(d2.agentIds().size(), 1);
    const AgentConfig& c = d2.agentsModel()->configAt(0);
    QCOMPARE(c.name, QStringLiteral("kept"));
    QCOMPARE(c.url, QStringLiteral("http://127.0.0.1:9"));
    QCOMPARE(c.tokenFile, QStringLiteral("/nonexistent/token"));
    QCOMPARE(d2.slo(), slo);
    // An unreadable token file is a disconnected state with the reason, not a crash.
    QTRY_COMPARE_WITH_TIMEOUT(d2.agentsModel()->stateOf(c.id), StreamState::Disconnected, kTimeout);
    QVERIFY(!d2.agentsModel()->reasonOf(c.id).isEmpty());
}

void TestDashboard::killedServerGoesStaleThenRecovers() {
    const quint16 apiPort = server_->apiPort(), adminPort = server_->adminPort();
    const QString data = server_->dataDir();
    traffic_->stopAndWait();
    server_->kill();
    QTRY_VERIFY_WITH_TIMEOUT(dash_->agentsModel()->stateOf(agent_) == StreamState::Stale ||
                                 dash_->agentsModel()->stateOf(agent_) == StreamState::Disconnected,
                             kTimeout);
    QVERIFY(!dash_->agentsModel()->reasonOf(agent_).isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(dash_->store(), agent_, "agent.stale") ||
                                 hasEvent(dash_->store(), agent_, "agent.disconnected"),
                             kTimeout);
    QVERIFY(test::startAndWait(*server_, data, 2000, 2, apiPort, adminPort));
    QTRY_COMPARE_WITH_TIMEOUT(dash_->agentsModel()->stateOf(agent_), StreamState::Live, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(dash_->store(), agent_, "agent.reconnected"), kTimeout);
}

QTEST_MAIN(TestDashboard)
#include "tst_dashboard.moc"
