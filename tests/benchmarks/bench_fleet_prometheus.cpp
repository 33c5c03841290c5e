// The fleet view at scale through a REAL Prometheus (docs/benchmarks.md, "Fleet through Prometheus").
// Run with QT_QPA_PLATFORM=offscreen:
//   build/release/tests/bench_fleet_prometheus [--benchmark_filter=...]
//
// Set-up (before timing): 4 real agents (redline-agent-demo, 100 synthetic req/s each over 5 routes x 2
// versions), and Debian's Prometheus with native histograms scraping each of them as 125 targets with
// distinct instance labels through relabelling (500 targets, every 5 s, so that Prometheus fits on 2 cores),
// with 40 s of history. Then, per benchmark:
//  - BM_FleetFirstTable: the window (Overview tab visible) is created and the source added at a 1 s
//    refresh; the time until every one of the 500 instances has a row with figures (the first full table).
//  - BM_FleetGuiThreadCpu: then 60 s with the Overview visible and the source refreshing at 1 Hz: GUI-thread
//    CPU (CLOCK_THREAD_CPUTIME_ID of the main thread / wall time), PromQL queries per refresh and their total
//    time (median and max over the refreshes), refreshes done, and the process' RSS.
// The figures are counters of one iteration each (Iterations(1)); alternate and repeat runs for medians.
#include <benchmark/benchmark.h>
#include <time.h>

#include <QApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <memory>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/prometheus_server.h"
#include "ui/main_window.h"
#include "ui/session/dashboard.h"

using namespace redline;
using namespace redline::ui;
using redline::test::ChildProcess;

namespace {

constexpr int kAgents = 4;
constexpr int kReplicas = 125;
constexpr int kInstances = kAgents * kReplicas;

double threadCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

double rssMiB() {
    QFile f("/proc/self/status");
    if (!f.open(QIODevice::ReadOnly)) return 0;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith("VmRSS:")) return line.mid(6).trimmed().split(' ').front().toDouble() / 1024.0;
    return 0;
}

struct Fleet {
    QTemporaryDir dir;
    std::vector<std::unique_ptr<ChildProcess>> agents;
    test::PrometheusServer prom;
    QString error;

    bool start() {
        QStringList targets;
        for (int i = 0; i < kAgents; ++i) {
            auto a = std::make_unique<ChildProcess>();
            if (!a->start(ChildProcess::binary("agents/redline-agent-demo"),
                          {"--admin-listen", "127.0.0.1:0", "--data-dir", dir.filePath(QString("a%1").arg(i)),
                           "--rate", "100"},
                          30'000, &error))
                return false;
            targets << a->admin_url().mid(7);
            agents.push_back(std::move(a));
        }
        test::PrometheusServer::Options o;
        o.targets = targets;
        o.replicas = kReplicas;
        o.native_histograms = true;
        o.scrape_interval_ms = 5000;
        if (!prom.start(o, &error)) return false;
        QElapsedTimer t;
        t.start();
        while (prom.scalar("count(up == 1)") < kInstances) {
            if (t.elapsed() > 120'000) {
                error = "not every target is up after 2 min";
                return false;
            }
            QTest::qWait(500);
        }
        QTest::qWait(40'000);  // history for rate() over the source's 30 s window
        return true;
    }
};

std::unique_ptr<Fleet>& fleetHolder() {
    static std::unique_ptr<Fleet> f;
    return f;
}

Fleet* fleet() {
    auto& f = fleetHolder();
    if (!f) {
        f = std::make_unique<Fleet>();
        f->start();  // on failure f->error says why; every benchmark then skips with it
    }
    return f.get();
}

int instancesWithFigures(Dashboard& d) {
    int n = 0;
    for (const auto& c : d.agentsModel()->configs())
        if (!c.sourceId.isEmpty() && c.instance != "*" && d.store().latest(c.id)) ++n;
    return n;
}

struct Session {
    Dashboard d;
    MainWindow w{&d};
    QString source;
    std::vector<double> query_s;
    std::vector<int> queries;
    Session(const std::string& url) {
        d.setPersistAgents(false);
        w.resize(1600, 1000);
        w.show();
        w.showTab(MainWindow::OverviewTab);
        PrometheusSourceConfig c;
        c.name = "fleet";
        c.url = QString::fromStdString(url);
        c.selector = "job=\"redline\"";
        c.refreshS = 1;
        c.windowS = 30;
        source = d.addPrometheusSource(c);
        QObject::connect(d.prometheusSource(source), &PrometheusSource::updated, &d,
                         [this](const PrometheusSource::Update& u) {
                             if (!u.ok) return;
                             query_s.push_back(u.query_seconds);
                             queries.push_back(u.queries);
                         });
    }
};

void BM_FleetFirstTable(benchmark::State& state) {
    Fleet* f = fleet();
    if (!f->error.isEmpty()) return state.SkipWithError(f->error.toStdString().c_str());
    for (auto _ : state) {
        QElapsedTimer t;
        t.start();
        Session s(f->prom.url());
        while (instancesWithFigures(s.d) < kInstances && t.elapsed() < 60'000)
            QTest::qWait(10);
        const double secs = t.elapsed() / 1000.0;
        if (instancesWithFigures(s.d) < kInstances) return state.SkipWithError("no full table within 60 s");
        state.SetIterationTime(secs);
        state.counters["first_full_table_s"] = secs;
        state.counters["instances"] = instancesWithFigures(s.d);
    }
}
BENCHMARK(BM_FleetFirstTable)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);

void BM_FleetGuiThreadCpu(benchmark::State& state) {
    Fleet* f = fleet();
    if (!f->error.isEmpty()) return state.SkipWithError(f->error.toStdString().c_str());
    for (auto _ : state) {
        Session s(f->prom.url());
        QElapsedTimer warm;
        warm.start();
        while (instancesWithFigures(s.d) < kInstances && warm.elapsed() < 60'000)
            QTest::qWait(10);
        QTest::qWait(3000);
        s.query_s.clear();
        s.queries.clear();
        const double cpu0 = threadCpuSeconds();
        QElapsedTimer t;
        t.start();
        QTest::qWait(60'000);
        const double wall = t.elapsed() / 1000.0, cpu = threadCpuSeconds() - cpu0;
        state.SetIterationTime(wall);
        state.counters["gui_cpu_pct"] = 100.0 * cpu / wall;
        std::vector<double> qs = s.query_s;
        std::sort(qs.begin(), qs.end());
        state.counters["refreshes"] = static_cast<double>(qs.size());
        state.counters["query_s_median"] = qs.empty() ? 0 : qs[qs.size() / 2];
        state.counters["query_s_max"] = qs.empty() ? 0 : qs.back();
        state.counters["queries_per_refresh_max"] =
            s.queries.empty() ? 0 : *std::max_element(s.queries.begin(), s.queries.end());
        state.counters["rss_mib"] = rssMiB();
        state.counters["rows"] = s.d.agentsModel()->rowCount();
    }
}
BENCHMARK(BM_FleetGuiThreadCpu)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    fleetHolder().reset();  // stops Prometheus and the agents before the application goes
    return 0;
}
