// Comparing two load runs (core/load/compare.h, docs/regression-gate.md): the statistical decisions
// (identical runs, A/A draws, +30 % p99, tiny samples, failure ratios, rate drops, improvements), warnings
// for runs that do not match, untestable figures (no sketch, no requests), the summary parser (round trip and
// bad input), the --max-regression grammar, the gate, and the JUnit document (escaping, parsed by
// QXmlStreamReader).
#include <QTest>
#include <QXmlStreamReader>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/load/compare.h"
#include "core/load/junit.h"

using namespace redline::load;
using nlohmann::json;
using redline::LatencySketch;

namespace {

constexpr std::uint64_t kMs = 1'000'000;

class DrawRng {
  public:
    explicit DrawRng(std::uint64_t seed) : g_(seed) {}
    double uniform() { return double(g_() >> 11) * 0x1.0p-53; }
    double normal() {
        const double u1 = 1.0 - uniform(), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
    }

  private:
    std::mt19937_64 g_;
};

struct Traffic {
    std::uint64_t requests = 20000;
    double median_ms = 5.0, sigma = 0.5;  // lognormal
    double scale = 1.0;                   // every latency multiplied by this
    double error_rate = 0.01;
    double duration_s = 10.0;
    double tail_share = 0.0, tail_scale = 1.0;  // this share of requests is tail_scale times slower
};

/// One request named "get" carrying all the traffic, the whole run equal to it.
Summary draw(DrawRng& rng, const Traffic& t, const std::string& scenario = "compare") {
    Summary s;
    s.run_id = "run-" + std::to_string(std::uint64_t(rng.uniform() * 1e9));
    s.scenario = scenario;
    s.executor = "constant-arrival-rate";
    s.target = "http://127.0.0.1:1";
    s.duration_s = s.planned_s = t.duration_s;
    RequestSummary r;
    r.name = "get";
    r.method = "GET";
    for (std::uint64_t i = 0; i < t.requests; ++i) {
        double ms = t.median_ms * std::exp(t.sigma * rng.normal()) * t.scale;
        if (rng.uniform() < t.tail_share) ms *= t.tail_scale;
        r.latency_sketch.add(std::uint64_t(ms * double(kMs)));
        if (rng.uniform() < t.error_rate) ++r.errors;
    }
    r.completed = t.requests;
    r.rate_per_s = double(t.requests) / t.duration_s;
    r.error_ratio = t.requests ? double(r.errors) / double(t.requests) : 0;
    r.latency = redline::LatencyQuantiles::from(r.latency_sketch);
    r.latency_uncorrected = r.latency;
    s.sent = s.completed = r.completed;
    s.errors = r.errors;
    s.error_ratio = r.error_ratio;
    s.achieved_rate = r.rate_per_s;
    s.latency = s.latency_uncorrected = r.latency;
    s.latency_sketch = r.latency_sketch;
    s.requests.push_back(r);
    return s;
}

Summary draw(std::uint64_t seed, const Traffic& t) {
    DrawRng rng(seed);
    return draw(rng, t);
}

RegressionSpec spec(const std::string& text) {
    std::string error;
    auto s = parse_regression_spec(text, &error);
    if (!s) qFatal("bad spec %s: %s", text.c_str(), error.c_str());
    return *s;
}

const Figure& fig(const RunComparison& c, const char* key, const char* request = "") {
    const Figure* f = c.find(key, request);
    if (!f) qFatal("no figure %s[%s]", key, request);
    return *f;
}

bool warned(const RunComparison& c, const QString& text) {
    for (const auto& w : c.warnings)
        if (QString::fromStdString(w).contains(text)) return true;
    return false;
}

QString all_warnings(const RunComparison& c) {
    QString s;
    for (const auto& w : c.warnings)
        s += QString::fromStdString(w) + "\n";
    return s;
}

}  // namespace

class TestLoadCompare : public QObject {
    Q_OBJECT
  private slots:
    // --- statistical decisions -----------------------------------------------------------------------------

    void identical_runs_show_no_significant_change() {
        const Summary a = draw(1, {});
        const RunComparison c = compare(a, a);
        QVERIFY(!c.figures.empty());
        for (const auto& f : c.figures) {
            QVERIFY2(f.verdict == FigureVerdict::NoChange, qPrintable(QString::fromStdString(f.id())));
            QCOMPARE(f.change, 0.0);
        }
        for (const char* k : {"p50", "p90", "p95", "p99", "p99.9", "max", "avg", "shift", "rate", "completed",
                              "failed", "transport_errors"})
            QVERIFY2(c.find(k), k);
        QVERIFY(c.find("p99", "get"));
        QVERIFY(!any_failed(gate(c, spec("p99=10%,p50=1%,max=1%,avg=1%,failed=0.5pp,rate=-5%"))));
    }

    void aa_draws_pass_the_gate() {
        // Two independent runs of the same traffic, 100 times: p99=10% and failed=0.5pp never fire at
        // 20,000 requests a run, nor do the default verdicts of the latency figures up to p99 (10 % is many
        // standard errors there). The failure ratio's default bound (0.1 pp) is about one standard error of
        // the difference at 1 % errors, so there the test alone decides: about alpha (1 %) a direction.
        int gate_failures = 0, latency_flags = 0, failed_flags = 0, pairs = 100;
        const RegressionSpec sp = spec("p50=10%,p95=10%,p99=10%,failed=0.5pp,rate=-5%");
        for (int seed = 0; seed < pairs; ++seed) {
            DrawRng rng(1000 + std::uint64_t(seed));
            const Summary a = draw(rng, {}), b = draw(rng, {});
            const RunComparison c = compare(a, b);
            if (any_failed(gate(c, sp))) ++gate_failures;
            for (const char* k : {"p50", "p90", "p95", "p99", "avg", "rate", "completed"})
                if (fig(c, k).verdict != FigureVerdict::NoChange) ++latency_flags;
            if (fig(c, "failed").verdict != FigureVerdict::NoChange) ++failed_flags;
        }
        qInfo("A/A: %d of %d pairs failed the gate, %d latency/rate verdicts, %d failure-ratio verdicts",
              gate_failures, pairs, latency_flags, failed_flags);
        QCOMPARE(gate_failures, 0);
        QCOMPARE(latency_flags, 0);
        QVERIFY2(failed_flags <= 6, qPrintable(QString::number(failed_flags)));
    }

    void p99_up_30_percent_regresses() {
        const Summary a = draw(2, {});
        Traffic slow;
        slow.scale = 1.3;
        const Summary b = draw(3, slow);
        const RunComparison c = compare(a, b);
        const Figure& p99 = fig(c, "p99");
        QCOMPARE(p99.verdict, FigureVerdict::Regressed);
        QVERIFY(p99.relative && *p99.relative > 0.2 && *p99.relative < 0.4);
        QVERIFY(p99.p_worse < 1e-6);
        QCOMPARE(p99.unit, std::string("ms"));
        QCOMPARE(fig(c, "p50").verdict, FigureVerdict::Regressed);
        QCOMPARE(fig(c, "avg").verdict, FigureVerdict::Regressed);
        QCOMPARE(fig(c, "shift").verdict, FigureVerdict::Regressed);
        QVERIFY(fig(c, "shift").current > 60.0);  // P(current > baseline)
        QCOMPARE(fig(c, "p99", "get").verdict, FigureVerdict::Regressed);
        QVERIFY(any_failed(gate(c, spec("shift=5pp"))));
        QVERIFY(!any_failed(gate(c, spec("shift=45pp"))));
        QCOMPARE(fig(c, "failed").verdict, FigureVerdict::NoChange);

        const auto g = gate(c, spec("p99=10%,failed=0.5pp"));
        QCOMPARE(g.size(), std::size_t(2));
        QVERIFY(g[0].failed);
        QVERIFY(!g[1].failed);
        QVERIFY2(QString::fromStdString(g[0].message).contains("p99"), g[0].message.c_str());
        QVERIFY(any_failed(g));
        // A bound wider than the change passes; so does an absolute bound larger than the shift.
        QVERIFY(!any_failed(gate(c, spec("p99=50%"))));
        const double shift_ms = p99.change;
        QVERIFY(any_failed(gate(c, spec("p99=" + std::to_string(shift_ms / 2) + "ms"))));
        QVERIFY(!any_failed(gate(c, spec("p99=" + std::to_string(shift_ms * 2) + "ms"))));
        // Per request.
        QVERIFY(any_failed(gate(c, spec("p99[get]=10%"))));
    }

    void a_slow_tail_raises_the_mean_but_does_not_shift_the_distribution() {
        // 3 % of the requests ten times slower: p99 and the mean (Welch) regress, the median does not, and
        // the rank test's P(current > baseline) moves by about 1.5 pp, within its 10 pp bound.
        Traffic tail;
        tail.tail_share = 0.03;
        tail.tail_scale = 10;
        const RunComparison c = compare(draw(30, {}), draw(31, tail));
        QCOMPARE(fig(c, "p99").verdict, FigureVerdict::Regressed);
        QCOMPARE(fig(c, "avg").verdict, FigureVerdict::Regressed);
        QCOMPARE(fig(c, "avg").test, std::string("Welch z on the means"));
        QCOMPARE(fig(c, "p50").verdict, FigureVerdict::NoChange);
        QCOMPARE(fig(c, "shift").verdict, FigureVerdict::NoChange);
        QVERIFY(fig(c, "shift").change > 0.5 && fig(c, "shift").change < 3.0);
    }

    void the_same_shift_in_reverse_is_an_improvement() {
        Traffic slow;
        slow.scale = 1.3;
        const RunComparison c = compare(draw(3, slow), draw(2, {}));
        QCOMPARE(fig(c, "p99").verdict, FigureVerdict::Improved);
        QVERIFY(fig(c, "p99").p_better < 1e-6);
        QVERIFY(!any_failed(gate(c, spec("p99=10%,p50=1%"))));
    }

    void tiny_samples_show_no_significant_change() {
        Traffic few;
        few.requests = 15;
        Traffic few_slow = few;
        few_slow.scale = 1.3;
        const RunComparison c = compare(draw(4, few), draw(5, few_slow));
        for (const auto& f : c.figures)
            QVERIFY2(f.verdict == FigureVerdict::NoChange, qPrintable(QString::fromStdString(f.id())));
        QVERIFY(!any_failed(gate(c, spec("p50=10%,p99=10%,failed=0.5pp"))));
        QVERIFY2(QString::fromStdString(fig(c, "p99").note).contains("too few"), fig(c, "p99").note.c_str());

        // Enough requests for the median but not for p99.9 (needs 1,000 a run).
        Traffic some;
        some.requests = 300;
        Traffic some_slow = some;
        some_slow.scale = 1.3;
        const RunComparison d = compare(draw(6, some), draw(7, some_slow));
        QCOMPARE(fig(d, "p50").verdict, FigureVerdict::Regressed);
        QCOMPARE(fig(d, "p99.9").verdict, FigureVerdict::NoChange);
        QVERIFY(QString::fromStdString(fig(d, "p99.9").note).contains("1000"));
    }

    void a_small_latency_change_is_within_the_bound() {
        // +3 % on every request is significant at 20,000 requests but within the default 10 % bound.
        Traffic bit;
        bit.scale = 1.03;
        const RunComparison c = compare(draw(8, {}), draw(9, bit));
        QVERIFY(fig(c, "p50").p_worse < 0.01);
        QCOMPARE(fig(c, "p50").verdict, FigureVerdict::NoChange);
        QVERIFY(!any_failed(gate(c, spec("p50=10%"))));
        QVERIFY(any_failed(gate(c, spec("p50=1%"))));
    }

    void failure_ratio_by_two_proportion_test() {
        Traffic worse;
        worse.error_rate = 0.03;
        const RunComparison c = compare(draw(10, {}), draw(11, worse));
        const Figure& f = fig(c, "failed");
        QCOMPARE(f.verdict, FigureVerdict::Regressed);
        QCOMPARE(f.unit, std::string("%"));
        QVERIFY(f.change > 1.5 && f.change < 2.5);  // pp
        QVERIFY(any_failed(gate(c, spec("failed=0.5pp"))));
        QVERIFY(any_failed(gate(c, spec("errors=0.5pp"))));  // alias
        QVERIFY(!any_failed(gate(c, spec("failed=5pp"))));
        // Three failures in 50 requests against none: beyond 0.5 pp, not significant.
        Traffic few;
        few.requests = 50;
        few.error_rate = 0;
        Summary a = draw(12, few), b = draw(13, few);
        b.errors = b.requests[0].errors = 3;
        b.error_ratio = b.requests[0].error_ratio = 0.06;
        const RunComparison d = compare(a, b);
        QCOMPARE(fig(d, "failed").verdict, FigureVerdict::NoChange);
        QVERIFY(!any_failed(gate(d, spec("failed=0.5pp"))));
    }

    void rate_drop_and_rate_gate() {
        Traffic fast, slow;
        fast.requests = 2000;
        slow.requests = 1500;  // same 10 s: 200/s -> 150/s
        const RunComparison c = compare(draw(14, fast), draw(15, slow));
        const Figure& r = fig(c, "rate");
        QCOMPARE(r.unit, std::string("/s"));
        QCOMPARE(r.verdict, FigureVerdict::Regressed);
        QVERIFY(std::abs(*r.relative + 0.25) < 1e-9);
        QVERIFY(any_failed(gate(c, spec("rate=-5%"))));
        QVERIFY(!any_failed(gate(c, spec("rate=-30%"))));
        // A higher rate is never a regression.
        const RunComparison up = compare(draw(15, slow), draw(14, fast));
        QCOMPARE(fig(up, "rate").verdict, FigureVerdict::Improved);
        QVERIFY(!any_failed(gate(up, spec("rate=-5%"))));
    }

    void checks_unsent_and_late() {
        Summary a = draw(16, {}), b = draw(17, {});
        a.checks_passed = 20000;
        a.checks_failed = 0;
        b.checks_passed = 19000;
        b.checks_failed = 1000;
        a.checks = {{"get", "status", 20000, 0}};
        b.checks = {{"get", "status", 19000, 1000}};
        a.checks_rate = 1.0;
        b.checks_rate = 0.95;
        b.unsent = 500;
        b.late = 3000;
        const RunComparison c = compare(a, b);
        QCOMPARE(fig(c, "checks").verdict, FigureVerdict::Regressed);
        QVERIFY(std::abs(fig(c, "checks").change + 5.0) < 1e-9);  // pass rate 100 % -> 95 %: -5 pp
        QCOMPARE(fig(c, "unsent").verdict, FigureVerdict::Regressed);
        QCOMPARE(fig(c, "late").verdict, FigureVerdict::Regressed);
        QVERIFY(any_failed(gate(c, spec("checks=1pp"))));
        QVERIFY(!any_failed(gate(c, spec("checks=10pp"))));
        QVERIFY(any_failed(gate(c, spec("unsent=1pp,late=1pp"))));
    }

    // --- runs that do not match
    // ------------------------------------------------------------------------------

    void another_scenario_warns_naming_the_differences() {
        Summary a = draw(18, {}), b = draw(19, {});
        b.scenario = "other";
        b.executor = "constant-vus";
        b.target = "http://127.0.0.1:2";
        b.planned_s = 30;
        RequestSummary extra = b.requests[0];
        extra.name = "post";
        b.requests.push_back(extra);
        a.requests[0].name = "list";
        const RunComparison c = compare(a, b);
        QVERIFY2(warned(c, "scenario 'compare' vs 'other'"), qPrintable(all_warnings(c)));
        QVERIFY2(warned(c, "executor"), qPrintable(all_warnings(c)));
        QVERIFY2(warned(c, "target"), qPrintable(all_warnings(c)));
        QVERIFY2(warned(c, "planned"), qPrintable(all_warnings(c)));
        QVERIFY2(warned(c, "'list'"), qPrintable(all_warnings(c)));  // only in the baseline
        QVERIFY2(warned(c, "'post'"), qPrintable(all_warnings(c)));  // only in the current run
        QVERIFY(!c.find("p99", "list"));
        QVERIFY(c.find("p99"));  // the whole run still compares
        // A gate on a request only one run has is not evaluated: failed, saying why.
        const auto g = gate(c, spec("p99[list]=10%"));
        QVERIFY(g[0].failed && !g[0].evaluated);
        QVERIFY2(QString::fromStdString(g[0].message).contains("list"), g[0].message.c_str());
    }

    void a_late_generator_is_named() {
        Summary a = draw(32, {}), b = draw(33, {});
        a.lateness.p99_ms = 3.0;
        b.lateness.p99_ms = 62.5;
        const RunComparison c = compare(a, b);
        QVERIFY2(warned(c, "the current run's sends were late (lateness p99 62.5 ms)"),
                 qPrintable(all_warnings(c)));
        QVERIFY(!warned(c, "the baseline's sends were late"));
    }

    void baseline_without_sketch_compares_quantiles_only() {
        Summary a = draw(20, {});
        Traffic slow;
        slow.scale = 1.3;
        const Summary b = draw(21, slow);
        a.latency_sketch.clear();
        a.requests[0].latency_sketch.clear();
        const RunComparison c = compare(a, b);
        QVERIFY2(warned(c, "no latency_sketch"), qPrintable(all_warnings(c)));
        const Figure& p99 = fig(c, "p99");
        QVERIFY(!p99.comparable);
        QCOMPARE(p99.verdict, FigureVerdict::NotComparable);
        QVERIFY(p99.relative && *p99.relative > 0.2);  // the values are still there
        QVERIFY(QString::fromStdString(p99.note).contains("quantile values only"));
        QCOMPARE(fig(c, "failed").verdict, FigureVerdict::NoChange);  // counts still compare
        const auto g = gate(c, spec("p99=10%,failed=0.5pp"));
        QVERIFY(g[0].failed && !g[0].evaluated);
        QVERIFY(!g[1].failed);
    }

    void empty_runs_are_not_comparable() {
        Traffic none;
        none.requests = 0;
        const Summary empty = draw(22, none), full = draw(23, {});
        const RunComparison c = compare(empty, empty);
        QVERIFY2(warned(c, "baseline has no completed requests"), qPrintable(all_warnings(c)));
        QCOMPARE(fig(c, "p99").verdict, FigureVerdict::NotComparable);
        QCOMPARE(fig(c, "failed").verdict, FigureVerdict::NotComparable);
        QVERIFY(any_failed(gate(c, spec("p99=10%"))));  // not evaluated counts as failed
        // A current run without requests after a full baseline: the rate fell to 0, a regression.
        const RunComparison d = compare(full, empty);
        QCOMPARE(fig(d, "rate").verdict, FigureVerdict::Regressed);
        QVERIFY(any_failed(gate(d, spec("rate=-5%"))));
        for (const auto& f : d.figures) {
            QVERIFY(std::isfinite(f.base) && std::isfinite(f.current) && std::isfinite(f.change));
            QVERIFY(std::isfinite(f.p_worse) && std::isfinite(f.p_better));
        }
    }

    // --- summary documents
    // -----------------------------------------------------------------------------------

    void summary_round_trips() {
        Summary a = draw(24, {});
        a.checks = {{"get", "status is 200", 19000, 1000}};
        a.checks_passed = 19000;
        a.checks_failed = 1000;
        a.checks_rate = 0.95;
        a.by_status = {{200, 19800}, {503, 200}};
        a.transport_by_kind = {{"reset", 3}};
        a.unsent = 4;
        a.late = 9;
        ThresholdResult t;
        t.threshold.expr = "p99 < 200ms";
        t.observed = 12.5;
        t.evaluated = true;
        t.passed = true;
        a.thresholds.push_back(t);
        a.outcome = RunOutcome::ThresholdsFailed;
        const json j = to_json(a);
        const auto p = summary_from_json(j);
        QVERIFY2(p.ok(), p.ok() ? "" : redline::join_field_errors(p.errors()).c_str());
        const Summary& b = p.value();
        QCOMPARE(b.scenario, a.scenario);
        QCOMPARE(b.completed, a.completed);
        QCOMPARE(b.errors, a.errors);
        QVERIFY(b.latency_sketch == a.latency_sketch);
        QCOMPARE(b.requests.size(), std::size_t(1));
        QVERIFY(b.requests[0].latency_sketch == a.requests[0].latency_sketch);
        QVERIFY(b.latency == a.latency);
        QCOMPARE(b.checks.size(), std::size_t(1));
        QCOMPARE(b.checks[0].fails, std::uint64_t(1000));
        QCOMPARE(b.thresholds.size(), std::size_t(1));
        QCOMPARE(b.thresholds[0].threshold.expr, std::string("p99 < 200ms"));
        QCOMPARE(b.outcome, RunOutcome::ThresholdsFailed);
        QCOMPARE(b.by_status, a.by_status);
        QCOMPARE(b.unsent, std::uint64_t(4));
        // Its comparison with the original is "identical".
        for (const auto& f : compare(a, b).figures)
            QVERIFY2(f.change == 0.0, f.key.c_str());
        // Text form, plus a member a newer writer might add.
        json k = j;
        k["added_later"] = {{"x", 1}};
        k["requests"][0]["added_later"] = true;
        QVERIFY(parse_summary(k.dump()).ok());
    }

    void bad_summaries_name_the_field_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        const json good = to_json(draw(25, Traffic{100}));
        auto with = [&](const std::function<void(json&)>& f) {
            json j = good;
            f(j);
            return QString::fromStdString(j.dump());
        };
        QTest::newRow("not json") << "scenario,completed\nx,1\n"
                                  << "not valid JSON";
        QTest::newRow("array") << "[1,2]"
                               << "must be a JSON object";
        QTest::newRow("empty") << ""
                               << "not valid JSON";
        QTest::newRow("duplicate key") << R"({"schema":1,"schema":1})"
                                       << "duplicate key";
        QTest::newRow("no scenario") << with([](json& j) { j.erase("scenario"); }) << "scenario: is required";
        QTest::newRow("newer schema") << with([](json& j) { j["schema"] = 2; }) << "schema";
        QTest::newRow("negative count") << with([](json& j) { j["completed"] = -1; }) << "completed:";
        QTest::newRow("string count") << with([](json& j) { j["errors"] = "3"; }) << "errors: must be";
        QTest::newRow("fractional count") << with([](json& j) { j["completed"] = 1.5; }) << "completed:";
        QTest::newRow("latency not object") << with([](json& j) { j["latency"] = 3; }) << "latency:";
        QTest::newRow("bad p99") << with([](json& j) { j["latency"]["p99_ms"] = "x"; }) << "latency.p99_ms";
        QTest::newRow("bad bucket index") << with([](json& j) {
            j["latency_sketch"]["buckets"] = json::array({json::array({99999, 1})});
        }) << "latency_sketch.buckets";
        QTest::newRow("bucket not pair")
            << with([](json& j) { j["latency_sketch"]["buckets"] = json::array({3}); })
            << "latency_sketch.buckets[0]";
        QTest::newRow("sketch count mismatch")
            << with([](json& j) { j["latency_sketch"]["count"] = 5; }) << "latency_sketch.count";
        QTest::newRow("request sketch") << with([](json& j) { j["requests"][0]["latency_sketch"] = "x"; })
                                        << "requests[0].latency_sketch";
        QTest::newRow("request name")
            << with([](json& j) { j["requests"][0].erase("name"); }) << "requests[0].name: is required";
        QTest::newRow("requests not array")
            << with([](json& j) { j["requests"] = json::object(); }) << "requests: must be";
        QTest::newRow("check fails") << with([](json& j) {
            j["checks"] = json::array({{{"request", "get"}, {"name", "s"}, {"passes", 1}, {"fails", -2}}});
        }) << "checks[0].fails";
        QTest::newRow("outcome") << with([](json& j) { j["outcome"] = "great"; }) << "outcome";
        QTest::newRow("nan rate") << with([](json& j) { j["achieved_rate"] = -1.0; }) << "achieved_rate";
    }
    void bad_summaries_name_the_field() {
        QFETCH(QString, text);
        QFETCH(QString, message);
        const auto p = parse_summary(text.toStdString());
        QVERIFY(!p.ok());
        const QString got = QString::fromStdString(redline::join_field_errors(p.errors()));
        QVERIFY2(got.contains(message), qPrintable(got));
    }

    // --- --max-regression grammar
    // ----------------------------------------------------------------------------

    void spec_parses() {
        const RegressionSpec s =
            spec(" p99=10% , failed=0.5pp,rate=-5%, p99.9=2.5ms,p999[browse]=3%,errors[get]=1pp");
        QCOMPARE(s.bounds.size(), std::size_t(6));
        QCOMPARE(s.bounds[0].key, std::string("p99"));
        QCOMPARE(s.bounds[0].unit, BoundUnit::Percent);
        QCOMPARE(s.bounds[0].value, 10.0);
        QCOMPARE(s.bounds[0].text, std::string("p99=10%"));
        QCOMPARE(s.bounds[1].key, std::string("failed"));
        QCOMPARE(s.bounds[1].unit, BoundUnit::Pp);
        QCOMPARE(s.bounds[1].value, 0.5);
        QCOMPARE(s.bounds[2].key, std::string("rate"));
        QCOMPARE(s.bounds[2].value, 5.0);
        QCOMPARE(s.bounds[3].key, std::string("p99.9"));
        QCOMPARE(s.bounds[3].unit, BoundUnit::Ms);
        QCOMPARE(s.bounds[3].value, 2.5);
        QCOMPARE(s.bounds[4].key, std::string("p99.9"));
        QCOMPARE(s.bounds[4].request, std::string("browse"));
        QCOMPARE(s.bounds[5].key, std::string("failed"));  // alias
        QCOMPARE(s.bounds[5].request, std::string("get"));
        std::string error;
        QVERIFY(!parse_regression_spec("failed=1pp,errors=2pp", &error));  // one figure, bounded twice
        QVERIFY2(error.find("bounded twice") != std::string::npos, error.c_str());
        for (const char* ok : {"max=0%", "avg=1ms", "checks=1pp", "transport_errors=0.1pp", "unsent=0pp",
                               "late=2pp", "completed=-10%", "p50=5%", "p90=5%", "p95=5%", "rate=-0%"})
            QVERIFY2(parse_regression_spec(ok, nullptr), ok);
    }

    void spec_errors_name_the_item_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("empty") << ""
                               << "is empty";
        QTest::newRow("blank") << "  "
                               << "is empty";
        QTest::newRow("no =") << "p99"
                              << "'p99': expected KEY=VALUE";
        QTest::newRow("no unit") << "p99=10"
                                 << "'p99=10': p99 takes % or ms";
        QTest::newRow("wrong unit") << "p99=10pp"
                                    << "'p99=10pp': p99 takes % or ms";
        QTest::newRow("pct for failed") << "failed=1%"
                                        << "'failed=1%': failed takes pp";
        QTest::newRow("rate without minus") << "rate=5%"
                                            << "'rate=5%': rate is a drop: write rate=-5%";
        QTest::newRow("rate in ms") << "rate=-5ms"
                                    << "rate takes -N%";
        QTest::newRow("unknown key") << "p98=10%"
                                     << "'p98=10%': unknown figure 'p98' (known: p50";
        QTest::newRow("negative") << "p99=-5%"
                                  << "'p99=-5%': p99 takes a bound >= 0";
        QTest::newRow("not a number") << "p99=abc%"
                                      << "'p99=abc%': 'abc' is not a number";
        QTest::newRow("nan") << "p99=nan%"
                             << "is not a number";
        QTest::newRow("inf") << "p99=inf%"
                             << "is not a number";
        QTest::newRow("hex") << "p99=0x10%"
                             << "is not a number";
        QTest::newRow("duplicate") << "p99=10%,p99=5%"
                                   << "'p99=5%': p99 is bounded twice";
        QTest::newRow("empty item") << "p99=10%,,failed=1pp"
                                    << "item 2 is empty";
        QTest::newRow("trailing comma") << "p99=10%,"
                                        << "item 2 is empty";
        QTest::newRow("open bracket") << "p99[=5%"
                                      << "'p99[=5%': expected KEY[REQUEST]=VALUE";
        QTest::newRow("empty request") << "p99[]=5%"
                                       << "empty request name";
        QTest::newRow("checks per request") << "checks[get]=1pp"
                                            << "checks is a whole-run figure";
        QTest::newRow("no value") << "p99="
                                  << "'p99=': p99 takes % or ms";
        QTest::newRow("second item") << "p99=10%,rate=5"
                                     << "item 2 'rate=5'";
    }
    void spec_errors_name_the_item() {
        QFETCH(QString, text);
        QFETCH(QString, message);
        std::string error;
        QVERIFY(!parse_regression_spec(text.toStdString(), &error));
        QVERIFY2(QString::fromStdString(error).contains(message), error.c_str());
        QVERIFY(error.find('\n') == std::string::npos);
    }

    // --- rendering
    // -------------------------------------------------------------------------------------------

    void table_has_units_on_every_value() {
        Traffic slow;
        slow.scale = 1.3;
        const RunComparison c = compare(draw(26, {}), draw(27, slow));
        const QString t = QString::fromStdString(render_table(c));
        QVERIFY2(t.contains("regressed"), qPrintable(t));
        QVERIFY2(t.contains("no significant change"), qPrintable(t));
        for (const QString& line : t.split('\n')) {
            if (line.startsWith("  p99 ")) {
                QVERIFY2(line.count(" ms") >= 3, qPrintable(line));  // baseline, current, change
                QVERIFY2(line.contains("%"), qPrintable(line));      // relative change
            }
            if (line.startsWith("  rate ")) QVERIFY2(line.count("/s") >= 3, qPrintable(line));
            if (line.startsWith("  failed ")) QVERIFY2(line.contains(" pp"), qPrintable(line));
        }
        const json j = to_json(c);
        QVERIFY(j["figures"].is_array());
        QCOMPARE(j["figures"][0]["verdict"].get<std::string>().empty(), false);
        QVERIFY(j.contains("warnings"));
        const auto g = gate(c, spec("p99=10%"));
        QVERIFY(QString::fromStdString(render_gate(g)).contains("FAIL"));
        QCOMPARE(to_json(g)[0]["failed"].get<bool>(), true);
    }

    void xml_escaping() {
        QCOMPARE(xml_escape("a<b>&\"'c"), std::string("a&lt;b&gt;&amp;&quot;&apos;c"));
        QCOMPARE(xml_escape("tab\tnl\n"), std::string("tab&#9;nl&#10;"));
        QCOMPARE(xml_escape("\x01x\x7f"), std::string("\xEF\xBF\xBDx\x7f"));
        QCOMPARE(xml_escape("caf\xC3\xA9 \xE2\x82\xAC"), std::string("caf\xC3\xA9 \xE2\x82\xAC"));  // é €
        QCOMPARE(xml_escape("bad\xFF"
                            "end"),
                 std::string("bad\xEF\xBF\xBD"
                             "end"));
        QCOMPARE(xml_escape("cut\xE2\x82"), std::string("cut\xEF\xBF\xBD"));
        QCOMPARE(xml_escape("\xC0\x80"), std::string("\xEF\xBF\xBD\xEF\xBF\xBD"));  // overlong NUL
        QCOMPARE(xml_escape("\xED\xA0\x80"),
                 std::string("\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"));      // surrogate
        QCOMPARE(xml_escape("\xEF\xBF\xBE"), std::string("\xEF\xBF\xBD"));  // U+FFFE is not an XML Char
    }

    void junit_document_parses() {
        Traffic slow;
        slow.scale = 1.3;
        Summary a = draw(28, {}), b = draw(29, slow);
        b.checks = {{"get <&>", "status \"200\"\x01", 10, 2}, {"get", "ok", 12, 0}};
        ThresholdResult t1, t2;
        t1.threshold.expr = "p99 < 1ms & more";
        t1.observed = 12;
        t1.evaluated = true;
        t1.passed = false;
        t2.threshold.expr = "error_rate < 1%";
        t2.evaluated = true;
        t2.passed = true;
        b.thresholds = {t1, t2};
        const auto g = gate(compare(a, b), spec("p99=10%,failed=0.5pp"));
        const std::string xml = junit_xml(b, g);

        QXmlStreamReader r(QByteArray::fromStdString(xml));
        int cases = 0, failures = 0, suites = 0;
        QStringList names, messages;
        while (!r.atEnd()) {
            r.readNext();
            if (!r.isStartElement()) continue;
            if (r.name() == QLatin1String("testsuite")) ++suites;
            if (r.name() == QLatin1String("testcase")) {
                ++cases;
                names << r.attributes().value("name").toString();
            }
            if (r.name() == QLatin1String("failure")) {
                ++failures;
                messages << r.attributes().value("message").toString();
            }
        }
        QVERIFY2(!r.hasError(), qPrintable(r.errorString() + "\n" + QString::fromStdString(xml)));
        QCOMPARE(suites, 3);
        QCOMPARE(cases, 2 + 2 + 2);
        QCOMPARE(failures, 1 + 1 + 1);  // threshold p99, check "status", gate p99
        QVERIFY2(names.contains("p99 < 1ms & more"), qPrintable(names.join("|")));
        QVERIFY2(names.contains(QString::fromUtf8("get <&> status \"200\"\xEF\xBF\xBD")),
                 qPrintable(names.join("|")));
        QVERIFY2(messages.join("|").contains("p99"), qPrintable(messages.join("|")));
        QVERIFY(xml.find("tests=\"6\"") != std::string::npos);
        QVERIFY(xml.find("failures=\"3\"") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestLoadCompare)
#include "tst_load_compare.moc"
