#include "ui/widgets/agent_card.h"

#include <QEvent>
#include <QGridLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QStyle>
#include <QVBoxLayout>

#include "ui/models/agent_list_model.h"
#include "ui/session/series_store.h"
#include "ui/widgets/sparkline.h"

namespace redline::ui {

namespace {
const char* healthName(Health h) {
    switch (h) {
        case Health::Good:
            return "good";
        case Health::Warning:
            return "warning";
        case Health::Breach:
            return "breach";
        case Health::Stale:
            return "stale";
        case Health::Unknown:
            break;
    }
    return "unknown";
}
void repolish(QWidget* w) {
    w->style()->unpolish(w);
    w->style()->polish(w);
}

constexpr Metric kTileMetric[AgentCard::TileCount] = {Metric::Rate, Metric::ErrorRatio, Metric::P99,
                                                      Metric::CacheHitRatio};
// Lowest top of each sparkline's y axis, so a flat line near zero stays at the bottom: 1 req/s, 1 %, 1 ms,
// 100 % (a hit ratio is always read against the whole range).
constexpr double kMinTop[AgentCard::TileCount] = {1.0, 0.01, 1.0, 1.0};

/// Badge colours (background, text) by kind, for the dark and the light theme. The themes' stylesheets colour
/// the badge by connection state only; the SLO states (ok / breach / no data) are added here.
struct BadgeColours {
    const char* kind;
    const char* dark_bg;
    const char* dark_fg;
    const char* light_bg;
    const char* light_fg;
};
constexpr BadgeColours kBadge[] = {
    {"ok", "#1a4d2a", "#3fb950", "#dafbe1", "#1a7f37"},
    {"breach", "#da3633", "#ffffff", "#cf222e", "#ffffff"},
    {"nodata", "#30363d", "#c9d1d9", "#d0d7de", "#24292f"},
    {"stale", "#4d3a12", "#d29922", "#fff8c5", "#9a6700"},
    {"disconnected", "#5a1e1e", "#ff7b72", "#ffebe9", "#cf222e"},
    {"connecting", "#30363d", "#c9d1d9", "#d0d7de", "#24292f"},
};
}  // namespace

AgentCard::AgentCard(const QString& id, const QString& name, QWidget* parent) : QFrame(parent), id_(id) {
    setObjectName("agentCard");
    setFrameShape(QFrame::StyledPanel);
    setCursor(Qt::PointingHandCursor);
    setMinimumWidth(300);
    name_ = new QLabel(name);
    name_->setObjectName("cardTitle");
    badge_ = new QLabel;
    badge_->setObjectName("stateBadge");
    service_ = new QLabel;
    service_->setObjectName("mutedLabel");
    service_->setWordWrap(true);
    window_ = new QLabel;
    window_->setObjectName("mutedLabel");  // styled as the other secondary text; windowText() reads it
    window_->hide();
    stale_ = new QLabel;
    stale_->setObjectName("staleLabel");
    stale_->setWordWrap(true);
    stale_->hide();

    auto* head = new QHBoxLayout;
    head->addWidget(name_, 1);
    head->addWidget(badge_);
    auto* tiles = new QGridLayout;
    tiles->setHorizontalSpacing(18);
    tiles->setVerticalSpacing(10);
    for (int i = 0; i < TileCount; ++i) {
        auto* box = new QVBoxLayout;
        box->setSpacing(1);
        values_[i] = new QLabel(QStringLiteral("—"));
        values_[i]->setObjectName("tileValue");
        values_[i]->setProperty("health", "unknown");
        auto* cap = new QLabel(CardFigures::caption(static_cast<Figure>(i)));
        cap->setObjectName("mutedLabel");
        lines_[i] = new Sparkline;
        lines_[i]->setMinimumTop(kMinTop[i]);
        lines_[i]->setToolTip(tr("%1, last %2 min").arg(cap->text()).arg(kHistorySeconds / 60));
        box->addWidget(values_[i]);
        box->addWidget(cap);
        box->addWidget(lines_[i]);
        tiles->addLayout(box, i / 2, i % 2);
    }
    tiles->setColumnStretch(0, 1);
    tiles->setColumnStretch(1, 1);
    auto* lay = new QVBoxLayout(this);
    lay->addLayout(head);
    lay->addWidget(service_);
    lay->addWidget(window_);
    lay->addWidget(stale_);
    lay->addLayout(tiles);
    setState(StreamState::Connecting, {});
}

QString AgentCard::name() const {
    return name_->text();
}

void AgentCard::setName(const QString& name) {
    if (name_->text() != name) name_->setText(name);
}

void AgentCard::setState(StreamState s, const QString& reason) {
    state_ = s;
    reason_ = reason;
    updateBadge();
}

void AgentCard::updateBadge() {
    QString kind, text;
    switch (figures_.state) {
        case CardFigures::State::NotLive:
            // A live stream without a snapshot for 3 intervals is stale too: its figures are not current.
            if (state_ == StreamState::Connecting)
                kind = QStringLiteral("connecting");
            else if (state_ == StreamState::Disconnected)
                kind = QStringLiteral("disconnected");
            else
                kind = QStringLiteral("stale");
            text = AgentListModel::stateText(state_ == StreamState::Live ? StreamState::Stale : state_);
            break;
        case CardFigures::State::Breaching:
            kind = QStringLiteral("breach");
            text = tr("live · SLO breach");
            break;
        case CardFigures::State::NoData:
            kind = QStringLiteral("nodata");
            text = tr("live · no data");
            break;
        case CardFigures::State::Ok:
            kind = QStringLiteral("ok");
            text = tr("live · ok");
            break;
    }
    QString tip = reason_;
    if (figures_.state == CardFigures::State::Breaching)
        tip = tr("Beyond its objective: %1").arg(figures_.breachText()) +
              (reason_.isEmpty() ? QString() : QStringLiteral("\n") + reason_);
    else if (figures_.state == CardFigures::State::NoData)
        tip = tr("No requests in the window: nothing to judge against the SLOs") +
              (reason_.isEmpty() ? QString() : QStringLiteral("\n") + reason_);
    if (badge_->text() != text) badge_->setText(text);
    if (badge_->toolTip() != tip) badge_->setToolTip(tip);
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    QString sheet;
    for (const auto& b : kBadge)
        if (kind == QLatin1String(b.kind))
            sheet = QStringLiteral("QLabel#stateBadge { background: %1; color: %2; }")
                        .arg(QLatin1String(dark ? b.dark_bg : b.light_bg),
                             QLatin1String(dark ? b.dark_fg : b.light_fg));
    // The connection state stays a property as before (stylesheets, tests); the colours follow the kind.
    const QString stateText = AgentListModel::stateText(state_);
    if (badge_->property("state").toString() != stateText) badge_->setProperty("state", stateText);
    badge_kind_ = kind;
    if (badge_->styleSheet() != sheet) badge_->setStyleSheet(sheet);
}

void AgentCard::setTile(int tile, const QString& text, Health h) {
    health_[tile] = h;
    if (values_[tile]->text() != text) values_[tile]->setText(text);
    if (values_[tile]->property("health").toString() != healthName(h)) {
        values_[tile]->setProperty("health", healthName(h));
        repolish(values_[tile]);
    }
}

void AgentCard::setFigures(const CardFigures& f, const Snapshot* s, const Freshness& fresh,
                           std::int64_t now_ms) {
    const QString staleText = fresh.text(now_ms);
    if (stale_->text() != staleText) stale_->setText(staleText);
    stale_->setVisible(!fresh.live);
    figures_ = f;
    updateBadge();
    for (auto* l : lines_)
        l->setGreyed(!fresh.live);
    if (!s) return;  // before the first snapshot the tiles keep "—"
    const QString service =
        QStringLiteral("%1 %2 · %3 series")
            .arg(QString::fromStdString(s->service), QString::fromStdString(s->service_version))
            .arg(s->series.size());
    if (service_->text() != service) service_->setText(service);
    // The figures are the newest snapshot's, which covers the agent's last window_s seconds (the stream's
    // window); the lines are the store's history of those snapshots.
    const QString window =
        tr("figures: last %1 s · lines: last %2 min").arg(f.window_s).arg(kHistorySeconds / 60);
    if (window_->text() != window) window_->setText(window);
    window_->show();
    for (int i = 0; i < TileCount; ++i)
        setTile(i, f.text(static_cast<Figure>(i)), f.health[i]);
}

void AgentCard::setSnapshot(const Snapshot* s, const Slo& slo, const Freshness& fresh, std::int64_t now_ms) {
    setFigures(CardFigures::from(s, slo, fresh), s, fresh, now_ms);
}

void AgentCard::setHistory(const SeriesStore& store, const QString& agent, const Slo& slo,
                           std::int64_t now_ms) {
    const std::int64_t from = now_ms - std::int64_t{kHistorySeconds} * 1000;
    const std::optional<double> bounds[TileCount] = {
        slo.min_rate_per_s > 0 ? std::optional<double>(slo.min_rate_per_s) : std::nullopt,
        slo.max_error_ratio > 0 ? std::optional<double>(slo.max_error_ratio) : std::nullopt,
        slo.max_p99_ms > 0 ? std::optional<double>(slo.max_p99_ms) : std::nullopt,
        slo.min_cache_hit_ratio > 0 ? std::optional<double>(slo.min_cache_hit_ratio) : std::nullopt,
    };
    for (int i = 0; i < TileCount; ++i) {
        Sparkline* l = lines_[i];
        l->setBound(bounds[i]);
        l->setPoints(
            store.points(agent, kTotalSeries, kTileMetric[i], from, now_ms, std::max(16, l->width())), from,
            now_ms);
    }
}

QString AgentCard::staleText() const {
    return stale_->isVisibleTo(this) ? stale_->text() : QString();
}

QString AgentCard::windowText() const {
    return window_->isVisibleTo(this) ? window_->text() : QString();
}

QString AgentCard::badgeText() const {
    return badge_->text();
}

QString AgentCard::tileText(int tile) const {
    return values_[tile]->text();
}

void AgentCard::mouseReleaseEvent(QMouseEvent* e) {
    if (e->button() == Qt::LeftButton) emit activated(id_);
    QFrame::mouseReleaseEvent(e);
}

void AgentCard::changeEvent(QEvent* e) {
    QFrame::changeEvent(e);
    // Theme switched: the badge's own colours follow the palette.
    if (e->type() == QEvent::PaletteChange) updateBadge();
}

}  // namespace redline::ui
