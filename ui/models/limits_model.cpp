#include "ui/models/limits_model.h"

#include <QBrush>
#include <QColor>
#include <QFont>

namespace redline::ui {

int LimitsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}
int LimitsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LimitsModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case Route:
            return tr("Route");
        case Enabled:
            return tr("Limited");
        case Rate:
            return tr("Rate /s");
        case Burst:
            return tr("Burst");
        case Mode:
            return tr("Mode");
        case Scope:
            return tr("Scope");
        case Status:
            return tr("Status");
    }
    return {};
}

Qt::ItemFlags LimitsModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (index.column() == Enabled) f |= Qt::ItemIsUserCheckable;
    if (index.column() >= Rate && index.column() <= Scope) f |= Qt::ItemIsEditable;
    return f;
}

bool LimitsModel::rowModified(int r) const {
    const Row& row = rows_[r];
    auto it = applied_.routes.find(row.route.toStdString());
    if (it == applied_.routes.end()) return row.present && row.limit.enabled;
    return !(it->second == row.limit);
}

QVariant LimitsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    const Row& r = rows_[index.row()];
    const RouteLimit& l = r.limit;
    const bool active = r.present && l.enabled;
    if (role == ModifiedRole) return rowModified(index.row());
    if (role == ErrorRole) return r.error;
    if (role == Qt::CheckStateRole && index.column() == Enabled) return active ? Qt::Checked : Qt::Unchecked;
    if (role == Qt::DisplayRole || role == Qt::EditRole) {
        switch (index.column()) {
            case Route:
                return r.route;
            case Rate:
                return role == Qt::EditRole ? QVariant(l.rate_per_s)
                                            : QVariant(QString::number(l.rate_per_s, 'g', 8));
            case Burst:
                return role == Qt::EditRole ? QVariant(l.burst) : QVariant(QString::number(l.burst, 'g', 8));
            case Mode:
                return QString::fromUtf8(to_string(l.mode).data(), to_string(l.mode).size());
            case Scope:
                return QString::fromUtf8(to_string(l.scope).data(), to_string(l.scope).size());
            case Status:
                if (!r.error.isEmpty()) return r.error;
                if (rowModified(index.row())) return tr("edited — not applied");
                return active ? tr("applied") : tr("unlimited");
        }
    }
    if (role == Qt::ToolTipRole) {
        if (!r.error.isEmpty()) return r.error;
        if (index.column() == Mode) return tr("enforce: answer 429; shadow: count would-be rejections only");
        if (index.column() == Scope)
            return tr("client: one bucket per API key/address; route: one shared bucket");
    }
    if (role == Qt::ForegroundRole) {
        if (!r.error.isEmpty() && index.column() == Status) return QColor(0xf8, 0x51, 0x49);
        if (!active && index.column() != Route && index.column() != Status) return QColor(0x8b, 0x94, 0x9e);
    }
    if (role == Qt::FontRole && rowModified(index.row())) {
        QFont f;
        f.setBold(true);
        return f;
    }
    return {};
}

bool LimitsModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return false;
    Row& r = rows_[index.row()];
    RouteLimit l = r.limit;
    bool present = r.present;
    if (index.column() == Enabled && role == Qt::CheckStateRole) {
        const bool on = value.toInt() == Qt::Checked;
        l.enabled = on;
        present = present || on;
    } else if (role == Qt::EditRole) {
        bool ok = true;
        switch (index.column()) {
            case Rate:
                l.rate_per_s = value.toDouble(&ok);
                break;
            case Burst:
                l.burst = value.toDouble(&ok);
                break;
            case Mode:
                if (value.toString() == "enforce")
                    l.mode = LimitMode::Enforce;
                else if (value.toString() == "shadow")
                    l.mode = LimitMode::Shadow;
                else
                    ok = false;
                break;
            case Scope:
                if (value.toString() == "client")
                    l.scope = LimitScope::Client;
                else if (value.toString() == "route")
                    l.scope = LimitScope::Route;
                else
                    ok = false;
                break;
            default:
                return false;
        }
        if (!ok) {
            r.error = tr("not a valid value: %1").arg(value.toString());
            emit dataChanged(index.siblingAtColumn(0), index.siblingAtColumn(ColumnCount - 1));
            return false;
        }
    } else {
        return false;
    }
    // Validate exactly as the agent will: one-route document through the strict parser.
    nlohmann::json doc;
    doc["routes"][r.route.toStdString()] = l;
    auto parsed = parse_limits(doc);
    const bool wasModified = modified();
    if (!parsed.ok()) {
        QStringList msgs;
        for (const auto& e : parsed.errors()) {
            QString field = QString::fromStdString(e.field);
            field = field.section('.', -1);
            msgs << field + ": " + QString::fromStdString(e.message);
        }
        r.error = msgs.join("; ");
        emit dataChanged(index.siblingAtColumn(0), index.siblingAtColumn(ColumnCount - 1));
        return false;
    }
    r.limit = l;
    r.present = present;
    r.error.clear();
    emit dataChanged(index.siblingAtColumn(0), index.siblingAtColumn(ColumnCount - 1));
    if (wasModified != modified()) emit modifiedChanged(modified());
    return true;
}

void LimitsModel::setApplied(const LimitsConfig& applied, const QStringList& knownRoutes) {
    beginResetModel();
    applied_ = applied;
    known_ = knownRoutes;
    rows_.clear();
    QStringList all = knownRoutes;
    for (const auto& [route, _] : applied.routes)
        if (!all.contains(QString::fromStdString(route))) all.append(QString::fromStdString(route));
    for (const auto& route : all) {
        Row r;
        r.route = route;
        auto it = applied.routes.find(route.toStdString());
        if (it != applied.routes.end()) {
            r.limit = it->second;
            r.present = true;
        } else {
            r.limit.enabled = false;
        }
        rows_.append(r);
    }
    endResetModel();
    emit modifiedChanged(false);
}

void LimitsModel::markApplied(const LimitsConfig& applied) {
    applied_ = applied;
    for (int i = 0; i < rows_.size(); ++i) {
        auto it = applied.routes.find(rows_[i].route.toStdString());
        if (it != applied.routes.end()) {
            rows_[i].limit = it->second;
            rows_[i].present = true;
        } else {
            rows_[i].present = false;
            rows_[i].limit.enabled = false;
        }
        rows_[i].error.clear();
    }
    if (!rows_.isEmpty()) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    emit modifiedChanged(false);
}

void LimitsModel::revert() {
    setApplied(applied_, known_);
}

bool LimitsModel::modified() const {
    for (int i = 0; i < rows_.size(); ++i)
        if (rowModified(i)) return true;
    return false;
}

LimitsConfig LimitsModel::edited() const {
    LimitsConfig out;
    for (const auto& r : rows_)
        if (r.present) out.routes[r.route.toStdString()] = r.limit;
    return out;
}

int LimitsModel::setServerErrors(const std::vector<FieldError>& errors) {
    int placed = 0;
    for (const auto& e : errors) {
        const QString field = QString::fromStdString(e.field);
        for (int i = 0; i < rows_.size(); ++i) {
            if (!field.contains(rows_[i].route)) continue;
            rows_[i].error = tr("refused by agent: %1").arg(QString::fromStdString(e.message));
            emit dataChanged(index(i, 0), index(i, ColumnCount - 1));
            ++placed;
            break;
        }
    }
    return placed;
}

int LimitsModel::rowOf(const QString& route) const {
    for (int i = 0; i < rows_.size(); ++i)
        if (rows_[i].route == route) return i;
    return -1;
}

QStringList LimitsModel::routes() const {
    QStringList out;
    for (const auto& r : rows_)
        out.append(r.route);
    return out;
}

}  // namespace redline::ui
