// Editable rate-limit table of one agent: one row per route (enabled, rate/s, burst, mode, scope) holding the
// state applied on the agent and the local edits. Rate and burst keep the text the user typed, valid or not:
// it is read with redline::parse_decimal and checked with redline::parse_limits (the agent's own rules); a
// refused cell shows what was typed and why, in the cell and in the row's status, and stays refused until it
// is edited again (the value it replaced is never sent in its place). valid() is false while any cell is
// refused. Server refusals are mapped back onto the rows they name and cleared by the next edit of the row.
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
    /// Discards every local edit (also the refused ones).
    void revert();
    bool modified() const;
    /// No cell holds refused text.
    bool valid() const { return invalidCells() == 0; }
    int invalidCells() const;
    /// The table the user wants: rows enabled or present on the agent. Meaningful only when valid().
    LimitsConfig edited() const;
    const LimitsConfig& applied() const { return applied_; }
    /// Routes with an enabled limit on the agent.
    int appliedLimitedCount() const;
    /// Shows server-side field errors on their rows; returns how many were placed.
    int setServerErrors(const std::vector<FieldError>& errors);
    /// Every reason this row is refused ("Rate /s: must be ..."; a server refusal), empty when none.
    QString rowError(int row) const;
    int rowOf(const QString& route) const;
    QStringList routes() const;

    static QStringList modeChoices() { return {"enforce", "shadow"}; }
    static QStringList scopeChoices() { return {"client", "route"}; }

  signals:
    void modifiedChanged(bool modified);
    /// After every edit, reset or refusal: modified() or valid() may have changed.
    void editStateChanged();

  private:
    /// Rate or burst as typed. Empty text: the cell shows the limit's value.
    struct Cell {
        QString text;
        QString error;
    };
    struct Row {
        QString route;
        RouteLimit limit;
        bool present = false;  // the agent has an entry for this route (or the user enabled one)
        Cell rate, burst;
        QString error;  // refused by the agent
    };
    static Cell* cellOf(Row& r, int column);
    static const Cell* cellOf(const Row& r, int column);
    /// Reads and checks typed text for the Rate or Burst column of `r`; sets the cell and, when valid, the
    /// limit.
    bool setNumber(Row& r, int column, const QString& text);
    QString cellText(const Row& r, int column) const;
    bool rowModified(int r) const;
    void rowChanged(int r, bool wasModified);
    QList<Row> rows_;
    LimitsConfig applied_;
    QStringList known_;
};

}  // namespace redline::ui
