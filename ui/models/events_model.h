// All events of all agents, newest last (columns: time, agent, kind, actor, message), bounded.
// Tooltips carry who/what/before/after.
//
// Threading: GUI thread only.
#pragma once

#include <QAbstractTableModel>
#include <QList>

#include "core/event.h"

namespace redline::ui {

class EventsModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column { Time, Agent, Kind, Actor, Message, ColumnCount };
    enum Role { AgentIdRole = Qt::UserRole + 1, EventIdRole, TimeMsRole };
    static constexpr int kMaxRows = 5000;

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

    /// Appends a batch of events of one agent (already deduplicated by the store).
    void append(const QString& agentId, const QString& agentName, const std::vector<Event>& events);
    void removeAgent(const QString& agentId);
    const Event& eventAt(int row) const { return rows_[row].event; }

    /// "who: what (before -> after)" text used by the table and the chart markers.
    static QString describe(const Event& e);

  private:
    struct Row {
        QString agentId, agentName;
        Event event;
    };
    QList<Row> rows_;
};

}  // namespace redline::ui
