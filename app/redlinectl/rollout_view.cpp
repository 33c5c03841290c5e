// Text of `redlinectl rollout status`. See rollout_view.h.
#include "rollout_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "cli.h"

namespace redline::ctl {

namespace {

bool is_probability(const std::string& unit) {
    return unit.rfind("P(", 0) == 0;
}

// A metric's value in its unit. A probability (the latency rank test) is shown in percent.
std::string value_text(const std::optional<double>& v, const std::string& unit) {
    if (!v || !std::isfinite(*v)) return kAbsent;
    if (unit == "ms") return format_ms(*v);
    if (unit == "%") return fmt::format("{:.2f}%", *v);
    if (is_probability(unit)) return fmt::format("{:.1f}%", *v * 100.0);
    return fmt::format("{:g} {}", *v, unit);
}

// canary - stable: milliseconds, or percentage points for ratios and probabilities.
std::string difference_text(const std::optional<double>& d, const std::string& unit) {
    if (!d || !std::isfinite(*d)) return kAbsent;
    const std::string sign = *d < 0 ? "-" : "+";
    const double mag = std::fabs(*d);
    if (unit == "ms") return sign + format_ms(mag);
    if (unit == "%") return sign + fmt::format("{:.2f}pp", mag);
    if (is_probability(unit)) return sign + fmt::format("{:.1f}pp", mag * 100.0);
    return sign + fmt::format("{:g} {}", mag, unit);
}

// The bound the canary's value may reach: an upper bound, except for the cache hit ratio (lower is worse).
std::string allowed_text(const MetricScore& m) {
    if (!m.allowed || !std::isfinite(*m.allowed)) return kAbsent;
    return (m.metric == "cache_hit_ratio" ? "\u2265 " : "\u2264 ") + value_text(m.allowed, m.unit);
}

std::string verdict_text(Verdict v) {
    switch (v) {
        case Verdict::Pass:
            return "\u2714 pass";
        case Verdict::Fail:
            return "\u2716 FAIL";
        case Verdict::Inconclusive:
            return "? inconclusive";
        case Verdict::NotApplicable:
            return "\u2013 n/a";
    }
    return "?";
}

std::string p_value_text(const std::optional<double>& p) {
    if (!p || !std::isfinite(*p)) return kAbsent;
    if (*p < 0.0001) return "<0.0001";
    return fmt::format("{:.4f}", *p);
}

std::string metric_name(const MetricScore& m) {
    return is_probability(m.unit) ? m.metric + " " + m.unit : m.metric;
}

std::string weight_text(double w) {
    return fmt::format("{:g}%", w);
}

std::string clock_text(std::int64_t ms) {
    return format_time_ms(ms).substr(11, 8);
}

void field(std::string& out, const std::string& label, const std::string& value) {
    out += fmt::format("{:<16}{}\n", label + ":", value);
}

std::string steps_text(const RolloutStatus& s) {
    const auto& steps = s.spec->steps;
    std::string out = "Steps:\n";
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const int idx = static_cast<int>(i);
        // Done (check), current (arrow), where a rollout stopped (cross), or pending (blank).
        const char* mark = "  ";
        switch (s.state) {
            case RolloutState::Promoted:
                mark = "\u2714 ";
                break;
            case RolloutState::Progressing:
            case RolloutState::Paused:
                mark = idx < s.step ? "\u2714 " : idx == s.step ? "\u25ba " : "  ";
                break;
            case RolloutState::RolledBack:
            case RolloutState::Aborted:
                mark = idx < s.step ? "\u2714 " : idx == s.step ? "\u2716 " : "  ";
                break;
            default:
                break;
        }
        const RolloutStep& st = steps[i];
        const bool promote = i + 1 == steps.size() && st.weight_percent >= 100.0;
        std::string line =
            fmt::format("  {}{:>2}  canary {:<5} {}", mark, i + 1, weight_text(st.weight_percent),
                        promote ? std::string("promote") : "hold " + format_duration_s(st.hold_s));
        if (idx == s.step && rollout_active(s.state))
            line += "  (held " + format_duration_s(s.step_held_s) + ")";
        out += line + "\n";
    }
    return out;
}

std::string scorecard_text(const Scorecard& sc) {
    std::string out;
    field(out, "Analysis",
          fmt::format("{} s window ending {}, verdict {}, {} stable / {} canary requests", sc.window_s,
                      clock_text((sc.epoch + 1) * 1000), verdict_text(sc.verdict), sc.stable_requests,
                      sc.canary_requests));
    if (sc.metrics.empty()) return out;
    Table t;
    t.header = {"METRIC", "STABLE", "CANARY", "DIFF", "ALLOWED", "VERDICT", "P", "N STABLE/CANARY"};
    t.left_columns = 1;
    for (const MetricScore& m : sc.metrics) {
        std::string n = fmt::format("{}/{}", m.n_stable, m.n_canary);
        if (m.verdict == Verdict::Inconclusive && m.needed > 0) n += fmt::format(" (needs {})", m.needed);
        t.rows.push_back({metric_name(m), value_text(m.stable, m.unit), value_text(m.canary, m.unit),
                          difference_text(m.difference, m.unit), allowed_text(m), verdict_text(m.verdict),
                          p_value_text(m.p_value), n});
    }
    out += '\n';
    out += t.render();
    // Why a metric did not pass, in the agent's words.
    for (const MetricScore& m : sc.metrics)
        if (m.verdict != Verdict::Pass && m.verdict != Verdict::NotApplicable && !m.detail.empty())
            out += fmt::format("  {}: {}\n", m.metric, m.detail);
    return out;
}

}  // namespace

std::string rollout_state_text(RolloutState s) {
    const char* symbol = "?";
    switch (s) {
        case RolloutState::None:
            symbol = "\u25cb";  // white circle
            break;
        case RolloutState::Pending:
            symbol = "\u25cc";  // dotted circle
            break;
        case RolloutState::Progressing:
            symbol = "\u25b6";  // play
            break;
        case RolloutState::Paused:
            symbol = "\u2016";  // double bar
            break;
        case RolloutState::Promoted:
            symbol = "\u2714";  // check
            break;
        case RolloutState::RolledBack:
        case RolloutState::Aborted:
            symbol = "\u2716";  // cross
            break;
    }
    return std::string(symbol) + " " + std::string(to_string(s));
}

std::string rollout_status_text(const std::string& agent, const RolloutStatus& s, std::int64_t now_ms) {
    std::string out;
    field(out, "Agent", agent);
    field(out, "Status", rollout_state_text(s.state));
    if (!s.spec) {
        out += "\nNo rollout plan yet: redlinectl rollout set --steps 5:30,25:60,50:60,100\n";
        return out;
    }
    const RolloutSpec& spec = *s.spec;
    const int n = static_cast<int>(spec.steps.size());
    if (!s.reason.empty()) field(out, "Reason", s.reason);
    field(out, "Step", fmt::format("{}/{}", std::clamp(s.step + 1, 1, std::max(n, 1)), n));
    field(out, "Canary weight", weight_text(s.weight_percent));
    if (rollout_active(s.state) && s.step >= 0 && s.step < n) {
        const RolloutStep& cur = spec.steps[static_cast<std::size_t>(s.step)];
        field(out, "Held", format_duration_s(s.step_held_s) + " / " + format_duration_s(cur.hold_s));
    }
    if (!s.waiting_for.empty()) field(out, "Waiting for", s.waiting_for);
    const AnalysisConfig& a = spec.analysis;
    field(out, "Windows",
          fmt::format("{} passing, {} failing (a step advances after {} passing; {} failing: {})",
                      s.passing_windows, s.failing_windows, a.pass_windows, a.failure_windows,
                      spec.on_failure == FailurePolicy::Rollback ? "roll back" : "pause"));
    if (s.started_ms > 0)
        field(out, "Started",
              fmt::format("{} ({} ago)", format_time_ms(s.started_ms),
                          format_duration_s((now_ms - s.started_ms) / 1000)));
    out += '\n';
    out += steps_text(s);
    if (s.scorecard) {
        out += '\n';
        out += scorecard_text(*s.scorecard);
    }
    return out;
}

}  // namespace redline::ctl
