// GUI tests of the main window and its editors (offscreen platform, no network: agents are added without
// connecting and snapshots are put into the store directly): the SLO editor (inline validation, apply
// recolours the overview's fleet table, defaults, following outside changes), the keyboard shortcuts of the
// common actions, the window layout and view settings round trip through an ini file, and the
// stable-versus-canary comparison when the canary gets no traffic (weight 0 %).
#include <QAbstractItemModelTester>
#include <QAction>
#include <QDateTime>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QLineEdit>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include "ui/dialogs/slo_dialog.h"
#include "ui/main_window.h"
#include "ui/models/comparison_model.h"
#include "ui/models/fleet_model.h"
#include "ui/pages/canary_panel.h"
#include "ui/pages/detail_page.h"
#include "ui/pages/overview_page.h"
#include "ui/session/dashboard.h"
#include "ui/widgets/error_banner.h"
#include "ui/widgets/theme.h"

using namespace redline;
using namespace redline::ui;

static void initRedlineResources() {
    Q_INIT_RESOURCE(redline);
}

namespace {

SeriesSnapshot series(const std::string& method, const std::string& route, const std::string& version,
                      std::uint64_t requests, std::uint64_t errors, double p95, double p99,
                      std::uint64_t hits, std::uint64_t misses) {
    SeriesSnapshot s;
    s.method = method;
    s.route = route;
    s.version = version;
    s.requests = requests;
    s.rate_per_s = static_cast<double>(requests);  // 1 s window
    s.errors = errors;
    if (requests) s.error_ratio = static_cast<double>(errors) / static_cast<double>(requests);
    s.cache_hits = hits;
    s.cache_misses = misses;
    if (hits + misses) s.cache_hit_ratio = static_cast<double>(hits) / static_cast<double>(hits + misses);
    if (requests) {
        s.latency = LatencyQuantiles{};
        s.latency->p50_ms = p95 / 2;
        s.latency->p95_ms = p95;
        s.latency->p99_ms = p99;
        s.latency->max_ms = p99;
    }
    return s;
}

/// A sample-server-like snapshot with the canary at weight 0 %: every canary series is registered but idle.
Snapshot zeroCanarySnapshot(std::int64_t time_ms) {
    Snapshot s;
    s.agent_id = "test-agent";
    s.service = "redline-sample-server";
    s.service_version = "test";
    s.time_ms = time_ms;
    s.epoch = time_ms / 1000;
    s.series = {series("GET", "/v1/products", "stable", 30, 0, 12.0, 20.0, 24, 6),
                series("GET", "/v1/products", "canary", 0, 0, 0, 0, 0, 0),
                series("GET", "/v1/products/{id}", "stable", 10, 1, 8.0, 45.0, 6, 4),
                series("GET", "/v1/products/{id}", "canary", 0, 0, 0, 0, 0, 0)};
    s.total = series("*", "*", "*", 40, 1, 12.0, 45.0, 30, 10);
    return s;
}

QString cell(const QAbstractItemModel& m, int row, int col, int role = Qt::DisplayRole) {
    return m.index(row, col).data(role).toString();
}

/// Replaces the text of a spin box like a user would: select the number, type over it.
void typeInto(QDoubleSpinBox* box, const QString& text) {
    box->setFocus();
    box->selectAll();
    QTest::keyClick(box, Qt::Key_Backspace);
    if (!text.isEmpty()) QTest::keyClicks(box, text);
}

}  // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void sloDialogRefusesInvalidInputInline();
    void sloDialogApplyRecoloursOverviewCards();
    void sloDialogResetAndFollow();
    void mainWindowOpensSloDialogAndSavesAppliedSlo();
    void commonActionsHaveUniqueShortcuts();
    void shortcutsTriggerActions();
    void layoutAndViewSettingsRoundTrip();
    void sessionOnlyAgentsDoNotOverwriteSavedAgents();
    void comparisonAtZeroCanaryShowsStableFigures();
    void canaryPanelShowsStableFiguresWhenShown();
    void sloDialogScreenshot();

  private:
    QTemporaryDir dir_;
};

void TestMainWindow::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    initRedlineResources();
    QVERIFY(dir_.isValid());
    // Anything that still reaches the default QSettings lands in the temporary directory, never in the
    // user's real settings.
    QCoreApplication::setOrganizationName(QStringLiteral("redline-test"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_main_window"));
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir_.filePath("default-settings"));
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir_.filePath("default-settings"));
}

void TestMainWindow::sloDialogRefusesInvalidInputInline() {
    Dashboard d;
    SloDialog dlg(&d);
    dlg.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dlg));
    QCOMPARE(dlg.values(), d.slo());
    QVERIFY(dlg.isValid());
    QVERIFY(dlg.applyButton()->isEnabled());
    QVERIFY(dlg.message().isEmpty());
    QSignalSpy changed(&d, &Dashboard::sloChanged);

    // Warning threshold 0 % is refused: message shown, Apply disabled, nothing applied.
    typeInto(dlg.warnBox(), QStringLiteral("0"));
    QVERIFY(!dlg.isValid());
    QVERIFY(!dlg.applyButton()->isEnabled());
    QVERIFY2(dlg.message().contains(QStringLiteral("Warning")), qPrintable(dlg.message()));
    QVERIFY(dlg.edited());
    QVERIFY(!dlg.apply());
    QTest::mouseClick(dlg.applyButton(), Qt::LeftButton);
    QCOMPARE(changed.count(), 0);
    QCOMPARE(d.slo(), Slo{});

    // p99 0 ms is refused too; both reasons are listed.
    typeInto(dlg.p99Box(), QStringLiteral("0"));
    QCOMPARE(dlg.errors().size(), 2);
    QVERIFY(dlg.message().contains(QStringLiteral("p99")));

    // An emptied field is not a number.
    typeInto(dlg.warnBox(), QStringLiteral("75"));
    typeInto(dlg.p99Box(), QStringLiteral("180"));
    QVERIFY2(dlg.isValid(), qPrintable(dlg.message()));
    typeInto(dlg.errorRatioBox(), QString());
    QVERIFY(!dlg.isValid());
    QVERIFY(!dlg.applyButton()->isEnabled());
    QVERIFY(dlg.message().contains(QStringLiteral("error ratio")));

    // Valid again: the message goes, Apply is enabled, and applying changes the dashboard's SLOs.
    typeInto(dlg.errorRatioBox(), QStringLiteral("2.5"));
    typeInto(dlg.hitRatioBox(), QStringLiteral("60"));
    typeInto(dlg.minRateBox(), QStringLiteral("3"));
    QVERIFY2(dlg.isValid(), qPrintable(dlg.message()));
    QVERIFY(dlg.applyButton()->isEnabled());
    QVERIFY(dlg.message().isEmpty());
    QTest::mouseClick(dlg.applyButton(), Qt::LeftButton);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(d.slo().max_error_ratio, 0.025);
    QCOMPARE(d.slo().max_p99_ms, 180.0);
    QCOMPARE(d.slo().min_cache_hit_ratio, 0.6);
    QCOMPARE(d.slo().min_rate_per_s, 3.0);
    QCOMPARE(d.slo().warn_fraction, 0.75);
    QVERIFY(!dlg.edited());
    QVERIFY(dlg.message().contains(QStringLiteral("Applied")));
    // The dialog is not modal: it never blocks the window behind it.
    QVERIFY(!dlg.isModal());
}

void TestMainWindow::sloDialogApplyRecoloursOverviewCards() {
    Dashboard d;
    AgentConfig c;
    c.name = "offline";
    c.url = "http://127.0.0.1:9";
    const QString id = d.addAgent(c, false);
    d.store().append(id, zeroCanarySnapshot(QDateTime::currentMSecsSinceEpoch()));
    // No stream here: mark it live, or its figures are stale and (rightly) not coloured by the SLOs.
    d.agentsModel()->setState(id, StreamState::Live, {});
    OverviewPage page(&d);
    page.show();
    page.refreshNow();
    const int row = page.model()->rowOfAgent(id);
    QVERIFY(row >= 0);
    // The cell as the table shows it (through the proxy): text and the health it is coloured by.
    auto cell = [&](int col, int role) {
        return page.table()->model()->index(page.viewRowOf(id), col).data(role);
    };
    auto health = [&](int col) { return static_cast<Health>(cell(col, FleetModel::HealthRole).toInt()); };
    QCOMPARE(cell(FleetModel::P99Col, Qt::DisplayRole).toString(), QStringLiteral("45.0 ms"));
    QCOMPARE(health(FleetModel::P99Col), Health::Good);      // 45 ms against 250 ms
    QCOMPARE(health(FleetModel::ErrorCol), Health::Breach);  // 2.5 % against 1 %

    SloDialog dlg(&d);
    dlg.show();
    typeInto(dlg.p99Box(), QStringLiteral("40"));        // 45 ms now breaches
    typeInto(dlg.errorRatioBox(), QStringLiteral("5"));  // 2.5 % is within 5 %, below the 80 % warning
    QVERIFY(dlg.apply());
    // Recoloured at once, without waiting for a tick.
    QCOMPARE(health(FleetModel::P99Col), Health::Breach);
    QCOMPARE(health(FleetModel::ErrorCol), Health::Good);
    typeInto(dlg.p99Box(), QStringLiteral("50"));  // 45 ms is beyond 80 % of 50 ms: warning
    QVERIFY(dlg.apply());
    QCOMPARE(health(FleetModel::P99Col), Health::Warning);
}

void TestMainWindow::sloDialogResetAndFollow() {
    Dashboard d;
    Slo custom;
    custom.max_p99_ms = 90;
    custom.warn_fraction = 0.5;
    d.setSlo(custom);
    SloDialog dlg(&d);
    QCOMPARE(dlg.values(), custom);

    // Reset loads the defaults into the fields only; Apply makes them effective.
    QTest::mouseClick(dlg.resetButton(), Qt::LeftButton);
    QCOMPARE(dlg.values(), Slo{});
    QVERIFY(dlg.edited());
    QCOMPARE(d.slo(), custom);
    QVERIFY(dlg.apply());
    QCOMPARE(d.slo(), Slo{});

    // Unedited, the dialog follows changes made elsewhere; while edited it keeps the user's entry.
    d.setSlo(custom);
    QCOMPARE(dlg.values(), custom);
    typeInto(dlg.p99Box(), QStringLiteral("123"));
    Slo other = custom;
    other.max_p99_ms = 400;
    d.setSlo(other);
    QCOMPARE(dlg.values().max_p99_ms, 123.0);

    // setValues round-trips the objectives exactly.
    Slo odd;
    odd.max_error_ratio = 0.0025;
    odd.max_p99_ms = 333.3;
    odd.min_cache_hit_ratio = 0.35;
    odd.min_rate_per_s = 12.5;
    odd.warn_fraction = 0.9;
    dlg.setValues(odd);
    QCOMPARE(dlg.values(), odd);
    QVERIFY(!dlg.edited());
    QCOMPARE(dlg.minRateBox()->text(), QStringLiteral("12.5 /s"));
    Slo off;
    dlg.setValues(off);
    QCOMPARE(dlg.minRateBox()->text(), QStringLiteral("off"));  // 0 = no objective
}

void TestMainWindow::mainWindowOpensSloDialogAndSavesAppliedSlo() {
    const QString ini = dir_.filePath("slo-window.ini");
    Dashboard d;
    MainWindow w(&d);
    w.setSettingsFile(ini);
    QVERIFY(!w.sloDialog());
    auto* action = w.findChild<QAction*>(QStringLiteral("actionSlo"));
    QVERIFY(action);
    action->trigger();
    SloDialog* dlg = w.sloDialog();
    QVERIFY(dlg);
    QVERIFY(dlg->isVisible());
    QVERIFY(!dlg->isModal());
    typeInto(dlg->p99Box(), QStringLiteral("77"));
    QVERIFY(dlg->apply());
    QCOMPARE(d.slo().max_p99_ms, 77.0);
    // Written to the settings at once, not only on exit.
    {
        QSettings s(ini, QSettings::IniFormat);
        Slo saved;
        saved.load(s);
        QCOMPARE(saved, d.slo());
    }
    // Closing discards unapplied edits; reopening shows the applied objectives, same dialog.
    typeInto(dlg->p99Box(), QStringLiteral("99"));
    dlg->close();
    action->trigger();
    QCOMPARE(w.sloDialog(), dlg);
    QCOMPARE(dlg->values().max_p99_ms, 77.0);
    dlg->close();
}

void TestMainWindow::commonActionsHaveUniqueShortcuts() {
    Dashboard d;
    MainWindow w(&d);
    const struct {
        const char* name;
        QKeySequence key;
    } expected[] = {
        {"actionAddAgent", QKeySequence(Qt::CTRL | Qt::Key_N)},
        {"actionEditAgent", QKeySequence(Qt::CTRL | Qt::Key_E)},
        {"actionReconnect", QKeySequence(Qt::Key_F5)},
        {"actionQuit", QKeySequence(Qt::CTRL | Qt::Key_Q)},
        {"actionGoOverview", QKeySequence(Qt::ALT | Qt::Key_1)},
        {"actionGoCharts", QKeySequence(Qt::ALT | Qt::Key_2)},
        {"actionGoLimits", QKeySequence(Qt::ALT | Qt::Key_3)},
        {"actionGoCanary", QKeySequence(Qt::ALT | Qt::Key_4)},
        {"actionGoLoad", QKeySequence(Qt::ALT | Qt::Key_5)},
        {"actionGoEvents", QKeySequence(Qt::ALT | Qt::Key_6)},
        {"actionGoRuns", QKeySequence(Qt::ALT | Qt::Key_7)},
        {"actionPause", QKeySequence(Qt::Key_P)},
        {"actionRange60", QKeySequence(Qt::CTRL | Qt::Key_1)},
        {"actionRange300", QKeySequence(Qt::CTRL | Qt::Key_2)},
        {"actionRange900", QKeySequence(Qt::CTRL | Qt::Key_3)},
        {"actionRange3600", QKeySequence(Qt::CTRL | Qt::Key_4)},
        {"actionToggleAgents", QKeySequence(Qt::CTRL | Qt::Key_D)},
        {"actionSlo", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O)},
    };
    for (const auto& e : expected) {
        auto* a = w.findChild<QAction*>(QLatin1String(e.name));
        QVERIFY2(a, e.name);
        QVERIFY2(!e.key.isEmpty(), e.name);
        QVERIFY2(a->shortcut() == e.key,
                 qPrintable(QStringLiteral("%1: %2 instead of %3")
                                .arg(QLatin1String(e.name), a->shortcut().toString(), e.key.toString())));
    }
    QVERIFY(w.findChild<QAction*>(QStringLiteral("actionRemoveAgent")));
    // No two window actions share a shortcut (an ambiguous shortcut triggers neither).
    QHash<QString, QString> seen;
    for (auto* a : w.findChildren<QAction*>()) {
        if (a->shortcut().isEmpty()) continue;
        const QString key = a->shortcut().toString();
        QVERIFY2(
            !seen.contains(key),
            qPrintable(QStringLiteral("%1 used by %2 and %3").arg(key, seen.value(key), a->objectName())));
        seen.insert(key, a->objectName());
    }
}

void TestMainWindow::shortcutsTriggerActions() {
    Dashboard d;
    MainWindow w(&d);
    w.setSettingsFile(dir_.filePath("shortcuts.ini"));
    w.show();
    QApplication::setActiveWindow(&w);
    QVERIFY(QTest::qWaitForWindowActive(&w));
    auto press = [&](QKeyCombination key) {
        QWidget* target = QApplication::focusWidget() ? QApplication::focusWidget() : &w;
        QTest::keyClick(target, key.key(), key.keyboardModifiers());
    };
    auto* pause = w.findChild<QAction*>(QStringLiteral("actionPause"));
    QVERIFY(pause && pause->isCheckable());

    // P pauses and resumes the live view (Space stays with the focused button); the action's check state
    // follows the page.
    QVERIFY(!w.detail()->paused());
    press(QKeyCombination(Qt::Key_P));
    QVERIFY(w.detail()->paused());
    QVERIFY(pause->isChecked());
    press(QKeyCombination(Qt::Key_P));
    QVERIFY(!w.detail()->paused());
    w.detail()->setPaused(true);  // the Charts page's own Pause button
    QVERIFY(pause->isChecked());
    pause->trigger();
    QVERIFY(!w.detail()->paused());

    // Ctrl+1..4 pick the time range; the matching range action is checked.
    press(QKeyCombination(Qt::CTRL, Qt::Key_1));
    QCOMPARE(w.detail()->rangeSeconds(), 60);
    QVERIFY(w.findChild<QAction*>(QStringLiteral("actionRange60"))->isChecked());
    press(QKeyCombination(Qt::CTRL, Qt::Key_4));
    QCOMPARE(w.detail()->rangeSeconds(), 3600);
    QVERIFY(w.findChild<QAction*>(QStringLiteral("actionRange3600"))->isChecked());
    QVERIFY(!w.findChild<QAction*>(QStringLiteral("actionRange60"))->isChecked());
    w.detail()->setRangeSeconds(900);  // the page's range box
    QVERIFY(w.findChild<QAction*>(QStringLiteral("actionRange900"))->isChecked());

    // Alt+1..7 switch tabs.
    press(QKeyCombination(Qt::ALT, Qt::Key_3));
    QCOMPARE(w.tabs()->currentIndex(), int(MainWindow::LimitsTab));
    press(QKeyCombination(Qt::ALT, Qt::Key_6));
    QCOMPARE(w.tabs()->currentIndex(), int(MainWindow::EventsTab));
    press(QKeyCombination(Qt::ALT, Qt::Key_7));
    QCOMPARE(w.tabs()->currentIndex(), int(MainWindow::RunsTab));
    press(QKeyCombination(Qt::ALT, Qt::Key_1));
    QCOMPARE(w.tabs()->currentIndex(), int(MainWindow::OverviewTab));

    // Ctrl+D hides and shows the agents dock.
    auto* dock = w.findChild<QDockWidget*>(QStringLiteral("agentsDock"));
    QVERIFY(dock && dock->isVisible());
    press(QKeyCombination(Qt::CTRL, Qt::Key_D));
    QVERIFY(!dock->isVisible());
    press(QKeyCombination(Qt::CTRL, Qt::Key_D));
    QVERIFY(dock->isVisible());

    // Esc dismisses the banner.
    w.showMessage(QStringLiteral("something failed"), true);
    QVERIFY(w.banner()->isVisible());
    press(QKeyCombination(Qt::Key_Escape));
    QVERIFY(!w.banner()->isVisible());

    // Ctrl+Shift+O opens the SLO editor without blocking the window.
    press(QKeyCombination(Qt::CTRL | Qt::SHIFT, Qt::Key_O));
    QVERIFY(w.sloDialog());
    QVERIFY(w.sloDialog()->isVisible());
    QVERIFY(!w.sloDialog()->isModal());
    w.sloDialog()->close();
}

void TestMainWindow::layoutAndViewSettingsRoundTrip() {
    const QString ini = dir_.filePath("window.ini");
    Slo slo;
    slo.max_p99_ms = 150;
    slo.min_rate_per_s = 2;
    QRect geometry;
    {
        Dashboard d;
        MainWindow w(&d);
        w.setSettingsFile(ini);
        w.restoreSettings();  // empty file: defaults
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        // A geometry that fits the (small) offscreen screen, so the restore has nothing to fit.
        const QSize size = w.minimumSizeHint().expandedTo(QSize(700, 520));
        const QRect avail = w.screen()->availableGeometry();
        const int x = std::clamp(avail.right() + 1 - size.width(), avail.left(), avail.left() + 24);
        w.setGeometry(QRect(QPoint(x, 32), size));
        QTest::qWait(20);
        geometry = w.geometry();
        qInfo() << "saved geometry" << geometry;
        // Not the constructor's default (1400 x 900 at the origin): the restore below is meaningful.
        QVERIFY(geometry.size() != QSize(1400, 900));
        QCOMPARE(geometry.topLeft(), QPoint(x, 32));
        w.detail()->setRangeSeconds(900);
        w.showTab(MainWindow::CanaryTab);
        w.setThemeMode(Theme::Mode::Dark);
        w.findChild<QAction*>(QStringLiteral("actionToggleAgents"))->trigger();  // hide the dock
        QVERIFY(w.findChild<QDockWidget*>(QStringLiteral("agentsDock"))->isHidden());
        d.setSlo(slo);
        QVERIFY(w.close());  // saves
    }
    {
        QSettings s(ini, QSettings::IniFormat);
        QCOMPARE(s.value("view/rangeSeconds").toInt(), 900);
        QCOMPARE(s.value("view/tab").toInt(), int(MainWindow::CanaryTab));
        QVERIFY(!s.value("window/geometry").toByteArray().isEmpty());
    }
    Dashboard d2;
    {
        QSettings s(ini, QSettings::IniFormat);
        d2.load(s);
    }
    QCOMPARE(d2.slo(), slo);
    MainWindow w2(&d2);
    w2.setSettingsFile(ini);
    QCOMPARE(w2.detail()->rangeSeconds(), 300);  // before restoring: defaults
    w2.restoreSettings();
    w2.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w2));
    QCOMPARE(w2.detail()->rangeSeconds(), 900);
    QVERIFY(w2.findChild<QAction*>(QStringLiteral("actionRange900"))->isChecked());
    QCOMPARE(w2.tabs()->currentIndex(), int(MainWindow::CanaryTab));
    QCOMPARE(w2.themeMode(), Theme::Mode::Dark);
    QVERIFY(w2.findChild<QDockWidget*>(QStringLiteral("agentsDock"))->isHidden());
    QVERIFY(!w2.findChild<QAction*>(QStringLiteral("actionToggleAgents"))->isChecked());
    QVERIFY2(w2.geometry() == geometry, qPrintable(QStringLiteral("restored %1,%2 %3x%4, saved %5,%6 %7x%8")
                                                       .arg(w2.x())
                                                       .arg(w2.y())
                                                       .arg(w2.width())
                                                       .arg(w2.height())
                                                       .arg(geometry.x())
                                                       .arg(geometry.y())
                                                       .arg(geometry.width())
                                                       .arg(geometry.height())));
    w2.setThemeMode(Theme::Mode::Light);
    QVERIFY(w2.close());
}

void TestMainWindow::sessionOnlyAgentsDoNotOverwriteSavedAgents() {
    const QString ini = dir_.filePath("agents.ini");
    {
        Dashboard d;
        AgentConfig a;
        a.name = "saved";
        a.url = "http://127.0.0.1:9";
        d.addAgent(a, false);
        QSettings s(ini, QSettings::IniFormat);
        d.save(s);
    }
    // A --demo / --agent session: loads the SLOs only, and leaves the saved agents alone on save.
    Slo slo;
    slo.max_p99_ms = 60;
    {
        Dashboard d;
        d.setPersistAgents(false);
        QSettings s(ini, QSettings::IniFormat);
        d.load(s);
        QVERIFY(d.agentIds().isEmpty());
        AgentConfig demo;
        demo.name = "demo";
        demo.url = "http://127.0.0.1:10";
        demo.ephemeral = true;
        d.addAgent(demo, false);
        d.setSlo(slo);
        d.save(s);
    }
    QSettings s(ini, QSettings::IniFormat);
    const auto agents = AgentConfig::load(s);
    QCOMPARE(agents.size(), 1);
    QCOMPARE(agents.first().name, QStringLiteral("saved"));
    Slo loaded;
    loaded.load(s);
    QCOMPARE(loaded, slo);
}

void TestMainWindow::comparisonAtZeroCanaryShowsStableFigures() {
    ComparisonModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(m.rowCount(), int(ComparisonModel::RowCount));
    Snapshot snap = zeroCanarySnapshot(1'000'000);
    m.update(snap, {});

    // Stable figures are all there.
    QVERIFY(m.hasTraffic(ComparisonModel::Stable));
    QCOMPARE(m.value(ComparisonModel::RateRow, ComparisonModel::Stable).value_or(-1), 40.0);
    QCOMPARE(cell(m, ComparisonModel::RateRow, ComparisonModel::Stable), QStringLiteral("40.0 /s"));
    QCOMPARE(cell(m, ComparisonModel::P95Row, ComparisonModel::Stable), QStringLiteral("12.0 ms"));
    QCOMPARE(cell(m, ComparisonModel::P99Row, ComparisonModel::Stable), QStringLiteral("45.0 ms"));
    QCOMPARE(cell(m, ComparisonModel::ErrorRow, ComparisonModel::Stable), QStringLiteral("2.50 %"));
    QCOMPARE(cell(m, ComparisonModel::HitRow, ComparisonModel::Stable), QStringLiteral("75.00 %"));
    // The canary says it had no traffic; no difference is computed against nothing.
    QVERIFY(!m.hasTraffic(ComparisonModel::Canary));
    QCOMPARE(cell(m, ComparisonModel::RateRow, ComparisonModel::Canary), QStringLiteral("no traffic"));
    QVERIFY(!cell(m, ComparisonModel::RateRow, ComparisonModel::Canary, Qt::ToolTipRole).isEmpty());
    for (int r = ComparisonModel::P95Row; r < ComparisonModel::RowCount; ++r)
        QCOMPARE(cell(m, r, ComparisonModel::Canary), QStringLiteral("—"));
    for (int r = 0; r < ComparisonModel::RowCount; ++r) {
        QCOMPARE(cell(m, r, ComparisonModel::Difference), QStringLiteral("—"));
        QCOMPARE(m.verdict(r), 0);
        QVERIFY(!m.index(r, ComparisonModel::Difference).data(Qt::BackgroundRole).isValid());
    }

    // One route only.
    m.update(snap, QStringLiteral("GET /v1/products/{id}"));
    QCOMPARE(cell(m, ComparisonModel::RateRow, ComparisonModel::Stable), QStringLiteral("10.0 /s"));
    QCOMPARE(cell(m, ComparisonModel::ErrorRow, ComparisonModel::Stable), QStringLiteral("10.00 %"));
    QCOMPARE(cell(m, ComparisonModel::RateRow, ComparisonModel::Canary), QStringLiteral("no traffic"));

    // Once the canary serves requests the comparison is complete again.
    snap.series[1] = series("GET", "/v1/products", "canary", 10, 2, 30.0, 60.0, 5, 5);
    m.update(snap, {});
    QVERIFY(m.hasTraffic(ComparisonModel::Canary));
    QCOMPARE(cell(m, ComparisonModel::RateRow, ComparisonModel::Canary), QStringLiteral("10.0 /s"));
    QCOMPARE(cell(m, ComparisonModel::P99Row, ComparisonModel::Difference), QStringLiteral("+15.0 ms"));
    QCOMPARE(m.verdict(ComparisonModel::ErrorRow), -1);  // 20 % against 2.5 %

    // An agent without canary series at all: stable figures, dashes for the canary.
    snap.series = {snap.series[0], snap.series[2]};
    m.update(snap, {});
    QCOMPARE(cell(m, ComparisonModel::RateRow, ComparisonModel::Stable), QStringLiteral("40.0 /s"));
    for (int r = 0; r < ComparisonModel::RowCount; ++r)
        QCOMPARE(cell(m, r, ComparisonModel::Canary), QStringLiteral("—"));

    // Everything promoted (stable idle): the mirror image.
    Snapshot promoted = zeroCanarySnapshot(1'001'000);
    for (auto& x : promoted.series)
        x = series(x.method, x.route, x.version == "stable" ? "canary" : "stable", x.requests, x.errors,
                   x.latency ? x.latency->p95_ms : 0.0, x.latency ? x.latency->p99_ms : 0.0, x.cache_hits,
                   x.cache_misses);
    m.update(promoted, {});
    QCOMPARE(cell(m, ComparisonModel::RateRow, ComparisonModel::Stable), QStringLiteral("no traffic"));
    QCOMPARE(cell(m, ComparisonModel::RateRow, ComparisonModel::Canary), QStringLiteral("40.0 /s"));
    m.clear();
    QCOMPARE(cell(m, ComparisonModel::RateRow, ComparisonModel::Stable), QStringLiteral("—"));
}

void TestMainWindow::canaryPanelShowsStableFiguresWhenShown() {
    // No connection for this agent id: the panel does not fetch anything, it only reads the store.
    Dashboard d;
    const QString agent = QStringLiteral("offline-agent");
    d.store().append(agent, zeroCanarySnapshot(QDateTime::currentMSecsSinceEpoch()));
    CanaryPanel panel(&d);
    panel.setAgent(agent);
    panel.resize(1000, 600);
    panel.show();  // no tick needed: showing the tab fills the table
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    const ComparisonModel* m = panel.comparison();
    QCOMPARE(cell(*m, ComparisonModel::RateRow, ComparisonModel::Stable), QStringLiteral("40.0 /s"));
    QCOMPARE(cell(*m, ComparisonModel::P99Row, ComparisonModel::Stable), QStringLiteral("45.0 ms"));
    QCOMPARE(cell(*m, ComparisonModel::RateRow, ComparisonModel::Canary), QStringLiteral("no traffic"));
    auto* table = panel.findChild<QTableView*>();
    QVERIFY(table);
    QVERIFY(table->model() == m);
    QCOMPARE(table->model()->rowCount(), int(ComparisonModel::RowCount));
    // Another agent without data: the table empties rather than showing the previous agent's figures.
    panel.setAgent(QStringLiteral("no-data"));
    QCOMPARE(cell(*m, ComparisonModel::RateRow, ComparisonModel::Stable), QStringLiteral("—"));
    panel.setAgent(agent);
    QCOMPARE(cell(*m, ComparisonModel::RateRow, ComparisonModel::Stable), QStringLiteral("40.0 /s"));
}

void TestMainWindow::sloDialogScreenshot() {
    // Dark theme, as in the product's screenshots; saved for a human look (the check here is that it
    // renders).
    Theme::apply(*qApp, Theme::Mode::Dark);
    Dashboard d;
    SloDialog dlg(&d);
    dlg.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dlg));
    const QString dirPath = qEnvironmentVariableIsSet("REDLINE_SCREENSHOT_DIR")
                                ? qEnvironmentVariable("REDLINE_SCREENSHOT_DIR")
                                : dir_.path();
    QVERIFY(dlg.grab().save(dirPath + QStringLiteral("/slo_dialog.png")));
    typeInto(dlg.warnBox(), QStringLiteral("0"));
    typeInto(dlg.p99Box(), QStringLiteral("0"));
    QVERIFY(!dlg.applyButton()->isEnabled());
    QVERIFY(dlg.grab().save(dirPath + QStringLiteral("/slo_dialog_invalid.png")));
    Theme::apply(*qApp, Theme::Mode::Light);
}

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
