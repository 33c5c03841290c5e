// The editable steps of a rollout plan (RolloutStep: canary weight %, hold s): add, remove and move rows,
// edit weight and hold in place (numbers, through the view's default spin box editors). Field errors of a
// check (parse_rollout_spec on the plan the panel builds, or a server 400) are placed on the rows they name
// ("steps[1].weight_percent") and shown in the row's Problem column and as the cell's tooltip; setErrors()
// returns those that name no row. The model never judges a plan itself: core/rollout.h's parser does.
//
// Threading: GUI thread only.
#pragma once

#include <QAbstractTableModel>
#include <QString>
#include <vector>

#include "core/problem.h"
#include "core/rollout.h"

namespace redline::ui {

class RolloutPlanModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    /// The step numbers are the vertical header (a cell's data never depends on its row's position).
    enum Column { WeightCol, HoldCol, ProblemCol, ColumnCount };
    enum Role { ErrorRole = Qt::UserRole + 1 };  // the cell's (or, in ProblemCol, the row's) error text

    explicit RolloutPlanModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

    /// The example plan: 5 % 30 s, 25 % 60 s, 50 % 60 s, 100 %.
    static std::vector<RolloutStep> defaultSteps();
    const std::vector<RolloutStep>& steps() const { return steps_; }
    /// A new data set (the agent's spec): resets, clears the errors.
    void setSteps(const std::vector<RolloutStep>& steps);
    /// Inserts a step after `row` (-1: at the end) halfway between its neighbours; returns its row.
    int addStep(int after);
    bool removeStep(int row);
    /// Moves a step by +1 / -1; returns its new row (row itself when it cannot move).
    int moveStep(int row, int delta);

    /// Replaces the shown errors; returns the errors that name no step (the caller shows them elsewhere).
    std::vector<FieldError> setErrors(const std::vector<FieldError>& errors);
    bool hasErrors() const;
    QString rowError(int row) const;
    /// Error colours for a dark (true) or light background.
    void setDark(bool dark);

  signals:
    /// After every edit, insert, removal or move (the panel re-checks the plan).
    void edited();

  private:
    struct RowErrors {
        QString weight, hold, row;
    };
    void clearErrors();
    std::vector<RolloutStep> steps_;
    std::vector<RowErrors> errors_;  // parallel to steps_
    bool dark_ = true;
};

}  // namespace redline::ui
