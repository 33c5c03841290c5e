// Load testing from the dashboard: pick a built-in scenario or a file, adjust target, rate and duration,
// start/stop, progress with ETA, live client-side figures, and the final summary with threshold results
// (savable as JSON). Client-side latency is drawn on the selected agent's latency chart by LoadController.
//
// Threading: GUI thread only.
#pragma once

#include <QPointer>
#include <QWidget>
#include <functional>

#include "core/load/engine.h"
#include "ui/pages/page.h"
#include "ui/session/series_store.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTextBrowser;

namespace redline::ui {

class ChartView;
class Dashboard;
class LoadController;

class LoadPanel : public Page {
    Q_OBJECT
  public:
    LoadPanel(Dashboard* dashboard, LoadController* controller, QWidget* parent = nullptr);
    /// The selected agent: the target follows its API address (/v1/info api_url) unless the user typed one.
    void setAgent(const QString& id) override;
    /// Fills the target when it is empty (an agent that does not say which API it measures).
    void setDefaultTarget(const QString& url);
    QString target() const;
    /// The agent the next run would belong to (whose API is the target), empty for none.
    QString targetAgent() const;
    /// The line under the target saying which agent the run would belong to.
    QString targetHint() const;
    /// Replaces the "start anyway?" confirmation (tests); return true to proceed.
    void setConfirm(std::function<bool(const QString&)> confirm) { confirm_ = std::move(confirm); }
    /// Starts the selected scenario with the overrides in the form; false + message when refused.
    bool startRun();
    void stopRun();
    bool selectScenario(const QString& nameOrPath);
    QProgressBar* progressBar() const { return progress_; }
    QPushButton* startButton() const { return start_; }
    QString summaryText() const;
    bool saveSummary(const QString& path) const;

    static QString etaText(const load::Progress& p);
    /// The tab's own live charts of the current (or last) run: rate (achieved, target, failed/s, unsent) and
    /// latency (client p50/p95/p99 corrected, p99 uncorrected, and the server-side p99 of the run's agent).
    ChartView* rateChart() const { return rate_chart_; }
    ChartView* latencyChart() const { return latency_chart_; }
    const SeriesStore& runStore() const { return run_store_; }
    void setDark(bool dark);
    /// The summary as the tab shows it after a run (also the Runs tab's, for a stored run).
    static QString summaryHtml(const load::Summary& s);
    /// The line saying the current run is not being saved, and why (hidden while runs are saved).
    QLabel* recordingNote() const { return record_note_; }
    /// Series keys of the run store (agent kRunAgent).
    static inline const QString kRunAgent = QStringLiteral("run");

  private:
    void onProgress(const load::Progress& p);
    void onFinished(const load::Summary& s);
    void updateButtons();
    void openFile();
    void followAgent();
    void updateTargetHint();
    void showRecording();

    Dashboard* d_;
    LoadController* ctl_;
    QString agent_;
    QMetaObject::Connection info_conn_;
    bool target_edited_ = false;  // the user typed a target since the agent was selected
    std::function<bool(const QString&)> confirm_;
    QComboBox* scenario_;
    QLineEdit* target_;
    QLabel* target_hint_;
    QDoubleSpinBox* rate_;
    QDoubleSpinBox* duration_;
    QPushButton* start_;
    QPushButton* stop_;
    QPushButton* save_;
    QProgressBar* progress_;
    QLabel* stage_;
    QLabel* live_;
    QLabel* record_note_;
    QTextBrowser* summary_;
    QLabel* description_;
    QString previous_html_;  // the last finished run's summary, shown under the current one
    void appendRunSample(const load::Progress& p);
    void refreshCharts();
    SeriesStore run_store_{7200};
    ChartView* rate_chart_;
    ChartView* latency_chart_;
    QString run_agent_;  // the agent the running run belongs to (server-side p99), empty for none
    std::int64_t run_started_ms_ = 0;
    std::uint64_t prev_errors_ = 0;
    bool open_model_ = true;
};

}  // namespace redline::ui
