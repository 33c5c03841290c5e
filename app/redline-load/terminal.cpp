#include "app/redline-load/terminal.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/load/engine_eval.h"

namespace redline::loadcli {

using namespace redline::load;

namespace {

std::string bar(double f, int width) {
    const int n = int(std::lround(std::clamp(f, 0.0, 1.0) * width));
    return std::string(std::size_t(n), '#') + std::string(std::size_t(width - n), '.');
}

/// "12.34ms" below 10 s, "12.3s" above: every latency with its unit.
std::string ms(double v) {
    return v >= 10'000 ? fmt::format("{:.1f}s", v / 1000) : fmt::format("{:.2f}ms", v);
}

std::string min_text(std::uint64_t ns) {
    return ns == RunMinimums::kNone ? std::string("-") : fmt::format("{:.3f}", double(ns) / 1e6);
}

/// The observed value of a threshold with its unit.
std::string observed_text(const ThresholdResult& r) {
    if (!r.evaluated) return "n/a";
    if (r.threshold.metric == ThresholdMetric::Unsent) return fmt::format("{:.0f} requests", r.observed);
    const std::string v = format_metric(r.threshold.metric, r.observed);
    // Latency: the engine's "212.40ms"; very long ones read better in seconds.
    if (v.ends_with("ms") && r.observed >= 10'000) return ms(r.observed);
    return v;
}

}  // namespace

void RunMinimums::add(const RunSecond& s) {
    if (corrected.size() < s.requests.size()) {
        corrected.resize(s.requests.size(), kNone);
        uncorrected.resize(s.requests.size(), kNone);
    }
    for (std::size_t i = 0; i < s.requests.size(); ++i) {
        const auto& st = s.requests[i].stats;
        if (st.corrected.count()) {
            corrected[i] = std::min(corrected[i], st.corrected.min_ns());
            all_corrected = std::min(all_corrected, st.corrected.min_ns());
        }
        if (st.uncorrected.count()) {
            uncorrected[i] = std::min(uncorrected[i], st.uncorrected.min_ns());
            all_uncorrected = std::min(all_uncorrected, st.uncorrected.min_ns());
        }
    }
}

void print_tty_progress(const Progress& p) {
    const std::string line = fmt::format(
        "\r[{}] {:3.0f}% {:<10.10} {:5.1f}/{:.0f}s  {:7.1f}/s  p50 {:6.2f} p95 {:6.2f} p99 {:7.2f} ms  err "
        "{:5.2f}%  late {}  unsent {}  inflight {}   ",
        bar(p.fraction, 24), p.fraction * 100, p.stage, p.elapsed_s, p.planned_s, p.achieved_rate,
        p.latency.p50_ms, p.latency.p95_ms, p.latency.p99_ms, p.error_ratio * 100, p.late, p.unsent,
        p.in_flight);
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
}

std::string ci_progress_line(const Progress& p) {
    const std::string rate =
        p.open_model ? fmt::format("rate {:.1f}/s of {:g}/s", p.achieved_rate, p.target)
                     : fmt::format("rate {:.1f}/s  vus {}/{:g}", p.achieved_rate, p.active_vus, p.target);
    return fmt::format("running {:>4.0f}s/{:.0f}s  {}  p99 {:.2f}ms  errors {:.2f}%  in-flight {}  unsent {}",
                       std::floor(p.elapsed_s), p.planned_s, rate, p.latency.p99_ms, p.error_ratio * 100,
                       p.in_flight, p.unsent);
}

namespace {

/// The rollout a scenario drove: its outcome against the expectation and every transition the run saw.
void print_rollout(const RolloutResult& r) {
    std::printf("\nrollout    %s %s step %d/%d, canary %.4g%% (expected %s)%s%s\n",
                r.passed ? "\u2713" : "\u2717", r.state.empty() ? "unknown" : r.state.c_str(), r.step + 1,
                r.steps, r.weight_percent, r.expected.c_str(),
                r.reason.empty() ? "" : (": " + r.reason).c_str(),
                r.note.empty() ? "" : (" - " + r.note).c_str());
    for (const auto& t : r.transitions)
        std::printf("  t=%6.1f s  %-12s step %d/%d  canary %5.4g%%  %s\n", t.t_s, t.state.c_str(), t.step + 1,
                    r.steps, t.weight_percent, t.reason.c_str());
}

}  // namespace

void print_summary(const Summary& s, const RunMinimums& mins) {
    std::printf("\nscenario   %s (%s) -> %s\n", s.scenario.c_str(), s.executor.c_str(), s.target.c_str());
    std::printf("outcome    %s%s%s\n", std::string(to_string(s.outcome)).c_str(),
                s.reason.empty() ? "" : ": ", s.reason.c_str());
    if (s.outcome == RunOutcome::Error) return;
    std::printf("duration   %.2f s (planned %.2f s)\n", s.duration_s, s.planned_s);
    std::printf(
        "requests   %llu completed, %.1f/s, %llu failed (%.2f%%), %llu transport errors, %llu rate-limited\n",
        (unsigned long long)s.completed, s.achieved_rate, (unsigned long long)s.errors, s.error_ratio * 100,
        (unsigned long long)s.transport_errors, (unsigned long long)s.rate_limited);
    std::string st;
    for (const auto& [k, v] : s.by_status)
        st += fmt::format("{}={} ", k, v);
    for (const auto& [k, v] : s.transport_by_kind)
        st += fmt::format("{}={} ", k, v);
    std::printf("statuses   %s\n", st.c_str());
    std::printf("bytes      %llu sent, %llu received\n", (unsigned long long)s.bytes_sent,
                (unsigned long long)s.bytes_received);
    if (s.tls)
        std::printf("tls        %llu handshakes, %llu resumed\n", (unsigned long long)s.tls->handshakes,
                    (unsigned long long)s.tls->resumed);
    if (s.executor.find("arrival") != std::string::npos)
        std::printf("schedule   %llu late, %llu unsent, lateness p50 %.3fms p99 %.3fms max %.3fms\n",
                    (unsigned long long)s.late, (unsigned long long)s.unsent, s.lateness.p50_ms,
                    s.lateness.p99_ms, s.lateness.max_ms);

    // Latency: every name in full; the first column is as wide as the longest.
    const bool open = s.executor.find("arrival") != std::string::npos;
    std::size_t w = std::string("all (uncorrected)").size();
    for (const auto& r : s.requests)
        w = std::max(w, r.name.size() + 2);
    std::printf("\n%-*s %9s %9s %7s %9s %9s %9s %9s %9s %9s %9s %9s\n", int(w), "latency (ms)", "count",
                "rate/s", "err%", "min", "avg", "p50", "p90", "p95", "p99", "p99.9", "max");
    auto row = [&](const std::string& name, std::uint64_t n, double rate, double err, std::uint64_t min_ns,
                   const LatencyQuantiles& q) {
        std::printf("%-*s %9llu %9.1f %7.2f %9s %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n", int(w),
                    name.c_str(), (unsigned long long)n, rate, err * 100, min_text(min_ns).c_str(), q.mean_ms,
                    q.p50_ms, q.p90_ms, q.p95_ms, q.p99_ms, q.p999_ms, q.max_ms);
    };
    row("all (corrected)", s.completed, s.achieved_rate, s.error_ratio, mins.all_corrected, s.latency);
    row("all (uncorrected)", s.completed, s.achieved_rate, s.error_ratio, mins.all_uncorrected,
        s.latency_uncorrected);
    for (std::size_t i = 0; i < s.requests.size(); ++i) {
        const auto& r = s.requests[i];
        const auto min_of = [&](const std::vector<std::uint64_t>& v) {
            return i < v.size() ? v[i] : RunMinimums::kNone;
        };
        row("  " + r.name, r.completed, r.rate_per_s, r.error_ratio, min_of(mins.corrected), r.latency);
        if (open)
            row("    (uncorrected)", r.completed, r.rate_per_s, r.error_ratio, min_of(mins.uncorrected),
                r.latency_uncorrected);
    }
    if (!s.checks.empty()) {
        std::printf("\nchecks     %.2f%% passed (%llu of %llu)\n", s.checks_rate * 100,
                    (unsigned long long)s.checks_passed,
                    (unsigned long long)(s.checks_passed + s.checks_failed));
        for (const auto& c : s.checks) {
            const auto n = c.passes + c.fails;
            std::printf("  %s %s: %s  %llu passed, %llu failed (%.2f%% passed)\n",
                        c.fails ? "\u2717" : "\u2713", c.request.c_str(), c.name.c_str(),
                        (unsigned long long)c.passes, (unsigned long long)c.fails,
                        n ? 100.0 * double(c.passes) / double(n) : 0.0);
        }
    }
    if (s.stages.size() > 1) {
        std::size_t sw = 5;
        for (const auto& g : s.stages)
            sw = std::max(sw, g.name.size());
        std::printf("\n%-*s %8s %12s %9s %8s %9s %9s\n", int(sw), "stage", "start_s", "target", "rate/s",
                    "err%", "p50 ms", "p99 ms");
        for (const auto& g : s.stages)
            std::printf("%-*s %8.1f %5.0f->%-6.0f %9.1f %8.2f %9.3f %9.3f\n", int(sw), g.name.c_str(),
                        g.start_s, g.target_from, g.target_to, g.achieved_rate, g.error_ratio * 100,
                        g.latency.p50_ms, g.latency.p99_ms);
    }
    if (s.knee)
        std::printf("\nknee       %.1f/s at t=%.0f s (target %.1f, p99 %.2fms): %s\n", s.knee->rate_per_s,
                    s.knee->t_s, s.knee->target, s.knee->p99_ms, s.knee->reason.c_str());
    if (!s.thresholds.empty()) {
        std::size_t ew = 0, ww = 0;
        std::vector<std::string> where;
        for (const auto& r : s.thresholds) {
            std::string x(to_string(r.threshold.source));
            if (!r.threshold.request.empty()) x += " " + r.threshold.request;
            if (!r.threshold.route.empty()) x += " " + r.threshold.route;
            if (!r.threshold.version.empty()) x += " [" + r.threshold.version + "]";
            ew = std::max(ew, r.threshold.expr.size());
            ww = std::max(ww, x.size());
            where.push_back(std::move(x));
        }
        std::printf("\nthresholds\n");
        for (std::size_t i = 0; i < s.thresholds.size(); ++i) {
            const auto& r = s.thresholds[i];
            std::printf("  %s %-*s  %-*s  observed %s%s%s\n", r.passed ? "\u2713" : "\u2717", int(ew),
                        r.threshold.expr.c_str(), int(ww), where[i].c_str(), observed_text(r).c_str(),
                        r.aborted_run ? " (aborted the run)" : "",
                        r.note.empty() ? "" : (" - " + r.note).c_str());
        }
    }
    if (s.rollout) print_rollout(*s.rollout);
}

}  // namespace redline::loadcli
