// compare(): every figure of two runs, its tests and verdict (docs/regression-gate.md "Figures and tests").
#include "core/load/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/stats.h"

namespace redline::load {

std::string_view to_string(FigureVerdict v) {
    switch (v) {
        case FigureVerdict::Regressed:
            return "regressed";
        case FigureVerdict::Improved:
            return "improved";
        case FigureVerdict::NoChange:
            return "no significant change";
        case FigureVerdict::NotComparable:
            return "n/a";
    }
    return "?";
}

const Figure* RunComparison::find(std::string_view key, std::string_view request) const {
    for (const auto& f : figures)
        if (f.key == key && f.request == request) return &f;
    return nullptr;
}

namespace {

struct LatencyKey {
    const char* key;
    double q;  // 0 = mean (avg)
};
constexpr LatencyKey kLatency[] = {{"p50", 0.50},    {"p90", 0.90}, {"p95", 0.95}, {"p99", 0.99},
                                   {"p99.9", 0.999}, {"max", 1.0},  {"avg", 0.0}};

/// One side of a comparison: the figures of the whole run or of one request.
struct Side {
    std::uint64_t completed = 0, errors = 0, transport_errors = 0;
    double rate = 0, duration_s = 0;
    const LatencyQuantiles* latency = nullptr;
    const LatencySketch* sketch = nullptr;
    /// Latency values behind the quantiles: the sketch's count, or completed - transport errors without one.
    std::uint64_t latency_n() const {
        if (sketch->count()) return sketch->count();
        return completed > transport_errors ? completed - transport_errors : 0;
    }
    bool sketch_missing() const { return sketch->count() == 0 && latency->max_ms > 0; }
};

Side whole(const Summary& s) {
    return {s.completed,  s.errors,   s.transport_errors, s.achieved_rate,
            s.duration_s, &s.latency, &s.latency_sketch};
}
Side of(const Summary& s, const RequestSummary& r) {
    return {r.completed,  r.errors,   r.transport_errors, r.rate_per_s,
            s.duration_s, &r.latency, &r.latency_sketch};
}

double quantile_value(const Side& s, const LatencyKey& k) {
    if (s.sketch->count()) {
        if (k.q == 0.0) return s.sketch->mean_ns() / 1e6;
        if (k.q == 1.0) return double(s.sketch->max_ns()) / 1e6;
        return s.sketch->quantile_ns(k.q) / 1e6;
    }
    const LatencyQuantiles& q = *s.latency;
    if (k.q == 0.0) return q.mean_ms;
    if (k.q == 1.0) return q.max_ms;
    if (k.q == 0.5) return q.p50_ms;
    if (k.q == 0.9) return q.p90_ms;
    if (k.q == 0.95) return q.p95_ms;
    if (k.q == 0.99) return q.p99_ms;
    return q.p999_ms;
}

void set_values(Figure& f, double base, double cur) {
    f.base = base;
    f.current = cur;
    f.change = cur - base;
    if (base != 0.0) f.relative = (cur - base) / base;
}

/// Verdict from the p-values and the options' bound: `worse` and `better` are the change's size in the
/// bound's terms in each direction (so a negative value is a change the other way).
void decide(Figure& f, double alpha, double worse, double better, double bound, double bound2 = -1,
            double worse2 = 0, double better2 = 0) {
    if (!f.comparable) {
        f.verdict = FigureVerdict::NotComparable;
        return;
    }
    const bool worse_beyond = worse > bound && (bound2 < 0 || worse2 > bound2);
    const bool better_beyond = better > bound && (bound2 < 0 || better2 > bound2);
    if (f.p_worse < alpha && worse_beyond)
        f.verdict = FigureVerdict::Regressed;
    else if (f.p_better < alpha && better_beyond)
        f.verdict = FigureVerdict::Improved;
    else
        f.verdict = FigureVerdict::NoChange;
}

/// Relative change in percent for the latency/rate bounds; "infinite" from a zero baseline.
double rel_pct(const Figure& f) {
    if (f.relative) return *f.relative * 100.0;
    return f.change > 0 ? 1e300 : f.change < 0 ? -1e300 : 0.0;
}

/// Mean and variance of a sketch's values from its buckets (each value taken at its bucket's representative;
/// the underflow and overflow buckets at the exact minimum and maximum).
double variance(const LatencySketch& sk) {
    const auto& b = sk.buckets();
    double n = 0, sum = 0, sq = 0;
    for (std::size_t i = 0; i < LatencySketch::kBuckets; ++i) {
        if (!b[i]) continue;
        const double v = i == LatencySketch::kUnderflow  ? double(sk.min_ns())
                         : i == LatencySketch::kOverflow ? double(sk.max_ns())
                                                         : LatencySketch::representative_ns(i);
        n += double(b[i]);
        sum += double(b[i]) * v;
        sq += double(b[i]) * v * v;
    }
    if (n < 2) return 0.0;
    const double mean = sum / n;
    return std::max(0.0, (sq - n * mean * mean) / (n - 1));
}

/// Welch's z-test on the means (exact sums; variances from the buckets; normal approximation, the runs have
/// many values), one-sided each way.
void welch(Figure& f, const LatencySketch& b, const LatencySketch& c) {
    const double se = std::sqrt(variance(b) / double(b.count()) + variance(c) / double(c.count()));
    if (!(se > 0)) return;
    const double z = (c.mean_ns() - b.mean_ns()) / se;
    f.p_worse = stats::normal_sf(z);
    f.p_better = stats::normal_sf(-z);
}

void latency_figures(std::vector<Figure>& out, const std::string& request, const Side& b, const Side& c,
                     const CompareOptions& o) {
    const std::uint64_t nb = b.latency_n(), nc = c.latency_n();
    const bool untestable = b.sketch_missing() || c.sketch_missing();
    for (const auto& k : kLatency) {
        Figure f;
        f.key = k.key;
        f.request = request;
        f.kind = FigureKind::Latency;
        f.unit = "ms";
        f.base_n = nb;
        f.cur_n = nc;
        set_values(f, quantile_value(b, k), quantile_value(c, k));
        f.test = k.q == 0.0   ? "Welch z on the means"
                 : k.q == 1.0 ? "exceedance of the baseline's maximum"
                              : "quantile exceedance";
        const std::uint64_t needed =
            (k.q > 0.0 && k.q < 1.0)
                ? std::max<std::uint64_t>(o.min_requests, std::uint64_t(std::ceil(1.0 / (1.0 - k.q) - 1e-9)))
                : o.min_requests;
        if (nb == 0 || nc == 0) {
            f.comparable = false;
            f.note = nb == 0 ? "no latency values in the baseline" : "no latency values in the current run";
        } else if (untestable) {
            f.comparable = false;
            f.note = std::string("quantile values only: the ") +
                     (b.sketch_missing() ? "baseline" : "current run") + " has no latency_sketch, so no test";
        } else if (nb < needed || nc < needed) {
            f.note =
                fmt::format("too few latency values to test (needs {} a run, has {} and {})", needed, nb, nc);
        } else if (k.q == 0.0) {
            welch(f, *b.sketch, *c.sketch);
        } else {
            f.p_worse = stats::quantile_greater(*b.sketch, *c.sketch, k.q).p_value;
            f.p_better = stats::quantile_greater(*c.sketch, *b.sketch, k.q).p_value;
        }
        decide(f, o.alpha, rel_pct(f), -rel_pct(f), o.latency_percent, o.latency_ms, f.change, -f.change);
        out.push_back(std::move(f));
    }
    // The whole distribution: Mann-Whitney U, shown as P(current > baseline) (50 % = alike).
    Figure f;
    f.key = "shift";
    f.request = request;
    f.kind = FigureKind::Ratio;
    f.unit = "%";
    f.base_n = nb;
    f.cur_n = nc;
    f.test = "Mann-Whitney U";
    f.note = "P(current > baseline); 50 % = alike";
    double current = 50.0;
    if (nb == 0 || nc == 0 || untestable) {
        f.comparable = false;
        f.note = nb == 0 || nc == 0 ? "no latency values in a run" : "needs both runs' latency_sketch";
    } else if (nb < o.min_requests || nc < o.min_requests) {
        f.note = fmt::format("too few latency values to test (needs {} a run, has {} and {})", o.min_requests,
                             nb, nc);
    } else {
        const auto worse = stats::mann_whitney(*b.sketch, *c.sketch);
        current = worse.superiority * 100.0;
        f.p_worse = worse.p_value;
        f.p_better = stats::mann_whitney(*c.sketch, *b.sketch).p_value;
    }
    set_values(f, 50.0, current);
    decide(f, o.alpha, f.change, -f.change, o.shift_pp);
    out.push_back(std::move(f));
}

/// Two Poisson counts over exposures tb and tc, conditioned on the total: xc ~ Binomial(xb + xc, tc / (tb +
/// tc)) when the rates are equal. Exact tails (stats::binomial_sf on the side above the mean).
void poisson_test(Figure& f, std::uint64_t xb, double tb, std::uint64_t xc, double tc) {
    if (!(tb > 0) || !(tc > 0)) return;
    const std::uint64_t total = xb + xc;
    if (total == 0) return;
    const double share_c = tc / (tb + tc);
    // Fewer current events than expected (worse): P(Xc <= xc) = P(Xb >= total - xc), Xb ~ Bin(total, 1 -
    // share).
    f.p_worse = stats::binomial_sf(total - xc, total, 1.0 - share_c);
    f.p_better = stats::binomial_sf(xc, total, share_c);
}

Figure rate_figure(const std::string& request, const Side& b, const Side& c, const CompareOptions& o) {
    Figure f;
    f.key = "rate";
    f.request = request;
    f.kind = FigureKind::Rate;
    f.unit = "/s";
    f.base_n = b.completed;
    f.cur_n = c.completed;
    set_values(f, b.rate, c.rate);
    f.test = "Poisson rate ratio (exact, conditional)";
    if (!(b.duration_s > 0) || !(c.duration_s > 0)) {
        f.comparable = false;
        f.note = "a run without duration";
    } else {
        poisson_test(f, b.completed, b.duration_s, c.completed, c.duration_s);
    }
    decide(f, o.alpha, -rel_pct(f), rel_pct(f), o.rate_percent);
    return f;
}

Figure completed_figure(const std::string& request, const Side& b, const Side& c, const CompareOptions& o) {
    Figure f;
    f.key = "completed";
    f.request = request;
    f.kind = FigureKind::Count;
    f.unit = "req";
    f.base_n = b.completed;
    f.cur_n = c.completed;
    set_values(f, double(b.completed), double(c.completed));
    f.test = "Poisson count (exact, conditional)";
    poisson_test(f, b.completed, 1.0, c.completed, 1.0);
    decide(f, o.alpha, -rel_pct(f), rel_pct(f), o.rate_percent);
    return f;
}

/// A share of bad events x/n (failed requests, transport errors, unsent, late; failed checks for a pass
/// rate): pooled two-proportion z-test with continuity correction in each direction. Shown in %, change in
/// pp.
Figure share_figure(const char* key, const std::string& request, FigureKind kind, std::uint64_t xb,
                    std::uint64_t nb, std::uint64_t xc, std::uint64_t nc, const CompareOptions& o,
                    const char* what) {
    Figure f;
    f.key = key;
    f.request = request;
    f.kind = kind;
    f.unit = "%";
    f.base_n = nb;
    f.cur_n = nc;
    f.base_x = std::min(xb, nb);
    f.cur_x = std::min(xc, nc);
    const bool pass_rate = kind == FigureKind::PassRate;
    auto pct = [&](std::uint64_t x, std::uint64_t n) {
        if (n == 0) return 0.0;
        const double bad = double(std::min(x, n)) / double(n) * 100.0;
        return pass_rate ? 100.0 - bad : bad;
    };
    set_values(f, pct(xb, nb), pct(xc, nc));
    f.test = "two-proportion z";
    if (nb == 0 || nc == 0) {
        f.comparable = false;
        f.note = fmt::format("no {} in the {}", what, nb == 0 ? "baseline" : "current run");
    } else if (nb < o.min_requests || nc < o.min_requests) {
        f.note =
            fmt::format("too few {} to test (needs {} a run, has {} and {})", what, o.min_requests, nb, nc);
    } else {
        f.p_worse = stats::proportion_greater(xb, nb, xc, nc).p_value;
        f.p_better = stats::proportion_greater(xc, nc, xb, nb).p_value;
    }
    const double worse = pass_rate ? -f.change : f.change;
    decide(f, o.alpha, worse, -worse, o.ratio_pp);
    return f;
}

void request_figures(std::vector<Figure>& out, const std::string& request, const Side& b, const Side& c,
                     const CompareOptions& o) {
    out.push_back(rate_figure(request, b, c, o));
    out.push_back(completed_figure(request, b, c, o));
    out.push_back(share_figure("failed", request, FigureKind::Ratio, b.errors, b.completed, c.errors,
                               c.completed, o, "requests"));
    out.push_back(share_figure("transport_errors", request, FigureKind::Ratio, b.transport_errors,
                               b.completed, c.transport_errors, c.completed, o, "requests"));
    latency_figures(out, request, b, c, o);
}

/// Lateness p99 above which a run's generator is named as a suspect: healthy open-model runs on a loaded
/// 2-core machine showed 1.5-4.5 ms, starved ones 60-80 ms (docs/regression-gate.md "Measured").
constexpr double kLateGeneratorMs = 10.0;

std::string seconds(double s) {
    return fmt::format("{:g} s", s);
}

}  // namespace

RunComparison compare(const Summary& base, const Summary& cur, const CompareOptions& o) {
    RunComparison c;
    c.base_run_id = base.run_id;
    c.cur_run_id = cur.run_id;
    c.base_scenario = base.scenario;
    c.cur_scenario = cur.scenario;
    c.options = o;
    auto& w = c.warnings;
    if (base.scenario != cur.scenario)
        w.push_back(fmt::format("scenario '{}' vs '{}': the runs come from different scenarios",
                                base.scenario, cur.scenario));
    if (base.executor != cur.executor)
        w.push_back(fmt::format("executor '{}' vs '{}'", base.executor, cur.executor));
    if (base.target != cur.target) w.push_back(fmt::format("target '{}' vs '{}'", base.target, cur.target));
    if (std::abs(base.planned_s - cur.planned_s) > 1e-9)
        w.push_back(fmt::format("planned duration {} vs {}: counts (completed) differ by design",
                                seconds(base.planned_s), seconds(cur.planned_s)));
    if (base.outcome == RunOutcome::Error) w.push_back("the baseline run ended in an error: " + base.error);
    if (cur.outcome == RunOutcome::Error) w.push_back("the current run ended in an error: " + cur.error);
    if (base.completed == 0)
        w.push_back("the baseline has no completed requests: nothing to compare it with");
    if (cur.completed == 0) w.push_back("the current run has no completed requests");
    for (const auto* s : {&base, &cur}) {
        const char* who = s == &base ? "the baseline" : "the current run";
        if (s->lateness.p99_ms > kLateGeneratorMs)
            w.push_back(
                fmt::format("{}'s sends were late (lateness p99 {:.1f} ms): the load generator may have "
                            "been starved, and its latency includes that wait",
                            who, s->lateness.p99_ms));
        if (whole(*s).sketch_missing())
            w.push_back(
                fmt::format("{} has no latency_sketch (a summary from an older redline-load?): latency "
                            "is compared by quantile values only, without a test",
                            who));
        std::string missing;
        for (const auto& r : s->requests)
            if (of(*s, r).sketch_missing()) missing += (missing.empty() ? "'" : ", '") + r.name + "'";
        if (!missing.empty() && !whole(*s).sketch_missing())
            w.push_back(
                fmt::format("{}'s request(s) {} have no latency_sketch: their latency is compared by "
                            "quantile values only",
                            who, missing));
    }

    // Whole run.
    const Side b = whole(base), k = whole(cur);
    request_figures(c.figures, "", b, k, o);
    // Checks only when a run has some (a scenario without checks has no pass rate to compare).
    const std::uint64_t base_checks = base.checks_passed + base.checks_failed;
    const std::uint64_t cur_checks = cur.checks_passed + cur.checks_failed;
    if (base_checks || cur_checks)
        c.figures.push_back(share_figure("checks", "", FigureKind::PassRate, base.checks_failed, base_checks,
                                         cur.checks_failed, cur_checks, o, "checks"));
    c.figures.push_back(share_figure("unsent", "", FigureKind::Ratio, base.unsent, base.sent + base.unsent,
                                     cur.unsent, cur.sent + cur.unsent, o, "scheduled requests"));
    c.figures.push_back(share_figure("late", "", FigureKind::Ratio, base.late, base.sent, cur.late, cur.sent,
                                     o, "sent requests"));

    // Request by request, in the baseline's order; names only one run has are named in a warning.
    std::set<std::string> in_cur;
    for (const auto& r : cur.requests)
        in_cur.insert(r.name);
    std::set<std::string> done;
    for (const auto& r : base.requests) {
        if (!done.insert(r.name).second) continue;  // a repeated name: the first one compares
        const auto it = std::find_if(cur.requests.begin(), cur.requests.end(),
                                     [&](const RequestSummary& q) { return q.name == r.name; });
        if (it == cur.requests.end()) {
            w.push_back(fmt::format("request '{}' only in the baseline (not compared)", r.name));
            continue;
        }
        request_figures(c.figures, r.name, of(base, r), of(cur, *it), o);
    }
    for (const auto& r : cur.requests)
        if (!done.contains(r.name) && done.insert(r.name).second)
            w.push_back(fmt::format("request '{}' only in the current run (not compared)", r.name));
    return c;
}

}  // namespace redline::load
