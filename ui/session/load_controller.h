// Runs one load-engine scenario in-process for the dashboard and publishes its progress to the GUI: each
// progress tick becomes a client-side sample in the SeriesStore (drawn on the agent's latency chart next to
// the server-side latency) and a progress() signal; start/finish become events of the agent.
//
// Threading: the object lives on the GUI thread. The Engine calls on_progress/on_finished on its control
// thread; those callbacks only post queued invokeMethod calls guarded by a QPointer and a run generation.
// The finished Engine is destroyed (joined) on a pool thread so the GUI never blocks.
#pragma once

#include <QObject>
#include <QString>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/load/engine.h"

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

    /// The demo's gentle background traffic: open model, a few tens of req/s, mixed routes and API keys.
    static load::Scenario backgroundScenario(const std::string& target, double rate = 30);

  signals:
    void progress(const redline::load::Progress& p);
    void finished(const redline::load::Summary& s);
    void runningChanged(bool running);

  private:
    struct RunEvent {
        std::string kind, message;
        nlohmann::json after;
    };
    /// The run's events go to the agent whose API it drives (POST /v1/events), or stay local when it refuses.
    void postRunEvents(std::vector<RunEvent> events);
    void onProgress(const load::Progress& p);
    void onFinished(const load::Summary& s);

    Dashboard* d_;
    std::unique_ptr<load::Engine> engine_;
    QString agent_;
    bool record_events_ = true;
    bool running_ = false;
    int generation_ = 0;
    load::Progress progress_;
    std::unique_ptr<load::Summary> summary_;
};

}  // namespace redline::ui
