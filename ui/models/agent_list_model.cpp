#include "ui/models/agent_list_model.h"
#include "core/stream_consumer.h"

#include <QColor>

namespace redline::ui {

QString AgentListModel::stateText(StreamState s) {
    switch (s) {
        case StreamState::Connecting:
            return tr("connecting");
        case StreamState::Live:
            return tr("live");
        case StreamState::Stale:
            return tr("stale");
        case StreamState::Disconnected:
            return tr("disconnected");
    }
    return {};
}

int AgentListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}
int AgentListModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AgentListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    const Row& r = rows_[index.row()];
    if (role == IdRole) return r.config.id;
    if (role == StateRole) return static_cast<int>(r.state);
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (index.column()) {
            case Name:
                return r.config.name;
            case Url:
                return r.config.url;
            case State:
                return stateText(r.state);
            case Reason:
                return r.reason;
        }
    }
    if (role == Qt::ForegroundRole && index.column() == State) {
        switch (r.state) {
            case StreamState::Live:
                return QColor(0x2e, 0xa0, 0x43);
            case StreamState::Stale:
                return QColor(0xd2, 0x99, 0x22);
            case StreamState::Disconnected:
                return QColor(0xda, 0x36, 0x33);
            case StreamState::Connecting:
                return QColor(0x6e, 0x76, 0x81);
        }
    }
    return {};
}

QVariant AgentListModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case Name:
            return tr("Agent");
        case Url:
            return tr("URL");
        case State:
            return tr("State");
        case Reason:
            return tr("Reason");
    }
    return {};
}

void AgentListModel::add(const AgentConfig& c) {
    const int n = static_cast<int>(rows_.size());
    beginInsertRows({}, n, n);
    rows_.append(Row{c, StreamState::Disconnected, {}});
    endInsertRows();
}

void AgentListModel::update(const AgentConfig& c) {
    const int r = rowOf(c.id);
    if (r < 0) return;
    rows_[r].config = c;
    emit dataChanged(index(r, Name), index(r, Url), {Qt::DisplayRole, Qt::ToolTipRole});
}

void AgentListModel::remove(const QString& id) {
    const int r = rowOf(id);
    if (r < 0) return;
    beginRemoveRows({}, r, r);
    rows_.removeAt(r);
    endRemoveRows();
}

void AgentListModel::setState(const QString& id, StreamState s, const QString& reason) {
    const int r = rowOf(id);
    if (r < 0) return;
    rows_[r].state = s;
    rows_[r].reason = reason;
    emit dataChanged(index(r, State), index(r, Reason),
                     {Qt::DisplayRole, Qt::ToolTipRole, Qt::ForegroundRole, StateRole});
}

int AgentListModel::rowOf(const QString& id) const {
    for (int i = 0; i < rows_.size(); ++i)
        if (rows_[i].config.id == id) return i;
    return -1;
}

QList<AgentConfig> AgentListModel::configs() const {
    QList<AgentConfig> out;
    for (const auto& r : rows_)
        out.append(r.config);
    return out;
}

StreamState AgentListModel::stateOf(const QString& id) const {
    const int r = rowOf(id);
    return r < 0 ? StreamState::Disconnected : rows_[r].state;
}
QString AgentListModel::reasonOf(const QString& id) const {
    const int r = rowOf(id);
    return r < 0 ? QString{} : rows_[r].reason;
}

}  // namespace redline::ui
