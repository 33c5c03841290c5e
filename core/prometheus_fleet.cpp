#include "core/prometheus_fleet.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <tuple>

namespace redline {

namespace {

std::string join(const std::vector<std::string>& labels) {
    std::string out;
    for (const auto& l : labels)
        out += (out.empty() ? "" : ", ") + l;
    return out;
}

std::string regex_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (std::string_view(".^$|?*+()[]{}\\").find(c) != std::string_view::npos) out += '\\';
        out += c;
    }
    return out;
}

struct Level {
    const char* name;
    std::vector<std::string> by;
    std::string extra;  // additional matcher (the focused instances)
};

std::vector<Level> levels(const FleetMapping& m, const std::vector<std::string>& focus, bool focus_only) {
    std::vector<std::string> route;
    for (const std::string* l : {&m.method_label, &m.route_label, &m.version_label})
        if (!l->empty()) route.push_back(*l);
    std::vector<Level> out;
    if (!focus_only) {
        out.push_back({"instance", {m.instance_label}, {}});
        out.push_back({"fleet", {}, {}});
    }
    if (!m.route_label.empty()) {
        if (!focus_only) out.push_back({"fleet_route", route, {}});
        if (!focus.empty()) {
            std::string alternatives;
            for (const auto& f : focus)
                alternatives += (alternatives.empty() ? "" : "|") + regex_escape(f);
            std::vector<std::string> by{m.instance_label};
            by.insert(by.end(), route.begin(), route.end());
            out.push_back({"route", by, m.instance_label + "=~" + promql_string(alternatives)});
        }
    }
    return out;
}

std::string with(std::vector<std::string> by, const std::string& label) {
    by.push_back(label);
    return join(by);
}

// The union of an expression over every level, each tagged with its name.
template <class F>
std::string union_of(const std::vector<Level>& ls, F&& expr) {
    std::string out;
    for (const auto& l : ls)
        out += fmt::format("{}label_replace({}, \"{}\", \"{}\", \"\", \"\")", out.empty() ? "" : " or ",
                           expr(l), kFleetLevelLabel, l.name);
    return out;
}

}  // namespace

void tag_level(std::vector<PromSeries>& series, const std::string& level) {
    for (auto& s : series)
        s.labels[kFleetLevelLabel] = level;
}

std::string promql_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '\\' || c == '"') out += '\\';
        out += c;
    }
    return out + '"';
}

std::string fleet_series(const std::string& name, const std::string& selector, const std::string& extra) {
    std::string matchers = selector;
    if (!extra.empty()) matchers += (matchers.empty() ? "" : ",") + extra;
    return matchers.empty() ? name : name + "{" + matchers + "}";
}

std::string fleet_native_probe(const FleetMapping& m) {
    return fmt::format("count({}) or vector(0)", fleet_series(m.duration_metric, m.selector));
}

namespace {
// The series whose instances are targets too (fleet_targets_query).
std::string counted_series(const FleetMapping& m) {
    return fleet_series(!m.requests_metric.empty() ? m.requests_metric
                        : m.native                 ? m.duration_metric
                                                   : m.duration_metric + "_count",
                        m.selector);
}
}  // namespace

std::string fleet_no_target_text(const FleetMapping& m) {
    return fmt::format("no target matches {} and no series {}", fleet_series("up", m.selector),
                       counted_series(m));
}

std::string fleet_targets_query(const FleetMapping& m) {
    // The series' own instances too: a pushed series (a load generator's, through a Pushgateway scraped
    // with honor_labels) has no `up` of its own, and an instance that only a federation or remote-write
    // brought in neither. They are answered with redline_target="series" and the value 1.
    return fmt::format("{} or on ({}) label_replace(group by (job, {}) ({}), \"{}\", \"series\", \"\", \"\")",
                       fleet_series("up", m.selector), m.instance_label, m.instance_label, counted_series(m),
                       kFleetTargetLabel);
}

std::string fleet_target_info_query(const FleetMapping& m) {
    return fleet_series("target_info", m.selector);
}

std::vector<FleetQuery> fleet_queries(const FleetMapping& m, int window_s,
                                      const std::vector<std::string>& focus, bool focus_only) {
    const auto ls = levels(m, focus, focus_only);
    if (ls.empty()) return {};
    const std::string w = fmt::format("[{}s]", window_s);
    const std::string& sel = m.selector;
    auto sel_with = [&](const Level& l, const std::string& more = {}) {
        std::string extra = l.extra;
        if (!more.empty()) extra += (extra.empty() ? "" : ",") + more;
        return fleet_series("", sel, extra);  // "{...}" or ""
    };
    // Observations per second of the duration histogram (every answered request is one).
    auto count_rate = [&](const Level& l, const std::string& by, const std::string& more = {}) {
        if (m.native)
            return fmt::format("sum by ({}) (histogram_count(rate({}{}{})))", by, m.duration_metric,
                               sel_with(l, more), w);
        return fmt::format("sum by ({}) (rate({}_count{}{}))", by, m.duration_metric, sel_with(l, more), w);
    };
    std::vector<FleetQuery> q;
    // The requests counter when there is one: a float counter is far cheaper to rate() than a native
    // histogram (Prometheus 2.42 spends ~10 us per histogram and step), and it counts the same requests.
    q.push_back({FleetFigure::Rate, union_of(ls, [&](const Level& l) {
                     if (m.requests_metric.empty()) return count_rate(l, join(l.by));
                     return fmt::format("sum by ({}) (rate({}{}{}))", join(l.by), m.requests_metric,
                                        sel_with(l), w);
                 })});
    if (!m.status_label.empty()) {
        const std::string matcher = m.status_label + "=~\"5..|429\"";
        q.push_back({FleetFigure::Status, union_of(ls, [&](const Level& l) {
                         const std::string by = join(l.by), by_status = with(l.by, m.status_label);
                         if (m.requests_metric.empty())
                             return fmt::format("({} or {} * 0)", count_rate(l, by_status, matcher),
                                                count_rate(l, by));
                         return fmt::format("(sum by ({}) (rate({}{}{})) or sum by ({}) (rate({}{}{})) * 0)",
                                            by_status, m.requests_metric, sel_with(l, matcher), w, by,
                                            m.requests_metric, sel_with(l), w);
                     })});
    }
    // The duration histogram, rated, without the fleet level (the sum of the instances', computed here).
    std::vector<Level> hist_levels;
    for (const auto& l : ls)
        if (std::string_view(l.name) != "fleet") hist_levels.push_back(l);
    auto histogram = [&](FleetFigure figure, const std::string& metric) {
        if (m.native) {
            for (const auto& l : hist_levels)
                q.push_back({figure,
                             fmt::format("sum by ({}) (rate({}{}{}))", join(l.by), metric, sel_with(l), w),
                             l.name});
        } else if (!hist_levels.empty()) {
            q.push_back({figure, union_of(hist_levels, [&](const Level& l) {
                             return fmt::format("sum by ({}) (rate({}_bucket{}{}))", with(l.by, "le"), metric,
                                                sel_with(l), w);
                         })});
        }
    };
    histogram(FleetFigure::Latency, m.duration_metric);
    if (!m.cache_metric.empty())
        q.push_back({FleetFigure::Cache, union_of(ls, [&](const Level& l) {
                         return fmt::format("sum by ({}) (rate({}{}{}))", with(l.by, "result"),
                                            m.cache_metric, sel_with(l, "result=~\"hit|miss\""), w);
                     })});
    // Only forwarding hosts export it; elsewhere the answer is empty and costs Prometheus an index lookup.
    if (!m.upstream_metric.empty()) histogram(FleetFigure::Upstream, m.upstream_metric);
    return q;
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A rated duration histogram being summed: native buckets by (lower, upper), classic by le.
struct Hist {
    bool seen = false;
    double count = 0;
    std::map<std::pair<double, double>, std::pair<int, double>> native;  // -> (boundary rule, count)
    std::map<double, double> classic;                                    // le -> cumulative count
    void add(const PromHistogram& h) {
        seen = true;
        count += h.count;
        for (const auto& b : h.buckets) {
            auto& slot = native[{b.lower, b.upper}];
            slot.first = b.boundaries;
            slot.second += b.count;
        }
    }
    void add(double le, double v) {
        seen = true;
        classic[le] += v;
    }
    void add(const Hist& o) {
        if (!o.seen) return;
        seen = true;
        count += o.count;
        for (const auto& [k, v] : o.native) {
            auto& slot = native[k];
            slot.first = v.first;
            slot.second += v.second;
        }
        for (const auto& [le, v] : o.classic)
            classic[le] += v;
    }
    /// Observations per second: the native count, or the classic +Inf bucket.
    double observations() const {
        if (!classic.empty()) return classic.rbegin()->second;
        return count;
    }
    double quantile(double phi) const {
        if (!classic.empty()) return classic_quantile(phi, {classic.begin(), classic.end()});
        PromHistogram h;
        h.count = count;
        for (const auto& [k, v] : native)
            h.buckets.push_back({v.first, k.first, k.second, v.second});
        return native_quantile(phi, h);
    }
};

struct Figures {
    std::optional<double> rate;
    bool status_seen = false;
    double r5xx = 0, r429 = 0;
    Hist latency;
    Hist upstream;  // a forwarding host's upstream time
    bool cache_seen = false;
    double hits = 0, misses = 0;
};

struct Step {
    Figures total;
    std::map<std::tuple<std::string, std::string, std::string>, Figures> routes;  // method, route, version
};

std::string label(const PromLabels& l, const std::string& name) {
    if (name.empty()) return {};
    auto it = l.find(name);
    return it == l.end() ? std::string{} : it->second;
}

std::uint64_t count_of(double rate, int window_s) {
    return std::isfinite(rate) && rate > 0 ? static_cast<std::uint64_t>(std::llround(rate * window_s)) : 0;
}

SeriesSnapshot series_of(const Figures& f, int window_s) {
    SeriesSnapshot s;
    s.rate_per_s = f.rate.value_or(0);
    s.requests = count_of(s.rate_per_s, window_s);
    s.errors = count_of(f.r5xx, window_s);
    s.by_class[5] = s.errors;
    s.rate_limited = count_of(f.r429, window_s);
    if (s.rate_limited) s.by_code[429] = s.rate_limited;
    if (f.status_seen && s.rate_per_s > 0) s.error_ratio = f.r5xx / s.rate_per_s;
    const double p50 = f.latency.seen ? f.latency.quantile(0.5) : kNaN;
    const double p95 = f.latency.seen ? f.latency.quantile(0.95) : kNaN;
    const double p99 = f.latency.seen ? f.latency.quantile(0.99) : kNaN;
    if (std::isfinite(p50) || std::isfinite(p95) || std::isfinite(p99)) {
        LatencyQuantiles q;
        q.p50_ms = p50 * 1000;
        q.p95_ms = p95 * 1000;
        q.p99_ms = p99 * 1000;
        q.p90_ms = q.p999_ms = q.max_ms = q.mean_ms = kNaN;
        s.latency = q;
    }
    if (f.upstream.seen) {
        // Requests that reached an upstream in the window (none: no member, as an agent's snapshot has).
        const std::uint64_t reached = count_of(f.upstream.observations(), window_s);
        if (reached > 0) {
            UpstreamLatency u;
            u.requests = reached;
            u.latency.p50_ms = f.upstream.quantile(0.5) * 1000;
            u.latency.p95_ms = f.upstream.quantile(0.95) * 1000;
            u.latency.p99_ms = f.upstream.quantile(0.99) * 1000;
            u.latency.p90_ms = u.latency.p999_ms = u.latency.max_ms = u.latency.mean_ms = kNaN;
            s.upstream = u;
        }
    }
    if (f.cache_seen) {
        s.cache_hits = count_of(f.hits, window_s);
        s.cache_misses = count_of(f.misses, window_s);
        if (f.hits + f.misses > 0) s.cache_hit_ratio = f.hits / (f.hits + f.misses);
    }
    return s;
}

}  // namespace

double classic_quantile(double phi, std::vector<std::pair<double, double>> b) {
    if (std::isnan(phi)) return kNaN;
    if (phi < 0) return -std::numeric_limits<double>::infinity();
    if (phi > 1) return std::numeric_limits<double>::infinity();
    if (b.empty()) return kNaN;
    std::sort(b.begin(), b.end());
    if (!std::isinf(b.back().first) || b.back().first < 0) return kNaN;
    // Coalesce equal bounds, then make the cumulative counts monotonic (scrapes at different times).
    std::vector<std::pair<double, double>> c;
    for (const auto& x : b) {
        if (!c.empty() && c.back().first == x.first)
            c.back().second += x.second;
        else
            c.push_back(x);
    }
    for (std::size_t i = 1; i < c.size(); ++i)
        c[i].second = std::max(c[i].second, c[i - 1].second);
    if (c.size() < 2) return kNaN;
    const double observations = c.back().second;
    if (observations == 0) return kNaN;
    double rank = phi * observations;
    std::size_t i = 0;
    while (i < c.size() - 1 && c[i].second < rank)
        ++i;
    if (i == c.size() - 1) return c[c.size() - 2].first;
    if (i == 0 && c[0].first <= 0) return c[0].first;
    double start = 0, end = c[i].first, count = c[i].second;
    if (i > 0) {
        start = c[i - 1].first;
        count -= c[i - 1].second;
        rank -= c[i - 1].second;
    }
    return start + (end - start) * (rank / count);
}

double native_quantile(double phi, const PromHistogram& h) {
    if (phi < 0) return -std::numeric_limits<double>::infinity();
    if (phi > 1) return std::numeric_limits<double>::infinity();
    if (h.count == 0 || std::isnan(phi) || h.buckets.empty()) return kNaN;
    bool negative = false, positive = false;
    for (const auto& b : h.buckets) {
        negative = negative || b.upper <= 0;
        positive = positive || b.lower >= 0;
    }
    const double rank_all = phi * h.count;
    double count = 0;
    PromHistogram::Bucket bucket;
    for (const auto& b : h.buckets) {
        bucket = b;
        count += b.count;
        if (count >= rank_all) break;
    }
    if (bucket.lower < 0 && bucket.upper > 0) {  // the zero bucket
        if (!negative && positive)
            bucket.lower = 0;
        else if (!positive && negative)
            bucket.upper = 0;
    }
    count = std::min(count, h.count);
    if (count < rank_all) return bucket.upper;
    const double rank = rank_all - (count - bucket.count);
    return bucket.lower + (bucket.upper - bucket.lower) * (rank / bucket.count);
}

FleetFrame fleet_frame(const FleetMapping& m, int window_s,
                       const std::vector<std::pair<FleetFigure, std::vector<PromSeries>>>& answers,
                       bool routes_only) {
    FleetFrame out;
    // Agent key ("" = the fleet) -> step time -> figures.
    std::map<std::string, std::map<std::int64_t, Step>> acc;
    for (const auto& [figure, series] : answers) {
        for (const auto& s : series) {
            const std::string level = label(s.labels, kFleetLevelLabel);
            if (level.empty()) continue;  // not one of ours
            const bool fleet = level == "fleet" || level == "fleet_route";
            const bool route = level == "route" || level == "fleet_route";
            const std::string agent = fleet ? std::string{} : label(s.labels, m.instance_label);
            if (!fleet && agent.empty()) continue;
            const auto key = std::make_tuple(label(s.labels, m.method_label), label(s.labels, m.route_label),
                                             label(s.labels, m.version_label));
            const std::string status = label(s.labels, m.status_label);
            const std::string result = label(s.labels, "result");
            if (figure == FleetFigure::Status) out.status_exported = true;
            if (figure == FleetFigure::Cache) out.cache_exported = true;
            auto& steps = acc[agent];
            if (figure == FleetFigure::Latency || figure == FleetFigure::Upstream) {
                Hist Figures::*which =
                    figure == FleetFigure::Latency ? &Figures::latency : &Figures::upstream;
                // Instances' histograms also add up to the fleet's (its level is not queried).
                const bool instance_total = level == "instance";
                auto* fleet_steps = instance_total ? &acc[std::string{}] : nullptr;
                const std::string le_text = label(s.labels, "le");
                const auto le = PrometheusClient::parse_value(le_text);
                auto add = [&](std::int64_t t, auto&& fn) {
                    Step& st = steps[t];
                    fn((route ? st.routes[key] : st.total).*which);
                    if (fleet_steps) fn((*fleet_steps)[t].total.*which);
                };
                for (const auto& [t, h] : s.histograms)
                    add(t, [&](Hist& x) { x.add(h); });
                if (le)
                    for (const auto& [t, v] : s.points)
                        add(t, [&](Hist& x) { x.add(*le, v); });
                continue;
            }
            for (const auto& [t, v] : s.points) {
                Step& st = steps[t];
                Figures& f = route ? st.routes[key] : st.total;
                switch (figure) {
                    case FleetFigure::Rate:
                        f.rate = v;
                        break;
                    case FleetFigure::Status:
                        f.status_seen = true;
                        if (!std::isfinite(v)) break;
                        if (status == "429")
                            f.r429 += v;
                        else if (status.size() == 3 && status[0] == '5')
                            f.r5xx += v;
                        break;
                    case FleetFigure::Latency:
                    case FleetFigure::Upstream:
                        break;  // above
                    case FleetFigure::Cache:
                        f.cache_seen = true;
                        if (!std::isfinite(v)) break;
                        if (result == "hit")
                            f.hits += v;
                        else if (result == "miss")
                            f.misses += v;
                        break;
                }
            }
        }
    }
    for (const auto& [agent, steps] : acc) {
        std::vector<Snapshot>& dst = agent.empty() ? out.fleet : out.instances[agent];
        for (const auto& [t, st] : steps) {
            if (!st.total.rate && !(routes_only && !st.routes.empty()))
                continue;  // a step without the instance's totals is no snapshot
            Snapshot snap;
            snap.agent_id = agent;
            snap.time_ms = t;
            snap.epoch = t / 1000;
            snap.window_s = window_s;
            snap.total = series_of(st.total, window_s);
            snap.total.method = snap.total.route = snap.total.version = "*";
            for (const auto& [key, f] : st.routes) {
                if (!f.rate) continue;
                SeriesSnapshot s = series_of(f, window_s);
                std::tie(s.method, s.route, s.version) = key;
                snap.series.push_back(std::move(s));
            }
            dst.push_back(std::move(snap));
        }
        if (dst.empty()) out.instances.erase(agent);
    }
    return out;
}

}  // namespace redline
