// One live chart: several series read from the SeriesStore, refreshed in bulk with decimation to the plot's
// pixel width, event markers of its agent, a hover tooltip (exact values and time, or who/what/before/after
// over a marker), a legend whose entries toggle series, and PNG / CSV export.
//
// Qt Charts provides the frame: title, the y axis and its grid. The time axis, the lines, the legend and the
// markers are drawn here, in drawForeground(): Qt Charts rebuilds every axis label as a rich-text document
// whenever an axis range moves, and strokes a hit-test outline of every line series on every update. With a
// live time axis that moves every tick, those two costs were most of the GUI thread's time
// (docs/benchmarks.md, "Dashboard"). The x axis Qt Charts knows has a fixed range and no labels. Time labels
// sit at round clock times (every 10 s, 1 min, 5 min, ... depending on the range and width) and scroll with
// the data, as in Grafana. The legend is ours too: it wraps onto as many rows as it needs (never cut off) and
// its swatch is a short line in the series' colour and style (stable solid, canary dashed).
//
// Y axis: follows the visible data (the top is recomputed from the points in [from, to] of the visible series
// on every refresh, rounded to 1/2/2.5/5 x 10^k); Auto charts (rate, latency) can switch to a log scale.
//
// Interaction, as in Grafana: drag across the plot to select a time range (rangeSelected), Shift+drag or the
// Left/Right keys to pan (panRequested), + / - to zoom in and out (zoomRequested), double-click or Esc to
// reset (resetRequested). The page owning several charts applies these to all of them, and relays hovered()
// into setCrosshair() so one vertical line follows the mouse across every chart.
//
// Markers: one dashed line per event; markers closer than kMarkerHitPx are drawn as one group with a count,
// and the tooltip over a group lists its events. setHiddenMarkerCategories() filters them by kind.
//
// Gaps: a point with y = NaN (SeriesStore's break between runs) ends a line; the next run starts a new one,
// and a lone sample between two gaps is drawn as a dot. Stale: setStale() greys the lines and shades the
// span since the last data as "no data", so a dead agent's last figures never look live.
//
// Threading: GUI thread only.
#pragma once

#include <QChartView>
#include <QColor>
#include <QLineSeries>
#include <QList>
#include <QPixmap>
#include <QSet>
#include <QString>
#include <vector>

#include "core/event.h"
#include "ui/session/series_store.h"

class QValueAxis;
class QLogValueAxis;

namespace redline::ui {

struct SeriesSpec {
    QString key;  // store series key
    Metric metric = Metric::Rate;
    QString label;
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
    // 1 px cosmetic lines take the raster engine's line drawer; wider pens are stroked into polygons, and the
    // min/max zig-zag of a decimated hour made that 14x slower (docs/benchmarks.md, "Dashboard").
    qreal width = 1.0;
};

class ChartView : public QChartView {
    Q_OBJECT
  public:
    /// Auto: values as they are, the top follows the data. Percent: ratios shown x100 in %, the top follows
    /// the data (error ratio). FullPercent: ratios shown x100 on a fixed 0-100 % axis (cache hit ratio).
    enum class YScale { Auto, Percent, FullPercent };
    /// Markers closer than this (px) are drawn and hovered as one group; also the hover distance.
    static constexpr qreal kMarkerHitPx = 8;

    explicit ChartView(const QString& title, const QString& yTitle, YScale scale = YScale::Auto,
                       QWidget* parent = nullptr);

    /// Replaces the set of series (structure change; cheap enough to call when the route changes).
    void setSeries(const QList<SeriesSpec>& specs);
    const QList<SeriesSpec>& specs() const { return specs_; }
    /// Bulk refresh from the store for [from_ms, to_ms]; one replace() per series.
    void refresh(const SeriesStore& store, const QString& agent, std::int64_t from_ms, std::int64_t to_ms);
    /// Makes the next refresh() redraw even if the window moved by less than a pixel.
    void invalidate() { refreshed_span_ms_ = -1; }
    /// Theme colours for axes, grid and background.
    void applyTheme(bool dark);
    /// The source is not live: lines greyed, [since_ms, now] shaded and labelled `text` ("last seen ...").
    /// since_ms = 0: live again.
    void setStale(std::int64_t since_ms, const QString& text);
    bool isStale() const { return stale_since_ms_ > 0; }
    QString staleText() const { return stale_text_; }

    int seriesCount() const { return static_cast<int>(lines_.size()); }
    /// Points of series i as drawn (decimated): x = time in ms since the epoch, y = value in axis units;
    /// y = NaN is a break (a gap or an absent value) between two runs.
    const QList<QPointF>& points(int i) const { return points_.at(i); }
    bool seriesVisible(int i) const { return on_.value(i, false); }
    /// What a click on the series' legend entry does.
    void setSeriesVisible(int i, bool on);
    /// Scene position of a (time ms, value) point.
    QPointF valueToScene(const QPointF& v) const;
    /// Round clock times the time axis labels this width at (visible range), and their spacing in ms.
    std::vector<std::int64_t> timeTicks(std::int64_t* step_ms = nullptr) const;
    int markerCount() const { return static_cast<int>(markers_.size()); }
    const std::vector<Event>& markers() const { return markers_; }

    /// What the chart shows, for exports: "demo sample server · GET /v1/products · stable and canary".
    void setContext(const QString& context) { context_ = context; }
    QString context() const { return context_; }
    /// "<title> — <context> — <from> to <to> UTC", the first line of every export.
    QString exportTitle() const;
    /// The chart with exportTitle() in a band above it.
    bool exportPng(const QString& path);
    /// Writes time_ms,iso_time,<label>... for the visible range, one row per sample time.
    bool exportCsv(const QString& path, const SeriesStore& store, const QString& agent) const;
    /// Text the tooltip would show at a widget position (empty when nothing is near); public for tests.
    QString tooltipAt(const QPoint& pos) const;

    static QColor markerColor(const std::string& kind);
    /// The filter category of an event kind: "limits", "canary", "loadtest", "threshold", "annotation",
    /// "other".
    static QString markerCategory(const std::string& kind);
    /// Marker categories not drawn (see markerCategory).
    void setHiddenMarkerCategories(const QSet<QString>& hidden);
    QSet<QString> hiddenMarkerCategories() const { return hidden_markers_; }
    /// Groups of visible markers as drawn: indexes into markers(), each group within kMarkerHitPx.
    std::vector<std::vector<int>> markerGroups() const;

    /// Log scale for Auto charts (ignored for percent charts); values <= 0 sit on the axis floor.
    void setLogScale(bool on);
    bool logScale() const { return log_; }
    bool canLogScale() const { return scale_ == YScale::Auto; }
    /// Current y axis range in axis units.
    double yMin() const { return y_bottom_; }
    double yMax() const { return y_top_; }
    std::int64_t fromMs() const { return from_ms_; }
    std::int64_t toMs() const { return to_ms_; }

    /// Off: no drag selection, pan or zoom keys (a chart whose range its owner does not let the user move).
    void setZoomable(bool on) {
        zoomable_ = on;
        setFocusPolicy(on ? Qt::StrongFocus : Qt::NoFocus);  // no keys to take
    }
    bool zoomable() const { return zoomable_; }
    /// A vertical line at this time (0 = none), drawn while the mouse is over any chart of the page.
    void setCrosshair(std::int64_t t_ms);
    std::int64_t crosshair() const { return crosshair_ms_; }
    /// Time at a widget x position (clamped to the visible range).
    std::int64_t timeAtX(qreal widget_x) const;
    /// Widget rectangle of legend entry i (for tests and clicks); empty when not laid out.
    QRect legendEntryRect(int i) const;
    /// Left edge of the plot area minus the left margin: the y axis' width, to align several charts.
    qreal axisWidth() const;
    void setLeftPadding(qreal px);

  signals:
    /// The mouse is over the plot at this time; 0 when it left.
    void hovered(qint64 t_ms);
    /// A range dragged across the plot.
    void rangeSelected(qint64 from_ms, qint64 to_ms);
    /// Move the visible range by this many ms (negative: earlier).
    void panRequested(qint64 delta_ms);
    /// Scale the visible span by factor around t_ms (0.5 = zoom in).
    void zoomRequested(double factor, qint64 center_ms);
    void resetRequested();

  protected:
    void drawForeground(QPainter* painter, const QRectF& rect) override;
    void mousePressEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void mouseDoubleClickEvent(QMouseEvent* e) override;
    bool event(QEvent* e) override;
    void keyPressEvent(QKeyEvent* e) override;
    void leaveEvent(QEvent* e) override;
    void resizeEvent(QResizeEvent* e) override;
    void focusInEvent(QFocusEvent* e) override;
    void focusOutEvent(QFocusEvent* e) override;

  private:
    void layoutLegend();                         // legend_rects_ and the bottom margin that holds them
    void drawLegend(QPainter* painter);          // blits legend_cache_, repainted when dirty
    void paintLegendEntries(QPainter* painter);  // swatches and labels at legend_rects_
    void drawMarkers(QPainter* painter, const QRectF& plot);
    void drawInteraction(QPainter* painter, const QRectF& plot);  // crosshair, drag band, focus
    void updateYAxis(double ymin_pos, double ymax);
    void applyMargins();
    qreal timeToX(double t_ms, const QRectF& plot) const;
    QPointF toScene(const QPointF& v, const QRectF& plot) const;  // (time ms, value) -> scene, one mapping
    std::int64_t localOffsetMs() const;                           // local time zone offset at to_ms_
    void drawTimeAxis(QPainter* painter, const QRectF& plot);
    void drawLines(QPainter* painter, const QRectF& plot);
    void drawStale(QPainter* painter, const QRectF& plot);

    QList<SeriesSpec> specs_;
    QList<QLineSeries*> lines_;  // empty and legend-less: they keep Qt Charts' axes laid out
    QList<QList<QPointF>> points_;
    QList<bool> on_;
    QValueAxis* x_ =
        nullptr;  // fixed [0, 1], no labels: keeps Qt Charts' layout; the time axis is drawn here
    QValueAxis* y_ = nullptr;
    QLogValueAxis* ylog_ = nullptr;  // in the chart instead of y_ while log_
    bool log_ = false;
    double y_top_ = 1.0, y_bottom_ = 0.0;
    YScale scale_;
    QString unit_;     // the y axis title ("req/s", "ms", "%")
    QString context_;  // see setContext
    std::vector<Event> markers_;
    std::int64_t from_ms_ = 0, to_ms_ = 0;
    // Last full refresh, to skip ticks that cannot move anything by a pixel (see refresh()).
    QString refreshed_agent_;
    std::int64_t refreshed_to_ms_ = 0, refreshed_span_ms_ = -1;
    std::size_t refreshed_events_ = 0;
    int refreshed_width_ = 0;
    bool dark_ = true;
    QColor fg_, grid_;
    std::int64_t stale_since_ms_ = 0;
    QString stale_text_;
    QSet<QString> hidden_markers_;
    QList<QRectF> legend_rects_;  // scene coordinates, one per series
    QPixmap legend_cache_;
    QRectF legend_cache_rect_;
    bool legend_dirty_ = true;
    qreal legend_height_ = 0, left_padding_ = 0;
    std::int64_t crosshair_ms_ = 0;
    bool dragging_ = false, drag_pan_ = false, zoomable_ = true;
    qreal drag_from_x_ = 0, drag_to_x_ = 0;  // scene x
};

}  // namespace redline::ui
