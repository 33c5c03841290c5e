// Absence is not zero (issue 10, item 6): a series with no requests has no latency and no error ratio.
// SeriesSnapshot::from leaves them out, the JSON writes null, the reader accepts null and reads the zeros of
// schema-1 agents with no requests as absent too. Everything is checked through JSON so the same test
// states the contract for any reader.
#include <QTest>

#include "core/snapshot.h"

using nlohmann::json;
using namespace redline;

namespace {

const char* const kLatencyKeys[] = {"p50_ms", "p90_ms", "p95_ms", "p99_ms", "p999_ms", "max_ms", "mean_ms"};

SeriesSnapshot idle_series() {
    return SeriesSnapshot::from("GET", "/v1/products/{id}", "canary", Counters{}, LatencySketch{}, 1, 0);
}

SeriesSnapshot busy_series() {
    Counters c;
    c.add_status(200, 95);
    c.add_status(500, 5);
    LatencySketch s;
    for (int i = 1; i <= 100; ++i)
        s.add(std::uint64_t(i) * 1'000'000);
    return SeriesSnapshot::from("GET", "/v1/products/{id}", "stable", c, s, 1, 0);
}

json snapshot_json(int schema, const json& series) {
    json total = series;
    total["method"] = total["route"] = total["version"] = "*";
    return json{{"schema", schema}, {"agent_id", "a"},    {"time_ms", 1},  {"epoch", 1},
                {"window_s", 1},    {"series", {series}}, {"total", total}};
}

}  // namespace

class TestSnapshotAbsence : public QObject {
    Q_OBJECT
  private slots:
    void idle_series_writes_null() {
        const json j = idle_series();
        QCOMPARE(j.at("requests").get<int>(), 0);
        QCOMPARE(j.at("rate_per_s").get<double>(), 0.0);  // a rate of zero is a true zero
        QVERIFY2(j.at("error_ratio").is_null(), j.dump().c_str());
        QVERIFY(j.at("cache_hit_ratio").is_null());
        for (const char* k : kLatencyKeys)
            QVERIFY2(j.at("latency").at(k).is_null(), k);
    }

    void busy_series_writes_numbers() {
        const json j = busy_series();
        QCOMPARE(j.at("error_ratio").get<double>(), 0.05);
        for (const char* k : kLatencyKeys)
            QVERIFY2(j.at("latency").at(k).is_number(), k);
        QVERIFY(j.at("latency").at("p50_ms").get<double>() > 40.0);
    }

    void null_fields_round_trip() {
        std::string err;
        const json in = snapshot_json(kSnapshotSchemaVersion, json(idle_series()));
        const auto snap = parse_snapshot(in.dump(), &err);
        QVERIFY2(snap, err.c_str());
        const json out = *snap;
        QVERIFY(out.at("series").at(0).at("error_ratio").is_null());
        QVERIFY(out.at("series").at(0).at("latency").at("p99_ms").is_null());
        QVERIFY(out.at("total").at("latency").at("p50_ms").is_null());
        QCOMPARE(*snap, *parse_snapshot(out.dump()));
    }

    // Agents of schema 1 wrote 0 for the latency and error ratio of a series without requests.
    void schema1_zeros_without_requests_read_as_absent() {
        json s = busy_series();
        s["requests"] = 0;
        s["errors"] = 0;
        s["rate_per_s"] = 0.0;
        s["by_class"] = json::object();
        s["by_code"] = json::object();
        s["error_ratio"] = 0.0;
        for (const char* k : kLatencyKeys)
            s["latency"][k] = 0.0;
        std::string err;
        const auto snap = parse_snapshot(snapshot_json(1, s).dump(), &err);
        QVERIFY2(snap, err.c_str());
        const json out = *snap;
        QVERIFY2(out.at("series").at(0).at("error_ratio").is_null(), out.dump().c_str());
        QVERIFY(out.at("series").at(0).at("latency").at("p50_ms").is_null());
        // With requests, schema 1 numbers stay numbers.
        const auto busy = parse_snapshot(snapshot_json(1, json(busy_series())).dump(), &err);
        QVERIFY2(busy, err.c_str());
        QVERIFY(json(*busy).at("series").at(0).at("latency").at("p50_ms").is_number());
    }

    void half_null_latency_is_refused() {
        json s = busy_series();
        s["latency"]["p99_ms"] = nullptr;
        std::string err;
        QVERIFY(!parse_snapshot(snapshot_json(kSnapshotSchemaVersion, s).dump(), &err));
        QVERIFY2(err.find("latency") != std::string::npos, err.c_str());
    }

    void wrong_types_are_still_refused() {
        json s = busy_series();
        s["error_ratio"] = "0";
        std::string err;
        QVERIFY(!parse_snapshot(snapshot_json(kSnapshotSchemaVersion, s).dump(), &err));
        QVERIFY2(err.find("error_ratio") != std::string::npos, err.c_str());
    }
};

QTEST_MAIN(TestSnapshotAbsence)
#include "tst_snapshot_absence.moc"
