#include "ui/models/rollout_plan_model.h"

#include <QBrush>
#include <QColor>
#include <QLocale>
#include <QRegularExpression>
#include <cmath>

#include "ui/widgets/health_colors.h"

namespace redline::ui {

RolloutPlanModel::RolloutPlanModel(QObject* parent) : QAbstractTableModel(parent) {
    steps_ = defaultSteps();
    errors_.resize(steps_.size());
}

std::vector<RolloutStep> RolloutPlanModel::defaultSteps() {
    return {{5, 30}, {25, 60}, {50, 60}, {100, 0}};
}

int RolloutPlanModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(steps_.size());
}

int RolloutPlanModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RolloutPlanModel::headerData(int section, Qt::Orientation o, int role) const {
    if (role != Qt::DisplayRole) return {};
    if (o == Qt::Vertical) return tr("Step %1").arg(section + 1);
    switch (section) {
        case WeightCol:
            return tr("Canary %");
        case HoldCol:
            return tr("Hold (s)");
        case ProblemCol:
            return tr("Problem");
        default:
            return {};
    }
}

Qt::ItemFlags RolloutPlanModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (index.column() == WeightCol || index.column() == HoldCol) f |= Qt::ItemIsEditable;
    return f;
}

QString RolloutPlanModel::rowError(int row) const {
    if (row < 0 || row >= rowCount()) return {};
    const RowErrors& e = errors_[std::size_t(row)];
    QStringList parts;
    if (!e.row.isEmpty()) parts << e.row;
    if (!e.weight.isEmpty()) parts << tr("canary %: %1").arg(e.weight);
    if (!e.hold.isEmpty()) parts << tr("hold: %1").arg(e.hold);
    return parts.join(QStringLiteral("; "));
}

QVariant RolloutPlanModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const RolloutStep& s = steps_[std::size_t(index.row())];
    const RowErrors& e = errors_[std::size_t(index.row())];
    const QString cellError = index.column() == WeightCol ? e.weight
                              : index.column() == HoldCol ? e.hold
                                                          : rowError(index.row());
    switch (role) {
        case Qt::DisplayRole:
            switch (index.column()) {
                case WeightCol:
                    return QLocale().toString(s.weight_percent, 'g', 6) + tr(" %");
                case HoldCol:
                    return index.row() + 1 == rowCount() && s.weight_percent >= 100 && s.hold_s == 0
                               ? tr("— (promoted)")
                               : QLocale().toString(s.hold_s) + tr(" s");
                case ProblemCol:
                    return rowError(index.row());
            }
            return {};
        case Qt::EditRole:
            if (index.column() == WeightCol) return s.weight_percent;
            if (index.column() == HoldCol) return s.hold_s;
            return {};
        case Qt::ToolTipRole:
            if (!cellError.isEmpty()) return cellError;
            if (index.column() == WeightCol)
                return tr("Share of client keys sent to the canary in this step");
            if (index.column() == HoldCol)
                return tr("Seconds at this weight, with the analysis passing, before the next step");
            return {};
        case ErrorRole:
            return cellError;
        case Qt::ForegroundRole:
            if (index.column() == ProblemCol && !cellError.isEmpty())
                return QBrush(*healthColor(Health::Breach, dark_));
            return {};
        case Qt::BackgroundRole:
            if ((index.column() == WeightCol || index.column() == HoldCol) && !cellError.isEmpty())
                return QBrush(QColor(0xf8, 0x51, 0x49, dark_ ? 70 : 45));
            return {};
        case Qt::TextAlignmentRole:
            if (index.column() == WeightCol || index.column() == HoldCol)
                return int(Qt::AlignRight | Qt::AlignVCenter);
            return {};
    }
    return {};
}

bool RolloutPlanModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (role != Qt::EditRole || !index.isValid() || index.row() >= rowCount()) return false;
    RolloutStep& s = steps_[std::size_t(index.row())];
    bool ok = false;
    if (index.column() == WeightCol) {
        const double v = value.toDouble(&ok);
        if (!ok || !std::isfinite(v)) return false;
        s.weight_percent = v;
    } else if (index.column() == HoldCol) {
        const int v = value.toInt(&ok);
        if (!ok) return false;
        s.hold_s = v;
    } else {
        return false;
    }
    emit dataChanged(this->index(index.row(), 0), this->index(index.row(), ColumnCount - 1));
    emit edited();
    return true;
}

void RolloutPlanModel::setSteps(const std::vector<RolloutStep>& steps) {
    beginResetModel();
    steps_ = steps;
    errors_.assign(steps_.size(), {});
    endResetModel();
    emit edited();
}

int RolloutPlanModel::addStep(int after) {
    const int row = after < 0 || after >= rowCount() ? rowCount() : after + 1;
    RolloutStep s{10, 60};
    const double lo = row > 0 ? steps_[std::size_t(row - 1)].weight_percent : 0.0;
    const double hi = row < rowCount() ? steps_[std::size_t(row)].weight_percent : 100.0;
    s.weight_percent = std::round((lo + hi) / 2.0);
    if (row > 0) s.hold_s = std::max(steps_[std::size_t(row - 1)].hold_s, 30);
    beginInsertRows({}, row, row);
    steps_.insert(steps_.begin() + row, s);
    errors_.insert(errors_.begin() + row, RowErrors{});
    endInsertRows();
    emit edited();
    return row;
}

bool RolloutPlanModel::removeStep(int row) {
    if (row < 0 || row >= rowCount()) return false;
    beginRemoveRows({}, row, row);
    steps_.erase(steps_.begin() + row);
    errors_.erase(errors_.begin() + row);
    endRemoveRows();
    emit edited();
    return true;
}

int RolloutPlanModel::moveStep(int row, int delta) {
    const int to = row + delta;
    if (row < 0 || row >= rowCount() || to < 0 || to >= rowCount() || delta == 0) return row;
    // beginMoveRows names the row the moved one lands before (in the old numbering).
    if (!beginMoveRows({}, row, row, {}, delta > 0 ? to + 1 : to)) return row;
    std::swap(steps_[std::size_t(row)], steps_[std::size_t(to)]);
    std::swap(errors_[std::size_t(row)], errors_[std::size_t(to)]);
    endMoveRows();
    // The step numbers and the last row's "promoted" hold text depend on the position.
    emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    emit edited();
    return to;
}

void RolloutPlanModel::setDark(bool dark) {
    if (dark_ == dark) return;
    dark_ = dark;
    if (rowCount() > 0) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

void RolloutPlanModel::clearErrors() {
    errors_.assign(steps_.size(), {});
}

bool RolloutPlanModel::hasErrors() const {
    for (const auto& e : errors_)
        if (!e.row.isEmpty() || !e.weight.isEmpty() || !e.hold.isEmpty()) return true;
    return false;
}

std::vector<FieldError> RolloutPlanModel::setErrors(const std::vector<FieldError>& errors) {
    static const QRegularExpression re(QStringLiteral("^steps\\[(\\d+)\\](?:\\.(\\w+))?$"));
    clearErrors();
    std::vector<FieldError> rest;
    for (const auto& e : errors) {
        const auto m = re.match(QString::fromStdString(e.field));
        const int row = m.hasMatch() ? m.captured(1).toInt() : -1;
        if (row < 0 || row >= rowCount()) {
            rest.push_back(e);
            continue;
        }
        RowErrors& re_ = errors_[std::size_t(row)];
        QString& slot = m.captured(2) == QLatin1String("weight_percent") ? re_.weight
                        : m.captured(2) == QLatin1String("hold_s")       ? re_.hold
                                                                         : re_.row;
        const QString msg = QString::fromStdString(e.message);
        slot = slot.isEmpty() ? msg : slot + QStringLiteral("; ") + msg;
    }
    if (rowCount() > 0) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    return rest;
}

}  // namespace redline::ui
