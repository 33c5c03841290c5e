#include "ui/models/rollout_summary.h"

#include <QCoreApplication>
#include <QStringList>

#include "core/rollout.h"
#include "ui/models/scorecard_model.h"

namespace redline::ui {

namespace {
QString tr(const char* s) {
    return QCoreApplication::translate("redline::ui::rolloutSummary", s);
}

QString planText(const RolloutSpec& spec) {
    QStringList steps;
    for (const auto& s : spec.steps)
        steps << (s.hold_s > 0 ? tr("%1 % %2 s").arg(s.weight_percent, 0, 'g', 4).arg(s.hold_s)
                               : tr("%1 %").arg(s.weight_percent, 0, 'g', 4));
    return tr("plan: %1; on failure %2")
        .arg(steps.join(QStringLiteral(" → ")),
             QString::fromStdString(std::string(to_string(spec.on_failure))));
}
}  // namespace

QString rolloutSummary(const nlohmann::json& j) {
    if (!j.is_object()) return {};
    if (j.contains("state")) {
        auto s = parse_rollout_status(j);
        if (!s) return {};
        const int n = s->spec ? int(s->spec->steps.size()) : 0;
        QString t = QString::fromStdString(std::string(to_string(s->state)));
        if (n > 0) t += tr(" at step %1 of %2").arg(std::min(s->step + 1, n)).arg(n);
        t += tr(", canary %1 %").arg(s->weight_percent, 0, 'g', 4);
        if (s->scorecard) {
            QStringList failing;
            for (const auto& m : s->scorecard->metrics) {
                if (m.verdict != Verdict::Fail) continue;
                QString f = ScorecardModel::metricLabel(m.metric);
                if (m.canary && m.allowed)
                    f += tr(" (canary %1, allowed ≤ %2 %3)")
                             .arg(*m.canary, 0, 'g', 4)
                             .arg(*m.allowed, 0, 'g', 4)
                             .arg(QString::fromStdString(m.unit));
                failing << f;
            }
            if (!failing.isEmpty()) t += tr("; failing: %1").arg(failing.join(QStringLiteral(", ")));
        }
        return t;
    }
    if (j.contains("steps")) {
        auto p = parse_rollout_spec(j);
        if (p.ok()) return planText(p.value());
    }
    return {};
}

}  // namespace redline::ui
