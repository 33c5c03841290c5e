// GUI test of the rollout plan editor's full plan (every field of RolloutSpec and AnalysisConfig,
// core/rollout.h) as an operator types it, against a real redline-sample-server (port 0): the "Advanced
// analysis" section opens from the keyboard, Tab walks every box in the order they are shown, odd values
// typed by keys are what the agent stores (GET /v1/rollout compared with the text of every box), a value the
// agent's parser refuses is shown beside its box and nothing is sent, an error on a hidden box opens the
// section, and an agent's plan with more digits than a box shows is sent as shown. Screenshots with
// REDLINE_SCREENSHOT_DIR.
#include <QAbstractSpinBox>
#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include "core/agent_client.h"
#include "core/rollout.h"
#include "tests/support/gui_fixture.h"
#include "tests/support/rollout_gui.h"
#include "ui/models/rollout_plan_model.h"
#include "ui/pages/canary_panel.h"
#include "ui/pages/rollout_panel.h"
#include "ui/session/agent_connection.h"
#include "ui/session/dashboard.h"
#include "ui/widgets/rollout_plan_editor.h"
#include "ui/widgets/theme.h"

using namespace redline;
using namespace redline::ui;

static void initRedlineResources() {
    Q_INIT_RESOURCE(redline);  // the themes' style sheets, for the screenshots
}

namespace {
constexpr int kTimeout = 20000;

/// Every number box of the editor, in the order they are shown (and Tab visits them), with an odd value.
struct Odd {
    const char* field;
    const char* typed;
    double value;
};
const Odd kOdd[] = {
    {"analysis.window_s", "17", 17},
    {"analysis.p99.max_increase_percent", "27.5", 27.5},
    {"analysis.p99.max_increase_ms", "6.125", 6.125},
    {"analysis.max_error_increase_pp", "0.37", 0.37},
    {"analysis.alpha", "0.0037", 0.0037},
    {"analysis.min_requests", "77", 77},
    {"analysis.failure_windows", "7", 7},
    {"analysis.pass_windows", "9", 9},
    {"analysis.warmup_s", "13", 13},
    {"analysis.max_superiority", "0.731", 0.731},
    {"analysis.max_shift_ms", "2.25", 2.25},
    {"analysis.p50.max_increase_percent", "33.3", 33.3},
    {"analysis.p50.max_increase_ms", "7.5", 7.5},
    {"analysis.p95.max_increase_percent", "41.7", 41.7},
    {"analysis.p95.max_increase_ms", "8.25", 8.25},
    {"analysis.max_cache_hit_decrease_pp", "4.44", 4.44},
    {"analysis.max_rate_limited_increase_pp", "0.73", 0.73},
    {"max_downtime_s", "321", 321},
};

/// The member of a spec's JSON named by a dotted field ("analysis.p50.max_increase_ms"); null when absent.
nlohmann::json member(nlohmann::json j, const QString& field) {
    for (const QString& part : field.split('.')) {
        if (!j.is_object() || !j.contains(part.toStdString())) return nullptr;
        nlohmann::json next = j.at(part.toStdString());
        j = std::move(next);
    }
    return j;
}

/// The number a box shows (its text without the suffix), read as a user reads it.
double shown(const QAbstractSpinBox* box) {
    bool ok = false;
    const double v =
        QLocale().toDouble(box->text().remove(box->property("suffix").toString()).trimmed(), &ok);
    return ok ? v : std::nan("");
}

bool hasFocus(QWidget* w) {
    QWidget* f = QApplication::focusWidget();
    return f && (f == w || w->isAncestorOf(f));
}

QLabel* errorBeside(RolloutPlanEditor* editor, const QString& field) {
    for (auto* l : editor->findChildren<QLabel*>("inlineError"))
        if (l->property("errorFor").toString() == field) return l;
    return nullptr;
}

/// Selects the box's number and types text, as a user does.
void typeInto(QAbstractSpinBox* box, const char* text) {
    QTest::keyClick(box, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(box, QString::fromLatin1(text));
}
}  // namespace

class TestRolloutPlanFields : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void everyFieldByKeysIsWhatTheAgentStores();
    void aRefusedValueIsShownBesideItsBox_data();
    void aRefusedValueIsShownBesideItsBox();
    void anErrorOnAHiddenFieldOpensTheSection();
    void anAgentsPlanWithMoreDigitsIsSentAsShown();

  private:
    struct Ui {
        std::unique_ptr<Dashboard> d;
        std::unique_ptr<CanaryPanel> canary;
        RolloutPanel* rollout = nullptr;
        RolloutPlanEditor* editor = nullptr;
    };
    void open(Ui& u);
    /// Ends an active rollout through the API (not the panel under test).
    void endRollout();

    QTemporaryDir dir_;
    std::unique_ptr<CurlGlobal> curl_;
    std::unique_ptr<SampleServerProcess> server_;
    std::unique_ptr<AgentClient> admin_;
};

void TestRolloutPlanFields::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    if (qEnvironmentVariableIsSet("REDLINE_SCREENSHOT_DIR")) {
        initRedlineResources();
        Theme::apply(*qApp, Theme::Mode::System);
    }
    curl_ = std::make_unique<CurlGlobal>();
    QVERIFY(dir_.isValid());
    server_ = test::startSampleServer(dir_.filePath("sample"), 50, 1);
    QVERIFY2(server_, "redline-sample-server did not start (is it built?)");
    auto token = read_token_file(server_->operatorTokenFile().toStdString());
    QVERIFY(token);
    admin_ = std::make_unique<AgentClient>(server_->adminUrl().toStdString(), *token);
}

void TestRolloutPlanFields::cleanupTestCase() {
    if (server_) QVERIFY(server_->stop(10000));
}

void TestRolloutPlanFields::init() {
    endRollout();
}

void TestRolloutPlanFields::endRollout() {
    if (!admin_) return;
    if (auto st = test::agentRollout(*admin_); st && rollout_active(st->state))
        QVERIFY(admin_->call_json("POST", "/v1/rollout/abort").ok());
}

void TestRolloutPlanFields::open(Ui& u) {
    u.d = std::make_unique<Dashboard>();
    u.d->setStreamIntervalMs(250);
    const QString id = test::addAgent(*u.d, "operator", *server_);
    QVERIFY(test::waitLive(*u.d, id, kTimeout));
    QTRY_VERIFY_WITH_TIMEOUT(u.d->connection(id)->role() == QLatin1String("operator"), kTimeout);
    u.canary = std::make_unique<CanaryPanel>(u.d.get());
    u.canary->resize(1280, 1400);
    u.canary->setAgent(id);
    u.canary->show();
    QVERIFY(QTest::qWaitForWindowActive(u.canary.get()));
    u.rollout = u.canary->rollout();
    u.editor = u.rollout->editor();
    QTRY_VERIFY_WITH_TIMEOUT(u.rollout->status().has_value(), kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(u.rollout->button(RolloutAction::Start)->isEnabled(), kTimeout);
    u.editor->setSpec(RolloutSpec{{{5, 600}, {100, 0}}});  // stays in its first step while the test looks
    u.editor->setAdvancedVisible(false);
}

void TestRolloutPlanFields::everyFieldByKeysIsWhatTheAgentStores() {
    Ui u;
    open(u);
    RolloutPlanEditor* e = u.editor;
    QCOMPARE(e->fields().size(), int(std::size(kOdd)));  // the table below names every box

    // On failure: the combo box, by keys.
    auto* onFailure = e->findChild<QComboBox*>("rolloutOnFailure");
    QVERIFY(onFailure);
    onFailure->setFocus(Qt::TabFocusReason);
    QVERIFY(hasFocus(onFailure));
    QTest::keyClick(onFailure, Qt::Key_Down);
    QCOMPARE(onFailure->currentData().toString(), QStringLiteral("pause"));

    // Tab from box to box, in the order they are shown; the toggle sits between the main and the advanced
    // boxes and opens the section with Space.
    auto* toggle = e->findChild<QToolButton*>("rolloutAdvancedToggle");
    QVERIFY(toggle);
    QVERIFY(!e->advancedVisible());
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    for (const Odd& o : kOdd) {
        QAbstractSpinBox* box = e->fieldEditor(QString::fromLatin1(o.field));
        QVERIFY2(box, o.field);
        if (QString::fromLatin1(o.field) == "analysis.alpha") {
            QVERIFY2(hasFocus(toggle), qPrintable(QApplication::focusWidget()->objectName()));
            QTest::keyClick(toggle, Qt::Key_Space);
            QVERIFY(e->advancedVisible());
            QVERIFY(box->isVisible());
            QTest::keyClick(toggle, Qt::Key_Tab);
        }
        QVERIFY2(hasFocus(box), qPrintable(QStringLiteral("%1: focus is on %2")
                                               .arg(o.field, QApplication::focusWidget()->objectName())));
        typeInto(box, o.typed);
        QVERIFY2(shown(box) == o.value, qPrintable(QStringLiteral("%1 shows %2").arg(o.field, box->text())));
        QTest::keyClick(box, Qt::Key_Tab);
    }
    QVERIFY2(e->errorTexts().isEmpty(), qPrintable(e->errorTexts().join("; ")));
    for (auto* l : e->findChildren<QLabel*>("inlineError"))
        QVERIFY2(!l->isVisible(), qPrintable(l->property("errorFor").toString()));
    QTest::qWait(50);  // the layouts settle (a label hidden while typing gives its room back)
    test::shot(u.rollout, "rollout-advanced-analysis");

    // Start: the plan goes to the agent (PUT), then start; what the agent keeps is what the boxes show.
    QTest::mouseClick(u.rollout->button(RolloutAction::Start), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(u.rollout->status() && u.rollout->status()->state == RolloutState::Progressing,
                             kTimeout);
    auto r = admin_->call_json("GET", "/v1/rollout");
    QVERIFY(r.ok());
    const nlohmann::json spec = r.value->at("spec");
    for (const Odd& o : kOdd) {
        const nlohmann::json v = member(spec, QString::fromLatin1(o.field));
        QVERIFY2(v.is_number(), o.field);
        QAbstractSpinBox* box = e->fieldEditor(QString::fromLatin1(o.field));
        QVERIFY2(v.get<double>() == shown(box),
                 qPrintable(QStringLiteral("%1: agent %2, editor shows %3")
                                .arg(o.field, QString::fromStdString(v.dump()), box->text())));
        QVERIFY2(v.get<double>() == o.value, o.field);
    }
    QCOMPARE(spec.at("on_failure").get<std::string>(), std::string("pause"));
    QCOMPARE(spec.at("steps").size(), std::size_t(2));
    QCOMPARE(spec.at("steps").at(0).at("hold_s").get<int>(), 600);
    // The running plan is not edited, and the boxes still show it.
    QVERIFY(!e->fieldEditor("analysis.alpha")->isEnabled());
    QCOMPARE(shown(e->fieldEditor("analysis.alpha")), 0.0037);
    endRollout();
}

void TestRolloutPlanFields::aRefusedValueIsShownBesideItsBox_data() {
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("bad");
    QTest::addColumn<double>("badValue");
    QTest::addColumn<QString>("good");
    QTest::newRow("alpha 0") << "analysis.alpha"
                             << "0" << 0.0 << "0.01";
    QTest::newRow("superiority 0.5") << "analysis.max_superiority"
                                     << "0.5" << 0.5 << "0.75";
    QTest::newRow("min_requests 0") << "analysis.min_requests"
                                    << "0" << 0.0 << "20";
    QTest::newRow("pass_windows 0") << "analysis.pass_windows"
                                    << "0" << 0.0 << "2";
    QTest::newRow("window 0") << "analysis.window_s"
                              << "0" << 0.0 << "5";
}

void TestRolloutPlanFields::aRefusedValueIsShownBesideItsBox() {
    QFETCH(QString, field);
    QFETCH(QString, bad);
    QFETCH(double, badValue);
    QFETCH(QString, good);
    Ui u;
    open(u);
    u.editor->setAdvancedVisible(true);
    QAbstractSpinBox* box = u.editor->fieldEditor(field);
    QVERIFY(box);
    box->setFocus(Qt::MouseFocusReason);
    typeInto(box, bad.toLatin1().constData());
    QCOMPARE(shown(box), badValue);
    // The message is the agent's parser's, for the same plan.
    nlohmann::json j = u.editor->spec();
    const auto parsed = parse_rollout_spec(j);
    QVERIFY(!parsed.ok());
    QString expected;
    for (const auto& fe : parsed.errors())
        if (QString::fromStdString(fe.field) == field) expected = QString::fromStdString(fe.message);
    QVERIFY2(!expected.isEmpty(), qPrintable(field));
    QLabel* label = errorBeside(u.editor, field);
    QVERIFY(label);
    QTRY_VERIFY(label->isVisible());
    // (under a row of two boxes, named by its field)
    QVERIFY2(label->text() == expected || label->text() == field.section('.', -1) + ": " + expected,
             qPrintable(label->text()));
    // Beside the box: right under it, aligned with it.
    const QRect b(box->mapTo(u.editor, QPoint(0, 0)), box->size());
    const QRect l(label->mapTo(u.editor, QPoint(0, 0)), label->size());
    QVERIFY2(l.top() >= b.bottom() && l.top() - b.bottom() < 12 && l.left() == b.left(),
             qPrintable(QStringLiteral("box %1,%2 %3x%4, label %5,%6")
                            .arg(b.x())
                            .arg(b.y())
                            .arg(b.width())
                            .arg(b.height())
                            .arg(l.x())
                            .arg(l.y())));
    QTest::qWait(50);  // the layouts settle
    test::shot(u.rollout, "rollout-refused-field");

    // Start sends nothing.
    const int events = test::rolloutEvents(*admin_);
    const auto before = test::agentRollout(*admin_);
    QTest::mouseClick(u.rollout->button(RolloutAction::Start), Qt::LeftButton);
    QVERIFY(!u.rollout->busy());
    QTest::qWait(300);
    QCOMPARE(test::rolloutEvents(*admin_), events);
    QCOMPARE(test::agentRollout(*admin_)->spec, before->spec);
    // Fixing it clears the error at once.
    box->setFocus(Qt::MouseFocusReason);
    typeInto(box, good.toLatin1().constData());
    QVERIFY(!label->isVisible());
    QVERIFY2(u.editor->errorTexts().isEmpty(), qPrintable(u.editor->errorTexts().join("; ")));
}

void TestRolloutPlanFields::anErrorOnAHiddenFieldOpensTheSection() {
    // A server 400 names a box behind the closed toggle: the section opens and the reason is beside the box.
    RolloutPlanEditor editor;
    editor.resize(500, 1200);
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    editor.setAdvancedVisible(false);
    QVERIFY(!editor.fieldEditor("analysis.p95.max_increase_ms")->isVisible());
    QCOMPARE(editor.showErrors({{"analysis.p95.max_increase_ms", "must be 0 to 60000, got 70000"}}), 1);
    QVERIFY(editor.advancedVisible());
    QVERIFY(editor.fieldEditor("analysis.p95.max_increase_ms")->isVisible());
    QLabel* label = errorBeside(&editor, "analysis.p95.max_increase_ms");
    QVERIFY(label && label->isVisible());
    QCOMPARE(label->text(), QStringLiteral("max_increase_ms: must be 0 to 60000, got 70000"));
    QCOMPARE(editor.errorTexts(), QStringList{"analysis.p95.max_increase_ms: must be 0 to 60000, got 70000"});
    // Main fields' errors leave the section as it is.
    editor.setAdvancedVisible(false);
    editor.showErrors({{"analysis.window_s", "must be 1 to 60"}});
    QVERIFY(!editor.advancedVisible());
    QVERIFY(errorBeside(&editor, "analysis.window_s")->isVisible());
}

void TestRolloutPlanFields::anAgentsPlanWithMoreDigitsIsSentAsShown() {
    // A plan PUT by another client (redlinectl) with more digits than the boxes show.
    RolloutSpec theirs{{{5, 600}, {100, 0}}};
    theirs.analysis.alpha = 0.000123456789;
    theirs.analysis.max_shift_ms = 1.23456;
    theirs.analysis.p99.max_increase_percent = 12.34567;
    const nlohmann::json body = theirs;
    QVERIFY(admin_->call_json("PUT", "/v1/rollout", &body).ok());
    Ui u;
    open(u);
    // The editor follows the agent's plan while it is not edited (open() showed another one: the next answer
    // brings the agent's back).
    QTRY_VERIFY_WITH_TIMEOUT(u.editor->loadedSpec() == theirs, kTimeout);
    QVERIFY(!u.editor->edited());
    u.editor->setAdvancedVisible(true);
    QCOMPARE(u.editor->fieldEditor("analysis.alpha")->text(), QStringLiteral("0.00012346"));
    QCOMPARE(shown(u.editor->fieldEditor("analysis.max_shift_ms")), 1.235);
    QCOMPARE(shown(u.editor->fieldEditor("analysis.p99.max_increase_percent")), 12.346);
    // Polls do not reload the plan again and again (the table keeps its current cell).
    QTableView* table = u.editor->table();
    table->setCurrentIndex(table->model()->index(1, RolloutPlanModel::HoldCol));
    QTest::qWait(2500);
    QCOMPARE(table->currentIndex().row(), 1);
    QVERIFY(!u.editor->edited());

    QTest::mouseClick(u.rollout->button(RolloutAction::Start), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(u.rollout->status() && u.rollout->status()->state == RolloutState::Progressing,
                             kTimeout);
    const auto agent = test::agentRollout(*admin_);
    QVERIFY(agent && agent->spec);
    // Exactly (not fuzzily) the values shown.
    QVERIFY(agent->spec->analysis.alpha == shown(u.editor->fieldEditor("analysis.alpha")));
    QVERIFY(agent->spec->analysis.alpha == 0.00012346);
    QVERIFY(agent->spec->analysis.max_shift_ms == 1.235);
    QVERIFY(agent->spec->analysis.p99.max_increase_percent == 12.346);
    endRollout();
}

QTEST_MAIN(TestRolloutPlanFields)
#include "tst_rollout_plan_fields.moc"
