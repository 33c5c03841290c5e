#include "core/rollout.h"

#include <cmath>
#include <string>

#include "core/field_checker.h"

namespace redline {

namespace {

using detail::Checker;
using detail::finish;
using nlohmann::json;

constexpr int kMaxSteps = 20;

json opt(const std::optional<double>& v) {
    return v && std::isfinite(*v) ? json(*v) : json(nullptr);
}

std::optional<double> read_opt(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
}

template <class T>
T read_or(const json& j, const char* key, T fallback) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    return it->get<T>();
}

void parse_bound(Checker& c, const json& j, const std::string& path, QuantileBound& out) {
    if (!c.object(j, path, {"max_increase_percent", "max_increase_ms"})) return;
    if (auto v = c.number(j, path, "max_increase_percent", false, 0.0, 1000.0)) out.max_increase_percent = *v;
    if (auto v = c.number(j, path, "max_increase_ms", false, 0.0, 60000.0)) out.max_increase_ms = *v;
}

void parse_analysis(Checker& c, const json& j, AnalysisConfig& a) {
    const std::string p = "analysis";
    if (!c.object(j, p,
                  {"window_s", "alpha", "min_requests", "failure_windows", "pass_windows", "max_superiority",
                   "max_shift_ms", "warmup_s", "p50", "p95", "p99", "max_error_increase_pp",
                   "max_cache_hit_decrease_pp", "max_rate_limited_increase_pp"}))
        return;
    if (auto v = c.integer(j, p, "window_s", false, 1, 60)) a.window_s = int(*v);
    if (auto v = c.number(j, p, "alpha", false, 0.0, 0.2, /*lo_open=*/true)) a.alpha = *v;
    if (auto v = c.integer(j, p, "min_requests", false, 1, 1'000'000)) a.min_requests = *v;
    if (auto v = c.integer(j, p, "failure_windows", false, 1, 60)) a.failure_windows = int(*v);
    if (auto v = c.integer(j, p, "pass_windows", false, 1, 60)) a.pass_windows = int(*v);
    if (auto v = c.number(j, p, "max_superiority", false, 0.5, 1.0, /*lo_open=*/true)) a.max_superiority = *v;
    if (auto v = c.number(j, p, "max_shift_ms", false, 0.0, 60000.0)) a.max_shift_ms = *v;
    if (auto v = c.integer(j, p, "warmup_s", false, 0, 3600)) a.warmup_s = int(*v);
    if (auto it = j.find("p50"); it != j.end()) parse_bound(c, *it, "analysis.p50", a.p50);
    if (auto it = j.find("p95"); it != j.end()) parse_bound(c, *it, "analysis.p95", a.p95);
    if (auto it = j.find("p99"); it != j.end()) parse_bound(c, *it, "analysis.p99", a.p99);
    if (auto v = c.number(j, p, "max_error_increase_pp", false, 0.0, 100.0)) a.max_error_increase_pp = *v;
    if (auto v = c.number(j, p, "max_cache_hit_decrease_pp", false, 0.0, 100.0))
        a.max_cache_hit_decrease_pp = *v;
    if (auto v = c.number(j, p, "max_rate_limited_increase_pp", false, 0.0, 100.0))
        a.max_rate_limited_increase_pp = *v;
}

QuantileBound read_bound(const json& j) {
    QuantileBound b;
    if (!j.is_object()) return b;
    b.max_increase_percent = read_or(j, "max_increase_percent", b.max_increase_percent);
    b.max_increase_ms = read_or(j, "max_increase_ms", b.max_increase_ms);
    return b;
}

AnalysisConfig read_analysis(const json& j) {
    AnalysisConfig a;
    if (!j.is_object()) return a;
    a.window_s = read_or(j, "window_s", a.window_s);
    a.alpha = read_or(j, "alpha", a.alpha);
    a.min_requests = read_or(j, "min_requests", a.min_requests);
    a.failure_windows = read_or(j, "failure_windows", a.failure_windows);
    a.pass_windows = read_or(j, "pass_windows", a.pass_windows);
    a.max_superiority = read_or(j, "max_superiority", a.max_superiority);
    a.max_shift_ms = read_or(j, "max_shift_ms", a.max_shift_ms);
    a.warmup_s = read_or(j, "warmup_s", a.warmup_s);
    if (j.contains("p50")) a.p50 = read_bound(j["p50"]);
    if (j.contains("p95")) a.p95 = read_bound(j["p95"]);
    if (j.contains("p99")) a.p99 = read_bound(j["p99"]);
    a.max_error_increase_pp = read_or(j, "max_error_increase_pp", a.max_error_increase_pp);
    a.max_cache_hit_decrease_pp = read_or(j, "max_cache_hit_decrease_pp", a.max_cache_hit_decrease_pp);
    a.max_rate_limited_increase_pp =
        read_or(j, "max_rate_limited_increase_pp", a.max_rate_limited_increase_pp);
    return a;
}

}  // namespace

std::string_view to_string(RolloutState s) {
    switch (s) {
        case RolloutState::None:
            return "none";
        case RolloutState::Pending:
            return "pending";
        case RolloutState::Progressing:
            return "progressing";
        case RolloutState::Paused:
            return "paused";
        case RolloutState::Promoted:
            return "promoted";
        case RolloutState::RolledBack:
            return "rolled_back";
        case RolloutState::Aborted:
            return "aborted";
    }
    return "none";
}

std::string_view to_string(Verdict v) {
    switch (v) {
        case Verdict::Pass:
            return "pass";
        case Verdict::Fail:
            return "fail";
        case Verdict::Inconclusive:
            return "inconclusive";
        case Verdict::NotApplicable:
            return "n/a";
    }
    return "inconclusive";
}

std::string_view to_string(FailurePolicy p) {
    return p == FailurePolicy::Pause ? "pause" : "rollback";
}

std::optional<RolloutState> rollout_state_from(std::string_view s) {
    for (auto st :
         {RolloutState::None, RolloutState::Pending, RolloutState::Progressing, RolloutState::Paused,
          RolloutState::Promoted, RolloutState::RolledBack, RolloutState::Aborted})
        if (to_string(st) == s) return st;
    return std::nullopt;
}

std::optional<Verdict> verdict_from(std::string_view s) {
    for (auto v : {Verdict::Pass, Verdict::Fail, Verdict::Inconclusive, Verdict::NotApplicable})
        if (to_string(v) == s) return v;
    return std::nullopt;
}

bool rollout_active(RolloutState s) {
    return s == RolloutState::Progressing || s == RolloutState::Paused;
}

void to_json(json& j, const RolloutStep& v) {
    j = json{{"weight_percent", v.weight_percent}, {"hold_s", v.hold_s}};
}

void to_json(json& j, const QuantileBound& v) {
    j = json{{"max_increase_percent", v.max_increase_percent}, {"max_increase_ms", v.max_increase_ms}};
}

void to_json(json& j, const AnalysisConfig& v) {
    j = json{{"window_s", v.window_s},
             {"alpha", v.alpha},
             {"min_requests", v.min_requests},
             {"failure_windows", v.failure_windows},
             {"pass_windows", v.pass_windows},
             {"max_superiority", v.max_superiority},
             {"max_shift_ms", v.max_shift_ms},
             {"warmup_s", v.warmup_s},
             {"p50", v.p50},
             {"p95", v.p95},
             {"p99", v.p99},
             {"max_error_increase_pp", v.max_error_increase_pp},
             {"max_cache_hit_decrease_pp", v.max_cache_hit_decrease_pp},
             {"max_rate_limited_increase_pp", v.max_rate_limited_increase_pp}};
}

void to_json(json& j, const RolloutSpec& v) {
    j = json{{"steps", v.steps},
             {"analysis", v.analysis},
             {"on_failure", to_string(v.on_failure)},
             {"max_downtime_s", v.max_downtime_s}};
}

void to_json(json& j, const MetricScore& v) {
    j = json{{"metric", v.metric},
             {"unit", v.unit},
             {"stable", opt(v.stable)},
             {"canary", opt(v.canary)},
             {"difference", opt(v.difference)},
             {"allowed", opt(v.allowed)},
             {"p_value", opt(v.p_value)},
             {"verdict", to_string(v.verdict)},
             {"n_stable", v.n_stable},
             {"n_canary", v.n_canary},
             {"needed", v.needed},
             {"detail", v.detail}};
}

void to_json(json& j, const Scorecard& v) {
    j = json{{"epoch", v.epoch},
             {"window_s", v.window_s},
             {"verdict", to_string(v.verdict)},
             {"stable_requests", v.stable_requests},
             {"canary_requests", v.canary_requests},
             {"metrics", v.metrics}};
}

void to_json(json& j, const RolloutStatus& v) {
    j = json{{"spec", v.spec ? json(*v.spec) : json(nullptr)},
             {"state", to_string(v.state)},
             {"step", v.step},
             {"steps", v.spec ? int(v.spec->steps.size()) : 0},
             {"weight_percent", v.weight_percent},
             {"step_held_s", v.step_held_s},
             {"passing_windows", v.passing_windows},
             {"failing_windows", v.failing_windows},
             {"reason", v.reason},
             {"waiting_for", v.waiting_for},
             {"started_ms", v.started_ms},
             {"updated_ms", v.updated_ms},
             {"last_tick_epoch", v.last_tick_epoch},
             {"scorecard", v.scorecard ? json(*v.scorecard) : json(nullptr)}};
}

Parsed<RolloutSpec> parse_rollout_spec(const json& j) {
    Checker c;
    RolloutSpec out;
    if (!c.object(j, "", {"steps", "analysis", "on_failure", "max_downtime_s"})) return finish(c, out);
    const auto steps = j.find("steps");
    if (steps == j.end()) {
        c.fail("steps", "is required: a list of {\"weight_percent\": W, \"hold_s\": S}");
    } else if (!steps->is_array()) {
        c.fail("steps", "must be an array, got " + detail::type_name(*steps));
    } else if (steps->empty() || steps->size() > std::size_t(kMaxSteps)) {
        c.fail("steps", "must have 1 to " + std::to_string(kMaxSteps) + " steps, got " +
                            std::to_string(steps->size()));
    } else {
        double previous = 0.0;
        for (std::size_t i = 0; i < steps->size(); ++i) {
            const std::string path = "steps[" + std::to_string(i) + "]";
            const json& s = (*steps)[i];
            const bool last = i + 1 == steps->size();
            if (!c.object(s, path, {"weight_percent", "hold_s"})) continue;
            RolloutStep step;
            if (auto v = c.number(s, path, "weight_percent", true, 0.0, 100.0, /*lo_open=*/true)) {
                step.weight_percent = *v;
                if (*v < previous)
                    c.fail(path + ".weight_percent",
                           "must not be below the previous step's " + detail::fmt_num(previous) + " %");
                if (*v >= 100.0 && !last)
                    c.fail(path + ".weight_percent",
                           "100 % is only allowed on the last step (there is no stable traffic to compare "
                           "with at 100 %)");
                previous = *v;
            }
            if (auto v = c.integer(s, path, "hold_s", !last, 0, 86400)) step.hold_s = int(*v);
            if (last && step.weight_percent >= 100.0 && step.hold_s > 0)
                c.fail(
                    path + ".hold_s",
                    "must be 0 on a 100 % step: nothing is compared at 100 %, reaching it is the promotion");
            out.steps.push_back(step);
        }
    }
    if (auto it = j.find("analysis"); it != j.end()) parse_analysis(c, *it, out.analysis);
    if (auto v = c.choice(j, "", "on_failure", {"rollback", "pause"}))
        out.on_failure = *v == 0 ? FailurePolicy::Rollback : FailurePolicy::Pause;
    if (auto v = c.integer(j, "", "max_downtime_s", false, 0, 86400)) out.max_downtime_s = int(*v);
    return finish(c, std::move(out));
}

std::optional<RolloutStatus> parse_rollout_status(const json& j, std::string* error) {
    try {
        if (!j.is_object()) throw std::runtime_error("rollout status must be a JSON object");
        RolloutStatus s;
        if (auto it = j.find("spec"); it != j.end() && it->is_object()) {
            RolloutSpec spec;
            for (const auto& st : it->value("steps", json::array()))
                spec.steps.push_back({st.value("weight_percent", 0.0), st.value("hold_s", 0)});
            spec.analysis = read_analysis(it->value("analysis", json::object()));
            spec.on_failure = it->value("on_failure", std::string("rollback")) == "pause"
                                  ? FailurePolicy::Pause
                                  : FailurePolicy::Rollback;
            spec.max_downtime_s = it->value("max_downtime_s", spec.max_downtime_s);
            s.spec = std::move(spec);
        }
        const auto state = rollout_state_from(j.value("state", std::string("none")));
        if (!state)
            throw std::runtime_error("unknown rollout state '" + j.value("state", std::string()) + "'");
        s.state = *state;
        s.step = read_or(j, "step", 0);
        s.weight_percent = read_or(j, "weight_percent", 0.0);
        s.step_held_s = read_or(j, "step_held_s", 0);
        s.passing_windows = read_or(j, "passing_windows", 0);
        s.failing_windows = read_or(j, "failing_windows", 0);
        s.reason = read_or(j, "reason", std::string());
        s.waiting_for = read_or(j, "waiting_for", std::string());
        s.started_ms = read_or(j, "started_ms", std::int64_t{0});
        s.updated_ms = read_or(j, "updated_ms", std::int64_t{0});
        s.last_tick_epoch = read_or(j, "last_tick_epoch", std::int64_t{0});
        if (auto it = j.find("scorecard"); it != j.end() && it->is_object()) {
            Scorecard sc;
            sc.epoch = read_or(*it, "epoch", std::int64_t{0});
            sc.window_s = read_or(*it, "window_s", 0);
            sc.verdict = verdict_from(read_or(*it, "verdict", std::string())).value_or(Verdict::Inconclusive);
            sc.stable_requests = read_or(*it, "stable_requests", std::uint64_t{0});
            sc.canary_requests = read_or(*it, "canary_requests", std::uint64_t{0});
            for (const auto& m : it->value("metrics", json::array())) {
                MetricScore ms;
                ms.metric = read_or(m, "metric", std::string());
                ms.unit = read_or(m, "unit", std::string());
                ms.stable = read_opt(m, "stable");
                ms.canary = read_opt(m, "canary");
                ms.difference = read_opt(m, "difference");
                ms.allowed = read_opt(m, "allowed");
                ms.p_value = read_opt(m, "p_value");
                ms.verdict =
                    verdict_from(read_or(m, "verdict", std::string())).value_or(Verdict::Inconclusive);
                ms.n_stable = read_or(m, "n_stable", std::uint64_t{0});
                ms.n_canary = read_or(m, "n_canary", std::uint64_t{0});
                ms.needed = read_or(m, "needed", std::uint64_t{0});
                ms.detail = read_or(m, "detail", std::string());
                sc.metrics.push_back(std::move(ms));
            }
            s.scorecard = std::move(sc);
        }
        return s;
    } catch (const std::exception& e) {
        if (error) *error = e.what();
        return std::nullopt;
    }
}

}  // namespace redline
