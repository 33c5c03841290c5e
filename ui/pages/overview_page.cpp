#include "ui/pages/overview_page.h"

#include <QDateTime>
#include <QGridLayout>
#include <QLabel>
#include <QResizeEvent>
#include <QScrollArea>
#include <QVBoxLayout>

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
    });
    relayout();
}

void OverviewPage::addCard(const QString& id) {
    if (cards_.contains(id)) return;
    auto* c = new AgentCard(id, d_->agentName(id), grid_host_);
    c->setState(d_->agentsModel()->stateOf(id), d_->agentsModel()->reasonOf(id));
    connect(c, &AgentCard::activated, this, &OverviewPage::agentActivated);
    cards_.insert(id, c);
    columns_ = 0;
    relayout();
}

void OverviewPage::removeCard(const QString& id) {
    if (auto* c = cards_.take(id)) c->deleteLater();
    columns_ = 0;
    relayout();
}

void OverviewPage::relayout() {
    const int cols = std::max(1, grid_host_->width() / 340);
    empty_->setVisible(cards_.isEmpty());
    if (cols == columns_) return;
    columns_ = cols;
    // takeAt hands the layout item over (the card itself stays): delete it, or it leaks (LeakSanitizer).
    while (QLayoutItem* item = grid_->takeAt(0))
        delete item;
    int i = 0;
    for (const auto& id : d_->agentIds())
        if (auto* c = cards_.value(id)) grid_->addWidget(c, i / cols, i % cols), ++i;
}

void OverviewPage::resizeEvent(QResizeEvent* e) {
    QWidget::resizeEvent(e);
    relayout();
}

void OverviewPage::refreshNow() {
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    for (auto it = cards_.cbegin(); it != cards_.cend(); ++it) {
        auto snap = d_->store().latest(it.key());
        it.value()->setSnapshot(snap.get(), d_->slo(), d_->freshness(it.key(), now), now);
    }
}

}  // namespace redline::ui
