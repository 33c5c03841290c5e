// Overview card of one agent. A badge with the agent's overall state (CardFigures::State: not live, SLO
// breach, no data, ok), the window the figures cover ("figures: last 1 s", the snapshot's window), and four
// tiles (request rate, error ratio, p99, cache hit ratio), each a figure coloured against the SLOs while the
// agent is live plus a Sparkline of its recent history from the SeriesStore. When the agent is not live
// (Freshness), the tiles and lines keep their last figures greyed (Health::Stale) under "last seen N s ago ·
// <reason>"; a figure the snapshot does not have (no requests, no cache lookups) is "—". Clicking the card
// opens the agent's charts.
//
// The figures and their health are computed by CardFigures (ui/session/slo.h), without this widget; the card
// only shows them.
//
// Threading: GUI thread only.
#pragma once

#include <QFrame>
#include <array>

#include "core/snapshot.h"
#include "core/stream_consumer.h"
#include "ui/session/freshness.h"
#include "ui/session/slo.h"

class QLabel;

namespace redline::ui {

class SeriesStore;
class Sparkline;

class AgentCard : public QFrame {
    Q_OBJECT
  public:
    enum Tile { RateTile, ErrorTile, P99Tile, HitTile, TileCount };
    /// Span of the sparklines (the last two minutes of history).
    static constexpr int kHistorySeconds = 120;

    AgentCard(const QString& id, const QString& name, QWidget* parent = nullptr);
    QString id() const { return id_; }
    QString name() const;
    void setName(const QString& name);
    void setState(StreamState s, const QString& reason);
    StreamState streamState() const { return state_; }

    /// Shows computed figures (service line from the snapshot, if any); stale text from fresh at now_ms.
    void setFigures(const CardFigures& f, const Snapshot* s, const Freshness& fresh, std::int64_t now_ms);
    /// The latest snapshot (null: none yet), coloured against slo only when fresh.live.
    void setSnapshot(const Snapshot* s, const Slo& slo, const Freshness& fresh, std::int64_t now_ms);
    /// Live figures (tests, benchmarks).
    void setSnapshot(const Snapshot* s, const Slo& slo) { setSnapshot(s, slo, Freshness{true, 0, {}}, 0); }
    /// Redraws the sparklines from the agent's merged series over [now - kHistorySeconds, now].
    void setHistory(const SeriesStore& store, const QString& agent, const Slo& slo, std::int64_t now_ms);

    const CardFigures& figures() const { return figures_; }
    /// "last seen N s ago · reason" while stale, else empty.
    QString staleText() const;
    /// "figures: last 1 s · lines: last 2 min" (empty before the first snapshot).
    QString windowText() const;
    /// Badge text ("live · ok", "live · SLO breach", "live · no data", "stale", "disconnected", ...) and
    /// kind ("ok", "breach", "nodata", "stale", "disconnected", "connecting").
    QString badgeText() const;
    QString badgeKind() const { return badge_kind_; }
    /// Text and health of a tile (tests).
    QString tileText(int tile) const;
    Health tileHealth(int tile) const { return health_[tile]; }
    Sparkline* sparkline(int tile) const { return lines_[tile]; }

  signals:
    void activated(const QString& id);

  protected:
    void mouseReleaseEvent(QMouseEvent* e) override;
    void changeEvent(QEvent* e) override;

  private:
    void setTile(int tile, const QString& text, Health h);
    void updateBadge();

    QString id_;
    StreamState state_ = StreamState::Connecting;
    QString reason_;
    CardFigures figures_;
    QString badge_kind_;
    QLabel* name_;
    QLabel* badge_;
    QLabel* service_;
    QLabel* window_;
    QLabel* stale_;
    std::array<QLabel*, TileCount> values_{};
    std::array<Sparkline*, TileCount> lines_{};
    std::array<Health, TileCount> health_{};
};

}  // namespace redline::ui
