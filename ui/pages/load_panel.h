// Load testing from the dashboard: pick a built-in scenario or a file, adjust target, rate and duration,
// start/stop, progress with ETA, live client-side figures, and the final summary with threshold results
// (savable as JSON). Client-side latency is drawn on the selected agent's latency chart by LoadController.
//
// Threading: GUI thread only.
#pragma once

#include <QWidget>

#include "core/load/engine.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTextBrowser;

namespace redline::ui {

class Dashboard;
class LoadController;

class LoadPanel : public QWidget {
    Q_OBJECT
  public:
    LoadPanel(Dashboard* dashboard, LoadController* controller, QWidget* parent = nullptr);
    void setAgent(const QString& id);
    void setDefaultTarget(const QString& url);
    /// Starts the selected scenario with the overrides in the form; false + message when refused.
    bool startRun();
    void stopRun();
    bool selectScenario(const QString& nameOrPath);
    QProgressBar* progressBar() const { return progress_; }
    QString summaryText() const;
    bool saveSummary(const QString& path) const;

    static QString etaText(const load::Progress& p);

  signals:
    void message(const QString& text, bool error);

  private:
    void onProgress(const load::Progress& p);
    void onFinished(const load::Summary& s);
    void updateButtons();
    void openFile();

    Dashboard* d_;
    LoadController* ctl_;
    QString agent_;
    QComboBox* scenario_;
    QLineEdit* target_;
    QDoubleSpinBox* rate_;
    QDoubleSpinBox* duration_;
    QPushButton* start_;
    QPushButton* stop_;
    QPushButton* save_;
    QProgressBar* progress_;
    QLabel* stage_;
    QLabel* live_;
    QTextBrowser* summary_;
    QLabel* description_;
};

}  // namespace redline::ui
