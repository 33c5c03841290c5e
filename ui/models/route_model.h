// The Charts page's "top routes" table of one agent: one row per (route, version) of its newest snapshot,
// with the fleet table's figures (rate, error ratio, p99, cache hit ratio, judged against the SLOs by
// CardFigures, greyed while the agent is not live) and trend (request rate of the route and version over the
// last FleetModel::kTrendSeconds, painted by SparklineDelegate). Uses FleetModel's roles, so FleetSortProxy
// sorts it (absent figures last); the Charts page sorts it by rate, descending, by default.
//
// Updates: refresh(now) once per tick while visible: one dataChanged over the figure and trend columns; a
// route seen for the first time is inserted; setAgent() resets (a whole new data set).
//
// Threading: GUI thread only.
#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <cstdint>
#include <vector>

#include "ui/session/freshness.h"
#include "ui/session/slo.h"
#include "ui/widgets/sparkline_delegate.h"

namespace redline::ui {

class Dashboard;

class RouteModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column { RouteCol, VersionCol, RateCol, ErrorCol, P99Col, HitCol, TrendCol, ColumnCount };

    explicit RouteModel(Dashboard* dashboard, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

    void setAgent(const QString& id);
    QString agent() const { return agent_; }
    void refresh(std::int64_t now_ms);
    void setDark(bool dark);
    /// The route id ("GET /v1/products") of a row.
    QString routeAt(int row) const { return rows_[static_cast<std::size_t>(row)].route; }

  private:
    struct Row {
        QString route, version;
        CardFigures fig;
        SparkData trend;
    };

    Dashboard* d_;
    QString agent_;
    std::vector<Row> rows_;
    QHash<QString, int> row_of_;  // series key -> row
    Freshness fresh_;
    bool dark_ = true;
};

}  // namespace redline::ui
