#include "ui/widgets/chart_view.h"

#include <QDateTime>
#include <QFile>
#include <QLegendMarker>
#include <QMouseEvent>
#include <QPainter>
#include <QPixmap>
#include <QTextStream>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <map>

#include "ui/models/events_model.h"
#include "ui/widgets/theme.h"

namespace redline::ui {

ChartView::ChartView(const QString& title, const QString& yTitle, YScale scale, QWidget* parent)
    // The chart is handed over at construction: QChartView::setChart() would release (and so leak) the
    // default chart the plain constructor creates.
    : QChartView(new QChart(), parent), scale_(scale), unit_(yTitle) {
    QChart* c = chart();
    c->setTitle(title);
    c->setAnimationOptions(QChart::NoAnimation);
    c->legend()->setAlignment(Qt::AlignBottom);
    c->setMargins(QMargins(4, 4, 4, 4));
    c->setBackgroundRoundness(6);
    setRenderHint(QPainter::Antialiasing, true);
    setMouseTracking(true);
    setMinimumSize(320, 200);

    x_ = new QValueAxis(c);
    x_->setRange(0, 1);
    x_->setTickCount(2);
    x_->setGridLineVisible(false);
    x_->setLineVisible(
        false);  // its tick marks would sit at fractions of the range; the time axis draws its own
    // Its two labels ("0", "1") are built once and never change, and keep a label-high strip under the plot
    // where drawTimeAxis() writes the times; applyTheme() makes them transparent.
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
    fg_ = fg;
    grid_ = grid;
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
    x_->setLabelsColor(Qt::transparent);
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
    points_.clear();
    on_.clear();
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
        points_.append(QList<QPointF>{});
        on_.append(true);
    }
    const auto markers = c->legend()->markers();
    for (int i = 0; i < markers.size() && i < lines_.size(); ++i)
        connect(markers[i], &QLegendMarker::clicked, this, [this, i] { setSeriesVisible(i, !on_.value(i)); });
    for (int i = 0; i < lines_.size(); ++i)
        updateLegendLook(i);
}

void ChartView::setSeriesVisible(int i, bool on) {
    if (i < 0 || i >= lines_.size() || on_[i] == on) return;
    on_[i] = on;
    updateLegendLook(i);
    invalidate();  // the y range follows the visible series
    viewport()->update();
}

void ChartView::updateLegendLook(int i) {
    const auto markers = chart()->legend()->markers(lines_[i]);
    if (markers.isEmpty()) return;
    QLegendMarker* m = markers.first();
    m->setVisible(true);  // a hidden series keeps its (faded) legend entry so it can be turned back on
    const bool on = on_[i];
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
        if (on_[i])
            for (const auto& p : pts)
                if (!std::isnan(p.y())) ymax = std::max(ymax, p.y());
        points_[i] = std::move(pts);
    }
    double top = 1.0;
    if (scale_ == YScale::Ratio) {
        top = 1.0;
    } else {
        // Round up to 1/2/5 x 10^k so the axis does not jitter with every tick.
        const double want = std::max(ymax * 1.15, 1.0);
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
    y_top_ = top;

    markers_.clear();
    for (const auto& e : store.events(agent))
        if (e.time_ms >= from_ms && e.time_ms <= to_ms && e.kind != "loadtest.progress")
            markers_.push_back(e);
    viewport()->update();
}

QColor ChartView::markerColor(const std::string& kind) {
    if (kind.rfind("limits", 0) == 0) return colors::rate;
    if (kind.rfind("canary", 0) == 0) return colors::canary;
    if (kind.rfind("loadtest", 0) == 0) return QColor(0xf0, 0x88, 0x3e);
    if (kind.rfind("threshold", 0) == 0) return colors::bad;
    if (kind.rfind("cache", 0) == 0) return colors::client;
    return colors::stale;
}

qreal ChartView::timeToX(double t_ms, const QRectF& plot) const {
    const double span = static_cast<double>(to_ms_ - from_ms_);
    if (span <= 0) return plot.right();
    return plot.left() + (t_ms - static_cast<double>(from_ms_)) / span * plot.width();
}

QPointF ChartView::toScene(const QPointF& v, const QRectF& plot) const {
    const qreal y = y_top_ > 0 ? plot.bottom() - v.y() / y_top_ * plot.height() : plot.bottom();
    return {timeToX(v.x(), plot), y};
}

QPointF ChartView::valueToScene(const QPointF& v) const {
    return toScene(v, chart()->plotArea());
}

std::int64_t ChartView::localOffsetMs() const {
    return static_cast<std::int64_t>(QDateTime::fromMSecsSinceEpoch(to_ms_).offsetFromUtc()) * 1000;
}

std::vector<std::int64_t> ChartView::timeTicks(std::int64_t* step_ms) const {
    std::vector<std::int64_t> out;
    const std::int64_t span = to_ms_ - from_ms_;
    const qreal width = chart()->plotArea().width();
    if (span <= 0 || width < 10) return out;
    // Round steps, the smallest that leaves room for an "HH:mm:ss" label and a gap between two labels.
    static constexpr std::int64_t kSteps[] = {1,   2,   5,   10,   15,   30,   60,    120,
                                              300, 600, 900, 1800, 3600, 7200, 21600, 86400};
    const qreal min_px = QFontMetricsF(x_->labelsFont()).horizontalAdvance(QStringLiteral("00:00:00")) + 24;
    std::int64_t step = kSteps[std::size(kSteps) - 1] * 1000;
    for (const auto st : kSteps)
        if (static_cast<qreal>(st * 1000) / static_cast<qreal>(span) * width >= min_px) {
            step = st * 1000;
            break;
        }
    // Round in local time, so that 30 min and 1 h steps fall on the hour in zones with a half-hour offset.
    const std::int64_t off = localOffsetMs();
    std::int64_t t = (from_ms_ + off + step - 1) / step * step - off;
    for (; t <= to_ms_; t += step)
        out.push_back(t);
    if (step_ms) *step_ms = step;
    return out;
}

void ChartView::drawTimeAxis(QPainter* painter, const QRectF& plot) {
    std::int64_t step = 0;
    const auto ticks = timeTicks(&step);
    if (ticks.empty()) return;
    const std::int64_t off = localOffsetMs();
    const QFont font = x_->labelsFont();
    const QFontMetricsF fm(font);
    QPen gridPen(grid_, 1);
    gridPen.setCosmetic(true);
    painter->setFont(font);
    painter->setPen(gridPen);
    painter->drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()));
    const QRectF chartRect = chart()->rect();
    for (const auto t : ticks) {
        const qreal x = std::round(timeToX(static_cast<double>(t), plot)) + 0.5;
        painter->setPen(gridPen);
        painter->drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom() + 4));
        // Formatted by hand from local milliseconds: QDateTime::toString asks the time zone on every call.
        const std::int64_t local = ((t + off) % 86'400'000 + 86'400'000) % 86'400'000;
        const int h = static_cast<int>(local / 3'600'000), m = static_cast<int>(local / 60'000 % 60),
                  sec = static_cast<int>(local / 1000 % 60);
        const QString label =
            step % 60'000 == 0 ? QStringLiteral("%1:%2").arg(h, 2, 10, QChar('0')).arg(m, 2, 10, QChar('0'))
                               : QStringLiteral("%1:%2:%3")
                                     .arg(h, 2, 10, QChar('0'))
                                     .arg(m, 2, 10, QChar('0'))
                                     .arg(sec, 2, 10, QChar('0'));
        const qreal w = fm.horizontalAdvance(label);
        const qreal left = std::clamp(x - w / 2, chartRect.left() + 2, chartRect.right() - w - 2);
        painter->setPen(fg_);
        painter->drawText(QPointF(left, plot.bottom() + 3 + fm.ascent()), label);
    }
}

void ChartView::drawLines(QPainter* painter, const QRectF& plot) {
    painter->save();
    painter->setClipRect(plot.adjusted(-1, -1, 1, 1));
    QPolygonF poly;
    for (int i = 0; i < points_.size(); ++i) {
        if (!on_[i] || points_[i].isEmpty()) continue;
        const auto& pts = points_[i];
        QColor color = specs_[i].color;
        if (isStale()) color = QColor::fromHsvF(color.hsvHueF(), 0.15, dark_ ? 0.55 : 0.6);
        QPen pen(color, specs_[i].width, specs_[i].style);
        pen.setCosmetic(true);
        painter->setPen(pen);
        painter->setBrush(color);
        // One polyline per run between breaks (NaN); a lone sample between two gaps is a dot.
        auto drawRun = [&] {
            if (poly.size() >= 2) {
                painter->drawPolyline(poly);
            } else if (poly.size() == 1) {
                painter->save();
                painter->setPen(Qt::NoPen);
                painter->drawEllipse(poly.front(), 1.5, 1.5);
                painter->restore();
            }
            poly.clear();
        };
        poly.reserve(pts.size());
        for (const auto& p : pts) {
            if (std::isnan(p.y()))
                drawRun();
            else
                poly.append(toScene(p, plot));
        }
        drawRun();
    }
    painter->restore();
}

void ChartView::setStale(std::int64_t since_ms, const QString& text) {
    if (since_ms == stale_since_ms_ && text == stale_text_) return;
    stale_since_ms_ = since_ms;
    stale_text_ = since_ms > 0 ? text : QString();
    viewport()->update();
}

void ChartView::drawStale(QPainter* painter, const QRectF& plot) {
    if (!isStale()) return;
    const qreal x0 =
        std::clamp(timeToX(static_cast<double>(stale_since_ms_), plot), plot.left(), plot.right());
    const QRectF band(QPointF(x0, plot.top()), QPointF(plot.right(), plot.bottom()));
    QColor fill = dark_ ? QColor(0x8b, 0x94, 0x9e, 40) : QColor(0x6e, 0x77, 0x81, 36);
    painter->save();
    painter->setPen(Qt::NoPen);
    painter->setBrush(QBrush(fill, Qt::BDiagPattern));
    painter->drawRect(band);
    painter->setPen(fg_);
    const QFontMetricsF fm(painter->font());
    const QString text = stale_text_.isEmpty() ? tr("no data") : stale_text_;
    const QString shown = fm.elidedText(text, Qt::ElideRight, plot.width() - 12);
    const qreal w = fm.horizontalAdvance(shown);
    // Right-aligned at the top of the band (inside the plot even when the band is narrow).
    const qreal left = std::max(plot.left() + 6, plot.right() - w - 6);
    painter->drawText(QPointF(left, plot.top() + fm.ascent() + 4), shown);
    painter->restore();
}

void ChartView::drawForeground(QPainter* painter, const QRectF& rect) {
    QChartView::drawForeground(painter, rect);
    const QRectF plot = chart()->plotArea();
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, true);
    drawTimeAxis(painter, plot);
    drawStale(painter, plot);
    drawLines(painter, plot);
    for (const auto& e : markers_) {
        const qreal x = timeToX(static_cast<double>(e.time_ms), plot);
        if (x < plot.left() || x > plot.right()) continue;
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
        const qreal x = timeToX(static_cast<double>(e.time_ms), plot);
        if (std::abs(x - scenePos.x()) <= 5) return EventsModel::describe(e);
    }
    if (to_ms_ <= from_ms_ || plot.width() <= 0) return {};
    const qreal t = static_cast<qreal>(from_ms_) +
                    (scenePos.x() - plot.left()) / plot.width() * static_cast<qreal>(to_ms_ - from_ms_);
    QString out;
    qint64 shown_t = 0;
    for (int i = 0; i < lines_.size(); ++i) {
        if (!on_[i] || points_[i].isEmpty()) continue;
        const auto& pts = points_[i];
        auto it =
            std::lower_bound(pts.begin(), pts.end(), t, [](const QPointF& p, qreal v) { return p.x() < v; });
        if (it == pts.end()) --it;
        if (it != pts.begin() && std::abs((it - 1)->x() - t) < std::abs(it->x() - t)) --it;
        // A break is not a value: take the nearer real point beside it (breaks are never first or last).
        if (std::isnan(it->y())) {
            const auto before = it - 1, after = it + 1;
            it = std::abs(before->x() - t) <= std::abs(after->x() - t) ? before : after;
        }
        const qreal px = timeToX(it->x(), plot);
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

QString ChartView::exportTitle() const {
    const auto t = [](std::int64_t ms) {
        return QDateTime::fromMSecsSinceEpoch(ms).toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    };
    QString s = chart()->title();
    if (!context_.isEmpty()) s += QStringLiteral(" — ") + context_;
    if (to_ms_ > from_ms_) s += QStringLiteral(" — %1 to %2 UTC").arg(t(from_ms_), t(to_ms_));
    return s;
}

bool ChartView::exportPng(const QString& path) {
    const QPixmap chartPix = grab();
    const qreal dpr = chartPix.devicePixelRatio();
    const int band = fontMetrics().height() + 12;
    QPixmap out(chartPix.width(), chartPix.height() + int(band * dpr));
    out.setDevicePixelRatio(dpr);
    out.fill(dark_ ? QColor(0x16, 0x1b, 0x22) : QColor(Qt::white));
    QPainter p(&out);
    p.setPen(dark_ ? QColor(0xc9, 0xd1, 0xd9) : QColor(0x24, 0x29, 0x2f));
    p.setFont(font());
    const int w = int(chartPix.width() / dpr);
    p.drawText(QRect(8, 0, w - 16, band), Qt::AlignVCenter | Qt::AlignLeft,
               fontMetrics().elidedText(exportTitle(), Qt::ElideRight, w - 16));
    p.drawPixmap(0, band, chartPix);
    p.end();
    return out.save(path, "PNG");
}

bool ChartView::exportCsv(const QString& path, const SeriesStore& store, const QString& agent) const {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) return false;
    QTextStream out(&f);
    // Context first, as comment lines: what, which agent/route/versions, the time range and the unit.
    out << "# Redline: " << exportTitle() << '\n';
    out << "# values in " << unit_ << "; time_ms is unix milliseconds, time is UTC; an empty cell is no sample\n";
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
