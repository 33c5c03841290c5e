// Table of configured agents with their live connection state (columns: name, URL, state, reason).
//
// Threading: GUI thread only.
#pragma once

#include <QAbstractTableModel>
#include <QList>

#include "core/agent_client.h"
#include "core/stream_consumer.h"
#include "ui/models/agent_config.h"

namespace redline::ui {

class AgentListModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column { Name, Url, State, Reason, ColumnCount };
    enum Role { IdRole = Qt::UserRole + 1, StateRole };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

    void add(const AgentConfig& c);
    void update(const AgentConfig& c);
    void remove(const QString& id);
    void setState(const QString& id, StreamState s, const QString& reason);
    int rowOf(const QString& id) const;
    const AgentConfig& configAt(int row) const { return rows_[row].config; }
    QList<AgentConfig> configs() const;
    StreamState stateOf(const QString& id) const;
    QString reasonOf(const QString& id) const;

    /// What a connection failure means, in words ("nothing is listening at that address (connection refused);
    /// retrying in 4 s"); the raw reason stays in the tooltip.
    static QString readableReason(const QString& raw);
    static QString stateText(StreamState s);

  private:
    struct Row {
        AgentConfig config;
        StreamState state = StreamState::Disconnected;
        QString reason;
    };
    QList<Row> rows_;
};

}  // namespace redline::ui
