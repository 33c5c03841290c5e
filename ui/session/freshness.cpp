#include "ui/session/freshness.h"

#include "ui/models/agent_list_model.h"

#include <QCoreApplication>
#include <algorithm>

namespace redline::ui {

QString Freshness::ageText(std::int64_t now_ms) const {
    if (live) return {};
    if (last_seen_ms <= 0) return QCoreApplication::translate("Freshness", "no data yet");
    const qint64 ago = std::max<std::int64_t>(0, now_ms - last_seen_ms) / 1000;
    return QCoreApplication::translate("Freshness", "last seen %1 s ago").arg(ago);
}

QString Freshness::text(std::int64_t now_ms) const {
    if (live) return {};
    // The reason in words (libcurl's text stays in the agents dock's tooltip).
    return ageText(now_ms) +
           (reason.isEmpty() ? QString() : QStringLiteral(" · ") + AgentListModel::readableReason(reason));
}

}  // namespace redline::ui
