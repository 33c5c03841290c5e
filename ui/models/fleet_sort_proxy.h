// Sorting and filtering of the fleet table (FleetModel) and of the per-route table (RouteModel).
//
// Sort: by the column's FleetModel::SortRole (numbers numerically, text case-insensitively); an absent
// figure (invalid SortRole) sorts last in either direction; ties by name. While grouped, the order of the
// groups (by service name, ascending) and the place of each group's total row (first in its group) do not
// follow the sort: only the agents inside a group are sorted. The fleet row is always first.
//
// Filter: whitespace-separated terms, all of which must match an agent row: `key=value` (keys: service,
// name, url, state; the value is a case-insensitive substring) or a plain word (a substring of the name,
// URL or service). A group row stays while any of its agents does; the fleet row always stays. Ungrouped,
// the group rows are hidden.
//
// The proxy does not re-sort by itself on dataChanged (dynamicSortFilter is off, so rows do not jump each
// tick): the owner calls resort() when it wants a new order (OverviewPage: every few seconds).
//
// Threading: GUI thread only.
#pragma once

#include <QSortFilterProxyModel>
#include <QStringList>

namespace redline::ui {

class FleetSortProxy : public QSortFilterProxyModel {
    Q_OBJECT
  public:
    explicit FleetSortProxy(QObject* parent = nullptr);

    void setFilterText(const QString& text);
    QString filterText() const { return filter_text_; }
    void setGrouped(bool grouped);
    bool grouped() const { return grouped_; }
    /// Sorts again by the current column and order, and re-applies the filter.
    void resort();
    /// The column whose text breaks ties (default FleetModel::NameCol).
    void setTieColumn(int column) { tie_column_ = column; }

  protected:
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;
    bool filterAcceptsRow(int source_row, const QModelIndex& source_parent) const override;

  private:
    struct Term {
        QString key;  // empty: any of name, url, service
        QString value;
    };
    bool agentAccepted(int source_row) const;

    QString filter_text_;
    QList<Term> terms_;
    bool grouped_ = true;
    int tie_column_ = 1;  // FleetModel::NameCol
};

}  // namespace redline::ui
