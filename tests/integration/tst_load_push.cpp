// A distributed load run through Prometheus: three redline-load processes with one --run-id push to a real
// Pushgateway (Debian's prometheus-pushgateway 1.5.1) that a real Prometheus with native histograms scrapes
// with honor_labels. The Pushgateway holds one group per generator; Prometheus' request count is the sum of
// the generators' own counts; its p99 over the final cumulative native histogram is the one the merged
// corrected-latency sketches of the three summaries predict, within the re-bucketing bound of
// docs/metrics.md. And a push to an address where nothing listens: the run completes with its own exit code,
// one warning line, and the summary says the pushes failed.
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTest>
#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "agents/agent/native_histogram.h"
#include "core/prometheus_client.h"
#include "core/prometheus_fleet.h"
#include "core/sketch.h"
#include "tests/support/child_process.h"
#include "tests/support/prometheus_server.h"
#include "tests/support/raw_http.h"
#include "tst_load_server.h"

using namespace std::chrono_literals;
using nlohmann::json;
using redline::LatencySketch;
using redline::test::ChildProcess;
using redline::test::LoadTestServer;
using redline::test::PrometheusServer;

namespace {

constexpr const char* kPushgateway = "/usr/bin/prometheus-pushgateway";

QString load_binary() {
    return QString::fromUtf8(qgetenv("REDLINE_BINARY_DIR")) + "/app/redline-load";
}

/// A real Pushgateway on 127.0.0.1 (in memory: no --persistence.file). Stopped by the destructor.
class Pushgateway {
  public:
    ~Pushgateway() {
        if (proc_) {
            proc_->terminate();
            if (!proc_->waitForFinished(5000)) proc_->kill();
            proc_->waitForFinished(2000);
        }
    }
    bool start(QString* error) {
        for (int attempt = 0; attempt < 3; ++attempt) {
            port_ = ChildProcess::free_port();
            proc_ = std::make_unique<QProcess>();
            // Its log goes to a file: an unread pipe fills up and blocks the Pushgateway mid-request.
            proc_->setProcessChannelMode(QProcess::MergedChannels);
            proc_->setStandardOutputFile(log_.fileName());
            proc_->start(kPushgateway, {QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port_)});
            if (!proc_->waitForStarted(5000)) break;
            for (int i = 0; i < 100 && proc_->state() == QProcess::Running; ++i) {
                if (redline::test::http_request(port_, "GET", "/-/ready", {}, {}, 1000).status == 200)
                    return true;
                std::this_thread::sleep_for(100ms);
            }
            *error = log();
            proc_->kill();
            proc_->waitForFinished(2000);
        }
        *error = "the Pushgateway did not start: " + *error;
        return false;
    }
    std::uint16_t port() const { return port_; }
    /// What it logged so far.
    QString log() const {
        QFile f(log_.fileName());
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    /// The groups it holds (GET /api/v1/metrics: data[].labels).
    std::vector<json> groups() const {
        const auto r = redline::test::http_request(port_, "GET", "/api/v1/metrics");
        std::vector<json> out;
        if (r.status != 200) return out;
        const json j = json::parse(r.body, nullptr, false);
        if (j.is_object() && j.contains("data") && j["data"].is_array())
            for (const auto& g : j["data"])
                out.push_back(g.value("labels", json::object()));
        return out;
    }

  private:
    std::unique_ptr<QProcess> proc_;
    std::uint16_t port_ = 0;
    QTemporaryFile log_{QDir::tempPath() + "/redline-pushgateway-XXXXXX.log"};
    bool opened_ = log_.open();
};

QString write_scenario(QTemporaryDir& dir, const std::string& target, int rate, double duration_s) {
    // Open model, a fast and a slow request (2..12 ms), so the latency has a spread worth a p99.
    const json sc = {{"name", "push"},
                     {"target", target},
                     {"executor", "constant-arrival-rate"},
                     {"rate", rate},
                     {"duration_s", duration_s},
                     {"requests", json::array({{{"name", "fast"}, {"path", "/"}, {"weight", 2}},
                                               {{"name", "slow"}, {"path", "/slow/{2..12}"}}})}};
    const QString path = dir.filePath("scenario.json");
    std::ofstream(path.toStdString()) << sc.dump();
    return path;
}

json read_json(const QString& path) {
    std::ifstream f(path.toStdString());
    return json::parse(f, nullptr, false);
}

struct Finished {
    int code = -1;
    QString err;
};

Finished wait_done(QProcess& p, int timeout_ms) {
    Finished r;
    if (!p.waitForFinished(timeout_ms)) {
        p.kill();
        p.waitForFinished(2000);
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

/// [lower, upper) in seconds of the sketch bucket holding the observation of rank ceil(q N).
std::pair<double, double> bucket_of_rank(const LatencySketch& s, double q) {
    const auto rank = std::uint64_t(std::ceil(q * double(s.count())));
    std::uint64_t seen = s.buckets()[LatencySketch::kUnderflow];
    if (seen >= rank) return {0.0, 512e-9};
    for (std::size_t i = 0; i < LatencySketch::kRegular; ++i) {
        seen += s.buckets()[i];
        if (seen >= rank)
            return {double(LatencySketch::lower_bound_ns(i)) / 1e9,
                    double(LatencySketch::upper_bound_ns(i)) / 1e9};
    }
    return {double(s.max_ns()) / 1e9, double(s.max_ns()) / 1e9};
}

}  // namespace

class TestLoadPush : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase() {
        QVERIFY2(QFileInfo::exists(load_binary()), qPrintable(load_binary() + " is not built"));
        QVERIFY2(QFileInfo::exists(kPushgateway), "install Debian's 'prometheus-pushgateway' package");
        QVERIFY2(!QStringLiteral(REDLINE_PROMETHEUS).isEmpty(), "install Debian's 'prometheus' package");
    }

    void threeGeneratorsOneRun() {
        LoadTestServer srv;
        Pushgateway pg;
        QString error;
        QVERIFY2(pg.start(&error), qPrintable(error));
        PrometheusServer prom;
        PrometheusServer::Options po;
        po.targets = {QStringLiteral("127.0.0.1:%1").arg(pg.port())};
        po.native_histograms = true;
        po.scrape_interval_ms = 1000;
        po.job = QStringLiteral("pushgateway");
        po.honor_labels = true;
        QVERIFY2(prom.start(po, &error), qPrintable(error));
        // Prometheus applies its targets ~5 s after it starts: the run is scraped while it goes (a rate()
        // needs two samples), not only once at its end.
        QTRY_COMPARE_WITH_TIMEOUT(prom.scalar("count(up == 1)"), 1.0, 20'000);

        QTemporaryDir dir;
        const QString sc = write_scenario(dir, srv.url(), 30, 3.0);
        const std::string run_id = "push-" + std::to_string(QCoreApplication::applicationPid());
        constexpr int kGenerators = 3;
        std::array<QProcess, kGenerators> procs;
        for (int g = 0; g < kGenerators; ++g)
            procs[g].start(load_binary(), {"run", sc, "--run-id", QString::fromStdString(run_id), "--push",
                                           QString::fromStdString(pg.url()), "--push-interval", "1s",
                                           "--generator", QStringLiteral("gen-%1").arg(g), "--quiet", "--out",
                                           dir.filePath(QStringLiteral("s%1.json").arg(g))});
        std::uint64_t completed = 0;
        LatencySketch merged;
        for (int g = 0; g < kGenerators; ++g) {
            const Finished f = wait_done(procs[g], 20'000);
            QVERIFY2(f.code == 0,
                     qPrintable(QStringLiteral("generator %1 exit %2: %3").arg(g).arg(f.code).arg(f.err)));
            const json s = read_json(dir.filePath(QStringLiteral("s%1.json").arg(g)));
            QVERIFY(s.is_object());
            QCOMPARE(s["run_id"].get<std::string>(), run_id);
            QVERIFY2(s["push"]["failed"].get<int>() == 0,
                     qPrintable(QString::fromStdString(s["push"].dump()) +
                                "\nPushgateway: " + pg.log().left(3000)));
            QVERIFY(s["push"]["final_pushed"].get<bool>());
            QVERIFY(s["push"]["succeeded"].get<int>() >= 2);  // at least one while running, and the final one
            completed += s["completed"].get<std::uint64_t>();
            // The corrected-latency sketch of this generator, merged exactly into the run's.
            const json& k = s["latency_sketch"];
            std::vector<std::pair<std::uint32_t, std::uint64_t>> pairs;
            for (const auto& b : k["buckets"])
                pairs.emplace_back(b[0].get<std::uint32_t>(), b[1].get<std::uint64_t>());
            LatencySketch one;
            QVERIFY(one.from_sparse(pairs, k["sum_ns"].get<double>(), k["min_ns"].get<std::uint64_t>(),
                                    k["max_ns"].get<std::uint64_t>()));
            QCOMPARE(one.count(), k["count"].get<std::uint64_t>());
            QCOMPARE(one.count(),
                     s["completed"].get<std::uint64_t>() - s["transport_errors"].get<std::uint64_t>());
            merged.merge(one);
        }
        QVERIFY2(completed >= 200, qPrintable(QString::number(completed)));

        // One group per generator, all of this run.
        std::set<std::string> instances;
        for (const auto& g : pg.groups()) {
            if (g.value("run_id", "") != run_id) continue;
            QCOMPARE(g.value("job", ""), std::string("redline-load"));
            instances.insert(g.value("instance", ""));
        }
        QCOMPARE(instances, (std::set<std::string>{"gen-0", "gen-1", "gen-2"}));

        // Prometheus (honor_labels keeps job="redline-load") sees the final figures of all three.
        const std::string sel = "{job=\"redline-load\",run_id=\"" + run_id + "\"}";
        QTRY_VERIFY_WITH_TIMEOUT(
            prom.scalar("count(redline_load_run_finished" + sel + " == 1)") == kGenerators, 15'000);
        QTRY_COMPARE_WITH_TIMEOUT(prom.scalar("sum(redline_load_requests_total" + sel + ")"),
                                  double(completed), 5'000);
        QCOMPARE(prom.scalar("sum(redline_load_failures_total" + sel + ")"), 0.0);
        QCOMPARE(prom.scalar("sum(redline_load_target_requests_per_second" + sel + ")"), 90.0);

        // Stored as native histograms (no _bucket series), one per generator and request.
        const auto native = prom.query("redline_load_request_duration_seconds" + sel);
        QCOMPARE(native.size(), std::size_t(kGenerators * 2));
        QVERIFY(native[0].contains("histogram"));
        QVERIFY(prom.query("redline_load_request_duration_seconds_bucket" + sel).empty());
        QCOMPARE(prom.scalar("sum(histogram_count(redline_load_request_duration_seconds" + sel + "))"),
                 double(merged.count()));

        // p99 over the final cumulative histogram of the whole run (no rate()).
        const double p99 =
            prom.scalar("histogram_quantile(0.99, sum(redline_load_request_duration_seconds" + sel + "))");
        QVERIFY(std::isfinite(p99));
        // 1. Exactly what re-bucketing the merged sketches predicts: nothing lost, doubled or mis-bucketed on
        // the way through three pushes, the Pushgateway and the scrape.
        const auto h = redline::agent::to_native_histogram(merged);
        std::vector<std::pair<std::int32_t, double>> buckets;
        for (const auto& [i, n] : h.buckets())
            buckets.emplace_back(i, double(n));
        const double model =
            redline::agent::prometheus_native_quantile(0.99, double(h.zero_count), h.zero_threshold, buckets);
        QVERIFY2(std::abs(p99 - model) <= 1e-9 * model,
                 qPrintable(QStringLiteral("%1 vs %2").arg(p99).arg(model)));
        // 2. Within the documented bound of the exact cross-generator p99: the observation of rank
        // ceil(0.99 N) lies in a known bucket [a, b) of the merged sketch, and docs/metrics.md bounds
        // Prometheus' answer to (-2.90 %, +2.99 %) of it, so p99 is in (0.97104 a, 1.02988 b).
        const auto [a, b] = bucket_of_rank(merged, 0.99);
        QVERIFY2(p99 > 0.97104 * a && p99 < 1.02988 * b,
                 qPrintable(QStringLiteral("p99 %1 s, exact in [%2, %3) s").arg(p99).arg(a).arg(b)));
        QVERIFY(p99 > 0.002);  // the slow request makes the tail (2..12 ms)

        // 3. The dashboard's Prometheus source charts the run with the load-generators preset: the
        // generators are its instances (found by their series: pushed series have no `up`), the scenario's
        // requests its routes, with rates and latency, from the same queries as any fleet.
        redline::FleetMapping m = redline::FleetMapping::load_generators();
        m.selector += ",run_id=" + redline::promql_string(run_id);
        m.native = true;
        redline::PrometheusClient client(prom.url());
        const auto targets = client.query(redline::fleet_targets_query(m));
        QVERIFY2(targets.ok(), targets.error.c_str());
        std::set<std::string> found;
        for (const auto& t : *targets.value) {
            QCOMPARE(t.labels.at("job"), std::string("redline-load"));
            QCOMPARE(t.labels.count(redline::kFleetTargetLabel), std::size_t(1));
            QCOMPARE(t.points.at(0).second, 1.0);
            found.insert(t.labels.at("instance"));
        }
        QCOMPARE(found, instances);
        const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
        std::vector<std::pair<redline::FleetFigure, std::vector<redline::PromSeries>>> answers;
        constexpr int kWindow = 10;
        for (const auto& q : redline::fleet_queries(m, kWindow)) {
            auto r = client.query_range(q.promql, now - 30'000, now, 1000);
            QVERIFY2(r.ok(), qPrintable(QString::fromStdString(q.promql + ": " + r.error)));
            if (!q.level.empty()) redline::tag_level(*r.value, q.level);
            answers.emplace_back(q.figure, std::move(*r.value));
        }
        const redline::FleetFrame frame = redline::fleet_frame(m, kWindow, answers);
        QVERIFY(frame.status_exported);
        QCOMPARE(frame.instances.size(), std::size_t(kGenerators));
        for (const auto& [instance, snaps] : frame.instances) {
            double peak = 0;
            for (const auto& sn : snaps)
                peak = std::max(peak, sn.total.rate_per_s);
            QVERIFY2(peak > 0 && peak < 30 * 1.5,
                     qPrintable(QString::fromStdString(instance) + ": " + QString::number(peak)));
        }
        double fleet_peak = 0, fleet_p99 = 0;
        std::set<std::string> routes;
        std::uint64_t errors = 0;
        for (const auto& sn : frame.fleet) {
            fleet_peak = std::max(fleet_peak, sn.total.rate_per_s);
            if (sn.total.latency) fleet_p99 = std::max(fleet_p99, sn.total.latency->p99_ms);
            errors += sn.total.errors;
            for (const auto& r : sn.series)
                routes.insert(r.id());
        }
        QVERIFY2(fleet_peak > 0 && fleet_peak < 90 * 1.5, qPrintable(QString::number(fleet_peak)));
        QVERIFY2(fleet_p99 > 2.0 && fleet_p99 < 100, qPrintable(QString::number(fleet_p99)));
        QCOMPARE(errors, std::uint64_t(0));
        QCOMPARE(routes, (std::set<std::string>{"GET fast", "GET slow"}));
    }

    void unreachablePushgatewayDoesNotStopTheRun() {
        LoadTestServer srv;
        QTemporaryDir dir;
        const QString sc = write_scenario(dir, srv.url(), 20, 2.0);
        const std::uint16_t nothing = ChildProcess::free_port();  // free a moment ago: nothing listens
        QProcess p;
        p.start(load_binary(), {"run", sc, "--run-id", "unreachable", "--push",
                                QStringLiteral("http://127.0.0.1:%1").arg(nothing), "--push-interval", "1s",
                                "--out", dir.filePath("s.json")});
        const Finished f = wait_done(p, 20'000);
        const QString out = QString::fromUtf8(p.readAllStandardOutput());
        QCOMPARE(f.code, 0);
        // One warning line about the push, however many pushes failed.
        QCOMPARE(f.err.count(QStringLiteral("[warning]")), 1);
        QVERIFY2(f.err.contains("push to the Pushgateway"), qPrintable(f.err));
        const json s = read_json(dir.filePath("s.json"));
        QVERIFY(s.is_object());
        QCOMPARE(s["outcome"].get<std::string>(), std::string("passed"));
        // 20/s for 2 s: every arrival was sent (or counted as unsent on a starved machine), and answered.
        const auto completed = s["completed"].get<std::uint64_t>();
        QCOMPARE(completed + s["unsent"].get<std::uint64_t>(), std::uint64_t(40));
        QVERIFY(completed >= 30);
        QCOMPARE(s["push"]["succeeded"].get<int>(), 0);
        QVERIFY(s["push"]["failed"].get<int>() >= 2);
        QCOMPARE(s["push"]["failed"].get<int>(), s["push"]["attempted"].get<int>());
        QVERIFY(!s["push"]["final_pushed"].get<bool>());
        QVERIFY(!s["push"]["last_error"].get<std::string>().empty());
        QVERIFY2(out.contains("pushes to") && out.contains("did NOT reach the Pushgateway"), qPrintable(out));
        QCOMPARE(srv.requests.load(), completed);
    }
};

QTEST_GUILESS_MAIN(TestLoadPush)
#include "tst_load_push.moc"
