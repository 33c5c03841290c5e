// The Canary tab's "Rollout" group (issue 13 §3): the plan editor, the operator verbs (start, pause, resume,
// skip step, promote, abort), the step timeline with the time left and what holds the step, the live
// scorecard, and banners for a rollback (stays until dismissed; the dismissal is remembered per rollout, by
// its started_ms) and for a pause with its reason.
//
// What it shows is the agent's word only: the status of the last GET /v1/rollout or of the last answered
// PUT/POST (the newest request sent wins; older answers are dropped), never what was asked for. While the
// agent is live it polls GET /v1/rollout every kPollMs while visible, every kHiddenPollMs while hidden
// (another tab is shown) and a rollout is active, once when shown or when the connection goes live, and at
// once on a rollout.* event, so the status (and a rollback) is current whichever tab is shown. attention()
// says what the window should show outside the Canary tab (a rollback not dismissed, a pause); a rollback
// seen happening (the previous answer was an active rollout) is also a message(). A verb is enabled only in
// the states the API allows it, never for a viewer token (the connection's /v1/info role) nor while the agent
// is not live (then the status greys out and says it is the last contact's). Start checks the edited plan
// with parse_rollout_spec first (errors inline, nothing sent), sends it (PUT) when it differs from the
// agent's, then POSTs start. Abort and promote ask first.
//
// Layout: the status (state, timeline, scorecard) sits beside the plan when the scorecard fits there, else
// above it; scorecard columns are never narrower than their header or figures (the table scrolls if need be).
//
// Threading: GUI thread only; requests run through AgentConnection (pool threads).
#pragma once

#include <QElapsedTimer>
#include <QGroupBox>
#include <QHash>
#include <functional>
#include <optional>

#include "core/rollout.h"
#include "ui/models/scorecard_model.h"
#include "ui/session/rollout_calls.h"

class QBoxLayout;
class QFrame;
class QLabel;
class QPushButton;
class QTableView;
class QTimer;

namespace redline::ui {

class Dashboard;
class RolloutPlanEditor;
class StepTimeline;

class RolloutPanel : public QGroupBox {
    Q_OBJECT
  public:
    explicit RolloutPanel(Dashboard* dashboard, QWidget* parent = nullptr);
    static constexpr int kPollMs = 1000;
    static constexpr int kHiddenPollMs = 5000;

    void setAgent(const QString& id);
    /// GET /v1/rollout now (no-op without a live connection).
    void refresh();
    /// The agent's last confirmed status; nullopt before the first answer.
    const std::optional<RolloutStatus>& status() const { return status_; }
    ScorecardModel* scorecard() { return &scorecard_; }
    RolloutPlanEditor* editor() const { return editor_; }
    QPushButton* button(RolloutAction a) const;
    /// Replaces the confirmation dialog (tests); return true to proceed.
    void setConfirm(std::function<bool(const QString&)> confirm) { confirm_ = std::move(confirm); }
    /// Start: check the plan, PUT it when it differs from the agent's, then POST start.
    void start();
    void act(RolloutAction a);
    bool busy() const { return busy_; }
    /// A few words for the window's Canary tab title and status bar when the rollout needs a look: "rolled
    /// back" (until its banner is dismissed), "paused"; empty otherwise.
    QString attention() const;
    /// The agent's reason for the state attention() names (empty without attention).
    QString attentionDetail() const;
    /// Local unix ms of the last answer from the agent (0: none yet).
    qint64 lastAnswerMs() const { return last_answer_ms_; }

  signals:
    /// After each answered request (ok: the agent accepted it, or a GET answered).
    void settled(bool ok);
    /// status() or attention() changed (a new answer from the agent, another agent, a dismissed banner).
    void statusChanged();
    void message(const QString& text, bool error);

  protected:
    void showEvent(QShowEvent* e) override;
    void resizeEvent(QResizeEvent* e) override;

  private:
    struct Sent {
        int seq;
        QString agent;
    };
    Sent nextRequest();
    /// Applies an answer if it is the newest one sent for the current agent; false when dropped.
    bool accept(const Sent& s, const RolloutReply& r);
    void post(RolloutAction a);
    void showStatus();
    void showBanners();
    void updateEnabled();
    /// Plan and status side by side when the scorecard fits beside the plan, else the status above the plan.
    void arrangeColumns();
    void setActionError(const QString& text);
    bool live() const;
    bool viewer() const;
    QString dismissKey() const;

    Dashboard* d_;
    QString agent_;
    std::optional<RolloutStatus> status_;
    QString read_error_;  // the last GET's failure, until a GET answers
    ScorecardModel scorecard_;
    RolloutPlanEditor* editor_;
    StepTimeline* timeline_;
    QLabel* state_;
    QLabel* progress_;
    QLabel* not_live_;
    QLabel* action_error_;
    QLabel* score_title_;
    QTableView* score_table_;
    QFrame* rolled_back_banner_;
    QLabel* rolled_back_text_;
    QFrame* paused_banner_;
    QLabel* paused_text_;
    QWidget* status_area_;
    QWidget* plan_box_;
    QBoxLayout* columns_;
    QHash<int, QPushButton*> buttons_;
    QTimer* poll_;
    std::function<bool(const QString&)> confirm_;
    int seq_ = 0;          // requests sent
    int applied_seq_ = 0;  // the newest request whose answer is shown
    qint64 last_answer_ms_ = 0;
    QElapsedTimer since_get_;  // since the last GET was sent
    bool get_in_flight_ = false;
    bool busy_ = false;  // a PUT/POST is in flight
};

}  // namespace redline::ui
