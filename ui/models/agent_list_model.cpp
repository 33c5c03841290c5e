#include "ui/models/agent_list_model.h"

#include <QColor>
#include <QRegularExpression>

#include "core/stream_consumer.h"
#include "ui/widgets/theme.h"

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
    if (role == Qt::DisplayRole && index.column() == Reason) return readableReason(r.reason);
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
                return colors::good;
            case StreamState::Stale:
                return colors::warning;
            case StreamState::Disconnected:
                return colors::bad;
            case StreamState::Connecting:
                return colors::stale;
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

QString AgentListModel::readableReason(const QString& raw) {
    // libcurl's wording is for the tooltip; the cell says what it means for the operator.
    static const QRegularExpression retry(QStringLiteral("; retrying in .*$"));
    const QRegularExpressionMatch m = retry.match(raw);
    const QString tail = m.hasMatch() ? m.captured(0) : QString();
    struct Rule {
        const char* needle;
        const char* text;
    };
    static const Rule rules[] = {
        {"Connection refused", QT_TR_NOOP("nothing is listening at that address (connection refused)")},
        {"Couldn't connect", QT_TR_NOOP("nothing is listening at that address (connection refused)")},
        {"Could not resolve", QT_TR_NOOP("the host name does not resolve")},
        {"Timeout was reached", QT_TR_NOOP("no answer in time (timeout)")},
        {"timed out", QT_TR_NOOP("no answer in time (timeout)")},
        {"Empty reply",
         QT_TR_NOOP("the server closed the connection without answering: is it a Redline agent?")},
        {"Connection reset", QT_TR_NOOP("the connection was reset")},
        {"Failure when receiving", QT_TR_NOOP("the connection broke while receiving")},
        {"401 Unauthorized", QT_TR_NOOP("the agent refused the token (401): check the token file")},
        {"403 Forbidden", QT_TR_NOOP("the token's role may not do this (403)")},
        {"404 Not Found", QT_TR_NOOP("no Redline agent API at this URL (404)")},
        {"SSL", QT_TR_NOOP("TLS failed: use an http:// admin URL")},
    };
    for (const auto& rule : rules)
        if (raw.contains(QLatin1String(rule.needle))) return tr(rule.text) + tail;
    return raw;
}

}  // namespace redline::ui
