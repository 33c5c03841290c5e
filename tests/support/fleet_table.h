// GUI test helpers for the Overview's fleet table: a cell of an agent's row as the view shows it (through
// the sort/filter proxy). Header-only, like gui_fixture.h (only the gui tests link redline::ui).
//
// Threading: the test's main thread.
#pragma once

#include <QAbstractItemModel>
#include <QString>
#include <QTableView>
#include <QVariant>

#include "ui/models/fleet_model.h"
#include "ui/pages/overview_page.h"

namespace redline::test {

/// The data of an agent's cell in the view (invalid when the row is filtered out).
inline QVariant fleetCell(const ui::OverviewPage& page, const QString& id, int col,
                          int role = Qt::DisplayRole) {
    const int row = page.viewRowOf(id);
    if (row < 0) return {};
    return page.table()->model()->index(row, col).data(role);
}

inline QString fleetText(const ui::OverviewPage& page, const QString& id, int col) {
    return fleetCell(page, id, col).toString();
}

inline ui::Health fleetHealth(const ui::OverviewPage& page, const QString& id, int col) {
    return static_cast<ui::Health>(fleetCell(page, id, col, ui::FleetModel::HealthRole).toInt());
}

}  // namespace redline::test
