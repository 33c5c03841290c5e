// The upstream backends of a forwarding host (redline-proxy): one row per backend of its stable and canary
// pools, from the "proxy" member of its /v1/info (AgentInfo::proxy): pool, address, health-check verdict,
// circuit state (closed / open = ejected / half-open = on probation), requests in flight, requests and
// failures so far. Health and circuit cells are coloured as the fleet table's figures (healthColor()).
//
// setStale(true) (the proxy's agent is not live: the figures of its last contact) greys every cell instead of
// the health colours.
//
// Updates: setInfo() with the same backends (by pool and URL) is one dataChanged; a different set resets.
//
// Threading: GUI thread only.
#pragma once

#include <QAbstractTableModel>
#include <vector>

#include "core/agent_client.h"

namespace redline::ui {

class BackendsModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column {
        PoolCol,
        UrlCol,
        HealthCol,
        CircuitCol,
        InFlightCol,
        RequestsCol,
        FailuresCol,
        ColumnCount
    };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

    void setBackends(const std::vector<ProxyBackend>& backends);
    void clear() { setBackends({}); }
    void setDark(bool dark);
    void setStale(bool stale);
    bool stale() const { return stale_; }
    const ProxyBackend& backendAt(int row) const { return rows_[static_cast<std::size_t>(row)]; }
    /// Whether the backend takes traffic: healthy and its circuit not open.
    static bool usable(const ProxyBackend& b) { return b.healthy && b.circuit != "open"; }

  private:
    std::vector<ProxyBackend> rows_;
    bool dark_ = true;
    bool stale_ = false;
};

}  // namespace redline::ui
