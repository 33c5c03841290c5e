#include "ui/models/events_model.h"

#include <QDateTime>

namespace redline::ui {

namespace {
QString compact(const nlohmann::json& j) {
    if (j.is_null()) return QStringLiteral("—");
    QString s = QString::fromStdString(j.dump());
    if (s.size() > 400) s = s.left(400) + QStringLiteral("…");
    return s;
}
}  // namespace

QString EventsModel::describe(const Event& e) {
    QString t = QStringLiteral("<b>%1</b> by <b>%2</b> at %3<br>%4")
                    .arg(QString::fromStdString(e.kind).toHtmlEscaped(),
                         QString::fromStdString(e.actor).toHtmlEscaped(),
                         QDateTime::fromMSecsSinceEpoch(e.time_ms).toString(QStringLiteral("HH:mm:ss.zzz")),
                         QString::fromStdString(e.message).toHtmlEscaped());
    if (!e.before.is_null() || !e.after.is_null())
        t += QStringLiteral("<br><i>before:</i> %1<br><i>after:</i> %2")
                 .arg(compact(e.before).toHtmlEscaped(), compact(e.after).toHtmlEscaped());
    return t;
}

int EventsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}
int EventsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    const Row& r = rows_[index.row()];
    switch (role) {
        case Qt::DisplayRole:
            switch (index.column()) {
                case Time:
                    return QDateTime::fromMSecsSinceEpoch(r.event.time_ms)
                        .toString(QStringLiteral("HH:mm:ss"));
                case Agent:
                    return r.agentName;
                case Kind:
                    return QString::fromStdString(r.event.kind);
                case Actor:
                    return QString::fromStdString(r.event.actor);
                case Message:
                    return QString::fromStdString(r.event.message);
            }
            break;
        case Qt::ToolTipRole:
            return describe(r.event);
        case AgentIdRole:
            return r.agentId;
        case EventIdRole:
            return QVariant::fromValue<qulonglong>(r.event.id);
        case TimeMsRole:
            return QVariant::fromValue<qlonglong>(r.event.time_ms);
    }
    return {};
}

QVariant EventsModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case Time:
            return tr("Time");
        case Agent:
            return tr("Agent");
        case Kind:
            return tr("Kind");
        case Actor:
            return tr("Who");
        case Message:
            return tr("What");
    }
    return {};
}

void EventsModel::append(const QString& agentId, const QString& agentName, const std::vector<Event>& events) {
    if (events.empty()) return;
    const int overflow = static_cast<int>(rows_.size() + events.size()) - kMaxRows;
    if (overflow > 0) {
        const int n = std::min(overflow, static_cast<int>(rows_.size()));
        if (n > 0) {
            beginRemoveRows({}, 0, n - 1);
            rows_.remove(0, n);
            endRemoveRows();
        }
    }
    const int first = static_cast<int>(rows_.size());
    beginInsertRows({}, first, first + static_cast<int>(events.size()) - 1);
    for (const auto& e : events)
        rows_.append(Row{agentId, agentName, e});
    endInsertRows();
}

void EventsModel::removeAgent(const QString& agentId) {
    for (int i = static_cast<int>(rows_.size()) - 1; i >= 0; --i) {
        if (rows_[i].agentId != agentId) continue;
        beginRemoveRows({}, i, i);
        rows_.removeAt(i);
        endRemoveRows();
    }
}

}  // namespace redline::ui
