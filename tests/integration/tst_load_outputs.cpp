// redline-load's streaming outputs and CLI polish, as a process against the real sample server:
// --out json=FILE (NDJSON, docs/output-formats.md), --out csv=FILE (one row per second per request),
// --out requests=FILE (one row per request), --out FILE (the summary, unchanged), refusals before the run,
// complete lines after a kill, the non-TTY progress line, --quiet keeping the summary, the terminal summary
// and `run --help` / `run --version`.
#include <signal.h>
#include <sys/stat.h>

#include <QtTest>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tst_sample_support.h"

using redline::test::SampleServerProcess;
using json = nlohmann::json;

namespace {

QString binary() {
    return QString::fromUtf8(qgetenv("REDLINE_BINARY_DIR")) + "/app/redline-load";
}

struct Run {
    int code = -1;
    QString out, err;
};

QProcessEnvironment run_env() {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("REDLINE_SCENARIO_DIR", QString(REDLINE_SOURCE_DIR) + "/resources/scenarios");
    return env;
}

Run run(const QStringList& args, int timeout_ms = 60'000) {
    QProcess p;
    p.setProcessEnvironment(run_env());
    p.start(binary(), args);
    Run r;
    if (!p.waitForFinished(timeout_ms)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

QString write(QTemporaryDir& dir, const QString& name, const std::string& text) {
    const QString path = dir.filePath(name);
    std::ofstream(path.toStdString()) << text;
    return path;
}

std::vector<std::string> lines_of(const QString& path) {
    std::ifstream f(path.toStdString());
    std::vector<std::string> out;
    for (std::string l; std::getline(f, l);)
        out.push_back(l);
    return out;
}

std::string file_text(const QString& path) {
    std::ifstream f(path.toStdString());
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

/// RFC 4180 fields of one CSV line (quoted fields may hold commas and doubled quotes).
std::vector<std::string> csv_fields(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                out.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                out.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.emplace_back();
        } else {
            out.back() += c;
        }
    }
    return out;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
    for (std::size_t i = 0; i < header.size(); ++i)
        if (header[i] == name) return i;
    return header.size();
}

// Two requests, one with a comma and quotes in its name (CSV quoting), one slower than the timeout half the
// time (the canary gets +300 ms, the timeout is 150 ms): transport errors of kind "timeout".
std::string two_request_scenario(const QString& target, double duration_s, int rate) {
    json product = {{"name", "product, \"by id\""},
                    {"weight", 3},
                    {"path", "/v1/products/{1..1000}"},
                    {"api_keys", {"k1", "k2", "k3", "k4", "k5", "k6"}}};
    json list = {{"name", "list"}, {"weight", 1}, {"path", "/v1/products?page_size=5"}};
    json sc = {{"name", "outputs"},
               {"target", target.toStdString()},
               {"executor", "constant-arrival-rate"},
               {"rate", rate},
               {"duration_s", duration_s},
               {"connections", 16},
               {"timeout_ms", 150},
               {"requests", {product, list}},
               {"thresholds", {"p99 < 60s", "error_rate < 100%"}}};
    return sc.dump();
}

}  // namespace

class TestLoadOutputs : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase() {
        QVERIFY2(QFileInfo::exists(binary()), qPrintable(binary() + " is not built"));
        QVERIFY(srv_.start());
    }
    void cleanupTestCase() { srv_.stop(); }

    // The three streams of one run agree with its summary: NDJSON per-second counts add up to `completed`
    // (per request too), the CSV has one row per second per request, the requests file one row per request.
    void streams_add_up_to_the_summary() {
        redline::CanaryConfig canary;
        canary.weight_percent = 50;
        canary.faults.latency_ms = 300;
        QVERIFY(srv_.admin().set_canary(canary).ok());
        QTemporaryDir dir;
        const QString sc = write(dir, "s.json", two_request_scenario(srv_.api_url(), 3, 80));
        const QString nd = dir.filePath("seconds.ndjson"), csv = dir.filePath("seconds.csv"),
                      req = dir.filePath("requests.csv"), sum = dir.filePath("summary.json");
        const Run r = run({"run", sc, "--out", "json=" + nd, "--out", "csv=" + csv, "--out",
                           "requests=" + req, "--out", sum, "--quiet"});
        canary.weight_percent = 0;
        canary.faults.latency_ms = 0;
        QVERIFY(srv_.admin().set_canary(canary).ok());
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        const json s = json::parse(file_text(sum));
        const auto completed = s["completed"].get<std::uint64_t>();
        const auto transport = s["transport_errors"].get<std::uint64_t>();
        QVERIFY(completed > 150);
        QVERIFY2(s["transport_by_kind"].value("timeout", 0) > 0, s.dump().c_str());

        // NDJSON: run line first, end line last, every line an object of a documented type.
        const auto nl = lines_of(nd);
        QVERIFY(nl.size() > 4);
        std::map<std::string, std::uint64_t> per_request;
        std::uint64_t sum_completed = 0, sum_transport = 0, seconds = 0, seconds_completed = 0;
        double last_t = -1;
        for (std::size_t i = 0; i < nl.size(); ++i) {
            const json j = json::parse(nl[i], nullptr, false);
            QVERIFY2(j.is_object(), nl[i].c_str());
            const std::string type = j.value("type", "");
            if (i == 0) QCOMPARE(type, std::string("run"));
            if (i + 1 == nl.size()) QCOMPARE(type, std::string("end"));
            if (type == "request") {
                per_request[j["request"].get<std::string>()] += j["completed"].get<std::uint64_t>();
                sum_completed += j["completed"].get<std::uint64_t>();
                sum_transport += j["transport_errors"].get<std::uint64_t>();
                QVERIFY(j["t"].get<double>() >= last_t);
                if (j["completed"].get<std::uint64_t>() > j["transport_errors"].get<std::uint64_t>()) {
                    QVERIFY2(j["latency_ms"].is_object(), nl[i].c_str());
                    QVERIFY(j["latency_ms"]["p99"].get<double>() >= j["latency_ms"]["p50"].get<double>());
                    QVERIFY(j["latency_ms"]["max"].get<double>() >=
                            j["latency_uncorrected_ms"]["max"].get<double>() - 1e-3);
                } else {
                    QVERIFY2(j["latency_ms"].is_null(), nl[i].c_str());  // absence is not zero
                }
            } else if (type == "second") {
                ++seconds;
                QVERIFY(j["t"].get<double>() > last_t);
                last_t = j["t"].get<double>();
                seconds_completed += j["completed"].get<std::uint64_t>();
            } else if (type == "end") {
                QCOMPARE(j["completed"].get<std::uint64_t>(), completed);
                QCOMPARE(j["outcome"].get<std::string>(), std::string("passed"));
            } else {
                QCOMPARE(type, std::string("run"));
                QCOMPARE(j["scenario"].get<std::string>(), std::string("outputs"));
                QCOMPARE(j["requests"].size(), std::size_t(2));
            }
        }
        QCOMPARE(sum_completed, completed);
        QCOMPARE(seconds_completed, completed);
        QCOMPARE(sum_transport, transport);
        for (const auto& rq : s["requests"])
            QCOMPARE(per_request[rq["name"].get<std::string>()], rq["completed"].get<std::uint64_t>());
        QVERIFY(seconds >= 3);

        // CSV: the documented header, one row per second per request, counts add up.
        const auto cl = lines_of(csv);
        QVERIFY(!cl.empty());
        const auto header = csv_fields(cl[0]);
        QCOMPARE(
            QString::fromStdString(cl[0]),
            QStringLiteral("epoch,t_s,request,method,target,completed,errors,transport_errors,"
                           "rate_limited,status_2xx,status_3xx,status_4xx,status_5xx,min_ms,mean_ms,p50_ms,"
                           "p90_ms,p95_ms,p99_ms,p999_ms,max_ms,p50_uncorrected_ms,p99_uncorrected_ms,"
                           "max_uncorrected_ms,late,unsent,in_flight"));
        QCOMPARE(cl.size() - 1, std::size_t(seconds * 2));
        std::uint64_t csv_completed = 0;
        std::set<std::string> names;
        for (std::size_t i = 1; i < cl.size(); ++i) {
            const auto f = csv_fields(cl[i]);
            QCOMPARE(f.size(), header.size());
            csv_completed += std::stoull(f[column(header, "completed")]);
            names.insert(f[column(header, "request")]);
        }
        QCOMPARE(csv_completed, completed);
        QVERIFY(names.count("product, \"by id\""));

        // Requests: header + exactly one row per completed request (transport errors included).
        const auto rl = lines_of(req);
        QCOMPARE(
            QString::fromStdString(rl[0]),
            QStringLiteral("sent_unix_ns,intended_unix_ns,latency_ms,latency_uncorrected_ms,status,request,"
                           "method,error"));
        QCOMPARE(rl.size() - 1, std::size_t(completed));
        const auto rh = csv_fields(rl[0]);
        std::uint64_t errors = 0, ok200 = 0;
        std::int64_t prev_end = 0;
        for (std::size_t i = 1; i < rl.size(); ++i) {
            const auto f = csv_fields(rl[i]);
            QCOMPARE(f.size(), rh.size());
            const std::string err = f[column(rh, "error")];
            const int status = std::stoi(f[column(rh, "status")]);
            if (!err.empty()) {
                ++errors;
                QCOMPARE(status, 0);
                QCOMPARE(err, std::string("timeout"));
            }
            if (status == 200) ++ok200;
            const std::int64_t sent = std::stoll(f[column(rh, "sent_unix_ns")]);
            const std::int64_t intended = std::stoll(f[column(rh, "intended_unix_ns")]);
            QVERIFY(intended <= sent + 1'000'000);  // open model: intended before sent (clock rounding)
            const double corr = std::stod(f[column(rh, "latency_ms")]);
            const double unc = std::stod(f[column(rh, "latency_uncorrected_ms")]);
            QVERIFY2(corr + 1e-3 >= unc, rl[i].c_str());
            const std::int64_t end = sent + std::int64_t(unc * 1e6);
            QVERIFY2(end + 2'000'000 >= prev_end, rl[i].c_str());  // in order of completion (µs rounding)
            prev_end = std::max(prev_end, end);
        }
        QCOMPARE(errors, transport);
        QCOMPARE(ok200, s["by_status"].value("200", std::uint64_t(0)));
    }

    // Every problem is one line naming the option, exit 2, before anything is sent.
    void bad_outputs_exit_2_before_the_run_data() {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("message");
        QTest::newRow("json dir missing") << "json=@/no/such/dir/x.ndjson"
                                          << "--out json=";
        QTest::newRow("csv dir missing") << "csv=@/no/such/dir/x.csv"
                                         << "--out csv=";
        QTest::newRow("requests dir missing") << "requests=@/no/such/dir/x.csv"
                                              << "--out requests=";
        QTest::newRow("summary dir missing") << "@/no/such/dir/x.json"
                                             << "--out @/no/such/dir/x.json";
        QTest::newRow("unknown kind") << "xml=@/x.xml"
                                      << "unknown output kind 'xml'";
        QTest::newRow("empty path") << "json="
                                    << "--out json= needs a file";
        QTest::newRow("a directory") << "csv=@"
                                     << "--out csv=";
    }
    void bad_outputs_exit_2_before_the_run() {
        QFETCH(QString, spec);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const QString sc = write(dir, "s.json", two_request_scenario(srv_.api_url(), 1, 10));
        QTest::qWait(1100);  // the previous test's last second is closed
        const auto before = requests_seen();
        const Run r = run({"run", sc, "--out", QString(spec).replace("@", dir.path())});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QString(message).replace("@", dir.path())), qPrintable(r.err));
        QCOMPARE(r.err.trimmed().count('\n'), 0);  // one line
        QTest::qWait(1100);                        // the agent closes its second
        QVERIFY(requests_seen() <= before);
    }

    void same_file_twice_is_refused() {
        QTemporaryDir dir;
        const QString sc = write(dir, "s.json", two_request_scenario(srv_.api_url(), 1, 10));
        const QString f = dir.filePath("x");
        const Run r = run({"run", sc, "--out", "json=" + f, "--out", "csv=" + f});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("given twice"), qPrintable(r.err));
        // However it is spelled.
        const Run r2 = run({"run", sc, "--out", f, "--out", "requests=" + dir.path() + "/./sub/../x"});
        QCOMPARE(r2.code, 2);
        QVERIFY2(r2.err.contains("given twice"), qPrintable(r2.err));
    }

    // A FIFO nobody reads used to block the start for ever (open(2) waits for a reader): refused, exit 2.
    void fifo_without_reader_is_refused() {
        QTemporaryDir dir;
        const QString sc = write(dir, "s.json", two_request_scenario(srv_.api_url(), 1, 10));
        const QString fifo = dir.filePath("fifo");
        QCOMPARE(::mkfifo(fifo.toLocal8Bit().constData(), 0600), 0);
        const Run r = run({"run", sc, "--out", "csv=" + fifo}, 10'000);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("a FIFO nobody reads"), qPrintable(r.err));
    }

    // A disk that fills up during the run: reported after it, exit 1 (the run itself passed).
    void failed_writes_exit_1() {
        QTemporaryDir dir;
        const QString sc = write(dir, "s.json", two_request_scenario(srv_.api_url(), 1, 10));
        const Run r = run({"run", sc, "--quiet", "--out", "json=/dev/full"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("cannot write --out json=/dev/full: No space left on device"),
                 qPrintable(r.err));
        QVERIFY(r.out.contains("outcome    passed"));
    }

    // `tail -f` works (each second is flushed while the run goes) and a killed run leaves whole lines only
    // (the last one may be cut, nothing else).
    void killed_run_leaves_complete_lines() {
        QTemporaryDir dir;
        const QString sc = write(dir, "s.json", two_request_scenario(srv_.api_url(), 30, 200));
        const QString nd = dir.filePath("s.ndjson"), csv = dir.filePath("s.csv"), req = dir.filePath("r.csv");
        QProcess p;
        p.setProcessEnvironment(run_env());
        p.start(binary(), {"run", sc, "--out", "json=" + nd, "--out", "csv=" + csv, "--out",
                           "requests=" + req, "--quiet"});
        QVERIFY(p.waitForStarted());
        // Seconds appear while the run goes.
        QTRY_VERIFY_WITH_TIMEOUT(lines_of(nd).size() >= 6, 10'000);
        QVERIFY(lines_of(csv).size() >= 3);
        QVERIFY(lines_of(req).size() >= 100);
        ::kill(pid_t(p.processId()), SIGKILL);
        QVERIFY(p.waitForFinished(10'000));
        const auto nl = lines_of(nd);
        for (std::size_t i = 0; i + 1 < nl.size(); ++i)
            QVERIFY2(json::parse(nl[i], nullptr, false).is_object(), nl[i].c_str());
        const std::string text = file_text(nd);
        QVERIFY(text.empty() || text.back() == '\n');  // whole lines are written at once
        for (const QString& path : {csv, req}) {
            const auto l = lines_of(path);
            const std::size_t n = csv_fields(l[0]).size();
            for (std::size_t i = 1; i + 1 < l.size(); ++i)
                QCOMPARE(csv_fields(l[i]).size(), n);
            QVERIFY(file_text(path).back() == '\n');
        }
    }

    // SIGINT: the run ends (105) and the NDJSON file ends with its "end" line.
    void interrupted_run_ends_its_streams() {
        QTemporaryDir dir;
        const QString sc = write(dir, "s.json", two_request_scenario(srv_.api_url(), 30, 50));
        const QString nd = dir.filePath("s.ndjson");
        QProcess p;
        p.setProcessEnvironment(run_env());
        p.start(binary(), {"run", sc, "--out", "json=" + nd, "--quiet"});
        QVERIFY(p.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(lines_of(nd).size() >= 4, 10'000);
        ::kill(pid_t(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(15'000));
        QCOMPARE(p.exitCode(), 105);
        const auto nl = lines_of(nd);
        const json last = json::parse(nl.back());
        QCOMPARE(last["type"].get<std::string>(), std::string("end"));
        QCOMPARE(last["outcome"].get<std::string>(), std::string("stopped"));
        QCOMPARE(last["exit_code"].get<int>(), 105);
    }

    // stderr is a pipe here, not a terminal: one compact progress line every 5 s (11 s run: at 5 s and 10 s),
    // and --quiet hides it but never the summary.
    void progress_lines_when_stderr_is_not_a_terminal() {
        QTemporaryDir dir;
        const QString sc = write(dir, "s.json", two_request_scenario(srv_.api_url(), 11, 20));
        const Run r = run({"run", sc});
        QCOMPARE(r.code, 0);
        const QRegularExpression line(
            R"(^running \s*\d+s/11s  rate \d+\.\d/s of 20/s  p99 [\d.]+ms  errors [\d.]+%  in-flight \d+  unsent \d+$)",
            QRegularExpression::MultilineOption);
        int n = 0;
        for (auto it = line.globalMatch(r.err); it.hasNext(); it.next())
            ++n;
        QVERIFY2(n == 2, qPrintable(r.err));
        QVERIFY(!r.err.contains('\r'));
        QVERIFY(r.out.contains("outcome    passed"));

        const Run q = run({"run", sc, "--quiet", "--duration", "2s"});
        QCOMPARE(q.code, 0);
        QVERIFY2(!q.err.contains("running"), qPrintable(q.err));
        QVERIFY2(q.out.contains("outcome    passed"), qPrintable(q.out));
        QVERIFY(q.out.contains("latency"));
    }

    // The terminal summary: min/avg/p50/p90/p95/p99/p99.9/max corrected and uncorrected, thresholds with
    // ✓/✗ and units, full request names.
    void terminal_summary() {
        QTemporaryDir dir;
        const std::string name = "a rather long request name that used to be cut at 28 characters";
        const QString sc = write(dir, "s.json",
                                 R"({"name":"sum","target":")" + srv_.api_url().toStdString() +
                                     R"(","executor":"constant-arrival-rate","rate":30,"duration_s":1,
              "requests":[{"name":")" +
                                     name +
                                     R"(","path":"/v1/products/{1..100}","checks":[{"status":[200]}]}],
              "thresholds":["p99 < 60s","p50 < 0.001ms","error_rate < 5%"]})");
        const Run r = run({"run", sc});
        QCOMPARE(r.code, 99);
        QVERIFY2(r.out.contains(QString::fromStdString(name)), qPrintable(r.out));
        for (const char* col : {"min", "avg", "p50", "p90", "p95", "p99", "p99.9", "max"})
            QVERIFY2(r.out.contains(col), col);
        QVERIFY(r.out.contains("all (corrected)"));
        QVERIFY(r.out.contains("all (uncorrected)"));
        QVERIFY2(QRegularExpression(u8"✓ p99 < 60s .* observed [\\d.]+ ?(ms|s)\\b").match(r.out).hasMatch(),
                 qPrintable(r.out));
        QVERIFY2(
            QRegularExpression(u8"✗ p50 < 0.001ms .* observed [\\d.]+ ?(ms|s)\\b").match(r.out).hasMatch(),
            qPrintable(r.out));
        QVERIFY2(QRegularExpression(u8"✓ error_rate < 5% .* observed [\\d.]+%").match(r.out).hasMatch(),
                 qPrintable(r.out));
        QVERIFY2(QRegularExpression(u8"✓ .*status").match(r.out).hasMatch(), qPrintable(r.out));  // the check
    }

    void run_help_and_version() {
        const Run h = run({"run", "--help"});
        QCOMPARE(h.code, 0);
        for (const char* opt :
             {"--out json=FILE", "--out csv=FILE", "--out requests=FILE", "--quiet", "--rate", "--push"})
            QVERIFY2(h.out.contains(opt), opt);
        QVERIFY2(!h.out.contains("redline-load validate"), qPrintable(h.out));  // the options of run only
        const Run v = run({"run", "--version"});
        QCOMPARE(v.code, 0);
        QVERIFY(v.out.startsWith("redline-load "));
        QCOMPARE(run({"--version"}).out, v.out);
    }

  private:
    std::uint64_t requests_seen() {
        const auto s = srv_.admin().snapshot(60);
        return s.ok() ? s.value->total.requests : 0;
    }

    SampleServerProcess srv_;
};

QTEST_GUILESS_MAIN(TestLoadOutputs)
#include "tst_load_outputs.moc"
