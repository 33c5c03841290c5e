#include "ui/widgets/step_timeline.h"

#include <QPainter>
#include <QPainterPath>
#include <algorithm>

#include "ui/widgets/theme.h"

namespace redline::ui {

StepTimeline::StepTimeline(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void StepTimeline::setSteps(const std::vector<RolloutStep>& steps, int current, int held_s,
                            RolloutState state) {
    steps_ = steps;
    current_ = current;
    held_s_ = held_s;
    state_ = state;
    setToolTip(summary());
    setAccessibleDescription(summary());
    update();
}

QString StepTimeline::segmentText(int i) const {
    const RolloutStep& s = steps_[std::size_t(i)];
    const QString w = tr("%1 %").arg(s.weight_percent, 0, 'g', 4);
    if (i + 1 == int(steps_.size()) && s.weight_percent >= 100) return w;
    return tr("%1 · %2 s").arg(w).arg(s.hold_s);
}

QString StepTimeline::summary() const {
    if (steps_.empty()) return tr("No plan");
    QStringList parts;
    for (int i = 0; i < int(steps_.size()); ++i) {
        QString t = segmentText(i);
        if (i == current_) t = tr("[now: %1]").arg(t);
        parts << t;
    }
    return parts.join(QStringLiteral(" → "));
}

QSize StepTimeline::sizeHint() const {
    const QFontMetrics fm(font());
    return {std::max(1, int(steps_.size())) * (fm.horizontalAdvance(QStringLiteral("100 % · 600 s")) + 12),
            fm.height() * 2 + 8};
}

QSize StepTimeline::minimumSizeHint() const {
    const QFontMetrics fm(font());
    return {std::max(1, int(steps_.size())) * (fm.horizontalAdvance(QStringLiteral("50 %")) + 10),
            fm.height() * 2 + 8};
}

void StepTimeline::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette& pal = palette();
    const bool dark = pal.color(QPalette::Window).lightness() < 128;
    const int n = int(steps_.size());
    if (n == 0) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, tr("No plan"));
        return;
    }
    const qreal gap = 4;
    const qreal w = (width() - gap * (n - 1)) / n;
    const QRectF area = QRectF(rect()).adjusted(0, 2, 0, -2);
    const bool finished = state_ == RolloutState::Promoted;
    const bool failed = state_ == RolloutState::RolledBack || state_ == RolloutState::Aborted;
    const QColor done = translucent(colors::canary, dark ? 110 : 90);
    const QColor frame = pal.color(QPalette::Mid);
    for (int i = 0; i < n; ++i) {
        const QRectF seg(area.left() + i * (w + gap), area.top(), w, area.height());
        QPainterPath path;
        path.addRoundedRect(seg, 4, 4);
        p.fillPath(path, pal.color(QPalette::Base));
        const bool isDone = finished || (current_ >= 0 && i < current_);
        if (isDone) p.fillPath(path, done);
        if (i == current_ && !finished) {
            const int hold = steps_[std::size_t(i)].hold_s;
            const qreal f = hold > 0 ? std::clamp(qreal(held_s_) / hold, 0.0, 1.0) : 1.0;
            QPainterPath part;
            part.addRoundedRect(QRectF(seg.left(), seg.top(), seg.width() * f, seg.height()), 4, 4);
            p.fillPath(part, done);
            p.setPen(QPen(failed ? colors::bad : pal.color(QPalette::Highlight), 2.5));
        } else {
            p.setPen(QPen(frame, 1));
        }
        p.drawPath(path);
        QFont f = font();
        f.setBold(i == current_);
        p.setFont(f);
        p.setPen(pal.color(QPalette::Text));
        const QString label = tr("%1. %2").arg(i + 1).arg(segmentText(i));
        p.drawText(seg.adjusted(4, 0, -4, 0), Qt::AlignCenter,
                   QFontMetrics(f).elidedText(label, Qt::ElideRight, int(seg.width()) - 8));
    }
}

}  // namespace redline::ui
