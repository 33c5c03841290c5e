// GUI tests of issue 10 ("a window an SRE can trust during an incident"), items 1 and 5: the canary weight
// and the rate-limit table are driven with real key, mouse and wheel events (offscreen platform) against a
// real redline-sample-server on port 0, and what the panels show is compared with what the agent has (GET
// /v1/canary, GET /v1/limits and the agent's own event log), not only with widget state.
#include <QAbstractButton>
#include <QApplication>
#include <QCheckBox>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QStyleOptionSlider>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>
#include <QWheelEvent>
#include <QtTest>

#include "core/agent_client.h"
#include "tests/support/gui_fixture.h"
#include "ui/demo/sample_server_process.h"
#include "ui/models/limits_model.h"
#include "ui/pages/canary_panel.h"
#include "ui/pages/limits_panel.h"
#include "ui/session/dashboard.h"
#include "ui/widgets/theme.h"

using namespace redline;
using namespace redline::ui;

static void initRedlineResources() {
    Q_INIT_RESOURCE(redline);  // the themes' style sheets, for the screenshots
}

namespace {
constexpr int kTimeout = 20000;
const char* const kRoute = "GET /v1/products";
const char* const kOtherRoute = "GET /v1/products/{id}";

QPoint handleCenter(const QSlider* s) {
    QStyleOptionSlider opt;
    opt.initFrom(s);
    opt.subControls = QStyle::SC_All;
    opt.orientation = s->orientation();
    opt.minimum = s->minimum();
    opt.maximum = s->maximum();
    opt.tickPosition = s->tickPosition();
    opt.tickInterval = s->tickInterval();
    opt.upsideDown = false;
    opt.direction = s->layoutDirection();
    opt.sliderPosition = s->sliderPosition();
    opt.sliderValue = s->value();
    opt.singleStep = s->singleStep();
    opt.pageStep = s->pageStep();
    return s->style()->subControlRect(QStyle::CC_Slider, &opt, QStyle::SC_SliderHandle, s).center();
}

/// Presses the handle, moves the mouse pixel by pixel until the slider reads `value`, releases there; true
/// when the slider read `value` at the release (what the release does with it is the panel's business).
bool dragSliderTo(QSlider* s, int value) {
    const QPoint start = handleCenter(s);
    QTest::mousePress(s, Qt::LeftButton, {}, start);
    if (!s->isSliderDown()) return false;
    const int dir = value > s->value() ? 1 : -1;
    QPoint p = start;
    while (s->value() != value && p.x() >= 0 && p.x() < s->width()) {
        p.rx() += dir;
        QTest::mouseMove(s, p);
    }
    const bool reached = s->value() == value;
    QTest::mouseRelease(s, Qt::LeftButton, {}, p);
    return reached;
}

void wheel(QWidget* w, int angle) {
    const QPointF pos(w->width() / 2.0, w->height() / 2.0);
    QWheelEvent e(pos, w->mapToGlobal(pos), QPoint(), QPoint(0, angle), Qt::NoButton, Qt::NoModifier,
                  Qt::NoScrollPhase, false);
    QApplication::sendEvent(w, &e);
}

QPushButton* button(QWidget* root, const QString& text) {
    for (auto* b : root->findChildren<QPushButton*>())
        if (b->text() == text) return b;
    return nullptr;
}

/// The first label whose text contains `needle` ("" if none): the panels' footers are found by what they say.
QString labelContaining(QWidget* root, const QString& needle) {
    for (auto* l : root->findChildren<QLabel*>())
        if (l->text().contains(needle)) return l->text();
    return {};
}

QString weightText(double w) {
    return QStringLiteral("%1 %").arg(w);
}

void showActive(QWidget* w) {
    w->resize(1100, 650);
    w->show();
    w->activateWindow();
    QVERIFY(QTest::qWaitForWindowExposed(w));
}

/// Opens the cell's editor with F2 (as a user does), selects what is there, types `text`, ends with `finish`.
void typeInCell(QTableView* v, const QModelIndex& idx, const QString& text, Qt::Key finish = Qt::Key_Return) {
    v->setFocus();
    v->setCurrentIndex(idx);
    QTest::keyClick(v, Qt::Key_F2);
    QWidget* editor = v->indexWidget(idx);
    QVERIFY2(editor, "no editor opened on F2");
    QTest::keyClick(editor, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(editor, text);
    QTest::keyClick(editor, finish);
    QTRY_VERIFY(!v->indexWidget(idx));  // the delegate commits and closes with a queued call
}

/// Answers the next modal message box (the real confirmation dialog): records its text and check box, ticks
/// the check box when asked, then presses Yes or Cancel.
struct DialogAnswer {
    bool seen = false;
    QString text;
    QString checkBoxText;
    bool checked = false;
};
void answerNextDialog(DialogAnswer* out, bool tick, bool accept) {
    auto* timer = new QTimer(qApp);
    auto tries = std::make_shared<int>(0);
    QObject::connect(timer, &QTimer::timeout, qApp, [=] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box) {
            if (++*tries > 400) timer->deleteLater();
            return;
        }
        timer->stop();
        timer->deleteLater();
        out->seen = true;
        out->text = box->text();
        if (QCheckBox* cb = box->checkBox()) {
            out->checkBoxText = cb->text();
            if (tick && !cb->isChecked()) QTest::keyClick(cb, Qt::Key_Space);
            out->checked = cb->isChecked();
        }
        test::shot(box, "canary-rollback-dialog");
        QAbstractButton* b = box->button(accept ? QMessageBox::Yes : QMessageBox::Cancel);
        if (b)
            QTest::mouseClick(b, Qt::LeftButton);
        else
            box->reject();
    });
    timer->start(25);
}
}  // namespace

class TestControlsTrust : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void cleanupTestCase();
    // Item 1: canary weight.
    void keyboardWeightAfterDragIsSent();
    void arrowStepsAreSentOnceWhenTheUserStops();
    void cancelledConfirmationSnapsBackToConfirmedWeight();
    void refusedChangeReturnsToConfirmedWeight();
    void rollBackOffersToClearFaults();
    // Item 5: rate limits.
    void negativeRateIsRefusedAndNotApplied();
    void typedTextIsKeptAndRefusedWithReason();
    void ctrlReturnInAnOpenEditorSendsWhatIsTyped();
    void footerCountsOnlyEnabledLimits();
    // §2: the actor names who acted.
    void changesNameTheOperator();

  private:
    AgentClient& client();
    std::uint64_t lastEventId();
    std::vector<Event> eventsSince(std::uint64_t after, const std::string& kind);
    double agentWeight();

    QTemporaryDir dir_;
    std::unique_ptr<CurlGlobal> curl_;
    std::unique_ptr<SampleServerProcess> server_;
    std::unique_ptr<Dashboard> dash_;
    std::unique_ptr<AgentClient> client_;
    QString agent_;
};

void TestControlsTrust::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    if (qEnvironmentVariableIsSet("REDLINE_SCREENSHOT_DIR")) {
        initRedlineResources();
        Theme::apply(*qApp, Theme::Mode::System);
    }
    curl_ = std::make_unique<CurlGlobal>();
    QVERIFY(dir_.isValid());
    server_ = test::startSampleServer(dir_.filePath("data"));
    QVERIFY2(server_, "redline-sample-server did not start (is it built?)");
    dash_ = std::make_unique<Dashboard>();
    dash_->setStreamIntervalMs(250);
    agent_ = test::addAgent(*dash_, "controls", *server_);
    QVERIFY(test::waitLive(*dash_, agent_, kTimeout));
}

void TestControlsTrust::cleanupTestCase() {
    dash_.reset();
    client_.reset();
    if (server_) QVERIFY(server_->stop(10000));
}

AgentClient& TestControlsTrust::client() {
    if (!client_) {
        const auto token = read_token_file(server_->operatorTokenFile().toStdString()).value_or("");
        client_ = std::make_unique<AgentClient>(server_->adminUrl().toStdString(), token);
    }
    return *client_;
}

std::uint64_t TestControlsTrust::lastEventId() {
    std::uint64_t after = 0;
    for (;;) {
        auto page = client().events(after, 100);
        if (!page.ok() || page.value->events.empty()) return after;
        after = page.value->events.back().id;
    }
}

std::vector<Event> TestControlsTrust::eventsSince(std::uint64_t after, const std::string& kind) {
    std::vector<Event> out;
    for (;;) {
        auto page = client().events(after, 100);
        if (!page.ok() || page.value->events.empty()) return out;
        for (auto& e : page.value->events)
            if (e.kind == kind) out.push_back(e);
        after = page.value->events.back().id;
    }
}

double TestControlsTrust::agentWeight() {
    auto c = client().canary();
    return c.ok() ? c.value->weight_percent : -1.0;
}

// The reproduction: drag to 10 % (sent on release), then Home. The keyboard change must reach the
// agent (after the 0 % confirmation) with its event, and every weight on screen is the agent's.
void TestControlsTrust::keyboardWeightAfterDragIsSent() {
    QVERIFY(client().set_canary(CanaryConfig{}).ok());
    CanaryPanel panel(dash_.get());
    QStringList asked;
    panel.setConfirm([&](const QString& text) {
        asked << text;
        return true;
    });
    showActive(&panel);
    QSignalSpy settled(&panel, &CanaryPanel::settled);
    panel.setAgent(agent_);
    QTRY_VERIFY_WITH_TIMEOUT(settled.count() >= 1, kTimeout);
    auto* slider = panel.findChild<QSlider*>();
    QVERIFY(slider);
    QCOMPARE(slider->value(), 0);

    std::uint64_t mark = lastEventId();
    QVERIFY(dragSliderTo(slider, 10));
    QTRY_COMPARE_WITH_TIMEOUT(agentWeight(), 10.0, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(eventsSince(mark, "canary.changed").size(), std::size_t(1), kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(!labelContaining(&panel, "Canary receives 10 %").isEmpty(), kTimeout);
    QVERIFY(asked.isEmpty());  // 10 % is not drastic

    mark = lastEventId();
    slider->setFocus();
    QTest::keyClick(slider, Qt::Key_Home);
    QTRY_COMPARE_WITH_TIMEOUT(agentWeight(), 0.0, kTimeout);
    QCOMPARE(asked.size(), 1);  // 0 % asks first, whatever the input
    QVERIFY(asked.front().contains("Roll back"));
    QTRY_COMPARE_WITH_TIMEOUT(eventsSince(mark, "canary.changed").size(), std::size_t(1), kTimeout);
    const Event ev = eventsSince(mark, "canary.changed").front();
    QCOMPARE(ev.before.value("weight_percent", -1.0), 10.0);
    QCOMPARE(ev.after.value("weight_percent", -1.0), 0.0);
    QTRY_VERIFY_WITH_TIMEOUT(!labelContaining(&panel, "Canary receives 0 %").isEmpty(), kTimeout);
    QCOMPARE(slider->value(), 0);
    QVERIFY(labelContaining(&panel, "Canary receives 10 %").isEmpty());  // no footer left behind
}

// Keyboard steps and the wheel commit once when the user stops (one PUT, one event, not one per step);
// Enter sends at once and the pending state is shown while the PUT is in flight.
void TestControlsTrust::arrowStepsAreSentOnceWhenTheUserStops() {
    QVERIFY(client().set_canary(CanaryConfig{}).ok());
    CanaryPanel panel(dash_.get());
    int asked = 0;
    panel.setConfirm([&](const QString&) {
        ++asked;
        return true;
    });
    showActive(&panel);
    QSignalSpy settled(&panel, &CanaryPanel::settled);
    panel.setAgent(agent_);
    QTRY_VERIFY_WITH_TIMEOUT(settled.count() >= 1, kTimeout);
    auto* slider = panel.findChild<QSlider*>();
    QVERIFY(slider);
    slider->setFocus();

    std::uint64_t mark = lastEventId();
    QTest::keyClick(slider, Qt::Key_Right);
    QTest::keyClick(slider, Qt::Key_Right);
    QTest::keyClick(slider, Qt::Key_Right);
    QCOMPARE(slider->value(), 3);
    test::shot(&panel, "canary-unsent");
    QTRY_COMPARE_WITH_TIMEOUT(agentWeight(), 3.0, kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(!labelContaining(&panel, "Canary receives 3 %").isEmpty(), kTimeout);
    QTest::qWait(1000);  // nothing else may follow: the three steps were one change
    auto evs = eventsSince(mark, "canary.changed");
    QCOMPARE(evs.size(), std::size_t(1));
    QCOMPARE(evs.front().after.value("weight_percent", -1.0), 3.0);

    // Enter sends now; the confirmed weight stays on screen while the PUT is in flight, beside the pending
    // one.
    auto* pending = panel.findChild<QLabel*>("canaryPending");
    QVERIFY2(pending, "no pending indicator (QLabel canaryPending)");
    auto* confirmed = panel.findChild<QLabel*>("bigValue");
    QVERIFY(confirmed);
    QTest::keyClick(slider, Qt::Key_PageUp);  // +5
    QCOMPARE(slider->value(), 8);
    QTest::keyClick(slider, Qt::Key_Return);
    QVERIFY(pending->isVisible());
    QVERIFY2(pending->text().contains(weightText(8)), qPrintable(pending->text()));
    QCOMPARE(confirmed->text(), weightText(3));
    test::shot(&panel, "canary-pending");
    QTRY_COMPARE_WITH_TIMEOUT(confirmed->text(), weightText(8), kTimeout);
    QVERIFY(!pending->isVisible());
    QCOMPARE(agentWeight(), 8.0);

    // The wheel goes the same way.
    mark = lastEventId();
    wheel(slider, 120);
    const int wanted = slider->value();
    QVERIFY(wanted > 8);
    QTRY_COMPARE_WITH_TIMEOUT(agentWeight(), double(wanted), kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(confirmed->text(), weightText(wanted), kTimeout);
    QCOMPARE(eventsSince(mark, "canary.changed").size(), std::size_t(1));
    QCOMPARE(asked, 0);
}

// 100 % and 0 % ask first whatever the input (keyboard, quick button, drag); a cancelled confirmation snaps
// the slider back to the agent's weight and sends nothing.
void TestControlsTrust::cancelledConfirmationSnapsBackToConfirmedWeight() {
    QVERIFY(client().set_canary(CanaryConfig{20.0, {}}).ok());
    CanaryPanel panel(dash_.get());
    int asked = 0;
    panel.setConfirm([&](const QString&) {
        ++asked;
        return false;
    });
    showActive(&panel);
    QSignalSpy settled(&panel, &CanaryPanel::settled);
    panel.setAgent(agent_);
    QTRY_VERIFY_WITH_TIMEOUT(settled.count() >= 1, kTimeout);
    auto* slider = panel.findChild<QSlider*>();
    QVERIFY(slider);
    QTRY_COMPARE_WITH_TIMEOUT(slider->value(), 20, kTimeout);
    const std::uint64_t mark = lastEventId();

    slider->setFocus();
    QTest::keyClick(slider, Qt::Key_End);
    QTRY_COMPARE_WITH_TIMEOUT(asked, 1, kTimeout);
    QCOMPARE(slider->value(), 20);

    auto* promote = button(&panel, "Promote (100 %)");
    QVERIFY(promote);
    QTest::mouseClick(promote, Qt::LeftButton);
    QCOMPARE(asked, 2);
    QCOMPARE(slider->value(), 20);

    QVERIFY(dragSliderTo(slider, 0));
    QTRY_COMPARE_WITH_TIMEOUT(asked, 3, kTimeout);
    QCOMPARE(slider->value(), 20);

    QTest::qWait(800);
    QCOMPARE(agentWeight(), 20.0);
    QCOMPARE(eventsSince(mark, "canary.changed").size(), std::size_t(0));
    QVERIFY(!labelContaining(&panel, "Canary receives 20 %").isEmpty());
    auto* confirmed = panel.findChild<QLabel*>("bigValue");
    QVERIFY(confirmed);
    QCOMPARE(confirmed->text(), weightText(20));
}

// A refused PUT (a viewer token: 403) returns the display to the agent's weight with the error inline.
void TestControlsTrust::refusedChangeReturnsToConfirmedWeight() {
    QVERIFY(client().set_canary(CanaryConfig{5.0, {}}).ok());
    AgentConfig v;
    v.name = "viewer";
    v.url = server_->adminUrl();
    v.tokenFile = server_->viewerTokenFile();
    const QString viewer = dash_->addAgent(v);
    CanaryPanel panel(dash_.get());
    showActive(&panel);
    QSignalSpy settled(&panel, &CanaryPanel::settled);
    panel.setAgent(viewer);
    QTRY_VERIFY_WITH_TIMEOUT(settled.count() >= 1, kTimeout);
    QVERIFY(settled.at(0).at(0).toBool());
    auto* slider = panel.findChild<QSlider*>();
    QVERIFY(slider);
    QTRY_COMPARE_WITH_TIMEOUT(slider->value(), 5, kTimeout);
    const std::uint64_t mark = lastEventId();

    slider->setFocus();
    QTest::keyClick(slider, Qt::Key_Up);
    QTest::keyClick(slider, Qt::Key_Up);
    QTRY_VERIFY_WITH_TIMEOUT(!labelContaining(&panel, "Refused").isEmpty(), kTimeout);
    QVERIFY2(labelContaining(&panel, "Refused").contains("403"),
             qPrintable(labelContaining(&panel, "Refused")));
    QCOMPARE(slider->value(), 5);
    auto* confirmed = panel.findChild<QLabel*>("bigValue");
    QVERIFY(confirmed);
    QCOMPARE(confirmed->text(), weightText(5));
    auto* pending = panel.findChild<QLabel*>("canaryPending");
    QVERIFY(pending);
    QVERIFY(!pending->isVisible());
    QCOMPARE(agentWeight(), 5.0);
    QCOMPARE(eventsSince(mark, "canary.changed").size(), std::size_t(0));
    test::shot(&panel, "canary-refused");
    dash_->removeAgent(viewer);
}

// Roll back offers (in the real confirmation dialog) to clear the canary's fault knobs in the same change.
void TestControlsTrust::rollBackOffersToClearFaults() {
    CanaryConfig start{20.0, {40.0, 5.0, 0.1}};
    QVERIFY(client().set_canary(start).ok());
    CanaryPanel panel(dash_.get());  // the real QMessageBox confirms
    showActive(&panel);
    QSignalSpy settled(&panel, &CanaryPanel::settled);
    panel.setAgent(agent_);
    QTRY_VERIFY_WITH_TIMEOUT(settled.count() >= 1, kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(!labelContaining(&panel, "Canary receives 20 %").isEmpty(), kTimeout);
    const std::uint64_t mark = lastEventId();

    DialogAnswer answer;
    answerNextDialog(&answer, /*tick=*/true, /*accept=*/true);
    auto* rollBack = button(&panel, "Roll back (0 %)");
    QVERIFY(rollBack);
    QTest::mouseClick(rollBack, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(answer.seen, kTimeout);
    QVERIFY2(!answer.checkBoxText.isEmpty(), "roll back does not offer to clear the fault knobs");
    QVERIFY2(answer.checkBoxText.contains("fault"), qPrintable(answer.checkBoxText));
    QVERIFY(answer.checked);
    QTRY_COMPARE_WITH_TIMEOUT(agentWeight(), 0.0, kTimeout);
    const auto c = client().canary();
    QVERIFY(c.ok());
    QCOMPARE(c.value->faults, CanaryFaults{});
    // One change, one event: weight and faults together.
    QTRY_COMPARE_WITH_TIMEOUT(eventsSince(mark, "canary.changed").size(), std::size_t(1), kTimeout);
    const Event ev = eventsSince(mark, "canary.changed").front();
    QCOMPARE(ev.after.value("weight_percent", -1.0), 0.0);
    QCOMPARE(ev.after["faults"].value("latency_ms", -1.0), 0.0);
    QCOMPARE(ev.after["faults"].value("error_ratio", -1.0), 0.0);
    QTRY_VERIFY_WITH_TIMEOUT(!labelContaining(&panel, "Canary receives 0 %").isEmpty(), kTimeout);

    // Without faults there is nothing to offer; unticked, the faults stay.
    QVERIFY(client().set_canary(start).ok());
    QTRY_VERIFY_WITH_TIMEOUT(!labelContaining(&panel, "Canary receives 20 %").isEmpty(), kTimeout);
    DialogAnswer keep;
    answerNextDialog(&keep, /*tick=*/false, /*accept=*/true);
    QTest::mouseClick(rollBack, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(keep.seen, kTimeout);
    QVERIFY(!keep.checked);
    QTRY_COMPARE_WITH_TIMEOUT(agentWeight(), 0.0, kTimeout);
    QCOMPARE(client().canary().value->faults, start.faults);
    QTRY_VERIFY_WITH_TIMEOUT(!labelContaining(&panel, "Canary receives 0 %").isEmpty(), kTimeout);
    QVERIFY(client().set_canary(CanaryConfig{}).ok());
}

// The reproduction: tick Limited on an unlimited route, type -5. Refused next to the cell, Apply off,
// Ctrl+Return sends nothing; a valid edit clears every trace of the error and applies exactly what was typed.
void TestControlsTrust::negativeRateIsRefusedAndNotApplied() {
    QVERIFY(client().set_limits(LimitsConfig{}).ok());
    LimitsPanel panel(dash_.get());
    showActive(&panel);
    QSignalSpy settled(&panel, &LimitsPanel::settled);
    panel.setAgent(agent_);
    QTRY_VERIFY_WITH_TIMEOUT(settled.count() >= 1 && !panel.busy(), kTimeout);
    LimitsModel* m = panel.model();
    QTableView* v = panel.view();
    const int row = m->rowOf(kRoute);
    QVERIFY(row >= 0);
    QPushButton* apply = button(&panel, "Apply");
    QVERIFY(apply);

    v->setFocus();
    v->setCurrentIndex(m->index(row, LimitsModel::Enabled));
    QTest::keyClick(v, Qt::Key_Space);
    QCOMPARE(m->index(row, LimitsModel::Enabled).data(Qt::CheckStateRole).toInt(), int(Qt::Checked));
    QVERIFY(apply->isEnabled());

    typeInCell(v, m->index(row, LimitsModel::Rate), "-5");
    QVERIFY2(!apply->isEnabled(), "Apply stays enabled with a refused cell");
    const QString cell = m->index(row, LimitsModel::Rate).data().toString();
    QVERIFY2(cell.contains("-5"), qPrintable(cell));           // what was typed, not the previous 100
    QVERIFY2(cell.contains("must be > 0"), qPrintable(cell));  // and why, in the cell itself
    QVERIFY(m->index(row, LimitsModel::Status).data().toString().contains("must be > 0"));
    test::shot(&panel, "limits-refused");

    QTest::keyClick(v, Qt::Key_Return, Qt::ControlModifier);  // Apply's shortcut
    QVERIFY(!panel.busy());
    auto limits = client().limits();
    QVERIFY(limits.ok());
    QVERIFY(limits.value->routes.empty());

    const std::uint64_t mark = lastEventId();
    typeInCell(v, m->index(row, LimitsModel::Rate), "250");
    QVERIFY(apply->isEnabled());
    QCOMPARE(m->index(row, LimitsModel::Rate).data().toString(), QStringLiteral("250"));
    QVERIFY(!m->index(row, LimitsModel::Status).data().toString().contains("must be"));
    QVERIFY(labelContaining(&panel, "must be").isEmpty());  // no stale error anywhere
    QTest::mouseClick(apply, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy() && !m->modified(), kTimeout);
    limits = client().limits();
    QVERIFY(limits.ok());
    QCOMPARE(limits.value->routes.size(), std::size_t(1));
    QCOMPARE(limits.value->routes.at(kRoute).rate_per_s, 250.0);
    QCOMPARE(limits.value->routes.at(kRoute).burst, 100.0);
    QTRY_COMPARE_WITH_TIMEOUT(eventsSince(mark, "limits.changed").size(), std::size_t(1), kTimeout);
    const Event ev = eventsSince(mark, "limits.changed").front();
    QCOMPARE(ev.after["routes"][kRoute].value("rate_per_s", -1.0), 250.0);
    QVERIFY(client().set_limits(LimitsConfig{}).ok());
}

// "1e12" is not 112 and "12abc" is not 12: the cell keeps what was typed and says why it is refused; Escape
// in an editor abandons that one edit only; the values that are finally applied are the typed ones.
void TestControlsTrust::typedTextIsKeptAndRefusedWithReason() {
    QVERIFY(client().set_limits(LimitsConfig{}).ok());
    LimitsPanel panel(dash_.get());
    showActive(&panel);
    QSignalSpy settled(&panel, &LimitsPanel::settled);
    panel.setAgent(agent_);
    QTRY_VERIFY_WITH_TIMEOUT(settled.count() >= 1 && !panel.busy(), kTimeout);
    LimitsModel* m = panel.model();
    QTableView* v = panel.view();
    const int row = m->rowOf(kOtherRoute);
    QVERIFY(row >= 0);
    QPushButton* apply = button(&panel, "Apply");
    QVERIFY(apply);
    v->setFocus();
    v->setCurrentIndex(m->index(row, LimitsModel::Enabled));
    QTest::keyClick(v, Qt::Key_Space);

    typeInCell(v, m->index(row, LimitsModel::Rate), "1e12");
    QString cell = m->index(row, LimitsModel::Rate).data().toString();
    QVERIFY2(cell.contains("1e12"), qPrintable(cell));
    QVERIFY2(cell.contains("1000000"), qPrintable(cell));  // the bound, named
    QVERIFY(!apply->isEnabled());

    typeInCell(v, m->index(row, LimitsModel::Burst), "12abc");
    cell = m->index(row, LimitsModel::Burst).data().toString();
    QVERIFY2(cell.contains("12abc"), qPrintable(cell));
    QVERIFY2(cell.contains("not a number"), qPrintable(cell));
    QVERIFY(!apply->isEnabled());
    test::shot(&panel, "limits-refused-two");

    // Escape abandons the edit in that editor and nothing else.
    typeInCell(v, m->index(row, LimitsModel::Burst), "77", Qt::Key_Escape);
    QVERIFY(m->index(row, LimitsModel::Burst).data().toString().contains("12abc"));
    QVERIFY(m->index(row, LimitsModel::Rate).data().toString().contains("1e12"));
    QCOMPARE(m->index(row, LimitsModel::Enabled).data(Qt::CheckStateRole).toInt(), int(Qt::Checked));

    // Fixing one cell leaves the other refused (Apply still off); fixing both enables Apply.
    typeInCell(v, m->index(row, LimitsModel::Rate), "2.5e3");
    QCOMPARE(m->index(row, LimitsModel::Rate).data().toString(), QStringLiteral("2.5e3"));
    QVERIFY(!apply->isEnabled());
    QVERIFY(m->index(row, LimitsModel::Status).data().toString().contains("not a number"));
    typeInCell(v, m->index(row, LimitsModel::Burst), "40");
    QVERIFY(apply->isEnabled());
    QVERIFY(!m->index(row, LimitsModel::Status).data().toString().contains("not a number"));

    QTest::keyClick(v, Qt::Key_Return, Qt::ControlModifier);
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy() && !m->modified(), kTimeout);
    auto limits = client().limits();
    QVERIFY(limits.ok());
    QCOMPARE(limits.value->routes.at(kOtherRoute).rate_per_s, 2500.0);
    QCOMPARE(limits.value->routes.at(kOtherRoute).burst, 40.0);
    QVERIFY(client().set_limits(LimitsConfig{}).ok());
}

// Ctrl+Return while a cell's editor is still open applies what is in the editor (not the value it replaces);
// refused text in an open editor is refused, not sent.
void TestControlsTrust::ctrlReturnInAnOpenEditorSendsWhatIsTyped() {
    QVERIFY(client().set_limits(LimitsConfig{}).ok());
    LimitsPanel panel(dash_.get());
    showActive(&panel);
    QSignalSpy settled(&panel, &LimitsPanel::settled);
    panel.setAgent(agent_);
    QTRY_VERIFY_WITH_TIMEOUT(settled.count() >= 1 && !panel.busy(), kTimeout);
    LimitsModel* m = panel.model();
    QTableView* v = panel.view();
    const int row = m->rowOf(kRoute);
    QVERIFY(row >= 0);
    v->setFocus();
    v->setCurrentIndex(m->index(row, LimitsModel::Enabled));
    QTest::keyClick(v, Qt::Key_Space);

    auto typeAndApply = [&](const QString& text) {
        const QModelIndex idx = m->index(row, LimitsModel::Rate);
        v->setCurrentIndex(idx);
        QTest::keyClick(v, Qt::Key_F2);
        QWidget* editor = v->indexWidget(idx);
        QVERIFY(editor);
        QTest::keyClick(editor, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(editor, text);
        QTest::keyClick(editor, Qt::Key_Return, Qt::ControlModifier);  // Apply's shortcut, editor still open
    };
    typeAndApply("300");
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy() && !m->modified(), kTimeout);
    auto limits = client().limits();
    QVERIFY(limits.ok());
    QCOMPARE(limits.value->routes.at(kRoute).rate_per_s, 300.0);

    typeAndApply("-1");
    QVERIFY(!panel.busy());
    QVERIFY(m->index(row, LimitsModel::Rate).data().toString().contains("-1"));
    QVERIFY(m->index(row, LimitsModel::Rate).data().toString().contains("must be > 0"));
    limits = client().limits();
    QVERIFY(limits.ok());
    QCOMPARE(limits.value->routes.at(kRoute).rate_per_s, 300.0);
    QVERIFY(client().set_limits(LimitsConfig{}).ok());
}

// "N limited" in the panel's footer counts enabled limits only, after a load and after an apply.
void TestControlsTrust::footerCountsOnlyEnabledLimits() {
    LimitsConfig cfg;
    cfg.routes[kRoute] = RouteLimit{};
    RouteLimit off;
    off.enabled = false;
    cfg.routes[kOtherRoute] = off;
    QVERIFY(client().set_limits(cfg).ok());
    LimitsPanel panel(dash_.get());
    showActive(&panel);
    QSignalSpy settled(&panel, &LimitsPanel::settled);
    panel.setAgent(agent_);
    QTRY_VERIFY_WITH_TIMEOUT(settled.count() >= 1 && !panel.busy(), kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(!labelContaining(&panel, "limited").isEmpty(), kTimeout);
    QVERIFY2(labelContaining(&panel, "limited").contains("1 limited"),
             qPrintable(labelContaining(&panel, "limited")));

    // Untick the enabled one through the table and apply: none limited.
    LimitsModel* m = panel.model();
    QTableView* v = panel.view();
    v->setFocus();
    v->setCurrentIndex(m->index(m->rowOf(kRoute), LimitsModel::Enabled));
    QTest::keyClick(v, Qt::Key_Space);
    QTest::keyClick(v, Qt::Key_Return, Qt::ControlModifier);
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy() && !m->modified(), kTimeout);
    auto limits = client().limits();
    QVERIFY(limits.ok());
    QVERIFY(!limits.value->routes.at(kRoute).enabled);
    QTRY_VERIFY_WITH_TIMEOUT(labelContaining(&panel, "limited").contains("0 limited"), kTimeout);
    QVERIFY(client().set_limits(LimitsConfig{}).ok());
}

// A change made from the dashboard is recorded as "operator:<name>" (Agents > Your name…), not only the role;
// an invalid name is refused and leaves the old one in force.
void TestControlsTrust::changesNameTheOperator() {
    QVERIFY(client().set_canary(CanaryConfig{}).ok());
    QString why;
    QVERIFY(!dash_->setOperatorName("a:b", &why));
    QVERIFY(why.contains("':'"));
    QVERIFY(!dash_->setOperatorName(QString(65, 'x')));
    QVERIFY(dash_->setOperatorName("alice"));
    QCOMPARE(dash_->operatorName(), QString("alice"));
    QVERIFY(!dash_->setOperatorName("bad\u0001name"));
    QCOMPARE(dash_->operatorName(), QString("alice"));  // the refused name changed nothing

    CanaryPanel panel(dash_.get());
    panel.setConfirm([](const QString&) { return true; });
    showActive(&panel);
    QSignalSpy settled(&panel, &CanaryPanel::settled);
    panel.setAgent(agent_);
    QTRY_VERIFY_WITH_TIMEOUT(settled.count() >= 1, kTimeout);
    auto* slider = panel.findChild<QSlider*>();
    QVERIFY(slider);
    const std::uint64_t mark = lastEventId();
    QVERIFY(dragSliderTo(slider, 20));
    QTRY_COMPARE_WITH_TIMEOUT(eventsSince(mark, "canary.changed").size(), std::size_t(1), kTimeout);
    QCOMPARE(eventsSince(mark, "canary.changed").front().actor, std::string("operator:alice"));
    // Back to the default ($USER, else "dashboard") for the other tests.
    QVERIFY(dash_->setOperatorName(QString()));
    QVERIFY(dash_->operatorName() != "alice");
    QVERIFY(client().set_canary(CanaryConfig{}).ok());
}

QTEST_MAIN(TestControlsTrust)
#include "tst_controls_trust.moc"
