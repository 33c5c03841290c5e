#include "core/load/stage_alignment.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

namespace redline::load {

std::vector<StageSpan> stage_spans(const nlohmann::json& summary) {
    std::vector<StageSpan> out;
    if (!summary.is_object()) return out;
    const auto it = summary.find("stages");
    if (it == summary.end() || !it->is_array()) return out;
    for (const auto& s : *it) {
        if (!s.is_object()) continue;
        const auto start = s.find("start_s"), dur = s.find("duration_s");
        if (start == s.end() || dur == s.end() || !start->is_number() || !dur->is_number()) continue;
        StageSpan span;
        span.start_s = start->get<double>();
        span.duration_s = dur->get<double>();
        if (!std::isfinite(span.start_s) || !std::isfinite(span.duration_s) || span.start_s < 0 ||
            span.duration_s < 0)
            continue;
        if (!out.empty() && span.start_s < out.back().start_s) continue;
        if (const auto n = s.find("name"); n != s.end() && n->is_string()) span.name = n->get<std::string>();
        out.push_back(std::move(span));
    }
    return out;
}

const char* to_string(Alignment a) {
    return a == Alignment::Stages ? "stages" : "start";
}

bool parse_alignment(const std::string& text, Alignment& out) {
    if (text == "start") {
        out = Alignment::Start;
        return true;
    }
    if (text == "stages" || text == "stage" || text == "per-stage") {
        out = Alignment::Stages;
        return true;
    }
    return false;
}

StageAlignment::StageAlignment(std::vector<StageSpan> baseline, std::vector<StageSpan> current) {
    runs_[0] = std::move(baseline);
    runs_[1] = std::move(current);
    const std::size_t n = std::max(runs_[0].size(), runs_[1].size());
    if (n == 0) return;
    per_stage_ = true;
    double x = 0;
    for (const auto& r : runs_)
        if (!r.empty()) x = std::max(x, r.front().start_s);
    common_start_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        common_start_.push_back(x);
        const StageSpan* a = i < runs_[0].size() ? &runs_[0][i] : nullptr;
        const StageSpan* b = i < runs_[1].size() ? &runs_[1][i] : nullptr;
        Boundary bd;
        bd.index = static_cast<int>(i);
        bd.x = x;
        bd.base_duration_s = a ? a->duration_s : -1;
        bd.cur_duration_s = b ? b->duration_s : -1;
        auto named = [](const StageSpan& s) { return s.name.empty() ? std::string("(unnamed)") : s.name; };
        if (a && b)
            bd.label = a->name == b->name ? fmt::format("stage {} {}", i + 1, named(*a))
                                          : fmt::format("stage {} {} (baseline) / {} (current)", i + 1,
                                                        named(*a), named(*b));
        else
            bd.label =
                fmt::format("stage {} {} ({} only)", i + 1, named(a ? *a : *b), a ? "baseline" : "current");
        boundaries_.push_back(std::move(bd));
        x += std::max(a ? a->duration_s : 0.0, b ? b->duration_s : 0.0);
    }
}

double StageAlignment::map(int side, double t_s, double probe) const {
    if (!per_stage_ || side < 0 || side > 1) return t_s;
    const auto& spans = runs_[side];
    if (spans.empty()) return t_s;
    // The last stage that began at or before the probe.
    std::size_t i = 0;
    bool found = false;
    for (std::size_t k = 0; k < spans.size(); ++k)
        if (spans[k].start_s <= probe) {
            i = k;
            found = true;
        }
    if (!found) return common_start_.front() + (t_s - spans.front().start_s);
    return common_start_[i] + (t_s - spans[i].start_s);
}

double StageAlignment::x(int side, double t_s) const {
    return map(side, t_s, t_s - 0.5);
}

double StageAlignment::x_of_instant(int side, double t_s) const {
    return map(side, t_s, t_s);
}

}  // namespace redline::load
