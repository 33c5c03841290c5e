// Canary steering for the selected agent: weight slider and quick buttons (0/5/25/50/100 %), promote and roll
// back (with confirmation), the canary's fault knobs, and the live stable-versus-canary comparison.
//
// Threading: GUI thread only; network calls go through AgentConnection (pool threads).
#pragma once

#include <QWidget>
#include <functional>

#include "core/control.h"
#include "ui/models/comparison_model.h"

class QDoubleSpinBox;
class QLabel;
class QSlider;
class QComboBox;
class QTableView;

namespace redline::ui {

class Dashboard;

class CanaryPanel : public QWidget {
    Q_OBJECT
  public:
    explicit CanaryPanel(Dashboard* dashboard, QWidget* parent = nullptr);
    void setAgent(const QString& id);
    ComparisonModel* comparison() { return &comparison_; }
    /// Sends a new weight (keeps the current faults). 0 and 100 ask for confirmation first.
    void setWeight(double percent);
    /// Sends the fault knobs (keeps the weight).
    void applyFaults(const CanaryFaults& f);
    void reload();
    const CanaryConfig& applied() const { return applied_; }
    /// Replaces the confirmation dialog (tests); return true to proceed.
    void setConfirm(std::function<bool(const QString&)> confirm) { confirm_ = std::move(confirm); }

    /// Recomputes the comparison from the agent's latest snapshot (also done on every tick while visible and
    /// whenever the panel is shown, so switching to the tab never shows an empty table until the next tick).
    void refreshComparison();

  signals:
    void message(const QString& text, bool error);
    void settled(bool ok);

  protected:
    void showEvent(QShowEvent* e) override;

  private:
    void send(CanaryConfig c);
    void showApplied();

    Dashboard* d_;
    QString agent_;
    CanaryConfig applied_;
    ComparisonModel comparison_;
    QSlider* slider_;
    QLabel* weight_label_;
    QLabel* status_;
    QDoubleSpinBox* latency_;
    QDoubleSpinBox* jitter_;
    QDoubleSpinBox* errors_;
    QComboBox* route_;
    QTableView* table_;
    std::function<bool(const QString&)> confirm_;
    int generation_ = 0;
};

}  // namespace redline::ui
