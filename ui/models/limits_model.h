// Editable rate-limit table of one agent: one row per route (enabled, rate/s, burst, mode, scope) holding the
// state applied on the agent and the local edits. Edits are validated with redline::parse_limits before they
// are accepted (invalid values are refused with the reason in the row's status); server refusals are mapped
// back onto the rows they name.
//
// Threading: GUI thread only.
#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <QStringList>

#include "core/control.h"

namespace redline::ui {

class LimitsModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column { Route, Enabled, Rate, Burst, Mode, Scope, Status, ColumnCount };
    enum Role { ModifiedRole = Qt::UserRole + 1, ErrorRole };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

    /// New data set from the agent: resets the model (routes = known routes plus any route in `applied`).
    void setApplied(const LimitsConfig& applied, const QStringList& knownRoutes);
    /// Marks the local edits as applied (after a successful PUT) without disturbing the view.
    void markApplied(const LimitsConfig& applied);
    void revert();
    bool modified() const;
    /// The table the user wants: rows enabled or present on the agent.
    LimitsConfig edited() const;
    const LimitsConfig& applied() const { return applied_; }
    /// Shows server-side field errors on their rows; returns how many were placed.
    int setServerErrors(const std::vector<FieldError>& errors);
    QString rowError(int row) const { return rows_.value(row).error; }
    int rowOf(const QString& route) const;
    QStringList routes() const;

    static QStringList modeChoices() { return {"enforce", "shadow"}; }
    static QStringList scopeChoices() { return {"client", "route"}; }

  signals:
    void modifiedChanged(bool modified);

  private:
    struct Row {
        QString route;
        RouteLimit limit;
        bool present = false;  // the agent has an entry for this route (or the user enabled one)
        QString error;
    };
    bool rowModified(int r) const;
    QList<Row> rows_;
    LimitsConfig applied_;
    QStringList known_;
};

}  // namespace redline::ui
