// HTML reports of saved runs and comparisons (see report_html.h).
#include "core/load/report_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>
#include <limits>
#include <map>

#include "core/load/engine_eval.h"
#include "core/load/junit.h"  // xml_escape
#include "core/load/run_store.h"
#include "core/load/svg_chart.h"

namespace redline::load {

using json = nlohmann::json;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string esc(std::string_view s) {
    return xml_escape(s);
}

std::string utc_time(std::int64_t unix_ms) {
    const std::time_t t = std::time_t(unix_ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

std::string ms3(double v) {
    return fmt::format("{:.3f}", v);
}

/// A duration for the header: "42.1 s", "12 min 5 s", "2 h 3 min".
std::string duration_text(double s) {
    if (!std::isfinite(s) || s < 0) s = 0;
    if (s < 120) return fmt::format("{:.1f} s", s);
    const auto total = std::int64_t(std::llround(s));
    if (total < 7200) return fmt::format("{} min {} s ({:.0f} s)", total / 60, total % 60, s);
    return fmt::format("{} h {} min ({:.0f} s)", total / 3600, (total % 3600) / 60, s);
}

double jnum(const json& j, const char* key, double fallback = 0) {
    if (!j.is_object()) return fallback;
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}
std::uint64_t jcount(const json& j, const char* key) {
    if (!j.is_object()) return 0;
    const auto it = j.find(key);
    return it != j.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}
std::string jstr(const json& j, const char* key) {
    if (!j.is_object()) return {};
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
const json& jmember(const json& j, const char* key) {
    static const json null_value;
    if (!j.is_object()) return null_value;
    const auto it = j.find(key);
    return it != j.end() ? *it : null_value;
}

LatencyQuantiles quantiles_of(const json& j) {
    LatencyQuantiles q;
    q.p50_ms = jnum(j, "p50_ms");
    q.p90_ms = jnum(j, "p90_ms");
    q.p95_ms = jnum(j, "p95_ms");
    q.p99_ms = jnum(j, "p99_ms");
    q.p999_ms = jnum(j, "p999_ms");
    q.max_ms = jnum(j, "max_ms");
    q.mean_ms = jnum(j, "mean_ms");
    return q;
}

bool open_model(const std::string& executor) {
    return executor.find("arrival") != std::string::npos;
}

// --- figures per request name ------------------------------------------------------------------------------

struct SummaryRow {
    std::string name;  // "" = all requests
    std::string method;
    std::uint64_t count = 0, errors = 0;
    double rate = 0, error_ratio = 0;
    std::optional<double> min_ms;
    LatencyQuantiles corrected, uncorrected;
};

std::vector<SummaryRow> rows_from_summary(const json& sm) {
    std::vector<SummaryRow> rows;
    SummaryRow all;
    all.count = jcount(sm, "completed");
    all.errors = jcount(sm, "errors");
    all.rate = jnum(sm, "achieved_rate");
    all.error_ratio = jnum(sm, "error_ratio");
    all.corrected = quantiles_of(jmember(sm, "latency"));
    all.uncorrected = quantiles_of(jmember(sm, "latency_uncorrected"));
    if (const json& sk = jmember(sm, "latency_sketch"); jcount(sk, "count") > 0)
        all.min_ms = double(jcount(sk, "min_ns")) / 1e6;
    rows.push_back(all);
    const json& reqs = jmember(sm, "requests");
    if (reqs.is_array())
        for (const auto& r : reqs) {
            SummaryRow row;
            row.name = jstr(r, "name");
            row.method = jstr(r, "method");
            row.count = jcount(r, "completed");
            row.errors = jcount(r, "errors");
            row.rate = jnum(r, "rate_per_s");
            row.error_ratio = jnum(r, "error_ratio");
            row.corrected = quantiles_of(jmember(r, "latency"));
            row.uncorrected = quantiles_of(jmember(r, "latency_uncorrected"));
            if (const json& sk = jmember(r, "latency_sketch"); jcount(sk, "count") > 0)
                row.min_ms = double(jcount(sk, "min_ns")) / 1e6;
            rows.push_back(std::move(row));
        }
    return rows;
}

/// An incomplete run (no summary): the same figures merged from its stored seconds.
std::vector<SummaryRow> rows_from_seconds(const std::vector<StoredSecond>& seconds, double duration_s) {
    struct Acc {
        std::string name, method;
        Counters c;
        LatencySketch cor, unc;
    };
    std::vector<Acc> acc;
    Acc all;
    for (const auto& s : seconds)
        for (const auto& q : s.requests) {
            auto it = std::find_if(acc.begin(), acc.end(), [&](const Acc& a) { return a.name == q.name; });
            if (it == acc.end()) {
                acc.push_back({q.name, q.method, {}, {}, {}});
                it = std::prev(acc.end());
            }
            it->c.merge(q.counters);
            it->cor.merge(q.corrected);
            it->unc.merge(q.uncorrected);
            all.c.merge(q.counters);
            all.cor.merge(q.corrected);
            all.unc.merge(q.uncorrected);
        }
    auto row = [&](const Acc& a, const std::string& name) {
        SummaryRow r;
        r.name = name;
        r.method = a.method;
        r.count = a.c.requests;
        r.errors = a.c.errors;
        r.rate = duration_s > 0 ? double(a.c.requests) / duration_s : 0;
        r.error_ratio = error_ratio(a.c);
        r.corrected = LatencyQuantiles::from(a.cor);
        r.uncorrected = LatencyQuantiles::from(a.unc);
        if (a.cor.count()) r.min_ms = double(a.cor.min_ns()) / 1e6;
        return r;
    };
    std::vector<SummaryRow> rows{row(all, "")};
    for (const auto& a : acc)
        rows.push_back(row(a, a.name));
    return rows;
}

std::string summary_table(const std::vector<SummaryRow>& rows) {
    std::string o =
        "<table id=\"summary\"><thead><tr><th>request</th><th>count</th><th>rate (/s)</th>"
        "<th>failed</th><th>min (ms)</th><th>avg (ms)</th><th>p50 (ms)</th><th>p90 (ms)</th>"
        "<th>p95 (ms)</th><th>p99 (ms)</th><th>p99.9 (ms)</th><th>max (ms)</th>"
        "<th title=\"p99 from the actual send, without the coordinated-omission correction\">p99 "
        "uncorrected (ms)</th></tr></thead><tbody>\n";
    for (const auto& r : rows) {
        const std::string label = r.name.empty()
                                      ? "<b>all requests</b>"
                                      : (r.method.empty() ? "" : esc(r.method) + " ") + esc(r.name);
        auto cell = [](const char* key, const std::string& text) {
            return fmt::format("<td class=\"n\" data-key=\"{}\">{}</td>", key, text);
        };
        o += fmt::format("<tr data-request=\"{}\"{}><td class=\"name\">{}</td>", esc(r.name),
                         r.name.empty() ? " class=\"total\"" : "", label);
        o += cell("count", std::to_string(r.count));
        o += cell("rate", fmt::format("{:.1f}", r.rate));
        o += cell("failed", fmt::format("{:.2f} % ({})", r.error_ratio * 100, r.errors));
        o += cell("min", r.min_ms ? ms3(*r.min_ms) : std::string("-"));
        o += cell("avg", ms3(r.corrected.mean_ms));
        o += cell("p50", ms3(r.corrected.p50_ms));
        o += cell("p90", ms3(r.corrected.p90_ms));
        o += cell("p95", ms3(r.corrected.p95_ms));
        o += cell("p99", ms3(r.corrected.p99_ms));
        o += cell("p99.9", ms3(r.corrected.p999_ms));
        o += cell("max", ms3(r.corrected.max_ms));
        o += cell("p99_uncorrected", ms3(r.uncorrected.p99_ms));
        o += "</tr>\n";
    }
    o += "</tbody></table>\n";
    return o;
}

// --- per-second series -------------------------------------------------------------------------------------

struct SecondFigures {
    double t = 0, target = 0, rate = 0;
    double p50 = kNaN, p95 = kNaN, p99 = kNaN;  // corrected; NaN without latency values
    double failed = 0, no_response = 0, c4xx = 0, c5xx = 0;
    double in_flight = 0, unsent = 0;
};

std::vector<SecondFigures> per_second(const std::vector<StoredSecond>& seconds) {
    std::vector<SecondFigures> out;
    out.reserve(seconds.size());
    for (const auto& s : seconds) {
        Counters c;
        LatencySketch sk;
        for (const auto& q : s.requests) {
            c.merge(q.counters);
            sk.merge(q.corrected);
        }
        SecondFigures f;
        f.t = s.t_s;
        f.target = s.target;
        f.rate = s.achieved_rate;
        if (sk.count()) {
            f.p50 = sk.quantile_ns(0.50) / 1e6;
            f.p95 = sk.quantile_ns(0.95) / 1e6;
            f.p99 = sk.quantile_ns(0.99) / 1e6;
        }
        f.failed = double(c.errors);
        f.no_response = double(c.by_class[0]);
        f.c4xx = double(c.by_class[4]);
        f.c5xx = double(c.by_class[5]);
        f.in_flight = double(s.in_flight);
        f.unsent = double(s.unsent);
        out.push_back(f);
    }
    return out;
}

template <class F>
std::vector<std::pair<double, double>> points(const std::vector<SecondFigures>& v, F f) {
    std::vector<std::pair<double, double>> p;
    p.reserve(v.size());
    for (const auto& s : v)
        p.emplace_back(s.t, f(s));
    return p;
}

// --- events ------------------------------------------------------------------------------------------------

struct EventRow {
    double t_s = 0;
    std::int64_t time_ms = 0;  // 0: only relative (rollout transitions)
    std::string source;        // "agent" | "rollout"
    std::string kind, text;
    std::string run;  // comparison: "baseline" | "current"
};

std::string value_text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<EventRow> events_of(const ReportRun& r) {
    std::vector<EventRow> ev;
    for (const auto& e : r.agent_events) {
        EventRow x;
        x.source = "agent";
        x.time_ms = std::int64_t(jnum(e, "time_ms"));
        x.t_s = double(x.time_ms - r.run.started_ms) / 1000.0;
        x.kind = jstr(e, "kind");
        x.text = jstr(e, "message");
        const std::string actor = jstr(e, "actor");
        if (!actor.empty()) x.text += " (by " + actor + ")";
        const json& before = jmember(e, "before");
        const json& after = jmember(e, "after");
        if (!before.is_null() || !after.is_null())
            x.text += "; before " + value_text(before) + ", after " + value_text(after);
        ev.push_back(std::move(x));
    }
    const json& rollout = jmember(r.run.summary, "rollout");
    if (const json& tr = jmember(rollout, "transitions"); tr.is_array())
        for (const auto& t : tr) {
            EventRow x;
            x.source = "rollout";
            x.t_s = jnum(t, "t_s");
            x.kind = "rollout " + jstr(t, "state");
            x.text = fmt::format("step {}, canary {:g} %", std::int64_t(jnum(t, "step")) + 1,
                                 jnum(t, "weight_percent"));
            if (const std::string why = jstr(t, "reason"); !why.empty()) x.text += ": " + why;
            ev.push_back(std::move(x));
        }
    std::stable_sort(ev.begin(), ev.end(),
                     [](const EventRow& a, const EventRow& b) { return a.t_s < b.t_s; });
    return ev;
}

std::string events_table(const std::vector<EventRow>& ev, bool with_run) {
    if (ev.empty()) return "<p class=\"muted\">No events were recorded during the run.</p>\n";
    std::string o = "<table id=\"events\"><thead><tr><th>#</th>";
    if (with_run) o += "<th>run</th>";
    o += "<th>t (s)</th><th>time</th><th>source</th><th>kind</th><th>what</th></tr></thead><tbody>\n";
    for (std::size_t i = 0; i < ev.size(); ++i) {
        const auto& e = ev[i];
        o += fmt::format("<tr><td class=\"n\">E{}</td>", i + 1);
        if (with_run) o += "<td>" + esc(e.run) + "</td>";
        o += fmt::format("<td class=\"n\">{:.1f}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                         e.t_s, e.time_ms ? utc_time(e.time_ms) : std::string("-"), esc(e.source),
                         esc(e.kind), esc(e.text));
    }
    o += "</tbody></table>\n";
    return o;
}

std::vector<ChartMarker> markers_of(const std::vector<EventRow>& ev) {
    std::vector<ChartMarker> m;
    for (std::size_t i = 0; i < ev.size(); ++i)
        m.push_back({ev[i].t_s, fmt::format("E{}", i + 1)});
    return m;
}

// --- document frame ----------------------------------------------------------------------------------------

constexpr const char* kCss = R"(
:root { color-scheme: light; }
body { margin: 0; background: #ffffff; color: #1a1a1a; font: 14px/1.45 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 20px 28px 40px; }
h1 { font-size: 22px; margin: 4px 0 12px; word-break: break-word; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 3px; border-bottom: 2px solid #e3e3e3; }
h3 { font-size: 14px; margin: 14px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: 13px; }
th, td { border: 1px solid #d4d4d4; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.name { min-width: 8em; max-width: 260px; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; max-width: 100%; }
tr.total td { background: #fafafa; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.meta dt { color: #555555; }
dl.meta dd { margin: 0; word-break: break-word; }
.pass { color: #176f2c; font-weight: 600; }
.fail { color: #b3261e; font-weight: 600; }
.badge { display: inline-block; padding: 0 8px; border-radius: 9px; font-weight: 600; border: 1px solid; }
.badge.pass { background: #e6f4ea; }
.badge.fail { background: #fce8e6; }
.badge.other { background: #fff4e0; color: #7a4b00; }
tr.regressed td { background: #fce8e6; }
tr.improved td { background: #e6f4ea; }
td.verdict { font-weight: 600; white-space: nowrap; }
#regressions { margin: 4px 0 10px; padding-left: 22px; columns: 2; column-gap: 28px; font-size: 13px; color: #b3261e; }
tr.group th { background: #e8eef7; text-align: left; word-break: break-word; }
#comparison { width: 100%; }
.muted { color: #666666; }
.warn { background: #fff4e0; border-left: 4px solid #e69f00; padding: 4px 10px; margin: 4px 0; }
.chart { display: block; max-width: 100%; height: auto; margin: 6px 0 14px; border: 1px solid #e3e3e3; }
.runs { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
pre { background: #f6f6f6; border: 1px solid #e0e0e0; padding: 8px 10px; overflow-x: auto; font-size: 12px; white-space: pre-wrap; word-break: break-word; }
details summary { cursor: pointer; color: #0b57d0; }
footer { margin-top: 32px; color: #666666; font-size: 12px; }
@media print {
  main { max-width: none; padding: 0; }
  .chart, table, dl { break-inside: avoid; }
  .scroll { overflow: visible; }
  h2 { break-after: avoid; }
}
)";

std::string document(const std::string& title, const std::string& body, const ReportOptions& o) {
    std::string d;
    d += "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n";
    d += "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, "
         "initial-scale=1\"/>\n";
    d += "<title>" + esc(title) + "</title>\n<style>" + std::string(kCss) +
         "</style>\n</head>\n<body>\n<main>\n";
    // Every table scrolls sideways on its own when the window is narrower than it (the page never does). The
    // body holds no unescaped text from the run, so these tags are all ours.
    std::string wrapped;
    wrapped.reserve(body.size() + 1024);
    for (std::size_t i = 0; i < body.size();) {
        if (body.compare(i, 7, "<table ") == 0) {
            wrapped += "<div class=\"scroll\">";
        } else if (body.compare(i, 8, "</table>") == 0) {
            wrapped += "</table></div>";
            i += 8;
            continue;
        }
        wrapped += body[i++];
    }
    d += wrapped;
    d += "<footer>Written by " + esc(o.generator) +
         " from the run store (docs/runs.md). Latency is corrected for coordinated omission (from each "
         "request's intended start) unless a column says uncorrected.</footer>\n";
    d += "</main>\n</body>\n</html>\n";
    return d;
}

std::string outcome_badge(const StoredRun& r) {
    if (!r.complete) return "<span class=\"badge other\">incomplete</span>";
    const char* cls = r.outcome == "passed" ? "pass" : r.outcome == "stopped" ? "other" : "fail";
    return fmt::format("<span class=\"badge {}\">{}</span>", cls, esc(r.outcome));
}

std::string header_list(const StoredRun& r) {
    std::string o = "<dl class=\"meta\">\n";
    auto item = [&](const char* k, const std::string& v_html) {
        o += fmt::format("<dt>{}</dt><dd>{}</dd>\n", k, v_html);
    };
    item("scenario", esc(r.scenario));
    item("target", esc(r.target));
    item("executor", esc(r.executor));
    item("started", utc_time(r.started_ms));
    item("ended", r.ended_ms ? utc_time(*r.ended_ms) : std::string("no end was recorded"));
    item("duration", duration_text(r.duration_s));
    item("outcome", outcome_badge(r));
    item("exit code", r.exit_code ? std::to_string(*r.exit_code) : std::string("-"));
    if (!r.complete)
        item("reason",
             fmt::format("no end was recorded: process {} on {} stopped before the end, or is still "
                         "running",
                         r.pid, esc(r.host)));
    else
        item("reason", r.reason.empty() ? std::string("-") : esc(r.reason));
    item("run id", esc(r.id) + (r.run_id != r.id ? " (engine run id " + esc(r.run_id) + ")" : ""));
    o += "</dl>\n";
    return o;
}

std::string observed_text(const json& t) {
    if (t.is_object() && t.contains("evaluated") && t["evaluated"].is_boolean() &&
        !t["evaluated"].get<bool>())
        return "n/a";
    const double v = jnum(t, "observed");
    std::string why;
    const auto parsed = parse_threshold_expr(jstr(t, "expr"), &why);
    if (!parsed) return fmt::format("{:g}", v);
    if (parsed->metric == ThresholdMetric::Unsent) return fmt::format("{:.0f} requests", v);
    return format_metric(parsed->metric, v);
}

std::string thresholds_section(const json& sm) {
    const json& th = jmember(sm, "thresholds");
    std::string o = "<h2>Thresholds</h2>\n";
    if (!th.is_array() || th.empty()) return o + "<p class=\"muted\">The scenario has no thresholds.</p>\n";
    o += "<table id=\"thresholds\"><thead><tr><th></th><th>threshold</th><th>where</th><th>observed</th>"
         "<th>note</th></tr></thead><tbody>\n";
    for (const auto& t : th) {
        const bool passed = t.is_object() && t.value("passed", false);
        std::string where = jstr(t, "source");
        for (const char* k : {"request", "route"})
            if (const std::string v = jstr(t, k); !v.empty()) where += " " + v;
        if (const std::string v = jstr(t, "version"); !v.empty()) where += " [" + v + "]";
        std::string note = jstr(t, "note");
        if (t.is_object() && t.value("aborted_run", false))
            note = "aborted the run" + (note.empty() ? "" : "; " + note);
        o += fmt::format(
            "<tr data-passed=\"{}\"><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td>"
            "<td>{}</td></tr>\n",
            passed ? "true" : "false", passed ? "pass" : "fail", passed ? "\u2713" : "\u2717",
            esc(jstr(t, "expr")), esc(where), esc(observed_text(t)), esc(note));
    }
    return o + "</tbody></table>\n";
}

std::string checks_section(const json& sm) {
    const json& ch = jmember(sm, "checks");
    std::string o = "<h2>Checks</h2>\n";
    if (!ch.is_array() || ch.empty()) return o + "<p class=\"muted\">The scenario has no checks.</p>\n";
    const std::uint64_t p = jcount(sm, "checks_passed"), f = jcount(sm, "checks_failed");
    o += fmt::format("<p>{:.2f} % passed ({} of {})</p>\n", p + f ? 100.0 * double(p) / double(p + f) : 0.0,
                     p, p + f);
    o += "<table "
         "id=\"checks\"><thead><tr><th></th><th>request</th><th>check</th><th>passed</th><th>failed</th>"
         "<th>pass rate</th></tr></thead><tbody>\n";
    for (const auto& c : ch) {
        const std::uint64_t cp = jcount(c, "passes"), cf = jcount(c, "fails");
        o += fmt::format(
            "<tr><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
            "<td class=\"n\">{:.2f} %</td></tr>\n",
            cf ? "fail" : "pass", cf ? "\u2717" : "\u2713", esc(jstr(c, "request")), esc(jstr(c, "name")), cp,
            cf, cp + cf ? 100.0 * double(cp) / double(cp + cf) : 0.0);
    }
    return o + "</tbody></table>\n";
}

std::string stages_section(const StoredRun& r) {
    const json& planned = jmember(r.scenario_json, "stages");
    const json& ran = jmember(r.summary, "stages");
    const std::size_t n = std::max(planned.is_array() ? planned.size() : 0, ran.is_array() ? ran.size() : 0);
    std::string o = "<h2>Stages</h2>\n";
    if (n == 0) return o + "<p class=\"muted\">The scenario has no stages.</p>\n";
    const bool open = open_model(r.executor);
    o += fmt::format(
        "<table id=\"stages\"><thead><tr><th>#</th><th>stage</th><th>planned duration (s)</th>"
        "<th>target ({})</th><th>started at (s)</th><th>completed</th><th>rate (/s)</th><th>failed</th>"
        "<th>p50 (ms)</th><th>p99 (ms)</th></tr></thead><tbody>\n",
        open ? "req/s" : "VUs");
    for (std::size_t i = 0; i < n; ++i) {
        const json& p = planned.is_array() && i < planned.size() ? planned[i] : json();
        const json& g = ran.is_array() && i < ran.size() ? ran[i] : json();
        std::string name = jstr(p, "name");
        if (name.empty()) name = jstr(g, "name");
        const bool have = g.is_object();
        std::string target =
            p.is_object() ? fmt::format("{:g}", jnum(p, "target"))
                          : fmt::format("{:g} \u2192 {:g}", jnum(g, "target_from"), jnum(g, "target_to"));
        const LatencyQuantiles q = quantiles_of(jmember(g, "latency"));
        o += fmt::format(
            "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
            "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
            "<td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
            i + 1, esc(name),
            p.is_object() ? fmt::format("{:g}", jnum(p, "duration_s"))
                          : fmt::format("{:g}", jnum(g, "duration_s")),
            target, have ? fmt::format("{:.1f}", jnum(g, "start_s")) : "-",
            have ? std::to_string(jcount(g, "completed")) : "-",
            have ? fmt::format("{:.1f}", jnum(g, "achieved_rate")) : "-",
            have ? fmt::format("{:.2f} %", jnum(g, "error_ratio") * 100) : "-", have ? ms3(q.p50_ms) : "-",
            have ? ms3(q.p99_ms) : "-");
    }
    return o + "</tbody></table>\n";
}

std::string rollout_section(const json& sm) {
    const json& r = jmember(sm, "rollout");
    if (!r.is_object()) return {};
    const bool passed = r.value("passed", false);
    std::string o = "<h2>Rollout</h2>\n<dl class=\"meta\">\n";
    o += fmt::format("<dt>result</dt><dd><span class=\"{}\">{}</span> {} (expected {})</dd>\n",
                     passed ? "pass" : "fail", passed ? "\u2713" : "\u2717",
                     esc(jstr(r, "state").empty() ? "unknown" : jstr(r, "state")), esc(jstr(r, "expected")));
    o += fmt::format("<dt>step</dt><dd>{} of {}, canary {:g} %</dd>\n", std::int64_t(jnum(r, "step")) + 1,
                     std::int64_t(jnum(r, "steps")), jnum(r, "weight_percent"));
    if (const std::string why = jstr(r, "reason"); !why.empty())
        o += "<dt>reason</dt><dd>" + esc(why) + "</dd>\n";
    if (const std::string note = jstr(r, "note"); !note.empty())
        o += "<dt>note</dt><dd>" + esc(note) + "</dd>\n";
    o += "</dl>\n<p class=\"muted\">Its transitions are listed with the events.</p>\n";
    return o;
}

std::string environment_section(const ReportRun& rr) {
    const StoredRun& r = rr.run;
    std::string o = "<h2>Environment</h2>\n<dl class=\"meta\">\n";
    auto item = [&](const char* k, const std::string& v) {
        o += fmt::format("<dt>{}</dt><dd>{}</dd>\n", k, esc(v));
    };
    item("host", r.host.empty() ? "-" : r.host);
    item("pid", std::to_string(r.pid));
    item("redline version", r.version.empty() ? "-" : r.version);
    item("executor", r.executor);
    item("target", r.target);
    const auto plural = [](std::size_t n, const char* one, const char* many) {
        return fmt::format("{} {}", n, n == 1 ? one : many);
    };
    item("stored", plural(rr.seconds.size(), "second", "seconds") + " of client figures, " +
                       plural(rr.agent_seconds.size(), "agent second", "agent seconds") + ", " +
                       plural(rr.agent_events.size(), "agent event", "agent events"));
    const json& tls = jmember(r.summary, "tls");
    if (tls.is_object())
        item("tls",
             fmt::format("{} handshakes, {} resumed", jcount(tls, "handshakes"), jcount(tls, "resumed")));
    o += "</dl>\n";
    o += "<details><summary>The scenario as run (with its overrides)</summary>\n<pre>" +
         esc(r.scenario_json.dump(2, ' ', false, json::error_handler_t::replace)) + "</pre>\n</details>\n";
    return o;
}

// --- charts of one run
// ---------------------------------------------------------------------------------------

struct AgentPoint {
    double t = 0, p99 = kNaN, rate = kNaN;
};

std::vector<AgentPoint> agent_points(const ReportRun& r) {
    std::vector<AgentPoint> v;
    for (const auto& a : r.agent_seconds) {
        AgentPoint p;
        p.t = double(a.time_ms - r.run.started_ms) / 1000.0;
        const json& total = jmember(a.snapshot, "total");
        const json& lat = jmember(total, "latency");
        if (lat.is_object() && lat.contains("p99_ms") && lat["p99_ms"].is_number())
            p.p99 = lat["p99_ms"].get<double>();
        if (total.is_object() && total.contains("rate_per_s") && total["rate_per_s"].is_number())
            p.rate = total["rate_per_s"].get<double>();
        v.push_back(p);
    }
    std::sort(v.begin(), v.end(), [](const AgentPoint& a, const AgentPoint& b) { return a.t < b.t; });
    return v;
}

std::string run_charts(const ReportRun& r, const std::vector<EventRow>& ev) {
    const auto f = per_second(r.seconds);
    const bool open = open_model(r.run.executor);
    const auto markers = markers_of(ev);
    std::string o = "<h2>Charts</h2>\n";
    if (!ev.empty())
        o += "<p class=\"muted\">Dashed verticals E1, E2, ... mark the events listed below.</p>\n";
    LineChart rate;
    rate.title = open ? "Achieved vs target rate" : "Achieved rate";
    rate.y_unit = "requests/s";
    rate.markers = markers;
    rate.series.push_back(
        {"achieved (completed per second)", kChartBlue, points(f, [](auto& s) { return s.rate; })});
    if (open)
        rate.series.push_back({"target", kChartGrey, points(f, [](auto& s) { return s.target; }), true});
    o += render_line_chart(rate);

    LineChart lat;
    lat.title = "Latency per second (corrected)";
    lat.y_unit = "ms";
    lat.markers = markers;
    lat.series.push_back({"p50", kChartGreen, points(f, [](auto& s) { return s.p50; })});
    lat.series.push_back({"p95", kChartOrange, points(f, [](auto& s) { return s.p95; })});
    lat.series.push_back({"p99", kChartRed, points(f, [](auto& s) { return s.p99; })});
    o += render_line_chart(lat);

    double failed_total = 0;
    for (const auto& s : f)
        failed_total += s.failed;
    LineChart fail;
    fail.title = failed_total > 0 ? "Failed requests per second, by status class"
                                  : "Failed requests per second, by status class: none failed";
    fail.integer = true;
    fail.y_unit = "requests/s";
    fail.markers = markers;
    fail.series.push_back(
        {"failed (all)", "#222222", points(f, [](auto& s) { return s.failed; }), false, 2.5});
    fail.series.push_back({"no response", kChartPurple, points(f, [](auto& s) { return s.no_response; })});
    fail.series.push_back({"4xx", kChartOrange, points(f, [](auto& s) { return s.c4xx; }), true});
    fail.series.push_back({"5xx", kChartRed, points(f, [](auto& s) { return s.c5xx; })});
    o += render_line_chart(fail);

    LineChart inflight;
    inflight.title = open ? "In flight and unsent" : "In flight and virtual users";
    inflight.y_unit = open ? "requests" : "requests, VUs";
    inflight.markers = markers;
    inflight.integer = true;
    inflight.series.push_back({"in flight", kChartBlue, points(f, [](auto& s) { return s.in_flight; })});
    if (open)
        inflight.series.push_back(
            {"unsent (backlog)", kChartRed, points(f, [](auto& s) { return s.unsent; })});
    else
        inflight.series.push_back(
            {"target VUs", kChartGrey, points(f, [](auto& s) { return s.target; }), true});
    o += render_line_chart(inflight);

    if (!r.agent_seconds.empty()) {
        const auto a = agent_points(r);
        std::vector<std::pair<double, double>> p99, rt;
        for (const auto& x : a) {
            p99.emplace_back(x.t, x.p99);
            rt.emplace_back(x.t, x.rate);
        }
        LineChart ap;
        ap.title = "Server side (agent): p99 latency per second";
        ap.y_unit = "ms";
        ap.markers = markers;
        ap.series.push_back({"agent p99 (all routes)", kChartRed, p99});
        ap.series.push_back(
            {"client p99 (corrected)", kChartGrey, points(f, [](auto& s) { return s.p99; }), true});
        o += render_line_chart(ap);
        LineChart ar;
        ar.title = "Server side (agent): request rate";
        ar.y_unit = "requests/s";
        ar.markers = markers;
        ar.series.push_back({"agent rate (all routes)", kChartBlue, rt});
        ar.series.push_back(
            {"client achieved rate", kChartGrey, points(f, [](auto& s) { return s.rate; }), true});
        o += render_line_chart(ar);
    }
    return o;
}

std::vector<SummaryRow> rows_of(const ReportRun& r) {
    if (r.run.complete && r.run.summary.is_object()) return rows_from_summary(r.run.summary);
    return rows_from_seconds(r.seconds, r.run.duration_s);
}

Summary summary_of(const ReportRun& r, const char* which) {
    if (!r.run.complete || !r.run.summary.is_object())
        throw ReportError(fmt::format(
            "the {} run {} is incomplete (no summary was stored); it cannot be compared", which, r.run.id));
    auto p = summary_from_json(r.run.summary);
    if (!p.ok())
        throw ReportError(fmt::format("the summary of the {} run {} cannot be read: {}", which, r.run.id,
                                      join_field_errors(p.errors())));
    return std::move(p.value());
}

// --- comparison ------------------------------------------------------------------------------------------

std::string fig_value(const Figure& f, double v) {
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
    return fmt::format("{:g}", v);
}

std::string fig_change(const Figure& f) {
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
    return fmt::format("{:+g}", f.change);
}

std::string fig_p(const Figure& f) {
    if (!f.comparable) return "n/a";
    double p = std::min(f.p_worse, f.p_better);
    if (f.change != 0) {
        const bool higher_worse = f.kind == FigureKind::Latency || f.kind == FigureKind::Ratio;
        p = (higher_worse ? f.change > 0 : f.change < 0) ? f.p_worse : f.p_better;
    }
    return p > 0 ? fmt::format("{:.2g}", p) : "&lt;1e-300";
}

std::string comparison_table(const RunComparison& c) {
    std::string o =
        "<table id=\"comparison\"><thead><tr><th>figure</th><th>baseline</th><th>current</th>"
        "<th>change</th><th>relative</th><th>p</th><th>test</th><th>verdict</th><th>note</th></tr></thead>"
        "<tbody>\n";
    std::string group = "\x01";
    for (const auto& f : c.figures) {
        if (f.request != group) {
            group = f.request;
            o += "<tr class=\"group\"><th colspan=\"9\">" +
                 (f.request.empty() ? std::string("whole run") : "request " + esc(f.request)) +
                 "</th></tr>\n";
        }
        const std::string verdict(to_string(f.verdict));
        const char* cls = f.verdict == FigureVerdict::Regressed  ? " class=\"regressed\""
                          : f.verdict == FigureVerdict::Improved ? " class=\"improved\""
                                                                 : "";
        const std::string rel = f.relative      ? fmt::format("{:+.1f} %", *f.relative * 100.0)
                                : f.change == 0 ? std::string("+0.0 %")
                                                : std::string("n/a (from 0)");
        o += fmt::format(
            "<tr data-figure=\"{}\" data-verdict=\"{}\"{}><td>{}</td><td class=\"n\">{}</td>"
            "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
            "<td>{}</td><td class=\"verdict\">{}</td><td>{}</td></tr>\n",
            esc(f.id()), esc(verdict), cls, esc(f.key), fig_value(f, f.base), fig_value(f, f.current),
            fig_change(f), rel, fig_p(f), esc(f.test),
            f.verdict == FigureVerdict::Regressed  ? "\u2717 " + verdict
            : f.verdict == FigureVerdict::Improved ? "\u2713 " + verdict
                                                   : verdict,
            esc(f.note));
    }
    return o + "</tbody></table>\n";
}

void diff_into(const json& a, const json& b, const std::string& path, std::vector<JsonChange>& out) {
    if (a.is_object() && b.is_object()) {
        std::vector<std::string> keys;
        for (auto it = a.begin(); it != a.end(); ++it)
            keys.push_back(it.key());
        for (auto it = b.begin(); it != b.end(); ++it)
            if (!a.contains(it.key())) keys.push_back(it.key());
        std::sort(keys.begin(), keys.end());
        for (const auto& k : keys) {
            const std::string p = path + "." + k;
            const auto ia = a.find(k), ib = b.find(k);
            if (ia == a.end())
                out.push_back({p, nullptr, *ib, true, false});
            else if (ib == b.end())
                out.push_back({p, *ia, nullptr, false, true});
            else
                diff_into(*ia, *ib, p, out);
        }
        return;
    }
    if (a.is_array() && b.is_array()) {
        const std::size_t n = std::max(a.size(), b.size());
        for (std::size_t i = 0; i < n; ++i) {
            const std::string p = fmt::format("{}[{}]", path, i);
            if (i >= a.size())
                out.push_back({p, nullptr, b[i], true, false});
            else if (i >= b.size())
                out.push_back({p, a[i], nullptr, false, true});
            else
                diff_into(a[i], b[i], p, out);
        }
        return;
    }
    if (a != b) out.push_back({path, a, b, false, false});
}

std::string changes_section(const ReportRun& b, const ReportRun& c) {
    std::string o = "<h2>What changed</h2>\n";
    std::vector<std::array<std::string, 3>> rows;  // what, baseline, current (text)
    auto differ = [&](const char* what, const std::string& x, const std::string& y) {
        if (x != y) rows.push_back({what, x, y});
    };
    differ("target", b.run.target, c.run.target);
    differ("executor", b.run.executor, c.run.executor);
    differ("scenario name", b.run.scenario, c.run.scenario);
    differ("redline version", b.run.version, c.run.version);
    differ("host", b.run.host, c.run.host);
    for (const auto& d : json_differences(b.run.scenario_json, c.run.scenario_json))
        rows.push_back({"scenario " + d.path, d.added ? std::string("(absent)") : value_text(d.before),
                        d.removed ? std::string("(absent)") : value_text(d.after)});
    if (rows.empty()) {
        o += "<p id=\"changes-none\">The two runs ran the same scenario (the same JSON after overrides) with "
             "the "
             "same target, executor and redline version.</p>\n";
    } else {
        o += "<table "
             "id=\"changes\"><thead><tr><th>what</th><th>baseline</th><th>current</th></tr></thead><tbody>\n";
        for (const auto& r : rows)
            o += fmt::format(
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td></tr>\n",
                esc(r[0]), esc(r[1]), esc(r[2]));
        o += "</tbody></table>\n";
    }
    return o;
}

}  // namespace

std::vector<JsonChange> json_differences(const nlohmann::json& before, const nlohmann::json& after) {
    std::vector<JsonChange> out;
    diff_into(before, after, "$", out);
    return out;
}

std::optional<ReportRun> load_report_run(const RunStore& store, const std::string& id) {
    auto run = store.get(id);
    if (!run) return std::nullopt;
    ReportRun r;
    r.run = std::move(*run);
    r.seconds = store.seconds(id);
    r.agent_seconds = store.agent_seconds(id);
    r.agent_events = store.agent_events(id);
    return r;
}

std::string render_run_report_html(const ReportRun& r, const ReportOptions& options) {
    const std::string title = options.title.empty() ? "Load run " + r.run.scenario : options.title;
    const auto ev = events_of(r);
    std::string b;
    b += "<h1>" + esc(title) + "</h1>\n";
    b += header_list(r.run);
    b += "<h2>Summary</h2>\n";
    if (!r.run.complete)
        b += "<p class=\"warn\">The run is incomplete: these figures are merged from its " +
             std::to_string(r.seconds.size()) + " stored seconds.</p>\n";
    b += summary_table(rows_of(r));
    const json& sm = r.run.summary;
    if (sm.is_object()) {
        std::string statuses;
        const json& by_status = jmember(sm, "by_status");
        if (by_status.is_object())
            for (auto it = by_status.begin(); it != by_status.end(); ++it)
                statuses += fmt::format("{}{} \u00d7 {}", statuses.empty() ? "" : ", ", esc(it.key()),
                                        value_text(*it));
        const json& tk = jmember(sm, "transport_by_kind");
        if (tk.is_object())
            for (auto it = tk.begin(); it != tk.end(); ++it)
                statuses += fmt::format("{}{} \u00d7 {}", statuses.empty() ? "" : ", ", esc(it.key()),
                                        value_text(*it));
        b += fmt::format(
            "<p>Statuses: {}. Sent {}, {} transport errors, {} rate-limited (429); {} late, {} unsent.</p>\n",
            statuses.empty() ? "none" : statuses, jcount(sm, "sent"), jcount(sm, "transport_errors"),
            jcount(sm, "rate_limited"), jcount(sm, "late"), jcount(sm, "unsent"));
        if (const json& knee = jmember(sm, "knee"); knee.is_object())
            b += fmt::format("<p>Knee: {:.1f}/s at t = {:.0f} s (target {:g}, p99 {:.2f} ms): {}</p>\n",
                             jnum(knee, "rate_per_s"), jnum(knee, "t_s"), jnum(knee, "target"),
                             jnum(knee, "p99_ms"), esc(jstr(knee, "reason")));
    }
    b += thresholds_section(sm);
    b += checks_section(sm);
    b += stages_section(r.run);
    b += rollout_section(sm);
    b += run_charts(r, ev);
    b += "<h2>Events during the run</h2>\n" + events_table(ev, false);
    b += environment_section(r);
    return document(title, b, options);
}

std::string render_run_report_html(const RunStore& store, const std::string& id,
                                   const ReportOptions& options) {
    const auto r = load_report_run(store, id);
    if (!r) throw ReportError("no run '" + id + "' in " + store.path());
    return render_run_report_html(*r, options);
}

std::string render_comparison_report_html(const ReportRun& base, const ReportRun& cur,
                                          const ReportOptions& options) {
    const Summary bs = summary_of(base, "baseline");
    const Summary cs = summary_of(cur, "current");
    RunComparison c = compare(bs, cs, options.compare);
    c.base_run_id = base.run.id;
    c.cur_run_id = cur.run.id;
    const std::string title = options.title.empty() ? fmt::format("Comparison: {} ({}) vs {} ({})",
                                                                  base.run.scenario, base.run.id.substr(0, 8),
                                                                  cur.run.scenario, cur.run.id.substr(0, 8))
                                                    : options.title;
    std::string b = "<h1>" + esc(title) + "</h1>\n";
    b += "<div class=\"runs\">\n<section><h3>Baseline</h3>\n" + header_list(base.run) +
         "</section>\n<section><h3>Current</h3>\n" + header_list(cur.run) + "</section>\n</div>\n";

    std::size_t regressed = 0, improved = 0;
    for (const auto& f : c.figures) {
        regressed += f.verdict == FigureVerdict::Regressed;
        improved += f.verdict == FigureVerdict::Improved;
    }
    b += "<h2>Figures</h2>\n";
    b += fmt::format(
        "<p id=\"verdicts\"><b>{} regressed, {} improved</b>, {} without a significant change, of {} "
        "figures. A "
        "figure changed when its one-sided test gives p &lt; {:g} and the change is beyond: latency {:g} "
        "%{}, "
        "rate and completed {:g} %, shares {:g} pp, shift {:g} pp.</p>\n",
        regressed, improved, c.figures.size() - regressed - improved, c.figures.size(), c.options.alpha,
        c.options.latency_percent,
        c.options.latency_ms > 0 ? fmt::format(" and {:g} ms", c.options.latency_ms) : "",
        c.options.rate_percent, c.options.ratio_pp, c.options.shift_pp);
    if (regressed > 0) {
        b += "<ul id=\"regressions\">\n";
        for (const auto& f : c.figures)
            if (f.verdict == FigureVerdict::Regressed)
                b += fmt::format("<li>\u2717 {} {}: {} \u2192 {} ({}, p = {})</li>\n",
                                 f.request.empty() ? std::string("whole run") : "request " + esc(f.request),
                                 esc(f.key), fig_value(f, f.base), fig_value(f, f.current),
                                 f.relative ? fmt::format("{:+.1f} %", *f.relative * 100.0) : fig_change(f),
                                 fig_p(f));
        b += "</ul>\n";
    }
    for (const auto& w : c.warnings)
        b += "<p class=\"warn\">" + esc(w) + "</p>\n";
    b += comparison_table(c);

    auto eb = events_of(base), ec = events_of(cur);
    for (auto& e : eb)
        e.run = "baseline";
    for (auto& e : ec)
        e.run = "current";
    std::vector<EventRow> all = eb;
    all.insert(all.end(), ec.begin(), ec.end());
    std::stable_sort(all.begin(), all.end(),
                     [](const EventRow& x, const EventRow& y) { return x.t_s < y.t_s; });
    const StageAlignment align =
        options.align == Alignment::Stages
            ? StageAlignment(stage_spans(base.run.summary), stage_spans(cur.run.summary))
            : StageAlignment();
    // Event markers where their run's seconds are drawn; per stage also the boundaries of the common stages.
    std::vector<ChartMarker> markers;
    for (std::size_t i = 0; i < all.size(); ++i)
        markers.push_back(
            {align.x_of_instant(all[i].run == "baseline" ? 0 : 1, all[i].t_s), fmt::format("E{}", i + 1)});
    for (const auto& bd : align.boundaries())
        if (bd.index > 0) markers.push_back({bd.x, fmt::format("S{}", bd.index + 1)});
    std::stable_sort(markers.begin(), markers.end(),
                     [](const ChartMarker& x, const ChartMarker& y) { return x.x < y.x; });
    auto fb = per_second(base.seconds), fc = per_second(cur.seconds);
    // Where the alignment moved a run's later seconds on (its stage is shorter than the other run's), the
    // line breaks instead of joining the two stages across time that run did not have.
    std::vector<std::size_t> breaks_b, breaks_c;
    auto place = [&](std::vector<SecondFigures>& v, int side, std::vector<std::size_t>& breaks) {
        double last_t = 0, last_x = 0;
        for (std::size_t i = 0; i < v.size(); ++i) {
            const double x = align.x(side, v[i].t);
            if (i > 0 && (x - last_x) - (v[i].t - last_t) > 0.5) breaks.push_back(i);
            last_t = v[i].t;
            last_x = x;
            v[i].t = x;
        }
    };
    place(fb, 0, breaks_b);
    place(fc, 1, breaks_c);
    auto broken = [](std::vector<std::pair<double, double>> p, const std::vector<std::size_t>& breaks) {
        for (auto it = breaks.rbegin(); it != breaks.rend(); ++it)
            if (*it < p.size())
                p.insert(p.begin() + std::ptrdiff_t(*it),
                         {p[*it - 1].first, std::numeric_limits<double>::quiet_NaN()});
        return p;
    };
    if (align.per_stage()) {
        b += "<h2 id=\"alignment\">Charts (aligned per stage)</h2>\n";
        b += "<p class=\"muted\">Stage i of both runs begins at the same point of the time axis, which gives "
             "each stage the length of the longer of the two; dashed verticals S2, S3, ... mark where the "
             "stages "
             "begin. Time axis: seconds of the aligned stages, not of either run.</p>\n";
        b += "<table id=\"stage-alignment\"><tr><th>stage</th><th>begins at (s)</th><th>baseline (s)</th>"
             "<th>current (s)</th></tr>\n";
        auto dur = [](double d) { return d < 0 ? std::string("\u2014") : fmt::format("{:g}", d); };
        for (const auto& bd : align.boundaries())
            b += fmt::format(
                "<tr><td>{}</td><td class=\"n\">{:g}</td><td class=\"n\">{}</td><td "
                "class=\"n\">{}</td></tr>\n",
                esc(bd.label), bd.x, dur(bd.base_duration_s), dur(bd.cur_duration_s));
        b += "</table>\n";
    } else {
        b += "<h2 id=\"alignment\">Charts (aligned at the start)</h2>\n";
        if (options.align == Alignment::Stages)
            b += "<p class=\"warn\" id=\"no-stages\">Aligned per stage was asked for, but neither run has "
                 "stages: "
                 "both are drawn from their start.</p>\n";
    }
    b += std::string("<p class=\"muted\">Baseline dashed grey, current solid blue.") +
         (all.empty() ? "" : " Dashed verticals E1, E2, ... mark the events of either run (listed below).") +
         "</p>\n";
    auto overlay = [&](const std::string& t, const std::string& unit, auto get) {
        LineChart ch;
        ch.title = t;
        ch.y_unit = unit;
        ch.markers = markers;
        if (align.per_stage()) ch.x_label = "time of the aligned stages (s)";
        ch.series.push_back(
            {"baseline " + base.run.id.substr(0, 8), kChartGrey, broken(points(fb, get), breaks_b), true});
        ch.series.push_back(
            {"current " + cur.run.id.substr(0, 8), kChartBlue, broken(points(fc, get), breaks_c)});
        return render_line_chart(ch);
    };
    b += overlay("Achieved rate", "requests/s", [](auto& s) { return s.rate; });
    b += overlay("p99 latency per second (corrected)", "ms", [](auto& s) { return s.p99; });
    b += overlay("Failed requests per second", "requests/s", [](auto& s) { return s.failed; });

    b += changes_section(base, cur);
    b += "<h3>Events of either run</h3>\n" + events_table(all, true);
    return document(title, b, options);
}

std::string render_comparison_report_html(const RunStore& store, const std::string& baseline_id,
                                          const std::string& current_id, const ReportOptions& options) {
    const auto b = load_report_run(store, baseline_id);
    if (!b) throw ReportError("no run '" + baseline_id + "' in " + store.path());
    const auto c = load_report_run(store, current_id);
    if (!c) throw ReportError("no run '" + current_id + "' in " + store.path());
    return render_comparison_report_html(*b, *c, options);
}

}  // namespace redline::load
