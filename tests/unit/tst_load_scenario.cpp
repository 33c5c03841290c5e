// Scenario files: every validation error class names its field; thresholds, templates, overrides, built-ins.
#include <QtTest>
#include <set>

#include "core/load/arrival_schedule.h"
#include "core/load/path_template.h"
#include "core/load/scenario.h"

using namespace redline::load;
using nlohmann::json;

namespace {

// Raw strings stay on one line and spell "//" as JSON "\/\/": moc 6.4 mis-parses both.
const char* kValid =
    R"({"name":"t","executor":"constant-arrival-rate","rate":100,"duration_s":2,"requests":[{"path":"/v1/products/{1..10}"}]})";

std::vector<std::string> builtin_dirs() {
    return {std::string(REDLINE_SOURCE_DIR) + "/resources/scenarios"};
}

}  // namespace

class TestLoadScenario : public QObject {
    Q_OBJECT
  private slots:
    void valid_minimal() {
        auto p = parse_scenario_text(kValid);
        QVERIFY(p.ok());
        const Scenario& s = p.value();
        QCOMPARE(s.name, std::string("t"));
        QCOMPARE(s.executor, ExecutorKind::ConstantArrivalRate);
        QCOMPARE(s.stages.size(), std::size_t(1));
        QCOMPARE(s.duration_s(), 2.0);
        QCOMPARE(s.requests[0].name, std::string("GET /v1/products/{1..10}"));
        QCOMPARE(s.target, std::string("http://127.0.0.1:8080"));
    }

    void invalid_data() {
        QTest::addColumn<QString>("doc");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("why");
        auto row = [](const char* tag, const char* doc, const char* field, const char* why) {
            QTest::newRow(tag) << QString(doc) << QString(field) << QString(why);
        };
        row("not json", "{", "", "not valid JSON");
        row("not object", "[1]", "", "must be a JSON object");
        row("unknown field",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"color":1})",
            "color", "unknown field");
        row("missing name", R"({"executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}]})",
            "name", "is required");
        row("bad name",
            R"({"name":"a b","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}]})",
            "name", "letters");
        row("missing executor", R"({"name":"t","requests":[{"path":"/"}]})", "executor", "is required");
        row("bad executor", R"({"name":"t","executor":"warp","requests":[{"path":"/"}]})", "executor",
            "is not one of");
        row("wrong type",
            R"({"name":"t","executor":"constant-vus","vus":"3","duration_s":1,"requests":[{"path":"/"}]})",
            "vus", "must be a number");
        row("out of range",
            R"({"name":"t","executor":"constant-arrival-rate","rate":0,"duration_s":1,"requests":[{"path":"/"}]})",
            "rate", "must be >");
        row("negative duration",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":-1,"requests":[{"path":"/"}]})",
            "duration_s", "must be >");
        row("fractional vus",
            R"({"name":"t","executor":"constant-vus","vus":1.5,"duration_s":1,"requests":[{"path":"/"}]})",
            "vus", "whole number");
        row("rate with vus executor",
            R"({"name":"t","executor":"constant-vus","vus":1,"rate":5,"duration_s":1,"requests":[{"path":"/"}]})",
            "rate", "does not apply");
        row("stages on constant",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"stages":[],"requests":[{"path":"/"}]})",
            "stages", "does not apply");
        row("missing stages", R"({"name":"t","executor":"ramping-arrival-rate","requests":[{"path":"/"}]})",
            "stages", "is required");
        row("empty stages", R"({"name":"t","executor":"ramping-vus","stages":[],"requests":[{"path":"/"}]})",
            "stages", "1..1000");
        row("stage missing target",
            R"({"name":"t","executor":"ramping-vus","stages":[{"duration_s":1}],"requests":[{"path":"/"}]})",
            "stages[0].target", "is required");
        row("stage unknown field",
            R"({"name":"t","executor":"ramping-vus","stages":[{"duration_s":1,"target":1,"x":1}],"requests":[{"path":"/"}]})",
            "stages[0].x", "unknown field");
        row("connections on closed",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"connections":4,"requests":[{"path":"/"}]})",
            "connections", "arrival-rate executors only");
        row("bad target scheme",
            R"({"name":"t","target":"ftp:\/\/x","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}]})",
            "target", "http:// or https://");
        row("https target with path",
            R"({"name":"t","target":"https:\/\/x\/y","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}]})",
            "target", "https://host[:port] without path");
        row("insecure not a bool",
            R"({"name":"t","target":"https:\/\/x","insecure_skip_verify":"yes","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}]})",
            "insecure_skip_verify", "must be true or false");
        row("insecure on http",
            R"({"name":"t","target":"http:\/\/x","insecure_skip_verify":true,"executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}]})",
            "insecure_skip_verify", "https:// targets only");
        row("target with path",
            R"({"name":"t","target":"http:\/\/127.0.0.1:80/x","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}]})",
            "target", "without path");
        row("target bad port",
            R"({"name":"t","target":"http:\/\/127.0.0.1:99999","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}]})",
            "target", "1..65535");
        row("missing requests", R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1})",
            "requests", "is required");
        row("empty requests",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[]})", "requests",
            "1..256");
        row("request missing path",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{}]})",
            "requests[0].path", "is required");
        row("path not absolute",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"x"}]})",
            "requests[0].path", "must start with '/'");
        row("unterminated template",
            "{\"name\":\"t\",\"executor\":\"constant-vus\",\"vus\":1,\"duration_s\":1,\"requests\":[{"
            "\"path\":\"/p/{1..5\"}]}",
            "requests[0].path", "unterminated");
        row("reversed range",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/p/{9..1}"}]})",
            "requests[0].path", "reversed");
        row("bad range",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/p/{a..b}"}]})",
            "requests[0].path", "two integers");
        row("empty list entry",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/p/{a||b}"}]})",
            "requests[0].path", "empty entry");
        row("space in path",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/p q"}]})",
            "requests[0].path", "invalid character");
        row("bad method",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/","method":"GE T"}]})",
            "requests[0].method", "HTTP method");
        row("zero weight",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/","weight":0}]})",
            "requests[0].weight", "must be >");
        row("bad header name",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/","headers":{"a b":"x"}}]})",
            "requests[0].headers.a b", "not a valid header name");
        row("header injection",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/","headers":{"X":"a\r\nB: c"}}]})",
            "requests[0].headers.X", "control characters");
        row("reserved header",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/","headers":{"Content-Length":"5"}}]})",
            "requests[0].headers.Content-Length", "set by the engine");
        row("bad body",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/","body":5}]})",
            "requests[0].body", "string or a JSON");
        row("key and keys",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/","api_key":"a","api_keys":["b"]}]})",
            "requests[0].api_keys", "not both");
        row("duplicate name",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/","name":"a"},{"path":"/x","name":"a"}]})",
            "requests[1].name", "used by another");
        row("threshold syntax",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"thresholds":["p95 200ms"]})",
            "thresholds[0]", "comparison");
        row("threshold metric",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"thresholds":["p42 < 1ms"]})",
            "thresholds[0]", "unknown metric");
        row("threshold unit",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"thresholds":["p95 < 2kg"]})",
            "thresholds[0]", "latency unit");
        row("threshold ratio",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"thresholds":["error_rate < 150%"]})",
            "thresholds[0]", "at most 100%");
        row("threshold request",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"thresholds":[{"expr":"p95 < 1ms","request":"nope"}]})",
            "thresholds[0].request", "not the name");
        row("threshold source",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"thresholds":[{"expr":"p95 < 1ms","source":"moon"}]})",
            "thresholds[0].source", "client");
        row("route on client",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"thresholds":[{"expr":"p95 < 1ms","route":"GET /"}]})",
            "thresholds[0].route", "agent-side");
        row("cache ratio client",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"thresholds":["cache_hit_ratio > 50%"]})",
            "thresholds[0]", "only known to the agent");
        row("threshold window",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"thresholds":[{"expr":"p95 < 1ms","window_s":99}]})",
            "thresholds[0].window_s", "between 1 and 60");
        row("agent url",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"agent":{"url":"ftp:\/\/x"}})",
            "agent.url", "http://");
        row("rollout not object",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"rollout":3})",
            "rollout", "must be an object");
        row("rollout no plan",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"rollout":{"expect":"promoted"}})",
            "rollout.plan", "is required");
        row("rollout unknown key",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"rollout":{"plan":{"steps":[{"weight_percent":100}]},"when":1}})",
            "rollout.when", "unknown field");
        row("rollout bad step",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"rollout":{"plan":{"steps":[{"weight_percent":150,"hold_s":1},{"weight_percent":100}]}}})",
            "rollout.plan.steps[0].weight_percent", "");
        row("rollout bad expect",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"rollout":{"plan":{"steps":[{"weight_percent":100}]},"expect":"maybe"}})",
            "rollout.expect", "rolled_back");
        row("rollout bad on_run_end",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"rollout":{"plan":{"steps":[{"weight_percent":100}]},"on_run_end":"keep"}})",
            "rollout.on_run_end", "leave");
        row("rollout end_run type",
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"rollout":{"plan":{"steps":[{"weight_percent":100}]},"end_run":"yes"}})",
            "rollout.end_run", "");
    }
    void invalid() {
        QFETCH(QString, doc);
        QFETCH(QString, field);
        QFETCH(QString, why);
        auto p = parse_scenario_text(doc.toStdString());
        QVERIFY2(!p.ok(), "expected the document to be rejected");
        bool found = false;
        QString all;
        for (const auto& e : p.errors()) {
            all += QString::fromStdString(e.field + ": " + e.message + "; ");
            if (QString::fromStdString(e.field) == field && QString::fromStdString(e.message).contains(why))
                found = true;
        }
        QVERIFY2(found, qPrintable("errors were: " + all));
    }

    void thresholds_data() {
        QTest::addColumn<QString>("expr");
        QTest::addColumn<int>("metric");
        QTest::addColumn<int>("op");
        QTest::addColumn<double>("value");
        QTest::newRow("p95 ms") << "p95 < 200ms" << int(ThresholdMetric::P95) << int(Comparison::Less)
                                << 200.0;
        QTest::newRow("p99 s") << "p99<=1.5s" << int(ThresholdMetric::P99) << int(Comparison::LessEqual)
                               << 1500.0;
        QTest::newRow("p99.9 us") << "p99.9 < 500us" << int(ThresholdMetric::P999) << int(Comparison::Less)
                                  << 0.5;
        QTest::newRow("error pct") << "error_rate < 1%" << int(ThresholdMetric::ErrorRate)
                                   << int(Comparison::Less) << 0.01;
        QTest::newRow("rate") << "rate > 900/s" << int(ThresholdMetric::Rate) << int(Comparison::Greater)
                              << 900.0;
        QTest::newRow("rl") << "rate_limited_rate >= 0.1" << int(ThresholdMetric::RateLimitedRate)
                            << int(Comparison::GreaterEqual) << 0.1;
    }
    void thresholds() {
        QFETCH(QString, expr);
        QFETCH(int, metric);
        QFETCH(int, op);
        QFETCH(double, value);
        std::string why;
        auto t = parse_threshold_expr(expr.toStdString(), &why);
        QVERIFY2(t, why.c_str());
        QCOMPARE(int(t->metric), metric);
        QCOMPARE(int(t->op), op);
        QVERIFY(std::abs(t->value - value) < 1e-9);
    }

    void threshold_holds_compares() {
        std::string why;
        auto t = *parse_threshold_expr("p95 < 200ms", &why);
        QVERIFY(threshold_holds(t, 199.9));
        QVERIFY(!threshold_holds(t, 200.0));
        auto r = *parse_threshold_expr("rate >= 900/s", &why);
        QVERIFY(threshold_holds(r, 900));
        QVERIFY(!threshold_holds(r, 899.9));
        QVERIFY(!threshold_holds(r, std::nan("")));
    }

    void path_template_expands_in_range() {
        std::string why;
        auto t = PathTemplate::parse("/v1/products/{1..5}?q={red|blue}", &why);
        QVERIFY2(t, why.c_str());
        QVERIFY(!t->is_static());
        Rng rng(42);
        std::set<std::string> seen;
        for (int i = 0; i < 400; ++i) {
            std::string s;
            t->expand(s, rng);
            seen.insert(s);
            QVERIFY(s.starts_with("/v1/products/"));
            const auto id = std::stoi(s.substr(13));
            QVERIFY(id >= 1 && id <= 5);
            QVERIFY(s.ends_with("?q=red") || s.ends_with("?q=blue"));
        }
        QCOMPARE(seen.size(), std::size_t(10));  // every combination appears
        auto st = PathTemplate::parse("/plain", &why);
        QVERIFY(st && st->is_static());
        QCOMPARE(st->static_text(), std::string("/plain"));
    }

    void rollout_round_trips() {
        auto p = parse_scenario_text(
            R"({"name":"t","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],"rollout":{"plan":{"steps":[{"weight_percent":10,"hold_s":5},{"weight_percent":100}],"analysis":{"window_s":4}},"expect":"rolled_back","end_run":false,"on_run_end":"leave"}})");
        QVERIFY(p.ok());
        const Scenario& s = p.value();
        QVERIFY(s.rollout.enabled);
        QCOMPARE(s.rollout.expect, RolloutExpect::RolledBack);
        QVERIFY(!s.rollout.end_run);
        QVERIFY(!s.rollout.abort_at_end);
        QCOMPARE(s.rollout.plan.steps.size(), std::size_t(2));
        QCOMPARE(s.rollout.plan.analysis.window_s, 4);
        auto again = parse_scenario(to_json(s));
        QVERIFY(again.ok());
        QCOMPARE(again.value(), s);
        // Without the member nothing is driven, and to_json writes none.
        auto plain = parse_scenario_text(kValid);
        QVERIFY(!plain.value().rollout.enabled);
        QVERIFY(!to_json(plain.value()).contains("rollout"));
    }

    void round_trip_and_overrides() {
        auto p = parse_scenario_text(kValid);
        QVERIFY(p.ok());
        auto again = parse_scenario(to_json(p.value()));
        QVERIFY(again.ok());
        QCOMPARE(again.value(), p.value());

        Scenario s = p.value();
        ScenarioOverrides o;
        o.rate = 250;
        o.duration_s = 4;
        o.target = "http://[::1]:9000";
        QVERIFY(apply_overrides(s, o).empty());
        QCOMPARE(s.max_target(), 250.0);
        QCOMPARE(s.duration_s(), 4.0);
        QCOMPARE(s.target, std::string("http://[::1]:9000"));

        Scenario before = s;
        ScenarioOverrides bad;
        bad.vus = 3;  // not a VU scenario
        const auto errs = apply_overrides(s, bad);
        QCOMPARE(errs.size(), std::size_t(1));
        QCOMPARE(errs[0].field, std::string("vus"));
        QCOMPARE(s, before);
        ScenarioOverrides badt;
        badt.target = "http://x/y";
        QVERIFY(!apply_overrides(s, badt).empty());
        QCOMPARE(s, before);
    }

    void https_target_and_insecure_round_trip() {
        auto p = parse_scenario_text(
            R"({"name":"t","target":"https:\/\/localhost:8443","insecure_skip_verify":true,"executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}]})");
        QVERIFY(p.ok());
        QVERIFY(p.value().insecure_skip_verify);
        const json j = to_json(p.value());
        QCOMPARE(j.at("insecure_skip_verify"), json(true));
        auto again = parse_scenario(j);
        QVERIFY(again.ok());
        QCOMPARE(again.value(), p.value());
        // Verification is on unless asked for: the field is not written when false.
        auto plain = parse_scenario_text(kValid);
        QVERIFY(!to_json(plain.value()).contains("insecure_skip_verify"));
        // --insecure on an http target is refused, the scenario stays as it was.
        Scenario s = plain.value();
        ScenarioOverrides o;
        o.insecure_skip_verify = true;
        const auto errs = apply_overrides(s, o);
        QCOMPARE(errs.size(), std::size_t(1));
        QCOMPARE(errs[0].field, std::string("insecure_skip_verify"));
        QVERIFY(!s.insecure_skip_verify);
        o.target = "https://127.0.0.1:8443";
        QVERIFY(apply_overrides(s, o).empty());
        QVERIFY(s.insecure_skip_verify);
    }

    void target_url() {
        std::string why;
        auto t = parse_target_url("http://[::1]:8080/", &why);
        QVERIFY2(t, why.c_str());
        QCOMPARE(t->host, std::string("::1"));
        QCOMPARE(t->port, std::uint16_t(8080));
        QCOMPARE(t->host_header, std::string("[::1]:8080"));
        QVERIFY(!parse_target_url("http://user@127.0.0.1:1", &why));
        QVERIFY(!parse_target_url("http://127.0.0.1:", &why));
        QCOMPARE(parse_target_url("http://localhost", &why)->port, std::uint16_t(80));
    }

    void ramp_profile() {
        auto p = parse_scenario_text(
            R"({"name":"r","executor":"ramping-arrival-rate","start_target":0,"stages":[{"duration_s":10,"target":100},{"duration_s":10,"target":100}],"requests":[{"path":"/"}]})");
        QVERIFY(p.ok());
        const Scenario& s = p.value();
        QCOMPARE(s.target_at(5), 50.0);
        QCOMPARE(s.target_at(15), 100.0);
        QCOMPARE(s.stage_at(9.99), std::size_t(0));
        QCOMPARE(s.stage_at(10.0), std::size_t(1));
        ArrivalSchedule a(s);
        QCOMPARE(a.total_arrivals(), 1500.0);  // 500 in the ramp + 1000 in the hold
        QVERIFY(std::abs(a.arrivals_before(10) - 500.0) < 1e-9);
        // Arrival times are increasing and invert arrivals_before().
        double prev = -1;
        std::size_t hint = 0;
        for (int n = 0; n < 1500; ++n) {
            auto t = a.time_of(n, &hint);
            QVERIFY(t);
            QVERIFY(*t >= prev);
            prev = *t;
            QVERIFY(std::abs(a.arrivals_before(*t) - n) < 1e-6);
        }
        QVERIFY(!a.time_of(1500));
    }

    void constant_schedule_is_exact() {
        auto p = parse_scenario_text(kValid);
        ArrivalSchedule a(p.value());
        QCOMPARE(a.total_arrivals(), 200.0);
        QCOMPARE(*a.time_of(0), 0.0);
        QVERIFY(std::abs(*a.time_of(100) - 1.0) < 1e-12);
        QVERIFY(std::abs(*a.time_of(199) - 1.99) < 1e-12);
        QVERIFY(!a.time_of(200));
    }

    void builtins_are_valid() {
        const auto names = list_builtin_scenarios(builtin_dirs());
        const std::set<std::string> want = {"smoke",           "baseline",    "ramp",
                                            "spike",           "soak",        "cache",
                                            "ratelimit-probe", "canary-bake", "create-then-read"};
        for (const auto& w : want)
            QVERIFY2(std::find(names.begin(), names.end(), w) != names.end(), w.c_str());
        for (const auto& n : names) {
            auto path = find_scenario(n, builtin_dirs());
            QVERIFY(path);
            auto p = load_scenario_file(*path);
            QVERIFY2(p.ok(),
                     (n + ": " + (p.ok() ? "" : p.errors().front().field + " " + p.errors().front().message))
                         .c_str());
            QCOMPARE(p.value().name, n);
        }
    }

    void thresholds_the_schedule_rules_out() {
        auto p = parse_scenario_text(
            R"({"name":"t","executor":"constant-arrival-rate","rate":200,"duration_s":10,"requests":[{"path":"/"}],)"
            R"("thresholds":["rate > 190/s","p99 < 100ms","rate >= 200/s"]})");
        QVERIFY(p.ok());
        Scenario s = p.value();
        QVERIFY(thresholds_that_cannot_pass(s).empty());
        ScenarioOverrides o;
        o.rate = 50;
        QVERIFY(apply_overrides(s, o).empty());
        const auto w = thresholds_that_cannot_pass(s);
        QCOMPARE(w.size(), std::size_t(2));
        QVERIFY(QString::fromStdString(w[0]).startsWith("rate > 190/s cannot pass"));
        QVERIFY(QString::fromStdString(w[0]).contains("50/s"));
        // A ramp from 0 to 100/s over 10 s schedules 500 requests: at most 50/s on average.
        auto r = parse_scenario_text(
            R"({"name":"r","executor":"ramping-arrival-rate","stages":[{"duration_s":10,"target":100}],)"
            R"("requests":[{"path":"/"}],"thresholds":["rate > 60/s","rate > 40/s"]})");
        QVERIFY(r.ok());
        QCOMPARE(r.value().planned_requests(), 500.0);
        QCOMPARE(thresholds_that_cannot_pass(r.value()).size(), std::size_t(1));
        // The closed model has no schedule to rule anything out.
        auto c = parse_scenario_text(
            R"({"name":"c","executor":"constant-vus","vus":1,"duration_s":1,"requests":[{"path":"/"}],)"
            R"("thresholds":["rate > 100000/s"]})");
        QVERIFY(c.ok());
        QVERIFY(thresholds_that_cannot_pass(c.value()).empty());
    }
    void missing_file_is_an_error() {
        auto p = load_scenario_file("/nonexistent/x.json");
        QVERIFY(!p.ok());
        QVERIFY(p.errors()[0].message.find("cannot read") != std::string::npos);
        QVERIFY(!find_scenario("no-such-builtin", builtin_dirs()));
        QVERIFY(!find_scenario("../etc/passwd", builtin_dirs()));
    }
};

QTEST_GUILESS_MAIN(TestLoadScenario)
#include "tst_load_scenario.moc"
