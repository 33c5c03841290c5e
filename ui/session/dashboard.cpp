#include "ui/session/dashboard.h"

#include <spdlog/spdlog.h>

#include <QDateTime>
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
        for (const auto& id : connections_.keys())
            if (!freshness(id, now).live) return drain();
    });
    heartbeat_.start();
    store_.setIntervalMs(interval_ms_);
}

Freshness Dashboard::freshness(const QString& id, std::int64_t now_ms) const {
    Freshness f;
    f.last_seen_ms = last_seen_.value(id, 0);
    f.reason = agents_.reasonOf(id);
    const std::int64_t max_age = std::max<std::int64_t>(3000, 3 * std::int64_t{interval_ms_});
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
}

void Dashboard::save(QSettings& s) const {
    slo_.save(s);
    s.setValue("stream/intervalMs", interval_ms_);
    if (operator_name_.isEmpty())
        s.remove("operator/name");
    else
        s.setValue("operator/name", operator_name_);
    if (persist_agents_) AgentConfig::save(s, agents_.configs());
}

}  // namespace redline::ui
