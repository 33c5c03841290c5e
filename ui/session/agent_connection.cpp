#include "ui/session/agent_connection.h"

#include <spdlog/spdlog.h>

#include <QMetaObject>
#include <QThreadPool>

#include "core/stream_consumer.h"

namespace redline::ui {

void runOnPool(std::function<void()> job) {
    QThreadPool::globalInstance()->start(std::move(job));
}

AgentConnection::AgentConnection(AgentConfig config, int interval_ms, QObject* parent)
    : QObject(parent), config_(std::move(config)), interval_ms_(interval_ms) {
    qRegisterMetaType<redline::StreamState>("redline::StreamState");
}

AgentConnection::~AgentConnection() {
    stop();
}

void AgentConnection::start() {
    stop();
    QString err;
    token_ = config_.resolveToken(&err);
    if (!err.isEmpty()) {
        setState(StreamState::Disconnected, err);
        return;
    }
    StreamConsumer::Options o;
    o.base_url = config_.url.toStdString();
    o.token = token_.toStdString();
    o.interval_ms = interval_ms_;
    o.events_after = 0;  // replay the agent's recent events so markers of earlier changes are drawn too

    QPointer<AgentConnection> self(this);
    StreamConsumer::Callbacks cb;
    auto notify = [this, self](auto&& push) {
        bool post = false;
        {
            std::lock_guard lock(mutex_);
            push(pending_);
            post = !signalled_;
            signalled_ = true;
        }
        if (post) emit dataPending();  // queued to the GUI thread: the receiver lives there
    };
    cb.on_snapshot = [this](Snapshot s) { enqueueSnapshot(std::move(s)); };
    cb.on_event = [notify](Event e) { notify([&](Pending& p) { p.events.push_back(std::move(e)); }); };
    cb.on_message = [notify](const nlohmann::json& j) {
        notify([&](Pending& p) { p.messages.push_back(j); });
    };
    cb.on_state = [self](StreamState s, std::string reason) {
        QMetaObject::invokeMethod(
            self.data(),
            [self, s, r = QString::fromStdString(reason)] {
                if (self) self->setState(s, r);
            },
            Qt::QueuedConnection);
    };
    setState(StreamState::Connecting, QStringLiteral("connecting to %1").arg(config_.url));
    consumer_ = std::make_unique<StreamConsumer>(std::move(o), std::move(cb));
    consumer_->start();
}

void AgentConnection::refreshInfo() {
    fetchInfo([this](Result<AgentInfo> r) {
        if (!r.ok()) return;  // the stream state already tells why; the last known info stays
        info_ = std::move(*r.value);
        role_ = QString::fromStdString(info_.role);
        emit infoChanged();
    });
}

void AgentConnection::stop() {
    if (consumer_) {
        consumer_->stop();  // joins the worker; no callback runs after this
        consumer_.reset();
        setState(StreamState::Disconnected, QStringLiteral("stopped"));
    }
}

void AgentConnection::enqueueSnapshot(Snapshot s) {
    bool post = false;
    {
        std::lock_guard lock(mutex_);
        pending_.snapshots.push_back(std::move(s));
        post = !signalled_;
        signalled_ = true;
    }
    if (post) emit dataPending();
}

AgentConnection::Pending AgentConnection::takePending() {
    std::lock_guard lock(mutex_);
    Pending out = std::move(pending_);
    pending_ = {};
    signalled_ = false;
    return out;
}

void AgentConnection::setState(StreamState s, const QString& reason) {
    if (s == state_ && reason == reason_) return;
    state_ = s;
    reason_ = reason;
    spdlog::debug("agent {}: {} ({})", config_.name.toStdString(), to_string(s), reason.toStdString());
    // The agent may have restarted (another role, another API port): learn who it is on every (re)connect.
    if (s == StreamState::Live) refreshInfo();
    emit stateChanged(s, reason);
}

void AgentConnection::putLimits(LimitsConfig limits, std::function<void(Result<LimitsConfig>)> done) {
    call<Result<LimitsConfig>>([l = std::move(limits)](AgentClient& c) { return c.set_limits(l); },
                               std::move(done));
}
void AgentConnection::fetchCanary(std::function<void(Result<CanaryConfig>)> done) {
    call<Result<CanaryConfig>>([](AgentClient& c) { return c.canary(); }, std::move(done));
}
void AgentConnection::putCanary(CanaryConfig canary, std::function<void(Result<CanaryConfig>)> done) {
    call<Result<CanaryConfig>>([cfg = std::move(canary)](AgentClient& c) { return c.set_canary(cfg); },
                               std::move(done));
}
void AgentConnection::fetchInfo(std::function<void(Result<AgentInfo>)> done) {
    call<Result<AgentInfo>>([](AgentClient& c) { return c.info(); }, std::move(done));
}

}  // namespace redline::ui
