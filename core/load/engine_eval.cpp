#include "core/load/engine_eval.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace redline::load {

int request_index(const RequestMix& mix, const std::string& name) {
    for (std::size_t i = 0; i < mix.size(); ++i)
        if (mix.entry(i).name == name) return int(i);
    return -1;
}

namespace {

bool is_latency(ThresholdMetric m) {
    switch (m) {
        case ThresholdMetric::P50:
        case ThresholdMetric::P90:
        case ThresholdMetric::P95:
        case ThresholdMetric::P99:
        case ThresholdMetric::P999:
        case ThresholdMetric::Max:
        case ThresholdMetric::Mean:
            return true;
        default:
            return false;
    }
}

double latency_of(ThresholdMetric m, const LatencyQuantiles& q) {
    switch (m) {
        case ThresholdMetric::P50:
            return q.p50_ms;
        case ThresholdMetric::P90:
            return q.p90_ms;
        case ThresholdMetric::P95:
            return q.p95_ms;
        case ThresholdMetric::P99:
            return q.p99_ms;
        case ThresholdMetric::P999:
            return q.p999_ms;
        case ThresholdMetric::Max:
            return q.max_ms;
        case ThresholdMetric::Mean:
            return q.mean_ms;
        default:
            return 0;
    }
}

}  // namespace

CheckCount sum_checks(const RequestMix& mix, const std::vector<CheckCount>& checks, int request) {
    CheckCount out;
    for (std::size_t i = 0; i < mix.size(); ++i) {
        if (request >= 0 && int(i) != request) continue;
        const auto& e = mix.entry(i);
        for (std::size_t k = 0; k < e.check_names.size(); ++k) {
            const std::size_t at = e.check_base + k;
            if (at >= checks.size()) break;
            out.passes += checks[at].passes;
            out.fails += checks[at].fails;
        }
    }
    return out;
}

std::optional<double> client_metric(ThresholdMetric m, const ClientData& d, std::string* note) {
    const Counters& c = d.counters;
    if (is_latency(m)) {
        if (d.corrected.count() == 0) {
            if (note) *note = "no responses";
            return std::nullopt;
        }
        return latency_of(m, LatencyQuantiles::from(d.corrected));
    }
    switch (m) {
        case ThresholdMetric::ErrorRate:
        case ThresholdMetric::RateLimitedRate:
            if (c.requests == 0) {
                if (note) *note = "no requests";
                return std::nullopt;
            }
            return m == ThresholdMetric::ErrorRate ? error_ratio(c)
                                                   : double(c.code_count(429)) / double(c.requests);
        case ThresholdMetric::Rate:
            return d.seconds > 0 ? double(c.requests) / d.seconds : 0.0;
        case ThresholdMetric::Checks:
            if (d.checks.passes + d.checks.fails == 0) {
                if (note) *note = "no checks ran (does the scenario define any?)";
                return std::nullopt;
            }
            return double(d.checks.passes) / double(d.checks.passes + d.checks.fails);
        case ThresholdMetric::Unsent:
            if (!d.unsent) {
                if (note) *note = "unsent is known for arrival-rate executors only";
                return std::nullopt;
            }
            return double(*d.unsent);
        default:
            if (note) *note = "metric not available on the client side";
            return std::nullopt;
    }
}

std::optional<double> agent_metric(const Threshold& t, const Snapshot& snap, std::string* note) {
    std::vector<const SeriesSnapshot*> sel;
    if (t.route.empty() && t.version.empty()) {
        sel.push_back(&snap.total);
    } else {
        for (const auto& s : snap.series)
            if ((t.route.empty() || s.id() == t.route) && (t.version.empty() || s.version == t.version))
                sel.push_back(&s);
    }
    if (sel.empty()) {
        if (note)
            *note = "route '" + t.route + "'" + (t.version.empty() ? "" : " version " + t.version) +
                    " not in the agent's snapshot";
        return std::nullopt;
    }
    std::uint64_t req = 0, err = 0, rl = 0, hits = 0, misses = 0;
    double rate = 0, worst = 0;
    bool any_latency = false;
    for (const auto* s : sel) {
        req += s->requests;
        err += s->errors;
        rl += s->rate_limited;
        hits += s->cache_hits;
        misses += s->cache_misses;
        rate += s->rate_per_s;
        if (s->latency) {
            worst = std::max(worst, latency_of(t.metric, *s->latency));
            any_latency = true;
        }
    }
    if (is_latency(t.metric)) {
        if (!any_latency) {
            if (note) *note = "no requests seen by the agent";
            return std::nullopt;
        }
        return worst;
    }
    switch (t.metric) {
        case ThresholdMetric::ErrorRate:
        case ThresholdMetric::RateLimitedRate:
            if (req == 0) {
                if (note) *note = "no requests seen by the agent";
                return std::nullopt;
            }
            return double(t.metric == ThresholdMetric::ErrorRate ? err : rl) / double(req);
        case ThresholdMetric::Rate:
            return rate;
        case ThresholdMetric::CacheHitRatio:
            if (hits + misses == 0) {
                if (note) *note = "no cache lookups seen by the agent";
                return std::nullopt;
            }
            return double(hits) / double(hits + misses);
        default:
            return std::nullopt;
    }
}

std::string format_metric(ThresholdMetric m, double v) {
    if (is_latency(m)) return fmt::format("{:.2f}ms", v);
    if (m == ThresholdMetric::Rate) return fmt::format("{:.1f}/s", v);
    if (m == ThresholdMetric::Unsent) return fmt::format("{:.0f}", v);
    return fmt::format("{:.2f}%", v * 100.0);
}

void fill_totals(Summary& s, const EpochStats& tot, const RequestMix& mix, double seconds) {
    Counters all;
    LatencySketch corr, uncorr;
    for (std::size_t i = 0; i < tot.requests.size() && i < mix.size(); ++i) {
        const auto& r = tot.requests[i];
        RequestSummary q;
        q.name = mix.entry(i).name;
        q.method = mix.entry(i).method;
        q.completed = r.counters.requests;
        q.transport_errors = r.counters.by_class[0];
        q.errors = r.counters.errors;
        q.rate_limited = r.counters.code_count(429);
        q.rate_per_s = double(q.completed) / seconds;
        q.error_ratio = error_ratio(r.counters);
        for (std::size_t k = 0; k < r.counters.ncodes; ++k)
            if (r.counters.codes[k].first)
                q.by_status[r.counters.codes[k].first] = r.counters.codes[k].second;
        q.latency = LatencyQuantiles::from(r.corrected);
        q.latency_uncorrected = LatencyQuantiles::from(r.uncorrected);
        q.latency_sketch = r.corrected;
        s.requests.push_back(q);
        all.merge(r.counters);
        corr.merge(r.corrected);
        uncorr.merge(r.uncorrected);
    }
    s.completed = all.requests;
    s.transport_errors = all.by_class[0];
    s.errors = all.errors;
    s.rate_limited = all.code_count(429);
    s.error_ratio = error_ratio(all);
    s.achieved_rate = double(all.requests) / seconds;
    for (std::size_t k = 0; k < all.ncodes; ++k)
        if (all.codes[k].first) s.by_status[all.codes[k].first] = all.codes[k].second;
    for (std::size_t k = 0; k < kTransportKinds; ++k)
        if (tot.transport[k])
            s.transport_by_kind[std::string(to_string(TransportError(k)))] = tot.transport[k];
    s.latency = LatencyQuantiles::from(corr);
    s.latency_uncorrected = LatencyQuantiles::from(uncorr);
    s.latency_sketch = corr;
    for (std::size_t i = 0; i < mix.size(); ++i) {
        const auto& e = mix.entry(i);
        for (std::size_t k = 0; k < e.check_names.size(); ++k) {
            CheckSummary c;
            c.request = e.name;
            c.name = e.check_names[k];
            if (e.check_base + k < tot.checks.size()) {
                c.passes = tot.checks[e.check_base + k].passes;
                c.fails = tot.checks[e.check_base + k].fails;
            }
            s.checks_passed += c.passes;
            s.checks_failed += c.fails;
            s.checks.push_back(std::move(c));
        }
    }
    const auto nchecks = s.checks_passed + s.checks_failed;
    s.checks_rate = nchecks ? double(s.checks_passed) / double(nchecks) : 0.0;
}

void fill_stages(Summary& s, const EpochStats& tot, const Scenario& sc, double ran_s) {
    double t0 = 0;
    double from =
        (sc.executor == ExecutorKind::ConstantVus || sc.executor == ExecutorKind::ConstantArrivalRate)
            ? (sc.stages.empty() ? 0 : sc.stages[0].target)
            : sc.start_target;
    for (std::size_t i = 0; i < sc.stages.size(); ++i) {
        const auto& st = sc.stages[i];
        StageSummary g;
        g.name = st.name;
        g.start_s = t0;
        g.duration_s = st.duration_s;
        g.target_from = from;
        g.target_to = st.target;
        if (const auto it = tot.stages.find(int(i)); it != tot.stages.end()) {
            g.completed = it->second.counters.requests;
            const double ran = std::clamp(ran_s - t0, 1e-3, st.duration_s);
            g.achieved_rate = double(g.completed) / ran;
            g.error_ratio = error_ratio(it->second.counters);
            g.latency = LatencyQuantiles::from(it->second.corrected);
        }
        s.stages.push_back(g);
        t0 += st.duration_s;
        from = st.target;
    }
}

void fill_timeline(Summary& s, const std::vector<Collector::Second>& secs, const Scenario& sc,
                   double start_unix_s, double ran_s) {
    for (const auto& sec : secs) {
        const double end = double(sec.epoch + 1) - start_unix_s;
        if (end <= 0) continue;
        TimelinePoint p;
        p.t_s = end;
        const double begin = std::max(0.0, end - 1.0);
        const double span = std::min(end, ran_s) - begin;
        if (span <= 0.05) continue;  // the sliver after the run's end
        p.target = sc.target_at(std::min(begin + span / 2, sc.duration_s()));
        p.achieved_rate = double(sec.counters.requests) / span;
        p.p50_ms = sec.p50_ms;
        p.p95_ms = sec.p95_ms;
        p.p99_ms = sec.p99_ms;
        p.error_ratio = error_ratio(sec.counters);
        p.late = sec.late;
        s.timeline.push_back(p);
    }
}

std::optional<Knee> detect_knee(const std::vector<TimelinePoint>& tl, bool open_model) {
    // Only whole seconds inside the run carry a fair rate; drop the first (partial) one.
    std::vector<TimelinePoint> pts;
    for (std::size_t i = 1; i < tl.size(); ++i)
        if (tl[i].achieved_rate > 0 || tl[i].target > 0) pts.push_back(tl[i]);
    if (pts.size() < 3) return std::nullopt;
    const std::size_t nb = std::max<std::size_t>(1, pts.size() / 5);
    std::vector<double> base;
    for (std::size_t i = 0; i < nb; ++i)
        base.push_back(pts[i].p99_ms);
    std::sort(base.begin(), base.end());
    const double baseline = base[base.size() / 2];
    const double p99_limit = std::max(3.0 * baseline, baseline + 10.0);
    auto broken = [&](const TimelinePoint& p, std::string* why) {
        if (open_model && p.target > 0 && p.achieved_rate < 0.9 * p.target) {
            if (why)
                *why = fmt::format("achieved rate {:.0f}/s fell below 90% of the target {:.0f}/s",
                                   p.achieved_rate, p.target);
            return true;
        }
        if (p.p99_ms > p99_limit) {
            if (why)
                *why = fmt::format("p99 {:.1f} ms rose above {:.1f} ms (baseline {:.1f} ms)", p.p99_ms,
                                   p99_limit, baseline);
            return true;
        }
        if (p.error_ratio > 0.05) {
            if (why) *why = fmt::format("error ratio {:.1f}% above 5%", p.error_ratio * 100);
            return true;
        }
        return false;
    };
    for (std::size_t i = nb; i + 1 < pts.size(); ++i) {
        std::string why;
        if (broken(pts[i], &why) && broken(pts[i + 1], nullptr)) {
            const auto& k = pts[i > 0 ? i - 1 : 0];
            return Knee{k.achieved_rate, k.target, k.t_s, k.p99_ms, why};
        }
    }
    // Not reached: report the best sustained second.
    const auto best = std::max_element(pts.begin(), pts.end(), [](const auto& a, const auto& b) {
        return a.achieved_rate < b.achieved_rate;
    });
    return Knee{best->achieved_rate, best->target, best->t_s, best->p99_ms,
                "not reached: the target kept up with the whole ramp"};
}

}  // namespace redline::load
