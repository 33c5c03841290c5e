#include "ui/pages/detail_page.h"

#include <QComboBox>
#include <QDateTime>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QRegularExpression>
#include <QSplitter>
#include <QStandardPaths>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "ui/models/figure_text.h"
#include "ui/models/fleet_model.h"
#include "ui/models/fleet_sort_proxy.h"
#include "ui/models/route_model.h"
#include "ui/session/dashboard.h"
#include "ui/widgets/sparkline_delegate.h"
#include "ui/widgets/theme.h"

namespace redline::ui {

namespace {
const QColor kRate = colors::rate, k429 = colors::rate429, k5xx = colors::rate5xx;
const QColor kP50 = colors::p50, kP95 = colors::p95, kP99 = colors::p99;
const QColor kClient = colors::client, kCanary = colors::canary, kUpstream = colors::upstream;
}  // namespace

const QList<int>& DetailPage::rangeChoices() {
    static const QList<int> r{60, 300, 900, 3600};
    return r;
}

DetailPage::DetailPage(Dashboard* dashboard, QWidget* parent) : Page(parent), d_(dashboard) {
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Route:")));
    route_box_ = new QComboBox;
    route_box_->setMinimumContentsLength(16);
    route_box_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    top->addWidget(route_box_);
    top->addSpacing(12);
    top->addWidget(new QLabel(tr("Range:")));
    range_box_ = new QComboBox;
    for (int s : rangeChoices())
        range_box_->addItem(s >= 3600 ? tr("%1 h").arg(s / 3600) : tr("%1 min").arg(s / 60), s);
    range_box_->setCurrentIndex(1);
    top->addWidget(range_box_);
    pause_btn_ = new QPushButton(tr("Pause"));
    pause_btn_->setCheckable(true);
    pause_btn_->setToolTip(tr("Pause or resume the live view (P)"));
    top->addWidget(pause_btn_);
    reset_zoom_ = new QPushButton(tr("Reset zoom"));
    reset_zoom_->setToolTip(tr("Back to the live view (Esc on a chart, or double-click it)"));
    reset_zoom_->hide();
    top->addWidget(reset_zoom_);
    top->addSpacing(6);
    log_btn_ = new QPushButton(tr("Log scale"));
    log_btn_->setCheckable(true);
    log_btn_->setToolTip(tr("Logarithmic y axis for request rate and latency"));
    top->addWidget(log_btn_);
    markers_btn_ = new QPushButton(tr("Markers"));
    markers_btn_->setToolTip(tr("Which event markers the charts show"));
    auto* markersMenu = new QMenu(markers_btn_);
    const std::pair<const char*, QString> kinds[] = {
        {"limits", tr("Rate limits")},  {"canary", tr("Canary")},        {"rollout", tr("Rollouts")},
        {"loadtest", tr("Load tests")}, {"threshold", tr("Thresholds")}, {"annotation", tr("Annotations")},
        {"other", tr("Other")}};
    for (const auto& [key, label] : kinds) {
        QAction* a = markersMenu->addAction(label);
        a->setCheckable(true);
        a->setChecked(true);
        a->setData(QString::fromLatin1(key));
        connect(a, &QAction::toggled, this, [this, markersMenu] {
            QSet<QString> hidden;
            for (QAction* x : markersMenu->actions())
                if (!x->isChecked()) hidden.insert(x->data().toString());
            setHiddenMarkerCategories(hidden);
        });
    }
    markers_btn_->setMenu(markersMenu);
    top->addWidget(markers_btn_);
    top->addSpacing(6);
    stale_ = new QLabel;
    stale_->setObjectName("staleLabel");
    // A reason can be a long transport error: the label takes the free width and elides (full text in
    // the tooltip) rather than widening the window.
    stale_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    stale_->hide();
    top->addWidget(stale_, 1);
    dropped_ = new QLabel;
    dropped_->setObjectName("mutedLabel");
    top->addWidget(dropped_);

    charts_[RateChart] = new ChartView(tr("Request rate"), tr("req/s"));
    charts_[LatencyChart] = new ChartView(tr("Latency"), tr("ms"));
    charts_[ErrorChart] = new ChartView(tr("Error ratio (5xx)"), tr("%"), ChartView::YScale::Percent);
    charts_[CacheChart] = new ChartView(tr("Cache hit ratio"), tr("%"), ChartView::YScale::FullPercent);
    auto* grid = new QGridLayout;
    grid->setSpacing(6);
    upstream_figure_ = new QLabel;
    upstream_figure_->setObjectName("upstreamFigure");
    upstream_figure_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);  // elided, never widens
    upstream_figure_->setProperty(
        "explanation",
        tr("Total time is the proxy's whole answer; upstream time runs from the first request byte sent "
           "upstream to the last response byte (summed over retries).\nQuantiles do not subtract: the p99 "
           "request of the total is not the p99 request upstream, so both p99s are shown side by side.\nThe "
           "means do subtract, when every request of the window reached an upstream: their difference is "
           "the time the proxy added per request (mean total − mean upstream)."));
    upstream_figure_->hide();
    // The figure line sits in a row of its own above the latency chart, so the four charts keep the same
    // height and their plot areas stay aligned; hidden (non-forwarding hosts), the row takes no space.
    grid->addWidget(upstream_figure_, 0, LatencyChart % 2);
    for (int i = 0; i < ChartCount; ++i) {
        grid->addWidget(charts_[i], 1 + i / 2, i % 2);
        charts_[i]->setContextMenuPolicy(Qt::CustomContextMenu);
        connect(charts_[i], &QWidget::customContextMenuRequested, this, [this, i](const QPoint& p) {
            QMenu m;
            m.addAction(tr("Export chart as PNG…"), this, [this, i] { exportChart(charts_[i], false); });
            m.addAction(tr("Export series as CSV…"), this, [this, i] { exportChart(charts_[i], true); });
            m.exec(charts_[i]->mapToGlobal(p));
        });
        ChartView* c = charts_[i];
        connect(c, &ChartView::hovered, this, [this](qint64 t) {
            for (auto* other : charts_)
                other->setCrosshair(t);
        });
        connect(c, &ChartView::rangeSelected, this, [this](qint64 a, qint64 b) { zoomTo(a, b); });
        connect(c, &ChartView::panRequested, this, [this](qint64 d) { pan(d); });
        connect(c, &ChartView::zoomRequested, this, [this](double f, qint64 t) { zoomBy(f, t); });
        connect(c, &ChartView::resetRequested, this, &DetailPage::resetZoom);
        // Plot areas move when an axis' labels get wider: re-align once the layout settled.
        connect(c->chart(), &QChart::plotAreaChanged, this, [this] {
            if (align_pending_) return;
            align_pending_ = true;
            QTimer::singleShot(0, this, &DetailPage::alignPlots);
        });
    }
    auto* chartsHost = new QWidget;
    chartsHost->setLayout(grid);
    grid->setContentsMargins(0, 0, 0, 0);
    buildRouteTable();
    auto* split = new QSplitter(Qt::Vertical);
    split->setObjectName("chartsRoutesSplitter");
    split->setChildrenCollapsible(false);
    split->addWidget(chartsHost);
    split->addWidget(route_host_);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 1);
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(6, 6, 6, 6);
    lay->addLayout(top);
    lay->addWidget(split, 1);

    connect(route_box_, &QComboBox::activated, this,
            [this](int i) { setRoute(route_box_->itemData(i).toString()); });
    connect(range_box_, &QComboBox::activated, this,
            [this](int i) { setRangeSeconds(range_box_->itemData(i).toInt()); });
    connect(pause_btn_, &QPushButton::toggled, this, &DetailPage::setPaused);
    connect(reset_zoom_, &QPushButton::clicked, this, &DetailPage::resetZoom);
    connect(log_btn_, &QPushButton::toggled, this, &DetailPage::setLogScale);
    connect(d_, &Dashboard::ticked, this, &DetailPage::onTick);
    rebuildSeries();
}

void DetailPage::buildRouteTable() {
    routes_ = new RouteModel(d_, this);
    route_proxy_ = new FleetSortProxy(this);
    route_proxy_->setGrouped(false);
    route_proxy_->setTieColumn(RouteModel::RouteCol);
    route_proxy_->setSourceModel(routes_);
    route_table_ = new QTableView;
    route_table_->setObjectName("routeTable");
    route_table_->setModel(route_proxy_);
    route_table_->setItemDelegateForColumn(RouteModel::TrendCol,
                                           new SparklineDelegate(FleetModel::SparkRole, route_table_));
    route_table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    route_table_->setSelectionMode(QAbstractItemView::SingleSelection);
    route_table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    route_table_->setTabKeyNavigation(false);
    route_table_->setShowGrid(false);
    route_table_->setAlternatingRowColors(true);
    route_table_->setWordWrap(false);
    route_table_->verticalHeader()->hide();
    const QFontMetrics fm(route_table_->font());
    route_table_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    route_table_->verticalHeader()->setDefaultSectionSize(fm.height() + 8);
    QHeaderView* h = route_table_->horizontalHeader();
    h->setSectionResizeMode(QHeaderView::Interactive);
    h->setSectionResizeMode(RouteModel::RouteCol, QHeaderView::Stretch);
    auto width = [&](const QString& sample) { return fm.horizontalAdvance(sample) + 28; };
    h->resizeSection(RouteModel::VersionCol, width(QStringLiteral("Version  ")));
    h->resizeSection(RouteModel::RateCol, width(QStringLiteral("Rate /s  99999")));
    h->resizeSection(RouteModel::ErrorCol, width(QStringLiteral("100.0 %  ")));
    h->resizeSection(RouteModel::P99Col, width(QStringLiteral("999.9 ms  ")));
    h->resizeSection(RouteModel::HitCol, width(QStringLiteral("Cache hit  ")));
    h->resizeSection(RouteModel::TrendCol, std::max(120, width(QStringLiteral("Rate, last 5 min"))));
    route_table_->setSortingEnabled(true);
    route_table_->sortByColumn(RouteModel::RateCol, Qt::DescendingOrder);  // top routes first
    route_table_->setToolTip(tr("Double-click or Enter: show this route on the charts"));
    connect(route_table_, &QAbstractItemView::activated, this, [this](const QModelIndex& i) {
        const QString key = i.data(FleetModel::IdRole).toString();
        setRoute(key.section(QLatin1Char('|'), 0, 0));
    });
    auto due = [this] { route_sort_due_ = true; };
    connect(routes_, &QAbstractItemModel::rowsInserted, this, due);
    connect(routes_, &QAbstractItemModel::modelReset, this, due);
    auto* title =
        new QLabel(tr("Top routes (newest snapshot; re-sorted every %1 s)").arg(kRouteResortMs / 1000));
    title->setObjectName("mutedLabel");
    route_host_ = new QWidget;
    auto* lay = new QVBoxLayout(route_host_);
    lay->setContentsMargins(0, 4, 0, 0);
    lay->setSpacing(2);
    lay->addWidget(title);
    lay->addWidget(route_table_, 1);
    // The table takes a third of the height the charts leave (the splitter moves) but adds nothing to the
    // page's minimum height, so the window's minimum size stays what it was without it.
    route_host_->setMinimumHeight(1);
}

void DetailPage::refreshRouteTable() {
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    routes_->setDark(palette().color(QPalette::Window).lightness() < 128);
    routes_->refresh(now);
    if (route_sort_due_ || now - route_sorted_ms_ >= kRouteResortMs) {
        route_sort_due_ = false;
        route_sorted_ms_ = now;
        route_proxy_->resort();
    }
}

void DetailPage::setAgent(const QString& id) {
    if (id == agent_) return;
    agent_ = id;
    routes_->setAgent(id);
    route_.clear();
    refreshRoutes();
    rebuildSeries();
    refreshNow();
}

void DetailPage::setRoute(const QString& routeId) {
    if (routeId == route_) return;
    route_ = routeId;
    const int i = route_box_->findData(routeId);
    if (i >= 0) route_box_->setCurrentIndex(i);
    rebuildSeries();
    refreshNow();
}

void DetailPage::setRangeSeconds(int s) {
    if (s <= 0 || (s == range_s_ && !zoomed())) return;
    if (zoomed()) {  // picking a range leaves the zoom; a paused view stays paused at the zoom's end
        frozen_to_ms_ = zoom_to_ms_;
        zoom_from_ms_ = zoom_to_ms_ = 0;
        updateZoomLabel();
    }
    range_s_ = s;
    const int i = range_box_->findData(s);
    if (i >= 0) range_box_->setCurrentIndex(i);
    emit rangeChanged(s);
    refreshNow();
}

void DetailPage::showTime(std::int64_t time_ms) {
    zoom_from_ms_ = zoom_to_ms_ = 0;
    updateZoomLabel();
    setPaused(true);
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    frozen_to_ms_ = std::min(now, time_ms + static_cast<std::int64_t>(range_s_) * 500);
    for (auto* c : charts_)
        c->invalidate();
    refreshNow();
}

std::int64_t DetailPage::rangeEndMs() const {
    return viewRange().second;
}

std::pair<std::int64_t, std::int64_t> DetailPage::viewRange() const {
    if (zoomed()) return {zoom_from_ms_, zoom_to_ms_};
    const std::int64_t to = paused_ ? frozen_to_ms_ : QDateTime::currentMSecsSinceEpoch();
    return {to - static_cast<std::int64_t>(range_s_) * 1000, to};
}

namespace {
constexpr std::int64_t kMinZoomMs = 10'000;  // ten 1 s samples
}

void DetailPage::zoomTo(std::int64_t from_ms, std::int64_t to_ms) {
    if (to_ms <= from_ms) return;
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    if (to_ms - from_ms < kMinZoomMs) {  // widen a tiny selection around its middle
        const std::int64_t mid = (from_ms + to_ms) / 2;
        from_ms = mid - kMinZoomMs / 2;
        to_ms = mid + kMinZoomMs / 2;
    }
    if (to_ms > now) {  // never into the future: keep the span, end now
        from_ms -= to_ms - now;
        to_ms = now;
    }
    zoom_from_ms_ = from_ms;
    zoom_to_ms_ = to_ms;
    if (!paused_) {
        paused_ = true;
        frozen_to_ms_ = to_ms;
        pause_btn_->setChecked(true);
        pause_btn_->setText(tr("Resume"));
        emit pausedChanged(true);
    }
    updateZoomLabel();
    for (auto* c : charts_)
        c->invalidate();
    refreshNow();
}

void DetailPage::pan(std::int64_t delta_ms) {
    const auto [from, to] = viewRange();
    zoomTo(from + delta_ms, to + delta_ms);
}

void DetailPage::zoomBy(double factor, std::int64_t center_ms) {
    const auto [from, to] = viewRange();
    const double span = std::clamp(static_cast<double>(to - from) * factor, double(kMinZoomMs),
                                   double(rangeChoices().back()) * 1000.0);
    const double f = to > from ? static_cast<double>(center_ms - from) / static_cast<double>(to - from) : 0.5;
    const auto a = center_ms - static_cast<std::int64_t>(span * f);
    zoomTo(a, a + static_cast<std::int64_t>(span));
}

void DetailPage::resetZoom() {
    const bool was = zoomed();
    zoom_from_ms_ = zoom_to_ms_ = 0;
    updateZoomLabel();
    if (paused_)
        setPaused(false);
    else if (was)
        refreshNow();
}

void DetailPage::updateZoomLabel() {
    reset_zoom_->setVisible(zoomed());
    if (!zoomed()) return;
    const auto t = [](std::int64_t ms) {
        return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("HH:mm:ss"));
    };
    reset_zoom_->setToolTip(tr("Showing %1 to %2. Back to the live view (Esc on a chart, or double-click it)")
                                .arg(t(zoom_from_ms_), t(zoom_to_ms_)));
}

void DetailPage::setLogScale(bool on) {
    for (auto* c : charts_)
        c->setLogScale(on);
    if (log_btn_->isChecked() != on) log_btn_->setChecked(on);
    refreshNow();
}

bool DetailPage::logScale() const {
    return charts_[RateChart]->logScale();
}

void DetailPage::setHiddenMarkerCategories(const QSet<QString>& hidden) {
    for (auto* c : charts_)
        c->setHiddenMarkerCategories(hidden);
    refreshNow();
}

void DetailPage::alignPlots() {
    align_pending_ = false;
    // The y axes' widths differ with their labels ("0.25 %" vs "1500"); pad each chart's left margin so all
    // plot areas start at the same x, and the crosshair and markers line up across charts.
    qreal widest = 0;
    for (auto* c : charts_)
        widest = std::max(widest, c->axisWidth());
    for (auto* c : charts_)
        c->setLeftPadding(widest - c->axisWidth());
}

void DetailPage::setPaused(bool paused) {
    if (paused == paused_) return;
    if (!paused && zoomed()) {  // Resume leaves the zoom
        zoom_from_ms_ = zoom_to_ms_ = 0;
        updateZoomLabel();
    }
    paused_ = paused;
    if (paused) frozen_to_ms_ = QDateTime::currentMSecsSinceEpoch();
    pause_btn_->setChecked(paused);
    pause_btn_->setText(paused ? tr("Resume") : tr("Pause"));
    emit pausedChanged(paused);
    refreshNow();
}

void DetailPage::setDark(bool dark) {
    for (auto* c : charts_)
        c->applyTheme(dark);
}

void DetailPage::refreshRoutes() {
    const QStringList routes = d_->store().routes(agent_);
    if (route_box_->count() == routes.size() + 1) return;
    route_box_->clear();
    route_box_->addItem(tr("All routes"), QString());
    for (const auto& r : routes)
        route_box_->addItem(r, r);
    const int i = route_box_->findData(route_);
    route_box_->setCurrentIndex(i < 0 ? 0 : i);
}

void DetailPage::rebuildSeries() {
    // What every export of these charts is about.
    const QString context = QStringLiteral("%1 · %2 · %3")
                                .arg(d_->agentName(agent_), route_.isEmpty() ? tr("all routes") : route_,
                                     route_.isEmpty() ? tr("all versions") : tr("stable and canary"));
    for (auto* c : charts_)
        c->setContext(context);
    auto spec = [](const QString& key, Metric m, const QString& label, QColor c,
                   Qt::PenStyle st = Qt::SolidLine,
                   qreal w = 1.0) { return SeriesSpec{key, m, label, c, st, w}; };
    QList<SeriesSpec> rate, lat, err, hit;
    if (route_.isEmpty()) {
        const QString k = kTotalSeries;
        rate = {spec(k, Metric::Rate, tr("requests"), kRate), spec(k, Metric::Rate429, tr("429"), k429),
                spec(k, Metric::Rate5xx, tr("5xx"), k5xx)};
        lat = {spec(k, Metric::P50, tr("p50"), kP50), spec(k, Metric::P95, tr("p95"), kP95),
               spec(k, Metric::P99, tr("p99"), kP99)};
        err = {spec(k, Metric::ErrorRatio, tr("all versions"), k5xx)};
        hit = {spec(k, Metric::CacheHitRatio, tr("all versions"), kP50)};
    } else {
        const QString s = seriesKey(route_, "stable"), c = seriesKey(route_, "canary");
        rate = {spec(s, Metric::Rate, tr("stable"), kRate),
                spec(c, Metric::Rate, tr("canary"), kCanary, Qt::DashLine),
                spec(s, Metric::Rate429, tr("429 stable"), k429),
                spec(c, Metric::Rate429, tr("429 canary"), k429, Qt::DashLine),
                spec(s, Metric::Rate5xx, tr("5xx stable"), k5xx),
                spec(c, Metric::Rate5xx, tr("5xx canary"), k5xx, Qt::DashLine)};
        lat = {spec(s, Metric::P50, tr("p50 stable"), kP50),
               spec(s, Metric::P95, tr("p95 stable"), kP95),
               spec(s, Metric::P99, tr("p99 stable"), kP99),
               spec(c, Metric::P50, tr("p50 canary"), kP50, Qt::DashLine),
               spec(c, Metric::P95, tr("p95 canary"), kP95, Qt::DashLine),
               spec(c, Metric::P99, tr("p99 canary"), kP99, Qt::DashLine)};
        err = {spec(s, Metric::ErrorRatio, tr("stable"), k5xx),
               spec(c, Metric::ErrorRatio, tr("canary"), kCanary, Qt::DashLine)};
        hit = {spec(s, Metric::CacheHitRatio, tr("stable"), kP50),
               spec(c, Metric::CacheHitRatio, tr("canary"), kCanary, Qt::DashLine)};
    }
    upstream_series_ = d_->store().hasUpstream(agent_);
    if (upstream_series_) {
        // A forwarding host: its upstream time in its own colour next to the total (docs/dashboard.md).
        if (route_.isEmpty()) {
            // Dotted styles: where the proxy adds almost nothing an upstream line lies on its total line,
            // and the total shows through the gaps.
            lat.append(
                spec(kTotalSeries, Metric::UpstreamP50, tr("upstream p50"), kUpstream, Qt::DashDotLine));
            lat.append(spec(kTotalSeries, Metric::UpstreamP99, tr("upstream p99"), kUpstream, Qt::DotLine));
        } else {
            lat.append(spec(seriesKey(route_, "stable"), Metric::UpstreamP99, tr("upstream p99 stable"),
                            kUpstream, Qt::DotLine));
            lat.append(spec(seriesKey(route_, "canary"), Metric::UpstreamP99, tr("upstream p99 canary"),
                            kUpstream, Qt::DashDotLine));
        }
    }
    client_series_ = d_->store().seriesKeys(agent_).contains(kClientSeries);
    if (client_series_) {
        lat.append(spec(kClientSeries, Metric::P95, tr("p95 client"), kClient, Qt::DotLine));
        lat.append(spec(kClientSeries, Metric::P99, tr("p99 client"), kClient, Qt::DashDotLine));
    }
    charts_[RateChart]->setSeries(rate);
    charts_[LatencyChart]->setSeries(lat);
    charts_[ErrorChart]->setSeries(err);
    charts_[CacheChart]->setSeries(hit);
}

void DetailPage::onTick() {
    if (!isVisible()) return;
    refreshRouteTable();  // the newest figures, also while the charts are paused
    if (paused_)
        updateFreshness();
    else
        refreshNow();
}

void DetailPage::updateFreshness() {
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    const Freshness f = d_->freshness(agent_, now);
    const bool stale = !f.live && f.last_seen_ms > 0;
    const QString text = stale ? tr("Stale · %1").arg(f.text(now)) : QString();
    const QString shown =
        stale_->fontMetrics().elidedText(text, Qt::ElideRight, std::max(80, stale_->width()));
    if (stale_->text() != shown) stale_->setText(shown);
    stale_->setToolTip(text);
    stale_->setVisible(stale);
    // The band starts at the newest sample on the charts' (agent's) clock, not at the local receive time.
    const auto latest = d_->store().latest(agent_);
    const std::int64_t since = stale && latest ? latest->time_ms : 0;
    for (auto* c : charts_)
        c->setStale(since, since ? tr("no data · %1").arg(f.ageText(now)) : QString());
}

void DetailPage::refreshNow() {
    if (agent_.isEmpty()) return;
    refreshRoutes();
    refreshRouteTable();
    if (client_series_ != d_->store().seriesKeys(agent_).contains(kClientSeries) ||
        upstream_series_ != d_->store().hasUpstream(agent_))
        rebuildSeries();
    updateUpstreamFigure();
    const auto [from, to] = viewRange();
    for (auto* c : charts_)
        c->refresh(d_->store(), agent_, from, to);
    alignPlots();  // also after plotAreaChanged; this catches a layout that settled between two ticks
    updateFreshness();
    const auto dropped = d_->store().dropped(agent_);
    // The text only changes when the history first fills up: a label whose width changed every tick made the
    // whole window re-layout (and every chart re-layout its axes) once per tick. The count goes to the
    // tooltip.
    dropped_->setText(dropped ? tr("History full: oldest samples dropped") : QString());
    dropped_->setToolTip(dropped ? tr("%1 samples older than the history window were dropped").arg(dropped)
                                 : QString());
}

QString DetailPage::upstreamFigureText(const SeriesSnapshot& s, int window_s) {
    if (!s.upstream || !s.latency) return {};
    const LatencyQuantiles& up = s.upstream->latency;
    const LatencyQuantiles& total = *s.latency;
    QString text = tr("p99: total %1, upstream %2").arg(latencyText(total.p99_ms), latencyText(up.p99_ms));
    if (!std::isfinite(total.mean_ms) || !std::isfinite(up.mean_ms)) {
        // Through a Prometheus source: quantiles from the histograms, no means.
        if (s.upstream->requests != s.requests)
            text += tr(" · %1 of %2 requests reached an upstream").arg(s.upstream->requests).arg(s.requests);
    } else if (s.upstream->requests == s.requests)
        text += tr(" · mean proxy overhead %1").arg(latencyText(total.mean_ms - up.mean_ms));
    else
        text += tr(" · mean: total %1, upstream %2 (%3 of %4 requests reached an upstream)")
                    .arg(latencyText(total.mean_ms), latencyText(up.mean_ms))
                    .arg(s.upstream->requests)
                    .arg(s.requests);
    return tr("Last %1 s · %2").arg(window_s).arg(text);
}

void DetailPage::updateUpstreamFigure() {
    QString text;
    if (upstream_series_) {
        if (const auto latest = d_->store().latest(agent_)) {
            if (route_.isEmpty()) {
                text = upstreamFigureText(latest->total, latest->window_s);
            } else {
                QStringList parts;
                for (const auto& s : latest->series) {
                    if (QString::fromStdString(s.id()) != route_) continue;
                    const QString t = upstreamFigureText(s, latest->window_s);
                    if (!t.isEmpty())
                        parts << QStringLiteral("%1 · %2").arg(QString::fromStdString(s.version), t);
                }
                text = parts.join(QStringLiteral("   |   "));
            }
            if (text.isEmpty()) text = tr("Last %1 s · no request reached an upstream").arg(latest->window_s);
        }
    }
    upstream_figure_->setVisible(upstream_series_);
    const QString shown = upstream_figure_->fontMetrics().elidedText(text, Qt::ElideRight,
                                                                     std::max(80, upstream_figure_->width()));
    if (upstream_figure_->text() != shown) upstream_figure_->setText(shown);
    upstream_figure_->setAccessibleDescription(text);
    // The whole figure (the label may elide it) and what the figures mean.
    upstream_figure_->setToolTip(text + QStringLiteral("\n\n") +
                                 upstream_figure_->property("explanation").toString());
}

void DetailPage::exportChart(ChartView* c, bool csv) {
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    // <agent>-<chart>-<local time>, e.g. "demo-sample-server-latency-20261202-143005".
    auto slug = [](QString s) {
        s = s.toLower();
        for (auto& ch : s)
            if (!ch.isLetterOrNumber()) ch = '-';
        while (s.contains("--"))
            s.replace("--", "-");
        return s.remove(QRegularExpression("^-|-$"));
    };
    const QString name = slug(d_->agentName(agent_)) + '-' + slug(c->chart()->title()) + '-' +
                         QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    const QString path = QFileDialog::getSaveFileName(this, csv ? tr("Export series") : tr("Export chart"),
                                                      dir + '/' + name + (csv ? ".csv" : ".png"),
                                                      csv ? tr("CSV (*.csv)") : tr("PNG image (*.png)"));
    if (path.isEmpty()) return;
    const bool ok = csv ? c->exportCsv(path, d_->store(), agent_) : c->exportPng(path);
    emit message(ok ? tr("Saved %1").arg(path) : tr("Could not write %1").arg(path), !ok);
}

}  // namespace redline::ui
