#include "ui/chart_view.h"

#include <QDateTime>
#include <QDateTimeAxis>
#include <QFile>
#include <QLegendMarker>
#include <QMouseEvent>
#include <QTextStream>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <map>

#include "ui/events_model.h"

namespace redline::ui {

ChartView::ChartView(const QString& title, const QString& yTitle, YScale scale, QWidget* parent)
    // The chart is handed over at construction: QChartView::setChart() would release (and so leak) the
    // default chart the plain constructor creates.
    : QChartView(new QChart(), parent), scale_(scale) {
    QChart* c = chart();
    c->setTitle(title);
    c->setAnimationOptions(QChart::NoAnimation);
    c->legend()->setAlignment(Qt::AlignBottom);
    c->setMargins(QMargins(4, 4, 4, 4));
    c->setBackgroundRoundness(6);
    setRenderHint(QPainter::Antialiasing, true);
    setMouseTracking(true);
    setMinimumSize(320, 200);

    x_ = new QDateTimeAxis(c);
    x_->setFormat(QStringLiteral("HH:mm:ss"));
    x_->setTickCount(5);
    y_ = new QValueAxis(c);
    y_->setTitleText(yTitle);
    y_->setLabelFormat(scale == YScale::Auto ? QStringLiteral("%.4g") : QStringLiteral("%.2f"));
    if (scale == YScale::Percent) y_->setLabelFormat(QStringLiteral("%.1f %%"));
    c->addAxis(x_, Qt::AlignBottom);
    c->addAxis(y_, Qt::AlignLeft);
    applyTheme(true);
}

void ChartView::applyTheme(bool dark) {
    dark_ = dark;
    QChart* c = chart();
    const QColor bg = dark ? QColor(0x16, 0x1b, 0x22) : QColor(0xff, 0xff, 0xff);
    const QColor fg = dark ? QColor(0xc9, 0xd1, 0xd9) : QColor(0x24, 0x29, 0x2f);
    const QColor grid = dark ? QColor(0x30, 0x36, 0x3d) : QColor(0xd8, 0xde, 0xe4);
    c->setBackgroundBrush(bg);
    c->setBackgroundPen(QPen(grid));
    c->setTitleBrush(fg);
    c->legend()->setLabelColor(fg);
    for (QAbstractAxis* a : {static_cast<QAbstractAxis*>(x_), static_cast<QAbstractAxis*>(y_)}) {
        a->setLabelsColor(fg);
        a->setTitleBrush(fg);
        a->setGridLineColor(grid);
        a->setLinePenColor(grid);
    }
    setBackgroundBrush(bg);
    for (int i = 0; i < lines_.size(); ++i)
        updateLegendLook(i);
}

void ChartView::setSeries(const QList<SeriesSpec>& specs) {
    QChart* c = chart();
    invalidate();  // the next refresh fills the new series
    for (auto* s : std::as_const(lines_)) {
        c->removeSeries(s);
        delete s;
    }
    lines_.clear();
    last_points_.clear();
    specs_ = specs;
    for (int i = 0; i < specs.size(); ++i) {
        const auto& sp = specs[i];
        auto* s = new QLineSeries(c);
        s->setName(sp.label);
        QPen pen(sp.color, sp.width, sp.style);
        pen.setCosmetic(true);
        s->setPen(pen);
        c->addSeries(s);
        s->attachAxis(x_);
        s->attachAxis(y_);
        lines_.append(s);
        last_points_.append(QList<QPointF>{});
    }
    const auto markers = c->legend()->markers();
    for (int i = 0; i < markers.size() && i < lines_.size(); ++i)
        connect(markers[i], &QLegendMarker::clicked, this, [this, i] { toggleSeries(i); });
}

void ChartView::toggleSeries(int i) {
    if (i < 0 || i >= lines_.size()) return;
    lines_[i]->setVisible(!lines_[i]->isVisible());
    updateLegendLook(i);
}

void ChartView::updateLegendLook(int i) {
    const auto markers = chart()->legend()->markers(lines_[i]);
    if (markers.isEmpty()) return;
    QLegendMarker* m = markers.first();
    m->setVisible(true);  // a hidden series keeps its (faded) legend entry so it can be turned back on
    const bool on = lines_[i]->isVisible();
    QColor label = dark_ ? QColor(0xc9, 0xd1, 0xd9) : QColor(0x24, 0x29, 0x2f);
    QColor swatch = specs_[i].color;
    if (!on) {
        label.setAlphaF(0.35);
        swatch.setAlphaF(0.25);
    }
    m->setLabelBrush(label);
    m->setBrush(swatch);
    m->setPen(QPen(swatch));
}

void ChartView::refresh(const SeriesStore& store, const QString& agent, std::int64_t from_ms,
                        std::int64_t to_ms) {
    const int width = std::max(50, static_cast<int>(chart()->plotArea().width()));
    // On long ranges one pixel spans several seconds (1 h over 600 px: 6 s): until the window has moved by a
    // pixel, a new point only lands in the last column, so the whole decimate + replace + repaint (the GUI
    // thread's main cost, docs/benchmarks.md "Dashboard") is skipped unless the agent, range, width or
    // event markers changed.
    const std::size_t nevents = store.events(agent).size();
    const std::int64_t span = to_ms - from_ms;
    if (agent == refreshed_agent_ && span == refreshed_span_ms_ && width == refreshed_width_ &&
        nevents == refreshed_events_ && to_ms >= refreshed_to_ms_ && to_ms - refreshed_to_ms_ < span / width)
        return;
    refreshed_agent_ = agent;
    refreshed_span_ms_ = span;
    refreshed_width_ = width;
    refreshed_events_ = nevents;
    refreshed_to_ms_ = to_ms;
    from_ms_ = from_ms;
    to_ms_ = to_ms;
    double ymax = 0;
    for (int i = 0; i < lines_.size(); ++i) {
        QList<QPointF> pts = store.points(agent, specs_[i].key, specs_[i].metric, from_ms, to_ms, width);
        if (scale_ == YScale::Percent)
            for (auto& p : pts)
                p.setY(p.y() * 100.0);
        if (lines_[i]->isVisible())
            for (const auto& p : pts)
                ymax = std::max(ymax, p.y());
        lines_[i]->replace(pts);
        last_points_[i] = std::move(pts);
    }
    x_->setRange(QDateTime::fromMSecsSinceEpoch(from_ms), QDateTime::fromMSecsSinceEpoch(to_ms));
    double top = 1.0;
    if (scale_ == YScale::Ratio) {
        top = 1.0;
    } else {
        // Round up to 1/2/5 x 10^k so the axis does not jitter with every tick.
        const double want = std::max(ymax * 1.15, scale_ == YScale::Percent ? 1.0 : 1.0);
        const double mag = std::pow(10.0, std::floor(std::log10(want)));
        // Tick steps that stay round numbers for each top: 1 -> 0.2, 2 -> 0.5, 2.5 -> 0.5, 5 -> 1, 10 -> 2.
        static constexpr std::pair<double, double> kTops[] = {
            {1, 0.2}, {2, 0.5}, {2.5, 0.5}, {5, 1}, {10, 2}};
        double step = 0.2 * mag;
        for (const auto& [f, st] : kTops)
            if (f * mag >= want) {
                top = f * mag;
                step = st * mag;
                break;
            }
        if (y_->tickInterval() != step) {
            y_->setTickType(QValueAxis::TicksDynamic);
            y_->setTickAnchor(0);
            y_->setTickInterval(step);
            const int decimals = std::max(0, int(-std::floor(std::log10(step) + 1e-9)));
            y_->setLabelFormat(QStringLiteral("%.%1f").arg(decimals) +
                               (scale_ == YScale::Percent ? QStringLiteral(" %%") : QString()));
        }
    }
    if (y_->min() != 0 || y_->max() != top) y_->setRange(0, top);

    markers_.clear();
    for (const auto& e : store.events(agent))
        if (e.time_ms >= from_ms && e.time_ms <= to_ms && e.kind != "loadtest.progress")
            markers_.push_back(e);
    viewport()->update();
}

QColor ChartView::markerColor(const std::string& kind) {
    if (kind.rfind("limits", 0) == 0) return QColor(0x58, 0xa6, 0xff);
    if (kind.rfind("canary", 0) == 0) return QColor(0xbc, 0x8c, 0xff);
    if (kind.rfind("loadtest", 0) == 0) return QColor(0xf0, 0x88, 0x3e);
    if (kind.rfind("threshold", 0) == 0) return QColor(0xf8, 0x51, 0x49);
    if (kind.rfind("cache", 0) == 0) return QColor(0x39, 0xc5, 0xcf);
    return QColor(0x8b, 0x94, 0x9e);
}

void ChartView::drawForeground(QPainter* painter, const QRectF& rect) {
    QChartView::drawForeground(painter, rect);
    if (markers_.empty()) return;
    const QRectF plot = chart()->plotArea();
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, true);
    for (const auto& e : markers_) {
        const qreal x =
            chart()->mapToPosition(QPointF(static_cast<qreal>(e.time_ms), 0), lines_.value(0)).x();
        if (lines_.isEmpty() || x < plot.left() || x > plot.right()) continue;
        const QColor col = markerColor(e.kind);
        QPen pen(col, 1.5, Qt::DashLine);
        pen.setCosmetic(true);
        painter->setPen(pen);
        painter->drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        QPolygonF tri;
        tri << QPointF(x - 5, plot.top()) << QPointF(x + 5, plot.top()) << QPointF(x, plot.top() + 7);
        painter->setPen(Qt::NoPen);
        painter->setBrush(col);
        painter->drawPolygon(tri);
    }
    painter->restore();
}

QString ChartView::tooltipAt(const QPoint& pos) const {
    if (lines_.isEmpty()) return {};
    const QRectF plot = chart()->plotArea();
    const QPointF scenePos = mapToScene(pos);
    if (!plot.adjusted(-6, -6, 6, 6).contains(scenePos)) return {};
    // Event markers first: within 5 px.
    for (const auto& e : markers_) {
        const qreal x = chart()->mapToPosition(QPointF(static_cast<qreal>(e.time_ms), 0), lines_[0]).x();
        if (std::abs(x - scenePos.x()) <= 5) return EventsModel::describe(e);
    }
    const qreal t = chart()->mapToValue(scenePos, lines_[0]).x();
    QString out;
    qint64 shown_t = 0;
    for (int i = 0; i < lines_.size(); ++i) {
        if (!lines_[i]->isVisible() || last_points_[i].isEmpty()) continue;
        const auto& pts = last_points_[i];
        auto it =
            std::lower_bound(pts.begin(), pts.end(), t, [](const QPointF& p, qreal v) { return p.x() < v; });
        if (it == pts.end()) --it;
        if (it != pts.begin() && std::abs((it - 1)->x() - t) < std::abs(it->x() - t)) --it;
        const qreal px = chart()->mapToPosition(*it, lines_[i]).x();
        if (std::abs(px - scenePos.x()) > 12) continue;
        if (!shown_t) shown_t = static_cast<qint64>(it->x());
        const QString v = scale_ == YScale::Percent ? QString::number(it->y(), 'f', 2) + " %"
                                                    : QString::number(it->y(), 'g', 5);
        out += QStringLiteral("<br><span style='color:%1'>&#9632;</span> %2: <b>%3</b>")
                   .arg(specs_[i].color.name(), specs_[i].label.toHtmlEscaped(), v);
    }
    if (out.isEmpty()) return {};
    return QDateTime::fromMSecsSinceEpoch(shown_t).toString(QStringLiteral("HH:mm:ss.zzz")) + out;
}

void ChartView::mouseMoveEvent(QMouseEvent* e) {
    QChartView::mouseMoveEvent(e);
    const QString tip = tooltipAt(e->position().toPoint());
    if (tip.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(e->globalPosition().toPoint(), tip, this);
}

void ChartView::leaveEvent(QEvent* e) {
    QToolTip::hideText();
    QChartView::leaveEvent(e);
}

bool ChartView::exportPng(const QString& path) {
    return grab().save(path, "PNG");
}

bool ChartView::exportCsv(const QString& path, const SeriesStore& store, const QString& agent) const {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) return false;
    QTextStream out(&f);
    out << "time_ms,time";
    std::map<std::int64_t, std::vector<QString>> rows;
    for (int i = 0; i < specs_.size(); ++i) {
        out << ',' << '"' << QString(specs_[i].label).replace('"', "\"\"") << '"';
        for (const auto& s : store.samples(agent, specs_[i].key, from_ms_, to_ms_)) {
            auto& row = rows[s.t_ms];
            row.resize(specs_.size());
            const float v = s[specs_[i].metric];
            if (!std::isnan(v)) row[i] = QString::number(v, 'g', 8);
        }
    }
    out << '\n';
    for (auto& [t, vals] : rows) {
        vals.resize(specs_.size());
        out << t << ',' << QDateTime::fromMSecsSinceEpoch(t).toUTC().toString(Qt::ISODateWithMs);
        for (const auto& v : vals)
            out << ',' << v;
        out << '\n';
    }
    return out.status() == QTextStream::Ok;
}

}  // namespace redline::ui
