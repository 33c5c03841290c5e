#include "ui/pages/runs_page.h"

#include <spdlog/spdlog.h>

#include <QAction>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSaveFile>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTextBrowser>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/event.h"
#include "core/load/report_html.h"
#include "core/load/run_export.h"
#include "core/load/run_store.h"
#include "ui/models/runs_model.h"
#include "ui/pages/load_panel.h"
#include "ui/widgets/chart_view.h"
#include "ui/widgets/theme.h"
#include "ui/widgets/verdict_colors.h"

namespace redline::ui {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

Sample blank(std::int64_t t_ms) {
    Sample s;
    s.t_ms = t_ms;
    for (auto& x : s.v)
        x = kNaN;
    return s;
}

void setV(Sample& s, Metric m, double v) {
    s.v[static_cast<int>(m)] = static_cast<float>(v);
}

QString number(double v, const std::string& unit) {
    if (unit == "ms") return QStringLiteral("%1 ms").arg(v, 0, 'f', std::abs(v) < 10 ? 2 : 1);
    if (unit == "/s") return QStringLiteral("%1 /s").arg(v, 0, 'f', 1);
    if (unit == "%") return QStringLiteral("%1 %").arg(v, 0, 'f', std::abs(v) < 1 ? 3 : 2);
    if (unit == "req") return QString::number(static_cast<qint64>(std::llround(v)));
    return QString::number(v, 'g', 4);
}

QString signedChange(const load::Figure& f) {
    const QString sign = f.change > 0 ? QStringLiteral("+") : QString();
    if (f.unit == "%")
        return sign + QStringLiteral("%1 pp").arg(f.change, 0, 'f', std::abs(f.change) < 1 ? 3 : 2);
    if (f.unit == "req") return sign + QString::number(static_cast<qint64>(std::llround(f.change)));
    return sign + number(f.change, f.unit);
}

QString relativeText(const load::Figure& f) {
    if (!f.relative) return QStringLiteral("—");
    const double p = *f.relative * 100;
    return (p > 0 ? QStringLiteral("+") : QString()) + QStringLiteral("%1 %").arg(p, 0, 'f', 1);
}

QString localTime(std::int64_t ms) {
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

bool writeFile(const QString& path, const std::string& text, QString* error) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        if (error) *error = QObject::tr("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    if (f.write(text.data(), qint64(text.size())) != qint64(text.size()) || !f.commit()) {
        if (error) *error = QObject::tr("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

/// Opens the database for reading; nullptr and *why (one line) when it is missing or refused.
std::unique_ptr<load::RunStore> openStore(const QString& db, QString* why, bool* missing = nullptr) {
    if (missing) *missing = false;
    if (db.isEmpty()) {
        if (why) *why = QObject::tr("no runs database is set");
        return nullptr;
    }
    if (!QFileInfo::exists(db)) {
        if (missing) *missing = true;
        if (why) *why = QObject::tr("no runs database at %1 yet").arg(db);
        return nullptr;
    }
    std::string err;
    auto store = load::RunStore::open(db.toStdString(), load::RunStore::Mode::MustExist, &err);
    if (!store && why) *why = QObject::tr("runs database %1").arg(QString::fromStdString(err));
    return store;
}

}  // namespace

RunsPage::RunsPage(QWidget* parent) : Page(parent) {
    setObjectName("runsPage");
    confirm_ = [this](const QString& text) {
        return QMessageBox::question(this, tr("Redline"), text) == QMessageBox::Yes;
    };
    save_path_ = [this](const QString& title, const QString& suggested, const QString& filter) {
        return QFileDialog::getSaveFileName(this, title, suggested, filter);
    };

    model_ = new RunsModel(this);
    filter_ = new RunsFilter(this);
    filter_->setSourceModel(model_);

    filter_edit_ = new QLineEdit;
    filter_edit_->setObjectName("runsFilter");
    filter_edit_->setPlaceholderText(tr("Filter: scenario, target, outcome, id… (Ctrl+F)"));
    filter_edit_->setClearButtonEnabled(true);
    filter_edit_->setAccessibleName(tr("Filter runs"));
    scenario_box_ = new QComboBox;
    scenario_box_->setObjectName("runsScenario");
    scenario_box_->setAccessibleName(tr("Scenario"));
    scenario_box_->addItem(tr("All scenarios"), QString());
    outcome_box_ = new QComboBox;
    outcome_box_->setObjectName("runsOutcome");
    outcome_box_->setAccessibleName(tr("Outcome"));
    outcome_box_->addItem(tr("All outcomes"), QString());
    for (const char* o : {"passed", "thresholds_failed", "stopped", "aborted", "error", "incomplete"})
        outcome_box_->addItem(QString::fromLatin1(o), QString::fromLatin1(o));

    table_ = new QTableView;
    table_->setObjectName("runsTable");
    table_->setModel(filter_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(RunsModel::StartedCol, Qt::DescendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setTabKeyNavigation(false);
    table_->setAlternatingRowColors(true);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(RunsModel::TargetCol, QHeaderView::Stretch);
    table_->setAccessibleName(tr("Saved runs"));

    status_ = new QLabel;
    status_->setObjectName("mutedLabel");
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    baseline_label_ = new QLabel;
    baseline_label_->setObjectName("runsBaseline");
    baseline_label_->hide();

    buildActions();

    auto* bar = new QHBoxLayout;
    bar->addWidget(filter_edit_, 3);
    bar->addWidget(scenario_box_, 1);
    bar->addWidget(outcome_box_, 1);
    // The actions in a tool bar of their own row: what does not fit goes behind its extension button (the tab
    // stays narrow enough for a 1066 px wide window).
    auto* tools = tools_ = new QToolBar;
    tools->setObjectName("runsToolBar");
    tools->setToolButtonStyle(Qt::ToolButtonTextOnly);
    for (QAction* a : {open_action_, pin_action_, compare_action_, export_json_action_, export_csv_action_,
                       export_html_action_, delete_action_, refresh_action_}) {
        tools->addAction(a);
        if (QWidget* b = tools->widgetForAction(a))
            b->setObjectName(a->objectName() + QStringLiteral("Button"));
        if (a == compare_action_ || a == export_html_action_) tools->addSeparator();
    }

    auto* listBox = new QWidget;
    auto* ll = new QVBoxLayout(listBox);
    ll->setContentsMargins(0, 0, 0, 0);
    ll->addLayout(bar);
    ll->addWidget(tools);
    ll->addWidget(status_);
    ll->addWidget(baseline_label_);
    ll->addWidget(table_, 1);

    title_ =
        new QLabel(tr("Open a run (Enter or double-click) to see its charts and summary; select two and "
                      "compare them (Ctrl+Shift+C), or pin one as the baseline (Ctrl+B) and open another."));
    title_->setObjectName("runsTitle");
    title_->setWordWrap(true);
    title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    changes_ = new QLabel;
    changes_->setObjectName("runsChanges");
    changes_->setWordWrap(true);
    changes_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    changes_->hide();
    align_box_ = new QComboBox;
    align_box_->setObjectName("runsAlignBox");
    align_box_->addItem(tr("from both starts"), QStringLiteral("start"));
    align_box_->addItem(tr("per stage (stage i of both together)"), QStringLiteral("stages"));
    align_box_->setAccessibleName(tr("Align the comparison's charts"));
    align_box_->setToolTip(tr(
        "Per stage, stage i of both runs begins at the same point, and each stage is as long as the longer "
        "of the two; dashed markers show where the stages begin. Export HTML draws its charts the same "
        "way."));
    auto* alignLabel = new QLabel(tr("Charts a&ligned:"));
    alignLabel->setBuddy(align_box_);
    align_row_ = new QWidget;
    auto* al = new QHBoxLayout(align_row_);
    al->setContentsMargins(0, 0, 0, 0);
    al->addWidget(alignLabel);
    al->addWidget(align_box_);
    al->addStretch(1);
    align_row_->hide();
    connect(align_box_, &QComboBox::currentIndexChanged, this, [this] {
        if (comparison_ && !compared_base_.isEmpty()) {
            const QString base = compared_base_, cur = opened_;
            compareRuns(base, cur);
        }
    });

    rate_chart_ = new ChartView(tr("Rate"), tr("req/s"));
    rate_chart_->setObjectName("runsRateChart");
    latency_chart_ = new ChartView(tr("Latency (corrected)"), tr("ms"));
    latency_chart_->setObjectName("runsLatencyChart");
    failures_chart_ = new ChartView(tr("Failures"), tr("req/s"));
    failures_chart_->setObjectName("runsFailuresChart");
    for (auto* c : {rate_chart_, latency_chart_, failures_chart_}) {
        c->setMinimumHeight(200);  // below that Qt Charts elides the y axis labels (six ticks at 1.5x)
        connect(c, &ChartView::hovered, this, [this](qint64 t) {
            for (auto* ch : {rate_chart_, latency_chart_, failures_chart_})
                ch->setCrosshair(t);
        });
    }
    auto* chartBox = new QWidget;
    auto* cl = new QVBoxLayout(chartBox);
    cl->setContentsMargins(0, 0, 0, 0);
    cl->addWidget(rate_chart_, 1);
    cl->addWidget(latency_chart_, 1);
    cl->addWidget(failures_chart_, 1);
    // On a small window the three charts scroll rather than squeeze (and the window stays small enough).
    auto* charts = new QScrollArea;
    charts->setObjectName("runsCharts");
    charts->setWidget(chartBox);
    charts->setWidgetResizable(true);
    charts->setFrameShape(QFrame::NoFrame);
    charts->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

    summary_ = new QTextBrowser;
    summary_->setObjectName("runsSummary");
    summary_->setPlaceholderText(tr("The opened run's summary appears here."));
    compare_table_ = new QTableWidget(0, 5);
    compare_table_->setObjectName("runsCompareTable");
    compare_table_->setHorizontalHeaderLabels(
        {tr("Figure"), tr("Baseline"), tr("Current"), tr("Change"), tr("Verdict")});
    compare_table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    compare_table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    compare_table_->setTabKeyNavigation(false);
    compare_table_->verticalHeader()->hide();
    compare_table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    compare_table_->horizontalHeader()->setStretchLastSection(true);
    compare_table_->setAccessibleName(tr("Comparison"));
    compare_table_->setWordWrap(false);
    compare_table_->verticalHeader()->setDefaultSectionSize(compare_table_->fontMetrics().height() + 8);
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 8);
    detail_ = new QStackedWidget;
    detail_->addWidget(summary_);
    detail_->addWidget(compare_table_);

    lower_ = new QSplitter(Qt::Horizontal);
    auto* lower = lower_;
    lower->addWidget(charts);
    lower->addWidget(detail_);
    lower->setStretchFactor(0, 1);
    lower->setStretchFactor(1, 1);
    auto* detailBox = new QWidget;
    auto* dl = new QVBoxLayout(detailBox);
    dl->setContentsMargins(0, 0, 0, 0);
    dl->addWidget(title_);
    dl->addWidget(changes_);
    dl->addWidget(align_row_);
    dl->addWidget(lower, 1);

    split_ = new QSplitter(Qt::Vertical);
    auto* split = split_;
    split->setObjectName("runsSplitter");
    split->addWidget(listBox);
    split->addWidget(detailBox);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 5);
    auto* lay = new QVBoxLayout(this);
    lay->addWidget(split);

    connect(filter_edit_, &QLineEdit::textChanged, filter_, &RunsFilter::setText);
    connect(filter_edit_, &QLineEdit::returnPressed, this, [this] {
        table_->setFocus();
        if (filter_->rowCount() > 0 && !table_->currentIndex().isValid())
            table_->setCurrentIndex(filter_->index(0, 0));
    });
    connect(scenario_box_, &QComboBox::currentIndexChanged, this,
            [this] { filter_->setScenario(scenario_box_->currentData().toString()); });
    connect(outcome_box_, &QComboBox::currentIndexChanged, this,
            [this] { filter_->setOutcome(outcome_box_->currentData().toString()); });
    connect(table_, &QAbstractItemView::activated, this, &RunsPage::onActivated);
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RunsPage::updateActions);
    connect(table_->selectionModel(), &QItemSelectionModel::currentChanged, this, &RunsPage::updateActions);
    setChartSeries(false);
    updateActions();
}

RunsPage::~RunsPage() = default;

void RunsPage::showEvent(QShowEvent* e) {
    Page::showEvent(e);
    if (sized_) return;
    sized_ = true;
    // The list six rows high (a fifth to a quarter of the height), the charts and the summary (or comparison)
    // side by side below.
    const int h = std::max(split_->height(), 300);
    const int rows = table_->horizontalHeader()->sizeHint().height() +
                     6 * table_->verticalHeader()->defaultSectionSize() + filter_edit_->sizeHint().height() +
                     tools_->sizeHint().height() + status_->sizeHint().height() + 24;
    // The charts need about 170 px each for their axis labels: the list gets at most a quarter.
    const int list = std::clamp(rows, h * 18 / 100, h * 22 / 100);
    split_->setSizes({list, h - list});
    const int w = std::max(lower_->width(), 300);
    lower_->setSizes({w * 2 / 5, w - w * 2 / 5});
}

void RunsPage::showInList(const QString& id) {
    const int r = model_->rowOf(id);
    if (r < 0) return;
    const QModelIndex pi = filter_->mapFromSource(model_->index(r, 0));
    if (!pi.isValid() || table_->currentIndex().row() == pi.row()) return;
    table_->selectionModel()->setCurrentIndex(
        pi, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    table_->scrollTo(pi);
}

void RunsPage::buildActions() {
    auto make = [this](const QString& text, const char* name, const QKeySequence& key, const QString& tip) {
        auto* a = new QAction(text, this);
        a->setObjectName(QLatin1String(name));
        if (!key.isEmpty()) {
            a->setShortcut(key);
            a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        }
        a->setToolTip(key.isEmpty() ? tip : tr("%1 (%2)").arg(tip, key.toString(QKeySequence::NativeText)));
        addAction(a);
        return a;
    };
    open_action_ = make(tr("Open"), "actionRunsOpen", {}, tr("Open the current run (Enter, double-click)"));
    connect(open_action_, &QAction::triggered, this, &RunsPage::onActivated);
    pin_action_ = make(tr("Pin as baseline"), "actionRunsPin", QKeySequence(Qt::CTRL | Qt::Key_B),
                       tr("Compare the runs opened next with this one"));
    connect(pin_action_, &QAction::triggered, this, [this] { pinBaseline(currentRun()); });
    unpin_action_ = make(tr("Unpin baseline"), "actionRunsUnpin",
                         QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_B), tr("Open runs on their own again"));
    connect(unpin_action_, &QAction::triggered, this, &RunsPage::clearBaseline);
    compare_action_ = make(tr("Compare"), "actionRunsCompare", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C),
                           tr("Compare the two selected runs (the older one is the baseline)"));
    connect(compare_action_, &QAction::triggered, this, [this] {
        const QStringList sel = selectedRuns();
        if (sel.size() != 2) return;
        const auto* a = model_->run(sel[0]);
        const auto* b = model_->run(sel[1]);
        if (!a || !b) return;
        if (a->started_ms <= b->started_ms)
            compareRuns(sel[0], sel[1]);
        else
            compareRuns(sel[1], sel[0]);
    });
    export_json_action_ = make(tr("Export JSON…"), "actionRunsExportJson", {},
                               tr("Save the run with its summary and every second as JSON"));
    connect(export_json_action_, &QAction::triggered, this, [this] { exportCurrent(true); });
    export_csv_action_ = make(tr("Export CSV…"), "actionRunsExportCsv", {},
                              tr("Save the run's timeline, one row per second, as CSV"));
    connect(export_csv_action_, &QAction::triggered, this, [this] { exportCurrent(false); });
    export_html_action_ = make(tr("Export HTML…"), "actionRunsExportHtml", {},
                               tr("Save a self-contained HTML report of the comparison shown, else of the "
                                  "selected run"));
    connect(export_html_action_, &QAction::triggered, this, &RunsPage::exportHtmlReport);
    delete_action_ = make(tr("Delete…"), "actionRunsDelete", QKeySequence(Qt::Key_Delete),
                          tr("Delete the selected run from the database"));
    connect(delete_action_, &QAction::triggered, this, [this] { deleteRun(currentRun()); });
    refresh_action_ = make(tr("Refresh"), "actionRunsRefresh", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R),
                           tr("Read the runs database again"));
    connect(refresh_action_, &QAction::triggered, this, &RunsPage::refresh);
    auto* find =
        make(tr("Filter"), "actionRunsFind", QKeySequence(Qt::CTRL | Qt::Key_F), tr("Filter the runs"));
    connect(find, &QAction::triggered, this, [this] {
        filter_edit_->setFocus();
        filter_edit_->selectAll();
    });
}

void RunsPage::setRunsDb(const QString& path) {
    db_ = path;
    refresh();
}

QString RunsPage::currentRun() const {
    // The row with the keyboard focus (Ctrl+arrows move it without selecting), else the first selected.
    const QModelIndex i = table_->currentIndex();
    if (i.isValid()) return i.data(RunsModel::IdRole).toString();
    return selectedRuns().value(0);
}

QStringList RunsPage::selectedRuns() const {
    QStringList out;
    const QModelIndex cur = table_->currentIndex();
    for (const QModelIndex& r : table_->selectionModel()->selectedRows())
        out << r.data(RunsModel::IdRole).toString();
    if (cur.isValid()) {
        const QString c = cur.data(RunsModel::IdRole).toString();
        if (out.removeOne(c)) out.prepend(c);
    }
    return out;
}

void RunsPage::updateActions() {
    const QStringList sel = selectedRuns();
    const bool one = !currentRun().isEmpty();
    open_action_->setEnabled(one);
    pin_action_->setEnabled(one);
    delete_action_->setEnabled(one);
    export_json_action_->setEnabled(one);
    export_csv_action_->setEnabled(one);
    export_html_action_->setEnabled(one || comparison_ != nullptr);
    compare_action_->setEnabled(sel.size() == 2);
    unpin_action_->setEnabled(!baseline_.isEmpty());
}

void RunsPage::refresh() {
    const QStringList keep = selectedRuns();
    const QString keepCurrent = table_->currentIndex().data(RunsModel::IdRole).toString();
    QString why;
    bool missing = false;
    std::vector<load::StoredRun> runs;
    std::size_t total = 0;
    bool refused = false;
    if (auto store = openStore(db_, &why, &missing)) {
        try {
            // The newest kListLimit: each listed run carries its summary (tens of KiB with its sketches).
            load::RunStore::ListQuery q;
            q.limit = kListLimit;
            runs = store->list(q);
            total = runs.size() < kListLimit ? runs.size() : store->count({});
            why.clear();
        } catch (const load::RunStoreError& e) {
            why = tr("runs database %1: %2").arg(db_, QString::fromUtf8(e.what()));
            refused = true;
        }
    } else {
        refused = !missing && !db_.isEmpty();
    }
    model_->setRuns(std::move(runs));
    // The scenario filter offers the scenarios there are (keeping the one chosen).
    const QString chosen = scenario_box_->currentData().toString();
    {
        const QSignalBlocker block(scenario_box_);
        scenario_box_->clear();
        scenario_box_->addItem(tr("All scenarios"), QString());
        for (const QString& s : model_->scenarios())
            scenario_box_->addItem(s, s);
        const int i = scenario_box_->findData(chosen);
        scenario_box_->setCurrentIndex(i < 0 ? 0 : i);
    }
    filter_->setScenario(scenario_box_->currentData().toString());
    status_->setObjectName(refused ? "inlineError" : "mutedLabel");
    status_->style()->unpolish(status_);
    status_->style()->polish(status_);
    if (refused)
        status_->setText(why);
    else if (missing || db_.isEmpty())
        status_->setText(tr("No runs saved yet (%1). Runs started from the Load test tab, and runs of "
                            "redline-load run --save --runs-db with this file, appear here.")
                             .arg(db_.isEmpty() ? tr("no runs database") : db_));
    else
        status_->setText(
            std::size_t(model_->rowCount()) < total
                ? tr("the newest %1 of %2 runs in %3 (redline-load runs list --limit 0 lists all)")
                      .arg(model_->rowCount())
                      .arg(total)
                      .arg(db_)
                : tr("%n run(s) in %1", nullptr, model_->rowCount()).arg(db_));
    // Selection and current row survive a refresh.
    auto* sm = table_->selectionModel();
    for (const QString& id : keep) {
        const int r = model_->rowOf(id);
        if (r < 0) continue;
        const QModelIndex pi = filter_->mapFromSource(model_->index(r, 0));
        if (pi.isValid()) sm->select(pi, QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }
    if (const int r = model_->rowOf(keepCurrent); r >= 0) {
        const QModelIndex pi = filter_->mapFromSource(model_->index(r, 0));
        if (pi.isValid()) sm->setCurrentIndex(pi, QItemSelectionModel::NoUpdate);
    }
    if (!baseline_.isEmpty() && model_->rowOf(baseline_) < 0) clearBaseline();
    if (!opened_.isEmpty() && model_->rowOf(opened_) < 0) showEmpty(tr("The opened run was deleted."));
    updateActions();
}

void RunsPage::onActivated() {
    const QString id = table_->currentIndex().data(RunsModel::IdRole).toString();
    if (!id.isEmpty()) openRun(id);
}

void RunsPage::pinBaseline(const QString& id) {
    const auto* r = model_->run(id);
    if (!r) return;
    baseline_ = id;
    baseline_label_->setText(
        tr("Baseline: <b>%1</b> of %2 (%3). Open another run to compare it with this one; "
           "Ctrl+Shift+B unpins.")
            .arg(QString::fromStdString(r->scenario).toHtmlEscaped(), localTime(r->started_ms), id.left(8)));
    baseline_label_->show();
    updateActions();
}

void RunsPage::clearBaseline() {
    baseline_.clear();
    baseline_label_->hide();
    updateActions();
}

void RunsPage::showEmpty(const QString& text) {
    opened_.clear();
    align_row_->hide();
    compared_base_.clear();
    comparison_.reset();
    series_.clear();
    title_->setText(text);
    changes_->hide();
    summary_->clear();
    compare_table_->setRowCount(0);
    detail_->setCurrentWidget(summary_);
    setChartSeries(false);
    refreshCharts(QDateTime::currentMSecsSinceEpoch() - 60'000, QDateTime::currentMSecsSinceEpoch());
}

QString RunsPage::runTitle(const load::StoredRun& r) const {
    return tr("<b>%1</b> · %2 · started %3 · %4 s · %5 · <span style='font-family:monospace'>%6</span>")
        .arg(QString::fromStdString(r.scenario).toHtmlEscaped(), RunsModel::outcomeOf(r).toHtmlEscaped(),
             localTime(r.started_ms))
        .arg(r.duration_s, 0, 'f', 1)
        .arg(QString::fromStdString(r.target).toHtmlEscaped(), QString::fromStdString(r.id));
}

load::Alignment RunsPage::alignment() const {
    return align_box_->currentData().toString() == QLatin1String("stages") ? load::Alignment::Stages
                                                                           : load::Alignment::Start;
}

void RunsPage::addSeconds(const std::vector<load::StoredSecond>& seconds, const QString& prefix,
                          std::int64_t anchor_ms, const load::StageAlignment& align, int side) {
    for (const auto& row : load::timeline_rows(seconds)) {
        const std::int64_t t = anchor_ms + std::llround(align.x(side, row.t_s) * 1000.0);
        Sample s = blank(t);
        setV(s, Metric::Rate, row.achieved);
        // A second without completed requests has no latency (absence is not zero).
        if (const auto p50 = row.quantile_ms(0.50)) {
            setV(s, Metric::P50, *p50);
            setV(s, Metric::P95, *row.quantile_ms(0.95));
            setV(s, Metric::P99, *row.quantile_ms(0.99));
        }
        if (row.requests) setV(s, Metric::ErrorRatio, double(row.failed) / double(row.requests));
        series_.appendSample(kAgent, prefix, s);
        auto one = [&](const QString& key, double v) {
            Sample x = blank(t);
            setV(x, Metric::Rate, v);
            series_.appendSample(kAgent, prefix + key, x);
        };
        one(QStringLiteral(".target"), row.target);
        one(QStringLiteral(".unsent"), double(row.unsent));
        one(QStringLiteral(".failed"), double(row.failed));
        one(QStringLiteral(".5xx"), double(row.http_5xx));
        one(QStringLiteral(".noresponse"), double(row.no_response));
        if (row.uncorrected.count()) {
            Sample u = blank(t);
            setV(u, Metric::Rate, row.achieved);
            setV(u, Metric::P99, row.uncorrected.quantile_ns(0.99) / 1e6);
            series_.appendSample(kAgent, prefix + QStringLiteral(".uncorrected"), u);
        }
    }
}

void RunsPage::addEvents(const load::StoredRun& run, const std::vector<nlohmann::json>& events,
                         std::int64_t anchor_ms, const load::StageAlignment& align, int side,
                         const QString& who) {
    for (const auto& j : events) {
        Event e;
        try {
            from_json(j, e);
        } catch (const nlohmann::json::exception& ex) {
            spdlog::warn("runs: run {}: a stored event cannot be read: {}", run.id, ex.what());
            continue;
        }
        if (e.kind == "loadtest.progress") continue;
        const double t_s = double(e.time_ms - run.started_ms) / 1000.0;
        e.time_ms = anchor_ms + std::llround(align.x_of_instant(side, t_s) * 1000.0);
        if (!who.isEmpty()) e.message = "(" + who.toStdString() + ") " + e.message;
        e.id = next_marker_id_++;
        series_.addEvent(kAgent, e);
    }
}

void RunsPage::addStageMarkers(const load::StageAlignment& align, std::int64_t anchor_ms) {
    for (const auto& b : align.boundaries()) {
        if (b.index == 0) continue;
        Event e;
        e.id = next_marker_id_++;
        e.time_ms = anchor_ms + std::llround(b.x * 1000.0);
        e.kind = "stage.start";
        e.actor = "run";
        e.message = b.label;
        series_.addEvent(kAgent, e);
    }
}

void RunsPage::setChartSeries(bool comparing) {
    auto muted = [](QColor c) { return translucent(c, 150); };
    if (!comparing) {
        rate_chart_->setSeries(
            {{"run.target", Metric::Rate, tr("target"), colors::target, Qt::DashLine, 1.0},
             {"run", Metric::Rate, tr("achieved"), colors::client, Qt::SolidLine, 1.0},
             {"run.unsent", Metric::Rate, tr("unsent"), colors::warning, Qt::DashLine, 1.0}});
        latency_chart_->setSeries(
            {{"run", Metric::P50, tr("p50"), colors::p50, Qt::SolidLine, 1.0},
             {"run", Metric::P95, tr("p95"), colors::p95, Qt::SolidLine, 1.0},
             {"run", Metric::P99, tr("p99"), colors::p99, Qt::SolidLine, 1.0},
             {"run.uncorrected", Metric::P99, tr("p99 uncorrected"), colors::p99, Qt::DotLine, 1.0}});
        failures_chart_->setSeries(
            {{"run.failed", Metric::Rate, tr("failed/s"), colors::bad, Qt::SolidLine, 1.0},
             {"run.5xx", Metric::Rate, tr("5xx/s"), colors::rate5xx, Qt::DashLine, 1.0},
             {"run.noresponse", Metric::Rate, tr("no response/s"), colors::warning, Qt::DotLine, 1.0}});
        return;
    }
    rate_chart_->setSeries(
        {{"cur.target", Metric::Rate, tr("target"), colors::target, Qt::DashLine, 1.0},
         {"base", Metric::Rate, tr("base achieved"), muted(colors::client), Qt::DashLine, 1.0},
         {"cur", Metric::Rate, tr("achieved"), colors::client, Qt::SolidLine, 1.0}});
    // p50 and p99 of both (p95 is in the table): the legend stays on one line.
    latency_chart_->setSeries({{"base", Metric::P50, tr("base p50"), muted(colors::p50), Qt::DashLine, 1.0},
                               {"base", Metric::P99, tr("base p99"), muted(colors::p99), Qt::DashLine, 1.0},
                               {"cur", Metric::P50, tr("p50"), colors::p50, Qt::SolidLine, 1.0},
                               {"cur", Metric::P99, tr("p99"), colors::p99, Qt::SolidLine, 1.0}});
    failures_chart_->setSeries(
        {{"base.failed", Metric::Rate, tr("base failed/s"), muted(colors::bad), Qt::DashLine, 1.0},
         {"cur.failed", Metric::Rate, tr("failed/s"), colors::bad, Qt::SolidLine, 1.0}});
}

void RunsPage::refreshCharts(std::int64_t from_ms, std::int64_t to_ms) {
    for (auto* ch : {rate_chart_, latency_chart_, failures_chart_}) {
        ch->invalidate();
        ch->refresh(series_, kAgent, from_ms, to_ms);
    }
}

bool RunsPage::openRun(const QString& id) {
    if (!baseline_.isEmpty() && baseline_ != id) return compareRuns(baseline_, id);
    QString why;
    auto store = openStore(db_, &why);
    if (!store) {
        emit message(why, true);
        return false;
    }
    std::optional<load::StoredRun> run;
    std::vector<load::StoredSecond> seconds;
    std::vector<nlohmann::json> events;
    try {
        run = store->get(id.toStdString());
        if (run) {
            seconds = store->seconds(run->id);
            events = store->agent_events(run->id);
        }
    } catch (const load::RunStoreError& e) {
        emit message(tr("runs database %1: %2").arg(db_, QString::fromUtf8(e.what())), true);
        return false;
    }
    if (!run) {
        emit message(tr("No run %1 in %2").arg(id, db_), true);
        return false;
    }
    opened_ = id;
    compared_base_.clear();
    comparison_.reset();
    series_.clear();
    align_row_->hide();
    showInList(id);
    addSeconds(seconds, QStringLiteral("run"), run->started_ms);
    // The events during the run and where its stages began, as the live charts showed them.
    const load::StageAlignment own({}, load::stage_spans(run->summary));
    addEvents(*run, events, run->started_ms, own, 1, QString());
    addStageMarkers(own, run->started_ms);
    setChartSeries(false);
    const QString context = QString::fromStdString(run->scenario) + QStringLiteral(" · ") + id.left(8);
    for (auto* ch : {rate_chart_, latency_chart_, failures_chart_})
        ch->setContext(context);
    const double span = std::max(run->duration_s, seconds.empty() ? 0.0 : seconds.back().t_s);
    refreshCharts(run->started_ms, run->started_ms + std::llround(std::max(span, 5.0) * 1000.0) + 500);
    title_->setText(runTitle(*run));
    changes_->hide();
    QString html;
    if (run->complete && run->summary.is_object()) {
        const auto parsed = load::summary_from_json(run->summary);
        if (parsed.ok())
            html = LoadPanel::summaryHtml(parsed.value());
        else
            html = tr("<p>The stored summary cannot be read: %1: %2</p>")
                       .arg(QString::fromStdString(parsed.errors().front().field),
                            QString::fromStdString(parsed.errors().front().message).toHtmlEscaped());
    } else {
        const auto rows = load::timeline_rows(seconds);
        std::uint64_t requests = 0, failed = 0;
        for (const auto& r : rows) {
            requests += r.requests;
            failed += r.failed;
        }
        html = tr("<h3>%1 — incomplete</h3><p>No end was recorded: the run is still going on, or the process "
                  "that ran it (pid %2 on %3) stopped before the end.</p><p>From the %4 seconds stored: "
                  "<b>%5</b> "
                  "requests, <b>%6</b> failed, p99 <b>%7</b>.</p>")
                   .arg(QString::fromStdString(run->scenario).toHtmlEscaped())
                   .arg(run->pid)
                   .arg(QString::fromStdString(run->host).toHtmlEscaped())
                   .arg(seconds.size())
                   .arg(requests)
                   .arg(failed)
                   .arg(run->p99_ms ? QStringLiteral("%1 ms").arg(*run->p99_ms, 0, 'f', 2)
                                    : QStringLiteral("—"));
    }
    summary_->setHtml(html);
    detail_->setCurrentWidget(summary_);
    return true;
}

QString RunsPage::whatChanged(const load::StoredRun& base, const load::StoredRun& cur) const {
    QStringList lines;
    auto diff = [&](const QString& what, const std::string& a, const std::string& b) {
        if (a != b)
            lines << tr("%1: %2 → %3")
                         .arg(what, QString::fromStdString(a).toHtmlEscaped(),
                              QString::fromStdString(b).toHtmlEscaped());
    };
    diff(tr("scenario"), base.scenario, cur.scenario);
    diff(tr("target"), base.target, cur.target);
    diff(tr("executor"), base.executor, cur.executor);
    // The scenario as run: every top-level setting that differs (stages, rate, requests, thresholds, ...).
    if (base.scenario_json.is_object() && cur.scenario_json.is_object()) {
        QStringList keys;
        for (const auto& [k, v] : base.scenario_json.items()) {
            if (k == "name" || k == "target" || k == "executor") continue;
            const auto it = cur.scenario_json.find(k);
            if (it == cur.scenario_json.end() || *it != v) keys << QString::fromStdString(k);
        }
        for (const auto& [k, v] : cur.scenario_json.items())
            if (!base.scenario_json.contains(k) && k != "name") keys << QString::fromStdString(k);
        if (!keys.isEmpty())
            lines << tr("scenario settings that differ: %1")
                         .arg(keys.join(QStringLiteral(", ")).toHtmlEscaped());
    }
    if (lines.isEmpty()) lines << tr("same scenario, target and executor");
    return lines.join(QStringLiteral(" · "));
}

bool RunsPage::compareRuns(const QString& baselineId, const QString& currentId) {
    QString why;
    auto store = openStore(db_, &why);
    if (!store) {
        emit message(why, true);
        return false;
    }
    std::optional<load::StoredRun> base, cur;
    std::vector<load::StoredSecond> bs, cs;
    std::vector<nlohmann::json> be, ce;
    try {
        base = store->get(baselineId.toStdString());
        cur = store->get(currentId.toStdString());
        if (base) {
            bs = store->seconds(base->id);
            be = store->agent_events(base->id);
        }
        if (cur) {
            cs = store->seconds(cur->id);
            ce = store->agent_events(cur->id);
        }
    } catch (const load::RunStoreError& e) {
        emit message(tr("runs database %1: %2").arg(db_, QString::fromUtf8(e.what())), true);
        return false;
    }
    if (!base || !cur) {
        emit message(tr("No run %1 in %2").arg(base ? currentId : baselineId, db_), true);
        return false;
    }
    for (const auto* r : {&*base, &*cur})
        if (!r->complete || !r->summary.is_object()) {
            emit message(tr("Run %1 (%2) is incomplete: without its summary it cannot be compared")
                             .arg(QString::fromStdString(r->id).left(8), QString::fromStdString(r->scenario)),
                         true);
            return false;
        }
    const auto pb = load::summary_from_json(base->summary);
    const auto pc = load::summary_from_json(cur->summary);
    if (!pb.ok() || !pc.ok()) {
        const auto& e = (!pb.ok() ? pb : pc).errors().front();
        emit message(tr("A stored summary cannot be read: %1: %2")
                         .arg(QString::fromStdString(e.field), QString::fromStdString(e.message)),
                     true);
        return false;
    }
    auto c = std::make_unique<load::RunComparison>(load::compare(pb.value(), pc.value()));
    c->base_run_id = base->id;
    c->cur_run_id = cur->id;
    opened_ = currentId;
    compared_base_ = baselineId;
    series_.clear();
    // Both drawn from the current run's start: aligned at the start, or per stage.
    const load::StageAlignment align =
        alignment() == load::Alignment::Stages
            ? load::StageAlignment(load::stage_spans(base->summary), load::stage_spans(cur->summary))
            : load::StageAlignment();
    addSeconds(bs, QStringLiteral("base"), cur->started_ms, align, 0);
    addSeconds(cs, QStringLiteral("cur"), cur->started_ms, align, 1);
    addEvents(*base, be, cur->started_ms, align, 0, tr("baseline"));
    addEvents(*cur, ce, cur->started_ms, align, 1, tr("current"));
    addStageMarkers(align, cur->started_ms);
    align_row_->show();
    setChartSeries(true);
    const QString context = tr("%1 vs baseline %2").arg(currentId.left(8), baselineId.left(8));
    for (auto* ch : {rate_chart_, latency_chart_, failures_chart_})
        ch->setContext(context);
    double span = std::max(align.x(0, base->duration_s), align.x(1, cur->duration_s));
    if (!bs.empty()) span = std::max(span, align.x(0, bs.back().t_s));
    if (!cs.empty()) span = std::max(span, align.x(1, cs.back().t_s));
    refreshCharts(cur->started_ms, cur->started_ms + std::llround(std::max(span, 5.0) * 1000.0) + 500);

    int regressed = 0, improved = 0;
    for (const auto& f : c->figures) {
        regressed += f.verdict == load::FigureVerdict::Regressed;
        improved += f.verdict == load::FigureVerdict::Improved;
    }
    title_->setText(
        tr("<b>Comparison</b> — baseline %1 (%2) vs current %3 (%4): <b>%5</b> regressed, <b>%6</b> "
           "improved, %7 figures")
            .arg(baselineId.left(8), localTime(base->started_ms), currentId.left(8),
                 localTime(cur->started_ms))
            .arg(regressed)
            .arg(improved)
            .arg(c->figures.size()));
    QString changed = tr("What changed: %1").arg(whatChanged(*base, *cur));
    for (const auto& w : c->warnings)
        changed += QStringLiteral("<br>⚠ ") + QString::fromStdString(w).toHtmlEscaped();
    changes_->setText(changed);
    changes_->show();
    fillCompareTable(*c);
    detail_->setCurrentWidget(compare_table_);
    comparison_ = std::move(c);
    updateActions();
    return true;
}

void RunsPage::fillCompareTable(const load::RunComparison& c) {
    compare_table_->setRowCount(0);
    compare_table_->setRowCount(static_cast<int>(c.figures.size()));
    int row = 0;
    for (const auto& f : c.figures) {
        auto set = [&](int col, const QString& text,
                       Qt::Alignment align = Qt::AlignRight | Qt::AlignVCenter) {
            auto* item = new QTableWidgetItem(text);
            item->setTextAlignment(align);
            compare_table_->setItem(row, col, item);
            return item;
        };
        auto* name = set(0, QString::fromStdString(f.id()), Qt::AlignLeft | Qt::AlignVCenter);
        name->setData(Qt::UserRole, QString::fromStdString(f.id()));
        name->setToolTip(QString::fromStdString(f.test + (f.note.empty() ? "" : " — " + f.note)));
        set(1, number(f.base, f.unit));
        set(2, number(f.current, f.unit));
        set(3, f.comparable ? QStringLiteral("%1 (%2)").arg(signedChange(f), relativeText(f))
                            : QStringLiteral("—"));
        const QString verdictText = QString::fromUtf8(load::to_string(f.verdict).data());
        auto* v = set(4, verdictText, Qt::AlignLeft | Qt::AlignVCenter);
        v->setData(Qt::UserRole, verdictText);
        v->setToolTip(
            tr("p(worse) = %1, p(better) = %2%3")
                .arg(f.p_worse, 0, 'g', 3)
                .arg(f.p_better, 0, 'g', 3)
                .arg(f.note.empty() ? QString() : QStringLiteral(" — ") + QString::fromStdString(f.note)));
        QFont bold = v->font();
        switch (f.verdict) {
            case load::FigureVerdict::Regressed:
                v->setForeground(verdict::bad(dark_));
                bold.setBold(true);
                v->setFont(bold);
                break;
            case load::FigureVerdict::Improved:
                v->setForeground(verdict::good(dark_));
                bold.setBold(true);
                v->setFont(bold);
                break;
            case load::FigureVerdict::NoChange:
                break;
            case load::FigureVerdict::NotComparable:
                v->setForeground(verdict::muted(dark_));
                break;
        }
        ++row;
    }
}

void RunsPage::setDark(bool dark) {
    dark_ = dark;
    model_->setDark(dark);
    for (auto* ch : {rate_chart_, latency_chart_, failures_chart_})
        ch->applyTheme(dark);
    if (comparison_) fillCompareTable(*comparison_);
}

bool RunsPage::exportJson(const QString& id, const QString& path, QString* error) const {
    QString why;
    auto store = openStore(db_, &why);
    if (!store) {
        if (error) *error = why;
        return false;
    }
    try {
        const nlohmann::json doc = load::run_document(*store, id.toStdString());
        if (doc.is_null()) {
            if (error) *error = tr("no run %1 in %2").arg(id, db_);
            return false;
        }
        return writeFile(path, doc.dump(2) + "\n", error);
    } catch (const load::RunStoreError& e) {
        if (error) *error = tr("runs database %1: %2").arg(db_, QString::fromUtf8(e.what()));
        return false;
    }
}

bool RunsPage::exportCsv(const QString& id, const QString& path, QString* error) const {
    QString why;
    auto store = openStore(db_, &why);
    if (!store) {
        if (error) *error = why;
        return false;
    }
    try {
        const std::string csv = load::timeline_csv(*store, id.toStdString());
        if (csv.empty()) {
            if (error) *error = tr("no run %1 in %2").arg(id, db_);
            return false;
        }
        return writeFile(path, csv, error);
    } catch (const load::RunStoreError& e) {
        if (error) *error = tr("runs database %1: %2").arg(db_, QString::fromUtf8(e.what()));
        return false;
    }
}

bool RunsPage::exportHtml(const QString& baselineId, const QString& id, const QString& path,
                          QString* error) const {
    QString why;
    auto store = openStore(db_, &why);
    if (!store) {
        if (error) *error = why;
        return false;
    }
    load::ReportOptions o;
    o.generator = std::string("the redline dashboard ") + REDLINE_VERSION;
    o.align = alignment();
    try {
        const std::string html =
            baselineId.isEmpty()
                ? load::render_run_report_html(*store, id.toStdString(), o)
                : load::render_comparison_report_html(*store, baselineId.toStdString(), id.toStdString(), o);
        return writeFile(path, html, error);
    } catch (const load::ReportError& e) {
        if (error) *error = QString::fromUtf8(e.what());
        return false;
    } catch (const load::RunStoreError& e) {
        if (error) *error = tr("runs database %1: %2").arg(db_, QString::fromUtf8(e.what()));
        return false;
    }
}

void RunsPage::exportHtmlReport() {
    const bool cmp = comparison_ != nullptr && !compared_base_.isEmpty();
    const QString id = cmp ? opened_ : currentRun();
    const auto* r = model_->run(id);
    if (!r) return;
    const QString name =
        cmp ? QStringLiteral("%1-%2-vs-%3.html")
                  .arg(QString::fromStdString(r->scenario), compared_base_.left(8), id.left(8))
            : QStringLiteral("%1-%2.html").arg(QString::fromStdString(r->scenario), id.left(8));
    const QString path = save_path_(cmp ? tr("Export comparison as HTML") : tr("Export run as HTML"),
                                    QDir::home().filePath(name), tr("HTML (*.html)"));
    if (path.isEmpty()) return;
    QString err;
    if (exportHtml(cmp ? compared_base_ : QString(), id, path, &err))
        emit message(tr("Saved the report to %1").arg(path), false);
    else
        emit message(tr("Export failed: %1").arg(err), true);
}

void RunsPage::exportCurrent(bool json) {
    const QString id = currentRun();
    const auto* r = model_->run(id);
    if (!r) return;
    const QString suggested = QDir::home().filePath(
        QStringLiteral("%1-%2.%3")
            .arg(QString::fromStdString(r->scenario), id.left(8), json ? "json" : "csv"));
    const QString path = json ? save_path_(tr("Export run as JSON"), suggested, tr("JSON (*.json)"))
                              : save_path_(tr("Export timeline as CSV"), suggested, tr("CSV (*.csv)"));
    if (path.isEmpty()) return;
    QString err;
    if (json ? exportJson(id, path, &err) : exportCsv(id, path, &err))
        emit message(tr("Saved run %1 to %2").arg(id.left(8), path), false);
    else
        emit message(tr("Export failed: %1").arg(err), true);
}

bool RunsPage::deleteRun(const QString& id) {
    const auto* r = model_->run(id);
    if (!r) return false;
    if (!recording_.isEmpty() && id == recording_) {
        emit message(
            tr("Run %1 is being recorded by this dashboard: stop it first (Load test tab)").arg(id.left(8)),
            true);
        return false;
    }
    if (!confirm_(
            tr("Delete run %1 (%2, started %3) and every second stored with it?\n\nThis cannot be undone.")
                .arg(id.left(8), QString::fromStdString(r->scenario), localTime(r->started_ms))))
        return false;
    QString why;
    auto store = openStore(db_, &why);
    if (!store) {
        emit message(why, true);
        return false;
    }
    bool removed = false;
    try {
        removed = store->remove(id.toStdString());
    } catch (const load::RunStoreError& e) {
        emit message(tr("runs database %1: %2").arg(db_, QString::fromUtf8(e.what())), true);
        return false;
    }
    if (id == baseline_) clearBaseline();
    refresh();
    if (id == opened_ || id == compared_base_) showEmpty(tr("The opened run was deleted."));
    if (removed) emit message(tr("Deleted run %1").arg(id.left(8)), false);
    return removed;
}

}  // namespace redline::ui
