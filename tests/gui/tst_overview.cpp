// GUI tests of the Overview's fleet table (issue 11 §3), offscreen, against two real redline-sample-servers
// on port 0 (alpha with the demo's background traffic, bravo idle until it is given a failing canary), plus
// a second Dashboard of fake agents (snapshots appended to the store, as a Prometheus-discovered instance
// would appear) for what real servers cannot show: other services, an absent cache hit ratio, rows whose
// rates swap every tick. Real widgets, real QTest mouse and key events:
//  - rows appear (fleet row, the service's total row, one row per agent), figures in the card format,
//    absent figures "—" with a tooltip (never 0);
//  - sorting by clicking headers, numerically, absent figures last in both directions, within groups;
//  - filtering by typing (words, service=..., url=...), Down/Enter from the filter into the table;
//  - double-click and Enter drill down (agentActivated), a total row does not;
//  - group totals: rate summed, error ratio from the sums (not the mean of ratios), max p99;
//  - rows are not re-sorted on every tick, only after OverviewPage::kResortMs;
//  - a killed server's row turns stale ("down · last seen N s ago", reason in the tooltip) and greys:
//    no SLO colour in the model and no green pixel in its painted cells.
#include <signal.h>

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <limits>

#include "core/agent_client.h"
#include "core/control.h"
#include "tests/support/fleet_table.h"
#include "tests/support/gui_fixture.h"
#include "ui/demo/sample_server_process.h"
#include "ui/models/fleet_model.h"
#include "ui/models/fleet_sort_proxy.h"
#include "ui/models/route_model.h"
#include "ui/pages/overview_page.h"
#include "ui/session/dashboard.h"
#include "ui/session/load_controller.h"
#include "ui/widgets/theme.h"

using namespace redline;
using namespace redline::ui;
using test::fleetCell;
using test::fleetHealth;
using test::fleetText;

static void initRedlineResources() {
    Q_INIT_RESOURCE(redline);
}

Q_DECLARE_METATYPE(redline::ui::Figure)

namespace {
constexpr int kTimeout = 20000;
constexpr int kIntervalMs = 250;
constexpr int kSeedProducts = 3000;  // covers the background traffic's ids (1..3000)
constexpr auto kSampleService = "redline-sample-server";

std::unique_ptr<SampleServerProcess> startServer(const QString& dataDir, quint16 api = 0, quint16 admin = 0) {
    return test::startSampleServer(dataDir, kSeedProducts, 2, api, admin);
}

/// A snapshot as a fake (or Prometheus-discovered) instance of `service` would deliver.
Snapshot fakeSnapshot(const std::string& service, double rate, std::uint64_t errors,
                      std::optional<double> p99, std::optional<double> hit) {
    Snapshot s;
    s.service = service;
    s.time_ms = QDateTime::currentMSecsSinceEpoch();
    s.window_s = 1;
    auto& t = s.total;
    t.method = t.route = t.version = "*";
    t.requests = static_cast<std::uint64_t>(rate);
    t.rate_per_s = rate;
    t.errors = errors;
    if (t.requests > 0) t.error_ratio = static_cast<double>(errors) / rate;
    if (p99) {
        t.latency = LatencyQuantiles{};
        t.latency->p99_ms = *p99;
    }
    t.cache_hit_ratio = hit;  // no hit/miss counts: a ratio only, as from Prometheus
    return s;
}

/// The header section's centre in its viewport.
QPoint headerPoint(QHeaderView* h, int section) {
    return {h->sectionViewportPosition(section) + h->sectionSize(section) / 2, h->height() / 2};
}

/// Pixels in an agent's cell that are painted in an SLO colour (green, amber or red) on the dark theme.
int sloColouredPixels(OverviewPage& page, const QString& id, int col) {
    QTableView* t = page.table();
    const QModelIndex i = t->model()->index(page.viewRowOf(id), col);
    const QRect r = t->visualRect(i);
    const QImage img = t->viewport()->grab(r).toImage();
    if (const QString keep = qEnvironmentVariable("REDLINE_SCREENSHOT_DIR"); !keep.isEmpty())
        img.save(keep + QStringLiteral("/cell-%1.png").arg(col));
    int n = 0;
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x) {
            const QColor c = img.pixelColor(x, y);
            const bool green = c.green() > c.red() + 40 && c.green() > c.blue() + 20;
            const bool red = c.red() > c.green() + 60 && c.red() > c.blue() + 60;
            if (green || red) ++n;
        }
    return n;
}
}  // namespace

class TestOverview : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void cleanupTestCase();
    void figureFormats_data();
    void figureFormats();
    void savedOldDefaultsGiveWayToNewDefaults();
    void emptyStateShowsAHint();
    void sparklineBreaksAtAGap();
    void rowsAppearWithFiguresAndAbsence();
    void sortByClickingHeaders();
    void absentFiguresSortLastWithinGroups();
    void rowsAreNotResortedEveryTick();
    void filterByTypingAndKeyboard();
    void doubleClickAndEnterDrillDown();
    void groupTotalsFromSums();
    void routeTableIsAConsistentModel();
    void killedServerRowTurnsStaleAndGreys();  // last: kills bravo's server

  private:
    std::unique_ptr<AgentClient> client(const SampleServerProcess& s) const;
    QStringList shown() const { return page_->order(); }

    QTemporaryDir dir_;
    std::unique_ptr<CurlGlobal> curl_;
    std::unique_ptr<SampleServerProcess> alpha_server_, bravo_server_;
    std::unique_ptr<Dashboard> dash_;
    std::unique_ptr<LoadController> alpha_traffic_, bravo_traffic_;
    std::unique_ptr<OverviewPage> page_;
    std::unique_ptr<QAbstractItemModelTester> tester_;
    QString alpha_, bravo_;
};

void TestOverview::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    initRedlineResources();
    Theme::apply(*qApp, Theme::Mode::Dark);
    curl_ = std::make_unique<CurlGlobal>();
    QVERIFY(dir_.isValid());
    QVERIFY2(!SampleServerProcess::findBinary().isEmpty(), "redline-sample-server not built");
    alpha_server_ = startServer(dir_.filePath("alpha"));
    QVERIFY(alpha_server_);
    bravo_server_ = startServer(dir_.filePath("bravo"));
    QVERIFY(bravo_server_);

    dash_ = std::make_unique<Dashboard>();
    dash_->setStreamIntervalMs(kIntervalMs);
    QCOMPARE(dash_->slo(), Slo{});
    // Added in the reverse of name order: the table's order must not be the order of addition.
    bravo_ = test::addAgent(*dash_, QStringLiteral("bravo"), *bravo_server_);
    alpha_ = test::addAgent(*dash_, QStringLiteral("alpha"), *alpha_server_);
    QVERIFY(test::waitLive(*dash_, alpha_));
    QVERIFY(test::waitLive(*dash_, bravo_));

    alpha_traffic_ = std::make_unique<LoadController>(dash_.get());
    bravo_traffic_ = std::make_unique<LoadController>(dash_.get());
    QString err;
    QVERIFY2(
        alpha_traffic_->start(LoadController::backgroundScenario(alpha_server_->apiUrl().toStdString(), 30),
                              alpha_, false, &err),
        qPrintable(err));

    page_ = std::make_unique<OverviewPage>(dash_.get());
    tester_ = std::make_unique<QAbstractItemModelTester>(
        page_->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    page_->resize(1100, 500);
    page_->show();
    QVERIFY(QTest::qWaitForWindowExposed(page_.get()));
    page_->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(page_.get()));
}

void TestOverview::cleanupTestCase() {
    for (auto* t : {alpha_traffic_.get(), bravo_traffic_.get()})
        if (t) t->stopAndWait();
    tester_.reset();
    page_.reset();
    alpha_traffic_.reset();
    bravo_traffic_.reset();
    dash_.reset();
    if (alpha_server_) QVERIFY(alpha_server_->stop(10000));
    if (bravo_server_) QVERIFY(bravo_server_->stop(10000));
}

// The Charts page's top-routes table under QAbstractItemModelTester while routes appear, figures change
// and the agent is switched (a reset) and cleared: every signal consistent with the rows it reports.
void TestOverview::routeTableIsAConsistentModel() {
    RouteModel m(dash_.get());
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(m.rowCount(), 0);
    m.setAgent(alpha_);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            m.refresh(QDateTime::currentMSecsSinceEpoch());
            return m.rowCount() >= 2;
        }(),
        15'000);
    QSet<QString> routes;
    for (int r = 0; r < m.rowCount(); ++r) {
        routes.insert(m.routeAt(r) + '|' + m.index(r, RouteModel::VersionCol).data().toString());
        QVERIFY(!m.index(r, RouteModel::RouteCol).data().toString().isEmpty());
        QVERIFY(m.index(r, RouteModel::RateCol).data(FleetModel::SortRole).isValid());
    }
    QCOMPARE(routes.size(), m.rowCount());  // one row per (route, version), no duplicates
    for (int i = 0; i < 3; ++i) {
        QTest::qWait(kIntervalMs);
        m.refresh(QDateTime::currentMSecsSinceEpoch());
    }
    m.setAgent(bravo_);
    m.refresh(QDateTime::currentMSecsSinceEpoch());
    m.setAgent(QString());
    m.refresh(QDateTime::currentMSecsSinceEpoch());
    QCOMPARE(m.rowCount(), 0);
}

std::unique_ptr<AgentClient> TestOverview::client(const SampleServerProcess& s) const {
    const std::string token = read_token_file(s.operatorTokenFile().toStdString()).value_or("");
    return std::make_unique<AgentClient>(s.adminUrl().toStdString(), token);
}

void TestOverview::figureFormats_data() {
    QTest::addColumn<Figure>("figure");
    QTest::addColumn<double>("value");  // NaN: absent
    QTest::addColumn<QString>("text");
    const double none = std::numeric_limits<double>::quiet_NaN();
    QTest::newRow("rate 30") << Figure::Rate << 30.0 << "30.0";
    QTest::newRow("rate 2.346") << Figure::Rate << 2.346 << "2.35";
    QTest::newRow("rate 1234.4") << Figure::Rate << 1234.4 << "1234";
    QTest::newRow("rate 0") << Figure::Rate << 0.0 << "0";
    QTest::newRow("rate 9.996 -> 10.0") << Figure::Rate << 9.996 << "10.0";
    QTest::newRow("error 0") << Figure::ErrorRatio << 0.0 << "0 %";
    QTest::newRow("error 0.25 %") << Figure::ErrorRatio << 0.0025 << "0.25 %";
    QTest::newRow("error 12.5 %") << Figure::ErrorRatio << 0.125 << "12.5 %";
    QTest::newRow("error tiny") << Figure::ErrorRatio << 0.00000123 << "<0.01 %";
    QTest::newRow("error absent") << Figure::ErrorRatio << none << "—";
    QTest::newRow("hit 29.6 %") << Figure::HitRatio << 0.296 << "29.6 %";
    QTest::newRow("hit 100 %") << Figure::HitRatio << 1.0 << "100 %";
    QTest::newRow("p99 0.2119 ms") << Figure::P99 << 0.2119 << "0.21 ms";
    QTest::newRow("p99 250 ms") << Figure::P99 << 250.0 << "250 ms";
    QTest::newRow("p99 absent") << Figure::P99 << none << "—";
}

void TestOverview::figureFormats() {
    QFETCH(Figure, figure);
    QFETCH(double, value);
    QFETCH(QString, text);
    const std::optional<double> v = std::isnan(value) ? std::nullopt : std::optional<double>(value);
    QCOMPARE(CardFigures::format(figure, v), text);
}

void TestOverview::savedOldDefaultsGiveWayToNewDefaults() {
    // Settings written before (no version: every field) pinned the old 50 % cache-hit floor; they now read
    // as the new defaults, and a floor someone chose stays.
    const QString ini = dir_.filePath("slo.ini");
    {
        QSettings s(ini, QSettings::IniFormat);
        s.setValue("slo/maxErrorRatio", 0.01);
        s.setValue("slo/maxP99Ms", 250.0);
        s.setValue("slo/minCacheHitRatio", 0.5);
        s.setValue("slo/minRatePerS", 0.0);
        s.setValue("slo/warnFraction", 0.8);
    }
    QSettings s(ini, QSettings::IniFormat);
    Slo loaded;
    loaded.load(s);
    QCOMPARE(loaded, Slo{});
    s.setValue("slo/minCacheHitRatio", 0.6);
    loaded.load(s);
    QCOMPARE(loaded.min_cache_hit_ratio, 0.6);
}

void TestOverview::emptyStateShowsAHint() {
    Dashboard d;
    OverviewPage page(&d);
    page.resize(800, 400);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QLabel* hint = nullptr;
    for (QLabel* l : page.findChildren<QLabel*>())
        if (l->text().contains(QStringLiteral("Add agent"))) hint = l;
    QVERIFY(hint && hint->isVisible());
    QVERIFY(!page.table()->isVisible());
    const QString id = d.addAgent({QString(), "one", "http://127.0.0.2:9"}, false);
    QVERIFY(!hint->isVisible());
    QVERIFY(page.table()->isVisible());
    QCOMPARE(page.order(), QStringList{id});
    d.removeAgent(id);
    QVERIFY(hint->isVisible());
}

void TestOverview::sparklineBreaksAtAGap() {
    // SeriesStore::points() puts one NaN point where a sample is missing: the delegate draws two runs, never
    // a line across the gap; a lone point between two gaps is a run of one (a dot); points outside the span
    // are not drawn.
    const double nan = std::numeric_limits<double>::quiet_NaN();
    SparkData d;
    d.from_ms = 1000;
    d.to_ms = 9000;
    d.points = {{500, 1}, {1000, 2}, {2000, 3}, {3000, nan}, {4000, 4}, {5000, nan}, {6000, 5}, {7000, 6}};
    const auto runs = d.runs();
    QCOMPARE(runs.size(), 3);
    QCOMPARE(runs[0].size(), 2);  // 1000, 2000 (500 is before the span)
    QCOMPARE(runs[1].size(), 1);  // the lone 4000
    QCOMPARE(runs[2].size(), 2);
    QCOMPARE(d.top(), 6 * 1.15);
    // Painted: no pixel of the line in the middle of the gap between 2000 and 4000.
    QImage img(200, 40, QImage::Format_ARGB32);
    img.fill(Qt::black);
    {
        QPainter p(&img);
        paintSparkline(p, QRectF(0, 0, 200, 40), d, colors::rate);
    }
    const int gapX = int(200.0 * (3000 - 1000) / 8000);
    int blue = 0;
    for (int y = 0; y < 38; ++y)  // above the faint baseline
        for (int x = gapX - 2; x <= gapX + 2; ++x)
            if (img.pixelColor(x, y).blue() > 100) ++blue;
    QCOMPARE(blue, 0);
    d.greyed = true;  // a greyed line is drawn in the muted colour
    QImage grey(200, 40, QImage::Format_ARGB32);
    grey.fill(Qt::black);
    {
        QPainter p(&grey);
        paintSparkline(p, QRectF(0, 0, 200, 40), d, colors::rate);
    }
    const int x = int(200.0 * (1500 - 1000) / 8000);
    bool greyPixel = false;
    for (int y = 0; y < 38; ++y) {
        const QColor c = grey.pixelColor(x, y);
        if (c.blue() > 60 && std::abs(c.blue() - c.red()) < 30) greyPixel = true;
    }
    QVERIFY(greyPixel);
}

void TestOverview::rowsAppearWithFiguresAndAbsence() {
    page_->refreshNow();
    QTRY_COMPARE_WITH_TIMEOUT(shown().size(), 2, kTimeout);
    // The fleet row first, then the service's total, then its agents.
    QAbstractItemModel* m = page_->table()->model();
    QTRY_COMPARE_WITH_TIMEOUT(m->rowCount(), 4, kTimeout);  // fleet, the sample server's group, 2 agents
    QCOMPARE(m->index(0, 0).data(FleetModel::KindRole).toInt(), int(FleetModel::Kind::Fleet));
    QCOMPARE(m->index(1, 0).data(FleetModel::KindRole).toInt(), int(FleetModel::Kind::Group));
    // Before the first snapshot the agents are in a "no snapshot yet" group; then in their service's.
    QTRY_COMPARE_WITH_TIMEOUT(m->index(1, 0).data(FleetModel::GroupRole).toString(),
                              QString::fromLatin1(kSampleService), kTimeout);
    QCOMPARE(m->rowCount(), 4);
    QVERIFY(m->index(1, FleetModel::NameCol).data().toString().contains(kSampleService));
    QCOMPARE(fleetText(*page_, alpha_, FleetModel::NameCol), QStringLiteral("alpha"));
    QCOMPARE(fleetText(*page_, bravo_, FleetModel::NameCol), QStringLiteral("bravo"));

    // alpha under traffic: its figures in the card format, live and judged.
    QTRY_VERIFY_WITH_TIMEOUT(fleetText(*page_, alpha_, FleetModel::P99Col).endsWith(QStringLiteral(" ms")),
                             kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(fleetText(*page_, alpha_, FleetModel::StateCol), QStringLiteral("live · ok"),
                              kTimeout);
    QVERIFY(fleetText(*page_, alpha_, FleetModel::ErrorCol).endsWith(QStringLiteral(" %")));
    QCOMPARE(fleetHealth(*page_, alpha_, FleetModel::P99Col), Health::Good);
    QVERIFY(fleetCell(*page_, alpha_, FleetModel::TrendCol, FleetModel::SparkRole)
                .value<SparkData>()
                .runs()
                .size() >= 1);

    // bravo is live and idle: a true 0 req/s, but no error ratio and no latency: "—" with a reason.
    QTRY_COMPARE_WITH_TIMEOUT(fleetText(*page_, bravo_, FleetModel::StateCol),
                              QStringLiteral("live · no data"), kTimeout);
    QCOMPARE(fleetText(*page_, bravo_, FleetModel::RateCol), QStringLiteral("0"));
    for (int col : {int(FleetModel::ErrorCol), int(FleetModel::P99Col)}) {
        QCOMPARE(fleetText(*page_, bravo_, col), QStringLiteral("—"));
        QVERIFY(fleetCell(*page_, bravo_, col, Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("No requests")));
        QVERIFY(!fleetCell(*page_, bravo_, col, FleetModel::SortRole).isValid());  // absent, not 0
    }
    // The total's p99 is labelled as the worst instance's.
    const QString groupP99 = m->index(1, FleetModel::P99Col).data().toString();
    QVERIFY2(groupP99.startsWith(QStringLiteral("max ")), qPrintable(groupP99));
    QVERIFY(
        m->headerData(FleetModel::P99Col, Qt::Horizontal, Qt::ToolTipRole).toString().contains("max p99"));
}

void TestOverview::sortByClickingHeaders() {
    QHeaderView* h = page_->table()->horizontalHeader();
    QTest::mouseClick(h->viewport(), Qt::LeftButton, {}, headerPoint(h, FleetModel::NameCol));
    QCOMPARE(h->sortIndicatorSection(), int(FleetModel::NameCol));
    const Qt::SortOrder first = h->sortIndicatorOrder();
    const QStringList byName =
        first == Qt::AscendingOrder ? QStringList{alpha_, bravo_} : QStringList{bravo_, alpha_};
    QCOMPARE(shown(), byName);
    QTest::mouseClick(h->viewport(), Qt::LeftButton, {}, headerPoint(h, FleetModel::NameCol));
    QVERIFY(h->sortIndicatorOrder() != first);
    QCOMPARE(shown(), QStringList({byName[1], byName[0]}));

    // Rate: numerically (alpha ~30/s, bravo 0/s); the fleet and group rows keep their places.
    QTest::mouseClick(h->viewport(), Qt::LeftButton, {}, headerPoint(h, FleetModel::RateCol));
    QCOMPARE(h->sortIndicatorSection(), int(FleetModel::RateCol));
    const bool asc = h->sortIndicatorOrder() == Qt::AscendingOrder;
    QCOMPARE(shown(), asc ? QStringList({bravo_, alpha_}) : QStringList({alpha_, bravo_}));
    QAbstractItemModel* m = page_->table()->model();
    QCOMPARE(m->index(0, 0).data(FleetModel::KindRole).toInt(), int(FleetModel::Kind::Fleet));
    QCOMPARE(m->index(1, 0).data(FleetModel::KindRole).toInt(), int(FleetModel::Kind::Group));
    QTest::mouseClick(h->viewport(), Qt::LeftButton, {}, headerPoint(h, FleetModel::RateCol));
    QCOMPARE(shown(), asc ? QStringList({alpha_, bravo_}) : QStringList({bravo_, alpha_}));

    // p99: bravo has none; it is last in both directions.
    for (int i = 0; i < 2; ++i) {
        QTest::mouseClick(h->viewport(), Qt::LeftButton, {}, headerPoint(h, FleetModel::P99Col));
        QCOMPARE(shown(), QStringList({alpha_, bravo_}));
    }
    page_->table()->sortByColumn(FleetModel::StateCol, Qt::AscendingOrder);  // back to the default
}

void TestOverview::absentFiguresSortLastWithinGroups() {
    // Fake instances of two services: catalog (one without a cache hit ratio, as a Prometheus job without a
    // cache metric) and orders.
    Dashboard d;
    auto add = [&](const QString& name, const std::string& service, double rate, std::optional<double> hit) {
        const QString id = d.addAgent({QString(), name, "http://127.0.0.2:9/" + name}, false);
        d.agentsModel()->setState(id, StreamState::Live, {});
        d.store().append(id, fakeSnapshot(service, rate, 0, 5.0, hit));
        return id;
    };
    const QString c1 = add("c1", "catalog", 10, 0.9), c2 = add("c2", "catalog", 20, std::nullopt),
                  c3 = add("c3", "catalog", 30, 0.5), o1 = add("o1", "orders", 5, 0.7);
    OverviewPage page(&d);
    QAbstractItemModelTester tester(page.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    page.resize(1000, 400);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    page.refreshNow();
    QCOMPARE(fleetText(page, c2, FleetModel::HitCol), QStringLiteral("—"));
    QVERIFY(!fleetCell(page, c2, FleetModel::HitCol, Qt::ToolTipRole).toString().isEmpty());
    QTableView* t = page.table();
    t->sortByColumn(FleetModel::HitCol, Qt::AscendingOrder);
    QCOMPARE(page.order(), QStringList({c3, c1, c2, o1}));  // catalog (0.5, 0.9, —), then orders
    t->sortByColumn(FleetModel::HitCol, Qt::DescendingOrder);
    QCOMPARE(page.order(), QStringList({c1, c3, c2, o1}));  // absent still last; groups still by name
    // Each group's total row heads its group in both directions.
    QAbstractItemModel* m = t->model();
    QCOMPARE(m->index(1, 0).data(FleetModel::GroupRole).toString(), QStringLiteral("catalog"));
    QCOMPARE(m->index(1, 0).data(FleetModel::KindRole).toInt(), int(FleetModel::Kind::Group));
    QCOMPARE(m->index(5, 0).data(FleetModel::GroupRole).toString(), QStringLiteral("orders"));
    QCOMPARE(m->index(5, 0).data(FleetModel::KindRole).toInt(), int(FleetModel::Kind::Group));
    // The catalog total's hit ratio: the two instances that have one, weighted by their rates.
    const auto hit = page.model()->figuresAt(page.model()->rowOfGroup("catalog"))[Figure::HitRatio];
    QVERIFY(hit);
    QVERIFY(std::abs(*hit - (10 * 0.9 + 30 * 0.5) / 40.0) < 1e-9);
    // Ungrouped: no total rows but the fleet's, one sorted list.
    page.groupBox()->setChecked(false);
    QCOMPARE(page.order(), QStringList({c1, o1, c3, c2}));
    QCOMPARE(m->rowCount(), 5);
}

void TestOverview::rowsAreNotResortedEveryTick() {
    Dashboard d;
    auto add = [&](const QString& name, double rate) {
        const QString id = d.addAgent({QString(), name, "http://127.0.0.2:9"}, false);
        d.agentsModel()->setState(id, StreamState::Live, {});
        d.store().append(id, fakeSnapshot("svc", rate, 0, 5.0, 0.5));
        return id;
    };
    const QString a = add("a", 10), b = add("b", 20);
    OverviewPage page(&d);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QHeaderView* h = page.table()->horizontalHeader();
    QTest::mouseClick(h->viewport(), Qt::LeftButton, {}, headerPoint(h, FleetModel::RateCol));
    page.table()->sortByColumn(FleetModel::RateCol, Qt::DescendingOrder);
    QCOMPARE(page.order(), QStringList({b, a}));
    // a overtakes b: the figures change at once, the order only after kResortMs.
    QTest::qWait(kIntervalMs);
    d.store().append(a, fakeSnapshot("svc", 50, 0, 5.0, 0.5));
    page.refreshNow();
    QCOMPARE(fleetText(page, a, FleetModel::RateCol), QStringLiteral("50.0"));
    QCOMPARE(page.order(), QStringList({b, a}));
    QElapsedTimer t;
    t.start();
    while (page.order() != QStringList({a, b}) && t.elapsed() < OverviewPage::kResortMs + 3000) {
        QTest::qWait(200);
        page.refreshNow();
    }
    QCOMPARE(page.order(), QStringList({a, b}));
    QVERIFY2(t.elapsed() >= OverviewPage::kResortMs - 1500, qPrintable(QString::number(t.elapsed())));
}

void TestOverview::filterByTypingAndKeyboard() {
    page_->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(page_.get()));
    QLineEdit* f = page_->filterEdit();
    // Focus on the page lands in the filter (Tab from the tab bar reaches it first).
    page_->setFocus(Qt::TabFocusReason);
    QTRY_VERIFY(f->hasFocus());
    QTest::keyClicks(f, QStringLiteral("alp"));
    QCOMPARE(shown(), QStringList{alpha_});
    QCOMPARE(page_->table()->model()->rowCount(), 3);  // fleet, group, alpha
    QTest::keyClick(f, Qt::Key_Escape);
    QVERIFY(f->text().isEmpty());
    QCOMPARE(shown().size(), 2);
    QTest::keyClicks(f, QStringLiteral("service=sample"));
    QCOMPARE(shown().size(), 2);
    f->clear();
    QTest::keyClicks(f, QStringLiteral("service=catalog"));
    QVERIFY(shown().isEmpty());
    QCOMPARE(page_->table()->model()->rowCount(), 1);  // the fleet row only
    f->clear();
    // url= matches one agent's admin port.
    QTest::keyClicks(f, QStringLiteral("url=:%1").arg(bravo_server_->adminPort()));
    QCOMPARE(shown(), QStringList{bravo_});
    // Down moves into the table onto the first agent row; Tab leaves the table (no cell-by-cell Tab).
    QTest::keyClick(f, Qt::Key_Down);
    QVERIFY(page_->table()->hasFocus());
    QCOMPARE(page_->table()->currentIndex().data(FleetModel::IdRole).toString(), bravo_);
    f->clear();
    QCOMPARE(shown().size(), 2);
    // Arrows move in the table.
    page_->table()->sortByColumn(FleetModel::NameCol, Qt::AscendingOrder);
    page_->table()->setCurrentIndex(
        page_->table()->model()->index(page_->viewRowOf(alpha_), FleetModel::NameCol));
    QTest::keyClick(page_->table(), Qt::Key_Down);
    QCOMPARE(page_->table()->currentIndex().data(FleetModel::IdRole).toString(), bravo_);
    page_->table()->sortByColumn(FleetModel::StateCol, Qt::AscendingOrder);
}

void TestOverview::doubleClickAndEnterDrillDown() {
    page_->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(page_.get()));
    QSignalSpy spy(page_.get(), &OverviewPage::agentActivated);
    QTableView* t = page_->table();
    auto rect = [&](const QString& id) {
        return t->visualRect(t->model()->index(page_->viewRowOf(id), FleetModel::NameCol));
    };
    // A double-click as the window system delivers it: press, release, then the double-click.
    QTest::mouseClick(t->viewport(), Qt::LeftButton, {}, rect(alpha_).center());
    QTest::mouseDClick(t->viewport(), Qt::LeftButton, {}, rect(alpha_).center());
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.takeFirst().at(0).toString(), alpha_);
    t->setFocus();
    t->setCurrentIndex(t->model()->index(page_->viewRowOf(bravo_), FleetModel::NameCol));
    QTest::keyClick(t, Qt::Key_Return);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.takeFirst().at(0).toString(), bravo_);
    // A total row is not an agent: nothing to open.
    QTest::mouseDClick(t->viewport(), Qt::LeftButton, {},
                       t->visualRect(t->model()->index(0, FleetModel::NameCol)).center());
    QTest::mouseDClick(t->viewport(), Qt::LeftButton, {},
                       t->visualRect(t->model()->index(1, FleetModel::NameCol)).center());
    QCOMPARE(spy.count(), 0);
}

void TestOverview::groupTotalsFromSums() {
    // bravo gets 10 req/s against a canary at 100 % that answers half of them 500, alpha 30 req/s that
    // succeed: the group's error ratio is sum(5xx/s) / sum(req/s) (~12.5 %), not the mean ratio (~25 %).
    CanaryConfig canary;
    canary.weight_percent = 100;
    canary.faults.error_ratio = 0.5;
    QVERIFY(client(*bravo_server_)->set_canary(canary).ok());
    QString err;
    QVERIFY2(
        bravo_traffic_->start(LoadController::backgroundScenario(bravo_server_->apiUrl().toStdString(), 10),
                              bravo_, false, &err),
        qPrintable(err));
    QTRY_COMPARE_WITH_TIMEOUT(fleetText(*page_, bravo_, FleetModel::StateCol),
                              QStringLiteral("live · SLO breach"), kTimeout);
    QCOMPARE(fleetHealth(*page_, bravo_, FleetModel::ErrorCol), Health::Breach);
    QVERIFY(
        fleetCell(*page_, bravo_, FleetModel::StateCol, Qt::ToolTipRole).toString().contains("error ratio"));

    FleetModel* m = page_->model();
    const int g = m->rowOfGroup(QString::fromLatin1(kSampleService));
    QVERIFY(g >= 0);
    // Both agents have traffic and errors have been seen on bravo: compare against the same snapshots.
    bool differed = false;
    for (int i = 0; i < 20 && !differed; ++i) {
        QTest::qWait(kIntervalMs);
        page_->refreshNow();
        const auto a = dash_->store().latest(alpha_), b = dash_->store().latest(bravo_);
        QVERIFY(a && b);
        const double rate = a->total.rate_per_s + b->total.rate_per_s;
        const double errs = double(a->total.errors) / a->window_s + double(b->total.errors) / b->window_s;
        const CardFigures& f = m->figuresAt(g);
        QVERIFY(f[Figure::Rate]);
        QVERIFY(std::abs(*f[Figure::Rate] - rate) < 1e-9);
        if (rate <= 0) continue;
        QVERIFY(f[Figure::ErrorRatio]);
        QVERIFY(std::abs(*f[Figure::ErrorRatio] - errs / rate) < 1e-9);
        const double p99 = std::max(a->total.latency ? a->total.latency->p99_ms : 0.0,
                                    b->total.latency ? b->total.latency->p99_ms : 0.0);
        QVERIFY(f[Figure::P99]);
        QCOMPARE(*f[Figure::P99], p99);
        QCOMPARE(m->index(g, FleetModel::P99Col).data().toString(),
                 QStringLiteral("max ") + CardFigures::format(Figure::P99, p99));
        QCOMPARE(m->index(g, FleetModel::StateCol).data().toString(), QStringLiteral("2 / 2 live"));
        if (a->total.error_ratio && b->total.error_ratio && b->total.errors > 0) {
            const double mean = (*a->total.error_ratio + *b->total.error_ratio) / 2;
            differed = std::abs(mean - errs / rate) > 0.01;
        }
    }
    QVERIFY2(differed, "never saw the sum-based ratio differ from the mean of ratios");
    // The fleet row adds up the same two (one service).
    QCOMPARE(m->figuresAt(m->fleetRow())[Figure::Rate], m->figuresAt(g)[Figure::Rate]);
}

void TestOverview::killedServerRowTurnsStaleAndGreys() {
    page_->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(page_.get()));
    bravo_traffic_->stopAndWait();
    page_->refreshNow();
    // alpha is live and green: the pixel check below can see SLO colours.
    QTRY_COMPARE_WITH_TIMEOUT(fleetHealth(*page_, alpha_, FleetModel::RateCol), Health::Good, kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(sloColouredPixels(*page_, alpha_, FleetModel::RateCol) > 0, kTimeout);

    bravo_server_->kill();
    QTRY_VERIFY_WITH_TIMEOUT(
        fleetText(*page_, bravo_, FleetModel::StateCol).contains(QStringLiteral("last seen")), kTimeout);
    const QString state = fleetText(*page_, bravo_, FleetModel::StateCol);
    QVERIFY2(state.startsWith(QStringLiteral("down · ")) || state.startsWith(QStringLiteral("stale · ")),
             qPrintable(state));
    QTRY_VERIFY_WITH_TIMEOUT(!dash_->agentsModel()->reasonOf(bravo_).isEmpty(), kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(
        fleetCell(*page_, bravo_, FleetModel::StateCol, Qt::ToolTipRole)
            .toString()
            .contains(AgentListModel::readableReason(dash_->agentsModel()->reasonOf(bravo_))),
        kTimeout);
    // The last figures stay, greyed: no SLO health, the stale colour in every cell, a grey trend.
    QVERIFY(fleetText(*page_, bravo_, FleetModel::RateCol) != QStringLiteral("—"));
    for (int col : {int(FleetModel::RateCol), int(FleetModel::ErrorCol), int(FleetModel::P99Col),
                    int(FleetModel::HitCol)})
        QCOMPARE(fleetHealth(*page_, bravo_, col), Health::Stale);
    const QColor grey = fleetCell(*page_, bravo_, FleetModel::NameCol, Qt::ForegroundRole).value<QColor>();
    QVERIFY(grey.isValid());
    for (int col = 0; col < FleetModel::TrendCol; ++col)
        QCOMPARE(fleetCell(*page_, bravo_, col, Qt::ForegroundRole).value<QColor>(), grey);
    QVERIFY(fleetCell(*page_, bravo_, FleetModel::TrendCol, FleetModel::SparkRole).value<SparkData>().greyed);
    // As painted: not one pixel in an SLO colour in its figure cells (the error ratio was red before).
    page_->table()->viewport()->repaint();
    for (int col : {int(FleetModel::RateCol), int(FleetModel::ErrorCol), int(FleetModel::P99Col)})
        QCOMPARE(sloColouredPixels(*page_, bravo_, col), 0);
    // The counter goes on without data.
    static const QRegularExpression re(QStringLiteral("last seen (\\d+) s ago"));
    auto seconds = [&] {
        return re.match(fleetText(*page_, bravo_, FleetModel::StateCol)).captured(1).toInt();
    };
    const int n0 = seconds();
    QTRY_VERIFY_WITH_TIMEOUT(seconds() >= n0 + 2, kTimeout);
    // The group's total leaves the dead instance out and says so.
    FleetModel* m = page_->model();
    const int g = m->rowOfGroup(QString::fromLatin1(kSampleService));
    QCOMPARE(m->index(g, FleetModel::StateCol).data().toString(), QStringLiteral("1 / 2 live"));
    const auto a = dash_->store().latest(alpha_);
    QVERIFY(std::abs(*m->figuresAt(g)[Figure::Rate] - a->total.rate_per_s) < 1e-9);
    // Sorted by state, the dead instance is first (worst first), after the next re-sort.
    QTRY_COMPARE_WITH_TIMEOUT(shown().value(0), bravo_, OverviewPage::kResortMs + kTimeout);
    if (const QString keep = qEnvironmentVariable("REDLINE_SCREENSHOT_DIR"); !keep.isEmpty())
        page_->grab().save(keep + "/overview-outage.png");
}

QTEST_MAIN(TestOverview)
#include "tst_overview.moc"
