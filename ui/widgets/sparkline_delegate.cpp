#include "ui/widgets/sparkline_delegate.h"

#include <QApplication>
#include <QPainter>
#include <algorithm>
#include <cmath>

#include "ui/widgets/theme.h"

namespace redline::ui {

double SparkData::top() const {
    double top = 0;
    for (const auto& p : points)
        if (std::isfinite(p.y())) top = std::max(top, p.y());
    return std::max(min_top, top * 1.15);
}

QList<QList<QPointF>> SparkData::runs() const {
    QList<QList<QPointF>> out;
    QList<QPointF> run;
    for (const auto& p : points) {
        if (!std::isfinite(p.y())) {
            if (!run.isEmpty()) out.append(std::exchange(run, {}));
            continue;
        }
        if (p.x() < double(from_ms) || p.x() > double(to_ms)) continue;
        run.append(p);
    }
    if (!run.isEmpty()) out.append(run);
    return out;
}

void paintSparkline(QPainter& p, const QRectF& r, const SparkData& d, const QColor& c) {
    if (r.width() < 4 || r.height() < 4) return;
    const QColor line = d.greyed ? colors::stale : c;
    const double top = d.top();
    const double span = double(std::max<std::int64_t>(d.to_ms - d.from_ms, 1));
    auto x = [&](double t) { return r.left() + r.width() * (t - double(d.from_ms)) / span; };
    auto y = [&](double v) { return r.top() + r.height() * (1.0 - std::clamp(v / top, 0.0, 1.0)); };
    p.save();
    p.setRenderHint(QPainter::Antialiasing);
    // Baseline: where zero is, so a missing stretch reads as nothing drawn, not as a drop to zero.
    p.setPen(QPen(translucent(line, 45), 1));
    p.drawLine(QPointF(r.left(), r.bottom()), QPointF(r.right(), r.bottom()));
    QPen pen(line, 1.5);
    pen.setCapStyle(Qt::RoundCap);
    pen.setJoinStyle(Qt::RoundJoin);
    p.setPen(pen);
    QPolygonF poly;
    for (const auto& run : d.runs()) {
        if (run.size() == 1) {
            p.setBrush(line);
            p.drawEllipse(QPointF(x(run.front().x()), y(run.front().y())), 1.5, 1.5);
            p.setBrush(Qt::NoBrush);
            continue;
        }
        poly.clear();
        poly.reserve(run.size());
        for (const auto& pt : run)
            poly.append(QPointF(x(pt.x()), y(pt.y())));
        p.drawPolyline(poly);
    }
    p.restore();
}

SparklineDelegate::SparklineDelegate(int role, QObject* parent) : QStyledItemDelegate(parent), role_(role) {}

void SparklineDelegate::paint(QPainter* p, const QStyleOptionViewItem& opt, const QModelIndex& index) const {
    // The cell's background and selection as the style draws them, without text.
    QStyleOptionViewItem o = opt;
    initStyleOption(&o, index);
    o.text.clear();
    const QWidget* w = opt.widget;
    QStyle* style = w ? w->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &o, p, w);
    const QVariant v = index.data(role_);
    if (!v.canConvert<SparkData>()) return;
    const QRectF r = QRectF(opt.rect).adjusted(4, 4, -4, -4);
    paintSparkline(*p, r, v.value<SparkData>(), colors::rate);
}

QSize SparklineDelegate::sizeHint(const QStyleOptionViewItem& opt, const QModelIndex& index) const {
    const QSize s = QStyledItemDelegate::sizeHint(opt, index);
    return {std::max(s.width(), 120), s.height()};
}

}  // namespace redline::ui
