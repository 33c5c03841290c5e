#include "ui/models/comparison_model.h"

#include <QColor>
#include <cmath>

#include "ui/models/figure_text.h"
#include "ui/widgets/theme.h"

namespace redline::ui {

int ComparisonModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : RowCount;
}
int ComparisonModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ComparisonModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case Metric:
            return tr("Metric");
        case Stable:
            return tr("Stable");
        case Canary:
            return tr("Canary");
        case Difference:
            return tr("Canary − stable");
    }
    return {};
}

std::optional<double> ComparisonModel::value(int row, int col) const {
    return side(col).v[row];
}

bool ComparisonModel::hasTraffic(int col) const {
    return side(col).requests > 0;
}

int ComparisonModel::verdict(int row) const {
    const auto s = stable_.v[row], c = canary_.v[row];
    if (!s || !c || !hasTraffic(Stable) || !hasTraffic(Canary)) return 0;
    const double d = *c - *s;
    switch (row) {
        case RateRow:
            return 0;  // rate follows the weight: not a quality signal
        case P95Row:
        case P99Row:
            if (std::abs(d) < std::max(2.0, 0.2 * *s)) return 0;  // within 20 % (or 2 ms)
            return d > 0 ? -1 : 1;
        case ErrorRow:
            if (std::abs(d) < 0.005) return 0;  // within 0.5 percentage points
            return d > 0 ? -1 : 1;
        case HitRow:
            if (std::abs(d) < 0.05) return 0;
            return d < 0 ? -1 : 1;
    }
    return 0;
}

QVariant ComparisonModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    const int row = index.row();
    if (role == VerdictRole) return verdict(row);
    auto fmt = [row](double v, bool signedDiff) {
        const QString sign = signedDiff && v > 0 ? QStringLiteral("+") : QString();
        switch (row) {
            case RateRow:
                return sign + QString::number(v, 'f', 1) + QStringLiteral(" /s");
            case P95Row:
            case P99Row:
                return latencyText(v, signedDiff);
            case ErrorRow:
            case HitRow:
                return sign + QString::number(v * 100.0, 'f', 2) +
                       (signedDiff ? QStringLiteral(" pp") : QStringLiteral(" %"));
        }
        return QString();
    };
    if (role == Qt::DisplayRole) {
        static const char* names[] = {"Request rate", "p95 latency", "p99 latency", "Error ratio",
                                      "Cache hit ratio"};
        switch (index.column()) {
            case Metric:
                return tr(names[row]);
            case Stable:
            case Canary: {
                if (idle(index.column())) return row == RateRow ? tr("no traffic") : QStringLiteral("—");
                const auto v = value(row, index.column());
                return v ? fmt(*v, false) : QStringLiteral("—");
            }
            case Difference: {
                const auto s = stable_.v[row], c = canary_.v[row];
                if (!s || !c || idle(Stable) || idle(Canary)) return QStringLiteral("—");
                return fmt(*c - *s, true);
            }
        }
    }
    const bool idleCell = (index.column() == Stable || index.column() == Canary) && idle(index.column());
    if (role == Qt::ToolTipRole && idleCell)
        return index.column() == Canary ? tr("The canary served no requests in the last second (weight 0 % "
                                             "or no matching traffic).")
                                        : tr("The stable version served no requests in the last second.");
    if (role == Qt::ForegroundRole && (stale_ || (idleCell && row == RateRow)))
        return colors::stale;  // muted grey, readable on the dark and the light theme
    if (role == Qt::BackgroundRole && index.column() == Difference && !stale_) {
        const int v = verdict(row);
        if (v < 0) return translucent(colors::bad, 90);
        if (v > 0) return translucent(colors::good, 70);
    }
    if (role == Qt::TextAlignmentRole && index.column() != Metric)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

void ComparisonModel::update(const Snapshot& s, const QString& route) {
    auto build = [&](const std::string& version) {
        Side out;
        double rate = 0, req = 0, err = 0, hits = 0, misses = 0, p95 = 0, p99 = 0;
        bool any = false;
        for (const auto& x : s.series) {
            if (x.version != version) continue;
            if (!route.isEmpty() && QString::fromStdString(x.id()) != route) continue;
            any = true;
            out.present = true;
            rate += x.rate_per_s;
            req += static_cast<double>(x.requests);
            err += static_cast<double>(x.errors);
            hits += static_cast<double>(x.cache_hits);
            misses += static_cast<double>(x.cache_misses);
            if (x.latency) {
                p95 = std::max(p95, x.latency->p95_ms);
                p99 = std::max(p99, x.latency->p99_ms);
            }
        }
        if (!any) return out;
        out.requests = req;
        out.v[RateRow] = rate;
        if (req > 0) {
            out.v[P95Row] = p95;
            out.v[P99Row] = p99;
            out.v[ErrorRow] = err / req;
        }
        if (hits + misses > 0) out.v[HitRow] = hits / (hits + misses);
        return out;
    };
    stable_ = build("stable");
    canary_ = build("canary");
    emit dataChanged(index(0, Stable), index(RowCount - 1, Difference),
                     {Qt::DisplayRole, Qt::BackgroundRole, Qt::ForegroundRole, Qt::ToolTipRole, VerdictRole});
}

void ComparisonModel::setStale(bool stale) {
    if (stale_ == stale) return;
    stale_ = stale;
    emit dataChanged(index(0, 0), index(RowCount - 1, ColumnCount - 1),
                     {Qt::ForegroundRole, Qt::BackgroundRole});
}

void ComparisonModel::clear() {
    stable_ = {};
    canary_ = {};
    emit dataChanged(index(0, Stable), index(RowCount - 1, Difference),
                     {Qt::DisplayRole, Qt::BackgroundRole, Qt::ForegroundRole, Qt::ToolTipRole, VerdictRole});
}

}  // namespace redline::ui
