// GUI test of the rollout group's layout at the widths a window has at 1x to 1.5x scale (QT_SCALE_FACTOR=1.5
// on a 1600 px wide screen leaves the Canary tab about 1000 logical px): no scorecard column, the last one
// included, is narrower than its header or its contents (the table scrolls instead), and the status with the
// scorecard goes above the plan when the two do not fit side by side. No agent: the scorecard is set
// directly.
#include <QHeaderView>
#include <QLabel>
#include <QStandardPaths>
#include <QTableView>
#include <QtTest>

#include "core/rollout.h"
#include "tests/support/gui_fixture.h"
#include "ui/models/scorecard_model.h"
#include "ui/pages/rollout_panel.h"
#include "ui/session/dashboard.h"
#include "ui/widgets/rollout_plan_editor.h"
#include "ui/widgets/theme.h"

using namespace redline;
using namespace redline::ui;

static void initRedlineResources() {
    Q_INIT_RESOURCE(redline);
}

namespace {
/// A full scorecard with wide figures (large sample counts, small p-values).
Scorecard wideCard() {
    Scorecard c;
    c.epoch = 1'796'302'343;
    c.window_s = 10;
    c.verdict = Verdict::Fail;
    for (const char* name :
         {"latency", "p50", "p95", "p99", "error_ratio", "cache_hit_ratio", "rate_limited_ratio"}) {
        MetricScore m;
        m.metric = name;
        m.unit = std::string(name).rfind("p", 0) == 0 && std::string(name).size() == 3 ? "ms" : "%";
        if (m.metric == "latency") m.unit = "P(canary>stable)";
        m.stable = 0.0123;
        m.canary = 40.1234;
        m.difference = 40.111;
        m.allowed = 5.0123;
        m.p_value = 0.00042;
        m.verdict = Verdict::Inconclusive;
        m.n_stable = 1'234'567;
        m.n_canary = 987'654;
        m.needed = 100'000;
        c.metrics.push_back(m);
    }
    return c;
}
}  // namespace

class TestRolloutLayout : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void scorecardColumnsAreNeverClipped_data();
    void scorecardColumnsAreNeverClipped();
    void notLiveTextIsMutedInBothThemes();
};

void TestRolloutLayout::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    initRedlineResources();
    Theme::apply(*qApp, Theme::Mode::System);  // the themes' paddings (REDLINE_THEME=dark|light picks one)
}

void TestRolloutLayout::scorecardColumnsAreNeverClipped_data() {
    QTest::addColumn<int>("width");
    for (int w : {700, 900, 1000, 1280, 1600, 2200})
        QTest::newRow(qPrintable(QString::number(w))) << w;
}

void TestRolloutLayout::scorecardColumnsAreNeverClipped() {
    QFETCH(int, width);
    Dashboard d;
    RolloutPanel panel(&d);
    panel.scorecard()->setScorecard(wideCard());
    panel.resize(width, 1400);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QTest::qWait(50);  // layouts settle
    auto* table = panel.findChild<QTableView*>("rolloutScorecard");
    QVERIFY(table);
    QHeaderView* h = table->horizontalHeader();
    for (int c = 0; c < h->count(); ++c) {
        int needed = h->sectionSizeHint(c);
        for (int r = 0; r < table->model()->rowCount(); ++r)
            needed = std::max(needed, table->sizeHintForIndex(table->model()->index(r, c)).width());
        QVERIFY2(h->sectionSize(c) >= needed,
                 qPrintable(QStringLiteral("column %1 (%2) is %3 px, needs %4")
                                .arg(c)
                                .arg(panel.scorecard()->headerData(c, Qt::Horizontal).toString())
                                .arg(h->sectionSize(c))
                                .arg(needed)));
    }
    // Side by side only when the scorecard fits beside the plan; else the status goes above the plan.
    const QRect plan(panel.editor()->mapTo(&panel, QPoint(0, 0)), panel.editor()->size());
    const QRect score(table->mapTo(&panel, QPoint(0, 0)), table->size());
    const bool fits = h->length() <= table->viewport()->width();
    if (score.left() > plan.right()) {
        QVERIFY2(fits, qPrintable(QStringLiteral("side by side at %1 px, the scorecard scrolls").arg(width)));
    } else {
        QVERIFY(score.bottom() < plan.top());  // stacked: the live status first
    }
    if (width >= 1000)
        QVERIFY2(fits, qPrintable(QStringLiteral("at %1 px the scorecard scrolls").arg(width)));
    test::shot(&panel, QStringLiteral("rollout-layout-%1").arg(width));
}

void TestRolloutLayout::notLiveTextIsMutedInBothThemes() {
    // The rollout status of an agent that is not live is a disabled area: its text must look muted in the
    // light theme as in the dark one (the light palette once kept the active colour for disabled text).
    Dashboard d;
    RolloutPanel panel(&d);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    auto* state = panel.findChild<QLabel*>("rolloutState");
    QVERIFY(state && !state->isEnabled());  // no agent: not live
    for (auto mode : {Theme::Mode::Dark, Theme::Mode::Light}) {
        Theme::apply(*qApp, mode);
        const QPalette p = state->palette();
        for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
            QVERIFY2(
                p.color(QPalette::Disabled, role) != p.color(QPalette::Active, role),
                qPrintable(QStringLiteral("%1 theme, role %2").arg(Theme::toString(mode)).arg(int(role))));
    }
    Theme::apply(*qApp, Theme::Mode::System);
}

QTEST_MAIN(TestRolloutLayout)
#include "tst_rollout_layout.moc"
