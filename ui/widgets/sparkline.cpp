#include "ui/widgets/sparkline.h"

#include <QPainter>
#include <QPainterPath>
#include <cmath>

#include "ui/widgets/theme.h"

namespace redline::ui {

namespace {
constexpr qreal kPad = 2.0;  // room for the pen and the dots at the edges
}

Sparkline::Sparkline(QWidget* parent) : QWidget(parent), color_(colors::rate) {
    setObjectName("sparkline");
    setAttribute(Qt::WA_OpaquePaintEvent, false);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setFixedHeight(26);
}

void Sparkline::setPoints(QList<QPointF> points, std::int64_t from_ms, std::int64_t to_ms) {
    points_ = std::move(points);
    from_ms_ = from_ms;
    to_ms_ = std::max(to_ms, from_ms + 1);
    double top = 0;
    for (const auto& p : points_)
        if (std::isfinite(p.y())) top = std::max(top, p.y());
    top_ = std::max(min_top_, top * 1.15);
    update();
}

void Sparkline::setColor(const QColor& c) {
    if (c == color_) return;
    color_ = c;
    update();
}

void Sparkline::setGreyed(bool greyed) {
    if (greyed == greyed_) return;
    greyed_ = greyed;
    update();
}

void Sparkline::setBound(std::optional<double> bound) {
    if (bound == bound_) return;
    bound_ = bound;
    update();
}

QColor Sparkline::lineColor() const {
    return greyed_ ? colors::stale : color_;
}

qreal Sparkline::xAt(double t_ms) const {
    const qreal w = width() - 2 * kPad;
    return kPad + w * (t_ms - double(from_ms_)) / double(to_ms_ - from_ms_);
}

qreal Sparkline::yAt(double v) const {
    const qreal h = height() - 2 * kPad;
    return kPad + h * (1.0 - std::clamp(v / top_, 0.0, 1.0));
}

QList<QList<QPointF>> Sparkline::runs() const {
    QList<QList<QPointF>> out;
    QList<QPointF> run;
    for (const auto& p : points_) {
        if (!std::isfinite(p.y())) {
            if (!run.isEmpty()) out.append(std::exchange(run, {}));
            continue;
        }
        if (p.x() < double(from_ms_) || p.x() > double(to_ms_)) continue;
        run.append(p);
    }
    if (!run.isEmpty()) out.append(run);
    return out;
}

void Sparkline::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QColor line = lineColor();
    // Baseline: where zero is, so a missing stretch reads as nothing drawn, not as a drop to zero.
    QColor base = line;
    base.setAlpha(45);
    p.setPen(QPen(base, 1));
    const qreal y0 = yAt(0) + 0.5;
    p.drawLine(QPointF(kPad, y0), QPointF(width() - kPad, y0));
    if (bound_ && *bound_ > 0 && *bound_ <= top_ && !greyed_) {
        QColor b = colors::bad;
        b.setAlpha(110);
        QPen pen(b, 1, Qt::DashLine);
        p.setPen(pen);
        const qreal yb = yAt(*bound_);
        p.drawLine(QPointF(kPad, yb), QPointF(width() - kPad, yb));
    }
    QPen pen(line, 1.5);
    pen.setCapStyle(Qt::RoundCap);
    pen.setJoinStyle(Qt::RoundJoin);
    p.setPen(pen);
    QPolygonF poly;
    for (const auto& run : runs()) {
        if (run.size() == 1) {
            p.setBrush(line);
            p.drawEllipse(QPointF(xAt(run.front().x()), yAt(run.front().y())), 1.5, 1.5);
            p.setBrush(Qt::NoBrush);
            continue;
        }
        poly.clear();
        poly.reserve(run.size());
        for (const auto& pt : run)
            poly.append(QPointF(xAt(pt.x()), yAt(pt.y())));
        p.drawPolyline(poly);
    }
}

}  // namespace redline::ui
