// The engine's per-request hook (EngineOptions::record_requests): every finished request reaches on_second
// exactly once as a RequestRecord, in order of completion within its second, with its transport error kind;
// and the Collector never lets the records into the run totals. Plus the pure formatting of
// core/load/outputs.
#include <QtTest>

#include "core/load/collector.h"
#include "core/load/engine.h"
#include "core/load/outputs.h"
#include "tst_load_server.h"

using namespace redline::load;
using nlohmann::json;
using redline::test::LoadTestServer;

namespace {

Scenario make(const json& j) {
    auto p = parse_scenario(j);
    if (!p.ok())
        qFatal("bad test scenario: %s %s", p.errors()[0].field.c_str(), p.errors()[0].message.c_str());
    return p.value();
}

}  // namespace

class TestLoadRecords : public QObject {
    Q_OBJECT
  private slots:
    void every_request_is_recorded_once() {
        LoadTestServer srv;
        const Scenario sc =
            make({{"name", "rec"},
                  {"target", srv.url()},
                  {"executor", "constant-arrival-rate"},
                  {"rate", 300},
                  {"duration_s", 2.5},
                  {"threads", 2},
                  {"connections", 8},
                  {"timeout_ms", 100},
                  {"requests", json::array({{{"name", "ok"}, {"weight", 3}, {"path", "/"}},
                                            {{"name", "slow"}, {"weight", 1}, {"path", "/slow/300"}}})}});
        std::vector<RequestRecord> all;
        std::uint64_t per_second_completed = 0;
        bool ordered = true;
        EngineOptions opt;
        opt.record_requests = true;
        opt.on_second = [&](const RunSecond& s) {
            for (std::size_t i = 1; i < s.records.size(); ++i)
                ordered = ordered && s.records[i - 1].done_ns <= s.records[i].done_ns;
            all.insert(all.end(), s.records.begin(), s.records.end());
            for (const auto& r : s.requests)
                per_second_completed += r.stats.counters.requests;
        };
        const Summary s = Engine::run(sc, opt);
        QCOMPARE(std::uint64_t(all.size()), s.completed);
        QCOMPARE(per_second_completed, s.completed);
        QVERIFY(ordered);
        std::uint64_t timeouts = 0, ok = 0;
        for (const auto& r : all) {
            QVERIFY(r.intended_ns <= r.sent_ns + 1'000'000);
            QVERIFY(r.sent_ns <= r.done_ns);
            if (r.status == 0) {
                QCOMPARE(int(r.error), int(TransportError::Timeout) + 1);
                QCOMPARE(r.request, std::uint32_t(1));
                ++timeouts;
            } else {
                QCOMPARE(r.status, std::uint16_t(200));
                QCOMPARE(r.error, std::uint8_t(0));
                ++ok;
            }
        }
        QCOMPARE(timeouts, s.transport_by_kind.at("timeout"));
        QCOMPARE(ok, s.by_status.at(200));
    }

    void records_are_off_by_default() {
        LoadTestServer srv;
        const Scenario sc = make({{"name", "norec"},
                                  {"target", srv.url()},
                                  {"executor", "constant-vus"},
                                  {"vus", 2},
                                  {"duration_s", 1},
                                  {"requests", json::array({{{"path", "/"}}})}});
        std::size_t records = 0;
        EngineOptions opt;
        opt.on_second = [&](const RunSecond& s) { records += s.records.size(); };
        const Summary s = Engine::run(sc, opt);
        QVERIFY(s.completed > 0);
        QCOMPARE(records, std::size_t(0));
    }

    // A stalled worker's records for a second already closed come with the next second; the run totals never
    // hold records.
    void late_records_move_to_the_next_second() {
        Collector c(1);
        EpochStats a;
        a.reset(1);
        a.epoch = 10;
        a.records.push_back({1, 2, 3, 0, 200, 0});
        a.any = true;
        c.add(a);
        auto closed = c.close_through(10);
        QCOMPARE(closed.size(), std::size_t(1));
        QCOMPARE(closed[0].records.size(), std::size_t(1));
        c.add(a);  // late: second 10 is closed
        closed = c.close_through(11);
        QCOMPARE(closed.size(), std::size_t(1));
        QCOMPARE(closed[0].epoch, std::int64_t(11));
        QCOMPARE(closed[0].records.size(), std::size_t(1));
        QCOMPARE(c.totals().records.size(), std::size_t(0));
        QCOMPARE(c.totals().requests[0].counters.requests, std::uint64_t(0));  // records are not counters
    }

    void output_specs() {
        std::string why;
        QCOMPARE(int(parse_output_spec("summary.json", &why)->kind), int(OutputKind::Summary));
        QCOMPARE(parse_output_spec("./a=b.json", &why)->path, std::string("./a=b.json"));
        QCOMPARE(int(parse_output_spec("json=x", &why)->kind), int(OutputKind::Json));
        QCOMPARE(parse_output_spec("requests=r=1.csv", &why)->path, std::string("r=1.csv"));
        QVERIFY(!parse_output_spec("xml=x", &why));
        QVERIFY2(why.find("unknown output kind 'xml'") != std::string::npos, why.c_str());
        QVERIFY(!parse_output_spec("JSON=x", &why));  // a typo is not a summary file named "JSON=x"
        QVERIFY(!parse_output_spec("csv=", &why));
        QVERIFY(!parse_output_spec("", &why));
    }

    void csv_quoting() {
        QCOMPARE(csv_field("plain"), std::string("plain"));
        QCOMPARE(csv_field("a,b"), std::string("\"a,b\""));
        QCOMPARE(csv_field("say \"hi\""), std::string("\"say \"\"hi\"\"\""));
        QCOMPARE(csv_field("two\nlines"), std::string("\"two\nlines\""));
    }

    // A second without responses has no latency: null in NDJSON, empty cells in CSV (absence is not zero).
    void empty_second_has_no_latency() {
        RunSecond s;
        s.epoch = 100;
        s.t_s = 1;
        RunSecond::Request r;
        r.name = "x";
        r.method = "GET";
        r.stats.counters.add_result(0, true);  // one transport error
        s.requests.push_back(r);
        const std::string nd = ndjson_second_lines(s);
        const auto first_nl = nd.find('\n');
        const json second = json::parse(nd.substr(0, first_nl));
        const json req = json::parse(nd.substr(first_nl + 1, nd.size() - first_nl - 2));
        QCOMPARE(second["type"].get<std::string>(), std::string("second"));
        QVERIFY(second["latency_ms"].is_null());
        QCOMPARE(req["transport_errors"].get<int>(), 1);
        QVERIFY(req["latency_ms"].is_null());
        const std::string row = csv_second_rows(s);
        QVERIFY2(row.find(",,,,,,,,,,,") != std::string::npos, row.c_str());
        const std::string header = csv_seconds_header();
        QCOMPARE(std::count(row.begin(), row.end(), ','), std::count(header.begin(), header.end(), ','));
    }
};

QTEST_GUILESS_MAIN(TestLoadRecords)
#include "tst_load_records.moc"
