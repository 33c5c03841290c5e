// The rollout plan editor: the steps table (RolloutPlanModel; Insert adds a step after the current one,
// Delete removes it, Ctrl+Up / Ctrl+Down move it, typing a number edits a cell), the policy on failure, the
// analysis window and the main bounds (p99 may be +% and +ms worse, the error ratio +pp), defaults from
// core/rollout.h. It builds the RolloutSpec the user means and checks it with parse_rollout_spec, the agent's
// own parser, on every edit: errors are shown next to the rows and fields they name. A server 400's errors
// are shown the same way (showErrors).
//
// Threading: GUI thread only.
#pragma once

#include <QHash>
#include <QWidget>
#include <vector>

#include "core/problem.h"
#include "core/rollout.h"
#include "ui/models/rollout_plan_model.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableView;

namespace redline::ui {

class RolloutPlanEditor : public QWidget {
    Q_OBJECT
  public:
    explicit RolloutPlanEditor(QWidget* parent = nullptr);

    RolloutPlanModel* model() { return &model_; }
    QTableView* table() const { return table_; }
    /// The plan as edited; fields the editor does not show keep their values from the last setSpec().
    RolloutSpec spec() const;
    /// Shows the agent's plan (not marked as edited).
    void setSpec(const RolloutSpec& spec);
    /// Re-checks spec() with parse_rollout_spec and shows its errors; true when it is valid.
    bool validate();
    /// Shows field errors (a check's or the agent's) on their rows and fields; returns how many.
    int showErrors(const std::vector<FieldError>& errors);
    /// Every error shown, one line each (for tests and the log).
    QStringList errorTexts() const;
    /// The user changed something since the last setSpec().
    bool edited() const { return edited_; }
    void setEditable(bool editable);

  signals:
    void changed();

  private:
    /// An inline error label (objectName "inlineError", property "errorFor" = the field it explains).
    QLabel* errorLabel(const QString& field);
    void markEdited();
    void updateButtons();

    RolloutPlanModel model_;
    RolloutSpec base_;
    bool edited_ = false;
    bool loading_ = false;
    QTableView* table_;
    QPushButton* add_;
    QPushButton* remove_;
    QPushButton* up_;
    QPushButton* down_;
    QComboBox* on_failure_;
    QSpinBox* window_;
    QDoubleSpinBox* p99_percent_;
    QDoubleSpinBox* p99_ms_;
    QDoubleSpinBox* error_pp_;
    QHash<QString, QLabel*> field_errors_;  // field name -> the label beside its editor
    QLabel* plan_error_;                    // errors that name no row and no shown field
};

}  // namespace redline::ui
