// One live connection to an agent: a StreamConsumer (its own worker thread) plus one-shot control calls run
// on the global QThreadPool. Nothing here blocks the GUI thread.
//
// Threading: the object lives on the GUI thread. StreamConsumer callbacks run on the consumer's worker
// thread: they append to `pending_` under `mutex_` and post at most one queued dataPending() per batch (the
// GUI drains everything at once on its coalescing timer). State changes cross with a queued invokeMethod.
// Control-call jobs each own an AgentClient on a pool thread; their results come back through a queued
// invokeMethod and are dropped when the connection was destroyed (a QPointer checked on the GUI thread).
#pragma once

#include <QCoreApplication>
#include <QObject>
#include <QPointer>
#include <QString>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/agent_client.h"
#include "core/stream_consumer.h"
#include "ui/models/agent_config.h"

namespace redline::ui {

class AgentConnection : public QObject {
    Q_OBJECT
  public:
    struct Pending {
        std::vector<Snapshot> snapshots;
        std::vector<Event> events;
        std::vector<nlohmann::json> messages;  // other stream event types (e.g. "loadtest")
    };

    AgentConnection(AgentConfig config, int interval_ms, QObject* parent = nullptr);
    ~AgentConnection() override;

    const AgentConfig& config() const { return config_; }
    StreamState state() const { return state_; }
    QString reason() const { return reason_; }
    QString role() const { return role_; }
    /// What /v1/info said at the last (re)connect; default-constructed (agent_id empty) until then.
    const AgentInfo& info() const { return info_; }
    /// The API this agent measures (/v1/info api_url), empty when unknown.
    QString apiUrl() const { return QString::fromStdString(info_.api_url); }
    QString token() const { return token_; }

    /// Starts (or restarts) the stream; safe to call repeatedly.
    void start();
    void stop();
    /// Queues a snapshot exactly as the stream worker does (any thread; posts dataPending() once per batch).
    /// The stream callbacks use it; the GUI-CPU benchmark's fake producers call it directly.
    void enqueueSnapshot(Snapshot s);
    /// Moves everything received since the last call out (GUI thread).
    Pending takePending();

    /// Runs fn(AgentClient&) on a pool thread and delivers its result to done on the GUI thread.
    /// done is skipped when this connection is gone.
    /// Who acts through this connection's control calls (the dashboard's operator name).
    void setActor(const QString& name) { actor_ = name; }
    QString actor() const { return actor_; }
    template <class R>
    void call(std::function<R(AgentClient&)> fn, std::function<void(R)> done);

    /// Typed helpers used by panels (results on the GUI thread).
    void putLimits(LimitsConfig limits, std::function<void(Result<LimitsConfig>)> done);
    void fetchCanary(std::function<void(Result<CanaryConfig>)> done);
    void putCanary(CanaryConfig canary, std::function<void(Result<CanaryConfig>)> done);
    void fetchInfo(std::function<void(Result<AgentInfo>)> done);

  signals:
    /// Emitted (queued, from the worker) when data arrived and no drain is pending.
    void dataPending();
    void stateChanged(redline::StreamState state, const QString& reason);
    /// info() changed (fetched on every transition to Live).
    void infoChanged();

  public:
    /// Reads /v1/info again (pool thread); infoChanged() when it answered. The last known info stays on
    /// failure.
    void refreshInfo();

  private:
    void setState(StreamState s, const QString& reason);

    AgentConfig config_;
    QString token_;
    int interval_ms_;
    std::unique_ptr<StreamConsumer> consumer_;
    StreamState state_ = StreamState::Disconnected;
    QString reason_;
    QString role_;
    QString actor_;
    AgentInfo info_;
    std::uint64_t last_event_id_ = 0;

    std::mutex mutex_;  // guards pending_ and signalled_
    Pending pending_;
    bool signalled_ = false;
};

void runOnPool(std::function<void()> job);

template <class R>
void AgentConnection::call(std::function<R(AgentClient&)> fn, std::function<void(R)> done) {
    QPointer<AgentConnection> self(this);
    // A call may come before start() resolved the token (a panel loading as the agent is added): resolve it
    // here.
    if (token_.isEmpty()) token_ = config_.resolveToken(nullptr);
    std::string url = config_.url.toStdString(), token = token_.toStdString(), actor = actor_.toStdString();
    runOnPool([self, url, token, actor, fn = std::move(fn), done = std::move(done)]() mutable {
        AgentClient client(url, token);
        client.set_actor(actor);  // PUTs and POSTs name who acted (Redline-Actor)
        auto result = std::make_shared<R>(fn(client));
        // The application object outlives every job; `self` is checked on the GUI thread only.
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, result, done = std::move(done)]() {
                if (self) done(std::move(*result));
            },
            Qt::QueuedConnection);
    });
}

}  // namespace redline::ui
