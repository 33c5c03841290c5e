// Overview: one AgentCard per configured agent in a responsive grid.
//
// Threading: GUI thread only. Updates the cards on Dashboard::ticked() while visible (at least once a
// second, so a stale card's "last seen N s ago" keeps counting) and on every state change.
#pragma once

#include "ui/pages/page.h"

#include <QHash>
#include <QWidget>

class QGridLayout;
class QLabel;

namespace redline::ui {

class AgentCard;
class Dashboard;

class OverviewPage : public Page {
    Q_OBJECT
  public:
    explicit OverviewPage(Dashboard* dashboard, QWidget* parent = nullptr);
    AgentCard* card(const QString& id) const { return cards_.value(id); }
    void refreshNow();

  signals:
    void agentActivated(const QString& id);

  protected:
    void resizeEvent(QResizeEvent* e) override;

  private:
    void addCard(const QString& id);
    void removeCard(const QString& id);
    void relayout();

    Dashboard* d_;
    QHash<QString, AgentCard*> cards_;
    QWidget* grid_host_;
    QGridLayout* grid_;
    QLabel* empty_;
    int columns_ = 0;
};

}  // namespace redline::ui
