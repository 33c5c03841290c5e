// Service-level objectives the Overview (fleet table) colours against, persisted in QSettings, and
// CardFigures: what a row of the fleet table (or of the top-routes table) shows of one agent, computed
// without any widget.
//
// Threading: plain values; GUI thread in practice.
#pragma once

#include <QString>
#include <array>
#include <optional>

class QSettings;

namespace redline {
struct Snapshot;
}

namespace redline::ui {

struct Freshness;

// Stale: a figure from a source that is no longer live; never coloured by the SLOs (shown greyed).
enum class Health { Unknown, Good, Warning, Breach, Stale };

/// Built-in defaults (docs/dashboard.md, "Service-level objectives"): what a healthy API, the demo's sample
/// server included, passes on a 1 s window. The cache hit ratio has no objective by default: how often a
/// cache hits depends on the workload and it starts at 0 % after every restart (cold cache), so a floor
/// would call a healthy server red.
struct Slo {
    double max_error_ratio = 0.01;     // 1 % of answers 5xx
    double max_p99_ms = 250.0;         // p99 latency
    double min_cache_hit_ratio = 0.0;  // 0 disables
    double min_rate_per_s = 0.0;       // 0 disables
    double warn_fraction = 0.8;        // warning from 80 % of a bound

    Health errorHealth(double ratio) const { return upper(ratio, max_error_ratio); }
    Health p99Health(double ms) const { return upper(ms, max_p99_ms); }
    Health hitHealth(double ratio) const;
    Health rateHealth(double rate) const;

    void load(QSettings& s);
    void save(QSettings& s) const;
    bool operator==(const Slo&) const = default;

  private:
    Health upper(double v, double bound) const;
};

/// The four figures of a card, in tile order.
enum class Figure { Rate, ErrorRatio, P99, HitRatio };
inline constexpr int kFigureCount = 4;

/// One agent's figures from its newest snapshot, each judged against the SLOs, and the agent's overall
/// state. Values are in natural units (requests/s, ratios 0..1, ms); an absent figure (no requests, no
/// cache lookups, no snapshot) is nullopt and reads "—".
struct CardFigures {
    /// Overall state, in overview order: worst first.
    enum class State {
        NotLive,    // connecting, stale or disconnected: figures (if any) are the last ones seen, greyed
        Breaching,  // live, at least one figure beyond its bound
        NoData,     // live, but nothing to judge yet (no snapshot, or no requests and no objective on rate)
        Ok,         // live, every figure present within its objective
    };

    bool has_snapshot = false;
    int window_s = 0;  // the window the figures cover: the snapshot's window_s (0 before any snapshot)
    std::array<std::optional<double>, kFigureCount> value{};
    std::array<Health, kFigureCount> health{};
    State state = State::NotLive;

    std::optional<double> operator[](Figure f) const { return value[static_cast<int>(f)]; }
    Health healthOf(Figure f) const { return health[static_cast<int>(f)]; }
    /// The figure as shown on the card, one decimals rule for all ("30.0", "0.25 %", "4.12 ms", "—").
    QString text(Figure f) const { return format(f, (*this)[f]); }
    /// Names of the figures beyond their bound ("p99 latency, error ratio"), empty when none.
    QString breachText() const;

    /// From a snapshot (null: none yet), judged only while fresh.live (stale figures are Health::Stale).
    static CardFigures from(const Snapshot* s, const Slo& slo, const Freshness& fresh);
    /// Value in display units: ratios in %, latency in ms, rates per second; three significant digits
    /// (two decimals below 10, one below 100, none from 100), "0" for an exact zero, "<0.01" for less.
    static QString format(Figure f, std::optional<double> v);
    /// Caption of a figure ("requests/s", "error ratio", "p99 latency", "cache hit ratio").
    static QString caption(Figure f);
};

}  // namespace redline::ui
