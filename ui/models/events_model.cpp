#include "ui/models/events_model.h"

#include <QDateTime>
#include <QMap>
#include <QStringList>

#include "ui/models/rollout_summary.h"

namespace redline::ui {

namespace {
QString scalar(const nlohmann::json& j) {
    if (j.is_string()) return QString::fromStdString(j.get<std::string>());
    QString s = QString::fromStdString(j.dump());
    return s.size() > 200 ? s.left(200) + QStringLiteral("…") : s;
}

/// Leaves of objects by dotted path; arrays and scalars are leaves.
void flatten(const nlohmann::json& j, const QString& prefix, QMap<QString, QString>& out) {
    if (j.is_object() && !j.empty()) {
        for (auto it = j.begin(); it != j.end(); ++it)
            flatten(it.value(),
                    prefix.isEmpty() ? QString::fromStdString(it.key())
                                     : prefix + '.' + QString::fromStdString(it.key()),
                    out);
        return;
    }
    out.insert(prefix.isEmpty() ? QStringLiteral("value") : prefix, scalar(j));
}
}  // namespace

QList<EventsModel::Change> EventsModel::changes(const nlohmann::json& before, const nlohmann::json& after) {
    QMap<QString, QString> b, a;
    if (!before.is_null()) flatten(before, {}, b);
    if (!after.is_null()) flatten(after, {}, a);
    QList<Change> out;
    QStringList keys = b.keys();
    for (const auto& k : a.keys())
        if (!b.contains(k)) keys << k;
    keys.sort();
    for (const auto& k : keys) {
        const QString ob = b.value(k), oa = a.value(k);
        if (b.contains(k) && a.contains(k) && ob == oa) continue;
        out.append({k, b.contains(k) ? ob : QString(), a.contains(k) ? oa : QString()});
    }
    return out;
}

QString EventsModel::sideText(const Event& e, Column side) {
    // A rollout's state is a large document (plan, scorecard): one readable line instead of its leaves.
    if (e.kind.rfind("rollout.", 0) == 0) {
        const nlohmann::json& j = side == Before ? e.before : e.after;
        if (const QString t = rolloutSummary(j); !t.isEmpty()) return t;
    }
    QStringList parts;
    if (e.before.is_null()) {
        // Not a state change: the event's data, on the "after" side only.
        if (side != After || e.after.is_null()) return {};
        QMap<QString, QString> a;
        flatten(e.after, {}, a);
        for (auto it = a.begin(); it != a.end(); ++it)
            parts << it.key() + ": " + it.value();
    } else {
        for (const auto& c : changes(e.before, e.after)) {
            const QString& v = side == Before ? c.before : c.after;
            parts << c.path + ": " + (v.isEmpty() ? QStringLiteral("—") : v);
        }
    }
    QString s = parts.join(QStringLiteral("; "));
    return s.size() > 300 ? s.left(300) + QStringLiteral("…") : s;
}

QString EventsModel::describe(const Event& e) {
    QString t =
        QStringLiteral("<b>%1</b> by <b>%2</b> at %3<br>%4")
            .arg(
                QString::fromStdString(e.kind).toHtmlEscaped(),
                QString::fromStdString(e.actor).toHtmlEscaped(),
                QDateTime::fromMSecsSinceEpoch(e.time_ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")),
                QString::fromStdString(e.message).toHtmlEscaped());
    if (e.kind.rfind("rollout.", 0) == 0 && !rolloutSummary(e.after).isEmpty()) {
        if (!e.before.is_null() && !rolloutSummary(e.before).isEmpty())
            t += QStringLiteral("<br>") + rolloutSummary(e.before).toHtmlEscaped() + QStringLiteral(" →");
        return t + QStringLiteral("<br><b>") + rolloutSummary(e.after).toHtmlEscaped() +
               QStringLiteral("</b>");
    }
    if (!e.before.is_null()) {
        const auto cs = changes(e.before, e.after);
        if (cs.isEmpty()) t += QStringLiteral("<br><i>no change</i>");
        int shown = 0;
        for (const auto& c : cs) {
            if (++shown > 12) {
                t += QStringLiteral("<br>… %1 more").arg(cs.size() - 12);
                break;
            }
            t += QStringLiteral("<br><code>%1</code>: %2 → <b>%3</b>")
                     .arg(c.path.toHtmlEscaped(),
                          c.before.isEmpty() ? QStringLiteral("—") : c.before.toHtmlEscaped(),
                          c.after.isEmpty() ? QStringLiteral("—") : c.after.toHtmlEscaped());
        }
    } else if (!e.after.is_null()) {
        t += QStringLiteral("<br>%1").arg(sideText(e, After).toHtmlEscaped());
    }
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
                        .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
                case Agent:
                    return r.agentName;
                case Kind:
                    return QString::fromStdString(r.event.kind);
                case Actor:
                    return QString::fromStdString(r.event.actor);
                case Message:
                    return QString::fromStdString(r.event.message);
                case Before:
                    return sideText(r.event, Before);
                case After:
                    return sideText(r.event, After);
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
            return tr("Summary");
        case Before:
            return tr("Before");
        case After:
            return tr("After");
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
