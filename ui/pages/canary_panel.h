// Canary steering for the selected agent: weight slider and quick buttons (0/5/25/50/100 %), promote and roll
// back (with confirmation), the canary's fault knobs, and the live stable-versus-canary comparison.
//
// Every weight change (slider by mouse, keyboard or wheel, quick buttons) goes through setWeight(): the same
// confirmation for 0 % and 100 % (roll back also offers to clear the fault knobs), one PUT /v1/canary. The
// slider commits on release, on Enter, or after kCommitIdleMs without a key or wheel step (one PUT when the
// user stops, not one per step); Esc abandons an unsent move. The big label is always the agent's confirmed
// weight; a move not yet sent and a PUT in flight are shown beside it ("pending"). A refused PUT puts the
// slider back on the confirmed weight with the error under it. At most one PUT is in flight; a change asked
// for meanwhile waits and is sent after it (the newest wins). Below them, the rollout group (RolloutPanel),
// which owns the weight while a rollout runs; the tab scrolls when the window is too short for it all.
// The comparison and the backends of an agent that is not live are greyed (no good / bad colours) and say
// they are the last contact's, like the rollout's status.
//
// Threading: GUI thread only; network calls go through AgentConnection (pool threads).
#pragma once

#include <QList>
#include <QWidget>
#include <functional>
#include <optional>

#include "core/control.h"
#include "ui/models/backends_model.h"
#include "ui/models/comparison_model.h"
#include "ui/pages/page.h"

class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QSlider;
class QComboBox;
class QTableView;
class QTimer;

namespace redline::ui {

class Dashboard;
class RolloutPanel;

class CanaryPanel : public Page {
    Q_OBJECT
  public:
    explicit CanaryPanel(Dashboard* dashboard, QWidget* parent = nullptr);
    void setAgent(const QString& id) override;
    ComparisonModel* comparison() { return &comparison_; }
    /// The upstream backends of a forwarding host (redline-proxy); empty and hidden for other agents.
    BackendsModel* backends() { return &backends_; }
    /// The "Rollout" group: plan, verbs, timeline and scorecard of the agent's rollout (issue 13).
    RolloutPanel* rollout() const { return rollout_; }
    /// Asks the agent's /v1/info again (every kBackendsRefreshMs while shown, and on a proxy.backend event).
    void refreshBackends();
    static constexpr int kBackendsRefreshMs = 2000;
    /// Idle time after the last key or wheel step before the slider's weight is sent.
    static constexpr int kCommitIdleMs = 400;

    /// The one path for a new weight (keeps the faults). 0 and 100 ask for confirmation first; a cancelled
    /// confirmation puts the slider back on the confirmed weight and sends nothing.
    void setWeight(double percent);
    /// Sends the fault knobs (keeps the weight).
    void applyFaults(const CanaryFaults& f);
    void reload();
    /// The agent's confirmed state (the last successful GET or PUT).
    const CanaryConfig& applied() const { return applied_; }
    /// True while a slider move is not yet sent or a PUT is in flight.
    bool pending() const;
    /// Replaces the confirmation dialog (tests); return true to proceed. A roll back confirmed this way keeps
    /// the fault knobs.
    void setConfirm(std::function<bool(const QString&)> confirm);

    /// Recomputes the comparison from the agent's latest snapshot (also done on every tick while visible and
    /// whenever the panel is shown, so switching to the tab never shows an empty table until the next tick).
    void refreshComparison();

  signals:
    void settled(bool ok);

  protected:
    void showEvent(QShowEvent* e) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

  private:
    /// text; offer (empty: none) is a check box such as "also clear the fault knobs", *accepted its answer.
    using Confirm = std::function<bool(const QString& text, const QString& offer, bool* accepted)>;

    /// The slider's value becomes a request (release, Enter, idle timer).
    void commitSlider();
    /// The slider moved under the user's hand: shown as not sent yet, committed when the user stops.
    void sliderMoved(int value);
    /// The state the next change starts from: queued, else in flight, else confirmed.
    const CanaryConfig& target() const;
    void submit(const CanaryConfig& c);
    void send(const CanaryConfig& c);
    void showApplied();
    void showPending();
    void setSliderQuietly(double percent);
    void setError(const QString& text);

    Dashboard* d_;
    QString agent_;
    CanaryConfig applied_;
    ComparisonModel comparison_;
    BackendsModel backends_;
    QWidget* backends_box_ = nullptr;
    RolloutPanel* rollout_ = nullptr;
    QList<QWidget*> weight_controls_;  // slider and quick buttons: off while a rollout owns the weight
    QLabel* owned_ = nullptr;          // says so
    void showRolloutOwnership();
    QGroupBox* fault_box_ = nullptr;
    QTableView* backends_table_ = nullptr;
    QLabel* backends_note_ = nullptr;
    QTimer* backends_timer_ = nullptr;
    void showBackends();                        // from the current connection's info
    std::optional<CanaryConfig> in_flight_;     // sent, no answer yet
    std::optional<CanaryConfig> queued_;        // asked for while a PUT was in flight
    std::optional<CanaryFaults> faults_shown_;  // what the fault knobs were last set to from the agent
    bool load_failed_ = false;                  // the inline error is the last GET's
    QSlider* slider_;
    QTimer* idle_;
    QLabel* weight_label_;
    QLabel* pending_;
    QLabel* error_;
    QLabel* status_;
    QDoubleSpinBox* latency_;
    QDoubleSpinBox* jitter_;
    QDoubleSpinBox* errors_;
    QComboBox* route_;
    QTableView* table_;
    QLabel* table_note_;  // says the comparison is not live
    Confirm confirm_;
    int load_generation_ = 0;
    int put_generation_ = 0;
};

}  // namespace redline::ui
