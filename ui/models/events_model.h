// All events of all agents, newest last (columns: time with date, agent, kind, who, summary, before, after),
// bounded. Before/after show only what changed (leaf paths such as "routes.GET /v1/products.rate_per_s");
// tooltips and chart markers give the same change as a readable diff.
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
    enum Column { Time, Agent, Kind, Actor, Message, Before, After, ColumnCount };
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

    /// "who: what (before -> after)" text used by the table and the chart markers (HTML).
    static QString describe(const Event& e);
    /// One entry per leaf that differs between before and after: path, old value, new value ("" = absent).
    struct Change {
        QString path, before, after;
    };
    static QList<Change> changes(const nlohmann::json& before, const nlohmann::json& after);
    /// "path: value; ..." of the changed leaves on one side (side = Before or After), or the event data.
    static QString sideText(const Event& e, Column side);

  private:
    struct Row {
        QString agentId, agentName;
        Event event;
    };
    QList<Row> rows_;
};

}  // namespace redline::ui
