// Think time, the data feeder and response correlation against the real sample server (port 0, temporary
// data dir): create an order per CSV row and fetch it by the extracted id (checked through the server), the
// unique feeder's end of run, a failed extraction that keeps the dependent request from being sent, think
// time lowering a closed model's rate without entering its latency, and `redline-load validate` naming
// fields.
#include <QProcess>
#include <QtTest>
#include <fstream>
#include <set>

#include "core/load/engine.h"
#include "tests/support/child_process.h"
#include "tst_sample_support.h"

using namespace redline;
using namespace redline::load;
using nlohmann::json;
using redline::test::SampleHttp;
using redline::test::SampleServerProcess;

namespace {

void write_file(const QString& path, const std::string& text) {
    std::ofstream out(path.toStdString(), std::ios::binary);
    out << text;
}

const CheckSummary* find_check(const Summary& s, const std::string& request, const std::string& name) {
    for (const auto& c : s.checks)
        if (c.request == request && c.name == name) return &c;
    return nullptr;
}

const RequestSummary* find_request(const Summary& s, const std::string& name) {
    for (const auto& r : s.requests)
        if (r.name == name) return &r;
    return nullptr;
}

std::string row_name(int i) {  // commas, quotes and spaces: CSV quoting in, JSON escaping out
    return "User " + std::to_string(i) + ", \"q\"";
}

json order_body(const std::string& customer) {
    return {{"customer", customer}, {"items", json::array({{{"product_id", 1}, {"quantity", 1}}})}};
}

}  // namespace

class TestLoadCorrelation : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase() { QVERIFY(server_.start({}, 50)); }

    // Each CSV row creates one order (POST), the VU fetches it by the id it extracted (GET) and writes what
    // it fetched back into a second order: the server then shows, for every row, that the fetched order was
    // the VU's own (the customer it read equals the row it sent), every row used exactly once, no 404.
    void create_then_read_by_extracted_id() {
        constexpr int kRows = 60;
        QTemporaryDir dir;
        std::string csv = "name,qty\r\n";
        for (int i = 1; i <= kRows; ++i) {
            std::string quoted;
            for (char ch : row_name(i))
                quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
            csv += "\"" + quoted + "\"," + std::to_string(i % 3 + 1) + "\r\n";
        }
        write_file(dir.filePath("users.csv"), csv);
        const json sc{
            {"name", "create-then-read"},
            {"target", server_.api_url().toStdString()},
            {"executor", "constant-vus"},
            {"vus", 3},
            {"duration_s", 30},
            {"flow", "sequence"},
            {"data", {{"file", "users.csv"}, {"mode", "unique"}}},
            {"requests",
             json::array(
                 {{{"name", "create"},
                   {"method", "POST"},
                   {"path", "/v1/orders"},
                   {"body", order_body("{{name}}")},
                   {"expect_status", 201},
                   {"extract", {{"order_id", {{"json", "/id"}}}, {"location", {{"header", "Location"}}}}}},
                  {{"name", "read"},
                   {"path", "/v1/orders/{{order_id}}"},
                   {"expect_status", 200},
                   {"extract", {{"fetched", {{"json", "/customer"}}}}}},
                  {{"name", "confirm"},
                   {"method", "POST"},
                   {"path", "/v1/orders"},
                   {"headers", {{"X-Order", "{{location}}"}}},
                   {"body", order_body("{{fetched}}|{{name}}")},
                   {"expect_status", 201}}})}};
        write_file(dir.filePath("ctr.json"), sc.dump());
        auto parsed = load_scenario_file(dir.filePath("ctr.json").toStdString());
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.errors()[0].message.c_str());
        const Summary s = Engine::run(parsed.value());
        QCOMPARE(s.outcome, RunOutcome::Passed);
        QVERIFY2(s.reason.find("all 60 data rows used (mode unique)") != std::string::npos, s.reason.c_str());
        QVERIFY2(s.duration_s < 20,
                 qPrintable(QString::number(s.duration_s)));  // ended by the data, not time
        QCOMPARE(s.errors, std::uint64_t(0));
        QCOMPARE(s.by_status.size(), std::size_t(2));
        QCOMPARE(s.by_status.at(201), std::uint64_t(2 * kRows));
        QCOMPARE(s.by_status.at(200), std::uint64_t(kRows));
        QCOMPARE(find_request(s, "read")->completed, std::uint64_t(kRows));
        const auto* ex = find_check(s, "create", "extract order_id from json /id");
        QVERIFY(ex);
        QCOMPARE(ex->passes, std::uint64_t(kRows));
        QCOMPARE(ex->fails, std::uint64_t(0));
        QCOMPARE(find_check(s, "read", "variables set: order_id")->passes, std::uint64_t(kRows));
        QCOMPARE(find_check(s, "confirm", "variables set: location fetched")->passes, std::uint64_t(kRows));

        // Through the server: orders 1..120 exist, 121 does not.
        SampleHttp http(server_.api_url());
        std::multiset<std::string> created, confirmed;
        for (int id = 1; id <= 2 * kRows; ++id) {
            const auto r = http.request("GET", "/v1/orders/" + std::to_string(id));
            QCOMPARE(r.status, 200);
            const std::string customer = r.json()["customer"].get<std::string>();
            (customer.find('|') == std::string::npos ? created : confirmed).insert(customer);
        }
        QCOMPARE(http.request("GET", "/v1/orders/" + std::to_string(2 * kRows + 1)).status, 404);
        std::multiset<std::string> want, want_confirmed;
        for (int i = 1; i <= kRows; ++i) {
            want.insert(row_name(i));
            want_confirmed.insert(row_name(i) + "|" + row_name(i));
        }
        QCOMPARE(created, want);              // every row exactly once (unique), sent JSON-escaped
        QCOMPARE(confirmed, want_confirmed);  // each VU read back the very order it created
    }

    // The extraction finds nothing: the request that needs the value is never sent (no GET reaches the
    // server, so no 400/404 either); both the extraction and the "variables set" check count the failures.
    void missing_variable_is_not_sent() {
        const json sc{{"name", "missing"},
                      {"target", server_.api_url().toStdString()},
                      {"executor", "constant-vus"},
                      {"vus", 2},
                      {"duration_s", 1.5},
                      {"flow", "sequence"},
                      {"requests", json::array({{{"name", "create"},
                                                 {"method", "POST"},
                                                 {"path", "/v1/orders"},
                                                 {"body", order_body("nobody")},
                                                 {"think", "20ms"},
                                                 {"extract", {{"order_id", {{"json", "/order/id"}}}}}},
                                                {{"name", "read"}, {"path", "/v1/orders/{{order_id}}"}}})}};
        auto p = parse_scenario(sc);
        QVERIFY(p.ok());
        const Summary s = Engine::run(p.value());
        QCOMPARE(s.outcome, RunOutcome::Passed);
        const auto creates = find_request(s, "create")->completed;
        QVERIFY2(creates >= 20, qPrintable(QString::number(creates)));
        QCOMPARE(find_request(s, "read")->completed, std::uint64_t(0));
        QCOMPARE(s.by_status.size(), std::size_t(1));  // only 201s: nothing else was sent
        QCOMPARE(s.by_status.at(201), creates);
        const auto* ex = find_check(s, "create", "extract order_id from json /order/id");
        QCOMPARE(ex->passes, std::uint64_t(0));
        QCOMPARE(ex->fails, creates);
        const auto* vars = find_check(s, "read", "variables set: order_id");
        QCOMPARE(vars->passes, std::uint64_t(0));
        // One skipped read per finished create (the last creates may end with the run).
        QVERIFY2(vars->fails + 2 >= creates && vars->fails <= creates,
                 qPrintable(QString("%1 of %2").arg(vars->fails).arg(creates)));
        QVERIFY(s.checks_rate < 0.01);
    }

    // Think time paces a closed model: 2 VUs with 100 ms after each response send about 2 x 10/s; without it
    // they send far more. The pause never enters the latency.
    void think_time_paces_a_closed_model() {
        auto run = [&](const json& think) {
            json r{{"path", "/v1/products/{1..50}"}};
            if (!think.is_null()) r["think"] = think;
            const json sc{{"name", "think"},
                          {"target", server_.api_url().toStdString()},
                          {"executor", "constant-vus"},
                          {"vus", 2},
                          {"duration_s", 2},
                          {"requests", json::array({r})}};
            auto p = parse_scenario(sc);
            if (!p.ok()) qFatal("bad scenario");
            return Engine::run(p.value());
        };
        const Summary fixed = run("100ms");
        QCOMPARE(fixed.errors, std::uint64_t(0));
        // 2 VUs x 2 s / (100 ms + a fraction of a millisecond per request)
        QVERIFY2(fixed.completed >= 30 && fixed.completed <= 42,
                 qPrintable(QString::number(fixed.completed)));
        QVERIFY2(fixed.latency.p99_ms < 50, qPrintable(QString::number(fixed.latency.p99_ms)));
        const Summary ranged = run(json{{"min", "50ms"}, {"max", "150ms"}});  // 100 ms on average
        QVERIFY2(ranged.completed >= 26 && ranged.completed <= 50,
                 qPrintable(QString::number(ranged.completed)));
        QVERIFY2(ranged.latency.p99_ms < 50, qPrintable(QString::number(ranged.latency.p99_ms)));
        const Summary none = run(json());
        QVERIFY2(none.completed > 10 * fixed.completed,
                 qPrintable(QString("%1 vs %2").arg(none.completed).arg(fixed.completed)));
    }

    // A sequential feeder that stops after its rows (on_exhausted "stop") in the open model: one request per
    // row, in order, then the run ends.
    void sequential_stop_in_the_open_model() {
        json rows = json::array();
        for (int i = 1; i <= 25; ++i)
            rows.push_back({{"pid", i}});
        const json sc{{"name", "seq"},
                      {"target", server_.api_url().toStdString()},
                      {"executor", "constant-arrival-rate"},
                      {"rate", 50},
                      {"duration_s", 10},
                      {"data", {{"rows", rows}, {"on_exhausted", "stop"}}},
                      {"requests", json::array({{{"path", "/v1/products/{{pid}}"}}})}};
        auto p = parse_scenario(sc);
        QVERIFY(p.ok());
        const Summary s = Engine::run(p.value());
        QCOMPARE(s.outcome, RunOutcome::Passed);
        QVERIFY2(s.reason.find("all 25 data rows used (mode sequential)") != std::string::npos,
                 s.reason.c_str());
        QCOMPARE(s.completed, std::uint64_t(25));
        QCOMPARE(s.by_status.at(200), std::uint64_t(25));
        QVERIFY2(s.duration_s < 3, qPrintable(QString::number(s.duration_s)));
    }

    // The CLI: field-level errors and exit code 2; a good scenario with its data is valid.
    void validate_names_fields() {
        QTemporaryDir dir;
        write_file(dir.filePath("users.csv"), "user_id,name\n1,a\n2,b\n");
        json sc{{"name", "v"},
                {"executor", "constant-vus"},
                {"vus", 1},
                {"duration_s", 1},
                {"flow", "sequence"},
                {"data", {{"file", "users.csv"}}},
                {"requests", json::array({{{"path", "/u/{{user_id}}"}, {"think", "1s"}},
                                          {{"name", "b"}, {"path", "/o/{{uid}}"}}})}};
        write_file(dir.filePath("bad.json"), sc.dump());
        sc["requests"][1]["path"] = "/o/{{name}}";
        write_file(dir.filePath("good.json"), sc.dump());
        write_file(dir.filePath("ragged.csv"),
                   "a,b,c,d\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3\n");
        sc["data"]["file"] = "ragged.csv";
        write_file(dir.filePath("ragged.json"), sc.dump());
        auto validate = [&](const char* file, QString* err) {
            QProcess proc;
            proc.start(redline::test::ChildProcess::binary("app/redline-load"),
                       {"validate", dir.filePath(file)});
            proc.waitForFinished(20000);
            *err = QString::fromUtf8(proc.readAllStandardError() + proc.readAllStandardOutput());
            return proc.exitCode();
        };
        QString out;
        QCOMPARE(validate("bad.json", &out), 2);
        QVERIFY2(
            out.contains("requests[1].path: variable \"uid\" is not a column of data.file (columns: user_id, "
                         "name) and no earlier request extracts it"),
            qPrintable(out));
        QCOMPARE(validate("ragged.json", &out), 2);
        QVERIFY2(out.contains("data.file: ragged.csv: line 7 has 3 fields, header has 4"), qPrintable(out));
        QCOMPARE(validate("good.json", &out), 0);
        QVERIFY2(out.contains("v: valid") && out.contains("2 data rows (users.csv, sequential)"),
                 qPrintable(out));
    }

  private:
    SampleServerProcess server_;
};

QTEST_GUILESS_MAIN(TestLoadCorrelation)
#include "tst_load_correlation.moc"
