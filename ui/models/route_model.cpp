#include "ui/models/route_model.h"

#include "core/snapshot.h"
#include "ui/models/fleet_model.h"
#include "ui/session/dashboard.h"
#include "ui/widgets/health_colors.h"

namespace redline::ui {

namespace {
constexpr int kTrendPoints = 60;

Figure figureOf(int col) {
    switch (col) {
        case RouteModel::RateCol:
            return Figure::Rate;
        case RouteModel::ErrorCol:
            return Figure::ErrorRatio;
        case RouteModel::P99Col:
            return Figure::P99;
        default:
            return Figure::HitRatio;
    }
}
bool isFigure(int col) {
    return col >= RouteModel::RateCol && col <= RouteModel::HitCol;
}
}  // namespace

RouteModel::RouteModel(Dashboard* dashboard, QObject* parent) : QAbstractTableModel(parent), d_(dashboard) {
    connect(d_, &Dashboard::agentRemoved, this, [this](const QString& id) {
        if (id == agent_) setAgent({});
    });
}

int RouteModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int RouteModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

void RouteModel::setAgent(const QString& id) {
    if (id == agent_) return;
    beginResetModel();
    agent_ = id;
    rows_.clear();
    row_of_.clear();
    endResetModel();
}

void RouteModel::refresh(std::int64_t now_ms) {
    if (agent_.isEmpty()) return;
    const auto snap = d_->store().latest(agent_);
    fresh_ = d_->freshness(agent_, now_ms);
    if (!snap) return;
    const std::int64_t from = now_ms - std::int64_t{FleetModel::kTrendSeconds} * 1000;
    for (const SeriesSnapshot& s : snap->series) {
        const QString route = QString::fromStdString(s.id()), version = QString::fromStdString(s.version);
        const QString key = seriesKey(route, version);
        int row = row_of_.value(key, -1);
        if (row < 0) {
            row = rowCount();
            beginInsertRows({}, row, row);
            rows_.push_back(Row{route, version, {}, {}});
            row_of_.insert(key, row);
            endInsertRows();
        }
        Row& r = rows_[static_cast<std::size_t>(row)];
        Snapshot one;  // CardFigures judges a snapshot's total: this series as one
        one.window_s = snap->window_s;
        one.total = s;
        r.fig = CardFigures::from(&one, d_->slo(), fresh_);
        r.trend.from_ms = from;
        r.trend.to_ms = std::max(now_ms, from + 1);
        r.trend.greyed = !fresh_.live;
        r.trend.points = d_->store().points(agent_, key, Metric::Rate, from, now_ms, kTrendPoints);
    }
    if (!rows_.empty())
        emit dataChanged(index(0, RateCol), index(rowCount() - 1, TrendCol),
                         {Qt::DisplayRole, Qt::ToolTipRole, Qt::ForegroundRole, FleetModel::SortRole,
                          FleetModel::HealthRole, FleetModel::SparkRole});
}

void RouteModel::setDark(bool dark) {
    if (dark == dark_) return;
    dark_ = dark;
    if (!rows_.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1), {Qt::ForegroundRole});
}

QVariant RouteModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const Row& r = rows_[static_cast<std::size_t>(index.row())];
    const int col = index.column();
    switch (role) {
        case Qt::DisplayRole:
            if (col == RouteCol) return r.route;
            if (col == VersionCol) return r.version;
            if (isFigure(col)) return r.fig.text(figureOf(col));
            return {};
        case Qt::ToolTipRole:
            if (col == TrendCol)
                return tr("Request rate of %1 (%2), last %3 min")
                    .arg(r.route, r.version)
                    .arg(FleetModel::kTrendSeconds / 60);
            if (isFigure(col) && !r.fig[figureOf(col)])
                return figureOf(col) == Figure::HitRatio
                           ? tr("No cache lookups on this route in the window")
                           : tr("No requests on this route in the window: no figure (not 0)");
            if (isFigure(col) && !fresh_.live) return tr("Not current: the agent is not live");
            return {};
        case Qt::ForegroundRole: {
            if (!fresh_.live) return *healthColor(Health::Stale, dark_);
            if (!isFigure(col)) return {};
            const auto c = healthColor(r.fig.healthOf(figureOf(col)), dark_);
            return c ? QVariant(*c) : QVariant();
        }
        case Qt::TextAlignmentRole:
            return isFigure(col) ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                 : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
        case FleetModel::IdRole:
            return seriesKey(r.route, r.version);
        case FleetModel::SortRole: {
            if (col == RouteCol) return r.route.toLower();
            if (col == VersionCol) return r.version;
            if (col == TrendCol) return {};
            const auto v = r.fig[figureOf(col)];
            return v ? QVariant(*v) : QVariant();
        }
        case FleetModel::HealthRole:
            return isFigure(col) ? static_cast<int>(r.fig.healthOf(figureOf(col))) : QVariant();
        case FleetModel::SparkRole:
            return col == TrendCol ? QVariant::fromValue(r.trend) : QVariant();
        default:
            return {};
    }
}

QVariant RouteModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal) return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
            case RouteCol:
                return tr("Route");
            case VersionCol:
                return tr("Version");
            case RateCol:
                return tr("Rate /s");
            case ErrorCol:
                return tr("Errors");
            case P99Col:
                return tr("p99");
            case HitCol:
                return tr("Cache hit");
            case TrendCol:
                return tr("Rate, last %1 min").arg(FleetModel::kTrendSeconds / 60);
        }
    }
    return {};
}

}  // namespace redline::ui
