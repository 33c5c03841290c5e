// Overview: the fleet table. One row per configured agent, grouped by service with a total row per group
// and one for the whole fleet (FleetModel), sorted and filtered by FleetSortProxy, trends painted by
// SparklineDelegate (no widget per row), in a QTableView with fixed row heights.
//
// Sort: click a header (numbers numerically, absent figures last, sorting within each group). The default
// is by state, worst first (not live, SLO breach, no data, ok), as the cards were. The figures update every
// tick in place (dataChanged), but rows are re-sorted only every kResortMs (and at once when agents come or
// go, the filter changes or a header is clicked), so a list sorted by a live figure does not jump every
// second.
//
// Filter: a QLineEdit above the table (Tab reaches it; Down or Enter moves into the table): words match
// name, URL or service; `service=catalog`, `name=`, `url=`, `state=stale` match one field.
//
// Drill-down: double-click or Enter on an agent row emits agentActivated(id) (the main window opens its
// charts).
//
// Threading: GUI thread only. Refreshes the model on Dashboard::ticked() while visible (at least once a
// second, so "last seen N s ago" keeps counting; ticks closer than kMinRefreshMs are folded into one), on a
// stream state change, and when shown.
#pragma once

#include <QStringList>
#include <QTimer>
#include <QWidget>
#include <cstdint>

#include "ui/pages/page.h"

class QCheckBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace redline::ui {

class Dashboard;
class FleetModel;
class FleetSortProxy;

class OverviewPage : public Page {
    Q_OBJECT
  public:
    static constexpr int kResortMs = 5000;
    /// Ticks closer together than this are folded into one refresh (the last data is shown within it).
    static constexpr int kMinRefreshMs = 1000;

    explicit OverviewPage(Dashboard* dashboard, QWidget* parent = nullptr);
    void refreshNow();

    FleetModel* model() const { return model_; }
    FleetSortProxy* proxy() const { return proxy_; }
    QTableView* table() const { return table_; }
    QLineEdit* filterEdit() const { return filter_; }
    QCheckBox* groupBox() const { return group_; }
    /// Agent ids in the order their rows are shown (top to bottom, filtered ones left out).
    QStringList order() const;
    /// The view row of an agent (-1: not shown).
    int viewRowOf(const QString& id) const;

  signals:
    void agentActivated(const QString& id);

  protected:
    void showEvent(QShowEvent* e) override;
    void changeEvent(QEvent* e) override;
    bool eventFilter(QObject* o, QEvent* e) override;

  private:
    void updateEmpty();
    void resort();
    void focusTable();

    Dashboard* d_;
    FleetModel* model_;
    FleetSortProxy* proxy_;
    QTableView* table_;
    QLineEdit* filter_;
    QCheckBox* group_;
    QLabel* count_;
    QLabel* empty_;
    QWidget* body_;
    QTimer throttle_;
    std::int64_t last_refresh_ms_ = 0;
    std::int64_t last_sort_ms_ = 0;
    bool sort_due_ = false;
};

}  // namespace redline::ui
