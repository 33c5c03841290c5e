// The rollout control calls of one agent connection (GET/PUT /v1/rollout, POST /v1/rollout/{action}) with
// their answers as one value: the status the agent confirmed, or why it refused (HTTP status, problem detail,
// field errors of a 400). JSON (de)serialisation is core/rollout.h's; nothing here re-parses by hand.
//
// Threading: call from the GUI thread; the request runs on a pool thread (AgentConnection::call) and `done`
// runs on the GUI thread, skipped when the connection is gone.
#pragma once

#include <QString>
#include <functional>
#include <optional>
#include <vector>

#include "core/problem.h"
#include "core/rollout.h"

namespace redline::ui {

class AgentConnection;

struct RolloutReply {
    std::optional<RolloutStatus> status;   // set on a 2xx with a readable status
    long http_status = 0;                  // 0: no HTTP answer (transport error)
    QString error;                         // one line for users; empty when status is set
    QString detail;                        // the problem's detail (409: why the action is not allowed)
    std::vector<FieldError> field_errors;  // a 400's errors[]
    bool ok() const { return status.has_value(); }
};

enum class RolloutAction { Start, Pause, Resume, Promote, Abort, Skip };
QString actionName(RolloutAction a);  // "start", "pause", ... (the path segment)

/// Whether the API allows `a` in state `s` (the agent's rules in docs/rollouts.md; the agent decides, this
/// only keeps buttons honest). Start from None needs a plan PUT first (the panel does both).
bool rolloutActionAllowed(RolloutAction a, RolloutState s);

void fetchRollout(AgentConnection& c, std::function<void(RolloutReply)> done);
void putRollout(AgentConnection& c, const RolloutSpec& spec, std::function<void(RolloutReply)> done);
void postRolloutAction(AgentConnection& c, RolloutAction a, const QString& reason,
                       std::function<void(RolloutReply)> done);

}  // namespace redline::ui
