#include "ui/models/fleet_model.h"

#include <QDateTime>
#include <QFont>
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/snapshot.h"
#include "ui/models/agent_list_model.h"
#include "ui/session/dashboard.h"
#include "ui/widgets/health_colors.h"

namespace redline::ui {

namespace {
constexpr int kTrendPoints = 60;  // decimation target of a trend: min/max of 60 buckets (~120 points)
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Figure figureOf(int col) {
    switch (col) {
        case FleetModel::RateCol:
            return Figure::Rate;
        case FleetModel::ErrorCol:
            return Figure::ErrorRatio;
        case FleetModel::P99Col:
            return Figure::P99;
        default:
            return Figure::HitRatio;
    }
}
bool isFigure(int col) {
    return col >= FleetModel::RateCol && col <= FleetModel::HitCol;
}

/// The colour of a state dot.
QColor stateColor(const CardFigures& f, StreamState s, bool dark) {
    switch (f.state) {
        case CardFigures::State::Ok:
            return *healthColor(Health::Good, dark);
        case CardFigures::State::Breaching:
            return *healthColor(Health::Breach, dark);
        case CardFigures::State::NoData:
            return *healthColor(Health::Stale, dark);
        case CardFigures::State::NotLive:
            break;
    }
    if (s == StreamState::Disconnected) return *healthColor(Health::Breach, dark);
    if (s == StreamState::Connecting) return *healthColor(Health::Stale, dark);
    return *healthColor(Health::Warning, dark);
}

/// Per-instance raw figures a total is built from (from the newest snapshot's total).
struct Sums {
    int live = 0;
    std::uint64_t requests = 0;
    double rate = 0, err_per_s = 0, hits_per_s = 0, lookups_per_s = 0;
    std::optional<double> max_p99;

    void add(const Snapshot& s) {
        const auto& t = s.total;
        const double w = std::max(1, s.window_s);
        ++live;
        requests += t.requests;
        rate += t.rate_per_s;
        // 5xx per second: the counted errors over the window; a source without counts (ratio only) gives
        // ratio x rate, which is the same number.
        if (t.errors > 0 || !t.error_ratio)
            err_per_s += static_cast<double>(t.errors) / w;
        else
            err_per_s += *t.error_ratio * t.rate_per_s;
        const std::uint64_t lookups = t.cache_hits + t.cache_misses;
        if (lookups > 0) {
            hits_per_s += static_cast<double>(t.cache_hits) / w;
            lookups_per_s += static_cast<double>(lookups) / w;
        } else if (t.cache_hit_ratio && t.rate_per_s > 0) {
            hits_per_s += *t.cache_hit_ratio * t.rate_per_s;
            lookups_per_s += t.rate_per_s;
        }
        if (t.latency) max_p99 = std::max(max_p99.value_or(0.0), t.latency->p99_ms);
    }
    /// The total as a snapshot CardFigures can judge (so totals are coloured by the same rules).
    Snapshot snapshot() const {
        Snapshot s;
        s.window_s = 1;
        auto& t = s.total;
        t.requests = requests;
        t.rate_per_s = rate;
        if (rate > 0) t.error_ratio = err_per_s / rate;
        if (max_p99) {
            t.latency = LatencyQuantiles{};
            t.latency->p99_ms = *max_p99;
        }
        if (lookups_per_s > 0) t.cache_hit_ratio = hits_per_s / lookups_per_s;
        return s;
    }
};
}  // namespace

FleetModel::FleetModel(Dashboard* dashboard, QObject* parent) : QAbstractTableModel(parent), d_(dashboard) {
    rows_.push_back(Row{Kind::Fleet});
    for (const auto& id : d_->agentIds())
        addAgent(id);
    syncGroups();
    connect(d_, &Dashboard::agentAdded, this, [this](const QString& id) {
        addAgent(id);
        syncGroups();
    });
    connect(d_, &Dashboard::agentRemoved, this, &FleetModel::removeAgent);
    connect(d_->agentsModel(), &QAbstractItemModel::dataChanged, this, [this] {
        if (rows_.size() > 1)
            emit dataChanged(index(1, NameCol), index(rowCount() - 1, NameCol),
                             {Qt::DisplayRole, Qt::ToolTipRole, SortRole, FilterRole});
    });
}

QString FleetModel::noServiceLabel() {
    return tr("no snapshot yet");
}

int FleetModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int FleetModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

int FleetModel::rowOfAgent(const QString& id) const {
    return agent_row_.value(id, -1);
}

int FleetModel::rowOfGroup(const QString& service) const {
    return group_row_.value(service, -1);
}

void FleetModel::reindex() {
    agent_row_.clear();
    group_row_.clear();
    for (int i = 0; i < static_cast<int>(rows_.size()); ++i) {
        const Row& r = rows_[static_cast<std::size_t>(i)];
        if (r.kind == Kind::Agent) agent_row_.insert(r.id, i);
        if (r.kind == Kind::Group) group_row_.insert(r.id, i);
    }
}

void FleetModel::addAgent(const QString& id) {
    if (agent_row_.contains(id)) return;
    const int row = rowCount();
    beginInsertRows({}, row, row);
    Row r;
    r.id = id;
    computeAgent(r, 0);
    rows_.push_back(std::move(r));
    agent_row_.insert(id, row);
    endInsertRows();
}

void FleetModel::removeAgent(const QString& id) {
    const int row = rowOfAgent(id);
    if (row < 0) return;
    beginRemoveRows({}, row, row);
    rows_.erase(rows_.begin() + row);
    reindex();
    endRemoveRows();
    syncGroups();
}

void FleetModel::syncGroups() {
    QHash<QString, int> members;
    for (const Row& r : rows_)
        if (r.kind == Kind::Agent) ++members[r.service];
    // Groups that lost their last member go (from the back, so earlier rows keep their index).
    for (int i = rowCount() - 1; i > 0; --i) {
        const Row& r = rows_[static_cast<std::size_t>(i)];
        if (r.kind != Kind::Group || members.contains(r.id)) continue;
        beginRemoveRows({}, i, i);
        rows_.erase(rows_.begin() + i);
        endRemoveRows();
    }
    reindex();
    for (auto it = members.cbegin(); it != members.cend(); ++it) {
        if (group_row_.contains(it.key())) continue;
        const int row = rowCount();
        beginInsertRows({}, row, row);
        Row g;
        g.kind = Kind::Group;
        g.id = g.service = it.key();
        rows_.push_back(std::move(g));
        group_row_.insert(it.key(), row);
        endInsertRows();
    }
}

void FleetModel::computeAgent(Row& r, std::int64_t now_ms) const {
    const auto snap = d_->store().latest(r.id);
    r.fresh = d_->freshness(r.id, now_ms);
    r.fig = CardFigures::from(snap.get(), d_->slo(), r.fresh);
    r.service = snap ? QString::fromStdString(snap->service) : d_->serviceHint(r.id);
    r.state = d_->agentsModel()->stateOf(r.id);
    switch (r.fig.state) {
        case CardFigures::State::Ok:
            r.stateText = tr("live · ok");
            break;
        case CardFigures::State::Breaching:
            r.stateText = tr("live · SLO breach");
            break;
        case CardFigures::State::NoData:
            r.stateText = tr("live · no data");
            break;
        case CardFigures::State::NotLive:
            if (r.state == StreamState::Connecting && r.fresh.last_seen_ms <= 0)
                r.stateText = tr("connecting");
            else if (r.state == StreamState::Disconnected)
                r.stateText = tr("down · %1").arg(r.fresh.ageText(now_ms));
            else
                r.stateText = tr("stale · %1").arg(r.fresh.ageText(now_ms));
            break;
    }
    QStringList tip;
    if (r.fig.state == CardFigures::State::Breaching)
        tip << tr("Beyond its objective: %1").arg(r.fig.breachText());
    else if (r.fig.state == CardFigures::State::NoData)
        tip << tr("No requests in the window: nothing to judge against the SLOs");
    if (!r.fresh.live) tip << r.fresh.text(now_ms);
    const QString reason = d_->agentsModel()->reasonOf(r.id);
    if (!reason.isEmpty() && r.fresh.live) tip << AgentListModel::readableReason(reason);
    r.stateTip = tip.join(QLatin1Char('\n'));
    // The trend: the merged series' request rate over the last kTrendSeconds (a gap is a break).
    r.trend.from_ms = now_ms - std::int64_t{kTrendSeconds} * 1000;
    r.trend.to_ms = std::max(now_ms, r.trend.from_ms + 1);
    r.trend.greyed = !r.fresh.live;
    r.trend.points = now_ms > 0 ? d_->store().points(r.id, kTotalSeries, Metric::Rate, r.trend.from_ms,
                                                     r.trend.to_ms, kTrendPoints)
                                : QList<QPointF>{};
    double sum = 0;
    int n = 0;
    for (const auto& p : r.trend.points)
        if (std::isfinite(p.y())) sum += p.y(), ++n;
    r.trend_mean = n > 0 ? sum / n : kNaN;
}

void FleetModel::computeTotals(std::int64_t now_ms) {
    (void)now_ms;
    QHash<QString, Sums> groups;
    QHash<QString, int> members;
    Sums fleet;
    int fleet_members = 0;
    // Agents streamed directly, by admin URL, and whether they are live: a source's target opened as a live
    // stream ("Open live stream") is the same process twice.
    QHash<QString, bool> direct;
    for (const Row& r : rows_) {
        if (r.kind != Kind::Agent) continue;
        const int mrow = d_->agentsModel()->rowOf(r.id);
        if (mrow >= 0 && d_->agentsModel()->configAt(mrow).sourceId.isEmpty())
            direct.insert(d_->agentsModel()->configAt(mrow).url, r.fresh.live);
    }
    for (const Row& r : rows_) {
        if (r.kind != Kind::Agent) continue;
        const int mrow = d_->agentsModel()->rowOf(r.id);
        const AgentConfig* cfg = mrow >= 0 ? &d_->agentsModel()->configAt(mrow) : nullptr;
        // A Prometheus source's fleet row already is the sum of its targets' rows: it is its own group and
        // stays out of the overall total (counted twice otherwise).
        const bool aggregate = cfg && cfg->instance == QLatin1String("*");
        // A source's target that is also streamed directly counts once in the overall total: as the live
        // stream while that is live, else through the source.
        const auto twin = cfg && !cfg->sourceId.isEmpty() && !aggregate
                              ? direct.constFind(QStringLiteral("http://") + cfg->instance)
                              : direct.constEnd();
        const bool twinned = twin != direct.constEnd();
        ++members[r.service];
        if (!aggregate && !twinned) ++fleet_members;
        if (!r.fresh.live) continue;
        const auto snap = d_->store().latest(r.id);
        if (!snap) continue;
        groups[r.service].add(*snap);
        if (!aggregate && !(twinned && *twin)) fleet.add(*snap);
    }
    auto judge = [&](Row& t, const Sums& s, int m) {
        t.members = m;
        t.live = s.live;
        if (s.live > 0) {
            const Snapshot snap = s.snapshot();
            t.fig = CardFigures::from(&snap, d_->slo(), Freshness{true, 0, {}});
        } else {
            t.fig = CardFigures::from(nullptr, d_->slo(), Freshness{false, 0, {}});
        }
        t.fresh.live = s.live > 0;
        t.stateText = tr("%1 / %2 live").arg(s.live).arg(m);
        t.stateTip = t.fig.state == CardFigures::State::Breaching
                         ? tr("The total is beyond its objective: %1").arg(t.fig.breachText())
                         : QString();
        if (s.live < m)
            t.stateTip = (t.stateTip.isEmpty() ? QString() : t.stateTip + QLatin1Char('\n')) +
                         tr("%1 instances not live: their last figures are not in the total").arg(m - s.live);
    };
    for (Row& r : rows_) {
        if (r.kind == Kind::Group) judge(r, groups.value(r.id), members.value(r.id));
        if (r.kind == Kind::Fleet) judge(r, fleet, fleet_members);
    }
}

void FleetModel::refresh(std::int64_t now_ms) {
    bool regroup = false;
    for (Row& r : rows_) {
        if (r.kind != Kind::Agent) continue;
        const QString before = r.service;
        computeAgent(r, now_ms);
        if (r.service != before) regroup = true;
    }
    if (regroup) {
        syncGroups();
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1), {GroupRole});
    }
    computeTotals(now_ms);
    const int last = rowCount() - 1;
    const QList<int> roles = {Qt::DisplayRole, Qt::ToolTipRole, Qt::ForegroundRole, Qt::DecorationRole,
                              SortRole,        HealthRole,      SparkRole};
    emit dataChanged(index(0, StateCol), index(last, StateCol), roles);
    emit dataChanged(index(0, RateCol), index(last, TrendCol), roles);
}

void FleetModel::setDark(bool dark) {
    if (dark == dark_) return;
    dark_ = dark;
    emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1),
                     {Qt::ForegroundRole, Qt::DecorationRole});
}

bool FleetModel::notExported(const QString& id, Figure f) const {
    switch (f) {
        case Figure::HitRatio:
            return !d_->exports(id, Metric::CacheHitRatio);
        case Figure::ErrorRatio:
            return !d_->exports(id, Metric::ErrorRatio);
        default:
            return false;
    }
}

QVariant FleetModel::display(const Row& r, int col) const {
    switch (col) {
        case StateCol:
            return r.stateText;
        case NameCol:
            if (r.kind == Kind::Agent) return d_->agentName(r.id);
            if (r.kind == Kind::Group)
                return tr("%1 · %n instance(s)", nullptr, r.members)
                    .arg(r.id.isEmpty() ? noServiceLabel() : r.id);
            return tr("All agents · %n instance(s)", nullptr, r.members);
        case TrendCol:
            return {};
        default:
            break;
    }
    const Figure f = figureOf(col);
    // A Prometheus target without the family is "not exported", not "no data" and never 0.
    if (r.kind == Kind::Agent && !r.fig[f] && notExported(r.id, f)) return tr("not exported");
    const QString text = r.fig.text(f);
    // A total's p99 is the worst instance's, not the group's p99: say so in the cell.
    if (f == Figure::P99 && r.kind != Kind::Agent && r.fig[f]) return tr("max %1").arg(text);
    return text;
}

QVariant FleetModel::toolTip(const Row& r, int col) const {
    if (col == StateCol) return r.stateTip.isEmpty() ? QVariant() : QVariant(r.stateTip);
    if (col == NameCol) {
        if (r.kind != Kind::Agent) return {};
        const int mrow = d_->agentsModel()->rowOf(r.id);
        const QString url = mrow >= 0 ? d_->agentsModel()->configAt(mrow).url : QString();
        return tr("%1\n%2\nservice: %3")
            .arg(d_->agentName(r.id), url, r.service.isEmpty() ? noServiceLabel() : r.service);
    }
    if (col == TrendCol)
        return tr("Request rate, last %1 min (a gap is a break in the line)").arg(kTrendSeconds / 60);
    const Figure f = figureOf(col);
    const auto v = r.fig[f];
    if (!v) {
        if (r.kind != Kind::Agent && r.live == 0) return tr("No live instance: no total");
        if (r.kind == Kind::Agent && notExported(r.id, f))
            return tr(
                "The Prometheus source finds no series of this figure's metric for this selection: "
                "not exported (not 0). Check the source's metric mapping.");
        switch (f) {
            case Figure::Rate:
                return tr("No snapshot yet");
            case Figure::ErrorRatio:
                return tr("No requests in the window: there is no error ratio (not 0 %)");
            case Figure::P99:
                return tr("No requests in the window: there is no latency (not 0 ms)");
            case Figure::HitRatio:
                return tr("No cache lookups in the window, or the source does not report a cache");
        }
    }
    QString what;
    if (r.kind == Kind::Agent) {
        what = tr("%1, last %2 s").arg(CardFigures::caption(f)).arg(r.fig.window_s);
    } else {
        switch (f) {
            case Figure::Rate:
                what = tr("Sum over the %1 live instances").arg(r.live);
                break;
            case Figure::ErrorRatio:
                what = tr("Sum of 5xx/s ÷ sum of requests/s over the %1 live instances").arg(r.live);
                break;
            case Figure::P99:
                what = tr("max p99: the worst of the %1 live instances' p99. A group's p99 cannot be "
                          "computed from per-instance p99s; this is an upper bound.")
                           .arg(r.live);
                break;
            case Figure::HitRatio:
                what = tr("Sum of cache hits ÷ sum of lookups over the %1 live instances").arg(r.live);
                break;
        }
    }
    const Health h = r.fig.healthOf(f);
    if (h == Health::Breach) what += tr("\nBeyond its objective");
    if (h == Health::Warning) what += tr("\nClose to its objective");
    if (h == Health::Stale)
        what += tr("\nNot current: %1").arg(r.fresh.ageText(QDateTime::currentMSecsSinceEpoch()));
    return what;
}

QVariant FleetModel::sortKey(const Row& r, int col) const {
    switch (col) {
        case StateCol:
            return static_cast<int>(r.fig.state);
        case NameCol:
            return display(r, col).toString().toLower();
        case TrendCol:
            return std::isfinite(r.trend_mean) ? QVariant(r.trend_mean) : QVariant();
        default:
            break;
    }
    const auto v = r.fig[figureOf(col)];
    return v && std::isfinite(*v) ? QVariant(*v) : QVariant();
}

QVariant FleetModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const Row& r = rows_[static_cast<std::size_t>(index.row())];
    const int col = index.column();
    switch (role) {
        case Qt::DisplayRole:
            return display(r, col);
        case Qt::ToolTipRole:
            return toolTip(r, col);
        case Qt::ForegroundRole: {
            // Not live: the whole row greyed, never in SLO colours.
            if (!r.fresh.live && (r.kind == Kind::Agent || col != NameCol))
                return *healthColor(Health::Stale, dark_);
            if (!isFigure(col)) return {};
            const auto c = healthColor(r.fig.healthOf(figureOf(col)), dark_);
            return c ? QVariant(*c) : QVariant();
        }
        case Qt::DecorationRole:
            if (col == StateCol && r.kind == Kind::Agent) return stateColor(r.fig, r.state, dark_);
            if (col == StateCol && r.kind != Kind::Agent)
                return r.live < r.members ? *healthColor(Health::Warning, dark_)
                                          : stateColor(r.fig, StreamState::Live, dark_);
            return {};
        case Qt::FontRole:
            if (r.kind != Kind::Agent) {
                QFont f;
                f.setBold(true);
                return f;
            }
            return {};
        case Qt::TextAlignmentRole:
            if (isFigure(col)) return QVariant(Qt::AlignRight | Qt::AlignVCenter);
            return QVariant(Qt::AlignLeft | Qt::AlignVCenter);
        case IdRole:
            return r.id;
        case KindRole:
            return static_cast<int>(r.kind);
        case GroupRole:
            return r.kind == Kind::Fleet ? QVariant() : QVariant(r.service);
        case SortRole:
            return sortKey(r, col);
        case HealthRole:
            return isFigure(col) ? static_cast<int>(r.fig.healthOf(figureOf(col))) : QVariant();
        case SparkRole:
            if (col == TrendCol && r.kind == Kind::Agent) return QVariant::fromValue(r.trend);
            return {};
        case FilterRole: {
            if (r.kind != Kind::Agent) return {};
            const int mrow = d_->agentsModel()->rowOf(r.id);
            return QStringList{d_->agentName(r.id),
                               mrow >= 0 ? d_->agentsModel()->configAt(mrow).url : QString(), r.service,
                               r.stateText};
        }
        default:
            return {};
    }
}

QVariant FleetModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal) return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
            case StateCol:
                return tr("State");
            case NameCol:
                return tr("Agent");
            case RateCol:
                return tr("Rate /s");
            case ErrorCol:
                return tr("Errors");
            case P99Col:
                return tr("p99");
            case HitCol:
                return tr("Cache hit");
            case TrendCol:
                return tr("Rate, last %1 min").arg(kTrendSeconds / 60);
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
            case StateCol:
                return tr(
                    "live · ok / SLO breach / no data; stale or down with the time last seen (reason in "
                    "the tooltip)");
            case RateCol:
                return tr("Requests per second (newest snapshot; totals: the sum over live instances)");
            case ErrorCol:
                return tr("5xx error ratio (totals: sum of 5xx/s ÷ sum of requests/s)");
            case P99Col:
                return tr(
                    "p99 latency. Group and fleet rows show max p99: the worst live instance's p99 "
                    "(a group's p99 cannot be computed from per-instance p99s)");
            case HitCol:
                return tr("Cache hit ratio (— when the source has no cache lookups)");
            case TrendCol:
                return tr("Request rate over the last %1 minutes").arg(kTrendSeconds / 60);
        }
    }
    return {};
}

}  // namespace redline::ui
