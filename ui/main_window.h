// The main window only wires: agents dock, toolbar (agent, time range, pause, theme), tabs (Overview, Charts,
// Limits, Canary, Load, Events), the inline banner and the status bar. State (geometry, dock layout, tab,
// range, theme, selected agent) is saved and restored through QSettings.
//
// Threading: GUI thread only.
#pragma once

#include <QMainWindow>

#include "ui/theme.h"

class QComboBox;
class QLabel;
class QTabWidget;
class QTableView;

namespace redline::ui {

class CanaryPanel;
class Dashboard;
class DetailPage;
class ErrorBanner;
class LimitsPanel;
class LoadController;
class LoadPanel;
class OverviewPage;

class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    enum Tab { OverviewTab, ChartsTab, LimitsTab, CanaryTab, LoadTab, EventsTab };

    MainWindow(Dashboard* dashboard, QWidget* parent = nullptr);
    ~MainWindow() override;

    void selectAgent(const QString& id);
    QString currentAgent() const { return current_; }
    void showTab(Tab t);
    void setThemeMode(Theme::Mode m);
    Theme::Mode themeMode() const { return theme_; }
    void restoreSettings();
    void saveSettings() const;

    DetailPage* detail() const { return detail_; }
    OverviewPage* overview() const { return overview_; }
    LimitsPanel* limits() const { return limits_; }
    CanaryPanel* canary() const { return canary_; }
    LoadPanel* load() const { return load_; }
    LoadController* loadController() const { return load_ctl_; }
    ErrorBanner* banner() const { return banner_; }
    QTabWidget* tabs() const { return tabs_; }

  public slots:
    void showMessage(const QString& text, bool error);

  protected:
    void closeEvent(QCloseEvent* e) override;

  private:
    void buildActions();
    void updateStatus();
    void addAgentDialog();
    void editAgentDialog();
    void removeSelectedAgent();
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
    QTableView* events_;
    QTableView* agents_view_;
    ErrorBanner* banner_;
    QComboBox* agent_box_;
    QComboBox* theme_box_;
    QLabel* status_state_;
    QLabel* status_rate_;
};

}  // namespace redline::ui
