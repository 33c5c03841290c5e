// GUI test of a rollout seen from outside the Canary tab, against a real redline-sample-server (port 0): the
// whole window (MainWindow) shows the Events tab while another client (redlinectl, here the admin API) starts
// a rollout; the hidden rollout panel keeps the status current (its last contact with the agent keeps moving,
// the held seconds grow) and, when a latency fault on the canary rolls the rollout back, the window says so
// without a tab switch: the Canary tab's title and icon, the status bar, and the message banner. Opening the
// Canary tab shows the rollback banner; dismissing it clears the title and the status bar.
#include <QLabel>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include "core/agent_client.h"
#include "core/control.h"
#include "core/rollout.h"
#include "tests/support/gui_fixture.h"
#include "tests/support/rollout_gui.h"
#include "ui/main_window.h"
#include "ui/pages/canary_panel.h"
#include "ui/pages/rollout_panel.h"
#include "ui/session/dashboard.h"
#include "ui/widgets/error_banner.h"
#include "ui/widgets/theme.h"

using namespace redline;
using namespace redline::ui;

static void initRedlineResources() {
    Q_INIT_RESOURCE(redline);
}

namespace {
constexpr int kTimeout = 20000;

QLabel* rolloutStatusLabel(MainWindow& w) {
    for (auto* l : w.statusBar()->findChildren<QLabel*>())
        if (l->accessibleName() == QLatin1String("Rollout status")) return l;
    return nullptr;
}
}  // namespace

class TestRolloutElsewhere : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void cleanupTestCase();
    void aRollbackWhileAnotherTabIsShownIsSeen();

  private:
    QTemporaryDir dir_;
    std::unique_ptr<CurlGlobal> curl_;
    std::unique_ptr<SampleServerProcess> server_;
    std::unique_ptr<AgentClient> admin_;
};

void TestRolloutElsewhere::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    initRedlineResources();
    curl_ = std::make_unique<CurlGlobal>();
    QVERIFY(dir_.isValid());
    server_ = test::startSampleServer(dir_.filePath("sample"), 50);
    QVERIFY2(server_, "redline-sample-server did not start (is it built?)");
    auto token = read_token_file(server_->operatorTokenFile().toStdString());
    QVERIFY(token);
    admin_ = std::make_unique<AgentClient>(server_->adminUrl().toStdString(), *token);
}

void TestRolloutElsewhere::cleanupTestCase() {
    if (server_) QVERIFY(server_->stop(10000));
}

void TestRolloutElsewhere::aRollbackWhileAnotherTabIsShownIsSeen() {
    Dashboard d;
    d.setPersistAgents(false);
    d.setStreamIntervalMs(250);
    const QString id = test::addAgent(d, "sample", *server_);
    MainWindow w(&d);
    w.setSettingsFile(dir_.filePath("window.ini"));
    w.selectAgent(id);
    w.showTab(MainWindow::EventsTab);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(test::waitLive(d, id, kTimeout));
    RolloutPanel* panel = w.canary()->rollout();
    QTRY_VERIFY_WITH_TIMEOUT(panel->status().has_value(), kTimeout);
    QVERIFY(!panel->isVisible());
    const QString canaryTitle = w.tabs()->tabText(MainWindow::CanaryTab);
    QVERIFY(!canaryTitle.contains("rolled back"));

    // Another client starts a rollout that fails fast on a real regression (2 s windows, no warm-up, one
    // failing window is enough), holding its first step for long.
    test::Traffic traffic(server_->apiPort());
    RolloutSpec spec{{{50, 600}, {100, 0}}};
    spec.analysis.window_s = 2;
    spec.analysis.warmup_s = 0;
    spec.analysis.failure_windows = 1;
    spec.analysis.min_requests = 10;
    const nlohmann::json body = spec;
    QVERIFY(admin_->call_json("PUT", "/v1/rollout", &body).ok());
    QVERIFY(admin_->call_json("POST", "/v1/rollout/start").ok());
    QTRY_VERIFY_WITH_TIMEOUT(panel->status()->state == RolloutState::Progressing, kTimeout);

    // Hidden, the panel still follows the active rollout: its last contact moves on, the held time grows.
    const qint64 contact = panel->lastAnswerMs();
    const int held = panel->status()->step_held_s;
    QTRY_VERIFY_WITH_TIMEOUT(panel->lastAnswerMs() >= contact + 3000, 3 * RolloutPanel::kHiddenPollMs);
    QVERIFY2(panel->status()->step_held_s > held,
             qPrintable(QStringLiteral("held %1 s, then %2 s").arg(held).arg(panel->status()->step_held_s)));
    QCOMPARE(w.tabs()->currentIndex(), int(MainWindow::EventsTab));

    // +50 ms on the canary (the weight stays the rollout's): the agent rolls back.
    CanaryConfig c;
    c.weight_percent = 50;
    c.faults.latency_ms = 50;
    QVERIFY(admin_->set_canary(c).ok());
    QTRY_VERIFY_WITH_TIMEOUT(test::agentRollout(*admin_)->state == RolloutState::RolledBack, 60000);
    const std::string reason = test::agentRollout(*admin_)->reason;
    QVERIFY(!reason.empty());

    // Seen from the Events tab: the Canary tab's title and icon, the status bar, the banner.
    QTRY_VERIFY_WITH_TIMEOUT(panel->status()->state == RolloutState::RolledBack, kTimeout);
    QCOMPARE(w.tabs()->currentIndex(), int(MainWindow::EventsTab));
    const QString title = w.tabs()->tabText(MainWindow::CanaryTab);
    QVERIFY2(title.startsWith(canaryTitle) && title.contains("rolled back"), qPrintable(title));
    QVERIFY(!w.tabs()->tabIcon(MainWindow::CanaryTab).isNull());
    QVERIFY(w.tabs()->tabToolTip(MainWindow::CanaryTab).contains(QString::fromStdString(reason)));
    QLabel* status = rolloutStatusLabel(w);
    QVERIFY(status && status->isVisible());
    QVERIFY2(status->text().startsWith("Rollout rolled back"), qPrintable(status->text()));
    QVERIFY(status->toolTip().contains(QString::fromStdString(reason)));
    QVERIFY(w.banner()->isVisible());
    QVERIFY2(w.banner()->text().contains("Rollout rolled back"), qPrintable(w.banner()->text()));
    test::shot(&w, "rollout-rolled-back-elsewhere");

    // The Canary tab shows the banner; dismissing it clears the title and the status bar.
    w.showTab(MainWindow::CanaryTab);
    auto* bannerText = panel->findChild<QLabel*>("rolloutRolledBackBannerText");
    QVERIFY(bannerText);
    QTRY_VERIFY(bannerText->isVisible());
    auto* dismiss = panel->findChild<QToolButton*>("rolloutDismissBanner");
    QVERIFY(dismiss);
    QTest::mouseClick(dismiss, Qt::LeftButton);
    QCOMPARE(w.tabs()->tabText(MainWindow::CanaryTab), canaryTitle);
    QVERIFY(w.tabs()->tabIcon(MainWindow::CanaryTab).isNull());
    QVERIFY(!status->isVisible());
    QCOMPARE(panel->attention(), QString());
}

QTEST_MAIN(TestRolloutElsewhere)
#include "tst_rollout_elsewhere.moc"
