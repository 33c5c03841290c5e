// The regression gate from the outside (docs/regression-gate.md): the real redline-load binary runs a
// scenario against the real redline-sample-server twice. The server's canary fault knob (weight 100 %, fixed
// latency) makes every request take about 20 ms, so loopback jitter is small next to the signal: an A/A pair
// passes
// --max-regression (exit 0), and after the knob goes to 60 ms the same gate fails (exit 99) with the table
// and the failed bound printed and a JUnit report that parses. Then `redline-load compare` on the files, and
// the bad inputs: a baseline that is not JSON, from another scenario, without sketches, a run that errors,
// and
// --max-regression mistakes (exit 2 before any request is sent). About 25 s.
#include <QTest>
#include <QXmlStreamReader>
#include <fstream>
#include <sstream>

#ifndef Q_MOC_RUN
#include <nlohmann/json.hpp>

#include "core/control.h"
#include "tests/integration/tst_load_server.h"
#include "tests/integration/tst_sample_support.h"
#include "tests/support/child_process.h"
#endif

using nlohmann::json;
using redline::test::ChildProcess;
using redline::test::CliRun;
using redline::test::SampleServerProcess;

namespace {

const char* kGate = "p50=25%,p99=15ms,failed=1pp,rate=-10%";

QString binary() {
    return ChildProcess::binary(QStringLiteral("app/redline-load"));
}

CliRun load(const QStringList& args) {
    return redline::test::run_cli(binary(), args, QProcessEnvironment::systemEnvironment(), 60'000);
}

QString text(const QByteArray& b) {
    return QString::fromUtf8(b);
}

json read_json(const QString& path) {
    std::ifstream f(path.toStdString());
    return json::parse(f, nullptr, false);
}

void write_file(const QString& path, const std::string& body) {
    std::ofstream(path.toStdString(), std::ios::trunc) << body;
}

std::string slurp(const QString& path) {
    std::ifstream f(path.toStdString());
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

/// The lines of the comparison table for one figure of the whole run ("  p50  ...").
QString table_line(const QString& out, const QString& key) {
    for (const QString& line : out.split('\n'))
        if (line.startsWith("  " + key + " ")) return line;
    return {};
}

}  // namespace

class TestLoadCompareCli : public QObject {
    Q_OBJECT

    std::unique_ptr<SampleServerProcess> server_;
    QTemporaryDir dir_;
    QString scenario_, other_scenario_, a_, b_, c_;

    bool set_latency(double ms) {
        redline::CanaryConfig cfg;
        cfg.weight_percent = 100;
        cfg.faults.latency_ms = ms;
        auto r = server_->admin().set_canary(cfg);
        if (!r.ok()) qWarning("%s", r.error_message().c_str());
        return r.ok();
    }
    QString path(const char* name) const { return dir_.filePath(QString::fromLatin1(name)); }

  private slots:
    void initTestCase() {
        QVERIFY2(QFileInfo::exists(binary()), qPrintable(binary() + " is not built"));
        server_ = std::make_unique<SampleServerProcess>();
        QVERIFY(server_->start({}, 1000));
        QVERIFY(set_latency(20));
        const json sc = {
            {"name", "gate"},
            {"target", server_->api_url().toStdString()},
            {"executor", "constant-arrival-rate"},
            {"rate", 100},
            {"duration_s", 3},
            {"connections", 16},
            {"requests",
             json::array({{{"name", "product"}, {"path", "/v1/products/{1..1000}"}},
                          {{"name", "list"}, {"weight", 0.3}, {"path", "/v1/products?page_size=5"}}})}};
        scenario_ = path("gate.json");
        write_file(scenario_, sc.dump());
        json other = sc;
        other["name"] = "other";
        other["requests"] = json::array({{{"name", "product"}, {"path", "/v1/products/{1..1000}"}}});
        other_scenario_ = path("other.json");
        write_file(other_scenario_, other.dump());
        a_ = path("a.json");
        b_ = path("b.json");
        c_ = path("c.json");
        const CliRun r = load({"run", scenario_, "--quiet", "--out", a_});
        QVERIFY2(r.code == 0, r.err.constData());
    }
    void cleanupTestCase() {
        if (server_) QCOMPARE(server_->stop(), 0);
    }

    void aa_pair_passes_the_gate() {
        const QString junit = path("aa.xml");
        const CliRun r = load(
            {"run", scenario_, "--out", b_, "--baseline", a_, "--max-regression", kGate, "--junit", junit});
        QVERIFY2(r.code == 0, qPrintable(text(r.out) + text(r.err)));
        const QString out = text(r.out);
        QVERIFY2(out.contains("regression gate: 0 of 4 bounds failed"), qPrintable(out));
        QVERIFY2(out.contains("comparison  baseline"), qPrintable(out));
        QVERIFY2(out.contains("request product"), qPrintable(out));
        QVERIFY2(table_line(out, "p50").count(" ms") == 3, qPrintable(table_line(out, "p50")));
        // The summary now carries a sketch per request.
        const json j = read_json(b_);
        QVERIFY(j["requests"][0]["latency_sketch"]["count"].get<std::uint64_t>() > 100);
        QVERIFY(slurp(junit).find("failures=\"0\"") != std::string::npos);
    }

    void slower_target_fails_the_gate_with_99() {
        QVERIFY(set_latency(60));
        const QString junit = path("slow.xml");
        const CliRun r = load(
            {"run", scenario_, "--out", c_, "--baseline", a_, "--max-regression", kGate, "--junit", junit});
        QVERIFY(set_latency(20));
        const QString out = text(r.out);
        QVERIFY2(r.code == 99, qPrintable(QString::number(r.code) + "\n" + out + text(r.err)));
        QVERIFY2(out.contains("outcome    passed"), qPrintable(out));  // no threshold failed: the gate did it
        QVERIFY2(table_line(out, "p50").contains("regressed"), qPrintable(table_line(out, "p50")));
        QVERIFY2(table_line(out, "p99").contains("regressed"), qPrintable(table_line(out, "p99")));
        QVERIFY2(out.contains(
                     QRegularExpression("FAIL p50=25% +p50 \\+[0-9.]+ % \\(2[0-9.]+ ms -> 6[0-9.]+ ms\\)")),
                 qPrintable(out));
        QVERIFY2(out.contains("ok   failed=1pp"), qPrintable(out));

        QXmlStreamReader x(QByteArray::fromStdString(slurp(junit)));
        int failures = 0;
        QStringList failed_names;
        QString current_case;
        while (!x.atEnd()) {
            x.readNext();
            if (x.isStartElement() && x.name() == QLatin1String("testcase"))
                current_case = x.attributes().value("name").toString();
            if (x.isStartElement() && x.name() == QLatin1String("failure")) {
                ++failures;
                failed_names << current_case;
            }
        }
        QVERIFY2(!x.hasError(), qPrintable(x.errorString()));
        QCOMPARE(failures, 2);
        QCOMPARE(failed_names, (QStringList{"p50=25%", "p99=15ms"}));

        // Quiet: no table, the failed bounds on stderr, still 99.
        QVERIFY(set_latency(60));
        const CliRun q = load({"run", scenario_, "--quiet", "--baseline", a_, "--max-regression", "p50=25%"});
        QVERIFY(set_latency(20));
        QCOMPARE(q.code, 99);
        QVERIFY2(text(q.err).contains("redline-load: regression: p50 +"), q.err.constData());
        QVERIFY(!text(q.out).contains("comparison"));
    }

    void compare_command_on_two_files() {
        const CliRun aa = load({"compare", a_, b_, "--max-regression", kGate});
        QVERIFY2(aa.code == 0, qPrintable(text(aa.out) + text(aa.err)));
        const CliRun ab = load({"compare", a_, c_, "--max-regression", kGate});
        QCOMPARE(ab.code, 99);
        QVERIFY(text(ab.out).contains("FAIL p50=25%"));
        const CliRun js = load({"compare", a_, c_, "--max-regression", kGate, "-o", "json"});
        QCOMPARE(js.code, 99);
        const json j = json::parse(js.out.toStdString(), nullptr, false);
        QVERIFY2(!j.is_discarded(), js.out.constData());
        QCOMPARE(j["gate_failed"].get<bool>(), true);
        QCOMPARE(j["gate"].size(), std::size_t(4));
        bool p50 = false;
        for (const auto& f : j["figures"])
            if (f["key"] == "p50" && f["request"] == "") {
                p50 = true;
                QCOMPARE(f["verdict"].get<std::string>(), std::string("regressed"));
                QCOMPARE(f["unit"].get<std::string>(), std::string("ms"));
            }
        QVERIFY(p50);
        // Without a spec nothing is gated: exit 0 however the figures moved.
        QCOMPARE(load({"compare", a_, c_}).code, 0);
    }

    void baseline_from_another_scenario_warns() {
        const QString other = path("other-out.json");
        const CliRun r = load({"run", other_scenario_, "--quiet", "--out", other});
        QCOMPARE(r.code, 0);
        const CliRun w = load({"compare", a_, other});
        QCOMPARE(w.code, 0);
        QVERIFY2(text(w.out).contains("warning     scenario 'gate' vs 'other'"), w.out.constData());
        QVERIFY2(text(w.out).contains("request 'list' only in the baseline"), w.out.constData());
        const CliRun run = load({"run", other_scenario_, "--quiet", "--baseline", a_});
        QCOMPARE(run.code, 0);
        QVERIFY2(text(run.err).contains("the baseline is from scenario 'gate', this run is 'other'"),
                 run.err.constData());
    }

    void baseline_without_sketch() {
        json j = read_json(a_);
        j.erase("latency_sketch");
        for (auto& r : j["requests"])
            r.erase("latency_sketch");
        const QString old = path("old.json");
        write_file(old, j.dump());
        const CliRun r = load({"compare", old, b_, "--max-regression", "p99=50%,failed=1pp"});
        QCOMPARE(r.code, 99);  // p99 cannot be tested: not evaluated counts as failed
        QVERIFY2(text(r.out).contains("no latency_sketch"), r.out.constData());
        QVERIFY2(text(r.out).contains("p99: not evaluated: quantile values only"), r.out.constData());
        QCOMPARE(load({"compare", old, b_, "--max-regression", "failed=1pp"}).code, 0);
    }

    void bad_inputs_exit_2_before_the_run_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("spec without baseline")
            << QStringList{"--max-regression", "p99=10%"} << "--max-regression needs --baseline";
        QTest::newRow("bad spec") << QStringList{"--baseline", "A", "--max-regression", "p99=10%,rate=5%"}
                                  << "--max-regression: item 2 'rate=5%': rate is a drop: write rate=-5%";
        QTest::newRow("empty spec") << QStringList{"--baseline", "A", "--max-regression", ""}
                                    << "spec is empty";
        QTest::newRow("missing baseline") << QStringList{"--baseline", "/nonexistent/base.json"}
                                          << "--baseline /nonexistent/base.json: cannot be read";
        QTest::newRow("baseline not json") << QStringList{"--baseline", "NOTJSON"}
                                           << "is not a redline-load summary (--out): not valid JSON";
        QTest::newRow("baseline is a scenario")
            << QStringList{"--baseline", "SCENARIO"}
            << "is not a redline-load summary (--out): schema: is required";
        QTest::newRow("junit unwritable") << QStringList{"--junit", "/nonexistent/dir/j.xml"}
                                          << "--junit /nonexistent/dir/j.xml cannot be written";
        QTest::newRow("baseline needs value") << QStringList{"--baseline"} << "--baseline needs a value";
    }
    void bad_inputs_exit_2_before_the_run() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        write_file(path("notjson.txt"), "p50,p99\n1,2\n");
        // The scenario aims at a counting server: nothing may reach it.
        redline::test::LoadTestServer counter;
        json sc = read_json(scenario_);
        sc["target"] = counter.url();
        const QString target_scenario = path("counted.json");
        write_file(target_scenario, sc.dump());
        for (auto& a : args) {
            if (a == "A") a = a_;
            if (a == "NOTJSON") a = path("notjson.txt");
            if (a == "SCENARIO") a = scenario_;
        }
        const CliRun r = load(QStringList{"run", target_scenario} + args);
        QCOMPARE(r.code, 2);
        QVERIFY2(text(r.err).contains(message), r.err.constData());
        if (!text(r.err).contains("usage:")) QCOMPARE(text(r.err).count('\n'), 1);  // one clear line
        QCOMPARE(counter.connections.load(), std::uint64_t(0));
    }

    void compare_usage_errors() {
        QCOMPARE(load({"compare", a_}).code, 2);
        QCOMPARE(load({"compare", a_, b_, c_}).code, 2);
        const CliRun o = load({"compare", a_, b_, "-o", "yaml"});
        QCOMPARE(o.code, 2);
        QVERIFY(text(o.err).contains("-o must be table or json"));
        const CliRun u = load({"compare", a_, b_, "--fast"});
        QCOMPARE(u.code, 2);
        QVERIFY(text(u.err).contains("unknown option --fast"));
        const CliRun bad = load({"compare", a_, path("nothere.json")});
        QCOMPARE(bad.code, 2);
        QVERIFY(text(bad.err).contains("current"));
    }

    void failed_run_keeps_exit_1() {
        // Nothing listens on the target: a runtime error stays 1, and the comparison is skipped, saying so.
        json sc = read_json(scenario_);
        sc["target"] = "http://127.0.0.1:" + std::to_string(ChildProcess::free_port());
        sc["duration_s"] = 0.5;
        const QString dead = path("dead.json");
        write_file(dead, sc.dump());
        const CliRun r = load({"run", dead, "--quiet", "--baseline", a_, "--max-regression", "p50=25%"});
        QVERIFY2(r.code == 1, qPrintable(QString::number(r.code) + text(r.err)));
        QVERIFY2(text(r.err).contains("no comparison with the baseline"), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestLoadCompareCli)
#include "tst_load_compare_cli.moc"
