// The upstream time of a forwarding host (issue 12): a second recorder attached to the main one is closed
// with it and read into every snapshot's "upstream" members, with the same quantiles a sketch of the same
// values gives; absent for series (and hosts) without upstream time, in the JSON too; the reader refuses a
// malformed member. The Agent wires it up through register_upstream_series()/record_upstream().
#include <QTemporaryDir>
#include <QTest>
#include <chrono>
#include <cstdint>
#include <vector>

#include "agents/agent/agent.h"
#include "agents/agent/recorder.h"
#include "core/snapshot.h"

using namespace std::chrono_literals;
using nlohmann::json;
using redline::LatencyQuantiles;
using redline::LatencySketch;
using redline::Snapshot;
using redline::agent::ConfigError;
using redline::agent::Recorder;

namespace {

constexpr std::int64_t kEpoch = 1'800'000'000;

/// 1..n ms in steps of 1 ms, scaled: distinct values over many sketch buckets.
std::vector<std::uint64_t> values(int n, std::uint64_t scale_ns) {
    std::vector<std::uint64_t> v;
    for (int i = 1; i <= n; ++i)
        v.push_back(std::uint64_t(i) * scale_ns);
    return v;
}

LatencyQuantiles quantiles_of(const std::vector<std::uint64_t>& v) {
    LatencySketch s;
    for (auto ns : v)
        s.add(ns);
    return LatencyQuantiles::from(s);
}

bool has_key_anywhere(const json& j, const std::string& key) {
    if (j.is_object()) {
        if (j.contains(key)) return true;
        for (const auto& [k, v] : j.items())
            if (has_key_anywhere(v, key)) return true;
    } else if (j.is_array()) {
        for (const auto& v : j)
            if (has_key_anywhere(v, key)) return true;
    }
    return false;
}

}  // namespace

class TestUpstreamLatency : public QObject {
    Q_OBJECT
  private slots:
    void snapshotCarriesExactUpstreamQuantiles() {
        Recorder main, up;
        const auto a = main.register_series("GET", "/a", "stable");
        const auto b = main.register_series("GET", "/b", "stable");
        // Registered in another order: matched by (method, route, version), not by index.
        const auto ub = up.register_series("GET", "/b", "stable");
        const auto ua = up.register_series("GET", "/a", "stable");
        main.attach_upstream(up);
        main.freeze();

        const auto total_a = values(200, 1'100'000), up_a = values(200, 1'000'000);
        for (std::size_t i = 0; i < total_a.size(); ++i) {
            main.record(a, 200, std::chrono::nanoseconds(total_a[i]));
            up.record(ua, 200, std::chrono::nanoseconds(up_a[i]));
        }
        for (auto ns : values(50, 3'000'000))
            main.record(b, 200, std::chrono::nanoseconds(ns));
        main.close_epoch(kEpoch);  // closes `up` too: it has no clock of its own

        const Snapshot s = main.snapshot(10);
        QCOMPARE(s.series.size(), std::size_t(2));
        QVERIFY(s.series[0].upstream.has_value());
        QCOMPARE(s.series[0].upstream->requests, std::uint64_t(200));
        QCOMPARE(s.series[0].upstream->latency, quantiles_of(up_a));
        QCOMPARE(*s.series[0].latency, quantiles_of(total_a));  // the main figures are untouched
        QVERIFY(s.series[0].upstream->latency.p99_ms < s.series[0].latency->p99_ms);
        // /b recorded no upstream time: no member, not zeros.
        QVERIFY(!s.series[1].upstream.has_value());
        QVERIFY(s.total.upstream.has_value());
        QCOMPARE(s.total.upstream->requests, std::uint64_t(200));
        QCOMPARE(s.total.upstream->latency, quantiles_of(up_a));

        // The windows of both recorders end at the same epoch: a later upstream sample of /b shows in its
        // window, and the 1 s window after an idle second has no upstream member at all.
        up.record(ub, 200, 7ms);
        main.close_epoch(kEpoch + 1);
        const Snapshot s2 = main.snapshot(1);
        QVERIFY(!s2.series[0].upstream.has_value());
        QVERIFY(s2.series[1].upstream.has_value());
        QCOMPARE(s2.series[1].upstream->requests, std::uint64_t(1));
        QCOMPARE(s2.total.upstream->requests, std::uint64_t(1));
        main.close_epoch(kEpoch + 2);
        const Snapshot s3 = main.snapshot(1);
        QVERIFY(!s3.series[1].upstream.has_value());
        QVERIFY(!s3.total.upstream.has_value());
        QCOMPARE(main.snapshot(3).total.upstream->requests, std::uint64_t(201));
    }

    void noUpstreamWithoutAttachment() {
        Recorder main;
        const auto a = main.register_series("GET", "/a", "stable");
        main.freeze();
        main.record(a, 200, 2ms);
        main.close_epoch(kEpoch);
        const Snapshot s = main.snapshot(5);
        QVERIFY(!s.series[0].upstream.has_value());
        QVERIFY(!s.total.upstream.has_value());
        QVERIFY(!has_key_anywhere(json(s), "upstream"));
    }

    void attachRules() {
        Recorder main, up;
        QVERIFY_THROWS_EXCEPTION(ConfigError, main.attach_upstream(main));
        main.register_series("GET", "/a", "stable");
        main.freeze();
        QVERIFY_THROWS_EXCEPTION(ConfigError, main.attach_upstream(up));
    }

    void jsonRoundTripAndRefusals() {
        Recorder main, up;
        const auto a = main.register_series("GET", "/a", "stable");
        const auto ua = up.register_series("GET", "/a", "stable");
        main.attach_upstream(up);
        main.freeze();
        main.record(a, 200, 5ms);
        up.record(ua, 200, 4ms);
        main.close_epoch(kEpoch);
        Snapshot s = main.snapshot(1);
        const json j = s;
        const json& u = j.at("series").at(0).at("upstream");
        QCOMPARE(u.at("requests").get<int>(), 1);
        for (const char* k : {"p50_ms", "p90_ms", "p95_ms", "p99_ms", "p999_ms", "max_ms", "mean_ms"})
            QVERIFY2(u.at(k).is_number(), k);
        QVERIFY(std::abs(u.at("p50_ms").get<double>() - 4.0) < 4.0 * LatencySketch::kRelativeError);
        std::string err;
        const auto back = redline::parse_snapshot(j.dump(), &err);
        QVERIFY2(back.has_value(), err.c_str());
        QCOMPARE(*back, s);

        json bad = j;
        bad["series"][0]["upstream"]["requests"] = 0;
        QVERIFY(!redline::parse_snapshot(bad.dump(), &err));
        QVERIFY2(err.find("requests") != std::string::npos, err.c_str());
        bad = j;
        bad["series"][0]["upstream"].erase("p99_ms");
        QVERIFY(!redline::parse_snapshot(bad.dump(), &err));
        QVERIFY2(err.find("p99_ms") != std::string::npos, err.c_str());
        bad = j;
        bad["series"][0]["upstream"] = 3;
        QVERIFY(!redline::parse_snapshot(bad.dump(), &err));
        QVERIFY2(err.find("upstream") != std::string::npos, err.c_str());
        // null reads as absent (a writer that spells absence as null).
        json null_up = j;
        null_up["series"][0]["upstream"] = nullptr;
        const auto n = redline::parse_snapshot(null_up.dump(), &err);
        QVERIFY(n.has_value());
        QVERIFY(!n->series[0].upstream.has_value());
    }

    void agentSnapshotHasUpstreamOnlyForForwardingHosts() {
        for (const bool forwarding : {true, false}) {
            QTemporaryDir dir;
            redline::agent::AgentOptions o;
            o.data_dir = dir.path().toStdString();
            o.admin_listen.clear();
            o.clock = false;
            redline::agent::Agent agent(o);
            const auto h = agent.register_series("GET", "/v1/x", "stable");
            redline::agent::SeriesHandle uh{};
            if (forwarding) uh = agent.register_upstream_series("GET", "/v1/x", "stable");
            agent.start();
            for (int i = 0; i < 10; ++i) {
                agent.record(h, 200, 12ms);
                if (forwarding) agent.record_upstream(uh, 200, 10ms);
            }
            agent.close_epoch(kEpoch);
            const json j = agent.snapshot(5);
            QCOMPARE(has_key_anywhere(j, "upstream"), forwarding);
            if (forwarding) {
                const double p50 = j.at("series").at(0).at("upstream").at("p50_ms").get<double>();
                QVERIFY2(std::abs(p50 - 10.0) < 10.0 * LatencySketch::kRelativeError, j.dump().c_str());
                QCOMPARE(j.at("total").at("upstream").at("requests").get<int>(), 10);
                // /metrics keeps its family too.
                QVERIFY(agent.metrics_text().find("redline_upstream_request_duration_seconds_count") !=
                        std::string::npos);
            } else {
                QVERIFY(agent.metrics_text().find("redline_upstream") == std::string::npos);
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestUpstreamLatency)
#include "tst_upstream_latency.moc"
