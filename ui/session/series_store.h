// History of every agent's series: one bounded ring of samples per (agent, route, version), fed from
// immutable snapshots, plus a bounded list of events per agent. Charts read decimated point lists from it.
//
// Absence is kept, never invented (docs/dashboard.md, "Gaps and absent figures"): a figure the snapshot
// does not have (latency or error ratio without requests, hit ratio without lookups) is NaN, and a missing
// sample is a gap marker: a sample with every figure NaN, inserted when consecutive samples of a series are
// more than 1.5 stream intervals apart or after markGap() (the stream went stale or disconnected). In
// points() every NaN is a break (one QPointF with y = NaN) so no line joins its two sides; in samples()
// (CSV) it is a row of empty cells.
//
// Threading: GUI thread only. Worker threads never touch it; snapshots reach it through Dashboard's drain.
#pragma once

#include <QHash>
#include <QList>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "core/event.h"
#include "core/snapshot.h"
#include "ui/session/ring_buffer.h"

namespace redline::ui {

enum class Metric : int {
    Rate = 0,  // requests per second
    Rate429,   // 429 answers per second
    Rate5xx,   // 5xx answers per second
    P50,       // latency ms
    P95,
    P99,
    ErrorRatio,     // 0..1
    CacheHitRatio,  // 0..1, NaN when the series had no cache lookups
    UpstreamP50,    // upstream time ms (forwarding hosts); NaN when no request of the window reached one
    UpstreamP99,
    Count
};
QString metricName(Metric m);

struct Sample {
    std::int64_t t_ms = 0;
    float v[static_cast<int>(Metric::Count)] = {};
    float operator[](Metric m) const { return v[static_cast<int>(m)]; }
    /// The marker of a missing sample: every figure NaN.
    static Sample gap(std::int64_t t_ms);
    bool isGap() const { return std::isnan(v[0]); }  // Rate is never NaN in a real sample
};

/// Key of the merged series of an agent (all routes, all versions).
inline const QString kTotalSeries = QStringLiteral("*");
/// Key of a route/version series, e.g. "GET /v1/products|stable".
inline QString seriesKey(const QString& routeId, const QString& version) {
    return routeId + '|' + version;
}
/// Key of the client-side figures of the agent's running load test.
inline const QString kClientSeries = QStringLiteral("client");

class SeriesStore {
  public:
    /// capacity: samples kept per series (3600 = 1 h at one snapshot per second).
    explicit SeriesStore(std::size_t capacity = 3600) : capacity_(capacity) {}

    /// interval_ms: the spacing the producer keeps (0 = the stream interval), for gap detection.
    void append(const QString& agent, const Snapshot& snapshot, int interval_ms = 0);
    /// Appends only the route series of a snapshot (older history of a series fetched later, as a
    /// Prometheus source does for a newly selected instance); the total and latest() stay as they are.
    void appendRoutes(const QString& agent, const Snapshot& snapshot, int interval_ms = 0);
    /// Appends one sample directly (client-side load figures, benchmarks); interval_ms is the spacing the
    /// producer keeps, for gap detection.
    void appendSample(const QString& agent, const QString& key, const Sample& s, int interval_ms = 1000);
    /// Spacing of the agents' snapshots (the stream interval): samples further apart than 1.5x are a gap.
    void setIntervalMs(int ms) { interval_ms_ = ms > 0 ? ms : 1000; }
    int intervalMs() const { return interval_ms_; }
    /// The agent's stream was interrupted (stale, disconnected): its next sample starts a new line in every
    /// series, however close in time.
    void markGap(const QString& agent);
    /// Adds an event once (deduplicated by id); returns false when already known.
    bool addEvent(const QString& agent, const Event& e);
    void removeAgent(const QString& agent);
    void clear();

    /// Points (x = unix ms, y = value) with from_ms <= x <= to_ms, decimated to about 2 * max_points by
    /// keeping the min and max of each bucket (the visual envelope survives). An absent value or a gap is a
    /// break: one point with y = NaN between the runs it separates (never first or last, never doubled).
    QList<QPointF> points(const QString& agent, const QString& key, Metric m, std::int64_t from_ms,
                          std::int64_t to_ms, int max_points) const;
    /// Samples in [from_ms, to_ms] without decimation, gap markers included (CSV export).
    std::vector<Sample> samples(const QString& agent, const QString& key, std::int64_t from_ms,
                                std::int64_t to_ms) const;

    QStringList seriesKeys(const QString& agent) const;
    /// Route ids seen for the agent, in first-seen order.
    QStringList routes(const QString& agent) const;
    const std::vector<Event>& events(const QString& agent) const;
    std::shared_ptr<const Snapshot> latest(const QString& agent) const;
    /// Whether any snapshot of the agent carried upstream figures (a forwarding host: redline-proxy).
    bool hasUpstream(const QString& agent) const;
    /// Samples overwritten because a ring was full, summed over the agent's series.
    std::uint64_t dropped(const QString& agent) const;
    std::size_t memoryBytes() const;
    std::size_t capacity() const { return capacity_; }

    static constexpr std::size_t kMaxEvents = 2000;

  private:
    struct Series {
        RingBuffer<Sample> ring;
        bool gap_pending = false;  // markGap(): the next sample is preceded by a gap marker
    };
    struct AgentHistory {
        std::map<QString, Series> series;
        QStringList routes;
        std::vector<Event> events;
        std::shared_ptr<const Snapshot> latest;
        bool upstream = false;  // see hasUpstream()
    };
    Series& series(AgentHistory& h, const QString& key);
    /// Pushes s after a gap marker when it is more than 1.5 intervals after the previous sample or a gap
    /// was marked; refuses a sample not after the previous one. Returns whether s was pushed.
    bool push(Series& r, const Sample& s, int interval_ms);
    static Sample toSample(std::int64_t t_ms, const SeriesSnapshot& s, int window_s);

    std::size_t capacity_;
    int interval_ms_ = 1000;
    QHash<QString, AgentHistory> agents_;
};

}  // namespace redline::ui
