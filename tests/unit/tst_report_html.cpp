// The HTML reports of core/load/report_html.h from values in memory (the dashboard's path): well-formed
// XHTML-compatible markup without script, every string of the run escaped, the same bytes for the same input,
// an incomplete run shown from its seconds, comparison verdicts equal to compare()'s, the scenario JSON
// differences, and the chart helpers' ticks.
#include <fmt/format.h>

#include <QElapsedTimer>
#include <QtTest>

#include "core/load/compare.h"
#include "core/load/report_html.h"
#include "core/load/svg_chart.h"
#include "tests/support/html_report_reader.h"

namespace load = redline::load;
using json = nlohmann::json;
using redline::test::read_html_report;

namespace {

const std::string kEvil = "<script>alert(1)</script>";

redline::LatencySketch sketch(std::uint64_t base_us, std::uint64_t n, std::uint64_t seed) {
    redline::LatencySketch s;
    std::uint64_t x = seed * 2654435761u + 1;
    for (std::uint64_t i = 0; i < n; ++i) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        s.add(base_us * 1000 + (x >> 40) % (base_us * 1000));
    }
    return s;
}

/// A run of `secs` seconds of one request name at `rate`/s, latency around base_us, `fail_every`-th failed.
load::ReportRun make_run(const std::string& id, const std::string& name, const std::string& request, int secs,
                         std::uint64_t rate, std::uint64_t base_us, std::uint64_t fail_every,
                         bool complete = true) {
    load::ReportRun r;
    r.run.id = r.run.run_id = id;
    r.run.scenario = name;
    r.run.target = "http://127.0.0.1:1/" + name;
    r.run.executor = "constant-arrival-rate";
    r.run.started_ms = 1'700'000'000'000;
    r.run.scenario_json = {{"name", name},
                           {"target", r.run.target},
                           {"executor", "constant-arrival-rate"},
                           {"rate", rate},
                           {"requests", json::array({{{"name", request}, {"path", "/x"}}})}};
    r.run.host = "host-" + name;
    r.run.pid = 42;
    r.run.version = "0.1.0";
    load::Summary s;
    s.run_id = id;
    s.scenario = name;
    s.target = r.run.target;
    s.executor = r.run.executor;
    s.started_ms = r.run.started_ms;
    load::RequestSummary q;
    q.name = request;
    q.method = "GET";
    for (int i = 0; i < secs; ++i) {
        load::StoredSecond sec;
        sec.epoch = r.run.started_ms / 1000 + i + 1;
        sec.t_s = i + 1;
        sec.target = double(rate);
        sec.achieved_rate = double(rate);
        load::StoredRequestSecond rq;
        rq.name = request;
        rq.method = "GET";
        const std::uint64_t failed = fail_every ? rate / fail_every : 0;
        rq.counters.add_result(200, false, rate - failed);
        if (failed) rq.counters.add_result(500, true, failed);
        rq.corrected = sketch(base_us, rate, std::uint64_t(i) + base_us);
        rq.uncorrected = rq.corrected;
        sec.requests.push_back(rq);
        r.seconds.push_back(sec);
        q.completed += rate;
        q.errors += failed;
        q.latency_sketch.merge(rq.corrected);
        s.latency_sketch.merge(rq.corrected);
    }
    q.error_ratio = double(q.errors) / double(q.completed);
    q.rate_per_s = double(q.completed) / secs;
    q.latency = q.latency_uncorrected = redline::LatencyQuantiles::from(q.latency_sketch);
    s.completed = s.sent = q.completed;
    s.errors = q.errors;
    s.error_ratio = q.error_ratio;
    s.achieved_rate = q.rate_per_s;
    s.duration_s = s.planned_s = secs;
    s.latency = s.latency_uncorrected = q.latency;
    s.requests.push_back(q);
    load::ThresholdResult t;
    std::string why;
    t.threshold = *load::parse_threshold_expr("p99 < 1ms", &why);
    t.observed = s.latency.p99_ms;
    t.evaluated = true;
    t.passed = t.observed < 1;
    s.thresholds.push_back(t);
    s.outcome = t.passed ? load::RunOutcome::Passed : load::RunOutcome::ThresholdsFailed;
    s.reason = t.passed ? "" : "threshold failed: " + kEvil;
    r.run.duration_s = secs;
    r.run.seconds = secs;
    r.run.complete = complete;
    if (complete) {
        r.run.ended_ms = r.run.started_ms + secs * 1000;
        r.run.summary = load::to_json(s);
        r.run.outcome = std::string(load::to_string(s.outcome));
        r.run.exit_code = s.exit_code();
        r.run.reason = s.reason;
    }
    r.agent_events.push_back({{"id", 1},
                              {"time_ms", r.run.started_ms + 1500},
                              {"kind", "annotation"},
                              {"actor", "operator"},
                              {"message", "event " + kEvil},
                              {"before", nullptr},
                              {"after", nullptr}});
    return r;
}

}  // namespace

class TestReportHtml : public QObject {
    Q_OBJECT

  private slots:
    void a_run_report_is_well_formed_and_escapes_every_string() {
        auto r = make_run("00000000000000aa", kEvil, "GET " + kEvil + " & \"'", 5, 200, 800, 0);
        const std::string html = load::render_run_report_html(r);
        const auto doc = read_html_report(html);
        QVERIFY2(doc.error.empty(), doc.error.c_str());
        for (const auto& e : doc.elements) {
            QVERIFY2(e.name != "script" && e.name != "link" && e.name != "img" && e.name != "iframe",
                     e.name.c_str());
            QVERIFY(!e.has("src") && !e.has("onload") && !e.has("onerror"));
        }
        QVERIFY(html.find("<script") == std::string::npos);
        QVERIFY(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
        // The text reads as written: title, request row, event, reason.
        bool title = false, request = false, event = false, reason = false;
        for (const auto& e : doc.elements) {
            title = title || (e.name == "h1" && e.text == "Load run " + kEvil);
            request = request || (e.name == "td" && e.text == "GET GET " + kEvil + " & \"'");
            event = event || (e.name == "td" && e.text.starts_with("event " + kEvil));
            reason = reason || (e.name == "dd" && e.text == "threshold failed: " + kEvil);
        }
        QVERIFY(title && request && event && reason);
        QVERIFY(html.find("<svg") != std::string::npos);
    }

    void the_same_input_gives_the_same_bytes() {
        const auto a = make_run("00000000000000aa", "same", "r", 4, 100, 500, 10);
        QCOMPARE(load::render_run_report_html(a), load::render_run_report_html(a));
        const auto b = make_run("00000000000000bb", "same", "r", 4, 100, 900, 5);
        QCOMPARE(load::render_comparison_report_html(a, b), load::render_comparison_report_html(a, b));
    }

    void summary_rows_carry_the_summarys_figures() {
        const auto r = make_run("00000000000000aa", "fig", "only", 6, 300, 700, 20);
        const auto doc = read_html_report(load::render_run_report_html(r));
        QVERIFY(doc.error.empty());
        const int table = doc.find_id("summary");
        QVERIFY(table >= 0);
        std::map<std::string, std::map<std::string, std::string>> rows;
        for (std::size_t i = 0; i < doc.elements.size(); ++i) {
            const auto& e = doc.elements[i];
            if (e.name != "td" || !e.has("data-key")) continue;
            const int tr = doc.ancestor(int(i), "tr");
            rows[doc.elements[std::size_t(tr)].attr("data-request")][e.attr("data-key")] = e.text;
        }
        QCOMPARE(rows.size(), std::size_t(2));  // all requests + "only"
        const json& q = r.run.summary["requests"][0];
        QCOMPARE(rows["only"]["count"], std::to_string(q["completed"].get<std::uint64_t>()));
        QCOMPARE(rows["only"]["p99"], fmt::format("{:.3f}", q["latency"]["p99_ms"].get<double>()));
        QCOMPARE(rows[""]["p50"], fmt::format("{:.3f}", r.run.summary["latency"]["p50_ms"].get<double>()));
        QCOMPARE(rows[""]["failed"],
                 fmt::format("{:.2f} % ({})", r.run.summary["error_ratio"].get<double>() * 100,
                             r.run.summary["errors"].get<std::uint64_t>()));
    }

    void an_incomplete_run_is_shown_from_its_seconds() {
        const auto r = make_run("00000000000000cc", "partial", "r", 3, 50, 400, 0, false);
        const std::string html = load::render_run_report_html(r);
        const auto doc = read_html_report(html);
        QVERIFY(doc.error.empty());
        QVERIFY(html.find("incomplete") != std::string::npos);
        bool count = false;
        for (const auto& e : doc.elements)
            count = count || (e.attr("data-key") == "count" && e.text == "150");
        QVERIFY(count);
        // It cannot be compared: no summary.
        const auto done = make_run("00000000000000dd", "partial", "r", 3, 50, 400, 0);
        QVERIFY_THROWS_EXCEPTION(load::ReportError, load::render_comparison_report_html(done, r));
    }

    void comparison_verdicts_are_compares() {
        const auto a = make_run("00000000000000aa", "cmp", "r", 10, 400, 500, 0);
        auto b = make_run("00000000000000bb", "cmp", "r", 10, 400, 900, 10);
        b.run.scenario_json["rate"] = 999;
        b.run.scenario_json["requests"][0]["path"] = "/y";
        const std::string html = load::render_comparison_report_html(a, b);
        const auto doc = read_html_report(html);
        QVERIFY2(doc.error.empty(), doc.error.c_str());
        const auto sa = load::summary_from_json(a.run.summary).value();
        const auto sb = load::summary_from_json(b.run.summary).value();
        const auto c = load::compare(sa, sb);
        std::map<std::string, std::string> shown;
        for (const auto& e : doc.elements)
            if (e.name == "tr" && e.has("data-figure")) shown[e.attr("data-figure")] = e.attr("data-verdict");
        QCOMPARE(shown.size(), c.figures.size());
        std::size_t regressed = 0;
        for (const auto& f : c.figures) {
            QCOMPARE(shown[f.id()], std::string(load::to_string(f.verdict)));
            regressed += f.verdict == load::FigureVerdict::Regressed;
        }
        QVERIFY(regressed >= 2);  // p99 and failed at least
        QCOMPARE(shown["p99"], std::string("regressed"));
        // What changed: the target, and the scenario's paths with old and new values.
        const int changes = doc.find_id("changes");
        QVERIFY(changes >= 0);
        const std::string text = doc.elements[std::size_t(changes)].text;
        QVERIFY2(text.find("scenario $.rate400999") != std::string::npos, text.c_str());
        QVERIFY2(text.find("scenario $.requests[0].path/x/y") != std::string::npos, text.c_str());
        QVERIFY2(text.find("hosthost-cmphost-cmp") == std::string::npos,
                 text.c_str());  // same host: not listed
    }

    void a_comparison_aligned_per_stage_lines_the_stages_up() {
        // Baseline: warm 2 s + steady 8 s. Current: warm 6 s + steady 4 s. Per stage, steady begins at 6 s
        // (the longer warm-up) for both; at the start, nothing moves and there is no stage table.
        auto a = make_run("00000000000000aa", "st", "r", 10, 100, 500, 0);
        auto b = make_run("00000000000000bb", "st", "r", 10, 100, 500, 0);
        a.run.summary["stages"] = json::parse(R"([{"name": "warm", "start_s": 0, "duration_s": 2},
                                                   {"name": "steady", "start_s": 2, "duration_s": 8}])");
        b.run.summary["stages"] = json::parse(R"([{"name": "warm", "start_s": 0, "duration_s": 6},
                                                   {"name": "steady", "start_s": 6, "duration_s": 4}])");
        load::ReportOptions o;
        const std::string at_start = load::render_comparison_report_html(a, b, o);
        o.align = load::Alignment::Stages;
        const std::string per_stage = load::render_comparison_report_html(a, b, o);
        const auto ds = read_html_report(at_start), dp = read_html_report(per_stage);
        QVERIFY2(ds.error.empty(), ds.error.c_str());
        QVERIFY2(dp.error.empty(), dp.error.c_str());
        QCOMPARE(ds.find_id("stage-alignment"), -1);
        QVERIFY(ds.elements[std::size_t(ds.find_id("alignment"))].text.find("at the start") !=
                std::string::npos);
        QVERIFY(dp.elements[std::size_t(dp.find_id("alignment"))].text.find("per stage") !=
                std::string::npos);
        const int table = dp.find_id("stage-alignment");
        QVERIFY(table >= 0);
        std::vector<std::string> rows;
        for (const auto* tr : dp.inside(table, "tr"))
            rows.push_back(tr->text);
        QCOMPARE(rows.size(), std::size_t(3));
        QCOMPARE(rows[1], std::string("stage 1 warm026"));
        QCOMPARE(rows[2], std::string("stage 2 steady684"));
        // The boundary marker S2 is drawn; the x axis reaches the longer stages' end (6 + 8 = 14 s), beyond
        // either run's 10 s.
        QVERIFY(per_stage.find(">S2</text>") != std::string::npos);
        QVERIFY(at_start.find(">S2</text>") == std::string::npos);
        QVERIFY(per_stage.find("time of the aligned stages (s)") != std::string::npos);
        auto has_tick = [](const std::string& html, const std::string& t) {
            return html.find(">" + t + "</text>") != std::string::npos;
        };
        QVERIFY(has_tick(per_stage, "14"));
        QVERIFY(!has_tick(at_start, "14"));
        // The baseline's line breaks where its shorter warm-up ends (x 2 s) and its steady stage begins (6
        // s): one pen-down (M) more than at the start, in each of the three charts.
        auto baseline_moves = [](const std::string& html) {
            int moves = 0;
            for (std::size_t at = html.find("<path d=\""); at != std::string::npos;
                 at = html.find("<path d=\"", at + 1)) {
                const std::size_t end = html.find("/>", at);
                const std::string el = html.substr(at, end - at);
                if (el.find("stroke=\"#555555\"") == std::string::npos ||
                    el.find("stroke-dasharray") == std::string::npos)
                    continue;
                const std::string d = el.substr(9, el.find('"', 9) - 9);
                moves += int(std::count(d.begin(), d.end(), 'M'));
            }
            return moves;
        };
        QCOMPARE(baseline_moves(at_start), 3);
        QCOMPARE(baseline_moves(per_stage), 6);
    }

    void a_driven_rollout_and_its_transitions_are_shown() {
        auto r = make_run("00000000000000ee", "roll", "r", 3, 50, 400, 0);
        r.run.summary["rollout"] = {{"state", "rolled_back"},
                                    {"step", 1},
                                    {"steps", 3},
                                    {"weight_percent", 0},
                                    {"reason", "canary p99 " + kEvil},
                                    {"expected", "promoted"},
                                    {"passed", false},
                                    {"aborted_by_run", false},
                                    {"note", ""},
                                    {"transitions", json::array({{{"t_s", 0.5},
                                                                  {"state", "progressing"},
                                                                  {"step", 0},
                                                                  {"weight_percent", 5},
                                                                  {"reason", ""}},
                                                                 {{"t_s", 2.5},
                                                                  {"state", "rolled_back"},
                                                                  {"step", 1},
                                                                  {"weight_percent", 0},
                                                                  {"reason", "canary p99 " + kEvil}}})},
                                    {"scorecard", nullptr}};
        const std::string html = load::render_run_report_html(r);
        const auto doc = read_html_report(html);
        QVERIFY2(doc.error.empty(), doc.error.c_str());
        const std::string events = doc.elements[std::size_t(doc.find_id("events"))].text;
        // The agent's event at 1.5 s sits between the two transitions (sorted by time).
        const auto a = events.find("rollout progressing"), b = events.find("event " + kEvil),
                   c = events.find("rollout rolled_back");
        QVERIFY2(a != std::string::npos && b != std::string::npos && c != std::string::npos, events.c_str());
        QVERIFY(a < b && b < c);
        QVERIFY(events.find("step 2, canary 0 %: canary p99 " + kEvil) != std::string::npos);
        QVERIFY(html.find("<h2>Rollout</h2>") != std::string::npos);
        QVERIFY(html.find("E3</text>") != std::string::npos);  // three markers on the charts
    }

    void an_hour_long_run_stays_a_small_file() {
        const auto r = make_run("00000000000000ff", "hour", "r", 3600, 20, 300, 50);
        QElapsedTimer t;
        t.start();
        const std::string html = load::render_run_report_html(r);
        qInfo("3600 seconds: %zu bytes in %lld ms", html.size(), (long long)t.elapsed());
        QVERIFY(html.size() < 2'000'000);
        QVERIFY(read_html_report(html).error.empty());
    }

    void json_differences_name_every_changed_leaf() {
        const json a = {{"a", 1}, {"b", {{"c", "x"}, {"d", json::array({1, 2})}}}, {"gone", true}};
        const json b = {{"a", 1}, {"b", {{"c", "y"}, {"d", json::array({1, 3, 4})}}}, {"new", nullptr}};
        const auto d = load::json_differences(a, b);
        QCOMPARE(d.size(), std::size_t(5));
        QCOMPARE(d[0].path, std::string("$.b.c"));
        QCOMPARE(d[1].path, std::string("$.b.d[1]"));
        QCOMPARE(d[2].path, std::string("$.b.d[2]"));
        QVERIFY(d[2].added);
        QCOMPARE(d[3].path, std::string("$.gone"));
        QVERIFY(d[3].removed);
        QCOMPARE(d[4].path, std::string("$.new"));
        QVERIFY(load::json_differences(a, a).empty());
    }

    void chart_ticks_are_round_numbers() {
        QCOMPARE(load::nice_step(10, 5), 2.0);
        QCOMPARE(load::nice_step(3.1, 5), 1.0);
        QCOMPARE(load::nice_step(0.37, 5), 0.1);
        QCOMPARE(load::nice_step(4200, 5), 1000.0);
        QCOMPARE(load::nice_step(0, 5), 1.0);
        QCOMPARE(load::tick_label(0.5), std::string("0.5"));
        QCOMPARE(load::tick_label(1500), std::string("1500"));
        QCOMPARE(load::tick_label(25000), std::string("25k"));
        QCOMPARE(load::tick_label(0), std::string("0"));
        load::LineChart c;
        c.title = kEvil;
        c.series.push_back({"s " + kEvil, load::kChartBlue, {{0, 1}, {1, std::nan("")}, {2, 3}}});
        const auto doc = read_html_report(load::render_line_chart(c));
        QVERIFY2(doc.error.empty(), doc.error.c_str());
        int paths = 0;
        for (const auto& e : doc.elements)
            if (e.name == "path") {
                ++paths;
                const std::string d = e.attr("d");
                QCOMPARE(std::count(d.begin(), d.end(), 'M'), 2L);  // a gap at the NaN
            }
        QCOMPARE(paths, 1);
        load::LineChart empty;
        empty.title = "nothing";
        QVERIFY(load::render_line_chart(empty).find("no data") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestReportHtml)
#include "tst_report_html.moc"
