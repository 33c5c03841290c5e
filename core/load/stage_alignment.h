// Drawing two load runs on one time axis, aligned at the start or per stage.
//
// Aligned at the start, a second t of either run is drawn at x = t. Per stage, stage i of both runs begins at
// the same x: the common axis gives stage i the width of the longer of the two (so neither run's stage
// overlaps the next one), and a second of run r that belongs to its stage i is drawn at
// x = start_i + (t - r's start of stage i). Stages are matched by their index (a scenario's stages keep their
// order); a run with more stages than the other has its extra ones appended at their own widths. A run
// without stages is one stage from 0. The seconds after the last stage (the drain) stay after it.
//
// A stored second's t_s is the end of that second: it belongs to the stage in which its middle (t - 0.5 s)
// lies, so the first second of a stage starts exactly at the stage's x.
//
// Pure functions, no Qt; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace redline::load {

/// One stage as it was run: seconds from the run's start.
struct StageSpan {
    std::string name;
    double start_s = 0;
    double duration_s = 0;
};

/// The stages of a summary document (its "stages" array: name, start_s, duration_s), in order. Members of
/// the wrong type, negative or non-finite values and stages out of order are left out (a stored summary is
/// read leniently: the charts still draw, aligned at the start). No summary or no stages: empty.
std::vector<StageSpan> stage_spans(const nlohmann::json& summary);

enum class Alignment { Start, Stages };
/// "start", "stages".
const char* to_string(Alignment a);
/// "start" or "stages" (also "stage", "per-stage"); false for anything else.
bool parse_alignment(const std::string& text, Alignment& out);

/// Where the two runs' seconds go on the common axis. Side 0 is the baseline, side 1 the current run.
class StageAlignment {
  public:
    /// Aligned at the start: x = t for both.
    StageAlignment() = default;
    /// Per stage (see the file comment). With neither run having a stage it is aligned at the start.
    StageAlignment(std::vector<StageSpan> baseline, std::vector<StageSpan> current);

    bool per_stage() const { return per_stage_; }
    /// x of a second of `side` that ends t_s seconds after that run's start.
    double x(int side, double t_s) const;
    /// x of an instant (an event) t_s seconds after that run's start: the stage it falls in is the one
    /// containing t_s itself.
    double x_of_instant(int side, double t_s) const;

    /// One boundary of the common axis: where stage `index` begins, with both runs' names and widths.
    struct Boundary {
        int index = 0;
        double x = 0;
        std::string label;  // "stage 2 steady" or "stage 2 warm (baseline) / ramp (current)"
        double base_duration_s = -1, cur_duration_s = -1;  // -1: that run has no such stage
    };
    const std::vector<Boundary>& boundaries() const { return boundaries_; }

  private:
    double map(int side, double t_s, double probe) const;

    bool per_stage_ = false;
    std::vector<StageSpan> runs_[2];
    std::vector<double> common_start_;  // x where stage i begins
    std::vector<Boundary> boundaries_;
};

}  // namespace redline::load
