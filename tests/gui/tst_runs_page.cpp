// GUI tests of the Runs tab and of the dashboard keeping its runs (issue 14 §2), offscreen, against a real
// sample server and a real runs database filled by real runs: two through `redline-load run --runs-db`, one
// through the dashboard's LoadController, and one killed half-way (incomplete). The widgets are driven with
// QTest key and mouse events; what they show is checked against the store and core/load/compare.h.
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QToolButton>
#include <QtTest>
#include <cmath>

#include "core/agent_client.h"
#include "core/load/compare.h"
#include "core/load/run_export.h"
#include "core/load/run_store.h"
#include "tests/support/gui_fixture.h"
#include "ui/main_window.h"
#include "ui/models/runs_model.h"
#include "ui/pages/load_panel.h"
#include "ui/pages/runs_page.h"
#include "ui/session/dashboard.h"
#include "ui/session/load_controller.h"
#include "ui/widgets/chart_view.h"
#include "ui/widgets/theme.h"

using namespace redline;
using namespace redline::ui;

namespace {

QString loadBinary() {
    return QString::fromUtf8(REDLINE_BINARY_DIR) + QStringLiteral("/app/redline-load");
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

std::unique_ptr<load::RunStore> openDb(const QString& path) {
    std::string why;
    auto s = load::RunStore::open(path.toStdString(), load::RunStore::Mode::MustExist, &why);
    if (!s) qWarning("%s", why.c_str());
    return s;
}

/// Visible rows of the page's table, top to bottom, as run ids.
QStringList shownIds(const RunsPage& page) {
    QStringList ids;
    auto* m = page.table()->model();
    for (int r = 0; r < m->rowCount(); ++r)
        ids << m->index(r, 0).data(RunsModel::IdRole).toString();
    return ids;
}

void clickHeader(QTableView* t, int column) {
    auto* h = t->horizontalHeader();
    const int x = h->sectionViewportPosition(column) + h->sectionSize(column) / 2;
    QTest::mouseClick(h->viewport(), Qt::LeftButton, {}, QPoint(x, h->height() / 2));
}

void clickRow(QTableView* t, int row, Qt::KeyboardModifiers mods = {}) {
    const QRect r = t->visualRect(t->model()->index(row, 0));
    QTest::mouseClick(t->viewport(), Qt::LeftButton, mods, r.center());
}

}  // namespace

class TestRunsPage : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void cleanupTestCase();
    void dashboardRunIsSaved();
    void listShowsEveryRun();
    void sortAndFilter();
    void keyboardOpensRun();
    void compareShowsTheVerdictsOfCompare();
    void pinnedBaselineIsCompared();
    void compareAlignedPerStage();
    void exportWritesWhatTheStoreHolds();
    void deleteAsksFirst();
    void windowListsTheRunItStarts();
    void defaultFileIsTheClis();
    void refusedStoreShowsInlineAndStaysUnchanged_data();
    void refusedStoreShowsInlineAndStaysUnchanged();

  private:
    bool cliRun(const QStringList& args);
    bool dashboardRun(LoadController& ctl, const QString& scenario, double rate, double duration);

    QTemporaryDir dir_;
    QString db_;
    std::unique_ptr<CurlGlobal> curl_;
    std::unique_ptr<SampleServerProcess> server_;
    std::unique_ptr<Dashboard> dash_;
    QString dashboardRunId_;
};

bool TestRunsPage::cliRun(const QStringList& args) {
    QProcess p;
    p.start(loadBinary(), args);
    if (!p.waitForFinished(60000)) return false;
    if (p.exitCode() != 0 && p.exitCode() != 99) {
        qWarning("redline-load %s: exit %d: %s", qPrintable(args.join(' ')), p.exitCode(),
                 p.readAllStandardError().constData());
        return false;
    }
    return true;
}

bool TestRunsPage::dashboardRun(LoadController& ctl, const QString& scenario, double rate, double duration) {
    const auto path =
        load::find_scenario(scenario.toStdString(), {REDLINE_SOURCE_DIR "/resources/scenarios"});
    if (!path) return false;
    auto parsed = load::load_scenario_file(*path);
    if (!parsed.ok()) return false;
    load::Scenario sc = parsed.value();
    load::ScenarioOverrides o;
    o.target = server_->apiUrl().toStdString();
    o.rate = rate;
    o.duration_s = duration;
    if (!load::apply_overrides(sc, o).empty()) return false;
    QSignalSpy saved(&ctl, &LoadController::runSaved);
    QString err;
    if (!ctl.start(std::move(sc), QString(), true, &err)) {
        qWarning("start: %s", qPrintable(err));
        return false;
    }
    return saved.wait(int(duration * 1000) + 30000) || saved.count() > 0;
}

void TestRunsPage::initTestCase() {
    QVERIFY(dir_.isValid());
    // Screenshots to look at (REDLINE_SCREENSHOT_DIR) in the theme asked for.
    if (qEnvironmentVariableIsSet("REDLINE_SCREENSHOT_DIR"))
        Theme::apply(*qApp, Theme::fromString(qEnvironmentVariable("REDLINE_THEME", "dark")));
    curl_ = std::make_unique<CurlGlobal>();
    server_ = test::startSampleServer(dir_.filePath("server"), 200, 1);
    if (!server_) QSKIP("redline-sample-server is not built");
    if (!QFileInfo::exists(loadBinary())) QSKIP("redline-load is not built");
    db_ = dir_.filePath("runs.db");
    const QString api = server_->apiUrl();
    // Two runs of one scenario at different rates (the comparison has something to find), one of another.
    QVERIFY(cliRun({"run", "baseline", "--target", api, "--rate", "40", "--duration", "3", "--quiet",
                    "--runs-db", db_}));
    QVERIFY(cliRun({"run", "baseline", "--target", api, "--rate", "120", "--duration", "3", "--quiet",
                    "--runs-db", db_}));
    // A run killed half-way stays incomplete with the seconds committed so far.
    {
        QProcess p;
        p.start(loadBinary(),
                {"run", "smoke", "--target", api, "--duration", "60", "--quiet", "--runs-db", db_});
        QVERIFY(p.waitForStarted());
        QElapsedTimer t;
        t.start();
        bool stored = false;
        while (!stored && t.elapsed() < 30000) {
            QTest::qWait(200);
            if (auto s = openDb(db_))
                for (const auto& r : s->list({}))
                    if (r.scenario == "smoke" && !r.complete && r.seconds >= 2) stored = true;
        }
        p.kill();
        p.waitForFinished();
        QVERIFY(stored);
    }
    dash_ = std::make_unique<Dashboard>();
    LoadController ctl(dash_.get());
    ctl.setRunsDb(db_);
    QVERIFY(dashboardRun(ctl, "baseline", 60, 3));
    dashboardRunId_ = ctl.savedRunId();
    QVERIFY(!dashboardRunId_.isEmpty());
}

void TestRunsPage::cleanupTestCase() {
    dash_.reset();
    server_.reset();
}

void TestRunsPage::dashboardRunIsSaved() {
    auto store = openDb(db_);
    QVERIFY(store);
    const auto run = store->get(dashboardRunId_.toStdString());
    QVERIFY(run);
    QVERIFY(run->complete);
    QCOMPARE(QString::fromStdString(run->scenario), QStringLiteral("baseline"));
    QCOMPARE(QString::fromStdString(run->target), server_->apiUrl());
    QCOMPARE(QString::fromStdString(run->executor), QStringLiteral("constant-arrival-rate"));
    QVERIFY(run->summary.is_object());
    QVERIFY(run->requests > 100);
    // Every second of the run is there, and the stored seconds add up to the summary.
    const auto seconds = store->seconds(run->id);
    QVERIFY(seconds.size() >= 3);
    std::uint64_t requests = 0;
    for (const auto& r : load::timeline_rows(seconds))
        requests += r.requests;
    QCOMPARE(requests, run->summary.value("completed", std::uint64_t(0)));
}

void TestRunsPage::listShowsEveryRun() {
    RunsPage page;
    page.setRunsDb(db_);
    page.resize(1400, 900);
    page.show();
    auto store = openDb(db_);
    const auto runs = store->list({});
    QCOMPARE(runs.size(), std::size_t(4));
    QCOMPARE(page.table()->model()->rowCount(), 4);
    // Newest first, like the CLI's list.
    QStringList expected;
    for (const auto& r : runs)
        expected << QString::fromStdString(r.id);
    QCOMPARE(shownIds(page), expected);
    // The incomplete run is marked, the p99 and failures are the store's.
    int incomplete = 0;
    auto* m = page.table()->model();
    for (int r = 0; r < m->rowCount(); ++r) {
        const auto run = store->get(m->index(r, 0).data(RunsModel::IdRole).toString().toStdString());
        QVERIFY(run);
        const QString outcome = m->index(r, RunsModel::OutcomeCol).data().toString();
        QCOMPARE(outcome,
                 run->complete ? QString::fromStdString(run->outcome) : QStringLiteral("incomplete"));
        if (!run->complete) {
            ++incomplete;
            QVERIFY(m->index(r, RunsModel::OutcomeCol).data(Qt::FontRole).value<QFont>().italic());
        }
        QCOMPARE(m->index(r, RunsModel::P99Col).data(RunsModel::SortRole).toDouble(),
                 run->p99_ms.value_or(-1));
        QCOMPARE(m->index(r, RunsModel::ScenarioCol).data().toString(),
                 QString::fromStdString(run->scenario));
        QCOMPARE(m->index(r, RunsModel::TargetCol).data().toString(), QString::fromStdString(run->target));
    }
    QCOMPARE(incomplete, 1);
    QVERIFY(page.statusLabel()->text().contains(QStringLiteral("4 run")));
    test::shot(&page, QStringLiteral("runs-list"));
}

void TestRunsPage::sortAndFilter() {
    RunsPage page;
    page.setRunsDb(db_);
    page.resize(1400, 900);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    auto* t = page.table();
    auto* m = t->model();
    // A click on the p99 header sorts by value (ascending), a second click reverses.
    clickHeader(t, RunsModel::P99Col);
    QList<double> p99;
    for (int r = 0; r < m->rowCount(); ++r)
        p99 << m->index(r, RunsModel::P99Col).data(RunsModel::SortRole).toDouble();
    QList<double> sorted = p99;
    std::sort(sorted.begin(), sorted.end());
    QCOMPARE(p99, sorted);
    clickHeader(t, RunsModel::P99Col);
    QCOMPARE(m->index(0, RunsModel::P99Col).data(RunsModel::SortRole).toDouble(), sorted.last());
    // Requests sort as numbers, not text.
    clickHeader(t, RunsModel::RequestsCol);
    for (int r = 1; r < m->rowCount(); ++r)
        QVERIFY(m->index(r - 1, RunsModel::RequestsCol).data(RunsModel::SortRole).toULongLong() <=
                m->index(r, RunsModel::RequestsCol).data(RunsModel::SortRole).toULongLong());

    // Text filter, typed.
    page.filterEdit()->setFocus();
    QTest::keyClicks(page.filterEdit(), QStringLiteral("smoke"));
    QCOMPARE(m->rowCount(), 1);
    QCOMPARE(m->index(0, RunsModel::ScenarioCol).data().toString(), QStringLiteral("smoke"));
    QTest::keyClick(page.filterEdit(), Qt::Key_A, Qt::ControlModifier);
    QTest::keyClick(page.filterEdit(), Qt::Key_Backspace);
    QCOMPARE(m->rowCount(), 4);
    // A prefix of an id finds that run.
    QTest::keyClicks(page.filterEdit(), dashboardRunId_.left(10));
    QCOMPARE(shownIds(page), QStringList{dashboardRunId_});
    QTest::keyClick(page.filterEdit(), Qt::Key_A, Qt::ControlModifier);
    QTest::keyClick(page.filterEdit(), Qt::Key_Backspace);

    // Scenario and outcome boxes, chosen with the keyboard.
    auto* sc = page.scenarioBox();
    QCOMPARE(sc->count(), 3);  // all, baseline, smoke
    sc->setFocus();
    QTest::keyClick(sc, Qt::Key_Down);
    QCOMPARE(sc->currentData().toString(), QStringLiteral("baseline"));
    QCOMPARE(m->rowCount(), 3);
    auto* oc = page.outcomeBox();
    oc->setFocus();
    oc->setCurrentIndex(oc->findData(QStringLiteral("incomplete")));
    QCOMPARE(m->rowCount(), 0);  // no incomplete baseline
    QTest::keyClick(sc, Qt::Key_Up);
    QCOMPARE(m->rowCount(), 1);
    QCOMPARE(m->index(0, RunsModel::ScenarioCol).data().toString(), QStringLiteral("smoke"));
    oc->setCurrentIndex(0);
    QCOMPARE(m->rowCount(), 4);
}

void TestRunsPage::keyboardOpensRun() {
    RunsPage page;
    page.setRunsDb(db_);
    page.resize(1400, 900);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    // Ctrl+F, type, Enter: the table gets the focus on the first match; Enter opens it.
    page.table()->setFocus();
    QTest::keyClick(page.table(), Qt::Key_F, Qt::ControlModifier);
    QVERIFY(page.filterEdit()->hasFocus());
    QTest::keyClicks(page.filterEdit(), dashboardRunId_.left(12));
    QTest::keyClick(page.filterEdit(), Qt::Key_Return);
    QVERIFY(page.table()->hasFocus());
    page.table()->selectRow(0);
    QTest::keyClick(page.table(), Qt::Key_Return);
    QCOMPARE(page.openedRun(), dashboardRunId_);
    QVERIFY(!page.comparison());
    auto store = openDb(db_);
    const auto run = store->get(dashboardRunId_.toStdString());
    QVERIFY(page.summaryView()->toPlainText().contains(QStringLiteral("baseline")));
    QVERIFY(page.summaryView()->toPlainText().contains(QString::number(run->summary.value("completed", 0))));
    // The charts: one point per stored second; the latency p99 of each second is its merged sketch's.
    const auto rows = load::timeline_rows(store->seconds(run->id));
    auto* lat = page.latencyChart();
    QCOMPARE(lat->specs().at(2).metric, Metric::P99);
    const QList<QPointF> pts = lat->points(2);
    QCOMPARE(pts.size(), qsizetype(rows.size()));
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto q = rows[i].quantile_ms(0.99);
        QVERIFY(q);
        QVERIFY2(std::abs(pts[qsizetype(i)].y() - *q) < 1e-3 * std::max(1.0, *q),
                 qPrintable(QStringLiteral("second %1: %2 vs %3").arg(i).arg(pts[qsizetype(i)].y()).arg(*q)));
        QCOMPARE(qint64(pts[qsizetype(i)].x()), qint64(run->started_ms + std::llround(rows[i].t_s * 1000)));
    }
    // Rate achieved vs target.
    QCOMPARE(page.rateChart()->points(1).size(), qsizetype(rows.size()));
    QCOMPARE(page.rateChart()->points(0).first().y(), rows.front().target);
    test::shot(&page, QStringLiteral("runs-open"));

    // The incomplete run opens too, with figures from its stored seconds.
    QTest::keyClick(page.filterEdit(), Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(page.filterEdit(), QStringLiteral("incomplete"));
    QTest::keyClick(page.filterEdit(), Qt::Key_Return);
    page.table()->selectRow(0);
    QTest::keyClick(page.table(), Qt::Key_Enter);
    QVERIFY(page.summaryView()->toPlainText().contains(QStringLiteral("incomplete")));
    QVERIFY(page.summaryView()->toPlainText().contains(QStringLiteral("No end was recorded")));
}

void TestRunsPage::compareShowsTheVerdictsOfCompare() {
    RunsPage page;
    page.setRunsDb(db_);
    page.resize(1400, 900);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    auto store = openDb(db_);
    const auto runs = store->list({});  // newest first: dashboard run, smoke, baseline@120, baseline@40
    const QString older = QString::fromStdString(runs[3].id), newer = QString::fromStdString(runs[2].id);
    // Select both with the mouse (click, Ctrl+click), compare with Ctrl+Shift+C.
    auto* m = page.table()->model();
    int ra = -1, rb = -1;
    for (int r = 0; r < m->rowCount(); ++r) {
        const QString id = m->index(r, 0).data(RunsModel::IdRole).toString();
        if (id == older) ra = r;
        if (id == newer) rb = r;
    }
    QVERIFY(ra >= 0 && rb >= 0);
    clickRow(page.table(), rb);
    clickRow(page.table(), ra, Qt::ControlModifier);
    QCOMPARE(page.selectedRuns().size(), 2);
    QTest::keyClick(page.table(), Qt::Key_C, Qt::ControlModifier | Qt::ShiftModifier);
    QVERIFY(page.comparison());
    QCOMPARE(page.openedRun(), newer);  // the newer is the current run, the older the baseline
    QCOMPARE(QString::fromStdString(page.comparison()->base_run_id), older);

    const auto expected = load::compare(load::summary_from_json(runs[3].summary).value(),
                                        load::summary_from_json(runs[2].summary).value());
    auto* t = page.compareTable();
    QCOMPARE(t->rowCount(), int(expected.figures.size()));
    int regressedOrImproved = 0;
    for (int r = 0; r < t->rowCount(); ++r) {
        const auto& f = expected.figures[std::size_t(r)];
        QCOMPARE(t->item(r, 0)->text(), QString::fromStdString(f.id()));
        QCOMPARE(t->item(r, 4)->text(), QString::fromUtf8(load::to_string(f.verdict).data()));
        if (f.verdict == load::FigureVerdict::Regressed || f.verdict == load::FigureVerdict::Improved) {
            ++regressedOrImproved;
            QVERIFY(t->item(r, 4)->foreground().color() != t->item(r, 0)->foreground().color());
        }
    }
    // Three times the rate: "rate" and "completed" at least changed significantly.
    QVERIFY(regressedOrImproved >= 2);
    const auto* rate = expected.find("rate");
    QVERIFY(rate);
    QCOMPARE(rate->verdict, load::FigureVerdict::Improved);
    // What changed: the same scenario and target; the rate setting differs.
    QVERIFY(page.changesLabel()->isVisible());
    QVERIFY2(page.changesLabel()->text().contains(QStringLiteral("rate")),
             qPrintable(page.changesLabel()->text()));
    // Overlaid charts, aligned at the start: the baseline's first second is drawn at the current run's start.
    auto* rc = page.rateChart();
    QCOMPARE(rc->specs().at(1).key, QStringLiteral("base"));
    QCOMPARE(rc->specs().at(1).style, Qt::DashLine);
    QCOMPARE(rc->specs().at(2).style, Qt::SolidLine);
    const auto bs = store->seconds(runs[3].id);
    QCOMPARE(qint64(rc->points(1).first().x()),
             qint64(runs[2].started_ms + std::llround(bs.front().t_s * 1000)));
    test::shot(&page, QStringLiteral("runs-compare"));

    // An incomplete run cannot be compared: said, nothing half shown.
    QSignalSpy msg(&page, &Page::message);
    QVERIFY(!page.compareRuns(older, QString::fromStdString(runs[1].id)));
    QCOMPARE(msg.count(), 1);
    QVERIFY(msg.at(0).at(0).toString().contains(QStringLiteral("incomplete")));
    QCOMPARE(page.openedRun(), newer);
}

void TestRunsPage::compareAlignedPerStage() {
    // Two real runs whose warm-up differs (1 s and 3 s) before the same 2 s steady stage, in a database of
    // their own. Per stage (chosen with Alt+L and the keyboard), the first steady second of both is drawn at
    // one x; a marker shows where steady begins; Export HTML writes what `runs compare --align stages` does.
    const QString db = dir_.filePath("stages.db");
    auto scenario = [&](const QString& name, int warm) {
        const QString path = dir_.filePath(name + QStringLiteral(".json"));
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly)) return QString();
        f.write(QStringLiteral(R"({"name": "staged", "target": "%1", "executor": "ramping-arrival-rate",
            "start_target": 20, "connections": 4,
            "stages": [{"name": "warm", "duration_s": %2, "target": 20},
                       {"name": "steady", "duration_s": 2, "target": 60}],
            "requests": [{"name": "product", "method": "GET", "path": "/v1/products/{1..100}"}]})")
                    .arg(server_->apiUrl())
                    .arg(warm)
                    .toUtf8());
        return path;
    };
    const QString shortWarm = scenario(QStringLiteral("short-warm"), 1);
    const QString longWarm = scenario(QStringLiteral("long-warm"), 3);
    QVERIFY(cliRun({"run", shortWarm, "--quiet", "--runs-db", db}));
    QVERIFY(cliRun({"run", longWarm, "--quiet", "--runs-db", db}));
    auto store = openDb(db);
    QVERIFY(store);
    const auto runs = store->list({});  // newest first
    QCOMPARE(runs.size(), std::size_t(2));
    const QString base = QString::fromStdString(runs[1].id), cur = QString::fromStdString(runs[0].id);
    const auto bStages = load::stage_spans(runs[1].summary), cStages = load::stage_spans(runs[0].summary);
    QCOMPARE(bStages.size(), std::size_t(2));
    QCOMPARE(cStages.size(), std::size_t(2));

    RunsPage page;
    page.setDark(qEnvironmentVariable("REDLINE_THEME", "dark") != QLatin1String("light"));
    page.setRunsDb(db);
    page.resize(1400, 900);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QVERIFY(!page.alignBox()->isVisible());  // one run or none: nothing to align
    QVERIFY(page.compareRuns(base, cur));
    QVERIFY(page.alignBox()->isVisible());
    QCOMPARE(page.alignment(), load::Alignment::Start);
    auto* rc = page.rateChart();
    const qint64 t0 = runs[0].started_ms;
    // x of the first stored second of `stage` (by its middle) of one run, as drawn in series `i`.
    auto firstSecondOf = [&](const std::string& id, const std::vector<load::StageSpan>& st, int stage) {
        for (const auto& s : store->seconds(id))
            if (s.t_s - 0.5 >= st[std::size_t(stage)].start_s) return s.t_s;
        return -1.0;
    };
    const double bSteady = firstSecondOf(runs[1].id, bStages, 1),
                 cSteady = firstSecondOf(runs[0].id, cStages, 1);
    QVERIFY(bSteady > 0 && cSteady > 0);
    auto drawnAt = [&](int series, double x_ms) {
        for (const auto& p : rc->points(series))
            if (std::abs(p.x() - x_ms) < 1.0) return true;
        return false;
    };
    // At the start: each second where it ran; the steady stages are 2 s apart.
    QVERIFY(drawnAt(1, double(t0) + bSteady * 1000));
    QVERIFY(drawnAt(2, double(t0) + cSteady * 1000));
    int stageMarkers = 0;
    for (const auto& m : rc->markers())
        stageMarkers += m.kind == "stage.start";
    QCOMPARE(stageMarkers, 0);

    // Alt+L focuses the choice; the arrow key picks "per stage"; the comparison is redrawn.
    QTest::keyClick(&page, Qt::Key_L, Qt::AltModifier);
    QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(page.alignBox()));
    QTest::keyClick(page.alignBox(), Qt::Key_Down);
    QCOMPARE(page.alignment(), load::Alignment::Stages);
    QVERIFY(page.comparison());
    const double steadyX = std::max(bStages[1].start_s, cStages[1].start_s);  // the longer warm-up
    const double bX = steadyX + (bSteady - bStages[1].start_s), cX = steadyX + (cSteady - cStages[1].start_s);
    // Each run's first steady second ends within 1.5 s of the common start of steady: the stored seconds are
    // clock seconds, and a second belongs to the stage its middle lies in.
    QVERIFY2(bX > steadyX && bX <= steadyX + 1.5 + 1e-9 && cX > steadyX && cX <= steadyX + 1.5 + 1e-9,
             qPrintable(QStringLiteral("steady at %1: baseline's first second at %2 (t %3, stage from %4), "
                                       "current's at %5 (t %6, stage from %7)")
                            .arg(steadyX)
                            .arg(bX)
                            .arg(bSteady)
                            .arg(bStages[1].start_s)
                            .arg(cX)
                            .arg(cSteady)
                            .arg(cStages[1].start_s)));
    QVERIFY(drawnAt(1, double(t0) + bX * 1000));
    QVERIFY(drawnAt(2, double(t0) + cX * 1000));
    const Event* marker = nullptr;
    for (const auto& m : rc->markers())
        if (m.kind == "stage.start") marker = &m;
    QVERIFY(marker);
    QCOMPARE(marker->time_ms, t0 + std::llround(steadyX * 1000));
    QCOMPARE(QString::fromStdString(marker->message), QStringLiteral("stage 2 steady"));
    test::shot(&page, QStringLiteral("runs-compare-stages"));

    // Export HTML: byte for byte the CLI's comparison report aligned per stage.
    QString next = dir_.filePath("stages.html");
    page.setSavePath([&](const QString&, const QString&, const QString&) { return next; });
    auto* htmlButton = page.findChild<QToolButton*>(QStringLiteral("actionRunsExportHtmlButton"));
    QVERIFY(htmlButton && htmlButton->isEnabled());
    QTest::mouseClick(htmlButton, Qt::LeftButton);
    QProcess p;
    p.start(loadBinary(), {"runs", "compare", base, cur, "--align", "stages", "--html", "-", "--db", db});
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    const QByteArray cli = p.readAllStandardOutput().replace(
        "Written by redline-load " REDLINE_VERSION, "Written by the redline dashboard " REDLINE_VERSION);
    QVERIFY(cli.contains("aligned per stage"));
    QCOMPARE(readAll(next), cli);
}

void TestRunsPage::pinnedBaselineIsCompared() {
    RunsPage page;
    page.setRunsDb(db_);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    auto store = openDb(db_);
    const auto runs = store->list({});
    auto* t = page.table();
    // The oldest run is last (newest first): Ctrl+End, Ctrl+B pins it; Ctrl+Home, Enter compares the newest
    // with it.
    t->setFocus();
    QTest::keyClick(t, Qt::Key_End, Qt::ControlModifier);
    QTest::keyClick(t, Qt::Key_B, Qt::ControlModifier);
    QCOMPARE(page.baselineRun(), QString::fromStdString(runs.back().id));
    QTest::keyClick(t, Qt::Key_Home, Qt::ControlModifier);
    QTest::keyClick(t, Qt::Key_Return);
    QVERIFY(page.comparison());
    QCOMPARE(page.comparison()->base_run_id, runs.back().id);
    QCOMPARE(page.comparison()->cur_run_id, runs.front().id);
    // Ctrl+Shift+B unpins: Enter opens the run on its own again.
    QTest::keyClick(t, Qt::Key_B, Qt::ControlModifier | Qt::ShiftModifier);
    QVERIFY(page.baselineRun().isEmpty());
    QTest::keyClick(t, Qt::Key_Return);
    QVERIFY(!page.comparison());
    QCOMPARE(page.openedRun(), QString::fromStdString(runs.front().id));
}

void TestRunsPage::exportWritesWhatTheStoreHolds() {
    RunsPage page;
    page.setRunsDb(db_);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QString asked;
    const QString jsonPath = dir_.filePath("export.json"), csvPath = dir_.filePath("export.csv");
    QString next = jsonPath;
    page.setSavePath([&](const QString& title, const QString&, const QString&) {
        asked = title;
        return next;
    });
    auto* t = page.table();
    t->setFocus();
    // The oldest CLI run (baseline at 40/s): the JSON must equal `redline-load runs show ID -o json`.
    QTest::keyClick(t, Qt::Key_End, Qt::ControlModifier);
    const QString id = page.currentRun();
    auto* jsonButton = page.findChild<QToolButton*>(QStringLiteral("actionRunsExportJsonButton"));
    QVERIFY(jsonButton && jsonButton->isEnabled());
    QTest::mouseClick(jsonButton, Qt::LeftButton);
    QVERIFY(asked.contains(QStringLiteral("JSON")));
    const QByteArray written = readAll(jsonPath);
    QVERIFY(!written.isEmpty());
    QProcess show;
    show.start(loadBinary(), {"runs", "show", id, "-o", "json", "--db", db_});
    QVERIFY(show.waitForFinished(30000));
    QCOMPARE(show.exitCode(), 0);
    const auto fromCli = nlohmann::json::parse(show.readAllStandardOutput().toStdString());
    const auto fromPage = nlohmann::json::parse(written.toStdString());
    QVERIFY(fromPage == fromCli);
    QCOMPARE(QString::fromStdString(fromPage["run"]["id"].get<std::string>()), id);
    QVERIFY(fromPage["timeline"].size() >= 3);

    // The CSV: a header and one row per stored second, with the store's figures.
    next = csvPath;
    QTest::mouseClick(page.findChild<QToolButton*>(QStringLiteral("actionRunsExportCsvButton")),
                      Qt::LeftButton);
    const QList<QByteArray> lines = readAll(csvPath).trimmed().split('\n');
    auto store = openDb(db_);
    const auto rows = load::timeline_rows(store->seconds(id.toStdString()));
    QCOMPARE(lines.size(), qsizetype(rows.size() + 1));
    const QList<QByteArray> header = lines[0].split(',');
    QCOMPARE(header.first(), QByteArray("t_s"));
    QVERIFY(header.contains("target") && header.contains("achieved") && header.contains("p99_ms") &&
            header.contains("in_flight") && header.contains("unsent") && header.contains("http_5xx"));
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const QList<QByteArray> cells = lines[qsizetype(i + 1)].split(',');
        QCOMPARE(cells.size(), header.size());
        auto cell = [&](const char* name) { return cells[header.indexOf(name)]; };
        QCOMPARE(cell("t_s").toDouble(), rows[i].t_s);
        QCOMPARE(cell("target").toDouble(), rows[i].target);
        QCOMPARE(cell("requests").toULongLong(), rows[i].requests);
        QCOMPARE(cell("failed").toULongLong(), rows[i].failed);
        QVERIFY(std::abs(cell("p99_ms").toDouble() - rows[i].quantile_ms(0.99).value_or(0)) < 0.001);
        QCOMPARE(cell("in_flight").toLongLong(), rows[i].in_flight);
    }
    // A path that cannot be written: one message, no file.
    next = dir_.filePath("no/such/dir/x.json");
    QSignalSpy msg(&page, &Page::message);
    QTest::mouseClick(jsonButton, Qt::LeftButton);
    QCOMPARE(msg.count(), 1);
    QVERIFY(msg.at(0).at(1).toBool());
    QVERIFY(!QFileInfo::exists(next));
    // Cancelled: nothing happens.
    next.clear();
    QTest::mouseClick(jsonButton, Qt::LeftButton);
    QCOMPARE(msg.count(), 1);
    // HTML: the report of the selected run, byte for byte what `redline-load runs report ID --html -` writes.
    auto cliReport = [&](const QStringList& args) {
        QProcess p;
        p.start(loadBinary(), QStringList{"runs", "report"} + args + QStringList{"--html", "-", "--db", db_});
        if (!p.waitForFinished(30000) || p.exitCode() != 0) return QByteArray();
        // The same report; only the footer names who wrote it.
        return p.readAllStandardOutput().replace("Written by redline-load " REDLINE_VERSION,
                                                 "Written by the redline dashboard " REDLINE_VERSION);
    };
    auto* htmlButton = page.findChild<QToolButton*>(QStringLiteral("actionRunsExportHtmlButton"));
    QVERIFY(htmlButton && htmlButton->isEnabled());
    const QString htmlPath = dir_.filePath("export.html");
    next = htmlPath;
    QTest::mouseClick(htmlButton, Qt::LeftButton);
    QVERIFY(asked.contains(QStringLiteral("HTML")));
    const QByteArray html = readAll(htmlPath);
    QVERIFY(html.startsWith("<!DOCTYPE html>"));
    QCOMPARE(html, cliReport({id}));
    // With a comparison shown, the comparison report (baseline -> current).
    const auto all = store->list({});
    QVERIFY(all.size() >= 2);
    const QString base = QString::fromStdString(all.back().id);
    QString cur;
    for (const auto& r : all)
        if (r.complete && r.id != all.back().id) cur = QString::fromStdString(r.id);
    QVERIFY(!cur.isEmpty());
    QVERIFY(page.compareRuns(base, cur));
    const QString cmpPath = dir_.filePath("compare.html");
    next = cmpPath;
    QTest::mouseClick(htmlButton, Qt::LeftButton);
    QVERIFY(asked.contains(QStringLiteral("comparison")));
    QCOMPARE(readAll(cmpPath), cliReport({cur, "--compare", base}));
}

void TestRunsPage::deleteAsksFirst() {
    // On a copy: the other tests keep their four runs.
    const QString copy = dir_.filePath("delete.db");
    {
        auto src = openDb(db_);  // checkpoint the WAL into the file before copying it
        QVERIFY(src);
    }
    QVERIFY(QFile::copy(db_, copy));
    if (QFileInfo::exists(db_ + "-wal")) QVERIFY(QFile::copy(db_ + "-wal", copy + "-wal"));
    RunsPage page;
    page.setRunsDb(copy);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QString question;
    bool answer = false;
    page.setConfirm([&](const QString& q) {
        question = q;
        return answer;
    });
    auto* t = page.table();
    t->setFocus();
    QTest::keyClick(t, Qt::Key_Home, Qt::ControlModifier);
    const QString id = page.currentRun();
    // The run this dashboard is recording cannot be deleted under its recorder: said, not asked.
    page.setRecordingRun(id);
    QSignalSpy msg(&page, &Page::message);
    QTest::keyClick(t, Qt::Key_Delete);
    QVERIFY(question.isEmpty());
    QCOMPARE(msg.count(), 1);
    QVERIFY(msg.at(0).at(0).toString().contains(QStringLiteral("being recorded")));
    page.setRecordingRun(QString());
    QTest::keyClick(t, Qt::Key_Delete);
    QVERIFY(question.contains(id.left(8)));
    QCOMPARE(t->model()->rowCount(), 4);
    QVERIFY(openDb(copy)->get(id.toStdString()));
    answer = true;
    QTest::keyClick(t, Qt::Key_Delete);
    QCOMPARE(t->model()->rowCount(), 3);
    QVERIFY(!shownIds(page).contains(id));
    QVERIFY(!openDb(copy)->get(id.toStdString()));
    QVERIFY(openDb(copy)->seconds(id.toStdString()).empty());
}

void TestRunsPage::defaultFileIsTheClis() {
    // Without $REDLINE_RUNS_DB the dashboard keeps its runs where redline-load run --save does
    // ($XDG_DATA_HOME/redline/runs.db), so each lists the other's runs.
    const QByteArray before = qgetenv("REDLINE_RUNS_DB"), xdg_before = qgetenv("XDG_DATA_HOME");
    qunsetenv("REDLINE_RUNS_DB");
    qputenv("XDG_DATA_HOME", dir_.filePath("xdg").toUtf8());
    const QString got = LoadController::defaultRunsDb();
    qputenv("REDLINE_RUNS_DB", before);
    qputenv("XDG_DATA_HOME", xdg_before);
    QCOMPARE(got, dir_.filePath("xdg") + "/redline/runs.db");
}

void TestRunsPage::windowListsTheRunItStarts() {
    // The window saves into $REDLINE_RUNS_DB and its Runs tab (Alt+7) lists the run when it starts
    // (incomplete) and again when its end is stored.
    const QString db = dir_.filePath("window.db");
    const QByteArray before = qgetenv("REDLINE_RUNS_DB");
    qputenv("REDLINE_RUNS_DB", db.toUtf8());
    Dashboard d;
    MainWindow w(&d);
    qputenv("REDLINE_RUNS_DB", before);
    QCOMPARE(w.loadController()->runsDb(), db);
    QCOMPARE(w.runs()->runsDb(), db);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QTest::keyClick(&w, Qt::Key_7, Qt::AltModifier);
    QCOMPARE(w.tabs()->currentIndex(), int(MainWindow::RunsTab));
    QCOMPARE(w.runs()->model()->rowCount(), 0);
    QSignalSpy saved(w.loadController(), &LoadController::runSaved);
    auto path = load::find_scenario("baseline", {REDLINE_SOURCE_DIR "/resources/scenarios"});
    QVERIFY(path);
    load::Scenario sc = load::load_scenario_file(*path).value();
    load::ScenarioOverrides o;
    o.target = server_->apiUrl().toStdString();
    o.rate = 50;
    o.duration_s = 2;
    QVERIFY(load::apply_overrides(sc, o).empty());
    QString err;
    QVERIFY2(w.loadController()->start(std::move(sc), QString(), true, &err), qPrintable(err));
    const QString id = w.loadController()->savedRunId();
    QVERIFY(!id.isEmpty());
    QCOMPARE(w.runs()->model()->rowCount(), 1);
    QVERIFY(!w.runs()->model()->runs().front().complete);
    QVERIFY(saved.wait(30000));
    QCOMPARE(saved.at(0).at(0).toString(), id);
    QVERIFY(saved.at(0).at(1).toBool());
    QCOMPARE(w.runs()->model()->rowCount(), 1);
    QVERIFY(w.runs()->model()->runs().front().complete);
    QVERIFY(!w.load()->recordingNote()->isVisible());
}

void TestRunsPage::refusedStoreShowsInlineAndStaysUnchanged_data() {
    QTest::addColumn<QString>("kind");
    QTest::newRow("not a database") << "garbage";
    QTest::newRow("newer schema") << "newer";
    QTest::newRow("a directory") << "directory";
}

void TestRunsPage::refusedStoreShowsInlineAndStaysUnchanged() {
    QFETCH(QString, kind);
    const QString path = dir_.filePath(kind + ".db");
    if (kind == "directory") {
        QVERIFY(QDir().mkpath(path));
    } else if (kind == "garbage") {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray("this is not a runs database\n").repeated(300));
    } else {
        auto steps = load::RunStore::migrations();
        steps.push_back({load::RunStore::kSchemaVersion + 1, "CREATE TABLE later_things(a INTEGER)"});
        std::string why;
        QVERIFY(load::RunStore::open_with(path.toStdString(), load::RunStore::Mode::CreateIfMissing, steps,
                                          &why));
    }
    const QByteArray before = readAll(path);
    QVERIFY(kind == "directory" || !before.isEmpty());

    LoadController ctl(dash_.get());
    ctl.setRunsDb(path);
    LoadPanel panel(dash_.get(), &ctl);
    panel.resize(1400, 900);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QVERIFY(!panel.recordingNote()->isVisible());
    QVERIFY(panel.selectScenario(QStringLiteral("baseline")));
    auto* target = panel.findChild<QLineEdit*>(QStringLiteral("loadTarget"));
    target->setFocus();
    QTest::keyClick(target, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(target, server_->apiUrl());
    auto* duration = panel.findChild<QDoubleSpinBox*>(QStringLiteral("loadDuration"));
    duration->setValue(2);
    QSignalSpy finished(&ctl, &LoadController::finished);
    QTest::mouseClick(panel.startButton(), Qt::LeftButton);
    QVERIFY(ctl.running());  // the run goes
    QVERIFY(panel.recordingNote()->isVisible());
    const QString note = panel.recordingNote()->text();
    QVERIFY2(note.contains(QStringLiteral("not being saved")) && note.contains(path), qPrintable(note));
    const QString why = kind == "garbage" ? QStringLiteral("not a")
                        : kind == "newer" ? QStringLiteral("newer")
                                          : QStringLiteral("directory");
    QVERIFY2(note.contains(why), qPrintable(note));
    QVERIFY(!ctl.recordingProblem().isEmpty());
    QVERIFY(ctl.savedRunId().isEmpty());
    test::shot(&panel, QStringLiteral("load-not-saved-") + kind);
    QVERIFY(finished.wait(30000));
    QVERIFY(ctl.lastSummary() && ctl.lastSummary()->completed > 0);
    QCOMPARE(readAll(path), before);  // never written
    QVERIFY(!QFileInfo::exists(path + "-wal"));
    if (kind == "directory") QVERIFY(QDir(path).isEmpty());

    // The Runs tab says the same, inline, and writes nothing either.
    RunsPage page;
    page.setRunsDb(path);
    QCOMPARE(page.statusLabel()->objectName(), QStringLiteral("inlineError"));
    QVERIFY2(page.statusLabel()->text().contains(path), qPrintable(page.statusLabel()->text()));
    QCOMPARE(page.table()->model()->rowCount(), 0);
    QCOMPARE(readAll(path), before);
}

QTEST_MAIN(TestRunsPage)
#include "tst_runs_page.moc"
