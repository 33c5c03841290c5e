// Rate-limit steering for the selected agent: the LimitsModel in an editable table with Reload, Revert and
// Apply. Loads the agent's routes and limits without blocking; an Apply result (success or the server's
// refusal) is shown inline. Reloads by itself when another actor changed the limits and nothing is edited.
// Rate and burst are edited as text (CellDelegate): a refused value stays in its cell with the reason, and
// Apply is enabled only while something is edited and no cell is refused. The footer's "N limited" counts
// the agent's enabled limits.
//
// Threading: GUI thread only; network calls go through AgentConnection (pool threads).
#pragma once

#include "ui/pages/page.h"

#include <QPointer>
#include <QWidget>

#include "ui/models/limits_model.h"

class QLabel;
class QPushButton;
class QTableView;

namespace redline::ui {

class Dashboard;

class LimitsPanel : public Page {
    Q_OBJECT
  public:
    explicit LimitsPanel(Dashboard* dashboard, QWidget* parent = nullptr);
    void setAgent(const QString& id) override;
    QString agent() const { return agent_; }
    LimitsModel* model() { return &model_; }
    QTableView* view() const { return view_; }
    /// Fetches routes and limits from the agent.
    void reload();
    /// Sends the edited table (PUT /v1/limits), after committing an open cell editor; nothing while a cell
    /// is refused.
    void apply();
    bool busy() const { return busy_; }

  signals:
    /// After each load/apply round trip (success or not).
    void settled(bool ok);

  private:
    void setBusy(bool b);
    void updateButtons();
    /// Puts the text of an open cell editor into the model (as Enter would) and closes the editor.
    void commitOpenEditor();
    void editStateChanged();
    /// "N routes, M limited" (M: enabled limits on the agent).
    QString summary() const;
    void setStatus(const QString& text, bool error);

    Dashboard* d_;
    QString agent_;
    LimitsModel model_;
    QTableView* view_;
    QPushButton* apply_;
    QPushButton* revert_;
    QPushButton* reload_;
    QLabel* status_;
    bool busy_ = false;
    int generation_ = 0;
};

}  // namespace redline::ui
