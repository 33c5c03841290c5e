#include "ui/session/series_store.h"

#include <algorithm>
#include <limits>

namespace redline::ui {

QString metricName(Metric m) {
    switch (m) {
        case Metric::Rate:
            return QStringLiteral("req/s");
        case Metric::Rate429:
            return QStringLiteral("429/s");
        case Metric::Rate5xx:
            return QStringLiteral("5xx/s");
        case Metric::P50:
            return QStringLiteral("p50");
        case Metric::P95:
            return QStringLiteral("p95");
        case Metric::P99:
            return QStringLiteral("p99");
        case Metric::ErrorRatio:
            return QStringLiteral("error ratio");
        case Metric::CacheHitRatio:
            return QStringLiteral("cache hit ratio");
        case Metric::UpstreamP50:
            return QStringLiteral("upstream p50");
        case Metric::UpstreamP99:
            return QStringLiteral("upstream p99");
        case Metric::Count:
            break;
    }
    return {};
}

Sample SeriesStore::toSample(std::int64_t t_ms, const SeriesSnapshot& s, int window_s) {
    const double w = window_s > 0 ? window_s : 1;
    Sample out;
    out.t_ms = t_ms;
    auto set = [&](Metric m, double v) { out.v[static_cast<int>(m)] = static_cast<float>(v); };
    set(Metric::Rate, s.rate_per_s);
    set(Metric::Rate429, static_cast<double>(s.rate_limited) / w);
    set(Metric::Rate5xx, static_cast<double>(s.by_class[5]) / w);
    // Absent figures (no requests, no cache lookups) are NaN: no point on a chart, an empty CSV cell.
    constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
    set(Metric::P50, s.latency ? s.latency->p50_ms : kNone);
    set(Metric::P95, s.latency ? s.latency->p95_ms : kNone);
    set(Metric::P99, s.latency ? s.latency->p99_ms : kNone);
    set(Metric::ErrorRatio, s.error_ratio.value_or(kNone));
    set(Metric::CacheHitRatio, s.cache_hit_ratio.value_or(kNone));
    set(Metric::UpstreamP50, s.upstream ? s.upstream->latency.p50_ms : kNone);
    set(Metric::UpstreamP99, s.upstream ? s.upstream->latency.p99_ms : kNone);
    return out;
}

Sample Sample::gap(std::int64_t t_ms) {
    Sample s;
    s.t_ms = t_ms;
    std::fill(std::begin(s.v), std::end(s.v), std::numeric_limits<float>::quiet_NaN());
    return s;
}

SeriesStore::Series& SeriesStore::series(AgentHistory& h, const QString& key) {
    auto it = h.series.find(key);
    if (it == h.series.end()) it = h.series.emplace(key, Series{RingBuffer<Sample>(capacity_)}).first;
    return it->second;
}

bool SeriesStore::push(Series& r, const Sample& s, int interval_ms) {
    if (!r.ring.empty()) {
        const std::int64_t prev = r.ring.back().t_ms;
        // Samples arrive in order; a late or duplicate one (reconnect replay) must not break time order.
        if (prev >= s.t_ms) return false;
        const std::int64_t dt = s.t_ms - prev;
        // The marker sits where the first missing sample was due (or halfway, for a gap marked between two
        // close samples), so the CSV row of empty cells lands inside the hole.
        if ((r.gap_pending || 2 * dt > 3 * std::int64_t{interval_ms}) && dt >= 2 && !r.ring.back().isGap())
            r.ring.push(Sample::gap(prev + std::min<std::int64_t>(interval_ms, dt / 2)));
    }
    r.gap_pending = false;
    r.ring.push(s);
    return true;
}

void SeriesStore::append(const QString& agent, const Snapshot& snapshot, int interval_ms) {
    AgentHistory& h = agents_[agent];
    const int iv = interval_ms > 0 ? interval_ms : interval_ms_;
    const std::int64_t t = snapshot.time_ms;
    if (!push(series(h, kTotalSeries), toSample(t, snapshot.total, snapshot.window_s), iv)) return;
    appendRoutes(agent, snapshot, iv);
    h.latest = std::make_shared<const Snapshot>(snapshot);
}

void SeriesStore::appendRoutes(const QString& agent, const Snapshot& snapshot, int interval_ms) {
    AgentHistory& h = agents_[agent];
    const int iv = interval_ms > 0 ? interval_ms : interval_ms_;
    if (snapshot.total.upstream) h.upstream = true;
    for (const auto& s : snapshot.series) {
        if (s.upstream) h.upstream = true;
        const QString route = QString::fromStdString(s.id());
        if (!h.routes.contains(route)) h.routes.append(route);
        push(series(h, seriesKey(route, QString::fromStdString(s.version))),
             toSample(snapshot.time_ms, s, snapshot.window_s), iv);
    }
}

void SeriesStore::appendSample(const QString& agent, const QString& key, const Sample& s, int interval_ms) {
    push(series(agents_[agent], key), s, interval_ms > 0 ? interval_ms : interval_ms_);
}

bool SeriesStore::hasUpstream(const QString& agent) const {
    const auto a = agents_.find(agent);
    return a != agents_.end() && a->upstream;
}

void SeriesStore::markGap(const QString& agent) {
    auto a = agents_.find(agent);
    if (a == agents_.end()) return;
    for (auto& [_, r] : a->series)
        r.gap_pending = true;
}

bool SeriesStore::addEvent(const QString& agent, const Event& e) {
    AgentHistory& h = agents_[agent];
    // Events arrive mostly in id order; search from the back.
    for (auto it = h.events.rbegin(); it != h.events.rend(); ++it) {
        if (it->id == e.id) return false;
        if (it->id < e.id) break;
    }
    auto pos = std::upper_bound(h.events.begin(), h.events.end(), e.id,
                                [](std::uint64_t id, const Event& x) { return id < x.id; });
    h.events.insert(pos, e);
    if (h.events.size() > kMaxEvents) {
        h.events.erase(h.events.begin());
    }
    return true;
}

void SeriesStore::removeAgent(const QString& agent) {
    agents_.remove(agent);
}
void SeriesStore::clear() {
    agents_.clear();
}

QList<QPointF> SeriesStore::points(const QString& agent, const QString& key, Metric m, std::int64_t from_ms,
                                   std::int64_t to_ms, int max_points) const {
    QList<QPointF> out;
    auto a = agents_.constFind(agent);
    if (a == agents_.cend()) return out;
    auto it = a->series.find(key);
    if (it == a->series.end()) return out;
    const RingBuffer<Sample>& r = it->second.ring;
    auto byTime = [](const Sample& s) { return s.t_ms; };
    const std::size_t i0 = r.lower_bound(from_ms, byTime);
    const std::size_t i1 =
        to_ms == std::numeric_limits<std::int64_t>::max() ? r.size() : r.lower_bound(to_ms + 1, byTime);
    if (i1 <= i0) return out;
    const std::size_t n = i1 - i0;
    constexpr qreal kBreak = std::numeric_limits<qreal>::quiet_NaN();
    // A break only between two runs: not first, not doubled (and a trailing one is dropped below).
    auto brk = [&](std::int64_t t) {
        if (!out.isEmpty() && !std::isnan(out.constLast().y()))
            out.append(QPointF(static_cast<qreal>(t), kBreak));
    };
    max_points = std::max(max_points, 2);
    if (n <= static_cast<std::size_t>(2 * max_points)) {
        out.reserve(static_cast<qsizetype>(n));
        for (std::size_t i = i0; i < i1; ++i) {
            const float v = r[i][m];
            if (std::isnan(v))
                brk(r[i].t_ms);
            else
                out.append(QPointF(static_cast<qreal>(r[i].t_ms), v));
        }
    } else {
        // Min/max per bucket of equal time width; both kept in time order. A NaN inside a bucket closes the
        // run so far (its min/max are emitted), puts the break, and the rest of the bucket starts a new run.
        out.reserve(2 * max_points + 8);
        const double span = static_cast<double>(to_ms - from_ms) + 1.0;
        std::size_t lo = i1, hi = i1;
        float vlo = 0, vhi = 0;
        auto flush = [&] {
            if (lo == i1) return;
            const std::size_t first = std::min(lo, hi), second = std::max(lo, hi);
            out.append(QPointF(static_cast<qreal>(r[first].t_ms), r[first][m]));
            if (second != first) out.append(QPointF(static_cast<qreal>(r[second].t_ms), r[second][m]));
            lo = hi = i1;
        };
        std::size_t i = i0;
        for (int b = 0; b < max_points && i < i1; ++b) {
            const double bucketEnd = static_cast<double>(from_ms) + span * (b + 1) / max_points;
            for (; i < i1 && static_cast<double>(r[i].t_ms) < bucketEnd; ++i) {
                const float v = r[i][m];
                if (std::isnan(v)) {
                    flush();
                    brk(r[i].t_ms);
                    continue;
                }
                if (lo == i1 || v < vlo) lo = i, vlo = v;
                if (hi == i1 || v > vhi) hi = i, vhi = v;
            }
            flush();
        }
    }
    if (!out.isEmpty() && std::isnan(out.constLast().y())) out.removeLast();
    return out;
}

std::vector<Sample> SeriesStore::samples(const QString& agent, const QString& key, std::int64_t from_ms,
                                         std::int64_t to_ms) const {
    std::vector<Sample> out;
    auto a = agents_.constFind(agent);
    if (a == agents_.cend()) return out;
    auto it = a->series.find(key);
    if (it == a->series.end()) return out;
    const auto& r = it->second.ring;
    auto byTime = [](const Sample& s) { return s.t_ms; };
    // [from_ms, to_ms] inclusive; to_ms may be INT64_MAX ("everything"), so no to_ms + 1.
    const std::size_t e =
        to_ms == std::numeric_limits<std::int64_t>::max() ? r.size() : r.lower_bound(to_ms + 1, byTime);
    for (std::size_t i = r.lower_bound(from_ms, byTime); i < e; ++i)
        out.push_back(r[i]);
    return out;
}

QStringList SeriesStore::seriesKeys(const QString& agent) const {
    QStringList out;
    auto a = agents_.constFind(agent);
    if (a == agents_.cend()) return out;
    for (const auto& [k, _] : a->series)
        out.append(k);
    return out;
}

QStringList SeriesStore::routes(const QString& agent) const {
    auto a = agents_.constFind(agent);
    return a == agents_.cend() ? QStringList{} : a->routes;
}

const std::vector<Event>& SeriesStore::events(const QString& agent) const {
    static const std::vector<Event> kNone;
    auto a = agents_.constFind(agent);
    return a == agents_.cend() ? kNone : a->events;
}

std::shared_ptr<const Snapshot> SeriesStore::latest(const QString& agent) const {
    auto a = agents_.constFind(agent);
    return a == agents_.cend() ? nullptr : a->latest;
}

std::uint64_t SeriesStore::dropped(const QString& agent) const {
    std::uint64_t n = 0;
    auto a = agents_.constFind(agent);
    if (a == agents_.cend()) return 0;
    for (const auto& [_, r] : a->series)
        n += r.ring.dropped();
    return n;
}

std::size_t SeriesStore::memoryBytes() const {
    std::size_t n = 0;
    for (const auto& h : agents_)
        for (const auto& [_, r] : h.series)
            n += r.ring.memory_bytes();
    return n;
}

}  // namespace redline::ui
