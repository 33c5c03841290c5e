#include "ui/models/fleet_sort_proxy.h"

#include "ui/models/fleet_model.h"

namespace redline::ui {

namespace {
using Kind = FleetModel::Kind;

Kind kindOf(const QModelIndex& i) {
    const QVariant k = i.data(FleetModel::KindRole);
    return k.isValid() ? static_cast<Kind>(k.toInt()) : Kind::Agent;
}

/// -1, 0, 1 for two present sort keys.
int compareKeys(const QVariant& a, const QVariant& b) {
    if (a.typeId() == QMetaType::QString || b.typeId() == QMetaType::QString)
        return QString::compare(a.toString(), b.toString(), Qt::CaseInsensitive);
    const double x = a.toDouble(), y = b.toDouble();
    return x < y ? -1 : (y < x ? 1 : 0);
}
}  // namespace

FleetSortProxy::FleetSortProxy(QObject* parent) : QSortFilterProxyModel(parent) {
    setDynamicSortFilter(false);
    setSortRole(FleetModel::SortRole);
}

void FleetSortProxy::setFilterText(const QString& text) {
    if (text == filter_text_) return;
    filter_text_ = text;
    terms_.clear();
    for (const QString& w : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const int eq = w.indexOf(QLatin1Char('='));
        if (eq > 0)
            terms_.append({w.left(eq).toLower(), w.mid(eq + 1)});
        else
            terms_.append({QString(), w});
    }
    invalidateFilter();
}

void FleetSortProxy::setGrouped(bool grouped) {
    if (grouped == grouped_) return;
    grouped_ = grouped;
    resort();
}

void FleetSortProxy::resort() {
    invalidate();  // re-filter and re-sort by sortColumn()/sortOrder(); persistent indexes (selection) follow
}

bool FleetSortProxy::agentAccepted(int source_row) const {
    if (terms_.isEmpty()) return true;
    const QStringList f = sourceModel()->index(source_row, 0).data(FleetModel::FilterRole).toStringList();
    // name, url, service, state (FleetModel::FilterRole)
    auto has = [&](int i, const QString& v) { return f.value(i).contains(v, Qt::CaseInsensitive); };
    for (const Term& t : terms_) {
        bool ok = false;
        if (t.key.isEmpty())
            ok = has(0, t.value) || has(1, t.value) || has(2, t.value);
        else if (t.key == QLatin1String("name"))
            ok = has(0, t.value);
        else if (t.key == QLatin1String("url"))
            ok = has(1, t.value);
        else if (t.key == QLatin1String("service") || t.key == QLatin1String("job"))
            ok = has(2, t.value);
        else if (t.key == QLatin1String("state"))
            ok = has(3, t.value);
        if (!ok) return false;
    }
    return true;
}

bool FleetSortProxy::filterAcceptsRow(int source_row, const QModelIndex& source_parent) const {
    const QModelIndex i = sourceModel()->index(source_row, 0, source_parent);
    switch (kindOf(i)) {
        case Kind::Fleet:
            return true;
        case Kind::Agent:
            return agentAccepted(source_row);
        case Kind::Group: {
            if (!grouped_) return false;
            if (terms_.isEmpty()) return true;
            const QString g = i.data(FleetModel::GroupRole).toString();
            for (int r = 0; r < sourceModel()->rowCount(); ++r) {
                const QModelIndex a = sourceModel()->index(r, 0);
                if (kindOf(a) == Kind::Agent && a.data(FleetModel::GroupRole).toString() == g &&
                    agentAccepted(r))
                    return true;
            }
            return false;
        }
    }
    return true;
}

bool FleetSortProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const {
    // Descending sorts call lessThan(right, left). A fixed order (fleet first, groups by name, the group's
    // total first in it, absent figures last, ties by name) is written as before(l first, r first), which
    // gives "l before r" in either direction and keeps lessThan(x, x) false.
    const bool asc = sortOrder() == Qt::AscendingOrder;
    auto before = [asc](bool l_first, bool r_first) { return asc ? l_first : r_first; };
    auto order = [&](int c) { return before(c<0, c> 0); };
    const Kind kl = kindOf(left), kr = kindOf(right);
    if (kl == Kind::Fleet || kr == Kind::Fleet) return before(kr != Kind::Fleet, kl != Kind::Fleet);
    if (grouped_) {
        const QString gl = left.data(FleetModel::GroupRole).toString(),
                      gr = right.data(FleetModel::GroupRole).toString();
        if (gl != gr) {
            const int c = QString::compare(gl, gr, Qt::CaseInsensitive);
            return order(c != 0 ? c : (gl < gr ? -1 : 1));
        }
        if (kl != kr) return before(kl == Kind::Group, kr == Kind::Group);
    }
    const QVariant a = left.data(FleetModel::SortRole), b = right.data(FleetModel::SortRole);
    if (a.isValid() != b.isValid()) return before(a.isValid(), b.isValid());  // absent last
    if (a.isValid()) {
        const int c = compareKeys(a, b);
        if (c != 0) return c < 0;  // the only comparison that follows the sort order
    }
    const QModelIndex nl = left.siblingAtColumn(tie_column_), nr = right.siblingAtColumn(tie_column_);
    const int byName = QString::compare(nl.data().toString(), nr.data().toString(), Qt::CaseInsensitive);
    if (byName != 0) return order(byName);
    return order(QString::compare(left.data(FleetModel::IdRole).toString(),
                                  right.data(FleetModel::IdRole).toString()));
}

}  // namespace redline::ui
