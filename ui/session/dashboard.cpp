#include "ui/session/dashboard.h"

#include <spdlog/spdlog.h>

#include <QDateTime>
#include <QSet>
#include <QSettings>
#include <QUuid>
#include <algorithm>

#include "core/stream_consumer.h"
#include "core/url.h"

namespace redline::ui {

Dashboard::Dashboard(QObject* parent, std::size_t history_capacity)
    : QObject(parent), store_(history_capacity) {
    repaint_.setSingleShot(true);
    repaint_.setTimerType(Qt::PreciseTimer);
    connect(&repaint_, &QTimer::timeout, this, &Dashboard::drain);
    rate_clock_.start();
    since_drain_.start();
    heartbeat_.setInterval(1000);
    // Only for agents that are not live: while every agent streams, their snapshots are the clock and the
    // heartbeat costs nothing.
    connect(&heartbeat_, &QTimer::timeout, this, [this] {
        if (since_drain_.elapsed() < 900) return;
        const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
        for (const auto& c : agents_.configs())
            if (!freshness(c.id, now).live) return drain();
    });
    heartbeat_.start();
    store_.setIntervalMs(interval_ms_);
}

Freshness Dashboard::freshness(const QString& id, std::int64_t now_ms) const {
    Freshness f;
    f.last_seen_ms = last_seen_.value(id, 0);
    f.reason = agents_.reasonOf(id);
    const std::int64_t max_age =
        std::max<std::int64_t>(3000, 3 * std::int64_t{row_interval_.value(id, interval_ms_)});
    const bool recent = f.last_seen_ms > 0 && now_ms - f.last_seen_ms <= max_age;
    f.live = agents_.stateOf(id) == StreamState::Live && (recent || f.last_seen_ms == 0);
    if (!f.live && agents_.stateOf(id) == StreamState::Live)
        f.reason = tr("no snapshot for %1 s").arg((now_ms - f.last_seen_ms) / 1000);
    return f;
}

Dashboard::~Dashboard() {
    blockSignals(true);  // stopping a connection drains (see wire()); no view may hear of it now
    for (auto* c : std::as_const(connections_))
        c->stop();
}

QString Dashboard::addAgent(AgentConfig c, bool connectNow) {
    if (c.id.isEmpty()) c.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    if (c.name.isEmpty()) c.name = c.url;
    agents_.add(c);
    auto* conn = new AgentConnection(c, interval_ms_, this);
    conn->setActor(operatorName());
    connections_.insert(c.id, conn);
    wire(conn);
    emit agentAdded(c.id);
    if (connectNow) conn->start();
    return c.id;
}

void Dashboard::wire(AgentConnection* c) {
    const QString id = c->config().id;
    connect(c, &AgentConnection::dataPending, this, &Dashboard::onDataPending);
    connect(c, &AgentConnection::infoChanged, this, [this, id] { emit connectionInfoChanged(id); });
    connect(c, &AgentConnection::stateChanged, this, [this, id](StreamState s, const QString& reason) {
        agents_.setState(id, s, reason);
        const StreamState before = last_state_.value(id, StreamState::Connecting);
        last_state_[id] = s;
        if (s == StreamState::Live && lost_.value(id)) {
            lost_[id] = false;
            addLocalEvent(id, "agent.reconnected", "stream live again");
        } else if (before == StreamState::Live &&
                   (s == StreamState::Stale || s == StreamState::Disconnected)) {
            lost_[id] = true;
            // What arrived before the interruption goes in first; whatever comes next starts a new line.
            drain();
            store_.markGap(id);
            addLocalEvent(id, "agent." + std::string(to_string(s)), reason.toStdString());
        }
        emit agentStateChanged(id, s, reason);
    });
}

void Dashboard::updateAgent(const AgentConfig& c) {
    auto* conn = connections_.value(c.id);
    if (!conn) return;
    const bool endpointChanged = conn->config().url != c.url || conn->config().tokenFile != c.tokenFile ||
                                 conn->config().token != c.token;
    agents_.update(c);
    if (endpointChanged) {
        conn->stop();
        connections_.remove(c.id);
        conn->deleteLater();
        if (conn->config().url != c.url) {
            store_.removeAgent(c.id);
            last_seen_.remove(c.id);
        }
        auto* fresh = new AgentConnection(c, interval_ms_, this);
        fresh->setActor(operatorName());
        connections_.insert(c.id, fresh);
        wire(fresh);
        fresh->start();
    }
}

void Dashboard::removeAgent(const QString& id) {
    // A source's row goes with its source (the next refresh would bring it back otherwise).
    if (const QString src = sourceOf(id); !src.isEmpty()) return removePrometheusSource(src);
    if (auto* conn = connections_.take(id)) {
        conn->stop();
        conn->deleteLater();
    }
    agents_.remove(id);
    events_.removeAgent(id);
    store_.removeAgent(id);
    last_state_.remove(id);
    lost_.remove(id);
    last_seen_.remove(id);
    row_interval_.remove(id);
    emit agentRemoved(id);
}

void Dashboard::reconnect(const QString& id) {
    if (auto* conn = connections_.value(id)) conn->start();
}

AgentConnection* Dashboard::connection(const QString& id) const {
    return connections_.value(id);
}

QString Dashboard::agentName(const QString& id) const {
    const int r = agents_.rowOf(id);
    return r < 0 ? QString{} : agents_.configAt(r).name;
}

QString Dashboard::agentForTarget(const QString& targetUrl, const QString& prefer) const {
    const std::string t = targetUrl.trimmed().toStdString();
    auto measures = [&](const QString& id) {
        const auto* c = connections_.value(id);
        return c && !c->apiUrl().isEmpty() && same_target(c->apiUrl().toStdString(), t);
    };
    if (!prefer.isEmpty() && measures(prefer)) return prefer;
    for (const auto& c : agents_.configs())
        if (measures(c.id)) return c.id;
    return {};
}

bool Dashboard::validOperatorName(const QString& n) {
    if (n.isEmpty() || n.toUtf8().size() > 64 || n.contains(':') || n.trimmed() != n) return false;
    return std::none_of(n.begin(), n.end(), [](QChar c) { return c.category() == QChar::Other_Control; });
}

QString Dashboard::operatorName() const {
    if (!operator_name_.isEmpty()) return operator_name_;
    const QString user = qEnvironmentVariable("USER").trimmed();
    return validOperatorName(user) ? user : QStringLiteral("dashboard");
}

bool Dashboard::setOperatorName(const QString& name, QString* why) {
    const QString n = name.trimmed();
    if (!n.isEmpty() && !validOperatorName(n)) {
        if (why) *why = tr("A name is 1 to 64 characters, without ':' or control characters.");
        return false;
    }
    operator_name_ = n;
    for (auto* c : std::as_const(connections_))
        c->setActor(operatorName());
    return true;
}

QStringList Dashboard::agentIds() const {
    QStringList out;
    for (const auto& c : agents_.configs())
        out.append(c.id);
    return out;
}

void Dashboard::setSlo(const Slo& s) {
    if (s == slo_) return;
    slo_ = s;
    emit sloChanged();
}

void Dashboard::onDataPending() {
    if (!repaint_.isActive()) repaint_.start(repaint_ms_);
}

void Dashboard::drain() {
    repaint_.stop();
    since_drain_.restart();
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    for (auto it = connections_.cbegin(); it != connections_.cend(); ++it) {
        AgentConnection::Pending p = it.value()->takePending();
        const QString& id = it.key();
        for (const auto& s : p.snapshots)
            store_.append(id, s);
        if (!p.snapshots.empty()) last_seen_[id] = now;
        rate_count_ += p.snapshots.size();
        std::vector<Event> fresh;
        for (auto& e : p.events)
            if (store_.addEvent(id, e)) fresh.push_back(std::move(e));
        if (!fresh.empty()) {
            events_.append(id, it.value()->config().name, fresh);
            emit eventsArrived(id, static_cast<int>(fresh.size()));
        }
        for (const auto& m : p.messages)
            emit streamMessage(id, m);
    }
    const qint64 el = rate_clock_.elapsed();
    if (el >= 2000) {
        update_rate_ = rate_count_ * 1000.0 / el;
        rate_count_ = 0;
        rate_clock_.restart();
    }
    ++ticks_;
    emit ticked();
}

void Dashboard::addLocalEvent(const QString& agentId, const std::string& kind, const std::string& message,
                              nlohmann::json before, nlohmann::json after) {
    Event e;
    e.id = ++local_event_id_;
    e.time_ms = QDateTime::currentMSecsSinceEpoch();
    e.kind = kind;
    e.actor = "dashboard";
    e.message = message;
    e.before = std::move(before);
    e.after = std::move(after);
    if (!store_.addEvent(agentId, e)) return;
    events_.append(agentId, agentName(agentId), {e});
    emit eventsArrived(agentId, 1);
}

void Dashboard::load(QSettings& s) {
    slo_.load(s);
    setStreamIntervalMs(s.value("stream/intervalMs", interval_ms_).toInt());
    setOperatorName(s.value("operator/name").toString());  // an invalid saved name falls back to the default
    if (!persist_agents_) return;
    for (const auto& c : AgentConfig::load(s))
        addAgent(c);
    for (const auto& c : PrometheusSourceConfig::load(s))
        addPrometheusSource(c);
}

void Dashboard::save(QSettings& s) const {
    slo_.save(s);
    s.setValue("stream/intervalMs", interval_ms_);
    if (operator_name_.isEmpty())
        s.remove("operator/name");
    else
        s.setValue("operator/name", operator_name_);
    if (persist_agents_) {
        AgentConfig::save(s, agents_.configs());
        PrometheusSourceConfig::save(s, source_configs_);
    }
}

// ---- Prometheus sources ---------------------------------------------------------------------------------

QString Dashboard::sourceAgentId(const QString& sourceId, const QString& instance) {
    return QStringLiteral("prom:%1:%2").arg(sourceId, instance);
}

QString Dashboard::sourceOf(const QString& agentId) const {
    const int r = agents_.rowOf(agentId);
    return r < 0 ? QString{} : agents_.configAt(r).sourceId;
}

bool Dashboard::isRedlineTarget(const QString& agentId) const {
    const QString src = sourceOf(agentId);
    return !src.isEmpty() && source_state_.value(src).redline.contains(agentId);
}

bool Dashboard::exports(const QString& agentId, Metric m) const {
    const QString src = sourceOf(agentId);
    if (src.isEmpty()) return true;
    const SourceState st = source_state_.value(src);
    switch (m) {
        case Metric::CacheHitRatio:
            return st.cache_exported;
        case Metric::ErrorRatio:
        case Metric::Rate5xx:
        case Metric::Rate429:
            return st.status_exported;
        default:
            return true;
    }
}

QString Dashboard::serviceHint(const QString& agentId) const {
    const QString src = sourceOf(agentId);
    if (src.isEmpty()) return {};
    const auto it = source_state_.constFind(src);
    return it == source_state_.constEnd() ? QString{} : it->job.value(agentId);
}

QString Dashboard::noControlsReason(const QString& agentId) const {
    if (sourceOf(agentId).isEmpty()) return {};
    return isRedlineTarget(agentId)
               ? tr("Watched through Prometheus: figures only. This target is a Redline agent: Agents ▸ Open "
                    "live stream (Ctrl+L) connects to it directly for its controls and 1 s figures.")
               : tr("Watched through Prometheus: figures only, no controls.");
}

QList<PrometheusSourceConfig> Dashboard::prometheusSources() const {
    return source_configs_;
}

PrometheusSource* Dashboard::startSource(const PrometheusSourceConfig& c) {
    auto* src = new PrometheusSource(c, store_.capacity(), this);
    sources_.insert(c.id, src);
    const QString id = c.id;
    connect(src, &PrometheusSource::updated, this,
            [this, id](const PrometheusSource::Update& u) { onSourceUpdated(id, u); });
    addSourceRow(c, QStringLiteral("*"));
    src->start();
    return src;
}

QString Dashboard::addPrometheusSource(PrometheusSourceConfig c) {
    if (c.id.isEmpty()) c.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    if (c.name.isEmpty()) c.name = c.url;
    source_configs_.append(c);
    startSource(c);
    return c.id;
}

void Dashboard::updatePrometheusSource(const PrometheusSourceConfig& c) {
    auto it = std::find_if(source_configs_.begin(), source_configs_.end(),
                           [&](const auto& x) { return x.id == c.id; });
    if (it == source_configs_.end()) return;
    const PrometheusSourceConfig before = *it;
    if (before == c) return;
    // Any change of what is queried restarts the source and its rows: old history would mix two queries.
    removePrometheusSource(c.id);
    source_configs_.append(c);
    startSource(c);
}

void Dashboard::removePrometheusSource(const QString& sourceId) {
    if (auto* src = sources_.take(sourceId)) {
        src->stop();
        src->deleteLater();
    }
    source_configs_.erase(std::remove_if(source_configs_.begin(), source_configs_.end(),
                                         [&](const auto& x) { return x.id == sourceId; }),
                          source_configs_.end());
    source_state_.remove(sourceId);
    for (const auto& c : agents_.configs()) {
        if (c.sourceId != sourceId) continue;
        agents_.remove(c.id);
        events_.removeAgent(c.id);
        store_.removeAgent(c.id);
        last_state_.remove(c.id);
        lost_.remove(c.id);
        last_seen_.remove(c.id);
        row_interval_.remove(c.id);
        emit agentRemoved(c.id);
    }
}

void Dashboard::addSourceRow(const PrometheusSourceConfig& src, const QString& instance) {
    AgentConfig c;
    c.id = sourceAgentId(src.id, instance);
    if (agents_.rowOf(c.id) >= 0) return;
    // The instance alone (the dock is narrow; the reason column names the source).
    c.name = instance == QLatin1String("*") ? tr("%1 · fleet").arg(src.name) : instance;
    c.url = src.url;
    c.ephemeral = true;
    c.sourceId = src.id;
    c.instance = instance;
    agents_.add(c);
    row_interval_.insert(c.id, src.refreshS * 1000);
    agents_.setState(c.id, StreamState::Connecting, tr("asking %1").arg(src.url));
    emit agentAdded(c.id);
}

void Dashboard::setFocusAgent(const QString& agentId) {
    for (auto it = sources_.cbegin(); it != sources_.cend(); ++it) {
        QStringList focus;
        const int r = agents_.rowOf(agentId);
        if (r >= 0 && agents_.configAt(r).sourceId == it.key() && agents_.configAt(r).instance != "*")
            focus.append(agents_.configAt(r).instance);
        it.value()->setFocus(focus);
    }
}

void Dashboard::onSourceUpdated(const QString& sourceId, const PrometheusSource::Update& u) {
    auto* src = sources_.value(sourceId);
    if (!src) return;
    const PrometheusSourceConfig& cfg = src->config();
    SourceState& st = source_state_[sourceId];
    const QString fleetId = sourceAgentId(sourceId, QStringLiteral("*"));
    auto setRowState = [&](const QString& id, StreamState s, const QString& reason) {
        const StreamState before = last_state_.value(id, StreamState::Connecting);
        agents_.setState(id, s, reason);
        last_state_[id] = s;
        if (before == StreamState::Live && s != StreamState::Live) store_.markGap(id);
        if (before != s) emit agentStateChanged(id, s, reason);
    };
    if (!u.ok) {
        if (!st.failing) addLocalEvent(fleetId, "prometheus.error", u.error.toStdString());
        st.failing = true;
        // The last data stays; the rows say why nothing new comes.
        for (const auto& c : agents_.configs())
            if (c.sourceId == sourceId) setRowState(c.id, StreamState::Stale, src->status());
        onDataPending();
        return;
    }
    if (st.failing) addLocalEvent(fleetId, "prometheus.recovered", src->status().toStdString());
    st.failing = false;
    const bool anyRange = !u.frame.fleet.empty() || !u.frame.instances.empty();
    if (anyRange) {
        st.status_exported = u.frame.status_exported;
        st.cache_exported = u.frame.cache_exported;
    }
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    const int step = cfg.refreshS * 1000;
    QHash<QString, QString> jobOf;
    for (const auto& t : u.targets) {
        const QString inst = QString::fromStdString(t.instance);
        addSourceRow(cfg, inst);
        const QString id = sourceAgentId(sourceId, inst);
        jobOf.insert(inst, QString::fromStdString(t.job));
        st.job.insert(id, QString::fromStdString(t.job));
        if (t.redline)
            st.redline.insert(id);
        else
            st.redline.remove(id);
        const bool wasUp = st.up.value(id, true);
        st.up[id] = t.up;
        if (wasUp && !t.up)
            addLocalEvent(id, "prometheus.target_down", "Prometheus cannot scrape the target (up == 0)");
        else if (!wasUp && t.up)
            addLocalEvent(id, "prometheus.target_up", "Prometheus scrapes the target again (up == 1)");
        setRowState(id, t.up ? StreamState::Live : StreamState::Disconnected,
                    t.pushed
                        ? tr("pushed series, no scrape target · via %1 · %2").arg(cfg.name, src->status())
                    : t.up ? tr("via %1 · %2").arg(cfg.name, src->status())
                           : tr("target down in Prometheus (up == 0) · via %1").arg(cfg.name));
    }
    setRowState(fleetId, StreamState::Live, tr("via %1 · %2").arg(cfg.name, src->status()));
    for (const auto& [instance, snaps] : u.focus_history) {
        const QString id = sourceAgentId(sourceId, QString::fromStdString(instance));
        for (const auto& snap : snaps)
            store_.appendRoutes(id, snap, step);
    }
    auto append = [&](const QString& id, const std::vector<Snapshot>& snaps, const QString& service) {
        if (snaps.empty()) return;
        for (Snapshot s : snaps) {
            s.service = service.toStdString();
            store_.append(id, s, step);
        }
        last_seen_[id] = now;
        rate_count_ += snaps.size();
    };
    append(fleetId, u.frame.fleet, cfg.name);
    for (const auto& [instance, snaps] : u.frame.instances) {
        const QString inst = QString::fromStdString(instance);
        addSourceRow(cfg, inst);
        append(sourceAgentId(sourceId, inst), snaps, jobOf.value(inst, cfg.name));
    }
    onDataPending();
}

}  // namespace redline::ui
