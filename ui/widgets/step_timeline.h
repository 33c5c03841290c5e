// A rollout's steps as a row of segments (one per step: its canary weight and hold), the steps done filled,
// the current one outlined and filled as far as its hold has gone. It only paints what it is given
// (RolloutPanel gives it the agent's last status); the time left and what holds the step are the panel's
// text beside it. summary() is the same picture in words (tooltip and accessible description).
//
// Threading: GUI thread only.
#pragma once

#include <QWidget>
#include <vector>

#include "core/rollout.h"

namespace redline::ui {

class StepTimeline : public QWidget {
    Q_OBJECT
  public:
    explicit StepTimeline(QWidget* parent = nullptr);
    /// current: the 0-based step in force, -1 for none (no rollout running); held_s its time so far.
    void setSteps(const std::vector<RolloutStep>& steps, int current, int held_s, RolloutState state);
    int current() const { return current_; }
    int segmentCount() const { return static_cast<int>(steps_.size()); }
    QString summary() const;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

  protected:
    void paintEvent(QPaintEvent* e) override;

  private:
    QString segmentText(int i) const;
    std::vector<RolloutStep> steps_;
    int current_ = -1;
    int held_s_ = 0;
    RolloutState state_ = RolloutState::None;
};

}  // namespace redline::ui
