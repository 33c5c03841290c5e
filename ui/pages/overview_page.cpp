#include "ui/pages/overview_page.h"

#include <QCheckBox>
#include <QDateTime>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QTableView>
#include <QVBoxLayout>

#include "ui/models/fleet_model.h"
#include "ui/models/fleet_sort_proxy.h"
#include "ui/session/dashboard.h"
#include "ui/widgets/sparkline_delegate.h"

namespace redline::ui {

OverviewPage::OverviewPage(Dashboard* dashboard, QWidget* parent) : Page(parent), d_(dashboard) {
    model_ = new FleetModel(d_, this);
    proxy_ = new FleetSortProxy(this);
    proxy_->setSourceModel(model_);

    filter_ = new QLineEdit;
    filter_->setObjectName("fleetFilter");
    filter_->setClearButtonEnabled(true);
    filter_->setPlaceholderText(tr("Filter: name, URL or service; service=catalog, state=stale …"));
    filter_->setToolTip(
        tr("Words match an agent's name, URL or service; key=value matches one field "
           "(service, name, url, state). Down or Enter moves into the table."));
    filter_->installEventFilter(this);
    group_ = new QCheckBox(tr("Group by service"));
    group_->setChecked(true);
    count_ = new QLabel;
    count_->setObjectName("mutedLabel");
    auto* top = new QHBoxLayout;
    top->addWidget(filter_, 1);
    top->addWidget(group_);
    top->addWidget(count_);

    auto* note = new QLabel(tr("Figures: each agent's newest snapshot (its stream's window) · trend: request "
                               "rate, last %1 min · totals: live instances only, p99 = the worst instance's")
                                .arg(FleetModel::kTrendSeconds / 60));
    note->setObjectName("mutedLabel");
    note->setWordWrap(true);

    table_ = new QTableView;
    table_->setObjectName("fleetTable");
    table_->setModel(proxy_);
    table_->setItemDelegateForColumn(FleetModel::TrendCol,
                                     new SparklineDelegate(FleetModel::SparkRole, table_));
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setWordWrap(false);
    table_->setShowGrid(false);
    table_->setAlternatingRowColors(true);
    table_->setTabKeyNavigation(false);  // Tab leaves the table (to the filter and the rest of the window)
    table_->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    table_->verticalHeader()->hide();
    // Fixed row heights and column widths from the font: nothing is measured per row, with 500 rows or 5.
    const QFontMetrics fm(table_->font());
    table_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    table_->verticalHeader()->setDefaultSectionSize(fm.height() + 10);
    QHeaderView* h = table_->horizontalHeader();
    h->setSectionsMovable(false);
    h->setHighlightSections(false);
    h->setStretchLastSection(false);
    h->setSectionResizeMode(QHeaderView::Interactive);
    h->setSectionResizeMode(FleetModel::NameCol, QHeaderView::Stretch);
    auto width = [&](const QString& sample) { return fm.horizontalAdvance(sample) + 28; };
    h->resizeSection(FleetModel::StateCol, width(QStringLiteral("stale · last seen 999 s ago")));
    h->resizeSection(FleetModel::RateCol, width(QStringLiteral("Rate /s  99999")));
    h->resizeSection(FleetModel::ErrorCol, width(QStringLiteral("100.0 %  ")));
    h->resizeSection(FleetModel::P99Col, width(QStringLiteral("max 999.9 ms")));
    h->resizeSection(FleetModel::HitCol, width(QStringLiteral("Cache hit    ")));
    h->resizeSection(FleetModel::TrendCol,
                     std::max(120, fm.horizontalAdvance(QStringLiteral("Rate, last 5 min")) + 24));
    h->setMinimumSectionSize(fm.horizontalAdvance(QStringLiteral("Agent")) + 24);
    table_->setSortingEnabled(true);
    table_->sortByColumn(FleetModel::StateCol, Qt::AscendingOrder);
    // A header click sorts at once; the periodic re-sort counts from there.
    connect(h, &QHeaderView::sortIndicatorChanged, this,
            [this] { last_sort_ms_ = QDateTime::currentMSecsSinceEpoch(); });

    body_ = new QWidget;
    auto* body = new QVBoxLayout(body_);
    body->setContentsMargins(0, 0, 0, 0);
    body->addLayout(top);
    body->addWidget(note);
    body->addWidget(table_, 1);
    empty_ =
        new QLabel(tr("No agents yet. Add one with Agents ▸ Add agent… (Ctrl+N), or start redline --demo."));
    empty_->setAlignment(Qt::AlignCenter);
    empty_->setObjectName("mutedLabel");
    auto* lay = new QVBoxLayout(this);
    lay->addWidget(empty_);
    lay->addWidget(body_, 1);
    setFocusProxy(filter_);

    connect(filter_, &QLineEdit::textChanged, this, [this](const QString& t) {
        proxy_->setFilterText(t);
        updateEmpty();
    });
    connect(group_, &QCheckBox::toggled, this, [this](bool on) {
        proxy_->setGrouped(on);
        updateEmpty();
    });
    connect(table_, &QAbstractItemView::activated, this, [this](const QModelIndex& i) {
        if (static_cast<FleetModel::Kind>(i.data(FleetModel::KindRole).toInt()) == FleetModel::Kind::Agent)
            emit agentActivated(i.data(FleetModel::IdRole).toString());
    });
    // Structure changed (agent or service added/removed): sort again at the next refresh.
    auto due = [this] {
        sort_due_ = true;
        updateEmpty();
    };
    connect(model_, &QAbstractItemModel::rowsInserted, this, due);
    connect(model_, &QAbstractItemModel::rowsRemoved, this, due);
    // Live -> stale greys the row at once; a burst of changes (a whole Prometheus job going down) is one
    // refresh at the end of the burst.
    connect(d_, &Dashboard::agentStateChanged, this, [this] {
        if (isVisible()) throttle_.start(0);
    });
    // At most one refresh per kMinRefreshMs: with hundreds of agents their snapshots arrive spread over the
    // second and the Dashboard ticks many times a second, but each row's figures change once a second.
    throttle_.setSingleShot(true);
    connect(&throttle_, &QTimer::timeout, this, [this] {
        if (isVisible()) refreshNow();
    });
    connect(d_, &Dashboard::ticked, this, [this] {
        if (!isVisible() || throttle_.isActive()) return;
        const std::int64_t since = QDateTime::currentMSecsSinceEpoch() - last_refresh_ms_;
        if (since >= kMinRefreshMs)
            refreshNow();
        else
            throttle_.start(static_cast<int>(kMinRefreshMs - since));
    });
    connect(d_, &Dashboard::sloChanged, this, [this] {
        sort_due_ = true;
        refreshNow();
    });
    model_->setDark(palette().color(QPalette::Window).lightness() < 128);
    refreshNow();
    updateEmpty();
}

void OverviewPage::refreshNow() {
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    last_refresh_ms_ = now;
    throttle_.stop();
    model_->refresh(now);
    if (sort_due_ || now - last_sort_ms_ >= kResortMs) {
        sort_due_ = false;
        last_sort_ms_ = now;
        resort();
    }
}

void OverviewPage::resort() {
    proxy_->resort();
    updateEmpty();
}

void OverviewPage::updateEmpty() {
    const int agents = static_cast<int>(d_->agentIds().size());
    empty_->setVisible(agents == 0);
    body_->setVisible(agents > 0);
    int shown = 0;
    for (int r = 0; r < proxy_->rowCount(); ++r)
        if (proxy_->index(r, 0).data(FleetModel::KindRole).toInt() == int(FleetModel::Kind::Agent)) ++shown;
    const QString text = shown == agents ? tr("%n agent(s)", nullptr, agents)
                                         : tr("%1 of %n agent(s)", nullptr, agents).arg(shown);
    if (count_->text() != text) count_->setText(text);
}

QStringList OverviewPage::order() const {
    QStringList ids;
    for (int r = 0; r < proxy_->rowCount(); ++r) {
        const QModelIndex i = proxy_->index(r, 0);
        if (i.data(FleetModel::KindRole).toInt() == int(FleetModel::Kind::Agent))
            ids << i.data(FleetModel::IdRole).toString();
    }
    return ids;
}

int OverviewPage::viewRowOf(const QString& id) const {
    const int src = model_->rowOfAgent(id);
    if (src < 0) return -1;
    return proxy_->mapFromSource(model_->index(src, 0)).row();
}

void OverviewPage::focusTable() {
    // Onto the first agent row (skipping the fleet and group totals) unless an agent row is current.
    const QModelIndex cur = table_->currentIndex();
    if (!cur.isValid() || cur.data(FleetModel::KindRole).toInt() != int(FleetModel::Kind::Agent)) {
        for (int r = 0; r < proxy_->rowCount(); ++r) {
            const QModelIndex i = proxy_->index(r, FleetModel::NameCol);
            if (i.data(FleetModel::KindRole).toInt() == int(FleetModel::Kind::Agent)) {
                table_->setCurrentIndex(i);
                break;
            }
        }
    }
    table_->setFocus(Qt::TabFocusReason);
}

bool OverviewPage::eventFilter(QObject* o, QEvent* e) {
    if (o == filter_ && e->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent*>(e)->key();
        if (key == Qt::Key_Down || key == Qt::Key_Return || key == Qt::Key_Enter) {
            focusTable();
            return true;
        }
        if (key == Qt::Key_Escape && !filter_->text().isEmpty()) {
            filter_->clear();
            return true;
        }
    }
    return Page::eventFilter(o, e);
}

void OverviewPage::showEvent(QShowEvent* e) {
    Page::showEvent(e);
    refreshNow();
}

void OverviewPage::changeEvent(QEvent* e) {
    Page::changeEvent(e);
    // Theme switched: the text colours follow the palette.
    if (e->type() == QEvent::PaletteChange || e->type() == QEvent::ApplicationPaletteChange)
        model_->setDark(palette().color(QPalette::Window).lightness() < 128);
}

}  // namespace redline::ui
