#include "ui/models/backends_model.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

#include "ui/widgets/health_colors.h"

namespace redline::ui {

int BackendsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int BackendsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BackendsModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case PoolCol:
            return tr("Pool");
        case UrlCol:
            return tr("Backend");
        case HealthCol:
            return tr("Health check");
        case CircuitCol:
            return tr("Circuit");
        case InFlightCol:
            return tr("In flight");
        case RequestsCol:
            return tr("Requests");
        case FailuresCol:
            return tr("Failures");
        default:
            return {};
    }
}

QVariant BackendsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const ProxyBackend& b = rows_[static_cast<std::size_t>(index.row())];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
            case PoolCol:
                return QString::fromStdString(b.pool);
            case UrlCol:
                return QString::fromStdString(b.url);
            case HealthCol:
                return b.healthy ? tr("healthy") : tr("failing");
            case CircuitCol:
                if (b.circuit == "open") return tr("open (ejected)");
                if (b.circuit == "half_open") return tr("half-open (probation)");
                return b.circuit.empty() ? tr("—") : QString::fromStdString(b.circuit);
            case InFlightCol:
                return QLocale().toString(static_cast<qlonglong>(b.outstanding));
            case RequestsCol:
                return QLocale().toString(static_cast<qlonglong>(b.requests));
            case FailuresCol:
                return b.consecutive_failures > 0
                           ? tr("%1 (%2 in a row)")
                                 .arg(QLocale().toString(static_cast<qlonglong>(b.failures)))
                                 .arg(b.consecutive_failures)
                           : QLocale().toString(static_cast<qlonglong>(b.failures));
            default:
                return {};
        }
    }
    if (role == Qt::ToolTipRole && index.column() == CircuitCol)
        return tr("Ejected %1 time(s) after consecutive failures; re-admitted on probation after an "
                  "exponentially growing pause (docs/proxy.md)")
            .arg(b.ejections);
    if (role == Qt::TextAlignmentRole && index.column() >= InFlightCol)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && stale_) return QBrush(*healthColor(Health::Stale, dark_));
    if (role == Qt::ForegroundRole && (index.column() == HealthCol || index.column() == CircuitCol)) {
        const bool bad = index.column() == HealthCol ? !b.healthy : b.circuit == "open";
        const bool warn = index.column() == CircuitCol && b.circuit == "half_open";
        if (auto c = healthColor(bad ? Health::Breach : warn ? Health::Warning : Health::Good, dark_))
            return QBrush(*c);
    }
    return {};
}

void BackendsModel::setDark(bool dark) {
    if (dark_ == dark) return;
    dark_ = dark;
    if (!rows_.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1), {Qt::ForegroundRole});
}

void BackendsModel::setStale(bool stale) {
    if (stale_ == stale) return;
    stale_ = stale;
    if (!rows_.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1), {Qt::ForegroundRole});
}

void BackendsModel::setBackends(const std::vector<ProxyBackend>& backends) {
    bool same = backends.size() == rows_.size();
    for (std::size_t i = 0; same && i < rows_.size(); ++i)
        same = rows_[i].pool == backends[i].pool && rows_[i].url == backends[i].url;
    if (!same) {
        beginResetModel();
        rows_ = backends;
        endResetModel();
        return;
    }
    if (rows_ == backends) return;
    rows_ = backends;
    emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

}  // namespace redline::ui
