#include "ui/models/limits_model.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QLocale>

#include "core/number.h"
#include "ui/widgets/theme.h"

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

LimitsModel::Cell* LimitsModel::cellOf(Row& r, int column) {
    return column == Rate ? &r.rate : column == Burst ? &r.burst : nullptr;
}
const LimitsModel::Cell* LimitsModel::cellOf(const Row& r, int column) {
    return column == Rate ? &r.rate : column == Burst ? &r.burst : nullptr;
}

bool LimitsModel::rowModified(int r) const {
    const Row& row = rows_[r];
    if (!row.rate.error.isEmpty() || !row.burst.error.isEmpty()) return true;  // refused text is an edit
    auto it = applied_.routes.find(row.route.toStdString());
    if (it == applied_.routes.end()) return row.present && row.limit.enabled;
    return !(it->second == row.limit);
}

int LimitsModel::invalidCells() const {
    int n = 0;
    for (const auto& r : rows_)
        n += !r.rate.error.isEmpty() + !r.burst.error.isEmpty();
    return n;
}

int LimitsModel::appliedLimitedCount() const {
    int n = 0;
    for (const auto& [route, limit] : applied_.routes)
        n += limit.enabled;
    return n;
}

QString LimitsModel::rowError(int row) const {
    if (row < 0 || row >= rows_.size()) return {};
    const Row& r = rows_[row];
    QStringList out;
    if (!r.rate.error.isEmpty()) out << headerData(Rate, Qt::Horizontal).toString() + ": " + r.rate.error;
    if (!r.burst.error.isEmpty()) out << headerData(Burst, Qt::Horizontal).toString() + ": " + r.burst.error;
    if (!r.error.isEmpty()) out << r.error;
    return out.join("; ");
}

QString LimitsModel::cellText(const Row& r, int column) const {
    const Cell* c = cellOf(r, column);
    if (c && !c->text.isEmpty()) return c->text;
    return QString::number(column == Rate ? r.limit.rate_per_s : r.limit.burst, 'g', 8);
}

QVariant LimitsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    const Row& r = rows_[index.row()];
    const RouteLimit& l = r.limit;
    const bool active = r.present && l.enabled;
    const Cell* cell = cellOf(r, index.column());
    const bool refused = cell && !cell->error.isEmpty();
    if (role == ModifiedRole) return rowModified(index.row());
    if (role == ErrorRole) return cell ? cell->error : rowError(index.row());
    if (role == Qt::CheckStateRole && index.column() == Enabled) return active ? Qt::Checked : Qt::Unchecked;
    if (role == Qt::DisplayRole || role == Qt::EditRole) {
        switch (index.column()) {
            case Route:
                return r.route;
            case Rate:
            case Burst:
                // The editor gets the text alone; the cell shows the text and, when refused, why.
                if (role == Qt::DisplayRole && refused)
                    return tr("%1\n✗ %2").arg(cellText(r, index.column()), cell->error);
                return cellText(r, index.column());
            case Mode:
                return QString::fromUtf8(to_string(l.mode).data(), to_string(l.mode).size());
            case Scope:
                return QString::fromUtf8(to_string(l.scope).data(), to_string(l.scope).size());
            case Status: {
                const QString err = rowError(index.row());
                if (!err.isEmpty()) return err;
                if (rowModified(index.row())) return tr("edited — not applied");
                return active ? tr("applied") : tr("unlimited");
            }
        }
    }
    if (role == Qt::ToolTipRole) {
        if (refused) return cell->error;
        if (index.column() == Status && !rowError(index.row()).isEmpty()) return rowError(index.row());
        if (index.column() == Rate) return tr("Tokens added per second: > 0 and <= 1000000");
        if (index.column() == Burst) return tr("Bucket capacity: >= 1 and <= 10000000");
        if (index.column() == Mode) return tr("enforce: answer 429; shadow: count would-be rejections only");
        if (index.column() == Scope)
            return tr("client: one bucket per API key/address; route: one shared bucket");
    }
    if (role == Qt::ForegroundRole) {
        if (refused || (index.column() == Status && !rowError(index.row()).isEmpty()))
            return colors::bad;
        if (!active && index.column() != Route && index.column() != Status) return colors::stale;
    }
    if (role == Qt::FontRole && rowModified(index.row())) {
        QFont f;
        f.setBold(true);
        return f;
    }
    return {};
}

bool LimitsModel::setNumber(Row& r, int column, const QString& text) {
    Cell& cell = *cellOf(r, column);
    cell.text = text;
    const auto number = parse_decimal(text.trimmed().toStdString());
    if (!number) {
        cell.error = tr("not a number (e.g. 250, 0.5 or 2.5e3)");
        return false;
    }
    // Checked exactly as the agent will: a one-route document through the strict parser.
    RouteLimit l = r.limit;
    (column == Rate ? l.rate_per_s : l.burst) = *number;
    nlohmann::json doc;
    doc["routes"][r.route.toStdString()] = l;
    const std::string field = column == Rate ? ".rate_per_s" : ".burst";
    cell.error.clear();
    if (auto parsed = parse_limits(doc); !parsed.ok()) {
        for (const auto& e : parsed.errors())
            if (e.field.size() >= field.size() &&
                e.field.compare(e.field.size() - field.size(), field.size(), field) == 0) {
                cell.error = QString::fromStdString(e.message);
                // "…, got 1000000000000.0": the typed text is shown right beside the reason.
                if (const auto got = cell.error.lastIndexOf(QLatin1String(", got ")); got > 0)
                    cell.error.truncate(got);
            }
    }
    if (!cell.error.isEmpty()) return false;
    r.limit = l;
    return true;
}

void LimitsModel::rowChanged(int r, bool wasModified) {
    emit dataChanged(index(r, 0), index(r, ColumnCount - 1));
    if (wasModified != modified()) emit modifiedChanged(modified());
    emit editStateChanged();
}

bool LimitsModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return false;
    Row& r = rows_[index.row()];
    const bool wasModified = modified();
    bool ok = true;
    if (index.column() == Enabled && role == Qt::CheckStateRole) {
        const bool on = value.toInt() == Qt::Checked;
        r.limit.enabled = on;
        r.present = r.present || on;
    } else if (role != Qt::EditRole) {
        return false;
    } else if (index.column() == Rate || index.column() == Burst) {
        // Typed text stays as typed; a number from code is shown in its shortest form.
        const QString text = value.typeId() == QMetaType::QString
                                 ? value.toString()
                                 : QString::number(value.toDouble(), 'g', QLocale::FloatingPointShortest);
        ok = setNumber(r, index.column(), text);
    } else if (index.column() == Mode || index.column() == Scope) {
        const QString v = value.toString();
        if (index.column() == Mode && (v == "enforce" || v == "shadow"))
            r.limit.mode = v == "enforce" ? LimitMode::Enforce : LimitMode::Shadow;
        else if (index.column() == Scope && (v == "client" || v == "route"))
            r.limit.scope = v == "client" ? LimitScope::Client : LimitScope::Route;
        else
            return false;  // not one of the editor's choices: nothing changes
    } else {
        return false;
    }
    r.error.clear();  // an agent refusal was about the row as it was
    rowChanged(index.row(), wasModified);
    return ok;
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
    emit editStateChanged();
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
        rows_[i].rate = {};
        rows_[i].burst = {};
    }
    if (!rows_.isEmpty()) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    emit modifiedChanged(false);
    emit editStateChanged();
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
            emit editStateChanged();
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
