#include "ui/session/freshness.h"

#include <QCoreApplication>
#include <algorithm>

namespace redline::ui {

QString Freshness::text(std::int64_t now_ms) const {
    if (live) return {};
    const QString why = reason.isEmpty() ? QString() : QStringLiteral(" · ") + reason;
    if (last_seen_ms <= 0) return QCoreApplication::translate("Freshness", "no data yet") + why;
    const qint64 ago = std::max<std::int64_t>(0, now_ms - last_seen_ms) / 1000;
    return QCoreApplication::translate("Freshness", "last seen %1 s ago").arg(ago) + why;
}

}  // namespace redline::ui
