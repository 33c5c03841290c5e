// Runs one load-engine scenario in-process for the dashboard and publishes its progress to the GUI: each
// progress tick becomes a client-side sample in the SeriesStore (drawn on the agent's latency chart next to
// the server-side latency) and a progress() signal; start/finish become events of the agent.
//
// Threading: the object lives on the GUI thread. The Engine calls on_progress/on_finished on its control
// thread; those callbacks only post queued invokeMethod calls guarded by a QPointer and a run generation.
// The finished Engine is destroyed (joined) on a pool thread so the GUI never blocks.
//
// Saved runs (docs/dashboard-runs.md): with a runs database set (setRunsDb; MainWindow sets defaultRunsDb()),
// every recorded run (recordEvents = true; not the demo's background traffic) is kept through a RunRecorder
// like `redline-load run --save`: the row at the start, each closed second from the engine's control thread,
// the end on a pool thread (runSaved() on the GUI thread when it is written). A file that is refused (not a
// database, another application's, a newer schema, an unwritable directory) is never written to: the run
// goes on unsaved and recordingProblem() says why (the Load tab shows it).
#pragma once

#include <QObject>
#include <QString>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/load/engine.h"

namespace redline::load {
class RunRecorder;
}

namespace redline::ui {

class Dashboard;

class LoadController : public QObject {
    Q_OBJECT
  public:
    LoadController(Dashboard* dashboard, QObject* parent = nullptr);
    ~LoadController() override;

    /// Starts a run against scenario.target; agentId (may be empty) receives the client series and events.
    /// recordEvents=false for the demo's background traffic. Returns false and sets *error when not started.
    bool start(load::Scenario scenario, const QString& agentId, bool recordEvents, QString* error);
    void stop(const QString& reason = QStringLiteral("stopped by user"));
    /// Stops and waits for the run to end (shutdown).
    void stopAndWait();
    bool running() const { return running_; }
    const load::Progress& lastProgress() const { return progress_; }
    const load::Summary* lastSummary() const { return summary_.get(); }
    QString agent() const { return agent_; }

    /// The runs database the next runs are saved into ("" = none).
    void setRunsDb(const QString& path) { runs_db_ = path; }
    QString runsDb() const { return runs_db_; }
    /// $REDLINE_RUNS_DB, else the CLI's default: $XDG_DATA_HOME (or ~/.local/share)/redline/runs.db.
    static QString defaultRunsDb();
    /// Why the current (or last) run is not being saved; "" when it is or no database is set.
    QString recordingProblem() const { return recording_problem_; }
    /// The store id of the current (or last) saved run, "" when none.
    QString savedRunId() const { return saved_id_; }

    /// The demo's gentle background traffic: open model, a few tens of req/s, mixed routes and API keys.
    static load::Scenario backgroundScenario(const std::string& target, double rate = 30);

  signals:
    void progress(const redline::load::Progress& p);
    void finished(const redline::load::Summary& s);
    void runningChanged(bool running);
    /// recordingProblem() changed (a run started saved or unsaved, or its end could not be stored).
    void recordingChanged();
    /// The end of run `id` was written to runsDb() (saved) or could not be (saved = false, see
    /// recordingProblem()).
    void runSaved(const QString& id, bool saved);

  private:
    struct RunEvent {
        std::string kind, message;
        nlohmann::json after;
    };
    /// The run's events go to the agent whose API it drives (POST /v1/events), or stay local when it refuses.
    void postRunEvents(std::vector<RunEvent> events);
    void onProgress(const load::Progress& p);
    void onFinished(const load::Summary& s);
    /// Opens the runs database and starts recording the run; false + recording_problem_ when refused.
    bool startRecording(const load::Scenario& scenario, load::EngineOptions& opt);

    Dashboard* d_;
    std::unique_ptr<load::Engine> engine_;
    QString agent_;
    bool record_events_ = true;
    bool running_ = false;
    int generation_ = 0;
    load::Progress progress_;
    std::unique_ptr<load::Summary> summary_;
    QString runs_db_;
    QString recording_problem_;
    QString saved_id_;
    std::shared_ptr<load::RunRecorder> recorder_;  // the engine's on_second holds it too
};

}  // namespace redline::ui
