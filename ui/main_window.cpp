#include "ui/main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QGuiApplication>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QSettings>
#include <QShortcut>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>
#include <algorithm>

#include "core/stream_consumer.h"
#include "ui/dialogs/agent_dialog.h"
#include "ui/dialogs/prometheus_dialog.h"
#include "ui/dialogs/slo_dialog.h"
#include "ui/pages/canary_panel.h"
#include "ui/pages/detail_page.h"
#include "ui/pages/events_page.h"
#include "ui/pages/limits_panel.h"
#include "ui/pages/load_panel.h"
#include "ui/pages/overview_page.h"
#include "ui/pages/rollout_panel.h"
#include "ui/pages/runs_page.h"
#include "ui/session/dashboard.h"
#include "ui/session/load_controller.h"
#include "ui/widgets/error_banner.h"

namespace redline::ui {

MainWindow::MainWindow(Dashboard* dashboard, QWidget* parent) : QMainWindow(parent), d_(dashboard) {
    setWindowTitle(tr("Redline"));
    setWindowIcon(QIcon(QStringLiteral(":/redline/icons/redline.svg")));
    setObjectName("mainWindow");
    debug_ui_ = qEnvironmentVariableIntValue("REDLINE_DEBUG_UI") != 0;
    confirm_ = [this](const QString& text) {
        return QMessageBox::question(this, tr("Redline"), text) == QMessageBox::Yes;
    };
    load_ctl_ = new LoadController(d_, this);
    buildPages();
    buildAgentsDock();
    buildToolbar();
    buildActions();
    buildStatusBar();
    wire();
    if (!d_->agentIds().isEmpty()) selectAgent(d_->agentIds().first());
    resize(1400, 900);
}

MainWindow::~MainWindow() = default;

QList<Page*> MainWindow::pages() const {
    return {overview_, detail_, limits_, canary_, load_, events_, runs_};
}

const QList<MainWindow::TabSpec>& MainWindow::tabSpecs() {
    // One table for the tabs, their titles and the Go menu (Alt+1..7 in this order).
    static const QList<TabSpec> specs = {
        {OverviewTab, QT_TR_NOOP("Overview"), "actionGoOverview"},
        {ChartsTab, QT_TR_NOOP("Charts"), "actionGoCharts"},
        {LimitsTab, QT_TR_NOOP("Rate limits"), "actionGoLimits"},
        {CanaryTab, QT_TR_NOOP("Canary"), "actionGoCanary"},
        {LoadTab, QT_TR_NOOP("Load test"), "actionGoLoad"},
        {EventsTab, QT_TR_NOOP("Events"), "actionGoEvents"},
        {RunsTab, QT_TR_NOOP("Runs"), "actionGoRuns"},
    };
    return specs;
}

void MainWindow::buildPages() {
    overview_ = new OverviewPage(d_);
    detail_ = new DetailPage(d_);
    limits_ = new LimitsPanel(d_);
    canary_ = new CanaryPanel(d_);
    load_ = new LoadPanel(d_, load_ctl_);
    events_ = new EventsPage(d_);
    // Every run started from the Load tab is kept (docs/dashboard-runs.md) and listed in the Runs tab.
    load_ctl_->setRunsDb(LoadController::defaultRunsDb());
    runs_ = new RunsPage;
    runs_->setRunsDb(load_ctl_->runsDb());
    const QHash<Tab, QWidget*> pages = {{OverviewTab, overview_}, {ChartsTab, detail_}, {LimitsTab, limits_},
                                        {CanaryTab, canary_},     {LoadTab, load_},     {EventsTab, events_},
                                        {RunsTab, runs_}};
    tabs_ = new QTabWidget;
    tabs_->setDocumentMode(true);
    for (const auto& t : tabSpecs())
        tabs_->addTab(pages.value(t.tab), tr(t.title));

    banner_ = new ErrorBanner;
    auto* central = new QWidget;
    auto* lay = new QVBoxLayout(central);
    lay->setContentsMargins(6, 6, 6, 0);
    lay->addWidget(banner_);
    lay->addWidget(tabs_, 1);
    setCentralWidget(central);
}

void MainWindow::buildAgentsDock() {
    agents_view_ = new QTableView;
    agents_view_->setObjectName("agentsView");
    agents_view_->setModel(d_->agentsModel());
    agents_view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    agents_view_->setSelectionMode(QAbstractItemView::SingleSelection);
    agents_view_->verticalHeader()->hide();
    agents_view_->horizontalHeader()->setStretchLastSection(true);
    agents_view_->setColumnHidden(AgentListModel::Url, true);
    agents_view_->setTabKeyNavigation(false);  // no keyboard trap: Tab moves on, arrows move between agents
    dock_ = new QDockWidget(tr("Agents"));
    dock_->setObjectName("agentsDock");
    dock_->setWidget(agents_view_);
    addDockWidget(Qt::LeftDockWidgetArea, dock_);
    // Wide enough on first start for name, state and the start of the reason; a saved layout overrides it.
    resizeDocks({dock_}, {360}, Qt::Horizontal);
    // Selecting a row (mouse or arrow keys) selects the agent everywhere; double-click/Enter opens its
    // charts.
    connect(agents_view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& i) {
                if (i.isValid()) selectAgent(d_->agentsModel()->data(i, AgentListModel::IdRole).toString());
            });
    connect(agents_view_, &QTableView::activated, this, [this](const QModelIndex& i) {
        selectAgent(d_->agentsModel()->data(i, AgentListModel::IdRole).toString());
        showTab(ChartsTab);
    });
}

void MainWindow::buildToolbar() {
    auto* tb = addToolBar(tr("Main"));
    tb->setObjectName("mainToolbar");
    tb->setMovable(false);
    tb->addWidget(new QLabel(tr(" Agent ")));
    agent_box_ = new QComboBox;
    agent_box_->setObjectName("agentBox");
    agent_box_->setModel(d_->agentsModel());
    agent_box_->setModelColumn(AgentListModel::Name);
    agent_box_->setMinimumContentsLength(18);
    tb->addWidget(agent_box_);
    connect(agent_box_, &QComboBox::activated, this, [this](int row) {
        selectAgent(
            d_->agentsModel()->data(d_->agentsModel()->index(row, 0), AgentListModel::IdRole).toString());
    });
    auto* spacer = new QWidget;
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    tb->addWidget(spacer);
    tb->addWidget(new QLabel(tr("Theme ")));
    theme_box_ = new QComboBox;
    theme_box_->setObjectName("themeBox");
    theme_box_->addItem(tr("System"), "system");
    theme_box_->addItem(tr("Dark"), "dark");
    theme_box_->addItem(tr("Light"), "light");
    tb->addWidget(theme_box_);
    connect(theme_box_, &QComboBox::activated, this,
            [this](int i) { setThemeMode(Theme::fromString(theme_box_->itemData(i).toString())); });
}

void MainWindow::buildStatusBar() {
    status_state_ = new QLabel;
    status_rate_ = new QLabel;
    status_rate_->setObjectName("statusRate");
    status_rollout_ = new QLabel;
    status_rollout_->setObjectName("inlineError");  // the themes' error colour
    status_rollout_->setAccessibleName(tr("Rollout status"));
    status_rollout_->hide();
    statusBar()->addWidget(status_state_, 1);
    statusBar()->addPermanentWidget(status_rollout_);
    statusBar()->addPermanentWidget(status_rate_);
    auto* statusTimer = new QTimer(this);
    connect(statusTimer, &QTimer::timeout, this, &MainWindow::updateStatus);
    statusTimer->start(1000);
}

void MainWindow::wire() {
    for (Page* p : pages())
        connect(p, &Page::message, this, &MainWindow::showMessage);
    connect(events_, &EventsPage::jumpTo, this, [this](const QString& agent, qint64 t) {
        if (d_->agentsModel()->rowOf(agent) >= 0) selectAgent(agent);
        showTab(ChartsTab);
        detail_->showTime(t);
    });
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
                    showMessage(tr("%1: %2").arg(d_->agentName(id), AgentListModel::readableReason(reason)),
                                true);
                updateStatus();
            });
    connect(canary_->rollout(), &RolloutPanel::statusChanged, this, &MainWindow::showRolloutAttention);
    connect(tabs_, &QTabWidget::currentChanged, this, [this](int i) {
        if (i == ChartsTab) detail_->refreshNow();
        if (i == OverviewTab) overview_->refreshNow();
        if (i == RunsTab) runs_->refresh();
    });
    // A run appears in the list when it starts (incomplete) and again when its end is stored.
    connect(load_ctl_, &LoadController::runningChanged, runs_, [this](bool running) {
        if (running && !load_ctl_->savedRunId().isEmpty()) {
            runs_->setRecordingRun(load_ctl_->savedRunId());
            runs_->refresh();
        }
    });
    connect(load_ctl_, &LoadController::runSaved, runs_, [this] {
        runs_->setRecordingRun(QString());
        runs_->refresh();
    });
}

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
    named(agentsMenu->addAction(tr("Re&connect"), this,
                                [this] {
                                    if (auto* src = d_->prometheusSource(d_->sourceOf(current_)))
                                        src->refreshNow();
                                    else
                                        d_->reconnect(current_);
                                }),
          "actionReconnect", QKeySequence(Qt::Key_F5));
    agentsMenu->addSeparator();
    named(agentsMenu->addAction(tr("Add &Prometheus source…"), this, &MainWindow::addPrometheusDialog),
          "actionAddPrometheus", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
    live_stream_action_ = agentsMenu->addAction(tr("Open &live stream"), this, &MainWindow::openLiveStream);
    named(live_stream_action_, "actionOpenLiveStream", QKeySequence(Qt::CTRL | Qt::Key_L));
    live_stream_action_->setEnabled(false);
    agentsMenu->addSeparator();
    named(agentsMenu->addAction(tr("Your &name in the audit log…"), this, &MainWindow::operatorNameDialog),
          "actionOperatorName");
    agentsMenu->addSeparator();
    named(agentsMenu->addAction(tr("&Quit"), this, &QWidget::close), "actionQuit",
          QKeySequence(Qt::CTRL | Qt::Key_Q));

    auto* goMenu = menuBar()->addMenu(tr("&Go"));
    for (const auto& t : tabSpecs())
        named(goMenu->addAction(tr(t.title), this, [this, tab = t.tab] { showTab(tab); }), t.action,
              QKeySequence(Qt::ALT | static_cast<Qt::Key>(Qt::Key_1 + int(t.tab))));
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
    auto* viewMenu = menuBar()->addMenu(tr("&View"));
    auto* toggleAgents = dock_->toggleViewAction();
    toggleAgents->setObjectName("actionToggleAgents");
    toggleAgents->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
    viewMenu->addAction(toggleAgents);
    viewMenu->addSeparator();
    named(viewMenu->addAction(tr("&Service-level objectives…"), this, &MainWindow::showSloDialog),
          "actionSlo", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));

    auto* helpMenu = menuBar()->addMenu(tr("&Help"));
    named(helpMenu->addAction(tr("&Keyboard shortcuts"), this, &MainWindow::showShortcuts), "actionShortcuts",
          QKeySequence(Qt::Key_F1));
    named(helpMenu->addAction(tr("&About Redline"), this,
                              [this] {
                                  QMessageBox::about(this, tr("About Redline"),
                                                     tr("<b>Redline</b> %1<br>Live API observability and "
                                                        "operations console.")
                                                         .arg(QStringLiteral(REDLINE_VERSION)));
                              }),
          "actionAbout");

    auto* esc = new QShortcut(QKeySequence(Qt::Key_Escape), this);
    esc->setObjectName("shortcutDismissBanner");
    connect(esc, &QShortcut::activated, banner_, &QWidget::hide);
}

QString MainWindow::shortcutsText() const {
    // Built from the actions themselves, so the list can never drift from what the keys do.
    QString html = tr("<table cellspacing=0 cellpadding=3>");
    for (QAction* menu : menuBar()->actions()) {
        if (!menu->menu()) continue;
        html += QStringLiteral("<tr><td colspan=2><b>%1</b></td></tr>").arg(menu->text().remove('&'));
        for (QAction* a : menu->menu()->actions())
            if (!a->isSeparator() && !a->shortcut().isEmpty())
                html += QStringLiteral("<tr><td>%1</td><td><code>%2</code></td></tr>")
                            .arg(a->text().remove('&').toHtmlEscaped(),
                                 a->shortcut().toString(QKeySequence::NativeText).toHtmlEscaped());
    }
    html += QStringLiteral("<tr><td colspan=2><b>%1</b></td></tr>").arg(tr("Runs tab"));
    for (QAction* a : runs_->actions())
        if (!a->shortcut().isEmpty())
            html += QStringLiteral("<tr><td>%1</td><td><code>%2</code></td></tr>")
                        .arg(a->text().remove(QStringLiteral("…")).toHtmlEscaped(),
                             a->shortcut().toString(QKeySequence::NativeText).toHtmlEscaped());
    html += tr("<tr><td>Open the current run</td><td><code>Enter</code></td></tr>");
    html += tr(
        "<tr><td colspan=2><b>Elsewhere</b></td></tr>"
        "<tr><td>Dismiss the message banner</td><td><code>Esc</code></td></tr>"
        "<tr><td>Start / stop a load test (Load test tab)</td><td><code>Ctrl+R</code> / "
        "<code>Ctrl+.</code></td></tr>"
        "<tr><td>Apply rate limits (Rate limits tab)</td><td><code>Ctrl+Return</code></td></tr>"
        "<tr><td>Charts: zoom to a range / pan</td><td>drag / <code>Shift</code>+drag, <code>Left</code> "
        "<code>Right</code></td></tr>"
        "<tr><td>Charts: zoom in / out, back to live</td><td><code>+</code> <code>-</code>, <code>Esc</code> "
        "or double-click</td></tr>"
        "<tr><td>Move between controls</td><td><code>Tab</code> / <code>Shift+Tab</code></td></tr>"
        "</table>");
    return html;
}

void MainWindow::showShortcuts() {
    QMessageBox box(this);
    box.setObjectName("shortcutsDialog");
    box.setWindowTitle(tr("Keyboard shortcuts"));
    box.setTextFormat(Qt::RichText);
    box.setText(shortcutsText());
    box.exec();
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
    if (row >= 0) {
        agent_box_->setCurrentIndex(row);
        const QModelIndex i = d_->agentsModel()->index(row, AgentListModel::Name);
        if (agents_view_->selectionModel()->currentIndex().row() != row)
            agents_view_->selectionModel()->setCurrentIndex(
                i, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    }
    for (Page* p : pages())
        p->setAgent(id);
    d_->setFocusAgent(id);  // a Prometheus target gets its per-route series
    if (live_stream_action_) live_stream_action_->setEnabled(d_->isRedlineTarget(id));
    updateStatus();
}

void MainWindow::showTab(Tab t) {
    tabs_->setCurrentIndex(t);
}

void MainWindow::setThemeMode(Theme::Mode m) {
    theme_ = m;
    const bool dark = Theme::apply(*qApp, m);
    detail_->setDark(dark);
    load_->setDark(dark);
    runs_->setDark(dark);
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

void MainWindow::operatorNameDialog() {
    QInputDialog dlg(this);
    dlg.setObjectName("operatorNameDialog");
    dlg.setWindowTitle(tr("Your name in the audit log"));
    const QString help = tr("Every change and event this dashboard sends names you: the agent records\n"
                            "\"<role>:<name>\" (for example operator:%1). Empty: $USER.")
                             .arg(d_->operatorName());
    dlg.setLabelText(help);
    dlg.setTextValue(d_->operatorName());
    for (;;) {
        if (dlg.exec() != QDialog::Accepted) return;
        QString why;
        if (d_->setOperatorName(dlg.textValue(), &why)) break;
        dlg.setLabelText(help + QStringLiteral("\n\n") + tr("Not saved: %1").arg(why));
    }
    saveSettings();
    showMessage(tr("Changes are now recorded as made by %1").arg(d_->operatorName()), false);
}

void MainWindow::addAgentDialog() {
    AgentDialog dlg(AgentConfig{}, this);
    dlg.setSessionOnly(!d_->persistAgents());
    if (dlg.exec() != QDialog::Accepted) return;
    selectAgent(d_->addAgent(dlg.config()));
}

void MainWindow::addPrometheusDialog() {
    PrometheusDialog dlg(PrometheusSourceConfig{}, this);
    dlg.setSessionOnly(!d_->persistAgents());
    if (dlg.exec() != QDialog::Accepted) return;
    PrometheusSourceConfig c = dlg.config();
    c.ephemeral = !d_->persistAgents();
    const QString id = d_->addPrometheusSource(c);
    selectAgent(Dashboard::sourceAgentId(id, QStringLiteral("*")));
    saveSettings();
}

void MainWindow::openLiveStream() {
    const QString id = current_;
    if (!d_->isRedlineTarget(id)) return;
    const AgentConfig target = d_->agentsModel()->configAt(d_->agentsModel()->rowOf(id));
    // The scrape address is the agent's admin API (its /metrics), with the scheme of the source.
    const QString url = QStringLiteral("http://") + target.instance;
    for (const auto& c : d_->agentsModel()->configs())
        if (c.sourceId.isEmpty() && c.url == url) {
            selectAgent(c.id);
            showTab(ChartsTab);
            return;
        }
    QString token = live_tokens_.value(target.sourceId);
    if (token.isEmpty()) {
        bool ok = false;
        token = QInputDialog::getText(this, tr("Open live stream"),
                                      tr("Token for the Redline agents of this source (viewer or operator;\n"
                                         "asked once, kept in memory for this session):"),
                                      QLineEdit::Password, {}, &ok)
                    .trimmed();
        if (!ok) return;
        live_tokens_.insert(target.sourceId, token);
    }
    AgentConfig c;
    c.name = target.instance + tr(" (live)");
    c.url = url;
    c.token = token;
    c.ephemeral = true;  // derived from the source: the source is what is saved
    selectAgent(d_->addAgent(c));
    showTab(ChartsTab);
    showMessage(tr("Streaming %1 directly at 1 s; its controls are in the Limits and Canary tabs").arg(url),
                false);
}

void MainWindow::editAgentDialog() {
    const QString id = selectedAgentInDock();
    const int row = d_->agentsModel()->rowOf(id);
    if (row < 0) return;
    if (const QString src = d_->sourceOf(id); !src.isEmpty()) {
        for (const auto& c : d_->prometheusSources()) {
            if (c.id != src) continue;
            PrometheusDialog dlg(c, this);
            if (dlg.exec() != QDialog::Accepted) return;
            d_->updatePrometheusSource(dlg.config());
            selectAgent(Dashboard::sourceAgentId(src, QStringLiteral("*")));
            saveSettings();
            return;
        }
        return;
    }
    AgentDialog dlg(d_->agentsModel()->configAt(row), this);
    if (dlg.exec() == QDialog::Accepted) d_->updateAgent(dlg.config());
}

void MainWindow::removeSelectedAgent() {
    const QString id = selectedAgentInDock();
    if (id.isEmpty()) return;
    if (const QString src = d_->sourceOf(id); !src.isEmpty()) {
        QString name;
        for (const auto& c : d_->prometheusSources())
            if (c.id == src) name = c.name;
        if (!confirm_(tr("Remove the Prometheus source %1 and all its targets from this dashboard?\n\n"
                         "Their charts here are dropped; Prometheus is not changed.")
                          .arg(name)))
            return;
        d_->removeAgent(id);
        saveSettings();
        return;
    }
    if (!confirm_(tr("Remove agent %1 from this dashboard?\n\nIts charts and events here are dropped; the "
                     "agent itself is not changed.")
                      .arg(d_->agentName(id))))
        return;
    d_->removeAgent(id);
}

void MainWindow::showRolloutAttention() {
    const RolloutPanel* r = canary_->rollout();
    const QString what = r->attention();
    const QString title = tr(tabSpecs()[CanaryTab].title);
    // Words first (the themes colour every tab alike); the icon catches the eye.
    tabs_->setTabText(CanaryTab, what.isEmpty() ? title : tr("%1 · %2").arg(title, what));
    const bool rolledBack = r->status() && r->status()->state == RolloutState::RolledBack;
    tabs_->setTabIcon(CanaryTab, what.isEmpty()
                                     ? QIcon()
                                     : style()->standardIcon(rolledBack ? QStyle::SP_MessageBoxCritical
                                                                        : QStyle::SP_MessageBoxWarning));
    const QString detail = what.isEmpty() ? QString() : tr("Rollout %1: %2").arg(what, r->attentionDetail());
    tabs_->setTabToolTip(CanaryTab, detail);
    status_rollout_->setText(
        status_rollout_->fontMetrics().elidedText(detail, Qt::ElideRight, std::max(200, width() / 3)));
    status_rollout_->setToolTip(detail);
    status_rollout_->setVisible(!what.isEmpty());
}

void MainWindow::updateStatus() {
    if (live_stream_action_) live_stream_action_->setEnabled(d_->isRedlineTarget(current_));
    if (current_.isEmpty()) {
        status_state_->setText(tr("No agent selected"));
    } else {
        const StreamState s = d_->agentsModel()->stateOf(current_);
        const QString reason = d_->agentsModel()->reasonOf(current_);
        status_state_->setText(tr("%1 — %2%3")
                                   .arg(d_->agentName(current_), AgentListModel::stateText(s),
                                        reason.isEmpty() || s == StreamState::Live
                                            ? QString()
                                            : " (" + AgentListModel::readableReason(reason) + ")"));
    }
    int live = 0;
    for (const auto& id : d_->agentIds())
        live += d_->agentsModel()->stateOf(id) == StreamState::Live;
    QString text = tr("%1/%2 agents live · %3 updates/s")
                       .arg(live)
                       .arg(d_->agentIds().size())
                       .arg(d_->updateRate(), 0, 'f', 1);
    if (debug_ui_) text += tr(" · %1 repaints").arg(d_->ticks());  // REDLINE_DEBUG_UI=1
    status_rate_->setText(text);
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

void MainWindow::fitToScreen() {
    QScreen* sc = screen() ? screen() : QGuiApplication::primaryScreen();
    if (!sc) return;
    const QRect avail = sc->availableGeometry();
    QRect g = frameGeometry();
    const QSize frame = g.size() - geometry().size();  // decorations
    // As large as the screen allows, never below the window's minimum (a window that cannot shrink further
    // keeps its size and place, so a saved layout that already is as small as it gets round-trips).
    const QSize want = geometry().size().boundedTo(avail.size() - frame).expandedTo(minimumSize());
    const bool resized = want != geometry().size();
    if (resized) resize(want);
    g = frameGeometry();
    if (!resized && avail.contains(g.topLeft())) return;
    move(std::clamp(g.x(), avail.left(), std::max(avail.left(), avail.right() - g.width() + 1)),
         std::clamp(g.y(), avail.top(), std::max(avail.top(), avail.bottom() - g.height() + 1)));
}

void MainWindow::restoreSettings(QSettings& s) {
    restoreGeometry(s.value("window/geometry").toByteArray());
    // A geometry saved on a larger screen (or another scale factor) is fitted to this one.
    fitToScreen();
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

void MainWindow::showEvent(QShowEvent* e) {
    QMainWindow::showEvent(e);
    // Only now are the screen and the frame known: fit once, when first shown.
    if (!fitted_) {
        fitted_ = true;
        fitToScreen();
    }
}

void MainWindow::closeEvent(QCloseEvent* e) {
    saveSettings();
    load_ctl_->stopAndWait();
    QMainWindow::closeEvent(e);
}

}  // namespace redline::ui
