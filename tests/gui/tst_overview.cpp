// GUI tests of the Overview cards (issue 10, "Overview"), offscreen, against two real redline-sample-servers
// on port 0 (started like `redline --demo` starts its own, with the demo's background traffic):
//  - each card states the window its figures cover, the snapshot's window ("figures: last 1 s");
//  - the built-in SLOs pass on a healthy sample server under the demo's traffic;
//  - one decimals rule for every figure, ratios in %, latency in ms;
//  - the badge colour follows the SLO state (ok / breach / no data), not only the connection;
//  - sparklines break across an outage (no point, no pixel inside it) and are greyed while it lasts;
//  - cards sort worst first (not live, breaching, no data, ok; ties by name) and stay put between changes.
#include <signal.h>

#include <QElapsedTimer>
#include <QImage>
#include <QLabel>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <limits>

#include "core/agent_client.h"
#include "core/control.h"
#include "tests/support/gui_fixture.h"
#include "ui/demo/sample_server_process.h"
#include "ui/pages/overview_page.h"
#include "ui/session/dashboard.h"
#include "ui/session/load_controller.h"
#include "ui/widgets/agent_card.h"
#include "ui/widgets/sparkline.h"
#include "ui/widgets/theme.h"

using namespace redline;
using namespace redline::ui;

static void initRedlineResources() {
    Q_INIT_RESOURCE(redline);
}

Q_DECLARE_METATYPE(redline::ui::Figure)

namespace {
constexpr int kTimeout = 20000;
constexpr int kIntervalMs = 250;
// The demo's own server arguments, with a catalog that covers the background traffic's ids (1..3000).
constexpr int kSeedProducts = 3000;

QString visibleLabelWith(const QWidget* root, const QString& needle) {
    for (const QLabel* l : root->findChildren<QLabel*>())
        if (l->isVisibleTo(root->window()) && l->text().contains(needle)) return l->text();
    return {};
}

QLabel* badgeOf(const AgentCard* card) {
    return card->findChild<QLabel*>(QStringLiteral("stateBadge"));
}

/// The badge's background as painted: a pixel near its left edge, inside the rounded pill.
QColor badgeBackground(AgentCard* card) {
    QLabel* b = badgeOf(card);
    const QImage img = b->grab().toImage();
    return img.pixelColor(int(6 * img.devicePixelRatio()), int(b->height() / 2 * img.devicePixelRatio()));
}

/// Pixels of the sparkline's colour (the rate blue) in the column of the sparkline at t_ms, counted over
/// three columns, grabbed from the card (the sparkline paints no background of its own).
int linePixelsAt(AgentCard* card, Sparkline* line, double t_ms) {
    const QImage img = card->grab().toImage();
    const qreal dpr = img.devicePixelRatio();
    const QPoint origin = line->mapTo(card, QPoint(0, 0));
    const int x = origin.x() + int(std::lround(line->xAt(t_ms)));
    int n = 0;
    for (int dx = -1; dx <= 1; ++dx)
        for (int y = origin.y(); y < origin.y() + line->height(); ++y) {
            const QColor c = img.pixelColor(int((x + dx) * dpr), int(y * dpr));
            if (c.blue() > 110 && c.blue() - c.red() > 60) ++n;
        }
    return n;
}

std::unique_ptr<SampleServerProcess> startServer(const QString& dataDir, quint16 api = 0, quint16 admin = 0) {
    return test::startSampleServer(dataDir, kSeedProducts, 2, api, admin);
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
    void windowLabelNamesTheSnapshotWindow();
    void defaultSlosPassOnAHealthySampleServer();
    void tilesUseTheCardFormat();
    void badgeShowsNoDataOkAndBreach();
    void sparklineBreaksAcrossAnOutageAndGreysWhileStale();
    void cardsSortWorstFirstAndStayPut();  // last: kills and restarts alpha's server

  private:
    AgentCard* card(const QString& id) const { return page_->card(id); }
    std::unique_ptr<AgentClient> client(const SampleServerProcess& s) const;

    QTemporaryDir dir_;
    std::unique_ptr<CurlGlobal> curl_;
    std::unique_ptr<SampleServerProcess> alpha_server_, bravo_server_;
    std::unique_ptr<Dashboard> dash_;
    std::unique_ptr<LoadController> alpha_traffic_, bravo_traffic_;
    std::unique_ptr<OverviewPage> page_;
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
    QCOMPARE(dash_->slo(), Slo{});  // the built-in objectives
    auto add = [&](const QString& name, const SampleServerProcess& s) {
        return test::addAgent(*dash_, name, s);
    };
    // Added in the reverse of name order: the overview's order must not be the order of addition.
    bravo_ = add(QStringLiteral("bravo"), *bravo_server_);
    alpha_ = add(QStringLiteral("alpha"), *alpha_server_);
    QTRY_COMPARE_WITH_TIMEOUT(dash_->agentsModel()->stateOf(alpha_), StreamState::Live, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(dash_->agentsModel()->stateOf(bravo_), StreamState::Live, kTimeout);

    // The demo's background traffic (resources/demo/background.json, 30 req/s) against alpha only; bravo
    // stays idle until badgeShowsNoDataOkAndBreach gives it traffic.
    alpha_traffic_ = std::make_unique<LoadController>(dash_.get());
    bravo_traffic_ = std::make_unique<LoadController>(dash_.get());
    QString err;
    QVERIFY2(
        alpha_traffic_->start(LoadController::backgroundScenario(alpha_server_->apiUrl().toStdString(), 30),
                              alpha_, false, &err),
        qPrintable(err));

    page_ = std::make_unique<OverviewPage>(dash_.get());
    page_->resize(600, 900);  // one column: cards wide enough to see a few seconds on a sparkline
    page_->show();
    QVERIFY(QTest::qWaitForWindowExposed(page_.get()));
    QVERIFY(card(alpha_) && card(bravo_));
}

void TestOverview::cleanupTestCase() {
    for (auto* t : {alpha_traffic_.get(), bravo_traffic_.get()})
        if (t) t->stopAndWait();
    page_.reset();
    alpha_traffic_.reset();
    bravo_traffic_.reset();
    dash_.reset();
    if (alpha_server_) QVERIFY(alpha_server_->stop(10000));
    if (bravo_server_) QVERIFY(bravo_server_->stop(10000));
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
    QTest::newRow("hit 5.5 %") << Figure::HitRatio << 0.055 << "5.50 %";
    QTest::newRow("p99 0.2119 ms") << Figure::P99 << 0.2119 << "0.21 ms";
    QTest::newRow("p99 45 ms") << Figure::P99 << 45.0 << "45.0 ms";
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
    // Settings written before (no version: every field, defaults included) pinned the old 50 % cache-hit
    // floor for everyone who never opened the editor; they now read as the new defaults.
    const QString ini = dir_.filePath("slo.ini");
    {
        QSettings s(ini, QSettings::IniFormat);
        s.setValue("slo/maxErrorRatio", 0.01);
        s.setValue("slo/maxP99Ms", 250.0);
        s.setValue("slo/minCacheHitRatio", 0.5);
        s.setValue("slo/minRatePerS", 0.0);
        s.setValue("slo/warnFraction", 0.8);
    }
    {
        QSettings s(ini, QSettings::IniFormat);
        Slo loaded;
        loaded.load(s);
        QCOMPARE(loaded, Slo{});
        s.setValue("slo/minCacheHitRatio", 0.6);  // a floor someone chose stays
        loaded.load(s);
        QCOMPARE(loaded.min_cache_hit_ratio, 0.6);
    }
    // Saved now: only what differs from the defaults, so a later better default reaches everyone else.
    {
        QSettings s(ini, QSettings::IniFormat);
        Slo custom;
        custom.max_p99_ms = 100;
        custom.save(s);
        s.sync();
        QCOMPARE(s.value("slo/version").toInt(), 2);
        QVERIFY(!s.contains("slo/minCacheHitRatio"));
        QVERIFY(!s.contains("slo/maxErrorRatio"));
        Slo loaded;
        loaded.max_error_ratio = 0.5;  // a field not saved is the default, not what was there before
        loaded.load(s);
        QCOMPARE(loaded, custom);
        Slo half;
        half.min_cache_hit_ratio = 0.5;  // chosen in version 2: kept
        half.save(s);
        loaded.load(s);
        QCOMPARE(loaded, half);
    }
}

void TestOverview::windowLabelNamesTheSnapshotWindow() {
    AgentCard* c = card(alpha_);
    QTRY_VERIFY_WITH_TIMEOUT(dash_->store().latest(alpha_) != nullptr, kTimeout);
    page_->refreshNow();
    // The figures are the newest snapshot's; the dashboard's stream asks for 1 s windows, and the label
    // says the window of the snapshot it shows.
    const int window = dash_->store().latest(alpha_)->window_s;
    QCOMPARE(window, 1);
    QCOMPARE(c->figures().window_s, window);
    const QString expected = QStringLiteral("figures: last %1 s · lines: last %2 min")
                                 .arg(window)
                                 .arg(AgentCard::kHistorySeconds / 60);
    QCOMPARE(c->windowText(), expected);
    QCOMPARE(visibleLabelWith(c, QStringLiteral("last 1 s")), expected);
}

void TestOverview::defaultSlosPassOnAHealthySampleServer() {
    // Under the demo's background traffic, with the built-in objectives, every refresh for 8 s shows alpha
    // healthy: no tile beyond a bound, the badge "ok" (the cache starts cold, so a hit-ratio floor would
    // not).
    QCOMPARE(dash_->slo(), Slo{});
    AgentCard* c = card(alpha_);
    QTRY_COMPARE_WITH_TIMEOUT(c->figures().state, CardFigures::State::Ok, kTimeout);
    QSignalSpy ticks(dash_.get(), &Dashboard::ticked);
    QElapsedTimer t;
    t.start();
    int checked = 0;
    while (t.elapsed() < 8000) {
        QVERIFY(ticks.wait(3000));
        page_->refreshNow();
        const CardFigures& f = c->figures();
        QVERIFY2(f.state == CardFigures::State::Ok,
                 qPrintable(QStringLiteral("state %1, beyond: %2, tiles %3 / %4 / %5 / %6")
                                .arg(int(f.state))
                                .arg(f.breachText(), c->tileText(0), c->tileText(1), c->tileText(2),
                                     c->tileText(3))));
        for (int i = 0; i < AgentCard::TileCount; ++i)
            QVERIFY2(c->tileHealth(i) != Health::Breach, qPrintable(c->tileText(i)));
        QCOMPARE(c->badgeKind(), QStringLiteral("ok"));
        ++checked;
    }
    QVERIFY(checked >= 8);
    // The figures are real: requests, latency and cache lookups were measured.
    QVERIFY(c->figures()[Figure::Rate].value_or(0) > 5);
    QVERIFY(c->figures()[Figure::P99].has_value());
    QVERIFY(c->figures()[Figure::HitRatio].has_value());
}

void TestOverview::tilesUseTheCardFormat() {
    AgentCard* c = card(alpha_);
    QTRY_VERIFY_WITH_TIMEOUT(c->figures()[Figure::HitRatio].has_value(), kTimeout);
    page_->refreshNow();  // no event loop between this and the reads: the store's snapshot is the card's
    const auto snap = dash_->store().latest(alpha_);
    const auto& t = snap->total;
    QCOMPARE(c->tileText(AgentCard::RateTile), CardFigures::format(Figure::Rate, t.rate_per_s));
    QCOMPARE(c->tileText(AgentCard::ErrorTile), CardFigures::format(Figure::ErrorRatio, t.error_ratio));
    QCOMPARE(c->tileText(AgentCard::P99Tile), CardFigures::format(Figure::P99, t.latency->p99_ms));
    QCOMPARE(c->tileText(AgentCard::HitTile), CardFigures::format(Figure::HitRatio, t.cache_hit_ratio));
    // Ratios in %, latency in ms, three significant digits at most.
    static const QRegularExpression number(QStringLiteral("^(0|<0\\.01|\\d\\.\\d\\d|\\d\\d\\.\\d|\\d{3,})"));
    QVERIFY2(c->tileText(AgentCard::ErrorTile).endsWith(QStringLiteral(" %")), qPrintable(c->tileText(1)));
    QVERIFY2(c->tileText(AgentCard::HitTile).endsWith(QStringLiteral(" %")), qPrintable(c->tileText(3)));
    QVERIFY2(c->tileText(AgentCard::P99Tile).endsWith(QStringLiteral(" ms")), qPrintable(c->tileText(2)));
    for (int i = 0; i < AgentCard::TileCount; ++i)
        QVERIFY2(number.match(c->tileText(i)).hasMatch(), qPrintable(c->tileText(i)));
}

void TestOverview::badgeShowsNoDataOkAndBreach() {
    AgentCard* a = card(alpha_);
    AgentCard* b = card(bravo_);
    // bravo is live without a request: nothing to judge. Its badge says so in grey, not in "ok" green.
    QTRY_COMPARE_WITH_TIMEOUT(b->figures().state, CardFigures::State::NoData, kTimeout);
    QCOMPARE(b->badgeKind(), QStringLiteral("nodata"));
    QVERIFY2(b->badgeText().contains(QStringLiteral("no data")), qPrintable(b->badgeText()));
    const QColor grey = badgeBackground(b);
    QVERIFY2(std::abs(grey.red() - grey.green()) < 20 && std::abs(grey.green() - grey.blue()) < 30,
             qPrintable(grey.name()));
    // alpha is healthy: green.
    QTRY_COMPARE_WITH_TIMEOUT(a->badgeKind(), QStringLiteral("ok"), kTimeout);
    const QColor green = badgeBackground(a);
    QVERIFY2(green.green() > green.red() + 20 && green.green() > green.blue() + 10, qPrintable(green.name()));

    // bravo gets traffic and every request goes to a canary that answers half of them 500: beyond the 1 %
    // error-ratio objective. The stream is still live; the badge turns red for the SLO.
    CanaryConfig canary;
    canary.weight_percent = 100;
    canary.faults.error_ratio = 0.5;
    QVERIFY(client(*bravo_server_)->set_canary(canary).ok());
    QString err;
    QVERIFY2(
        bravo_traffic_->start(LoadController::backgroundScenario(bravo_server_->apiUrl().toStdString(), 30),
                              bravo_, false, &err),
        qPrintable(err));
    QTRY_COMPARE_WITH_TIMEOUT(b->figures().state, CardFigures::State::Breaching, kTimeout);
    QCOMPARE(dash_->agentsModel()->stateOf(bravo_), StreamState::Live);
    QCOMPARE(b->badgeKind(), QStringLiteral("breach"));
    QCOMPARE(b->tileHealth(AgentCard::ErrorTile), Health::Breach);
    QVERIFY2(b->badgeText().contains(QStringLiteral("breach")), qPrintable(b->badgeText()));
    QVERIFY2(badgeOf(b)->toolTip().contains(QStringLiteral("error ratio")),
             qPrintable(badgeOf(b)->toolTip()));
    const QColor red = badgeBackground(b);
    QVERIFY2(red.red() > red.green() + 80, qPrintable(red.name()));
    // The error ratio's bound is drawn on its sparkline (within its range at 50 % errors).
    QTRY_VERIFY_WITH_TIMEOUT(b->sparkline(AgentCard::ErrorTile)->top() > dash_->slo().max_error_ratio,
                             kTimeout);
}

void TestOverview::sparklineBreaksAcrossAnOutageAndGreysWhileStale() {
    AgentCard* c = card(alpha_);
    Sparkline* rate = c->sparkline(AgentCard::RateTile);
    const SeriesStore& store = dash_->store();
    auto lastSampleMs = [&] {
        const auto s = store.samples(alpha_, kTotalSeries, 0, std::numeric_limits<std::int64_t>::max() / 2);
        return s.empty() ? std::int64_t{0} : s.back().t_ms;
    };
    QTRY_VERIFY_WITH_TIMEOUT(rate->runs().size() >= 1 && rate->runs().back().size() >= 8, kTimeout);
    QVERIFY(!rate->isGreyed());

    // Freeze alpha's server (no snapshot, no answer) for 5 s.
    const qint64 pid = alpha_server_->pid();
    QVERIFY(pid > 0);
    QCOMPARE(::kill(static_cast<pid_t>(pid), SIGSTOP), 0);
    // Not live: every line and tile greyed, the badge stale, the last figures still there.
    QTRY_VERIFY_WITH_TIMEOUT(!dash_->freshness(alpha_, QDateTime::currentMSecsSinceEpoch()).live, kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(rate->isGreyed(), kTimeout);
    for (int i = 0; i < AgentCard::TileCount; ++i) {
        QVERIFY(c->sparkline(i)->isGreyed());
        QCOMPARE(c->sparkline(i)->lineColor(), colors::stale);
        QCOMPARE(c->tileHealth(i), Health::Stale);
    }
    QVERIFY(c->badgeKind() == QStringLiteral("stale") || c->badgeKind() == QStringLiteral("disconnected"));
    QVERIFY(c->tileText(AgentCard::RateTile) != QStringLiteral("—"));
    QTest::qWait(5000);
    dash_->drain();
    const std::int64_t before = lastSampleMs();
    QCOMPARE(::kill(static_cast<pid_t>(pid), SIGCONT), 0);
    QTRY_COMPARE_WITH_TIMEOUT(dash_->agentsModel()->stateOf(alpha_), StreamState::Live, kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(lastSampleMs() > before + 4 * kIntervalMs, kTimeout);
    std::int64_t after = 0;
    for (const auto& s : store.samples(alpha_, kTotalSeries, before + 1, lastSampleMs()))
        if (!after && !std::isnan(s[Metric::Rate])) after = s.t_ms;  // the first real sample, not a marker
    QVERIFY2(after - before >= 5000, qPrintable(QStringLiteral("outage %1 ms").arg(after - before)));
    QTRY_VERIFY_WITH_TIMEOUT(lastSampleMs() >= after + 2000, kTimeout);  // a line to see after the outage
    page_->refreshNow();
    QVERIFY(!rate->isGreyed());
    QCOMPARE(rate->lineColor(), colors::rate);

    // Every sparkline breaks across the outage: no finite point inside it (no interpolation, no zero), a
    // break between the last point before and the first after, and the drawn runs end and start around it.
    for (int i = 0; i < AgentCard::TileCount; ++i) {
        const Sparkline* l = c->sparkline(i);
        bool sawBefore = false, broke = false, sawAfter = false;
        for (const auto& p : l->points()) {
            const auto t = static_cast<std::int64_t>(p.x());
            if (!std::isfinite(p.y())) {
                if (sawBefore && !sawAfter) broke = true;
                continue;
            }
            QVERIFY2(t <= before || t >= after,
                     qPrintable(QStringLiteral("tile %1: a point at %2 inside the outage").arg(i).arg(t)));
            sawBefore = sawBefore || t <= before;
            sawAfter = sawAfter || t >= after;
        }
        if (sawBefore && sawAfter) QVERIFY2(broke, qPrintable(QStringLiteral("tile %1: no break").arg(i)));
        for (const auto& run : l->runs())
            QVERIFY(run.back().x() <= double(before) || run.front().x() >= double(after));
    }
    QVERIFY(rate->runs().size() >= 2);

    // The pixels agree: the rate line is drawn before and after the outage, not across it.
    QVERIFY(linePixelsAt(c, rate, double(before - 3000)) > 0);
    QVERIFY(linePixelsAt(c, rate, double(after + 1000)) > 0);
    QCOMPARE(linePixelsAt(c, rate, double(before + after) / 2.0), 0);
    if (const QString keep = qEnvironmentVariable("REDLINE_SCREENSHOT_DIR"); !keep.isEmpty())
        page_->grab().save(keep + "/overview-outage.png");
}

void TestOverview::cardsSortWorstFirstAndStayPut() {
    // bravo breaches (badgeShowsNoDataOkAndBreach), alpha is healthy: bravo first although "alpha" < "bravo".
    QTRY_COMPARE_WITH_TIMEOUT(card(alpha_)->figures().state, CardFigures::State::Ok, kTimeout);
    QCOMPARE(card(bravo_)->figures().state, CardFigures::State::Breaching);
    QTRY_COMPARE_WITH_TIMEOUT(page_->order(), (QStringList{bravo_, alpha_}), kTimeout);
    // The grid shows that order, and it stays put tick after tick while the states do not change.
    auto gridOrder = [&] {
        QList<QPair<int, QString>> at;
        for (const QString& id : {alpha_, bravo_})
            at.append({card(id)->y(), id});
        std::sort(at.begin(), at.end());
        return QStringList{at[0].second, at[1].second};
    };
    QSignalSpy ticks(dash_.get(), &Dashboard::ticked);
    for (int i = 0; i < 8; ++i) {
        QVERIFY(ticks.wait(3000));
        QCOMPARE(page_->order(), (QStringList{bravo_, alpha_}));
    }
    QTRY_COMPARE_WITH_TIMEOUT(gridOrder(), (QStringList{bravo_, alpha_}), kTimeout);

    // alpha's server dies: not live sorts before breaching, at once.
    const quint16 apiPort = alpha_server_->apiPort(), adminPort = alpha_server_->adminPort();
    alpha_traffic_->stopAndWait();
    alpha_server_->kill();
    QTRY_COMPARE_WITH_TIMEOUT(card(alpha_)->figures().state, CardFigures::State::NotLive, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(page_->order(), (QStringList{alpha_, bravo_}), kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(gridOrder(), (QStringList{alpha_, bravo_}),
                              kTimeout);  // laid out on the next pass
    QVERIFY(card(alpha_)->badgeKind() == QStringLiteral("stale") ||
            card(alpha_)->badgeKind() == QStringLiteral("disconnected"));

    // Back on the same ports with traffic: ok again, so it goes back below the breaching bravo.
    alpha_server_ = startServer(dir_.filePath("alpha"), apiPort, adminPort);
    QVERIFY(alpha_server_);
    QString err;
    QVERIFY2(
        alpha_traffic_->start(LoadController::backgroundScenario(alpha_server_->apiUrl().toStdString(), 30),
                              alpha_, false, &err),
        qPrintable(err));
    QTRY_COMPARE_WITH_TIMEOUT(card(alpha_)->figures().state, CardFigures::State::Ok, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(page_->order(), (QStringList{bravo_, alpha_}),
                              OverviewPage::kSortHoldMs + kTimeout);

    // No error objective: bravo is healthy too, and equal states sort by name.
    Slo noErrorBound;
    noErrorBound.max_error_ratio = 0;
    dash_->setSlo(noErrorBound);
    QTRY_COMPARE_WITH_TIMEOUT(card(bravo_)->figures().state, CardFigures::State::Ok, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(page_->order(), (QStringList{alpha_, bravo_}),
                              OverviewPage::kSortHoldMs + kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(gridOrder(), (QStringList{alpha_, bravo_}),
                              kTimeout);  // laid out on the next pass
    dash_->setSlo(Slo{});
}

QTEST_MAIN(TestOverview)
#include "tst_overview.moc"
