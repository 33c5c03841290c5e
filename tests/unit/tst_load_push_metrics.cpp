// The families redline-load --push sends (agents/load_push/load_metrics.*) and the option checks of the
// Pushgateway client: requests by status class sum to the run's count, the histogram carries the sketch both
// as classic buckets and (in the protobuf bytes) as the schema-5 native histogram, the target gauge follows
// the model; URLs and grouping values are refused with a reason.
#include <google/protobuf/io/coded_stream.h>

#include <QTest>
#include <map>
#include <string>

#include "agents/agent/metrics.pb.h"
#include "agents/agent/metrics_protobuf.h"
#include "agents/agent/native_histogram.h"
#include "agents/load_push/load_metrics.h"
#include "agents/load_push/pushgateway_pusher.h"

using redline::load::RunTotals;
namespace pb = io::prometheus::client;

namespace {

RunTotals sample_totals(bool open_model) {
    RunTotals t;
    t.run_id = "r1";
    t.scenario = "unit";
    t.started_unix_ms = 1'700'000'000'000;
    t.open_model = open_model;
    t.target = open_model ? 250.0 : 8.0;
    t.unsent = 3;
    RunTotals::Request a{"fast", "GET", {}, {}};
    for (int i = 0; i < 50; ++i) {
        a.counters.add_result(200, false);
        a.corrected.add(std::uint64_t(1'000'000 + i * 20'000));  // 1..2 ms
    }
    a.counters.add_result(404, true);
    a.corrected.add(900'000);
    a.counters.add_result(0, true);  // no response: no latency
    RunTotals::Request b{"slow", "POST", {}, {}};
    for (int i = 0; i < 10; ++i) {
        b.counters.add_result(503, true);
        b.corrected.add(std::uint64_t(40'000'000 + i * 1'000'000));  // 40..49 ms
    }
    t.requests = {a, b};
    t.transport[std::size_t(redline::load::TransportError::Reset)] = 1;
    return t;
}

const prometheus::MetricFamily* find(const redline::agent::Exposition& e, const std::string& name) {
    for (const auto& f : e.families)
        if (f.name == name) return &f;
    return nullptr;
}

std::string label(const prometheus::ClientMetric& m, const std::string& name) {
    for (const auto& l : m.label)
        if (l.name == name) return l.value;
    return {};
}

std::map<std::string, pb::MetricFamily> decode(const std::string& bytes) {
    std::map<std::string, pb::MetricFamily> out;
    google::protobuf::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                              int(bytes.size()));
    std::uint32_t len = 0;
    while (in.ReadVarint32(&len)) {
        const auto limit = in.PushLimit(int(len));
        pb::MetricFamily f;
        if (!f.ParseFromCodedStream(&in) || !in.ConsumedEntireMessage()) return {};
        in.PopLimit(limit);
        out[f.name()] = f;
    }
    return out;
}

}  // namespace

class TestLoadPushMetrics : public QObject {
    Q_OBJECT
  private slots:
    void countersSumToTheRun() {
        const RunTotals t = sample_totals(true);
        const auto e = redline::load_push::load_exposition(t);
        const auto* req = find(e, "redline_load_requests_total");
        QVERIFY(req);
        QCOMPARE(req->type, prometheus::MetricType::Counter);
        std::map<std::string, double> by_request, by_class;
        for (const auto& m : req->metric) {
            by_request[label(m, "request")] += m.counter.value;
            by_class[label(m, "request") + " " + label(m, "status_class")] += m.counter.value;
        }
        QCOMPARE(by_request["fast"],
                 double(t.requests[0].counters.requests));  // 52, with the one without answer
        QCOMPARE(by_request["slow"], 10.0);
        QCOMPARE(by_class["fast 2xx"], 50.0);
        QCOMPARE(by_class["fast 4xx"], 1.0);
        QCOMPARE(by_class["fast none"], 1.0);
        QCOMPARE(by_class["slow 5xx"], 10.0);
        QVERIFY(by_class.count("slow 2xx"));  // always there, at 0, so a rate() starts from the first push
        const auto* failed = find(e, "redline_load_failed_requests_total");
        QVERIFY(failed && failed->metric.size() == 2);
        QCOMPARE(failed->metric[0].counter.value, 2.0);
        QCOMPARE(failed->metric[1].counter.value, 10.0);
        const auto* failures = find(e, "redline_load_failures_total");
        QVERIFY(failures);
        double reset = -1, tls = -1;
        for (const auto& m : failures->metric) {
            if (label(m, "kind") == "reset") reset = m.counter.value;
            if (label(m, "kind") == "tls") tls = m.counter.value;  // https targets' TLS failures, 0 here
        }
        QCOMPARE(reset, 1.0);
        QCOMPARE(tls, 0.0);
        QCOMPARE(failures->metric.size(), redline::load::kTransportKinds);
        QCOMPARE(find(e, "redline_load_unsent_requests")->metric[0].gauge.value, 3.0);
        QCOMPARE(find(e, "redline_load_run_finished")->metric[0].gauge.value, 0.0);
        QCOMPARE(find(e, "redline_load_run_start_timestamp_seconds")->metric[0].gauge.value, 1'700'000'000.0);
    }

    void targetFollowsTheModel() {
        const auto open = redline::load_push::load_exposition(sample_totals(true));
        QCOMPARE(find(open, "redline_load_target_requests_per_second")->metric[0].gauge.value, 250.0);
        QVERIFY(!find(open, "redline_load_target_vus"));
        auto closed_totals = sample_totals(false);
        closed_totals.final = true;
        const auto closed = redline::load_push::load_exposition(closed_totals);
        QCOMPARE(find(closed, "redline_load_target_vus")->metric[0].gauge.value, 8.0);
        QVERIFY(!find(closed, "redline_load_target_requests_per_second"));
        QCOMPARE(find(closed, "redline_load_run_finished")->metric[0].gauge.value, 1.0);
    }

    void histogramIsClassicAndNative() {
        const RunTotals t = sample_totals(true);
        const auto e = redline::load_push::load_exposition(t);
        QCOMPARE(e.native_family, std::string(redline::load_push::kLoadDurationFamily));
        const auto* d = find(e, redline::load_push::kLoadDurationFamily);
        QVERIFY(d);
        QCOMPARE(d->metric.size(), std::size_t(2));
        QCOMPARE(e.duration_native.size(), std::size_t(2));
        for (std::size_t i = 0; i < 2; ++i) {
            const auto& h = d->metric[i].histogram;
            QCOMPARE(h.sample_count, t.requests[i].corrected.count());
            QCOMPARE(h.bucket.size(), redline::agent::classic_duration_bounds_s().size() + 1);
            QCOMPARE(h.bucket.back().cumulative_count, t.requests[i].corrected.count());
            QCOMPARE(e.duration_native[i].count, t.requests[i].corrected.count());
        }
        // The bytes pushed: the duration family carries schema 5 and its spans; other families do not.
        const auto families = decode(redline::agent::serialize_metrics_protobuf(e));
        QCOMPARE(families.size(), e.families.size());
        const auto& pd = families.at(redline::load_push::kLoadDurationFamily);
        QCOMPARE(pd.type(), pb::HISTOGRAM);
        QCOMPARE(pd.metric(0).histogram().schema(), 5);
        QVERIFY(pd.metric(0).histogram().positive_span_size() > 0);
        QCOMPARE(pd.metric(1).histogram().sample_count(), std::uint64_t(10));
        std::map<std::string, std::string> labels;
        for (const auto& l : pd.metric(1).label())
            labels[l.name()] = l.value();
        QCOMPARE(labels, (std::map<std::string, std::string>{{"method", "POST"}, {"request", "slow"}}));
    }

    void urlsAndGroupingValues_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("ok");
        QTest::newRow("http") << "http://127.0.0.1:9091" << true;
        QTest::newRow("https prefix") << "https://pg.example.com/pushgateway/" << true;
        QTest::newRow("ftp") << "ftp://x" << false;
        QTest::newRow("no host") << "http://" << false;
        QTest::newRow("port only") << "http://:9091" << false;
        QTest::newRow("query") << "http://x:9091/?a=b" << false;
        QTest::newRow("user info") << "http://u:p@x:9091" << false;
    }
    void urlsAndGroupingValues() {
        QFETCH(QString, url);
        QFETCH(bool, ok);
        QCOMPARE(!redline::load_push::pushgateway_url_problem(url.toStdString()).has_value(), ok);
    }

    void groupingValues() {
        using redline::load_push::grouping_value_problem;
        QVERIFY(!grouping_value_problem("checkout-2026-12-02"));
        QVERIFY(!grouping_value_problem("host.example:1_a"));
        QVERIFY(grouping_value_problem(""));
        QVERIFY(grouping_value_problem("a/b"));
        QVERIFY(grouping_value_problem("a b"));
        QVERIFY(grouping_value_problem(std::string(129, 'x')));
        redline::load_push::PushOptions o;
        o.url = "http://pg:9091/";
        o.run_id = "r1";
        o.generator = "g1";
        QCOMPARE(redline::load_push::group_url(o),
                 std::string("http://pg:9091/metrics/job/redline-load/run_id/r1/instance/g1"));
    }
};

QTEST_APPLESS_MAIN(TestLoadPushMetrics)
#include "tst_load_push_metrics.moc"
