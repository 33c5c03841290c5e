// The regression gate: --max-regression grammar, gate(), and the JSON / table forms of a comparison
// (docs/regression-gate.md).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/load/compare.h"

namespace redline::load {

namespace {

using nlohmann::json;

enum class Form { Latency, Share, PassRate, Drop };

struct KeyInfo {
    const char* key;
    Form form;
    bool per_request;
};
constexpr KeyInfo kKeys[] = {
    {"p50", Form::Latency, true},      {"p90", Form::Latency, true},
    {"p95", Form::Latency, true},      {"p99", Form::Latency, true},
    {"p99.9", Form::Latency, true},    {"max", Form::Latency, true},
    {"avg", Form::Latency, true},      {"shift", Form::Share, true},
    {"failed", Form::Share, true},     {"transport_errors", Form::Share, true},
    {"unsent", Form::Share, false},    {"late", Form::Share, false},
    {"checks", Form::PassRate, false}, {"rate", Form::Drop, true},
    {"completed", Form::Drop, true},
};

const KeyInfo* key_info(std::string_view k) {
    if (k == "errors") k = "failed";
    if (k == "p999") k = "p99.9";
    if (k == "mean") k = "avg";
    if (k == "transport") k = "transport_errors";
    for (const auto& i : kKeys)
        if (k == i.key) return &i;
    return nullptr;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

/// Plain decimal: digits with at most one '.', at least one digit. No sign, exponent, hex, inf or nan.
std::optional<double> decimal(std::string_view s) {
    int digits = 0, dots = 0;
    for (char c : s) {
        if (c >= '0' && c <= '9')
            ++digits;
        else if (c == '.')
            ++dots;
        else
            return std::nullopt;
    }
    if (digits == 0 || dots > 1 || s.size() > 32) return std::nullopt;
    const std::string t(s);
    return std::strtod(t.c_str(), nullptr);
}

const char* unit_help(Form f) {
    switch (f) {
        case Form::Latency:
            return "takes % or ms (e.g. p99=10% or p99=5ms)";
        case Form::Share:
        case Form::PassRate:
            return "takes pp (percentage points, e.g. failed=0.5pp)";
        case Form::Drop:
            return "takes -N% (e.g. rate=-5%: may drop by at most 5 %)";
    }
    return "";
}

std::string known_keys() {
    std::string s;
    for (const auto& i : kKeys)
        s += (s.empty() ? "" : ", ") + std::string(i.key);
    return s;
}

std::string num(double v) {
    return fmt::format("{:g}", v);
}

std::string unit_text(BoundUnit u) {
    return u == BoundUnit::Ms ? "ms" : u == BoundUnit::Pp ? "pp" : "%";
}

/// Value with its unit, as the table shows it.
std::string value_text(const Figure& f, double v) {
    switch (f.kind) {
        case FigureKind::Latency:
            return fmt::format("{:.3f} ms", v);
        case FigureKind::Rate:
            return fmt::format("{:.1f} /s", v);
        case FigureKind::Count:
            return fmt::format("{:.0f} req", v);
        case FigureKind::Ratio:
        case FigureKind::PassRate:
            return fmt::format("{:.2f} %", v);
    }
    return num(v);
}

std::string change_text(const Figure& f) {
    switch (f.kind) {
        case FigureKind::Latency:
            return fmt::format("{:+.3f} ms", f.change);
        case FigureKind::Rate:
            return fmt::format("{:+.1f} /s", f.change);
        case FigureKind::Count:
            return fmt::format("{:+.0f} req", f.change);
        case FigureKind::Ratio:
        case FigureKind::PassRate:
            return fmt::format("{:+.2f} pp", f.change);
    }
    return num(f.change);
}

std::string relative_text(const Figure& f) {
    if (!f.relative) return f.change == 0 ? "+0.0 %" : "n/a (from 0)";
    return fmt::format("{:+.1f} %", *f.relative * 100.0);
}

/// p-value of the direction the figure moved in (the smaller one when it did not move).
double shown_p(const Figure& f) {
    if (f.change == 0) return std::min(f.p_worse, f.p_better);
    const bool higher_worse = f.kind == FigureKind::Latency || f.kind == FigureKind::Ratio;
    const bool worse = higher_worse ? f.change > 0 : f.change < 0;
    return worse ? f.p_worse : f.p_better;
}

std::string p_text(const Figure& f) {
    if (!f.comparable) return "n/a";
    const double p = shown_p(f);
    return p > 0 ? fmt::format("{:.2g}", p) : "<1e-300";  // below the smallest double the tests resolve
}

}  // namespace

std::optional<RegressionSpec> parse_regression_spec(std::string_view text, std::string* error) {
    auto fail = [&](std::string msg) -> std::optional<RegressionSpec> {
        if (error) *error = std::move(msg);
        return std::nullopt;
    };
    if (trim(text).empty()) return fail("the spec is empty (e.g. p99=10%,failed=0.5pp,rate=-5%)");
    RegressionSpec spec;
    std::size_t index = 0, pos = 0;
    while (pos <= text.size()) {
        const std::size_t comma = std::min(text.find(',', pos), text.size());
        const std::string_view item = trim(text.substr(pos, comma - pos));
        pos = comma + 1;
        ++index;
        if (item.empty()) return fail(fmt::format("item {} is empty", index));
        const std::string where = fmt::format("item {} '{}'", index, item);
        // KEY ['[' REQUEST ']'] '=' VALUE
        std::string_view key, request, value;
        bool bracket = false;
        const std::size_t lb = item.find('['), eq = item.find('=');
        if (lb != std::string_view::npos && (eq == std::string_view::npos || lb < eq)) {
            const std::size_t close = item.find("]=", lb);
            if (close == std::string_view::npos)
                return fail(where + ": expected KEY[REQUEST]=VALUE (e.g. p99[checkout]=10%)");
            key = item.substr(0, lb);
            request = item.substr(lb + 1, close - lb - 1);
            value = item.substr(close + 2);
            bracket = true;
        } else {
            if (eq == std::string_view::npos)
                return fail(where + ": expected KEY=VALUE (e.g. p99=10%, failed=0.5pp, rate=-5%)");
            key = item.substr(0, eq);
            value = item.substr(eq + 1);
        }
        key = trim(key);
        value = trim(value);
        const KeyInfo* info = key_info(key);
        if (!info) return fail(fmt::format("{}: unknown figure '{}' (known: {})", where, key, known_keys()));
        if (bracket && request.empty()) return fail(where + ": empty request name in []");
        if (bracket && !info->per_request)
            return fail(fmt::format("{}: {} is a whole-run figure (no [request])", where, info->key));
        RegressionBound b;
        b.key = info->key;
        b.request = std::string(request);
        b.text = std::string(item);
        std::string_view number = value;
        if (number.ends_with("ms")) {
            b.unit = BoundUnit::Ms;
            number.remove_suffix(2);
        } else if (number.ends_with("pp")) {
            b.unit = BoundUnit::Pp;
            number.remove_suffix(2);
        } else if (number.ends_with("%")) {
            b.unit = BoundUnit::Percent;
            number.remove_suffix(1);
        } else {
            return fail(fmt::format("{}: {} {}", where, info->key, unit_help(info->form)));
        }
        const bool unit_ok = info->form == Form::Latency ? b.unit != BoundUnit::Pp
                             : info->form == Form::Drop  ? b.unit == BoundUnit::Percent
                                                         : b.unit == BoundUnit::Pp;
        if (!unit_ok) return fail(fmt::format("{}: {} {}", where, info->key, unit_help(info->form)));
        const bool negative = number.starts_with("-");
        if (negative) number.remove_prefix(1);
        const auto v = decimal(number);
        if (!v) return fail(fmt::format("{}: '{}' is not a number", where, number));
        if (info->form == Form::Drop && !negative && *v != 0.0)
            return fail(fmt::format("{}: {} is a drop: write {}=-{}% (may drop by at most {} %)", where,
                                    info->key, info->key, number, number));
        if (info->form != Form::Drop && negative)
            return fail(
                fmt::format("{}: {} takes a bound >= 0 (how much it may get worse)", where, info->key));
        b.value = *v;
        for (const auto& other : spec.bounds)
            if (other.key == b.key && other.request == b.request)
                return fail(fmt::format("{}: {} is bounded twice", where,
                                        b.request.empty() ? b.key : b.key + "[" + b.request + "]"));
        spec.bounds.push_back(std::move(b));
        if (comma == text.size()) break;
    }
    return spec;
}

std::vector<GateResult> gate(const RunComparison& c, const RegressionSpec& spec) {
    std::vector<GateResult> out;
    const double alpha = c.options.alpha;
    for (const auto& b : spec.bounds) {
        GateResult g;
        g.bound = b;
        const std::string id = b.request.empty() ? b.key : b.key + "[" + b.request + "]";
        const Figure* f = c.find(b.key, b.request);
        if (!f) {
            g.evaluated = false;
            g.failed = true;
            g.figure.key = b.key;
            g.figure.request = b.request;
            g.figure.comparable = false;
            g.figure.verdict = FigureVerdict::NotComparable;
            g.message =
                !b.request.empty()
                    ? fmt::format("{}: not evaluated: no request named '{}' in both runs", id, b.request)
                : b.key == "checks" ? fmt::format("{}: not evaluated: neither run has checks", id)
                                    : fmt::format("{}: not evaluated: no such figure", id);
            out.push_back(std::move(g));
            continue;
        }
        g.figure = *f;
        if (!f->comparable) {
            g.evaluated = false;
            g.failed = true;
            g.message = fmt::format("{}: not evaluated: {}", id, f->note);
            out.push_back(std::move(g));
            continue;
        }
        // How much worse, in the bound's unit.
        double worse = 0;
        std::string allowed;
        const double rel = f->relative ? *f->relative * 100.0
                                       : (f->change > 0   ? 1e300
                                          : f->change < 0 ? -1e300
                                                          : 0);
        switch (f->kind) {
            case FigureKind::Latency:
                worse = b.unit == BoundUnit::Ms ? f->change : rel;
                allowed = fmt::format("+{} {}", num(b.value), unit_text(b.unit));
                break;
            case FigureKind::Ratio:
                worse = f->change;
                allowed = fmt::format("+{} pp", num(b.value));
                break;
            case FigureKind::PassRate:
                worse = -f->change;
                allowed = fmt::format("-{} pp", num(b.value));
                break;
            case FigureKind::Rate:
            case FigureKind::Count:
                worse = -rel;
                allowed = fmt::format("-{} %", num(b.value));
                break;
        }
        const bool beyond = worse > b.value;
        const bool significant = f->p_worse < alpha;
        g.failed = beyond && significant;
        const std::string moved =
            fmt::format("{} {} ({} -> {})", id,
                        f->kind == FigureKind::Latency && b.unit == BoundUnit::Ms         ? change_text(*f)
                        : f->kind == FigureKind::Ratio || f->kind == FigureKind::PassRate ? change_text(*f)
                                                                                          : relative_text(*f),
                        value_text(*f, f->base), value_text(*f, f->current));
        const std::string test = fmt::format("{} p = {:.2g}", f->test, f->p_worse);
        if (g.failed)
            g.message =
                fmt::format("{}, allowed {}: regressed ({} < alpha {:g})", moved, allowed, test, alpha);
        else if (beyond)
            g.message =
                fmt::format("{}, allowed {}: beyond the bound but not significant ({} >= alpha {:g}{}{})",
                            moved, allowed, test, alpha, f->note.empty() ? "" : "; ", f->note);
        else
            g.message = fmt::format("{}, allowed {}: within the bound", moved, allowed);
        out.push_back(std::move(g));
    }
    return out;
}

bool any_failed(const std::vector<GateResult>& results) {
    return std::any_of(results.begin(), results.end(), [](const GateResult& g) { return g.failed; });
}

namespace {

json figure_json(const Figure& f) {
    return json{{"key", f.key},
                {"request", f.request},
                {"unit", f.unit},
                {"baseline", f.base},
                {"current", f.current},
                {"change", f.change},
                {"relative", f.relative ? json(*f.relative) : json(nullptr)},
                {"baseline_n", f.base_n},
                {"current_n", f.cur_n},
                {"baseline_x", f.base_x},
                {"current_x", f.cur_x},
                {"test", f.test},
                {"p_worse", f.p_worse},
                {"p_better", f.p_better},
                {"comparable", f.comparable},
                {"verdict", std::string(to_string(f.verdict))},
                {"note", f.note}};
}

}  // namespace

json to_json(const RunComparison& c) {
    json figs = json::array();
    for (const auto& f : c.figures)
        figs.push_back(figure_json(f));
    const auto& o = c.options;
    return json{{"baseline", {{"run_id", c.base_run_id}, {"scenario", c.base_scenario}}},
                {"current", {{"run_id", c.cur_run_id}, {"scenario", c.cur_scenario}}},
                {"options",
                 {{"alpha", o.alpha},
                  {"latency_percent", o.latency_percent},
                  {"latency_ms", o.latency_ms},
                  {"ratio_pp", o.ratio_pp},
                  {"shift_pp", o.shift_pp},
                  {"rate_percent", o.rate_percent},
                  {"min_requests", o.min_requests}}},
                {"warnings", c.warnings},
                {"figures", figs}};
}

json to_json(const std::vector<GateResult>& results) {
    json a = json::array();
    for (const auto& g : results)
        a.push_back({{"bound", g.bound.text},
                     {"key", g.bound.key},
                     {"request", g.bound.request},
                     {"unit", unit_text(g.bound.unit)},
                     {"value", g.bound.value},
                     {"evaluated", g.evaluated},
                     {"failed", g.failed},
                     {"message", g.message},
                     {"figure", figure_json(g.figure)}});
    return a;
}

std::string render_table(const RunComparison& c) {
    std::string out;
    auto run = [](const std::string& id, const std::string& sc) {
        return id.empty() ? "'" + sc + "'" : id + " ('" + sc + "')";
    };
    out += fmt::format("comparison  baseline {}  ->  current {}\n", run(c.base_run_id, c.base_scenario),
                       run(c.cur_run_id, c.cur_scenario));
    const auto& o = c.options;
    out += fmt::format(
        "            changed = one-sided test p < {:g} and beyond: latency {:g} %{}, rate/completed {:g} %, "
        "shares {:g} pp, shift {:g} pp\n",
        o.alpha, o.latency_percent, o.latency_ms > 0 ? fmt::format(" and {:g} ms", o.latency_ms) : "",
        o.rate_percent, o.ratio_pp, o.shift_pp);
    for (const auto& w : c.warnings)
        out += "warning     " + w + "\n";
    std::string current_request = "\x01";
    for (const auto& f : c.figures) {
        if (f.request != current_request) {
            current_request = f.request;
            out += fmt::format("\n{:<20} {:>14} {:>14} {:>14} {:>12} {:>8}  {}\n",
                               f.request.empty() ? "whole run" : "request " + f.request, "baseline",
                               "current", "change", "relative", "p", "verdict");
        }
        out += fmt::format("  {:<18} {:>14} {:>14} {:>14} {:>12} {:>8}  {}{}{}\n", f.key,
                           value_text(f, f.base), value_text(f, f.current), change_text(f), relative_text(f),
                           p_text(f), to_string(f.verdict), f.note.empty() ? "" : " - ", f.note);
    }
    return out;
}

std::string render_gate(const std::vector<GateResult>& results) {
    std::size_t failed = 0;
    for (const auto& g : results)
        failed += g.failed ? 1 : 0;
    std::string out = fmt::format("\nregression gate: {} of {} bound{} failed\n", failed, results.size(),
                                  results.size() == 1 ? "" : "s");
    for (const auto& g : results)
        out += fmt::format("  {:<4} {:<22} {}\n", g.failed ? "FAIL" : "ok", g.bound.text, g.message);
    return out;
}

}  // namespace redline::load
