// Overview card of one agent: connection state and the last snapshot's request rate, error ratio, p99 and
// cache hit ratio, each coloured against the SLOs while the agent is live. When it is not (Freshness), the
// tiles keep their last figures greyed (Health::Stale) under "last seen N s ago · <reason>"; a figure the
// snapshot does not have (no requests, no cache lookups) is "—". Clicking the card opens the agent's charts.
//
// Threading: GUI thread only.
#pragma once

#include <QFrame>
#include <array>

#include "core/agent_client.h"
#include "core/snapshot.h"
#include "core/stream_consumer.h"
#include "ui/session/freshness.h"
#include "ui/session/slo.h"

class QLabel;

namespace redline::ui {

class AgentCard : public QFrame {
    Q_OBJECT
  public:
    enum Tile { RateTile, ErrorTile, P99Tile, HitTile, TileCount };

    AgentCard(const QString& id, const QString& name, QWidget* parent = nullptr);
    QString id() const { return id_; }
    void setName(const QString& name);
    void setState(StreamState s, const QString& reason);
    /// The latest snapshot (null: none yet), coloured against slo only when fresh.live.
    void setSnapshot(const Snapshot* s, const Slo& slo, const Freshness& fresh, std::int64_t now_ms);
    /// Live figures (tests, benchmarks).
    void setSnapshot(const Snapshot* s, const Slo& slo) { setSnapshot(s, slo, Freshness{true, 0, {}}, 0); }
    /// "last seen N s ago · reason" while stale, else empty.
    QString staleText() const;
    /// Text and health of a tile (tests).
    QString tileText(int tile) const;
    Health tileHealth(int tile) const { return health_[tile]; }

  signals:
    void activated(const QString& id);

  protected:
    void mouseReleaseEvent(QMouseEvent* e) override;

  private:
    void setTile(int tile, const QString& text, Health h);

    QString id_;
    QLabel* name_;
    QLabel* state_;
    QLabel* service_;
    QLabel* stale_;
    std::array<QLabel*, TileCount> values_{};
    std::array<Health, TileCount> health_{};
};

}  // namespace redline::ui
