// The dashboard's non-visual core: configured agents and their connections, the series store, the events
// model, and the single coalescing repaint timer. Views refresh on ticked(), once per coalesced batch.
//
// Threading: GUI thread only. Connections post dataPending() from their workers (queued); the first one
// arms a single-shot timer (~50 ms); on timeout everything pending of every agent is moved into the store at
// once and ticked() is emitted. ticked() is also the views' clock: when no data arrived for a second (every
// agent down), a heartbeat emits it anyway, so time axes keep moving and "last seen N s ago" keeps counting.
//
// Freshness: an agent's figures are live only while its stream is Live and its newest snapshot is no
// older than 3 stream intervals (at least 3 s); otherwise they are stale and every view shows them greyed
// with freshness().text() ("last seen 12 s ago · connection refused"), never in SLO colours. Leaving Live
// also marks a gap in the agent's series (SeriesStore::markGap).
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>
#include <memory>

#include "core/stream_consumer.h"
#include "ui/models/agent_config.h"
#include "ui/models/agent_list_model.h"
#include "ui/models/events_model.h"
#include "ui/models/prometheus_config.h"
#include "ui/session/agent_connection.h"
#include "ui/session/freshness.h"
#include "ui/session/prometheus_source.h"
#include "ui/session/series_store.h"
#include "ui/session/slo.h"

class QSettings;

namespace redline::ui {

class Dashboard : public QObject {
    Q_OBJECT
  public:
    explicit Dashboard(QObject* parent = nullptr, std::size_t history_capacity = 3600);
    ~Dashboard() override;

    /// Adds an agent and (unless connect is false: benchmarks with fake producers) connects it; returns its
    /// id.
    QString addAgent(AgentConfig c, bool connect = true);
    void updateAgent(const AgentConfig& c);
    void removeAgent(const QString& id);
    void reconnect(const QString& id);
    AgentConnection* connection(const QString& id) const;
    QString agentName(const QString& id) const;
    QStringList agentIds() const;
    /// The agent that measures the API at targetUrl (its /v1/info api_url names the same server), preferring
    /// `prefer` when several do; empty when none does. A load run's client series and events go there.
    QString agentForTarget(const QString& targetUrl, const QString& prefer = {}) const;

    /// Prometheus-compatible sources (docs/dashboard.md, "Prometheus sources"). Each discovered target is a
    /// row of the agents model (AgentConfig::sourceId set, never saved) whose figures come from the source's
    /// queries at its refresh interval, plus one fleet-wide row; they are charted like agents, without
    /// controls. Adding starts polling; removing drops the source's rows and their history.
    QString addPrometheusSource(PrometheusSourceConfig c);
    void updatePrometheusSource(const PrometheusSourceConfig& c);
    void removePrometheusSource(const QString& sourceId);
    QList<PrometheusSourceConfig> prometheusSources() const;
    PrometheusSource* prometheusSource(const QString& sourceId) const { return sources_.value(sourceId); }
    /// The source of an agent row; empty for a directly streamed agent.
    QString sourceOf(const QString& agentId) const;
    /// The row of a source's target (instance "*": the fleet-wide row).
    static QString sourceAgentId(const QString& sourceId, const QString& instance);
    /// A source's target whose target_info says it is a Redline agent: its live stream can be opened.
    bool isRedlineTarget(const QString& agentId) const;
    /// false when the agent's figures cannot include m at all: a Prometheus target that does not export
    /// the cache or status metric ("not exported", never a zero).
    bool exports(const QString& agentId, Metric m) const;
    /// The service an agent row belongs to before any snapshot says so: a source's target, by its job in
    /// Prometheus (a target that is down from the start still groups with its job); empty otherwise.
    QString serviceHint(const QString& agentId) const;
    /// Why an agent row has no control panel (a Prometheus target: figures only), empty when it has one.
    QString noControlsReason(const QString& agentId) const;
    /// The agent the operator looks at: a source's target gets its per-route series (history included).
    void setFocusAgent(const QString& agentId);

    SeriesStore& store() { return store_; }
    const SeriesStore& store() const { return store_; }
    AgentListModel* agentsModel() { return &agents_; }
    EventsModel* eventsModel() { return &events_; }

    const Slo& slo() const { return slo_; }
    void setSlo(const Slo& s);
    int streamIntervalMs() const { return interval_ms_; }
    void setStreamIntervalMs(int ms) {
        interval_ms_ = ms;
        store_.setIntervalMs(ms);
    }
    /// Freshness of an agent's figures at now_ms (local unix ms).
    Freshness freshness(const QString& id, std::int64_t now_ms) const;
    int repaintIntervalMs() const { return repaint_ms_; }
    void setRepaintIntervalMs(int ms) { repaint_ms_ = ms; }

    /// Snapshots per second received over the last few seconds (all agents).
    double updateRate() const { return update_rate_; }
    std::uint64_t ticks() const { return ticks_; }

    /// Restores / saves agents and SLOs.
    void load(QSettings& s);
    void save(QSettings& s) const;
    /// false (sessions started with --demo / --agent): load() and save() leave the saved agent list alone, so
    /// such a session neither connects to the saved agents nor overwrites them; SLOs are still loaded/saved.
    void setPersistAgents(bool persist) { persist_agents_ = persist; }
    bool persistAgents() const { return persist_agents_; }

    /// Records an event observed by the dashboard itself (reconnects, in-process load runs): it is drawn and
    /// listed like the agent's events. Ids come from a separate range (>= 2^62) so they never collide.
    /// Who acts from this dashboard, named in every change and event it sends to agents (Redline-Actor /
    /// "by"; the agent records "<role>:<name>"): the name set in Agents > "Your name…", else $USER, else
    /// "dashboard".
    QString operatorName() const;
    /// Sets the name (persisted with the settings); empty = back to the default. False (and no change) when
    /// it is not 1 to 64 characters without ':' or control characters; *why says so.
    bool setOperatorName(const QString& name, QString* why = nullptr);
    static bool validOperatorName(const QString& name);
    void addLocalEvent(const QString& agentId, const std::string& kind, const std::string& message,
                       nlohmann::json before = nullptr, nlohmann::json after = nullptr);

    /// Drains all connections now (the repaint timer calls this; tests and benchmarks may too).
    void drain();

  signals:
    /// Emitted once per coalesced batch, after the store was updated.
    void ticked();
    void agentAdded(const QString& id);
    void agentRemoved(const QString& id);
    void agentStateChanged(const QString& id, redline::StreamState state, const QString& reason);
    /// Events newly added to the store for an agent in this batch.
    void eventsArrived(const QString& id, int count);
    /// Raw non-snapshot stream messages (e.g. "loadtest" progress).
    void streamMessage(const QString& id, const nlohmann::json& message);
    /// A directly streamed agent's /v1/info was (re)read (AgentConnection::info()).
    void connectionInfoChanged(const QString& id);
    void sloChanged();

  private:
    void onDataPending();
    void onSourceUpdated(const QString& sourceId, const PrometheusSource::Update& u);
    void addSourceRow(const PrometheusSourceConfig& src, const QString& instance);
    PrometheusSource* startSource(const PrometheusSourceConfig& c);
    void wire(AgentConnection* c);

    SeriesStore store_;
    AgentListModel agents_;
    EventsModel events_;
    QHash<QString, AgentConnection*> connections_;
    QHash<QString, PrometheusSource*> sources_;
    QList<PrometheusSourceConfig> source_configs_;
    struct SourceState {
        bool status_exported = true, cache_exported = true;
        bool failing = false;
        QSet<QString> redline;  // rows of targets that are Redline agents
        QHash<QString, bool> up;
        QHash<QString, QString> job;  // row -> its job label
    };
    QHash<QString, SourceState> source_state_;
    QHash<QString, int> row_interval_;  // agent row -> its sample spacing (sources: their refresh)
    Slo slo_;
    QTimer repaint_;
    QTimer heartbeat_;  // 1 s: emits ticked() when nothing was drained for a second
    QElapsedTimer since_drain_;
    QHash<QString, std::int64_t> last_seen_;  // agent -> local ms of its newest snapshot
    int interval_ms_ = 1000;
    int repaint_ms_ = 50;
    QString operator_name_;  // empty: the default
    bool persist_agents_ = true;
    QElapsedTimer rate_clock_;
    std::uint64_t rate_count_ = 0;
    double update_rate_ = 0;
    std::uint64_t ticks_ = 0;
    std::uint64_t local_event_id_ = std::uint64_t{1} << 62;
    QHash<QString, StreamState> last_state_;
    QHash<QString, bool> lost_;  // was live, then stale/disconnected: the next live is a reconnect
};

}  // namespace redline::ui
