// Stable-versus-canary comparison (rows: rate, p95, p99, error ratio, cache hit ratio; columns: stable,
// canary, difference) computed from the latest snapshot for one route or all routes. A difference that makes
// the canary worse beyond a tolerance is flagged (red); better is green. A version whose series received no
// requests in the window (the canary at weight 0 %, the stable side after a promotion) keeps its rows: its
// rate cell reads "no traffic", its other cells and the differences "—", while the other version's figures
// stay. Latencies read in adaptive units (ui/models/figure_text.h: "60.3 µs", "4.20 ms").
//
// setStale(true) (the agent is not live: its last second, not the present) greys every figure and drops the
// worse / better colours, like the other tables of a source that is not live.
//
// Threading: GUI thread only. Live values change with dataChanged on the value columns.
#pragma once

#include <QAbstractTableModel>
#include <array>
#include <optional>

#include "core/snapshot.h"

namespace redline::ui {

class ComparisonModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Row { RateRow, P95Row, P99Row, ErrorRow, HitRow, RowCount };
    enum Column { Metric, Stable, Canary, Difference, ColumnCount };
    enum Role { VerdictRole = Qt::UserRole + 1 };  // -1 canary worse, 0 similar, +1 canary better

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

    /// route empty = all routes (p95/p99: worst route of each version).
    void update(const Snapshot& s, const QString& route);
    void clear();
    std::optional<double> value(int row, int versionColumn) const;
    /// True when the version (Stable or Canary column) served requests in the snapshot's window.
    bool hasTraffic(int versionColumn) const;
    int verdict(int row) const;
    void setStale(bool stale);
    bool stale() const { return stale_; }

  private:
    struct Side {
        std::array<std::optional<double>, RowCount> v;
        bool present = false;  // the snapshot has series of this version (for the route)
        double requests = 0;
    };
    const Side& side(int versionColumn) const { return versionColumn == Stable ? stable_ : canary_; }
    bool idle(int versionColumn) const { return side(versionColumn).present && !hasTraffic(versionColumn); }
    Side stable_, canary_;
    bool stale_ = false;
};

}  // namespace redline::ui
