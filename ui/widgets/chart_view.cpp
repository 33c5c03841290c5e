#include "ui/widgets/chart_view.h"

#include <QDateTime>
#include <QFile>
#include <QKeyEvent>
#include <QLegend>
#include <QLogValueAxis>
#include <QMouseEvent>
#include <QPainter>
#include <QPixmap>
#include <QTextStream>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <limits>
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
    c->legend()->hide();  // drawn by drawLegend(): wraps instead of cutting entries off, shows the pen style
    c->setMargins(QMargins(4, 4, 4, 4));
    c->setBackgroundRoundness(6);
    setRenderHint(QPainter::Antialiasing, true);
    setMouseTracking(true);
    setMinimumSize(320, 200);
    setFocusPolicy(Qt::StrongFocus);  // the keyboard pans, zooms and resets (see the header)

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
    y_->setLabelFormat(scale == YScale::Auto ? QStringLiteral("%.4g") : QStringLiteral("%.0f %%"));
    if (scale == YScale::FullPercent) {
        y_->setRange(0, 100);
        y_->setTickType(QValueAxis::TicksDynamic);
        y_->setTickAnchor(0);
        y_->setTickInterval(25);
        y_top_ = 100;
    }
    // Not in the chart until setLogScale(true); parented to the view so it lives while out of the chart.
    ylog_ = new QLogValueAxis(this);
    ylog_->setBase(10);
    ylog_->setLabelFormat(QStringLiteral("%g"));
    ylog_->setMinorTickCount(-1);
    ylog_->setTitleText(yTitle);
    c->addAxis(x_, Qt::AlignBottom);
    c->addAxis(y_, Qt::AlignLeft);
    applyTheme(true);
}

void ChartView::setLogScale(bool on) {
    if (!canLogScale() || on == log_) return;
    QChart* c = chart();
    QAbstractAxis* from = on ? static_cast<QAbstractAxis*>(y_) : ylog_;
    QAbstractAxis* to = on ? static_cast<QAbstractAxis*>(ylog_) : y_;
    c->removeAxis(from);
    from->setParent(this);  // removeAxis hands ownership back
    c->addAxis(to, Qt::AlignLeft);
    for (auto* s : std::as_const(lines_))
        s->attachAxis(to);
    log_ = on;
    invalidate();
    viewport()->update();
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
    QColor minor = grid;
    minor.setAlphaF(0.45);
    for (QAbstractAxis* a : {static_cast<QAbstractAxis*>(x_), static_cast<QAbstractAxis*>(y_),
                             static_cast<QAbstractAxis*>(ylog_)}) {
        a->setLabelsColor(fg);
        a->setTitleBrush(fg);
        a->setGridLineColor(grid);
        a->setLinePenColor(grid);
        a->setMinorGridLineColor(minor);
    }
    x_->setLabelsColor(Qt::transparent);
    setBackgroundBrush(bg);
    legend_dirty_ = true;
    viewport()->update();
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
        auto* s = new QLineSeries(c);
        s->setName(specs[i].label);
        c->addSeries(s);
        s->attachAxis(x_);
        s->attachAxis(log_ ? static_cast<QAbstractAxis*>(ylog_) : y_);
        lines_.append(s);
        points_.append(QList<QPointF>{});
        on_.append(true);
    }
    layoutLegend();
}

void ChartView::setSeriesVisible(int i, bool on) {
    if (i < 0 || i >= lines_.size() || on_[i] == on) return;
    on_[i] = on;
    legend_dirty_ = true;
    invalidate();  // the y range follows the visible series
    viewport()->update();
}

namespace {
constexpr qreal kSwatchW = 22, kSwatchGap = 5, kEntryGap = 14, kLegendPadX = 8;
}  // namespace

void ChartView::layoutLegend() {
    legend_dirty_ = true;
    legend_rects_.clear();
    const QFontMetricsF fm(font());
    const qreal rowH = fm.height() + 4;
    const QRectF r = chart()->rect();
    const qreal maxW = std::max<qreal>(60, r.width() - 2 * kLegendPadX);
    // Entries left to right, wrapping onto a new row when the next one does not fit; rows centred.
    std::vector<std::pair<int, int>> rows;  // [first, last) per row
    std::vector<qreal> widths, rowWidth;
    qreal x = 0;
    int first = 0;
    for (int i = 0; i < specs_.size(); ++i) {
        const qreal w = kSwatchW + kSwatchGap + fm.horizontalAdvance(specs_[i].label);
        if (i > first && x + kEntryGap + w > maxW) {
            rows.emplace_back(first, i);
            rowWidth.push_back(x);
            first = i;
            x = 0;
        }
        x += (i > first ? kEntryGap : 0) + std::min(w, maxW);
        widths.push_back(std::min(w, maxW));
    }
    if (!specs_.isEmpty()) {
        rows.emplace_back(first, static_cast<int>(specs_.size()));
        rowWidth.push_back(x);
    }
    legend_height_ = rows.empty() ? 0 : rowH * static_cast<qreal>(rows.size()) + 4;
    const qreal top = r.bottom() - legend_height_;
    for (std::size_t k = 0; k < rows.size(); ++k) {
        qreal left = r.left() + (r.width() - rowWidth[k]) / 2;
        for (int i = rows[k].first; i < rows[k].second; ++i) {
            legend_rects_.append(QRectF(left, top + rowH * static_cast<qreal>(k), widths[i], rowH));
            left += widths[i] + kEntryGap;
        }
    }
    applyMargins();
}

void ChartView::applyMargins() {
    const QMargins want(4 + static_cast<int>(std::round(left_padding_)), 4, 4,
                        4 + static_cast<int>(std::ceil(legend_height_)));
    if (chart()->margins() != want) chart()->setMargins(want);
}

qreal ChartView::axisWidth() const {
    return chart()->plotArea().left() - chart()->margins().left();
}

void ChartView::setLeftPadding(qreal px) {
    if (std::abs(px - left_padding_) < 0.5) return;
    left_padding_ = std::max<qreal>(0, px);
    applyMargins();
}

QRect ChartView::legendEntryRect(int i) const {
    if (i < 0 || i >= legend_rects_.size()) return {};
    const QRectF r = legend_rects_[i];
    const QPoint tl = mapFromScene(r.topLeft());
    return QRect(tl, QSize(static_cast<int>(r.width()), static_cast<int>(r.height())));
}

void ChartView::drawLegend(QPainter* painter) {
    // Painted once into a pixmap and blitted on every repaint: text layout per entry per frame was the
    // legend's whole cost (8 agents x 4 charts at 1 Hz; docs/benchmarks.md "Dashboard").
    QRectF all;
    for (const auto& r : std::as_const(legend_rects_))
        all = all.united(r);
    if (all.isEmpty()) return;
    const qreal dpr = devicePixelRatioF();
    if (legend_dirty_ || legend_cache_.isNull() || legend_cache_.devicePixelRatio() != dpr ||
        legend_cache_rect_ != all) {
        legend_cache_ = QPixmap((all.size() * dpr).toSize() + QSize(2, 2));
        legend_cache_.setDevicePixelRatio(dpr);
        legend_cache_.fill(Qt::transparent);
        QPainter p(&legend_cache_);
        p.setRenderHint(QPainter::Antialiasing, true);
        p.translate(-all.topLeft());
        paintLegendEntries(&p);
        legend_cache_rect_ = all;
        legend_dirty_ = false;
    }
    painter->drawPixmap(all.topLeft(), legend_cache_);
}

void ChartView::paintLegendEntries(QPainter* painter) {
    const QFontMetricsF fm(font());
    painter->save();
    painter->setFont(font());
    for (int i = 0; i < legend_rects_.size() && i < specs_.size(); ++i) {
        const QRectF r = legend_rects_[i];
        const bool on = on_.value(i);
        QColor line = specs_[i].color, text = fg_;
        if (!on) {  // a hidden series keeps its (faded) entry so it can be turned back on
            line.setAlphaF(0.25);
            text.setAlphaF(0.35);
        }
        // The swatch is the line as drawn: colour and style, 2 px so a dash pattern reads at legend size.
        QPen pen(line, 2, specs_[i].style);
        pen.setCapStyle(Qt::FlatCap);
        painter->setPen(pen);
        const qreal y = r.center().y();
        painter->drawLine(QPointF(r.left(), y), QPointF(r.left() + kSwatchW, y));
        painter->setPen(text);
        const qreal tw = r.width() - kSwatchW - kSwatchGap;
        painter->drawText(QRectF(r.left() + kSwatchW + kSwatchGap, r.top(), tw, r.height()),
                          Qt::AlignVCenter | Qt::AlignLeft,
                          fm.elidedText(specs_[i].label, Qt::ElideRight, tw));
    }
    painter->restore();
}

void ChartView::resizeEvent(QResizeEvent* e) {
    QChartView::resizeEvent(e);
    layoutLegend();
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
    double ymax = 0, yminPos = std::numeric_limits<double>::infinity();
    for (int i = 0; i < lines_.size(); ++i) {
        QList<QPointF> pts = store.points(agent, specs_[i].key, specs_[i].metric, from_ms, to_ms, width);
        if (scale_ != YScale::Auto)
            for (auto& p : pts)
                p.setY(p.y() * 100.0);
        if (on_[i])
            for (const auto& p : pts)
                if (!std::isnan(p.y())) {
                    ymax = std::max(ymax, p.y());
                    if (p.y() > 0) yminPos = std::min(yminPos, p.y());
                }
        points_[i] = std::move(pts);
    }
    updateYAxis(yminPos, ymax);

    markers_.clear();
    for (const auto& e : store.events(agent))
        if (e.time_ms >= from_ms && e.time_ms <= to_ms && e.kind != "loadtest.progress" &&
            !hidden_markers_.contains(markerCategory(e.kind)))
            markers_.push_back(e);
    viewport()->update();
}

void ChartView::updateYAxis(double yminPos, double ymax) {
    if (scale_ == YScale::FullPercent) {
        y_bottom_ = 0;
        y_top_ = 100;
        return;
    }
    if (log_) {
        // Whole decades around the visible positive values, at most 6 of them (a 0.001 ms outlier must not
        // squash the rest); values <= 0 sit on the floor.
        const double hi = std::pow(10.0, std::ceil(std::log10(std::max(ymax * 1.15, 1.0))));
        double lo = std::isfinite(yminPos) ? std::pow(10.0, std::floor(std::log10(yminPos))) : hi / 100;
        lo = std::clamp(lo, hi / 1e6, hi / 10);
        if (ylog_->min() != lo || ylog_->max() != hi) ylog_->setRange(lo, hi);
        y_bottom_ = lo;
        y_top_ = hi;
        return;
    }
    // Round up to 1/2/2.5/5 x 10^k so the axis does not jitter with every tick.
    const double want = std::max(ymax * 1.15, 1.0);
    const double mag = std::pow(10.0, std::floor(std::log10(want)));
    // Tick steps that stay round numbers for each top: 1 -> 0.2, 2 -> 0.5, 2.5 -> 0.5, 5 -> 1, 10 -> 2.
    static constexpr std::pair<double, double> kTops[] = {{1, 0.2}, {2, 0.5}, {2.5, 0.5}, {5, 1}, {10, 2}};
    double top = 10 * mag, step = 2 * mag;
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
    if (y_->min() != 0 || y_->max() != top) y_->setRange(0, top);
    y_bottom_ = 0;
    y_top_ = top;
}

QString ChartView::markerCategory(const std::string& kind) {
    for (const char* c : {"limits", "canary", "rollout", "loadtest", "threshold", "annotation"})
        if (kind.rfind(c, 0) == 0) return QString::fromLatin1(c);
    return QStringLiteral("other");
}

void ChartView::setHiddenMarkerCategories(const QSet<QString>& hidden) {
    if (hidden == hidden_markers_) return;
    hidden_markers_ = hidden;
    invalidate();
    viewport()->update();
}

QColor ChartView::markerColor(const std::string& kind) {
    if (kind.rfind("limits", 0) == 0) return colors::rate;
    if (kind.rfind("canary", 0) == 0) return colors::canary;
    // Rollout transitions: the failures in the breach colour, the promotion in the good one, the steps
    // between in their own pink (apart from the canary's purple weight changes they cause).
    if (kind == "rollout.rolled_back" || kind == "rollout.aborted") return colors::bad;
    if (kind == "rollout.promoted") return colors::good;
    if (kind.rfind("rollout", 0) == 0) return QColor(0xdb, 0x61, 0xa2);
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
    double f = 0;  // 0 at the bottom of the plot, 1 at the top
    if (log_) {
        const double lo = std::log10(y_bottom_), hi = std::log10(y_top_);
        f = v.y() > y_bottom_ && hi > lo ? (std::log10(v.y()) - lo) / (hi - lo) : 0.0;
    } else if (y_top_ > y_bottom_) {
        f = (v.y() - y_bottom_) / (y_top_ - y_bottom_);
    }
    return {timeToX(v.x(), plot), plot.bottom() - f * plot.height()};
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

std::vector<std::vector<int>> ChartView::markerGroups() const {
    std::vector<std::vector<int>> groups;
    const QRectF plot = chart()->plotArea();
    std::vector<std::pair<qreal, int>> xs;
    for (int i = 0; i < static_cast<int>(markers_.size()); ++i) {
        const qreal x = timeToX(static_cast<double>(markers_[i].time_ms), plot);
        if (x >= plot.left() - 0.5 && x <= plot.right() + 0.5) xs.emplace_back(x, i);
    }
    std::stable_sort(xs.begin(), xs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    qreal start = 0;
    for (const auto& [x, i] : xs) {
        if (groups.empty() || x - start >= kMarkerHitPx) {
            groups.emplace_back();
            start = x;
        }
        groups.back().push_back(i);
    }
    return groups;
}

void ChartView::drawMarkers(QPainter* painter, const QRectF& plot) {
    const QFontMetricsF fm(painter->font());
    for (const auto& g : markerGroups()) {
        const Event& first = markers_[static_cast<std::size_t>(g.front())];
        const qreal x = timeToX(static_cast<double>(first.time_ms), plot);
        // A group takes the colour of its kind when all agree, else the neutral one.
        QColor col = markerColor(first.kind);
        for (int i : g)
            if (markerCategory(markers_[static_cast<std::size_t>(i)].kind) != markerCategory(first.kind))
                col = colors::stale;
        QPen pen(col, 1.5, Qt::DashLine);
        pen.setCosmetic(true);
        painter->setPen(pen);
        painter->drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        painter->setPen(Qt::NoPen);
        painter->setBrush(col);
        if (g.size() == 1) {
            QPolygonF tri;
            tri << QPointF(x - 5, plot.top()) << QPointF(x + 5, plot.top()) << QPointF(x, plot.top() + 7);
            painter->drawPolygon(tri);
        } else {  // a badge with the count
            const QString n = QString::number(g.size());
            const qreal w = std::max(fm.height(), fm.horizontalAdvance(n) + 8);
            const QRectF badge(x - w / 2, plot.top(), w, fm.height());
            painter->drawRoundedRect(badge, fm.height() / 2, fm.height() / 2);
            painter->setPen(QColor(0x0d, 0x11, 0x17));
            painter->drawText(badge, Qt::AlignCenter, n);
        }
    }
}

void ChartView::drawInteraction(QPainter* painter, const QRectF& plot) {
    if (crosshair_ms_ >= from_ms_ && crosshair_ms_ <= to_ms_ && crosshair_ms_ > 0 && to_ms_ > from_ms_) {
        QColor c = fg_;
        c.setAlphaF(0.55);
        QPen pen(c, 1);
        pen.setCosmetic(true);
        painter->setPen(pen);
        const qreal x = std::round(timeToX(static_cast<double>(crosshair_ms_), plot)) + 0.5;
        painter->drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
    }
    if (dragging_ && !drag_pan_) {
        const qreal x0 = std::clamp(std::min(drag_from_x_, drag_to_x_), plot.left(), plot.right());
        const qreal x1 = std::clamp(std::max(drag_from_x_, drag_to_x_), plot.left(), plot.right());
        QColor fill = colors::rate;
        fill.setAlphaF(0.18);
        painter->setPen(Qt::NoPen);
        painter->setBrush(fill);
        painter->drawRect(QRectF(QPointF(x0, plot.top()), QPointF(x1, plot.bottom())));
    }
    if (hasFocus()) {  // keyboard focus: the plot is framed in the accent colour
        QPen pen(colors::rate, 1);
        pen.setCosmetic(true);
        painter->setPen(pen);
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(chart()->rect().adjusted(1.5, 1.5, -1.5, -1.5), 6, 6);
    }
}

void ChartView::drawForeground(QPainter* painter, const QRectF& rect) {
    QChartView::drawForeground(painter, rect);
    const QRectF plot = chart()->plotArea();
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, true);
    drawTimeAxis(painter, plot);
    drawStale(painter, plot);
    drawLines(painter, plot);
    drawMarkers(painter, plot);
    drawLegend(painter);
    drawInteraction(painter, plot);
    painter->restore();
}

void ChartView::setCrosshair(std::int64_t t_ms) {
    if (t_ms == crosshair_ms_) return;
    crosshair_ms_ = t_ms;
    viewport()->update();
}

std::int64_t ChartView::timeAtX(qreal widget_x) const {
    const QRectF plot = chart()->plotArea();
    if (to_ms_ <= from_ms_ || plot.width() <= 0) return to_ms_;
    const qreal sx = mapToScene(QPoint(static_cast<int>(widget_x), 0)).x();
    const qreal f = std::clamp((sx - plot.left()) / plot.width(), 0.0, 1.0);
    return from_ms_ + static_cast<std::int64_t>(std::llround(f * static_cast<double>(to_ms_ - from_ms_)));
}

QString ChartView::tooltipAt(const QPoint& pos) const {
    if (lines_.isEmpty()) return {};
    const QRectF plot = chart()->plotArea();
    const QPointF scenePos = mapToScene(pos);
    if (!plot.adjusted(-6, -6, 6, 6).contains(scenePos)) return {};
    // Event markers first: a group is hovered within kMarkerHitPx of any of its lines.
    for (const auto& g : markerGroups()) {
        const qreal x0 =
            timeToX(static_cast<double>(markers_[static_cast<std::size_t>(g.front())].time_ms), plot);
        const qreal x1 =
            timeToX(static_cast<double>(markers_[static_cast<std::size_t>(g.back())].time_ms), plot);
        if (scenePos.x() < std::min(x0, x1) - kMarkerHitPx || scenePos.x() > std::max(x0, x1) + kMarkerHitPx)
            continue;
        if (g.size() == 1) return EventsModel::describe(markers_[static_cast<std::size_t>(g.front())]);
        QString out = tr("<b>%1 events</b>").arg(g.size());
        constexpr std::size_t kShown = 5;
        for (std::size_t k = 0; k < g.size() && k < kShown; ++k)
            out += QStringLiteral("<hr>") + EventsModel::describe(markers_[static_cast<std::size_t>(g[k])]);
        if (g.size() > kShown)
            out += QStringLiteral("<hr>") + tr("… %1 more in the Events tab").arg(g.size() - kShown);
        return out;
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
        // Values with their unit, as on the axis: "12.3 ms", "42.5 req/s", "0.25 %".
        const QString v = scale_ != YScale::Auto ? QString::number(it->y(), 'f', 2) + QStringLiteral(" %")
                                                 : QString::number(it->y(), 'g', 5) + ' ' + unit_;
        out += QStringLiteral("<br><span style='color:%1'>&#9632;</span> %2: <b>%3</b>")
                   .arg(specs_[i].color.name(), specs_[i].label.toHtmlEscaped(), v.toHtmlEscaped());
    }
    if (out.isEmpty()) return {};
    return QDateTime::fromMSecsSinceEpoch(shown_t).toString(QStringLiteral("HH:mm:ss.zzz")) + out;
}

void ChartView::mousePressEvent(QMouseEvent* e) {
    const QPointF sp = mapToScene(e->position().toPoint());
    if (e->button() == Qt::LeftButton) {
        for (int i = 0; i < legend_rects_.size(); ++i)
            if (legend_rects_[i].contains(sp)) {
                setSeriesVisible(i, !on_.value(i));
                e->accept();
                return;
            }
        if (zoomable_ && chart()->plotArea().contains(sp)) {
            setFocus(Qt::MouseFocusReason);
            dragging_ = true;
            drag_pan_ = e->modifiers() & Qt::ShiftModifier;
            drag_from_x_ = drag_to_x_ = sp.x();
            e->accept();
            return;
        }
    }
    QChartView::mousePressEvent(e);
}

void ChartView::mouseMoveEvent(QMouseEvent* e) {
    QChartView::mouseMoveEvent(e);
    const QPoint pos = e->position().toPoint();
    const QPointF sp = mapToScene(pos);
    const QRectF plot = chart()->plotArea();
    if (dragging_) {
        drag_to_x_ = sp.x();
        viewport()->update();
    }
    if (plot.contains(sp) && to_ms_ > from_ms_) {
        const auto t = timeAtX(pos.x());
        setCrosshair(t);
        emit hovered(t);
    } else if (crosshair_ms_) {
        setCrosshair(0);
        emit hovered(0);
    }
    const QString tip = dragging_ ? QString() : tooltipAt(pos);
    if (tip.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(e->globalPosition().toPoint(), tip, this);
}

void ChartView::mouseReleaseEvent(QMouseEvent* e) {
    if (!dragging_ || e->button() != Qt::LeftButton) {
        QChartView::mouseReleaseEvent(e);
        return;
    }
    dragging_ = false;
    drag_to_x_ = mapToScene(e->position().toPoint()).x();
    viewport()->update();
    const QRectF plot = chart()->plotArea();
    const qreal dx = drag_to_x_ - drag_from_x_;
    if (std::abs(dx) < 5 || plot.width() <= 0 || to_ms_ <= from_ms_) return;  // a click, not a drag
    const double msPerPx = static_cast<double>(to_ms_ - from_ms_) / plot.width();
    if (drag_pan_) {
        emit panRequested(static_cast<qint64>(std::llround(-dx * msPerPx)));  // the data follows the mouse
        return;
    }
    const auto t = [&](qreal x) {
        const qreal f = std::clamp((x - plot.left()) / plot.width(), 0.0, 1.0);
        return from_ms_ + static_cast<std::int64_t>(std::llround(f * static_cast<double>(to_ms_ - from_ms_)));
    };
    emit rangeSelected(t(std::min(drag_from_x_, drag_to_x_)), t(std::max(drag_from_x_, drag_to_x_)));
}

void ChartView::mouseDoubleClickEvent(QMouseEvent* e) {
    if (zoomable_ && e->button() == Qt::LeftButton &&
        chart()->plotArea().contains(mapToScene(e->position().toPoint()))) {
        emit resetRequested();
        e->accept();
        return;
    }
    QChartView::mouseDoubleClickEvent(e);
}

bool ChartView::event(QEvent* e) {
    // The keys a focused chart handles win over window shortcuts with the same key (Esc also dismisses the
    // window's message banner, but on a chart it resets the zoom).
    if (zoomable_ && e->type() == QEvent::ShortcutOverride) {
        switch (static_cast<QKeyEvent*>(e)->key()) {
            case Qt::Key_Left:
            case Qt::Key_Right:
            case Qt::Key_Plus:
            case Qt::Key_Equal:
            case Qt::Key_Minus:
            case Qt::Key_Escape:
            case Qt::Key_0:
                if (static_cast<QKeyEvent*>(e)->modifiers() & ~(Qt::KeypadModifier | Qt::ShiftModifier))
                    break;
                e->accept();
                return true;
            default:
                break;
        }
    }
    return QChartView::event(e);
}

void ChartView::keyPressEvent(QKeyEvent* e) {
    if (!zoomable_) {
        QChartView::keyPressEvent(e);
        return;
    }
    const qint64 span = to_ms_ - from_ms_;
    switch (e->key()) {
        case Qt::Key_Left:
            emit panRequested(-span / 4);
            break;
        case Qt::Key_Right:
            emit panRequested(span / 4);
            break;
        case Qt::Key_Plus:
        case Qt::Key_Equal:
            emit zoomRequested(0.5, from_ms_ + span / 2);
            break;
        case Qt::Key_Minus:
            emit zoomRequested(2.0, from_ms_ + span / 2);
            break;
        case Qt::Key_Escape:
        case Qt::Key_0:
            emit resetRequested();
            break;
        default:
            QChartView::keyPressEvent(e);
            return;
    }
    e->accept();
}

void ChartView::leaveEvent(QEvent* e) {
    QToolTip::hideText();
    if (crosshair_ms_) {
        setCrosshair(0);
        emit hovered(0);
    }
    QChartView::leaveEvent(e);
}

void ChartView::focusInEvent(QFocusEvent* e) {
    QChartView::focusInEvent(e);
    viewport()->update();
}

void ChartView::focusOutEvent(QFocusEvent* e) {
    QChartView::focusOutEvent(e);
    viewport()->update();
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
    out << "# values in " << unit_
        << "; time_ms is unix milliseconds, time is UTC; an empty cell is no sample\n";
    out << "time_ms,time";
    std::map<std::int64_t, std::vector<QString>> rows;
    for (int i = 0; i < specs_.size(); ++i) {
        out << ',' << '"' << QString(specs_[i].label).replace('"', "\"\"") << '"';
        for (const auto& s : store.samples(agent, specs_[i].key, from_ms_, to_ms_)) {
            auto& row = rows[s.t_ms];
            row.resize(specs_.size());
            const double v = s[specs_[i].metric];
            // In the unit the header names: ratios in % like the axis.
            if (!std::isnan(v)) row[i] = QString::number(scale_ == YScale::Auto ? v : v * 100.0, 'g', 8);
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
