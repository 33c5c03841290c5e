// The Runs tab's list: one row per stored load run (RunStore::list, newest first), and the filter/sort proxy
// in front of it (free text over scenario, target, outcome and id; one scenario; one outcome).
//
// Columns: Started (local time), Scenario, Outcome ("incomplete" when no end was recorded, shown in the
// warning colour and italic), Duration, Requests, Failures (count and share), p99 (corrected, whole run),
// Target. SortRole holds the raw value (times, numbers) so sorting is by value, not by text.
//
// Threading: GUI thread only.
#pragma once

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <QStringList>
#include <vector>

#include "core/load/run_record.h"

namespace redline::ui {

class RunsModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column {
        StartedCol,
        ScenarioCol,
        OutcomeCol,
        DurationCol,
        RequestsCol,
        FailuresCol,
        P99Col,
        TargetCol,
        ColumnCount
    };
    enum Role { SortRole = Qt::UserRole + 1, IdRole, OutcomeRole, ScenarioRole };

    using QAbstractTableModel::QAbstractTableModel;
    void setRuns(std::vector<load::StoredRun> runs);
    const std::vector<load::StoredRun>& runs() const { return runs_; }
    /// Row of the run with this id, -1 when not listed.
    int rowOf(const QString& id) const;
    const load::StoredRun* run(const QString& id) const;
    QStringList scenarios() const;
    /// "passed", "thresholds_failed", ..., "incomplete".
    static QString outcomeOf(const load::StoredRun& r);
    /// Failed requests of the run (the summary's errors when complete, else from the stored seconds).
    static std::uint64_t failuresOf(const load::StoredRun& r);
    /// Regressed-and-bad colour choice of the theme (set by the page).
    void setDark(bool dark);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation o, int role) const override;

  private:
    std::vector<load::StoredRun> runs_;
    bool dark_ = true;
};

class RunsFilter : public QSortFilterProxyModel {
    Q_OBJECT
  public:
    explicit RunsFilter(QObject* parent = nullptr);
    /// Words that must all occur (case-insensitive) in the scenario, target, outcome or id.
    void setText(const QString& text);
    void setScenario(const QString& scenario);  // "" = every scenario
    void setOutcome(const QString& outcome);    // "" = every outcome

  protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override;

  private:
    QStringList words_;
    QString scenario_, outcome_;
};

}  // namespace redline::ui
