// Open-model arrival schedule: the intended start time of the n-th request of a piecewise-linear rate profile
// (constant or ramping arrival rate). N(t) = integral of rate(t); time_of(n) solves N(t) = n per stage in
// closed form, so there is no drift however long the run. Worker w of W takes arrivals w, w+W, w+2W, ...
// which together are exactly the global schedule. Immutable: shared by all workers.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "core/load/scenario.h"

namespace redline::load {

class ArrivalSchedule {
  public:
    explicit ArrivalSchedule(const Scenario& s);

    /// Seconds from the start at which arrival n (0-based) is intended; nullopt when it falls after the end.
    /// `hint` (optional) is a stage index to start searching from; updated to the stage found.
    std::optional<double> time_of(double n, std::size_t* hint = nullptr) const;
    /// Arrivals intended in [0, t) (fractional).
    double arrivals_before(double t_s) const;
    double total_arrivals() const { return cum_.empty() ? 0 : cum_.back(); }
    double duration_s() const { return dur_total_; }

  private:
    struct Seg {
        double t0, dur, r0, r1;
    };
    std::vector<Seg> segs_;
    std::vector<double> cum_;  // arrivals at the end of each segment
    double dur_total_ = 0;
};

}  // namespace redline::load
