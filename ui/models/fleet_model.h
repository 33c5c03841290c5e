// The Overview's fleet table: one row per agent (Dashboard::agentIds()), one total row per service (the
// newest snapshot's `service`, which for Prometheus-discovered instances is their job label) and one row
// for the whole fleet. The figures of an agent are its newest snapshot's total, judged against the SLOs by
// CardFigures (the same judgement, colours and number format the overview cards had); the trend column is
// the agent's request rate over the last kTrendSeconds from the SeriesStore, cached per row as a SparkData
// that SparklineDelegate paints.
//
// Totals (group and fleet rows) add up the LIVE members only (a stale instance's last figures are not part
// of a current total; the state cell says "N / M live"): rate = sum of rates; error ratio = sum of error
// rates (5xx/s) / sum of rates, from the sums, not an average of ratios; cache hit ratio = sum of hits / sum
// of lookups (an instance that reports only a ratio, e.g. from Prometheus, counts as ratio x rate hits of
// rate lookups). A p99 cannot be computed from per-instance p99s: the total rows show the worst live
// instance's p99, labelled "max" in the cell and its tooltip. Absent figures are "—" with a tooltip that
// says why, never 0.
//
// Updates: refresh(now) once per Dashboard::ticked() while the table is visible recomputes every row and
// emits one dataChanged per changed column range (state, then the figures and trend) for the live roles;
// rows are inserted and removed only when agents or services come and go; the model is never reset.
//
// Threading: GUI thread only.
#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <QString>
#include <cstdint>
#include <vector>

#include "core/stream_consumer.h"
#include "ui/session/freshness.h"
#include "ui/session/slo.h"
#include "ui/widgets/sparkline_delegate.h"

namespace redline::ui {

class Dashboard;

class FleetModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column { StateCol, NameCol, RateCol, ErrorCol, P99Col, HitCol, TrendCol, ColumnCount };
    enum Role {
        IdRole = Qt::UserRole + 1,  // agent id (agent rows), service (group rows), empty (fleet row)
        KindRole,                   // int(Kind)
        GroupRole,                  // the service the row belongs to (agent and group rows)
        SortRole,                   // double, int or QString; invalid = absent (sorts last)
        HealthRole,                 // int(Health) of a figure cell
        SparkRole,                  // SparkData (TrendCol)
        FilterRole,                 // QStringList: name, url, service, state (for the text filter)
    };
    enum class Kind { Agent = 0, Group = 1, Fleet = 2 };
    /// The trend column: request rate of the last 5 minutes.
    static constexpr int kTrendSeconds = 300;

    explicit FleetModel(Dashboard* dashboard, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

    /// Recomputes every row's figures and trend at now_ms (local unix ms) and signals what changed.
    void refresh(std::int64_t now_ms);
    /// Text colours for the dark or the light theme.
    void setDark(bool dark);

    int rowOfAgent(const QString& id) const;
    int rowOfGroup(const QString& service) const;
    int fleetRow() const { return 0; }
    Kind kindAt(int row) const { return rows_[static_cast<std::size_t>(row)].kind; }
    /// The figures of a row as judged now (tests).
    const CardFigures& figuresAt(int row) const { return rows_[static_cast<std::size_t>(row)].fig; }
    /// Label of a group without a service (agents without a snapshot yet).
    static QString noServiceLabel();

  private:
    struct Row {
        Kind kind = Kind::Agent;
        QString id;       // agent id, or the group's service
        QString service;  // newest snapshot's service ("" before the first one)
        CardFigures fig;
        Freshness fresh;
        StreamState state = StreamState::Connecting;
        QString stateText, stateTip;
        int live = 0, members = 0;  // total rows: live members / members
        SparkData trend;
        double trend_mean = 0;  // SortRole of the trend column (NaN: no points)
    };
    void addAgent(const QString& id);
    void removeAgent(const QString& id);
    void syncGroups();
    void computeAgent(Row& r, std::int64_t now_ms) const;
    void computeTotals(std::int64_t now_ms);
    bool notExported(const QString& id, Figure f) const;
    QVariant display(const Row& r, int col) const;
    QVariant toolTip(const Row& r, int col) const;
    QVariant sortKey(const Row& r, int col) const;
    void reindex();

    Dashboard* d_;
    std::vector<Row> rows_;  // row 0: the fleet; then agents and groups in the order they appeared
    QHash<QString, int> agent_row_, group_row_;
    bool dark_ = true;
};

}  // namespace redline::ui
