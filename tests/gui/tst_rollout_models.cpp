// The rollout panel's models without an agent: the scorecard (ScorecardModel) fed from JSON written by
// to_json(RolloutStatus) and read back by parse_rollout_status, as the panel gets it from GET /v1/rollout;
// the plan steps (RolloutPlanModel) with their edits and field errors; which verbs each state allows. Every
// model runs under QAbstractItemModelTester.
#include <QAbstractItemModelTester>
#include <QBrush>
#include <QSignalSpy>
#include <QtTest>

#include "core/event.h"
#include "core/rollout.h"
#include "ui/models/events_model.h"
#include "ui/models/figure_text.h"
#include "ui/models/rollout_plan_model.h"
#include "ui/models/scorecard_model.h"
#include "ui/session/rollout_calls.h"
#include "ui/widgets/chart_view.h"
#include "ui/widgets/theme.h"

using namespace redline;
using namespace redline::ui;

namespace {

MetricScore metric(std::string name, std::string unit, std::optional<double> stable,
                   std::optional<double> canary, std::optional<double> allowed, Verdict v,
                   std::optional<double> p = std::nullopt) {
    MetricScore m;
    m.metric = std::move(name);
    m.unit = std::move(unit);
    m.stable = stable;
    m.canary = canary;
    if (stable && canary) m.difference = *canary - *stable;
    m.allowed = allowed;
    m.p_value = p;
    m.verdict = v;
    m.n_stable = 400;
    m.n_canary = 120;
    m.needed = 50;
    m.detail = "detail of " + m.metric;
    return m;
}

/// A rollout rolled back at step 2 of 4 by a p99 regression, as the agent would serve it.
RolloutStatus rolledBack(double canaryP99 = 61.5) {
    RolloutStatus s;
    s.spec = RolloutSpec{{{5, 30}, {25, 60}, {50, 60}, {100, 0}}};
    s.state = RolloutState::RolledBack;
    s.step = 1;
    s.weight_percent = 0;
    s.reason = "p99 latency failed 3 windows in a row: canary 61.5 ms vs stable 11.2 ms";
    s.started_ms = 1'700'000'000'000;
    Scorecard c;
    c.epoch = 1'700'000'100;
    c.window_s = 10;
    c.verdict = Verdict::Fail;
    c.stable_requests = 400;
    c.canary_requests = 120;
    c.metrics = {
        metric("latency", "P(canary>stable)", 0.5, 0.93, 0.6, Verdict::Fail, 1e-9),
        metric("p50", "ms", 4.0, 52.0, 9.0, Verdict::Fail, 1e-6),
        metric("p95", "ms", 9.5, 58.0, 14.5, Verdict::Fail, 1e-6),
        metric("p99", "ms", 11.2, canaryP99, 16.2, Verdict::Fail, 0.00042),
        metric("error_ratio", "%", 0.0, 0.0, 1.0, Verdict::Pass, 0.5),
        metric("cache_hit_ratio", "%", std::nullopt, std::nullopt, std::nullopt, Verdict::NotApplicable),
        metric("rate_limited_ratio", "%", 0.0, 0.0, 1.0, Verdict::Inconclusive)};
    c.metrics[6].needed = 500;
    s.scorecard = c;
    return s;
}

/// Through the wire form, as the panel receives it.
RolloutStatus viaJson(const RolloutStatus& s) {
    std::string error;
    auto back = parse_rollout_status(nlohmann::json::parse(nlohmann::json(s).dump()), &error);
    if (!back) qFatal("parse_rollout_status: %s", error.c_str());
    return *back;
}

QString cell(const ScorecardModel& m, const QString& metric, int col, int role = Qt::DisplayRole) {
    return m.index(m.rowOf(metric), col).data(role).toString();
}

}  // namespace

class TestRolloutModels : public QObject {
    Q_OBJECT
  private slots:
    void scorecardShowsTheAgentsFigures();
    void scorecardUpdatesInPlaceAndResetsOnANewSet();
    void scorecardGreysWhenStale();
    void latencyReadsInAdaptiveUnits_data();
    void latencyReadsInAdaptiveUnits();
    void planEditsMovesAndRemovals();
    void planErrorsLandOnTheirRows();
    void rolloutEventsReadAsOneLine();
    void actionsPerState_data();
    void actionsPerState();
};

void TestRolloutModels::scorecardShowsTheAgentsFigures() {
    ScorecardModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(m.rowCount(), 0);
    const RolloutStatus s = viaJson(rolledBack());
    QVERIFY(s.scorecard);
    m.setScorecard(s.scorecard);
    QCOMPARE(m.rowCount(), 7);
    QCOMPARE(m.columnCount(), int(ScorecardModel::ColumnCount));
    QCOMPARE(cell(m, "p99", ScorecardModel::MetricCol), QStringLiteral("p99 latency"));
    QCOMPARE(cell(m, "p99", ScorecardModel::StableCol), QStringLiteral("11.2 ms"));
    QCOMPARE(cell(m, "p99", ScorecardModel::CanaryCol), QStringLiteral("61.5 ms"));
    QCOMPARE(cell(m, "p99", ScorecardModel::DifferenceCol), QStringLiteral("+50.3 ms"));
    QCOMPARE(cell(m, "p99", ScorecardModel::AllowedCol), QStringLiteral("≤ 16.2 ms"));
    QCOMPARE(cell(m, "p99", ScorecardModel::PValueCol), QStringLiteral("0.0004"));
    QCOMPARE(cell(m, "p99", ScorecardModel::SamplesCol), QStringLiteral("400 / 120 (≥ 50)"));
    QCOMPARE(cell(m, "latency", ScorecardModel::PValueCol), QStringLiteral("< 0.0001"));
    QCOMPARE(cell(m, "latency", ScorecardModel::CanaryCol), QStringLiteral("0.930"));
    // The verdict is a word, not only a colour; fail and pass differ in colour too.
    QVERIFY(cell(m, "p99", ScorecardModel::VerdictCol).contains("FAIL"));
    QVERIFY(cell(m, "error_ratio", ScorecardModel::VerdictCol).contains("pass"));
    QVERIFY(cell(m, "rate_limited_ratio", ScorecardModel::VerdictCol).contains("inconclusive"));
    QCOMPARE(cell(m, "rate_limited_ratio", ScorecardModel::SamplesCol), QStringLiteral("400 / 120 (≥ 500)"));
    const auto fail =
        m.index(m.rowOf("p99"), ScorecardModel::VerdictCol).data(Qt::ForegroundRole).value<QBrush>();
    const auto pass =
        m.index(m.rowOf("error_ratio"), ScorecardModel::VerdictCol).data(Qt::ForegroundRole).value<QBrush>();
    QVERIFY(fail.color() != pass.color());
    // Absence is not zero.
    QCOMPARE(cell(m, "cache_hit_ratio", ScorecardModel::StableCol), QStringLiteral("—"));
    QCOMPARE(cell(m, "cache_hit_ratio", ScorecardModel::DifferenceCol), QStringLiteral("—"));
    QCOMPARE(cell(m, "error_ratio", ScorecardModel::StableCol), QStringLiteral("0.00 %"));
    // Sub-millisecond latencies are shown in µs, not as "0.00 ms"; a rounding-to-zero difference has no sign.
    Scorecard small = *s.scorecard;
    small.metrics[1].stable = 0.0104;
    small.metrics[1].difference = -0.001;
    small.metrics[5].difference = -0.0000001;
    m.setScorecard(small);
    QCOMPARE(cell(m, "p50", ScorecardModel::StableCol), QStringLiteral("10.4 µs"));
    QCOMPARE(cell(m, "p50", ScorecardModel::DifferenceCol), QStringLiteral("-1 µs"));
    QCOMPARE(cell(m, "cache_hit_ratio", ScorecardModel::DifferenceCol), QStringLiteral("0.0000 %"));
    // A hit ratio may fall to its bound, the others rise to theirs.
    small.metrics[5].allowed = 75.0;
    m.setScorecard(small);
    QVERIFY2(cell(m, "cache_hit_ratio", ScorecardModel::AllowedCol).startsWith(QStringLiteral("≥ 75")),
             qPrintable(cell(m, "cache_hit_ratio", ScorecardModel::AllowedCol)));
    QVERIFY(cell(m, "error_ratio", ScorecardModel::AllowedCol).startsWith(QStringLiteral("≤ ")));
    // The detail is every cell's tooltip.
    QVERIFY(cell(m, "p99", ScorecardModel::CanaryCol, Qt::ToolTipRole).contains("detail of p99"));
    QCOMPARE(m.index(m.rowOf("p99"), 0).data(ScorecardModel::VerdictRole).toInt(), int(Verdict::Fail));
}

void TestRolloutModels::scorecardUpdatesInPlaceAndResetsOnANewSet() {
    ScorecardModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.setScorecard(viaJson(rolledBack()).scorecard);
    QSignalSpy resets(&m, &QAbstractItemModel::modelReset);
    QSignalSpy changes(&m, &QAbstractItemModel::dataChanged);
    m.setScorecard(viaJson(rolledBack(70.0)).scorecard);  // the next second: same metrics, new values
    QCOMPARE(resets.count(), 0);
    QCOMPARE(changes.count(), 1);
    QCOMPARE(cell(m, "p99", ScorecardModel::CanaryCol), QStringLiteral("70.0 ms"));
    m.setScorecard(viaJson(rolledBack(70.0)).scorecard);  // nothing new: no signal
    QCOMPARE(changes.count(), 1);
    Scorecard fewer = *viaJson(rolledBack()).scorecard;
    fewer.metrics.resize(3);
    m.setScorecard(fewer);
    QCOMPARE(resets.count(), 1);
    QCOMPARE(m.rowCount(), 3);
    m.setScorecard(std::nullopt);
    QCOMPARE(m.rowCount(), 0);
}

void TestRolloutModels::scorecardGreysWhenStale() {
    ScorecardModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.setScorecard(viaJson(rolledBack()).scorecard);
    const QModelIndex v = m.index(m.rowOf("p99"), ScorecardModel::VerdictCol);
    const QColor live = v.data(Qt::ForegroundRole).value<QBrush>().color();
    QSignalSpy changes(&m, &QAbstractItemModel::dataChanged);
    m.setStale(true);
    QCOMPARE(changes.count(), 1);
    QVERIFY(changes.at(0).at(2).value<QList<int>>().contains(Qt::ForegroundRole));
    QVERIFY(v.data(Qt::ForegroundRole).value<QBrush>().color() != live);
    QVERIFY(v.data().toString().contains("FAIL"));  // still says what it said
}

void TestRolloutModels::latencyReadsInAdaptiveUnits_data() {
    // One helper for the scorecard and the stable-versus-canary table (ui/models/figure_text.h).
    QTest::addColumn<double>("ms");
    QTest::addColumn<bool>("signedValue");
    QTest::addColumn<QString>("text");
    QTest::newRow("60 us") << 0.06 << false << QStringLiteral("60 µs");
    QTest::newRow("8.16 us") << 0.00816 << false << QStringLiteral("8.16 µs");
    QTest::newRow("999.4 us") << 0.9994 << false << QStringLiteral("999 µs");
    QTest::newRow("999.6 us is 1 ms") << 0.9996 << false << QStringLiteral("1.00 ms");
    QTest::newRow("4.2 ms") << 4.2 << false << QStringLiteral("4.20 ms");
    QTest::newRow("9.996 ms") << 9.996 << false << QStringLiteral("10.0 ms");
    QTest::newRow("40.1 ms") << 40.1 << false << QStringLiteral("40.1 ms");
    QTest::newRow("zero") << 0.0 << false << QStringLiteral("0.00 ms");
    QTest::newRow("+ difference") << 0.5 << true << QStringLiteral("+500 µs");
    QTest::newRow("- difference") << -12.25 << true << QStringLiteral("-12.3 ms");
    QTest::newRow("rounds to zero: no sign") << -1e-9 << true << QStringLiteral("0.00 ms");
    QTest::newRow("a nanosecond") << 1e-6 << false << QStringLiteral("0.001 µs");
    QTest::newRow("not finite") << std::nan("") << false << QStringLiteral("—");
}

void TestRolloutModels::latencyReadsInAdaptiveUnits() {
    QFETCH(double, ms);
    QFETCH(bool, signedValue);
    QFETCH(QString, text);
    QCOMPARE(latencyText(ms, signedValue), text);
}

void TestRolloutModels::planEditsMovesAndRemovals() {
    RolloutPlanModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy edited(&m, &RolloutPlanModel::edited);
    QCOMPARE(m.steps(), RolloutPlanModel::defaultSteps());
    QVERIFY(m.flags(m.index(0, RolloutPlanModel::WeightCol)) & Qt::ItemIsEditable);
    QVERIFY(!(m.flags(m.index(0, RolloutPlanModel::ProblemCol)) & Qt::ItemIsEditable));
    QCOMPARE(m.headerData(1, Qt::Vertical).toString(), QStringLiteral("Step 2"));
    QVERIFY(m.setData(m.index(0, RolloutPlanModel::WeightCol), 10.0));
    QVERIFY(m.setData(m.index(0, RolloutPlanModel::HoldCol), 45));
    QCOMPARE(m.steps()[0], (RolloutStep{10, 45}));
    QVERIFY(!m.setData(m.index(0, RolloutPlanModel::WeightCol), QStringLiteral("ten")));
    QCOMPARE(m.addStep(0), 1);  // between 10 % and 25 %
    QCOMPARE(m.rowCount(), 5);
    QCOMPARE(m.steps()[1].weight_percent, 18.0);
    QCOMPARE(m.moveStep(1, +1), 2);
    QCOMPARE(m.steps()[1].weight_percent, 25.0);
    QCOMPARE(m.moveStep(0, -1), 0);  // the first cannot move up
    QVERIFY(m.removeStep(2));
    QVERIFY(!m.removeStep(9));
    QCOMPARE(m.steps(), (std::vector<RolloutStep>{{10, 45}, {25, 60}, {50, 60}, {100, 0}}));
    QCOMPARE(m.index(3, RolloutPlanModel::HoldCol).data().toString(), QStringLiteral("— (promoted)"));
    QCOMPARE(edited.count(), 5);
}

void TestRolloutModels::planErrorsLandOnTheirRows() {
    RolloutPlanModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    // The errors parse_rollout_spec gives a plan whose weights go down and whose 100 % step is not last.
    m.setSteps({{50, 30}, {25, 30}, {100, 30}, {100, 0}});
    const auto parsed = parse_rollout_spec(nlohmann::json(RolloutSpec{m.steps()}));
    QVERIFY(!parsed.ok());
    const auto rest = m.setErrors(parsed.errors());
    QVERIFY(rest.empty());
    QVERIFY(m.hasErrors());
    QVERIFY(m.rowError(0).isEmpty());
    QVERIFY2(m.rowError(1).contains("previous step"), qPrintable(m.rowError(1)));
    QVERIFY2(m.rowError(2).contains("last step"), qPrintable(m.rowError(2)));
    QVERIFY(!m.index(1, RolloutPlanModel::WeightCol).data(RolloutPlanModel::ErrorRole).toString().isEmpty());
    QVERIFY(m.index(1, RolloutPlanModel::HoldCol).data(RolloutPlanModel::ErrorRole).toString().isEmpty());
    QCOMPARE(m.index(1, RolloutPlanModel::ProblemCol).data().toString(), m.rowError(1));
    // A server error on a field the table does not show comes back to the caller.
    const auto other = m.setErrors({{"steps[1].hold_s", "too long"}, {"analysis.alpha", "too big"}});
    QCOMPARE(other.size(), std::size_t(1));
    QCOMPARE(other[0].field, std::string("analysis.alpha"));
    QVERIFY(m.rowError(1).contains("too long"));
    QVERIFY(m.rowError(2).isEmpty());  // replaced, not added
    m.setErrors({});
    QVERIFY(!m.hasErrors());
}

void TestRolloutModels::rolloutEventsReadAsOneLine() {
    // rollout.rolled_back carries the status with its scorecard: the marker's tooltip says what failed, not a
    // dump of its leaves.
    Event e;
    e.kind = "rollout.rolled_back";
    e.actor = "agent";
    e.message = rolledBack().reason;
    e.after = nlohmann::json(rolledBack());
    const QString after = EventsModel::sideText(e, EventsModel::After);
    QVERIFY2(after.startsWith("rolled_back at step 2 of 4, canary 0 %"), qPrintable(after));
    QVERIFY2(after.contains("failing: latency distribution"), qPrintable(after));
    QVERIFY2(after.contains("p99 latency (canary 61.5, allowed ≤ 16.2 ms)"), qPrintable(after));
    QVERIFY(!after.contains("error ratio"));  // it passed
    const QString tip = EventsModel::describe(e);
    QVERIFY2(tip.contains("rollout.rolled_back") && tip.contains(after.toHtmlEscaped()), qPrintable(tip));
    Event spec;
    spec.kind = "rollout.spec";
    spec.after = nlohmann::json(RolloutSpec{RolloutPlanModel::defaultSteps()});
    QCOMPARE(EventsModel::sideText(spec, EventsModel::After),
             QStringLiteral("plan: 5 % 30 s → 25 % 60 s → 50 % 60 s → 100 %; on failure rollback"));
    // On the charts: their own marker category (the Markers menu can hide them), failures in the breach
    // colour.
    QCOMPARE(ChartView::markerCategory("rollout.step"), QStringLiteral("rollout"));
    QCOMPARE(ChartView::markerColor("rollout.rolled_back"), colors::bad);
    QCOMPARE(ChartView::markerColor("rollout.promoted"), colors::good);
    QVERIFY(ChartView::markerColor("rollout.step") != ChartView::markerColor("canary.changed"));
    QVERIFY(ChartView::markerColor("rollout.step") != colors::stale);
    // Other kinds are untouched.
    Event other;
    other.kind = "canary.changed";
    other.after = nlohmann::json{{"weight_percent", 5}};
    QCOMPARE(EventsModel::sideText(other, EventsModel::After), QStringLiteral("weight_percent: 5"));
}

void TestRolloutModels::actionsPerState_data() {
    QTest::addColumn<QString>("state");
    QTest::addColumn<QString>("allowed");  // the verbs allowed, in the API's words
    QTest::newRow("none") << "none"
                          << "start";
    QTest::newRow("pending") << "pending"
                             << "start abort";
    QTest::newRow("progressing") << "progressing"
                                 << "pause promote abort skip";
    QTest::newRow("paused") << "paused"
                            << "resume promote abort skip";
    QTest::newRow("promoted") << "promoted"
                              << "start";
    QTest::newRow("rolled_back") << "rolled_back"
                                 << "start";
    QTest::newRow("aborted") << "aborted"
                             << "start";
}

void TestRolloutModels::actionsPerState() {
    QFETCH(QString, state);
    QFETCH(QString, allowed);
    const auto s = rollout_state_from(state.toStdString());
    QVERIFY(s);
    QStringList got;
    for (auto a : {RolloutAction::Start, RolloutAction::Pause, RolloutAction::Resume, RolloutAction::Promote,
                   RolloutAction::Abort, RolloutAction::Skip})
        if (rolloutActionAllowed(a, *s)) got << actionName(a);
    QCOMPARE(got.join(' '), allowed);
}

QTEST_MAIN(TestRolloutModels)
#include "tst_rollout_models.moc"
