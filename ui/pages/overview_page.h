// Overview: one AgentCard per configured agent in a responsive grid, worst first.
//
// Order: by CardFigures::State (not live, then SLO breach, then no data, then ok), ties by name (then id), so
// the cards only move when an agent's state changes. A card moves up at once when its state gets worse; it
// moves back down only once the better state has held for kSortHoldMs, so a figure hovering around its bound
// does not make the grid jump every second (its badge and tiles still show the state of every snapshot).
//
// Threading: GUI thread only. Updates the cards on Dashboard::ticked() while visible (at least once a
// second, so a stale card's "last seen N s ago" keeps counting) and on every state change.
#pragma once

#include <QHash>
#include <QStringList>
#include <QWidget>
#include <cstdint>

#include "ui/pages/page.h"

class QGridLayout;
class QLabel;

namespace redline::ui {

class AgentCard;
class Dashboard;

class OverviewPage : public Page {
    Q_OBJECT
  public:
    static constexpr int kSortHoldMs = 5000;

    explicit OverviewPage(Dashboard* dashboard, QWidget* parent = nullptr);
    AgentCard* card(const QString& id) const { return cards_.value(id); }
    /// Agent ids in the order their cards are shown (row by row).
    QStringList order() const { return order_; }
    void refreshNow();

  signals:
    void agentActivated(const QString& id);

  protected:
    void resizeEvent(QResizeEvent* e) override;

  private:
    struct SortRank {
        int rank = 0;      // the rank the card is sorted by
        int pending = -1;  // a better rank seen since pending_since_ms (-1: none)
        std::int64_t pending_since_ms = 0;
    };
    void addCard(const QString& id);
    void removeCard(const QString& id);
    /// Updates the sort rank of a card from its state now; returns whether it changed.
    bool updateRank(const QString& id, int rank, std::int64_t now_ms);
    QStringList sortedIds() const;
    void relayout(bool force = false);

    Dashboard* d_;
    QHash<QString, AgentCard*> cards_;
    QHash<QString, SortRank> ranks_;
    QStringList order_;
    QWidget* grid_host_;
    QGridLayout* grid_;
    QLabel* empty_;
    int columns_ = 0;
};

}  // namespace redline::ui
