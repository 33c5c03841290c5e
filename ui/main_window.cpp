#include "ui/main_window.h"
#include "core/stream_consumer.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QSettings>
#include <QShortcut>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

#include "ui/dialogs/agent_dialog.h"
#include "ui/pages/canary_panel.h"
#include "ui/session/dashboard.h"
#include "ui/pages/detail_page.h"
#include "ui/widgets/error_banner.h"
#include "ui/pages/limits_panel.h"
#include "ui/session/load_controller.h"
#include "ui/pages/load_panel.h"
#include "ui/pages/overview_page.h"
#include "ui/dialogs/slo_dialog.h"

namespace redline::ui {

MainWindow::MainWindow(Dashboard* dashboard, QWidget* parent) : QMainWindow(parent), d_(dashboard) {
    setWindowTitle(tr("Redline"));
    setWindowIcon(QIcon(QStringLiteral(":/redline/icons/redline.svg")));
    setObjectName("mainWindow");
    load_ctl_ = new LoadController(d_, this);

    tabs_ = new QTabWidget;
    tabs_->setDocumentMode(true);
    overview_ = new OverviewPage(d_);
    detail_ = new DetailPage(d_);
    limits_ = new LimitsPanel(d_);
    canary_ = new CanaryPanel(d_);
    load_ = new LoadPanel(d_, load_ctl_);
    events_ = new QTableView;
    events_->setModel(d_->eventsModel());
    events_->verticalHeader()->hide();
    events_->horizontalHeader()->setStretchLastSection(true);
    events_->setSelectionBehavior(QAbstractItemView::SelectRows);
    events_->setAlternatingRowColors(true);
    tabs_->addTab(overview_, tr("Overview"));
    tabs_->addTab(detail_, tr("Charts"));
    tabs_->addTab(limits_, tr("Rate limits"));
    tabs_->addTab(canary_, tr("Canary"));
    tabs_->addTab(load_, tr("Load test"));
    tabs_->addTab(events_, tr("Events"));

    banner_ = new ErrorBanner;
    auto* central = new QWidget;
    auto* lay = new QVBoxLayout(central);
    lay->setContentsMargins(6, 6, 6, 0);
    lay->addWidget(banner_);
    lay->addWidget(tabs_, 1);
    setCentralWidget(central);

    // Agents dock.
    agents_view_ = new QTableView;
    agents_view_->setModel(d_->agentsModel());
    agents_view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    agents_view_->setSelectionMode(QAbstractItemView::SingleSelection);
    agents_view_->verticalHeader()->hide();
    agents_view_->horizontalHeader()->setStretchLastSection(true);
    agents_view_->setColumnHidden(AgentListModel::Url, true);
    auto* dock = new QDockWidget(tr("Agents"));
    dock->setObjectName("agentsDock");
    dock->setWidget(agents_view_);
    addDockWidget(Qt::LeftDockWidgetArea, dock);
    // Wide enough on first start for name, state and the start of the reason; a saved layout overrides it.
    resizeDocks({dock}, {360}, Qt::Horizontal);
    connect(agents_view_, &QTableView::doubleClicked, this, [this](const QModelIndex& i) {
        selectAgent(d_->agentsModel()->data(i, AgentListModel::IdRole).toString());
        showTab(ChartsTab);
    });

    // Toolbar.
    auto* tb = addToolBar(tr("Main"));
    tb->setObjectName("mainToolbar");
    tb->setMovable(false);
    tb->addWidget(new QLabel(tr(" Agent ")));
    agent_box_ = new QComboBox;
    agent_box_->setModel(d_->agentsModel());
    agent_box_->setModelColumn(AgentListModel::Name);
    agent_box_->setMinimumContentsLength(18);
    tb->addWidget(agent_box_);
    connect(agent_box_, &QComboBox::activated, this, [this](int row) {
        selectAgent(
            d_->agentsModel()->data(d_->agentsModel()->index(row, 0), AgentListModel::IdRole).toString());
    });
    buildActions();
    auto* viewMenu = menuBar()->addMenu(tr("&View"));
    auto* toggleAgents = dock->toggleViewAction();
    toggleAgents->setObjectName("actionToggleAgents");
    toggleAgents->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
    viewMenu->addAction(toggleAgents);
    viewMenu->addSeparator();
    auto* sloAction = viewMenu->addAction(tr("&Service-level objectives…"), this, &MainWindow::showSloDialog);
    sloAction->setObjectName("actionSlo");
    sloAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    auto* spacer = new QWidget;
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    tb->addWidget(spacer);
    tb->addWidget(new QLabel(tr("Theme ")));
    theme_box_ = new QComboBox;
    theme_box_->addItem(tr("System"), "system");
    theme_box_->addItem(tr("Dark"), "dark");
    theme_box_->addItem(tr("Light"), "light");
    tb->addWidget(theme_box_);
    connect(theme_box_, &QComboBox::activated, this,
            [this](int i) { setThemeMode(Theme::fromString(theme_box_->itemData(i).toString())); });

    // Status bar.
    status_state_ = new QLabel;
    status_rate_ = new QLabel;
    statusBar()->addWidget(status_state_, 1);
    statusBar()->addPermanentWidget(status_rate_);
    auto* statusTimer = new QTimer(this);
    connect(statusTimer, &QTimer::timeout, this, &MainWindow::updateStatus);
    statusTimer->start(1000);

    // Wiring.
    for (auto* src : {static_cast<QObject*>(detail_), static_cast<QObject*>(limits_),
                      static_cast<QObject*>(canary_), static_cast<QObject*>(load_)})
        connect(src, SIGNAL(message(QString, bool)), this, SLOT(showMessage(QString, bool)));
    // Applied SLOs are kept at once (not only on a clean exit).
    connect(d_, &Dashboard::sloChanged, this, [this] {
        const auto s = openSettings();
        d_->slo().save(*s);
    });
    connect(overview_, &OverviewPage::agentActivated, this, [this](const QString& id) {
        selectAgent(id);
        showTab(ChartsTab);
    });
    connect(d_, &Dashboard::agentAdded, this, [this](const QString& id) {
        if (current_.isEmpty()) selectAgent(id);
    });
    connect(d_, &Dashboard::agentRemoved, this, [this](const QString& id) {
        if (id == current_) selectAgent(d_->agentIds().value(0));
    });
    connect(d_, &Dashboard::agentStateChanged, this,
            [this](const QString& id, StreamState s, const QString& reason) {
                if (s == StreamState::Disconnected && !reason.isEmpty() && reason != QLatin1String("stopped"))
                    showMessage(tr("%1: %2").arg(d_->agentName(id), reason), true);
                updateStatus();
            });
    connect(tabs_, &QTabWidget::currentChanged, this, [this](int i) {
        if (i == ChartsTab) detail_->refreshNow();
        if (i == OverviewTab) overview_->refreshNow();
    });
    if (!d_->agentIds().isEmpty()) selectAgent(d_->agentIds().first());
    resize(1400, 900);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildActions() {
    // Explicit key sequences, not QKeySequence::StandardKey: those differ per platform theme (no Quit on the
    // generic/offscreen theme, Refresh = Ctrl+R on GNOME, which is the load panel's Start).
    auto named = [](QAction* a, const char* name, const QKeySequence& key = {}) {
        a->setObjectName(QLatin1String(name));
        if (!key.isEmpty()) a->setShortcut(key);
        return a;
    };
    auto* agentsMenu = menuBar()->addMenu(tr("&Agents"));
    named(agentsMenu->addAction(tr("&Add agent…"), this, &MainWindow::addAgentDialog), "actionAddAgent",
          QKeySequence(Qt::CTRL | Qt::Key_N));
    named(agentsMenu->addAction(tr("&Edit agent…"), this, &MainWindow::editAgentDialog), "actionEditAgent",
          QKeySequence(Qt::CTRL | Qt::Key_E));
    named(agentsMenu->addAction(tr("&Remove agent"), this, &MainWindow::removeSelectedAgent),
          "actionRemoveAgent");
    named(agentsMenu->addAction(tr("Re&connect"), this, [this] { d_->reconnect(current_); }),
          "actionReconnect", QKeySequence(Qt::Key_F5));
    agentsMenu->addSeparator();
    named(agentsMenu->addAction(tr("&Quit"), this, &QWidget::close), "actionQuit",
          QKeySequence(Qt::CTRL | Qt::Key_Q));

    auto* goMenu = menuBar()->addMenu(tr("&Go"));
    const QStringList names{tr("Overview"), tr("Charts"),    tr("Rate limits"),
                            tr("Canary"),   tr("Load test"), tr("Events")};
    static const char* const objectNames[] = {"actionGoOverview", "actionGoCharts", "actionGoLimits",
                                              "actionGoCanary",   "actionGoLoad",   "actionGoEvents"};
    for (int i = 0; i < names.size(); ++i)
        named(goMenu->addAction(names[i], this, [this, i] { showTab(static_cast<Tab>(i)); }), objectNames[i],
              QKeySequence(Qt::ALT | static_cast<Qt::Key>(Qt::Key_1 + i)));
    goMenu->addSeparator();
    // Checkable and kept in step with the Charts page's own Pause button.
    auto* pause = named(goMenu->addAction(tr("&Pause live view")), "actionPause", QKeySequence(Qt::Key_P));
    pause->setCheckable(true);
    pause->setChecked(detail_->paused());
    pause->setShortcutContext(Qt::WindowShortcut);
    connect(pause, &QAction::toggled, detail_, &DetailPage::setPaused);
    connect(detail_, &DetailPage::pausedChanged, pause, &QAction::setChecked);
    // Exclusive range choices, kept in step with the Charts page's range box.
    auto* rangeGroup = new QActionGroup(this);
    rangeGroup->setExclusive(true);
    const QList<int>& ranges = DetailPage::rangeChoices();
    for (int i = 0; i < ranges.size(); ++i) {
        const int secs = ranges[i];
        auto* a = goMenu->addAction(
            tr("Range %1").arg(secs >= 3600 ? QStringLiteral("1 h") : tr("%1 min").arg(secs / 60)), this,
            [this, secs] { detail_->setRangeSeconds(secs); });
        a->setObjectName(QStringLiteral("actionRange%1").arg(secs));
        a->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i)));
        a->setCheckable(true);
        a->setChecked(secs == detail_->rangeSeconds());
        a->setData(secs);
        rangeGroup->addAction(a);
    }
    connect(detail_, &DetailPage::rangeChanged, rangeGroup, [rangeGroup](int secs) {
        for (auto* a : rangeGroup->actions())
            if (a->data().toInt() == secs) a->setChecked(true);
    });
    auto* esc = new QShortcut(QKeySequence(Qt::Key_Escape), this);
    esc->setObjectName("shortcutDismissBanner");
    connect(esc, &QShortcut::activated, banner_, &QWidget::hide);
}

void MainWindow::showSloDialog() {
    if (!slo_dialog_) slo_dialog_ = new SloDialog(d_, this);
    if (!slo_dialog_->isVisible()) slo_dialog_->setValues(d_->slo());  // unapplied edits were discarded
    slo_dialog_->show();
    slo_dialog_->raise();
    slo_dialog_->activateWindow();
}

void MainWindow::selectAgent(const QString& id) {
    current_ = id;
    const int row = d_->agentsModel()->rowOf(id);
    if (row >= 0) agent_box_->setCurrentIndex(row);
    detail_->setAgent(id);
    limits_->setAgent(id);
    canary_->setAgent(id);
    load_->setAgent(id);
    updateStatus();
}

void MainWindow::showTab(Tab t) {
    tabs_->setCurrentIndex(t);
}

void MainWindow::setThemeMode(Theme::Mode m) {
    theme_ = m;
    const bool dark = Theme::apply(*qApp, m);
    detail_->setDark(dark);
    theme_box_->setCurrentIndex(theme_box_->findData(Theme::toString(m)));
}

void MainWindow::showMessage(const QString& text, bool error) {
    banner_->showMessage(text, error);
    if (!error) statusBar()->showMessage(text, 5000);
}

QString MainWindow::selectedAgentInDock() const {
    const auto sel = agents_view_->selectionModel()->selectedRows();
    if (sel.isEmpty()) return current_;
    return d_->agentsModel()->data(sel.first(), AgentListModel::IdRole).toString();
}

void MainWindow::addAgentDialog() {
    AgentDialog dlg(AgentConfig{}, this);
    if (dlg.exec() != QDialog::Accepted) return;
    selectAgent(d_->addAgent(dlg.config()));
}

void MainWindow::editAgentDialog() {
    const QString id = selectedAgentInDock();
    const int row = d_->agentsModel()->rowOf(id);
    if (row < 0) return;
    AgentDialog dlg(d_->agentsModel()->configAt(row), this);
    if (dlg.exec() == QDialog::Accepted) d_->updateAgent(dlg.config());
}

void MainWindow::removeSelectedAgent() {
    const QString id = selectedAgentInDock();
    if (!id.isEmpty()) d_->removeAgent(id);
}

void MainWindow::updateStatus() {
    if (current_.isEmpty()) {
        status_state_->setText(tr("No agent selected"));
    } else {
        const StreamState s = d_->agentsModel()->stateOf(current_);
        const QString reason = d_->agentsModel()->reasonOf(current_);
        status_state_->setText(
            tr("%1 — %2%3")
                .arg(d_->agentName(current_), AgentListModel::stateText(s),
                     reason.isEmpty() || s == StreamState::Live ? QString() : " (" + reason + ")"));
    }
    int live = 0;
    for (const auto& id : d_->agentIds())
        live += d_->agentsModel()->stateOf(id) == StreamState::Live;
    status_rate_->setText(tr("%1/%2 agents live · %3 updates/s · %4 repaints")
                              .arg(live)
                              .arg(d_->agentIds().size())
                              .arg(d_->updateRate(), 0, 'f', 1)
                              .arg(d_->ticks()));
}

std::unique_ptr<QSettings> MainWindow::openSettings() const {
    if (settings_file_.isEmpty()) return std::make_unique<QSettings>();
    return std::make_unique<QSettings>(settings_file_, QSettings::IniFormat);
}

void MainWindow::restoreSettings() {
    restoreSettings(*openSettings());
}

void MainWindow::saveSettings() const {
    saveSettings(*openSettings());
}

void MainWindow::restoreSettings(QSettings& s) {
    restoreGeometry(s.value("window/geometry").toByteArray());
    restoreState(s.value("window/state").toByteArray());
    setThemeMode(Theme::fromString(s.value("view/theme", "system").toString()));
    const int range = s.value("view/rangeSeconds", 300).toInt();
    detail_->setRangeSeconds(DetailPage::rangeChoices().contains(range) ? range : 300);
    const QString agent = s.value("view/agent").toString();
    if (d_->agentsModel()->rowOf(agent) >= 0) selectAgent(agent);
    const int tab = s.value("view/tab", 0).toInt();
    showTab(static_cast<Tab>(tab >= 0 && tab < tabs_->count() ? tab : 0));
}

void MainWindow::saveSettings(QSettings& s) const {
    s.setValue("window/geometry", saveGeometry());
    s.setValue("window/state", saveState());
    s.setValue("view/theme", Theme::toString(theme_));
    s.setValue("view/rangeSeconds", detail_->rangeSeconds());
    s.setValue("view/agent", current_);
    s.setValue("view/tab", tabs_->currentIndex());
    d_->save(s);
}

void MainWindow::closeEvent(QCloseEvent* e) {
    saveSettings();
    load_ctl_->stopAndWait();
    QMainWindow::closeEvent(e);
}

}  // namespace redline::ui
