#include "core/load/arrival_schedule.h"

#include <cmath>

namespace redline::load {

ArrivalSchedule::ArrivalSchedule(const Scenario& s) {
    const bool constant =
        s.executor == ExecutorKind::ConstantArrivalRate || s.executor == ExecutorKind::ConstantVus;
    double from = constant ? (s.stages.empty() ? 0 : s.stages[0].target) : s.start_target;
    double t = 0, n = 0;
    for (const auto& st : s.stages) {
        segs_.push_back(Seg{t, st.duration_s, from, st.target});
        n += (from + st.target) * 0.5 * st.duration_s;
        cum_.push_back(n);
        t += st.duration_s;
        from = st.target;
    }
    dur_total_ = t;
}

std::optional<double> ArrivalSchedule::time_of(double n, std::size_t* hint) const {
    std::size_t i = hint ? *hint : 0;
    if (i >= segs_.size()) i = 0;
    if (i > 0 && cum_[i - 1] > n) i = 0;
    for (; i < segs_.size(); ++i) {
        if (n < cum_[i]) break;
    }
    if (i >= segs_.size()) return std::nullopt;
    if (hint) *hint = i;
    const Seg& g = segs_[i];
    const double m = n - (i ? cum_[i - 1] : 0.0);    // arrivals into this segment, < segment total
    const double a = (g.r1 - g.r0) / (2.0 * g.dur);  // N(tau) = r0 tau + a tau^2
    const double disc = g.r0 * g.r0 + 4.0 * a * m;
    const double tau = 2.0 * m / (g.r0 + std::sqrt(std::max(0.0, disc)));  // stable root; = m / r0 when a = 0
    if (!std::isfinite(tau)) return g.t0;
    return g.t0 + std::min(tau, g.dur);
}

double ArrivalSchedule::arrivals_before(double t) const {
    double n = 0;
    for (std::size_t i = 0; i < segs_.size(); ++i) {
        const Seg& g = segs_[i];
        if (t >= g.t0 + g.dur) {
            n = cum_[i];
            continue;
        }
        const double tau = std::max(0.0, t - g.t0);
        n += g.r0 * tau + (g.r1 - g.r0) / (2.0 * g.dur) * tau * tau;
        break;
    }
    return n;
}

}  // namespace redline::load
