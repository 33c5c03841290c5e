// GUI tests of the Load tab against real sample servers (offscreen): a run belongs to the target it drives,
// thresholds the overrides rule out are warned about before the start, and failures, 429s and checks lead the
// summary. Issue 10 §1.2, §1.7, §1.8.
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "core/agent_client.h"
#include "tests/support/gui_fixture.h"
#include "ui/demo/sample_server_process.h"
#include "ui/dialogs/agent_dialog.h"
#include "ui/pages/load_panel.h"
#include "ui/session/dashboard.h"
#include "ui/session/load_controller.h"
#include "ui/widgets/chart_view.h"

using namespace redline;
using namespace redline::ui;

namespace {
constexpr int kTimeout = 30000;

int countEvents(const SeriesStore& store, const QString& agent, const std::string& prefix) {
    int n = 0;
    for (const auto& e : store.events(agent))
        if (e.kind.rfind(prefix, 0) == 0) ++n;
    return n;
}

/// Replaces the text of a line edit or spin box the way a user does: select all, type.
void typeInto(QWidget* w, const QString& text) {
    w->setFocus();
    QTest::keyClick(w, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClick(w, Qt::Key_Backspace);
    QTest::keyClicks(w, text);
    QTest::keyClick(w, Qt::Key_Tab);
}
}  // namespace

class TestLoadPanelTrust : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void cleanupTestCase();
    void targetFollowsTheSelectedAgent();
    void runBelongsToTheAgentItDrives();
    void runAgainstNoAgentsApiLandsNowhere();
    void unreachableThresholdIsWarnedBeforeStart();
    void failuresAndChecksLeadTheSummary();
    void rolloutRunDrivesTheAgentItTargets();
    void agentDialogTestsTheConnection();

  private:
    std::unique_ptr<SampleServerProcess> startServer(const QString& name);
    QString addAgent(const QString& name, const SampleServerProcess& s);
    /// Sets scenario, target and duration through the widgets and clicks Start; waits for the end.
    bool runFromPanel(LoadPanel& panel, LoadController& ctl, const QString& scenario, const QString& target,
                      const QString& duration);

    QTemporaryDir dir_;
    std::unique_ptr<CurlGlobal> curl_;
    std::unique_ptr<SampleServerProcess> a_, b_, c_;
    std::unique_ptr<Dashboard> dash_;
    QString ida_, idb_;
};

std::unique_ptr<SampleServerProcess> TestLoadPanelTrust::startServer(const QString& name) {
    return test::startSampleServer(dir_.filePath(name), 200, 1);
}

QString TestLoadPanelTrust::addAgent(const QString& name, const SampleServerProcess& s) {
    return test::addAgent(*dash_, name, s);
}

void TestLoadPanelTrust::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    curl_ = std::make_unique<CurlGlobal>();
    QVERIFY(dir_.isValid());
    QVERIFY2(!SampleServerProcess::findBinary().isEmpty(), "redline-sample-server not built");
    a_ = startServer("a");
    b_ = startServer("b");
    c_ = startServer("c");  // an API no dashboard agent is connected to
    QVERIFY(a_ && b_ && c_);
    dash_ = std::make_unique<Dashboard>();
    dash_->setStreamIntervalMs(250);
    ida_ = addAgent("catalog-a", *a_);
    idb_ = addAgent("catalog-b", *b_);
    QTRY_COMPARE_WITH_TIMEOUT(dash_->agentsModel()->stateOf(ida_), StreamState::Live, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(dash_->agentsModel()->stateOf(idb_), StreamState::Live, kTimeout);
    // /v1/info names the API each agent measures.
    QTRY_COMPARE_WITH_TIMEOUT(dash_->connection(ida_)->apiUrl(), a_->apiUrl(), kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(dash_->connection(idb_)->apiUrl(), b_->apiUrl(), kTimeout);
}

void TestLoadPanelTrust::cleanupTestCase() {
    dash_.reset();
    for (auto* s : {&a_, &b_, &c_})
        if (*s) QVERIFY((*s)->stop(10000));
}

bool TestLoadPanelTrust::runFromPanel(LoadPanel& panel, LoadController& ctl, const QString& scenario,
                                      const QString& target, const QString& duration) {
    if (!panel.selectScenario(scenario)) return false;
    if (!target.isEmpty()) typeInto(panel.findChild<QLineEdit*>("loadTarget"), target);
    typeInto(panel.findChild<QDoubleSpinBox*>("loadDuration"), duration);
    QSignalSpy finished(&ctl, &LoadController::finished);
    QTest::mouseClick(panel.startButton(), Qt::LeftButton);
    if (!ctl.running()) return false;
    return finished.wait(kTimeout) || finished.count() == 1;
}

void TestLoadPanelTrust::targetFollowsTheSelectedAgent() {
    LoadController ctl(dash_.get());
    LoadPanel panel(dash_.get(), &ctl);
    auto* target = panel.findChild<QLineEdit*>("loadTarget");
    QVERIFY(target);
    panel.setAgent(ida_);
    QCOMPARE(target->text(), a_->apiUrl());
    panel.setAgent(idb_);
    QCOMPARE(target->text(), b_->apiUrl());
    QCOMPARE(panel.targetAgent(), idb_);
    QVERIFY(panel.targetHint().contains("catalog-b"));
    // A typed target is the user's: it stays while the agent stays, and belongs to whoever measures it.
    typeInto(target, a_->apiUrl());
    QCOMPARE(panel.targetAgent(), ida_);
    QVERIFY(panel.targetHint().contains("catalog-a"));
    panel.setAgent(ida_);
    panel.setAgent(idb_);
    QCOMPARE(target->text(), b_->apiUrl());
}

void TestLoadPanelTrust::runBelongsToTheAgentItDrives() {
    LoadController ctl(dash_.get());
    LoadPanel panel(dash_.get(), &ctl);
    panel.setAgent(idb_);
    const int before_a = countEvents(dash_->store(), ida_, "loadtest.");
    QVERIFY(runFromPanel(panel, ctl, "smoke", {}, "2"));
    QVERIFY(ctl.lastSummary() && ctl.lastSummary()->completed > 0);
    QCOMPARE(QString::fromStdString(ctl.lastSummary()->target), b_->apiUrl());
    // The tab's own charts drew the run: achieved rate and client latency, and the agent's server-side p99.
    QVERIFY(panel.rateChart()->seriesCount() >= 3);
    QVERIFY(!panel.rateChart()->points(0).isEmpty());
    QCOMPARE(panel.latencyChart()->seriesCount(), 5);
    QVERIFY(!panel.latencyChart()->points(2).isEmpty());
    QVERIFY(dash_->store().seriesKeys(idb_).contains(kClientSeries));
    QVERIFY(!dash_->store().seriesKeys(ida_).contains(kClientSeries));
    QTRY_VERIFY_WITH_TIMEOUT(countEvents(dash_->store(), idb_, "loadtest.") >= 2, kTimeout);
    QCOMPARE(countEvents(dash_->store(), ida_, "loadtest."), before_a);
    // The events are the agent's: any other client of catalog-b sees them, with who acted.
    AgentClient viewer(b_->adminUrl().toStdString(),
                       read_token_file(b_->viewerTokenFile().toStdString()).value_or(""));
    const auto page = viewer.events(0, 1000);
    QVERIFY(page.ok());
    int started = 0;
    for (const auto& e : page.value->events)
        if (e.kind == "loadtest.started") {
            ++started;
            QVERIFY2(e.actor.rfind("operator:", 0) == 0, e.actor.c_str());
        }
    QCOMPARE(started, 1);
    // The selected agent is catalog-a, the target catalog-b's API: the run still belongs to catalog-b.
    panel.setAgent(ida_);
    const int before_b = countEvents(dash_->store(), idb_, "loadtest.");
    QVERIFY(runFromPanel(panel, ctl, "smoke", b_->apiUrl(), "1.5"));
    QVERIFY(!dash_->store().seriesKeys(ida_).contains(kClientSeries));
    QTRY_VERIFY_WITH_TIMEOUT(countEvents(dash_->store(), idb_, "loadtest.") >= before_b + 2, kTimeout);
    QCOMPARE(countEvents(dash_->store(), ida_, "loadtest."), before_a);
}

void TestLoadPanelTrust::runAgainstNoAgentsApiLandsNowhere() {
    LoadController ctl(dash_.get());
    LoadPanel panel(dash_.get(), &ctl);
    panel.setAgent(ida_);
    const int ea = countEvents(dash_->store(), ida_, "loadtest."),
              eb = countEvents(dash_->store(), idb_, "loadtest.");
    const auto na = dash_->store().samples(ida_, kClientSeries, 0, INT64_MAX).size();
    const auto nb = dash_->store().samples(idb_, kClientSeries, 0, INT64_MAX).size();
    QVERIFY(runFromPanel(panel, ctl, "smoke", c_->apiUrl(), "1.5"));
    QVERIFY(panel.targetHint().contains("No connected agent"));
    QCOMPARE(panel.latencyChart()->seriesCount(), 4);  // no server-side line without an agent
    QVERIFY(ctl.lastSummary() && ctl.lastSummary()->completed > 0);
    QTest::qWait(1500);  // nothing may arrive late either
    QCOMPARE(countEvents(dash_->store(), ida_, "loadtest."), ea);
    QCOMPARE(countEvents(dash_->store(), idb_, "loadtest."), eb);
    QCOMPARE(dash_->store().samples(ida_, kClientSeries, 0, INT64_MAX).size(), na);
    QCOMPARE(dash_->store().samples(idb_, kClientSeries, 0, INT64_MAX).size(), nb);
}

void TestLoadPanelTrust::unreachableThresholdIsWarnedBeforeStart() {
    LoadController ctl(dash_.get());
    LoadPanel panel(dash_.get(), &ctl);
    panel.setAgent(ida_);
    QStringList asked;
    bool answer = false;
    panel.setConfirm([&](const QString& text) {
        asked << text;
        return answer;
    });
    QVERIFY(panel.selectScenario("baseline"));  // thresholds include "rate > 190/s"
    typeInto(panel.findChild<QDoubleSpinBox*>("loadRate"), "50");
    typeInto(panel.findChild<QDoubleSpinBox*>("loadDuration"), "1");
    QSignalSpy messages(&panel, &LoadPanel::message);
    QTest::mouseClick(panel.startButton(), Qt::LeftButton);
    QCOMPARE(asked.size(), 1);
    QVERIFY2(asked[0].contains("rate > 190/s"), qPrintable(asked[0]));
    QVERIFY(!ctl.running());
    QVERIFY(!messages.isEmpty() && messages.last().at(1).toBool());
    // Without the override nothing is asked.
    typeInto(panel.findChild<QDoubleSpinBox*>("loadRate"), "0");
    answer = true;
    QVERIFY(panel.startRun());
    QCOMPARE(asked.size(), 1);
    ctl.stopAndWait();
}

void TestLoadPanelTrust::failuresAndChecksLeadTheSummary() {
    QFile f(dir_.filePath("mostly-404.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"name": "mostly-404", "executor": "constant-arrival-rate", "rate": 40, "duration_s": 2,
      "requests": [
        {"name": "missing", "weight": 3, "method": "GET", "path": "/v1/no-such-thing",
         "checks": [{"status": [200]}]},
        {"name": "product", "weight": 1, "method": "GET", "path": "/v1/products/{1..100}"}]})");
    f.close();
    LoadController ctl(dash_.get());
    LoadPanel panel(dash_.get(), &ctl);
    panel.setAgent(ida_);
    QVERIFY(runFromPanel(panel, ctl, f.fileName(), {}, "0"));
    const auto* s = ctl.lastSummary();
    QVERIFY(s && s->errors > 0);
    const QString text = panel.summaryText();
    QVERIFY2(text.contains("Failed by status: 404: " + QString::number(s->by_status.at(404))),
             qPrintable(text));
    QVERIFY2(text.contains(
                 QStringLiteral("%1 / %2").arg(s->checks_passed).arg(s->checks_passed + s->checks_failed)),
             qPrintable(text));
    QVERIFY(text.contains("429 rate limited"));
    // Per-request table: both requests are listed.
    QVERIFY(text.contains("GET missing") && text.contains("GET product"));
    // The live line describes the whole run once it ended.
    QVERIFY(panel.findChild<QLabel*>("liveFigures")->text().startsWith("whole run"));
    // The previous run's summary stays below the next one.
    QVERIFY(runFromPanel(panel, ctl, "smoke", {}, "1"));
    QVERIFY(panel.summaryText().contains("Previous run"));
    QVERIFY(panel.summaryText().contains("mostly-404"));
    // The run's two charts: one crosshair across both; a drag selects nothing (they follow the run).
    panel.resize(1200, 800);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    auto* rate = panel.findChild<ChartView*>("loadRateChart");
    auto* lat = panel.findChild<ChartView*>("loadLatencyChart");
    QVERIFY(rate && lat);
    QVERIFY(!rate->zoomable() && rate->focusPolicy() == Qt::NoFocus);
    QSignalSpy selected(rate, &ChartView::rangeSelected);
    const QRectF plot = rate->chart()->plotArea();
    const QPoint a = rate->mapFromScene(QPointF(plot.left() + plot.width() * 0.3, plot.center().y()));
    const QPoint b = rate->mapFromScene(QPointF(plot.left() + plot.width() * 0.7, plot.center().y()));
    QTest::mousePress(rate->viewport(), Qt::LeftButton, {}, a);
    QTest::mouseMove(rate->viewport(), b);
    QTest::mouseRelease(rate->viewport(), Qt::LeftButton, {}, b);
    QCOMPARE(selected.count(), 0);
    QVERIFY(rate->crosshair() > 0);
    QCOMPARE(lat->crosshair(), rate->crosshair());
}

void TestLoadPanelTrust::rolloutRunDrivesTheAgentItTargets() {
    // The scenario file names another agent (c, not connected here) and a token variable that is not set: the
    // dashboard must drive the rollout of the agent whose API the run targets (a), with its own token for a.
    // (Earlier slots warmed a's stable cache only; the per-version cache is not what this judges.)
    QFile f(dir_.filePath("bake.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    QString keys;
    for (int i = 0; i < 200; ++i)
        keys += QStringLiteral("%1\"k%2\"").arg(i ? "," : "").arg(i);
    f.write(
        QStringLiteral(R"({"name": "bake", "executor": "constant-arrival-rate", "rate": 200, "duration_s": 40,
      "requests": [{"name": "product", "path": "/v1/products/{1..100}", "api_keys": [%1]}],
      "agent": {"url": "%2", "token_env": "REDLINE_TEST_UNSET_TOKEN"},
      "rollout": {"plan": {"steps": [{"weight_percent": 50, "hold_s": 2}, {"weight_percent": 100}],
        "analysis": {"window_s": 2, "min_requests": 10, "pass_windows": 1, "failure_windows": 1, "warmup_s": 1,
          "max_cache_hit_decrease_pp": 100}}}})")
            .arg(keys, c_->adminUrl())
            .toUtf8());
    f.close();
    LoadController ctl(dash_.get());
    LoadPanel panel(dash_.get(), &ctl);
    panel.setAgent(ida_);
    QVERIFY(runFromPanel(panel, ctl, f.fileName(), {}, "0"));
    const auto* s = ctl.lastSummary();
    QVERIFY(s && s->rollout);
    QVERIFY2(s->rollout->state == "promoted", s->reason.c_str());
    QCOMPARE(s->exit_code(), 0);
    QVERIFY2(s->duration_s < 30, qPrintable(QString::number(s->duration_s)));  // ended by the rollout
    auto token = [](const QString& file) {
        QFile t(file);
        return t.open(QIODevice::ReadOnly) ? t.readAll().trimmed().toStdString() : std::string();
    };
    AgentClient a(a_->adminUrl().toStdString(), token(a_->viewerTokenFile()));
    AgentClient c(c_->adminUrl().toStdString(), token(c_->viewerTokenFile()));
    QCOMPARE((*a.call_json("GET", "/v1/rollout").value)["state"], nlohmann::json("promoted"));
    QCOMPARE((*c.call_json("GET", "/v1/rollout").value)["state"], nlohmann::json("none"));
    const QString text = panel.summaryText();
    QVERIFY2(text.contains("Rollout") && text.contains("promoted at step 2/2"), qPrintable(text));
}

void TestLoadPanelTrust::agentDialogTestsTheConnection() {
    AgentConfig c;
    c.name = "catalog-a";
    c.url = a_->adminUrl();
    c.tokenFile = a_->operatorTokenFile();
    {
        AgentDialog dlg(c);
        QSignalSpy done(&dlg, &AgentDialog::testFinished);
        QTest::mouseClick(dlg.findChild<QPushButton*>("agentDialogTest"), Qt::LeftButton);
        QVERIFY(done.wait(kTimeout));
        QCOMPARE(done.first().at(0).toBool(), true);
        QVERIFY2(dlg.testResult().contains("redline-sample-server") && dlg.testResult().contains("operator"),
                 qPrintable(dlg.testResult()));
    }
    {
        c.url = QStringLiteral("http://127.0.0.1:1");  // nothing listens on port 1
        AgentDialog dlg(c);
        QSignalSpy done(&dlg, &AgentDialog::testFinished);
        dlg.testConnection();
        QVERIFY(done.wait(kTimeout));
        QCOMPARE(done.first().at(0).toBool(), false);
        QVERIFY2(dlg.testResult().contains("nothing is listening"), qPrintable(dlg.testResult()));
    }
    {
        c.url = a_->adminUrl();
        c.tokenFile.clear();
        c.token = QString(64, 'f');  // well-formed, not the agent's
        AgentDialog dlg(c);
        QSignalSpy done(&dlg, &AgentDialog::testFinished);
        dlg.testConnection();
        QVERIFY(done.wait(kTimeout));
        QVERIFY2(dlg.testResult().contains("refused the token"), qPrintable(dlg.testResult()));
    }
}

QTEST_MAIN(TestLoadPanelTrust)
#include "tst_load_panel_trust.moc"
