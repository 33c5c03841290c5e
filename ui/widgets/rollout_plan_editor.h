// The rollout plan editor: the steps table (RolloutPlanModel; Insert adds a step after the current one,
// Delete removes it, Ctrl+Up / Ctrl+Down move it, typing a number edits a cell), the policy on failure, the
// analysis window and the main bounds (p99 may be +% and +ms worse, the error ratio +pp), and behind the
// "Advanced analysis" toggle every other field of RolloutSpec / AnalysisConfig (alpha, min_requests, failing
// and passing windows, warm-up, the distribution test's superiority and shift, the p50 and p95 bounds, the
// cache hit and 429 ratio bounds, max_downtime_s); defaults from core/rollout.h. Tab walks the fields in the
// order they are shown. It builds the RolloutSpec the user means and checks it with parse_rollout_spec, the
// agent's own parser, on every edit: errors are shown next to the rows and fields they name (an error on a
// hidden advanced field opens the section). A server 400's errors are shown the same way (showErrors).
//
// What is sent is what is shown: every number box rounds to the digits it displays (and shows no trailing
// zeros), so spec() holds exactly the values on screen, also for an agent's plan with more digits.
//
// Threading: GUI thread only.
#pragma once

#include <QHash>
#include <QStringList>
#include <QWidget>
#include <array>
#include <functional>
#include <vector>

#include "core/problem.h"
#include "core/rollout.h"
#include "ui/models/rollout_plan_model.h"

class QAbstractSpinBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QBoxLayout;
class QLayout;
class QTableView;
class QToolButton;
class QVBoxLayout;

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
    /// The plan last given to setSpec() (the agent's, as it sent it).
    const RolloutSpec& loadedSpec() const { return base_; }
    /// Re-checks spec() with parse_rollout_spec and shows its errors; true when it is valid.
    bool validate();
    /// Shows field errors (a check's or the agent's) on their rows and fields; returns how many.
    int showErrors(const std::vector<FieldError>& errors);
    /// Every error shown, one line each (for tests and the log).
    QStringList errorTexts() const;
    /// The user changed something since the last setSpec().
    bool edited() const { return edited_; }
    void setEditable(bool editable);
    /// Shows or hides the "Advanced analysis" fields (the toggle button does the same).
    void setAdvancedVisible(bool visible);
    bool advancedVisible() const;
    /// The number box that edits a spec field ("analysis.alpha", "max_downtime_s"); nullptr for none.
    QAbstractSpinBox* fieldEditor(const QString& field) const;
    /// The spec fields the boxes edit, in their tab order.
    QStringList fields() const;

  signals:
    void changed();

  private:
    /// One number box bound to one spec field (read and written through get/set).
    struct Binding {
        QString field;
        QAbstractSpinBox* box;
        std::function<double(const RolloutSpec&)> get;
        std::function<void(RolloutSpec&, double)> set;
    };
    /// A box for `field`, added to bindings_, with its inline error label below it.
    /// errorsBelow: put the error label there (under a whole row of two boxes), its text after errorPrefix.
    QLayout* bind(QAbstractSpinBox* box, const QString& field, std::function<double(const RolloutSpec&)> get,
                  std::function<void(RolloutSpec&, double)> set, QBoxLayout* errorsBelow = nullptr,
                  const QString& errorPrefix = {});
    /// Two boxes joined by a word ("20 % and 5 ms"), their errors under the row, each named by its field.
    QLayout* pairRow(QAbstractSpinBox* first, const QString& join, QAbstractSpinBox* second,
                     const std::array<Binding, 2>& fields);
    /// "X % and Y ms" for analysis.<q> (p50, p95, p99).
    QLayout* quantileRow(const char* q, QuantileBound AnalysisConfig::*bound);
    void buildAdvanced(QVBoxLayout* into);
    void setTabChain();
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
    std::vector<Binding> bindings_;  // every number box, in tab order
    QToolButton* advanced_toggle_;
    QWidget* advanced_;
    QHash<QString, QLabel*> field_errors_;  // field name -> the label beside its editor
    QLabel* plan_error_;                    // errors that name no row and no shown field
};

}  // namespace redline::ui
