#include "ui/widgets/agent_card.h"
#include "core/stream_consumer.h"

#include <QGridLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QStyle>
#include <QVBoxLayout>

#include "ui/models/agent_list_model.h"

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
}  // namespace

AgentCard::AgentCard(const QString& id, const QString& name, QWidget* parent) : QFrame(parent), id_(id) {
    setObjectName("agentCard");
    setFrameShape(QFrame::StyledPanel);
    setCursor(Qt::PointingHandCursor);
    setMinimumWidth(300);
    name_ = new QLabel(name);
    name_->setObjectName("cardTitle");
    state_ = new QLabel;
    state_->setObjectName("stateBadge");
    service_ = new QLabel;
    service_->setObjectName("mutedLabel");
    service_->setWordWrap(true);
    stale_ = new QLabel;
    stale_->setObjectName("staleLabel");
    stale_->setWordWrap(true);
    stale_->hide();

    auto* head = new QHBoxLayout;
    head->addWidget(name_, 1);
    head->addWidget(state_);
    auto* tiles = new QGridLayout;
    const QStringList captions{tr("requests/s"), tr("error ratio"), tr("p99 latency"), tr("cache hit ratio")};
    for (int i = 0; i < TileCount; ++i) {
        auto* box = new QVBoxLayout;
        values_[i] = new QLabel(QStringLiteral("—"));
        values_[i]->setObjectName("tileValue");
        values_[i]->setProperty("health", "unknown");
        auto* cap = new QLabel(captions[i]);
        cap->setObjectName("mutedLabel");
        box->addWidget(values_[i]);
        box->addWidget(cap);
        tiles->addLayout(box, i / 2, i % 2);
    }
    auto* lay = new QVBoxLayout(this);
    lay->addLayout(head);
    lay->addWidget(service_);
    lay->addWidget(stale_);
    lay->addLayout(tiles);
    setState(StreamState::Connecting, {});
}

void AgentCard::setName(const QString& name) {
    name_->setText(name);
}

void AgentCard::setState(StreamState s, const QString& reason) {
    state_->setText(AgentListModel::stateText(s));
    state_->setProperty("state", AgentListModel::stateText(s));
    state_->setToolTip(reason);
    repolish(state_);
}

void AgentCard::setTile(int tile, const QString& text, Health h) {
    health_[tile] = h;
    values_[tile]->setText(text);
    if (values_[tile]->property("health").toString() != healthName(h)) {
        values_[tile]->setProperty("health", healthName(h));
        repolish(values_[tile]);
    }
}

void AgentCard::setSnapshot(const Snapshot* s, const Slo& slo, const Freshness& fresh, std::int64_t now_ms) {
    const QString staleText = fresh.text(now_ms);
    if (stale_->text() != staleText) stale_->setText(staleText);
    stale_->setVisible(!fresh.live);
    if (!s) return;
    const auto& t = s->total;
    service_->setText(QStringLiteral("%1 %2 · %3 series")
                          .arg(QString::fromStdString(s->service), QString::fromStdString(s->service_version))
                          .arg(s->series.size()));
    // Stale figures stay readable but are never coloured by the SLOs: a dead agent is not healthy.
    auto health = [&](Health h) { return fresh.live ? h : Health::Stale; };
    setTile(RateTile, QString::number(t.rate_per_s, 'f', t.rate_per_s < 10 ? 1 : 0),
            health(slo.rateHealth(t.rate_per_s)));
    if (t.error_ratio)
        setTile(ErrorTile, QString::number(*t.error_ratio * 100.0, 'f', 2) + QStringLiteral(" %"),
                health(slo.errorHealth(*t.error_ratio)));
    else
        setTile(ErrorTile, QStringLiteral("—"), health(Health::Unknown));
    if (t.latency)
        setTile(P99Tile, QString::number(t.latency->p99_ms, 'f', 1) + QStringLiteral(" ms"),
                health(slo.p99Health(t.latency->p99_ms)));
    else
        setTile(P99Tile, QStringLiteral("—"), health(Health::Unknown));
    if (t.cache_hit_ratio)
        setTile(HitTile, QString::number(*t.cache_hit_ratio * 100.0, 'f', 1) + QStringLiteral(" %"),
                health(slo.hitHealth(*t.cache_hit_ratio)));
    else
        setTile(HitTile, QStringLiteral("—"), health(Health::Unknown));
}

QString AgentCard::staleText() const {
    return stale_->isVisibleTo(this) ? stale_->text() : QString();
}

QString AgentCard::tileText(int tile) const {
    return values_[tile]->text();
}

void AgentCard::mouseReleaseEvent(QMouseEvent* e) {
    if (e->button() == Qt::LeftButton) emit activated(id_);
    QFrame::mouseReleaseEvent(e);
}

}  // namespace redline::ui
