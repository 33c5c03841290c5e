#include "ui/session/rollout_calls.h"

#include <spdlog/spdlog.h>

#include "core/agent_client.h"
#include "ui/session/agent_connection.h"

namespace redline::ui {

namespace {

RolloutReply toReply(const Result<nlohmann::json>& r) {
    RolloutReply out;
    out.http_status = r.http_status;
    if (r.ok()) {
        std::string why;
        out.status = parse_rollout_status(*r.value, &why);
        if (!out.status)
            out.error = QStringLiteral("invalid rollout status from %1: %2")
                            .arg(QString::fromStdString(r.url), QString::fromStdString(why));
        return out;
    }
    out.error = QString::fromStdString(r.error_message());
    if (r.problem) {
        out.detail = QString::fromStdString(r.problem->detail.empty() ? r.problem->title : r.problem->detail);
        out.field_errors = r.problem->errors;
    }
    return out;
}

void run(AgentConnection& c, std::string method, std::string path, std::optional<nlohmann::json> body,
         std::function<void(RolloutReply)> done) {
    c.call<RolloutReply>(
        [method = std::move(method), path = std::move(path), body = std::move(body)](AgentClient& client) {
            return toReply(client.call_json(method, path, body ? &*body : nullptr));
        },
        std::move(done));
}

}  // namespace

QString actionName(RolloutAction a) {
    switch (a) {
        case RolloutAction::Start:
            return QStringLiteral("start");
        case RolloutAction::Pause:
            return QStringLiteral("pause");
        case RolloutAction::Resume:
            return QStringLiteral("resume");
        case RolloutAction::Promote:
            return QStringLiteral("promote");
        case RolloutAction::Abort:
            return QStringLiteral("abort");
        case RolloutAction::Skip:
            return QStringLiteral("skip");
    }
    return {};
}

bool rolloutActionAllowed(RolloutAction a, RolloutState s) {
    using S = RolloutState;
    switch (a) {
        case RolloutAction::Start:
            return s == S::None || s == S::Pending || s == S::Promoted || s == S::RolledBack ||
                   s == S::Aborted;
        case RolloutAction::Pause:
            return s == S::Progressing;
        case RolloutAction::Resume:
            return s == S::Paused;
        case RolloutAction::Promote:
        case RolloutAction::Skip:
            return s == S::Progressing || s == S::Paused;
        case RolloutAction::Abort:
            return s == S::Pending || s == S::Progressing || s == S::Paused;
    }
    return false;
}

void fetchRollout(AgentConnection& c, std::function<void(RolloutReply)> done) {
    run(c, "GET", "/v1/rollout", std::nullopt, std::move(done));
}

void putRollout(AgentConnection& c, const RolloutSpec& spec, std::function<void(RolloutReply)> done) {
    spdlog::info("rollout: sending a plan of {} step(s) to {}", spec.steps.size(),
                 c.config().url.toStdString());
    run(c, "PUT", "/v1/rollout", nlohmann::json(spec), std::move(done));
}

void postRolloutAction(AgentConnection& c, RolloutAction a, const QString& reason,
                       std::function<void(RolloutReply)> done) {
    std::optional<nlohmann::json> body;
    if (!reason.isEmpty()) body = nlohmann::json{{"reason", reason.toStdString()}};
    spdlog::info("rollout: {} on {}", actionName(a).toStdString(), c.config().url.toStdString());
    run(c, "POST", "/v1/rollout/" + actionName(a).toStdString(), std::move(body), std::move(done));
}

}  // namespace redline::ui
