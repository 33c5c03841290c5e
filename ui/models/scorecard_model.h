// The live scorecard of a rollout's canary analysis (core/rollout.h Scorecard, from GET /v1/rollout): one row
// per metric in the agent's order (latency distribution, p50, p95, p99, error ratio, cache hit ratio, 429
// ratio) with the stable and canary values, their difference, the bound the canary may reach, the verdict
// (its word, coloured as the fleet table's health figures), the p-value and the sample counts; the metric's
// one-sentence detail is every cell's tooltip. Absent values (no requests) are "—", never 0.
//
// Updates: a scorecard with the same metrics (by name, in order) is one dataChanged; another set resets.
// setStale() greys the values (the agent is not live: the last answer, not the present).
//
// Threading: GUI thread only.
#pragma once

#include <QAbstractTableModel>
#include <optional>

#include "core/rollout.h"

namespace redline::ui {

class ScorecardModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column {
        MetricCol,
        StableCol,
        CanaryCol,
        DifferenceCol,
        AllowedCol,
        VerdictCol,
        PValueCol,
        SamplesCol,
        ColumnCount
    };
    enum Role { VerdictRole = Qt::UserRole + 1 };  // the core Verdict as int

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

    /// nullopt (no analysis yet) empties the table.
    void setScorecard(const std::optional<Scorecard>& s);
    const std::optional<Scorecard>& scorecard() const { return card_; }
    void setDark(bool dark);
    void setStale(bool stale);
    bool stale() const { return stale_; }
    int rowOf(const QString& metric) const;

    /// "pass", "FAIL", "inconclusive", "n/a": the verdict in words (colour is never the only signal).
    static QString verdictText(Verdict v);
    /// "p99 latency", "error ratio", ...
    static QString metricLabel(const std::string& metric);

  private:
    QString valueText(const std::optional<double>& v, const std::string& unit, bool signedValue) const;
    std::optional<Scorecard> card_;
    bool dark_ = true;
    bool stale_ = false;
};

}  // namespace redline::ui
