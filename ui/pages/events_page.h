// The Events tab: every event of every agent in one table (time with date, agent, kind, who, summary, and
// before/after reduced to what changed), with a text search, agent and kind filters, auto-scroll to new
// events (paused while the user scrolls up), export of the visible rows to CSV or JSON, and double-click (or
// Enter) to show the charts at that moment.
//
// Threading: GUI thread only.
#pragma once

#include <QSortFilterProxyModel>
#include <QWidget>

#include "ui/pages/page.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace redline::ui {

class Dashboard;

/// Filters the events model by agent id, kind family ("limits", "canary", ...) and free text.
class EventsFilter : public QSortFilterProxyModel {
    Q_OBJECT
  public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setAgent(const QString& agentId);
    void setKindFamily(const QString& family);
    void setText(const QString& text);

  protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override;

  private:
    QString agent_, family_, text_;
};

class EventsPage : public Page {
    Q_OBJECT
  public:
    explicit EventsPage(Dashboard* dashboard, QWidget* parent = nullptr);

    QTableView* view() const { return view_; }
    EventsFilter* filter() const { return filter_; }
    /// Writes the visible rows; false when the file cannot be written.
    bool exportCsv(const QString& path) const;
    bool exportJson(const QString& path) const;

  signals:
    /// Double-click / Enter on a row: show this agent's charts around this time.
    void jumpTo(const QString& agentId, qint64 time_ms);

  private:
    void refreshFilters();
    void updateCount();
    void exportTo(bool csv);

    Dashboard* d_;
    EventsFilter* filter_;
    QTableView* view_;
    QLineEdit* search_;
    QComboBox* agent_box_;
    QComboBox* kind_box_;
    QCheckBox* follow_;
    QLabel* count_;
};

}  // namespace redline::ui
