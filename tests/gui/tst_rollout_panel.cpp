// GUI test of issue 13 §3 as an operator uses it: the Canary tab's Rollout group against a real
// redline-sample-server (port 0), driven with mouse clicks and keys. An invalid plan shows the agent
// parser's field errors beside its rows and sends nothing; a valid plan starts, the panel shows the state and
// weight the agent reports; pause, resume, skip step, abort and promote (both confirmed first); a viewer
// token gets no enabled verb; a latency fault on the canary rolls the rollout back and the banner says why
// until dismissed (and stays dismissed for that rollout). Screenshots with REDLINE_SCREENSHOT_DIR
// (tests/support/gui_fixture.h).
#include <QApplication>
#include <QDoubleSpinBox>
#include <QGroupBox>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>
#include <atomic>
#include <thread>

#include "core/agent_client.h"
#include "core/rollout.h"
#include "tests/support/gui_fixture.h"
#include "tests/support/raw_http.h"
#include "tests/support/rollout_gui.h"
#include "ui/models/rollout_plan_model.h"
#include "ui/models/scorecard_model.h"
#include "ui/pages/canary_panel.h"
#include "ui/pages/rollout_panel.h"
#include "ui/session/agent_connection.h"
#include "ui/session/dashboard.h"
#include "ui/widgets/rollout_plan_editor.h"
#include "ui/widgets/step_timeline.h"
#include "ui/widgets/theme.h"

using namespace redline;
using namespace redline::ui;
using test::agentRollout;
using test::rolloutEvents;
using test::Traffic;

static void initRedlineResources() {
    Q_INIT_RESOURCE(redline);  // the themes' style sheets, for the screenshots
}

namespace {
constexpr int kTimeout = 20000;

}  // namespace

class TestRolloutPanel : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void cleanupTestCase();
    void anInvalidPlanIsShownInlineAndNothingIsSent();
    void aViewerGetsNoVerbs();
    void startPauseResumeShowTheAgentsState();
    void aCanaryLatencyFaultRollsBackWithItsReason();
    void anAgentThatIsNotLiveGreysOut();  // last: stops the server

  private:
    struct Ui {
        std::unique_ptr<Dashboard> d;
        std::unique_ptr<CanaryPanel> canary;
        RolloutPanel* rollout = nullptr;
        QString id;
    };
    /// A dashboard with the server's agent (operator or viewer token) and its Canary tab shown.
    void open(Ui& u, bool viewer = false);
    bool rolloutApi();

    QTemporaryDir dir_;
    std::unique_ptr<CurlGlobal> curl_;
    std::unique_ptr<SampleServerProcess> server_;
    std::unique_ptr<AgentClient> admin_;
};

void TestRolloutPanel::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    if (qEnvironmentVariableIsSet("REDLINE_SCREENSHOT_DIR")) {
        initRedlineResources();
        Theme::apply(*qApp, Theme::Mode::System);
    }
    curl_ = std::make_unique<CurlGlobal>();
    QVERIFY(dir_.isValid());
    server_ = test::startSampleServer(dir_.filePath("sample"), 50);
    QVERIFY2(server_, "redline-sample-server did not start (is it built?)");
    auto token = read_token_file(server_->operatorTokenFile().toStdString());
    QVERIFY(token);
    admin_ = std::make_unique<AgentClient>(server_->adminUrl().toStdString(), *token);
}

void TestRolloutPanel::cleanupTestCase() {
    if (server_) QVERIFY(server_->stop(10000));
}

bool TestRolloutPanel::rolloutApi() {
    long http = 0;
    agentRollout(*admin_, &http);
    return http != 404;
}

void TestRolloutPanel::open(Ui& u, bool viewer) {
    u.d = std::make_unique<Dashboard>();
    u.d->setStreamIntervalMs(250);
    AgentConfig c;
    c.name = viewer ? "viewer" : "operator";
    c.url = server_->adminUrl();
    c.tokenFile = viewer ? server_->viewerTokenFile() : server_->operatorTokenFile();
    u.id = u.d->addAgent(c);
    QVERIFY(test::waitLive(*u.d, u.id, kTimeout));
    // The role comes from /v1/info, read when the stream went live.
    QTRY_VERIFY_WITH_TIMEOUT(!u.d->connection(u.id)->role().isEmpty(), kTimeout);
    u.canary = std::make_unique<CanaryPanel>(u.d.get());
    u.canary->resize(1280, 1000);
    u.canary->setAgent(u.id);
    u.canary->show();
    QVERIFY(QTest::qWaitForWindowExposed(u.canary.get()));
    u.rollout = u.canary->rollout();
}

void TestRolloutPanel::anInvalidPlanIsShownInlineAndNothingIsSent() {
    Ui u;
    open(u);
    QVERIFY(u.rollout);
    RolloutPlanEditor* editor = u.rollout->editor();
    QTableView* table = editor->table();
    const int eventsBefore = rolloutEvents(*admin_);
    // The keyboard verbs of the table: Insert adds a step after the current one, Delete removes it.
    QCOMPARE(editor->model()->rowCount(), 4);
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {},
                      table->visualRect(editor->model()->index(0, RolloutPlanModel::WeightCol)).center());
    QTest::keyClick(table, Qt::Key_Insert);
    QCOMPARE(editor->model()->rowCount(), 5);
    QCOMPARE(table->currentIndex().row(), 1);
    QTest::keyClick(table, Qt::Key_Delete);
    QCOMPARE(editor->model()->steps(), RolloutPlanModel::defaultSteps());

    // Step 2 below step 1, and a hold on the 100 % step: the agent's parser refuses both, beside the rows.
    QVERIFY(test::typeIntoCell(table, 1, RolloutPlanModel::WeightCol, "3"));
    QCOMPARE(editor->model()->steps()[1].weight_percent, 3.0);
    QVERIFY(test::typeIntoCell(table, 3, RolloutPlanModel::HoldCol, "30"));
    const QString row2 = editor->model()->index(1, RolloutPlanModel::ProblemCol).data().toString();
    const QString row4 = editor->model()->index(3, RolloutPlanModel::ProblemCol).data().toString();
    QVERIFY2(row2.contains("must not be below the previous step's 5"), qPrintable(row2));
    QVERIFY2(row4.contains("must be 0 on a 100 % step"), qPrintable(row4));
    QVERIFY(editor->model()->rowError(0).isEmpty());

    // Start is refused before anything is sent.
    QPushButton* start = u.rollout->button(RolloutAction::Start);
    const bool api = rolloutApi();
    if (api) QTRY_VERIFY_WITH_TIMEOUT(start->isEnabled(), kTimeout);
    QSignalSpy settled(u.rollout, &RolloutPanel::settled);
    if (start->isEnabled())
        QTest::mouseClick(start, Qt::LeftButton);
    else
        u.rollout->start();  // no rollout API on this agent yet: the check is the panel's all the same
    QVERIFY(!u.rollout->busy());
    auto* actionError = [&]() -> QLabel* {
        for (auto* l : u.rollout->findChildren<QLabel*>("inlineError"))
            if (l->property("errorFor").toString() == "action") return l;
        return nullptr;
    }();
    QVERIFY(actionError && actionError->isVisible());
    QVERIFY2(actionError->text().contains("Not started: the plan has 2 problem(s)"),
             qPrintable(actionError->text()));
    test::shot(u.rollout, "rollout-invalid-plan");
    QTest::qWait(300);
    QCOMPARE(rolloutEvents(*admin_), eventsBefore);
    if (api) {
        auto st = agentRollout(*admin_);
        QVERIFY(st);
        QVERIFY(!st->spec || st->spec->steps != editor->model()->steps());
    }
    // Fixing the rows clears their errors at once.
    QVERIFY(test::typeIntoCell(table, 1, RolloutPlanModel::WeightCol, "25"));
    QVERIFY(test::typeIntoCell(table, 3, RolloutPlanModel::HoldCol, "0"));
    QVERIFY(!editor->model()->hasErrors());
    QVERIFY(!actionError->isVisible());
}

void TestRolloutPanel::aViewerGetsNoVerbs() {
    Ui u;
    open(u, /*viewer=*/true);
    QVERIFY(u.rollout);
    QCOMPARE(u.d->connection(u.id)->role(), QStringLiteral("viewer"));
    if (rolloutApi()) QTRY_VERIFY_WITH_TIMEOUT(u.rollout->status().has_value(), kTimeout);
    QTest::qWait(1200);  // a poll or two: nothing turns a verb on
    for (auto a : {RolloutAction::Start, RolloutAction::Pause, RolloutAction::Resume, RolloutAction::Promote,
                   RolloutAction::Abort, RolloutAction::Skip}) {
        QPushButton* b = u.rollout->button(a);
        QVERIFY2(!b->isEnabled(), qPrintable(actionName(a)));
        QVERIFY2(b->toolTip().contains("viewer token"), qPrintable(b->toolTip()));
    }
    QVERIFY(!u.rollout->editor()->table()->isEnabled());
    test::shot(u.rollout, "rollout-viewer");
}

void TestRolloutPanel::startPauseResumeShowTheAgentsState() {
    if (!rolloutApi()) QSKIP("the agent has no /v1/rollout yet (rollout engine not merged)");
    Ui u;
    open(u);
    QVERIFY(u.rollout);
    QTRY_VERIFY_WITH_TIMEOUT(u.rollout->status().has_value(), kTimeout);
    RolloutPlanEditor* editor = u.rollout->editor();
    editor->setSpec(RolloutSpec{RolloutPlanModel::defaultSteps()});
    // Longer holds by keyboard, so the rollout stays in its first step while the test looks at it.
    QVERIFY(test::typeIntoCell(editor->table(), 0, RolloutPlanModel::HoldCol, "600"));
    QCOMPARE(editor->model()->steps()[0].hold_s, 600);
    QPushButton* start = u.rollout->button(RolloutAction::Start);
    QTRY_VERIFY_WITH_TIMEOUT(start->isEnabled(), kTimeout);
    QTest::mouseClick(start, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(u.rollout->status() && u.rollout->status()->state == RolloutState::Progressing,
                             kTimeout);
    // What the panel shows is what the agent says.
    auto agent = agentRollout(*admin_);
    QVERIFY(agent);
    QCOMPARE(agent->state, RolloutState::Progressing);
    QCOMPARE(u.rollout->status()->weight_percent, agent->weight_percent);
    QCOMPARE(agent->weight_percent, 5.0);
    QCOMPARE(agent->spec->steps[0].hold_s, 600);
    auto* state = u.rollout->findChild<QLabel*>("rolloutState");
    QVERIFY2(state->text().contains("progressing") && state->text().contains("5 %"),
             qPrintable(state->text()));
    // The canary weight of the Canary tab follows the rollout's (canary.changed by actor "rollout").
    QTRY_COMPARE_WITH_TIMEOUT(u.canary->applied().weight_percent, agent->weight_percent, kTimeout);
    QVERIFY(!u.rollout->button(RolloutAction::Start)->isEnabled());
    QVERIFY(!u.rollout->button(RolloutAction::Resume)->isEnabled());
    QVERIFY(!u.rollout->editor()->table()->isEnabled());  // the running plan is not edited
    // The Canary tab's weight controls are off while the rollout holds the weight, and say so.
    auto* owned = u.canary->findChild<QLabel*>("rolloutOwnsWeight");
    QVERIFY(owned && owned->isVisible());
    QVERIFY2(owned->text().contains("step 1 of 4"), qPrintable(owned->text()));
    QVERIFY(!u.canary->findChild<QSlider*>()->isEnabled());
    auto* progress = u.rollout->findChild<QLabel*>("rolloutProgress");
    QTRY_VERIFY_WITH_TIMEOUT(progress->text().contains("s left"), kTimeout);

    QPushButton* pause = u.rollout->button(RolloutAction::Pause);
    QVERIFY(pause->isEnabled());
    QTest::mouseClick(pause, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(u.rollout->status()->state == RolloutState::Paused, kTimeout);
    QCOMPARE(agentRollout(*admin_)->state, RolloutState::Paused);
    auto* pausedBanner = u.rollout->findChild<QLabel*>("rolloutPausedBannerText");
    QVERIFY(pausedBanner && pausedBanner->isVisible());
    QVERIFY(!pause->isEnabled());
    test::shot(u.rollout, "rollout-paused");

    // A 409 shows the agent's detail inline: pause an already paused rollout through the panel's verb.
    u.rollout->act(RolloutAction::Pause);
    QTRY_VERIFY_WITH_TIMEOUT(!u.rollout->busy(), kTimeout);
    QLabel* actionError = nullptr;
    for (auto* l : u.rollout->findChildren<QLabel*>("inlineError"))
        if (l->property("errorFor").toString() == "action") actionError = l;
    QVERIFY(actionError);
    QTRY_VERIFY_WITH_TIMEOUT(actionError->isVisible(), kTimeout);
    QVERIFY2(actionError->text().contains("pause refused"), qPrintable(actionError->text()));

    QTest::mouseClick(u.rollout->button(RolloutAction::Resume), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(u.rollout->status()->state == RolloutState::Progressing, kTimeout);
    QVERIFY(!pausedBanner->isVisible());

    // Skip step: the agent moves on to step 2 and its weight; the panel and the timeline follow the agent.
    QTest::mouseClick(u.rollout->button(RolloutAction::Skip), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(u.rollout->status()->step == 1, kTimeout);
    QCOMPARE(agentRollout(*admin_)->weight_percent, 25.0);
    QCOMPARE(u.rollout->status()->weight_percent, 25.0);
    QCOMPARE(u.rollout->findChild<StepTimeline*>("rolloutTimeline")->current(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(u.canary->applied().weight_percent, 25.0, kTimeout);

    // Abort asks first; a cancelled confirmation sends nothing.
    int asked = 0;
    bool answer = false;
    u.rollout->setConfirm([&](const QString&) {
        ++asked;
        return answer;
    });
    QTest::mouseClick(u.rollout->button(RolloutAction::Abort), Qt::LeftButton);
    QCOMPARE(asked, 1);
    QTest::qWait(300);
    QCOMPARE(agentRollout(*admin_)->state, RolloutState::Progressing);
    answer = true;
    QTest::mouseClick(u.rollout->button(RolloutAction::Abort), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(u.rollout->status()->state == RolloutState::Aborted, kTimeout);
    QCOMPARE(agentRollout(*admin_)->weight_percent, 0.0);
    QVERIFY(!owned->isVisible());
    QVERIFY(u.canary->findChild<QSlider*>()->isEnabled());

    // Start again (the same plan: no PUT, only start), then promote now, which asks first too.
    QTest::mouseClick(u.rollout->button(RolloutAction::Start), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(u.rollout->status()->state == RolloutState::Progressing, kTimeout);
    QCOMPARE(u.rollout->status()->step, 0);
    QTest::mouseClick(u.rollout->button(RolloutAction::Promote), Qt::LeftButton);
    QCOMPARE(asked, 3);
    QTRY_VERIFY_WITH_TIMEOUT(u.rollout->status()->state == RolloutState::Promoted, kTimeout);
    QCOMPARE(agentRollout(*admin_)->weight_percent, 100.0);
    QTRY_COMPARE_WITH_TIMEOUT(u.canary->applied().weight_percent, 100.0, kTimeout);
}

void TestRolloutPanel::aCanaryLatencyFaultRollsBackWithItsReason() {
    if (!rolloutApi()) QSKIP("the agent has no /v1/rollout yet (rollout engine not merged)");
    Ui u;
    open(u);
    QVERIFY(u.rollout);
    QTRY_VERIFY_WITH_TIMEOUT(u.rollout->status().has_value(), kTimeout);
    // Whatever an earlier test left running ends here (through the API, not the panel under test).
    if (auto st = agentRollout(*admin_); st && rollout_active(st->state))
        QVERIFY(admin_->call_json("POST", "/v1/rollout/abort").ok());
    QTRY_VERIFY_WITH_TIMEOUT(!rollout_active(u.rollout->status()->state), kTimeout);
    Traffic traffic(server_->apiPort());
    RolloutPlanEditor* editor = u.rollout->editor();
    editor->setSpec(RolloutSpec{{{50, 600}, {100, 0}}});
    auto* window = editor->findChild<QSpinBox*>("rolloutWindow");
    QVERIFY(window);
    window->setFocus();
    QTest::keyClick(window, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(window, "5");
    QCOMPARE(editor->spec().analysis.window_s, 5);
    QPushButton* start = u.rollout->button(RolloutAction::Start);
    QTRY_VERIFY_WITH_TIMEOUT(start->isEnabled(), kTimeout);
    QTest::mouseClick(start, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(u.rollout->status() && u.rollout->status()->state == RolloutState::Progressing,
                             kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(u.canary->applied().weight_percent, 50.0, kTimeout);
    // The scorecard fills in as the agent analyses.
    QTRY_VERIFY_WITH_TIMEOUT(u.rollout->scorecard()->rowCount() >= 4, kTimeout);
    test::shot(u.rollout, "rollout-progressing");

    // +50 ms on the canary, through the Canary tab's fault knobs (the weight stays the rollout's).
    auto* apply = [&]() -> QPushButton* {
        for (auto* b : u.canary->findChildren<QPushButton*>())
            if (b->text() == "Apply faults") return b;
        return nullptr;
    }();
    QVERIFY(apply);
    const auto spins = u.canary->findChild<QGroupBox*>("faultBox")->findChildren<QDoubleSpinBox*>();
    QVERIFY(!spins.isEmpty());
    spins[0]->setFocus();
    QTest::keyClick(spins[0], Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(spins[0], "50");
    QTest::mouseClick(apply, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(u.canary->applied().faults.latency_ms, 50.0, kTimeout);

    QTRY_VERIFY_WITH_TIMEOUT(u.rollout->status()->state == RolloutState::RolledBack, 60000);
    auto agent = agentRollout(*admin_);
    QVERIFY(agent);
    QCOMPARE(agent->state, RolloutState::RolledBack);
    QCOMPARE(agent->weight_percent, 0.0);
    auto* bannerText = u.rollout->findChild<QLabel*>("rolloutRolledBackBannerText");
    QVERIFY(bannerText);
    QTRY_VERIFY_WITH_TIMEOUT(bannerText->isVisible(), kTimeout);
    QVERIFY2(bannerText->text().contains(QString::fromStdString(agent->reason)),
             qPrintable(bannerText->text()));
    const ScorecardModel* sc = u.rollout->scorecard();
    bool aFail = false;
    for (int r = 0; r < sc->rowCount(); ++r)
        aFail |= sc->index(r, ScorecardModel::VerdictCol).data().toString().contains("FAIL");
    QVERIFY(aFail);
    test::shot(u.rollout, "rollout-rollback");

    // The banner stays (polls go on) until dismissed, and a dismissed rollback stays dismissed.
    QTest::qWait(1500);
    QVERIFY(bannerText->isVisible());
    auto* dismiss = u.rollout->findChild<QToolButton*>("rolloutDismissBanner");
    QVERIFY(dismiss);
    QTest::mouseClick(dismiss, Qt::LeftButton);
    QVERIFY(!bannerText->isVisible());
    Ui again;
    open(again);
    QTRY_VERIFY_WITH_TIMEOUT(again.rollout->status().has_value(), kTimeout);
    QCOMPARE(again.rollout->status()->state, RolloutState::RolledBack);
    QVERIFY(!again.rollout->findChild<QLabel*>("rolloutRolledBackBannerText")->isVisible());
}

void TestRolloutPanel::anAgentThatIsNotLiveGreysOut() {
    Ui u;
    open(u);
    QVERIFY(u.rollout);
    QTRY_VERIFY_WITH_TIMEOUT(u.rollout->status().has_value(), kTimeout);
    const RolloutState before = u.rollout->status()->state;
    auto* note = u.rollout->findChild<QLabel*>("staleLabel");
    auto* table = u.rollout->findChild<QTableView*>("rolloutScorecard");
    QVERIFY(note && table);
    QVERIFY(!note->isVisible());
    QVERIFY(table->isEnabled());
    QVERIFY(server_->stop(10000));  // a clean stop: the stream ends, the connection is not live
    QTRY_VERIFY_WITH_TIMEOUT(!table->isEnabled(), kTimeout);
    QVERIFY(note->isVisible());
    QVERIFY2(note->text().contains("not live"), qPrintable(note->text()));
    QVERIFY(u.rollout->scorecard()->stale());
    for (auto a : {RolloutAction::Start, RolloutAction::Pause, RolloutAction::Abort})
        QVERIFY(!u.rollout->button(a)->isEnabled());
    QCOMPARE(u.rollout->status()->state, before);  // the last word stays, marked as such
    test::shot(u.rollout, "rollout-not-live");
}

QTEST_MAIN(TestRolloutPanel)
#include "tst_rollout_panel.moc"
