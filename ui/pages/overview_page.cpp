#include "ui/pages/overview_page.h"

#include <QDateTime>
#include <QGridLayout>
#include <QLabel>
#include <QResizeEvent>
#include <QScrollArea>
#include <QVBoxLayout>
#include <algorithm>

#include "core/stream_consumer.h"
#include "ui/session/dashboard.h"
#include "ui/widgets/agent_card.h"

namespace redline::ui {

OverviewPage::OverviewPage(Dashboard* dashboard, QWidget* parent) : Page(parent), d_(dashboard) {
    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    grid_host_ = new QWidget;
    grid_ = new QGridLayout(grid_host_);
    grid_->setSpacing(10);
    grid_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    scroll->setWidget(grid_host_);
    empty_ =
        new QLabel(tr("No agents yet. Add one with Agents ▸ Add agent… (Ctrl+N), or start redline --demo."));
    empty_->setAlignment(Qt::AlignCenter);
    empty_->setObjectName("mutedLabel");
    auto* lay = new QVBoxLayout(this);
    lay->addWidget(empty_);
    lay->addWidget(scroll, 1);

    for (const auto& id : d_->agentIds())
        addCard(id);
    connect(d_, &Dashboard::agentAdded, this, &OverviewPage::addCard);
    connect(d_, &Dashboard::agentRemoved, this, &OverviewPage::removeCard);
    connect(d_, &Dashboard::agentStateChanged, this,
            [this](const QString& id, StreamState s, const QString& r) {
                if (auto* c = cards_.value(id)) c->setState(s, r);
                if (isVisible()) refreshNow();  // live -> stale greys the figures at once
            });
    connect(d_, &Dashboard::ticked, this, [this] {
        if (isVisible()) refreshNow();
    });
    connect(d_, &Dashboard::sloChanged, this, &OverviewPage::refreshNow);
    connect(d_->agentsModel(), &QAbstractItemModel::dataChanged, this, [this] {
        for (auto it = cards_.cbegin(); it != cards_.cend(); ++it)
            it.value()->setName(d_->agentName(it.key()));
        relayout();  // a renamed agent may sort elsewhere
    });
    relayout(true);
}

void OverviewPage::addCard(const QString& id) {
    if (cards_.contains(id)) return;
    auto* c = new AgentCard(id, d_->agentName(id), grid_host_);
    c->setState(d_->agentsModel()->stateOf(id), d_->agentsModel()->reasonOf(id));
    connect(c, &AgentCard::activated, this, &OverviewPage::agentActivated);
    cards_.insert(id, c);
    ranks_.insert(id, SortRank{static_cast<int>(c->figures().state)});
    relayout(true);
}

void OverviewPage::removeCard(const QString& id) {
    if (auto* c = cards_.take(id)) c->deleteLater();
    ranks_.remove(id);
    relayout(true);
}

bool OverviewPage::updateRank(const QString& id, int rank, std::int64_t now_ms) {
    SortRank& r = ranks_[id];
    if (rank <= r.rank) {  // worse (a lower rank sorts first) or the same: at once
        const bool changed = rank != r.rank;
        r = SortRank{rank};
        return changed;
    }
    if (r.pending != rank) {  // better: only once it has held for kSortHoldMs
        r.pending = rank;
        r.pending_since_ms = now_ms;
    }
    if (now_ms - r.pending_since_ms < kSortHoldMs) return false;
    r = SortRank{rank};
    return true;
}

QStringList OverviewPage::sortedIds() const {
    QStringList ids = cards_.keys();
    std::sort(ids.begin(), ids.end(), [this](const QString& a, const QString& b) {
        const int ra = ranks_.value(a).rank, rb = ranks_.value(b).rank;
        if (ra != rb) return ra < rb;
        const int byName = cards_.value(a)->name().compare(cards_.value(b)->name(), Qt::CaseInsensitive);
        if (byName != 0) return byName < 0;
        return a < b;
    });
    return ids;
}

void OverviewPage::relayout(bool force) {
    const int cols = std::max(1, grid_host_->width() / 340);
    empty_->setVisible(cards_.isEmpty());
    const QStringList order = sortedIds();
    if (!force && cols == columns_ && order == order_) return;
    columns_ = cols;
    order_ = order;
    // takeAt hands the layout item over (the card itself stays): delete it, or it leaks (LeakSanitizer).
    while (QLayoutItem* item = grid_->takeAt(0))
        delete item;
    for (int i = 0; i < order_.size(); ++i)
        grid_->addWidget(cards_.value(order_[i]), i / cols, i % cols);
}

void OverviewPage::resizeEvent(QResizeEvent* e) {
    QWidget::resizeEvent(e);
    relayout();
}

void OverviewPage::refreshNow() {
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    for (auto it = cards_.cbegin(); it != cards_.cend(); ++it) {
        const auto snap = d_->store().latest(it.key());
        const Freshness fresh = d_->freshness(it.key(), now);
        const CardFigures f = CardFigures::from(snap.get(), d_->slo(), fresh);
        it.value()->setFigures(f, snap.get(), fresh, now);
        it.value()->setHistory(d_->store(), it.key(), d_->slo(), now);
        updateRank(it.key(), static_cast<int>(f.state), now);
    }
    relayout();
}

}  // namespace redline::ui
