// The main window only wires: agents dock, toolbar (agent, time range, pause, theme), tabs (Overview, Charts,
// Limits, Canary, Load, Events, Runs), the inline banner, the status bar and the non-modal SLO editor. State
// (geometry, dock layout, tab, range, theme, selected agent) is saved and restored through QSettings (the
// application's default settings, or an ini file set with setSettingsFile()); applied SLOs are written at
// once.
//
// Every menu action has an objectName (tests and keyboard-shortcut docs rely on them): actionAddAgent
// (Ctrl+N), actionEditAgent (Ctrl+E), actionRemoveAgent, actionReconnect (F5), actionAddPrometheus
// (Ctrl+Shift+N), actionOpenLiveStream (Ctrl+L, a Prometheus target that is a Redline agent), actionQuit
// (Ctrl+Q), actionGoOverview .. actionGoRuns (Alt+1..7), actionPause (P, checkable),
// actionRange60/300/900/3600 (Ctrl+1..4, exclusive), actionToggleAgents (Ctrl+D), actionSlo (Ctrl+Shift+O),
// actionShortcuts (F1), actionAbout. Removing an agent asks first (setConfirm replaces the question in
// tests).
//
// Threading: GUI thread only.
#pragma once

#include <QHash>
#include <QList>
#include <QMainWindow>
#include <functional>
#include <memory>

#include "ui/widgets/theme.h"

class QComboBox;
class QDockWidget;
class QLabel;
class QSettings;
class QTabWidget;
class QTableView;

namespace redline::ui {

class CanaryPanel;
class Dashboard;
class DetailPage;
class ErrorBanner;
class EventsPage;
class LimitsPanel;
class LoadController;
class LoadPanel;
class OverviewPage;
class Page;
class RunsPage;
class SloDialog;

class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    enum Tab { OverviewTab, ChartsTab, LimitsTab, CanaryTab, LoadTab, EventsTab, RunsTab };

    MainWindow(Dashboard* dashboard, QWidget* parent = nullptr);
    ~MainWindow() override;

    void selectAgent(const QString& id);
    QString currentAgent() const { return current_; }
    void showTab(Tab t);
    void setThemeMode(Theme::Mode m);
    Theme::Mode themeMode() const { return theme_; }
    /// Restores / saves the window state from the settings file (see setSettingsFile) or the default
    /// QSettings.
    void restoreSettings();
    void saveSettings() const;
    void restoreSettings(QSettings& s);
    void saveSettings(QSettings& s) const;
    /// Uses this ini file instead of the application's default settings (tests, portable setups).
    void setSettingsFile(const QString& iniPath) { settings_file_ = iniPath; }
    QString settingsFile() const { return settings_file_; }

    /// Opens (or raises) the non-modal SLO editor, loaded with the dashboard's current objectives.
    void showSloDialog();
    /// The SLO editor, once opened (nullptr before).
    SloDialog* sloDialog() const { return slo_dialog_; }

    DetailPage* detail() const { return detail_; }
    OverviewPage* overview() const { return overview_; }
    LimitsPanel* limits() const { return limits_; }
    CanaryPanel* canary() const { return canary_; }
    LoadPanel* load() const { return load_; }
    LoadController* loadController() const { return load_ctl_; }
    ErrorBanner* banner() const { return banner_; }
    EventsPage* events() const { return events_; }
    RunsPage* runs() const { return runs_; }
    QTabWidget* tabs() const { return tabs_; }

    /// Replaces the "are you sure?" question (tests); return true to proceed.
    void setConfirm(std::function<bool(const QString&)> confirm) { confirm_ = std::move(confirm); }
    /// The keyboard-shortcut list (Help ▸ Keyboard shortcuts, F1), built from the actions.
    QString shortcutsText() const;
    /// Shrinks and moves the window so it lies within its screen's available geometry.
    void fitToScreen();

  public slots:
    void showMessage(const QString& text, bool error);

  protected:
    void closeEvent(QCloseEvent* e) override;
    void showEvent(QShowEvent* e) override;

  private:
    struct TabSpec {
        Tab tab;
        const char* title;   // translated with tr()
        const char* action;  // objectName of its Go-menu action
    };
    static const QList<TabSpec>& tabSpecs();
    QList<Page*> pages() const;
    std::unique_ptr<QSettings> openSettings() const;
    void buildPages();
    void buildAgentsDock();
    void buildToolbar();
    void buildStatusBar();
    void wire();
    void buildActions();
    void showShortcuts();
    void updateStatus();
    /// The Canary tab's title, icon and tooltip, and the status bar's rollout note: a rollback (until its
    /// banner is dismissed) or a pause of the selected agent's rollout is seen from every tab.
    void showRolloutAttention();
    void addAgentDialog();
    /// Asks who acts from this dashboard (Dashboard::setOperatorName); a refused name is said in the dialog,
    /// which stays open.
    void operatorNameDialog();
    void editAgentDialog();
    void removeSelectedAgent();
    /// Agents ▸ Add Prometheus source… (PrometheusDialog).
    void addPrometheusDialog();
    /// Agents ▸ Open live stream: the selected Prometheus target is a Redline agent; connect to it directly
    /// (its admin API is the scrape address) with a token asked once per source, and select it.
    void openLiveStream();
    QString selectedAgentInDock() const;

    Dashboard* d_;
    QString current_;
    Theme::Mode theme_ = Theme::Mode::System;
    QTabWidget* tabs_;
    OverviewPage* overview_;
    DetailPage* detail_;
    LimitsPanel* limits_;
    CanaryPanel* canary_;
    LoadController* load_ctl_;
    LoadPanel* load_;
    EventsPage* events_;
    RunsPage* runs_;
    QTableView* agents_view_;
    ErrorBanner* banner_;
    QComboBox* agent_box_;
    QComboBox* theme_box_;
    QLabel* status_state_;
    QLabel* status_rate_;
    QLabel* status_rollout_;
    SloDialog* slo_dialog_ = nullptr;
    QString settings_file_;
    QDockWidget* dock_ = nullptr;
    QAction* live_stream_action_ = nullptr;
    QHash<QString, QString> live_tokens_;  // source id -> token typed for its targets (memory only)
    bool debug_ui_ = false;
    bool fitted_ = false;  // REDLINE_DEBUG_UI=1: developer figures (repaints) in the status bar
    std::function<bool(const QString&)> confirm_;
};

}  // namespace redline::ui
