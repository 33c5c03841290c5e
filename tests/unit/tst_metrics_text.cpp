// /metrics text from the recorder's Collectable: the real `promtool check metrics` reports nothing, and the
// parsed samples match what was recorded.
#include <QProcess>
#include <QTest>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agents/agent/metrics_collectable.h"
#include "agents/agent/recorder.h"
#include "tests/support/prometheus_text.h"

using namespace std::chrono_literals;
using redline::agent::CacheOutcome;
using redline::agent::MetricsCollectable;
using redline::agent::RateLimitOutcome;
using redline::agent::Recorder;

namespace {

using Labels = std::map<std::string, std::string>;

using Sample = redline::test::PromSample;

/// The sample lines of the text format (tests/support/prometheus_text.h); *error says why on a malformed one.
std::vector<Sample> parse(const std::string& text, QString* error) {
    std::string why;
    auto out = redline::test::parse_prometheus_text(text, &why);
    if (!why.empty()) {
        *error = QString::fromStdString(why);
        return {};
    }
    return out;
}

std::optional<double> find(const std::vector<Sample>& samples, const std::string& name,
                           const Labels& labels) {
    for (const auto& s : samples) {
        if (s.name != name) continue;
        bool match = true;
        for (const auto& [k, v] : labels) {
            auto it = s.labels.find(k);
            if (it == s.labels.end() || it->second != v) match = false;
        }
        if (match && s.labels.size() == labels.size()) return s.value;
    }
    return std::nullopt;
}

double sum_of(const std::vector<Sample>& samples, const std::string& name, const Labels& subset) {
    double total = 0;
    for (const auto& s : samples) {
        if (s.name != name) continue;
        bool match = true;
        for (const auto& [k, v] : subset) {
            auto it = s.labels.find(k);
            if (it == s.labels.end() || it->second != v) match = false;
        }
        if (match) total += s.value;
    }
    return total;
}

struct PromtoolResult {
    int exit_code = -1;
    QByteArray output;
};

PromtoolResult promtool_check(const std::string& text) {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral(REDLINE_PROMTOOL), {QStringLiteral("check"), QStringLiteral("metrics")});
    if (!p.waitForStarted(10'000)) return {};
    p.write(text.data(), qint64(text.size()));
    p.closeWriteChannel();
    if (!p.waitForFinished(30'000)) {
        p.kill();
        p.waitForFinished();
        return {};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAll()};
}

Labels series(const std::string& method, const std::string& route, const std::string& version) {
    return {{"http_request_method", method}, {"http_route", route}, {"version", version}};
}

Labels plus(Labels l, const std::string& k, const std::string& v) {
    l[k] = v;
    return l;
}

}  // namespace

class TestMetricsText : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase();
    void promtoolAcceptsAndCountsMatch();
    void manyStatusCodesStillSumToCount();
    void escapedLabelValues();
    void emptyBeforeTraffic();
};

void TestMetricsText::initTestCase() {
    if (QByteArray(REDLINE_PROMTOOL).isEmpty())
        QFAIL("promtool not found at configure time (install prometheus)");
}

void TestMetricsText::promtoolAcceptsAndCountsMatch() {
    Recorder r;
    const auto get_s = r.register_series("GET", "/v1/products/{id}", "stable");
    const auto get_c = r.register_series("GET", "/v1/products/{id}", "canary");
    const auto post = r.register_series("POST", "/v1/orders", "stable");
    r.freeze();

    // GET stable: 10 x 1 ms hits, 5 x 3 ms misses, 2 x 20 ms 404, 1 x 2 s 503, 3 x 200 us 429.
    for (int i = 0; i < 10; ++i)
        r.record(get_s, 200, 1ms, CacheOutcome::Hit);
    for (int i = 0; i < 5; ++i)
        r.record(get_s, 200, 3ms, CacheOutcome::Miss);
    r.record(get_s, 404, 20ms);
    r.record(get_s, 404, 20ms);
    r.close_epoch(1000);  // totals span several epochs
    r.record(get_s, 503, 2s);
    for (int i = 0; i < 3; ++i) {
        r.record_rate_limit(get_s, RateLimitOutcome::Rejected);
        r.record(get_s, 429, 200us);
    }
    for (int i = 0; i < 18; ++i)
        r.record_rate_limit(get_s, RateLimitOutcome::Allowed);
    r.record_rate_limit(get_s, RateLimitOutcome::ShadowRejected);
    // GET canary: 4 x 40 ms.
    for (int i = 0; i < 4; ++i)
        r.record(get_c, 200, 40ms);
    // POST: 2 in flight, 1 finished with 201 in 120 ms.
    r.request_started(post);
    r.request_started(post);
    r.request_started(post);
    r.record(post, 201, 120ms);
    r.request_finished(post);
    r.close_epoch(1001);

    auto collectable = redline::agent::make_metrics_collectable(r, "redline-test");
    const std::string text = redline::agent::metrics_text(*collectable);
    qInfo("%s", text.substr(0, 600).c_str());

    const PromtoolResult check = promtool_check(text);
    QCOMPARE(check.exit_code, 0);
    QCOMPARE(check.output, QByteArray());  // no lint findings at all

    QString error;
    const auto samples = parse(text, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const Labels gs = series("GET", "/v1/products/{id}", "stable");
    const Labels gc = series("GET", "/v1/products/{id}", "canary");
    const Labels ps = series("POST", "/v1/orders", "stable");
    const std::string code = "http_response_status_code";

    QCOMPARE(find(samples, "http_server_requests_total", plus(gs, code, "200")), 15.0);
    QCOMPARE(find(samples, "http_server_requests_total", plus(gs, code, "404")), 2.0);
    QCOMPARE(find(samples, "http_server_requests_total", plus(gs, code, "503")), 1.0);
    QCOMPARE(find(samples, "http_server_requests_total", plus(gs, code, "429")), 3.0);
    QCOMPARE(find(samples, "http_server_requests_total", plus(gc, code, "200")), 4.0);
    QCOMPARE(find(samples, "http_server_requests_total", plus(ps, code, "201")), 1.0);
    QCOMPARE(sum_of(samples, "http_server_requests_total", {}), 26.0);

    // Histogram: count, sum and cumulative buckets of GET stable.
    const std::string h = "http_server_request_duration_seconds";
    QCOMPARE(find(samples, h + "_count", gs), 21.0);
    const double sum = 10 * 0.001 + 5 * 0.003 + 2 * 0.020 + 2.0 + 3 * 0.0002;
    QVERIFY(std::abs(*find(samples, h + "_sum", gs) - sum) < 1e-9);
    // Bounds are 2^(k/4) s; le is looked up by value. A sketch bucket counts where its midpoint falls, so a
    // value within half a sketch bucket (0.78 %) of a bound may land on either side: 2 s itself is in the
    // sketch bucket [1.9965, 2.0133) s, whose midpoint is above 2, so it counts in le=2^1.25, not le=2.
    const auto bucket = [&](const Labels& l, double k4) -> std::optional<double> {
        for (const auto& s : samples) {
            if (s.name != h + "_bucket") continue;
            Labels rest = s.labels;
            const auto le = rest.find("le");
            if (le == rest.end() || std::abs(std::stod(le->second) / std::exp2(k4 / 4.0) - 1) > 1e-12)
                continue;
            rest.erase(le);
            if (rest == l) return s.value;
        }
        return std::nullopt;
    };
    QCOMPARE(bucket(gs, -44), 3.0);   // 0.49 ms: the 200 us ones
    QCOMPARE(bucket(gs, -40), 3.0);   // 0.98 ms: not yet the 1 ms ones
    QCOMPARE(bucket(gs, -39), 13.0);  // 1.16 ms
    QCOMPARE(bucket(gs, -34), 13.0);  // 2.78 ms
    QCOMPARE(bucket(gs, -33), 18.0);  // 3.28 ms
    QCOMPARE(bucket(gs, -23), 18.0);  // 18.6 ms
    QCOMPARE(bucket(gs, -22), 20.0);  // 22.1 ms
    QCOMPARE(bucket(gs, 4), 20.0);    // 2 s
    QCOMPARE(bucket(gs, 5), 21.0);    // 2.38 s
    QCOMPARE(find(samples, h + "_bucket", plus(gs, "le", "+Inf")), 21.0);
    QCOMPARE(find(samples, h + "_count", gc), 4.0);
    QCOMPARE(bucket(gc, -19), 0.0);  // 37.2 ms
    QCOMPARE(bucket(gc, -18), 4.0);  // 44.2 ms
    // Every histogram has the documented bucket count and is cumulative.
    const auto bounds = MetricsCollectable::bucket_bounds_s();
    for (const Labels& l : {gs, gc, ps}) {
        double prev = 0;
        int n = 0;
        for (const auto& s : samples) {
            if (s.name != h + "_bucket" || s.labels.at("http_route") != l.at("http_route") ||
                s.labels.at("version") != l.at("version") ||
                s.labels.at("http_request_method") != l.at("http_request_method"))
                continue;
            QVERIFY(s.value >= prev);
            prev = s.value;
            ++n;
        }
        QCOMPARE(n, int(bounds.size()) + 1);
    }

    QCOMPARE(find(samples, "http_server_active_requests", ps), 2.0);
    QCOMPARE(find(samples, "http_server_active_requests", gs), 0.0);
    QCOMPARE(find(samples, "redline_cache_lookups_total", plus(gs, "result", "hit")), 10.0);
    QCOMPARE(find(samples, "redline_cache_lookups_total", plus(gs, "result", "miss")), 5.0);
    QCOMPARE(find(samples, "redline_cache_lookups_total", plus(gc, "result", "hit")), 0.0);
    QCOMPARE(find(samples, "redline_rate_limit_decisions_total", plus(gs, "decision", "allowed")), 18.0);
    QCOMPARE(find(samples, "redline_rate_limit_decisions_total", plus(gs, "decision", "rejected")), 3.0);
    QCOMPARE(find(samples, "redline_rate_limit_decisions_total", plus(gs, "decision", "shadow_rejected")),
             1.0);
    QCOMPARE(
        find(samples, "target_info", {{"service_name", "redline-test"}, {"telemetry_sdk_name", "redline"}}),
        1.0);
    QVERIFY(text.find("# TYPE http_server_request_duration_seconds histogram") != std::string::npos);
    QVERIFY(text.find("# TYPE http_server_requests_total counter") != std::string::npos);
    QVERIFY(text.find("# TYPE http_server_active_requests gauge") != std::string::npos);
}

void TestMetricsText::manyStatusCodesStillSumToCount() {
    Recorder r;
    const auto h = r.register_series("GET", "/a", "stable");
    r.freeze();
    // 30 distinct codes (more than Counters::kMaxCodes), plus one outside 100..599.
    std::uint64_t n = 0;
    for (int code = 200; code < 230; ++code)
        for (int i = 0; i <= code - 200; ++i, ++n)
            r.record(h, code, 1ms);
    r.record(h, 999, 1ms);
    ++n;
    r.close_epoch(1);
    const std::string text =
        redline::agent::metrics_text(*redline::agent::make_metrics_collectable(r, "svc"));
    const PromtoolResult check = promtool_check(text);
    QCOMPARE(check.exit_code, 0);
    QCOMPARE(check.output, QByteArray());
    QString error;
    const auto samples = parse(text, &error);
    QVERIFY(error.isEmpty());
    QCOMPARE(sum_of(samples, "http_server_requests_total", {}), double(n));
    QCOMPARE(find(samples, "http_server_request_duration_seconds_count", series("GET", "/a", "stable")),
             double(n));
    QCOMPARE(sum_of(samples, "http_server_requests_total", {{"http_response_status_code", "other"}}), 1.0);
    QVERIFY(sum_of(samples, "http_server_requests_total", {{"http_response_status_code", "2xx"}}) > 0);
}

void TestMetricsText::escapedLabelValues() {
    Recorder r;
    const std::string route = "/v1/odd\"route\\with\nescapes";
    const auto h = r.register_series("GET", route, "stable");
    r.freeze();
    r.record(h, 200, 5ms);
    r.close_epoch(1);
    const std::string text =
        redline::agent::metrics_text(*redline::agent::make_metrics_collectable(r, "svc \"quoted\""));
    const PromtoolResult check = promtool_check(text);
    QCOMPARE(check.exit_code, 0);
    QCOMPARE(check.output, QByteArray());
    QString error;
    const auto samples = parse(text, &error);
    QVERIFY(error.isEmpty());
    QCOMPARE(find(samples, "http_server_requests_total",
                  plus(series("GET", route, "stable"), "http_response_status_code", "200")),
             1.0);
    QCOMPARE(
        find(samples, "target_info", {{"service_name", "svc \"quoted\""}, {"telemetry_sdk_name", "redline"}}),
        1.0);
}

void TestMetricsText::emptyBeforeTraffic() {
    Recorder r;
    r.register_series("GET", "/a", "stable");
    r.freeze();
    const std::string text =
        redline::agent::metrics_text(*redline::agent::make_metrics_collectable(r, "svc"));
    const PromtoolResult check = promtool_check(text);
    QCOMPARE(check.exit_code, 0);
    QCOMPARE(check.output, QByteArray());
    QString error;
    const auto samples = parse(text, &error);
    QCOMPARE(find(samples, "http_server_request_duration_seconds_count", series("GET", "/a", "stable")), 0.0);
    QCOMPARE(find(samples, "http_server_active_requests", series("GET", "/a", "stable")), 0.0);
    QCOMPARE(sum_of(samples, "http_server_requests_total", {}), 0.0);
}

QTEST_GUILESS_MAIN(TestMetricsText)
#include "tst_metrics_text.moc"
