// The Runs tab (docs/dashboard-runs.md): every load run kept in the runs database (the dashboard's own and
// `redline-load run --save`'s), listed, filtered and sorted; one opened with its charts and summary as they
// were live; two compared figure by figure (core/load/compare.h) with overlaid charts; a run exported as JSON
// (the `redline-load runs show ID -o json` document) or as a CSV timeline; a run deleted after a question.
//
// Keys (the table has the focus): Enter / double-click opens the current run (compared with the pinned
// baseline when there is one), Delete deletes the selected run, Ctrl+B pins the current run as the baseline,
// Ctrl+Shift+B unpins it, Ctrl+Shift+C compares the two selected runs (the older is the baseline),
// Ctrl+Shift+R re-reads the database, Ctrl+F goes to the filter.
//
// The database is opened for each read and never created here (RunStore::Mode::MustExist): a missing file is
// an empty list, a refused one (not a database, a newer schema) is said inline and never written to.
//
// Threading: GUI thread only.
#pragma once

#include <QString>
#include <functional>
#include <memory>
#include <optional>

#include "core/load/compare.h"
#include "core/load/run_record.h"
#include "core/load/stage_alignment.h"
#include "ui/pages/page.h"
#include "ui/session/series_store.h"

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QSplitter;
class QStackedWidget;
class QTableView;
class QTableWidget;
class QTextBrowser;
class QToolBar;

namespace redline::ui {

class ChartView;
class RunsFilter;
class RunsModel;

class RunsPage : public Page {
    Q_OBJECT
  public:
    explicit RunsPage(QWidget* parent = nullptr);
    ~RunsPage() override;

    void setRunsDb(const QString& path);
    QString runsDb() const { return db_; }
    /// Re-reads the list (keeps the selection and what is open when they still exist).
    void refresh();

    /// Opens one run; with a pinned baseline (other than id) compares it with that baseline instead.
    bool openRun(const QString& id);
    /// Compares two stored runs (both must be complete: a comparison needs their summaries).
    bool compareRuns(const QString& baselineId, const QString& currentId);
    void pinBaseline(const QString& id);
    void clearBaseline();
    /// Deletes the run after asking (setConfirm); false when refused or it failed.
    bool deleteRun(const QString& id);
    /// Writes the run's document / timeline; false and *error (one line) when it could not.
    bool exportJson(const QString& id, const QString& path, QString* error = nullptr) const;
    bool exportCsv(const QString& id, const QString& path, QString* error = nullptr) const;
    /// Writes the HTML report (core/load/report_html.h) of run id, or with baselineId of the comparison
    /// baseline -> id; false and *error (one line) when it could not.
    bool exportHtml(const QString& baselineId, const QString& id, const QString& path,
                    QString* error = nullptr) const;

    /// Replaces the "are you sure?" question (tests); return true to proceed.
    void setConfirm(std::function<bool(const QString&)> confirm) { confirm_ = std::move(confirm); }
    /// Replaces the save-file dialog (tests): (title, suggested path, filter) -> path, "" = cancelled.
    void setSavePath(std::function<QString(const QString&, const QString&, const QString&)> f) {
        save_path_ = std::move(f);
    }
    void setDark(bool dark);
    /// The run this dashboard is recording now ("" = none): it cannot be deleted until it ends.
    void setRecordingRun(const QString& id) { recording_ = id; }
    /// Runs listed at most (the newest; the status line says when there are more).
    static constexpr std::size_t kListLimit = 5000;

    // What is shown (tests, screenshots).
    QString openedRun() const { return opened_; }
    QString baselineRun() const { return baseline_; }
    /// The comparison shown, nullptr when one run (or none) is open.
    const load::RunComparison* comparison() const { return comparison_.get(); }
    /// The selected runs' ids (current first).
    QStringList selectedRuns() const;
    /// The run the keyboard focus is on, else the first selected; "" for none.
    QString currentRun() const;
    QTableView* table() const { return table_; }
    RunsModel* model() const { return model_; }
    RunsFilter* filter() const { return filter_; }
    QLineEdit* filterEdit() const { return filter_edit_; }
    QComboBox* scenarioBox() const { return scenario_box_; }
    QComboBox* outcomeBox() const { return outcome_box_; }
    /// How a comparison's charts are drawn (Alt+L): from both starts, or with stage i of both together. It
    /// applies to the charts shown and to Export HTML.
    QComboBox* alignBox() const { return align_box_; }
    load::Alignment alignment() const;
    QLabel* statusLabel() const { return status_; }
    QLabel* titleLabel() const { return title_; }
    QLabel* changesLabel() const { return changes_; }
    QTextBrowser* summaryView() const { return summary_; }
    QTableWidget* compareTable() const { return compare_table_; }
    ChartView* rateChart() const { return rate_chart_; }
    ChartView* latencyChart() const { return latency_chart_; }
    ChartView* failuresChart() const { return failures_chart_; }
    const SeriesStore& chartStore() const { return series_; }
    /// The chart store's agent key.
    static inline const QString kAgent = QStringLiteral("runs");

  protected:
    void showEvent(QShowEvent* e) override;

  private:
    void buildActions();
    /// Makes the run the table's current (and only selected) row when it is listed.
    void showInList(const QString& id);
    void onActivated();
    void exportCurrent(bool json);
    void exportHtmlReport();
    void updateActions();
    void showEmpty(const QString& text);
    /// Fills the chart store with one run's seconds, keys prefixed: a second ending t_s after the run's
    /// start is drawn at anchor_ms + align.x(side, t_s) s.
    void addSeconds(const std::vector<load::StoredSecond>& seconds, const QString& prefix,
                    std::int64_t anchor_ms, const load::StageAlignment& align = {}, int side = 1);
    /// The agent's events stored with a run, as chart markers where that run is drawn (`who` prefixes the
    /// message in a comparison: "baseline", "current").
    void addEvents(const load::StoredRun& run, const std::vector<nlohmann::json>& events,
                   std::int64_t anchor_ms, const load::StageAlignment& align, int side, const QString& who);
    /// Markers where the (common) stages begin, after the first.
    void addStageMarkers(const load::StageAlignment& align, std::int64_t anchor_ms);
    void setChartSeries(bool comparing);
    void refreshCharts(std::int64_t from_ms, std::int64_t to_ms);
    void fillCompareTable(const load::RunComparison& c);
    QString whatChanged(const load::StoredRun& base, const load::StoredRun& cur) const;
    QString runTitle(const load::StoredRun& r) const;

    QString db_;
    QString opened_, baseline_, compared_base_, recording_;
    std::unique_ptr<load::RunComparison> comparison_;
    bool dark_ = true;
    std::function<bool(const QString&)> confirm_;
    std::function<QString(const QString&, const QString&, const QString&)> save_path_;

    RunsModel* model_;
    RunsFilter* filter_;
    QSplitter* split_;
    QSplitter* lower_;
    QToolBar* tools_;
    bool sized_ = false;
    QTableView* table_;
    QLineEdit* filter_edit_;
    QComboBox* scenario_box_;
    QComboBox* outcome_box_;
    QComboBox* align_box_;
    QWidget* align_row_;
    std::uint64_t next_marker_id_ = 1;
    QLabel* status_;
    QLabel* baseline_label_;
    QLabel* title_;
    QLabel* changes_;
    QStackedWidget* detail_;
    QTextBrowser* summary_;
    QTableWidget* compare_table_;
    ChartView* rate_chart_;
    ChartView* latency_chart_;
    ChartView* failures_chart_;
    SeriesStore series_{86400};
    QAction* open_action_;
    QAction* delete_action_;
    QAction* pin_action_;
    QAction* unpin_action_;
    QAction* compare_action_;
    QAction* refresh_action_;
    QAction* export_json_action_;
    QAction* export_csv_action_;
    QAction* export_html_action_;
};

}  // namespace redline::ui
