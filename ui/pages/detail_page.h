// Detail charts of one agent: request rate (with 429/5xx), latency p50/p95/p99 (plus the client-side latency
// of a running load test, and for a forwarding host the upstream p50/p99 with a figure line above the chart
// comparing total and upstream time), error ratio and cache hit ratio; for all routes or one route, with
// stable and canary overlaid in distinct styles. Time range, pause/resume and per-chart PNG/CSV export. Under
// the charts, the "top routes" table of the agent (RouteModel: rate, error ratio, p99, cache hit ratio and a
// rate sparkline per route and version, sorted by rate descending).
//
// The four charts move together: a range dragged on one zooms all of them (the view pauses on that range;
// "Reset zoom", Esc or a double-click returns to live), Shift+drag and Left/Right pan, + / - zoom, and one
// crosshair follows the mouse across all four. Their plot areas are aligned (the y axes get the same width).
// "Log scale" switches rate and latency to a log axis; "Markers" filters the event markers by kind.
//
// While the agent is not live, a "Stale · last seen N s ago · <reason>" label shows in the top bar and every
// chart greys its lines and shades the span since the last data (ChartView::setStale).
//
// Threading: GUI thread only. Refreshes on Dashboard::ticked() while visible and not paused.
#pragma once

#include <QWidget>
#include <array>

#include "ui/pages/page.h"
#include "ui/widgets/chart_view.h"

class QComboBox;
class QPushButton;
class QLabel;
class QTableView;

namespace redline::ui {

class Dashboard;
class FleetSortProxy;
class RouteModel;

class DetailPage : public Page {
    Q_OBJECT
  public:
    explicit DetailPage(Dashboard* dashboard, QWidget* parent = nullptr);

    void setAgent(const QString& id) override;
    QString agent() const { return agent_; }
    /// Empty = all routes (the agent's total).
    void setRoute(const QString& routeId);
    QString route() const { return route_; }
    void setRangeSeconds(int s);
    int rangeSeconds() const { return range_s_; }
    void setPaused(bool paused);
    /// Pauses with `time_ms` in the middle of the range (the Events tab's double-click); Resume returns to
    /// live.
    void showTime(std::int64_t time_ms);
    /// The right edge of the range shown (now while live).
    std::int64_t rangeEndMs() const;
    bool paused() const { return paused_; }
    void setDark(bool dark);
    /// Shows [from_ms, to_ms] on every chart, paused (a drag on a chart does this). from >= to: ignored.
    void zoomTo(std::int64_t from_ms, std::int64_t to_ms);
    /// Moves the visible range by delta_ms (pausing a live view), never past now.
    void pan(std::int64_t delta_ms);
    /// Scales the visible span by factor around center_ms (min 10 s, max the history).
    void zoomBy(double factor, std::int64_t center_ms);
    /// Back to the live view of the selected range.
    void resetZoom();
    bool zoomed() const { return zoom_to_ms_ > 0; }
    /// The range the charts show: [first, second] in ms since the epoch.
    std::pair<std::int64_t, std::int64_t> viewRange() const;
    void setLogScale(bool on);
    bool logScale() const;
    void setHiddenMarkerCategories(const QSet<QString>& hidden);

    enum ChartIndex { RateChart, LatencyChart, ErrorChart, CacheChart, ChartCount };
    ChartView* chart(int i) const { return charts_[i]; }
    /// Refreshes every chart now (also when hidden: tests and exports call it).
    void refreshNow();

    static const QList<int>& rangeChoices();  // seconds: 60, 300, 900, 3600
    /// The "top routes" table under the charts (RouteModel, sorted by rate descending by default; rows
    /// re-sorted at most every kRouteResortMs so they do not jump every tick). Enter or a double-click on a
    /// row shows that route on the charts.
    QTableView* routeTable() const { return route_table_; }
    RouteModel* routeModel() const { return routes_; }
    static constexpr int kRouteResortMs = 5000;
    /// The line above the latency chart for a forwarding host: total vs upstream p99 and mean of the newest
    /// snapshot window (hidden for hosts without upstream figures).
    QLabel* upstreamFigure() const { return upstream_figure_; }
    /// Its text for one series (public for tests): both p99s side by side (quantiles do not subtract), and
    /// the mean difference only when every request of the window reached an upstream.
    static QString upstreamFigureText(const SeriesSnapshot& s, int window_s);

  signals:
    void pausedChanged(bool paused);
    void rangeChanged(int seconds);

  private:
    void rebuildSeries();
    void refreshRoutes();
    void onTick();
    void exportChart(ChartView* c, bool csv);
    void updateFreshness();
    void alignPlots();
    void updateZoomLabel();
    void buildRouteTable();
    void refreshRouteTable();
    void updateUpstreamFigure();

    Dashboard* d_;
    QString agent_;
    QString route_;
    int range_s_ = 300;
    bool paused_ = false;
    std::int64_t frozen_to_ms_ = 0;
    std::int64_t zoom_from_ms_ = 0, zoom_to_ms_ = 0;  // zoom_to_ms_ > 0: a fixed range (paused)
    bool align_pending_ = false;
    bool client_series_ = false;
    bool upstream_series_ = false;  // the agent forwards (its snapshots carry upstream figures)
    QLabel* upstream_figure_ = nullptr;
    std::array<ChartView*, ChartCount> charts_{};
    QComboBox* route_box_ = nullptr;
    QComboBox* range_box_ = nullptr;
    QPushButton* pause_btn_ = nullptr;
    QPushButton* reset_zoom_ = nullptr;
    QPushButton* log_btn_ = nullptr;
    QPushButton* markers_btn_ = nullptr;
    QLabel* dropped_ = nullptr;
    QLabel* stale_ = nullptr;
    RouteModel* routes_ = nullptr;
    FleetSortProxy* route_proxy_ = nullptr;
    QTableView* route_table_ = nullptr;
    QWidget* route_host_ = nullptr;
    std::int64_t route_sorted_ms_ = 0;
    bool route_sort_due_ = false;
};

}  // namespace redline::ui
