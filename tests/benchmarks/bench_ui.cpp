// Dashboard benchmarks (docs/benchmarks.md, section "Dashboard"). Run with QT_QPA_PLATFORM=offscreen.
//  - BM_ChartRefresh_Dashboard vs BM_ChartRefresh_QtChartsReplace vs BM_ChartRefresh_NaiveAppend: one
//    refresh + synchronous repaint of a 6-series chart holding 1 h of 1 s samples, the range moving each
//    time. Dashboard = ChartView (decimate to pixel width, lines and time axis drawn by ChartView);
//    QtChartsReplace = the same decimated points through QXYSeries::replace() into a plain QChartView with
//    a QDateTimeAxis; NaiveAppend = clear + QLineSeries::append point by point, no decimation.
//  - BM_GuiThreadCpu/<Hz>/<range s>: GUI-thread CPU (CLOCK_THREAD_CPUTIME_ID of the main thread / wall
//    time) with 8 agents x 4 visible charts, 1 h of history prefilled, showing the last <range s>
//    (3600 = the "1 h history, all charts visible"; 300 = the dashboard's default range, where
//    every tick moves the lines by a pixel or more, so every tick redraws every chart). The 8 agents are
//    in-process snapshot producers (one thread each) feeding the real AgentConnection queue -> Dashboard
//    drain -> SeriesStore -> ChartView pipeline, so the series count and rate are controlled
//    exactly; only the network is left out. Also reports RSS.
//  - BM_GuiThreadCpuRealAgents/<Hz>/<range s>: the same with 8 REAL agents: 8 redline-sample-server
//    processes on port 0, each streaming snapshots at Hz over SSE and receiving ~20 req/s of
//    background traffic from the load engine (the demo's scenario), 1 h of history prefilled.
//  - BM_GuiThreadCpuFleet/<agents>/<Hz>: GUI-thread CPU with the Overview's fleet table visible (1600x1000)
//    and <agents> FAKE agents (in-process producers, 4 threads, each snapshot 10 route/version series + the
//    total, 10 services) streaming at <Hz> into the real AgentConnection queue -> Dashboard drain ->
//    SeriesStore -> FleetModel/FleetSortProxy/QTableView pipeline; 5 min of history prefilled (the trend
//    column's span). Also reports RSS and time_to_full_table_ms (page created to every row filled and
//    painted). Not a real Prometheus source: that measurement is separate (docs/benchmarks.md).
//  - BM_TimeToFirstChart: real redline-sample-server on port 0 (started before timing); time from
//    creating the Dashboard + charts to the first point in the rate chart.
#include <benchmark/benchmark.h>

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QElapsedTimer>
#include <QGridLayout>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QValueAxis>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <thread>

#include "core/agent_client.h"
#include "ui/demo/sample_server_process.h"
#include "ui/pages/detail_page.h"
#include "ui/pages/overview_page.h"
#include "ui/session/dashboard.h"
#include "ui/session/load_controller.h"
#include "ui/widgets/chart_view.h"

using namespace redline;
using namespace redline::ui;

namespace {

constexpr int kHistory = 3600;

Snapshot fakeSnapshot(std::int64_t t_ms, int k) {
    static const char* routes[] = {"/v1/products", "/v1/products/{id}", "/v1/products/search", "/v1/orders",
                                   "/v1/orders/{id}"};
    Snapshot s;
    s.agent_id = "fake";
    s.service = "fake";
    s.time_ms = t_ms;
    s.window_s = 1;
    for (int r = 0; r < 5; ++r)
        for (const char* v : {"stable", "canary"}) {
            SeriesSnapshot x;
            x.method = r == 3 ? "POST" : "GET";
            x.route = routes[r];
            x.version = v;
            x.requests = 100 + (k + r) % 17;
            x.rate_per_s = static_cast<double>(x.requests);
            x.errors = (k % 11 == 0) ? 2 : 0;
            x.error_ratio = static_cast<double>(x.errors) / static_cast<double>(x.requests);
            x.rate_limited = k % 5;
            x.cache_hits = 70, x.cache_misses = 30, x.cache_hit_ratio = 0.7;
            x.latency = LatencyQuantiles{};
            x.latency->p50_ms = 1 + (k % 7) * 0.1, x.latency->p95_ms = 4 + (k % 13) * 0.2,
            x.latency->p99_ms = 9 + (k % 19);
            s.series.push_back(x);
        }
    s.total = s.series[1];
    s.total.method = s.total.route = s.total.version = "*";
    return s;
}

Snapshot fakeSnapshot(std::int64_t t_ms, int k, const std::string& service) {
    Snapshot s = fakeSnapshot(t_ms, k);
    s.service = service;
    return s;
}

void prefill(Dashboard& d, const QString& agent, std::int64_t now_ms) {
    for (int i = kHistory; i > 0; --i)
        d.store().append(agent, fakeSnapshot(now_ms - i * 1000LL, i));
}

double threadCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double rssMiB() {
    FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    double kb = 0;
    while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "VmRSS: %lf kB", &kb) == 1) break;
    std::fclose(f);
    return kb / 1024.0;
}

/// Runs the GUI event loop for 10 s and reports the main thread's CPU share, the dashboard's repaint rate
/// and the RSS measured before the run.
void measureGuiThread(benchmark::State& state, const Dashboard& d, double rss_mib) {
    const double cpu0 = threadCpuSeconds();
    QElapsedTimer wall;
    wall.start();
    const auto ticks0 = d.ticks();
    while (wall.elapsed() < 10000)
        QTest::qWait(50);
    const double cpu = threadCpuSeconds() - cpu0;
    const double secs = wall.elapsed() / 1000.0;
    state.counters["gui_cpu_pct_of_core"] = 100.0 * cpu / secs;
    state.counters["repaints_per_s"] = static_cast<double>(d.ticks() - ticks0) / secs;
    state.counters["rss_MiB_8agents_1h"] = rss_mib;
    state.SetIterationTime(secs);
}

QList<SeriesSpec> sixSeries() {
    const QString s = seriesKey("GET /v1/products/{id}", "stable"),
                  c = seriesKey("GET /v1/products/{id}", "canary");
    return {{s, Metric::P50, "p50", Qt::green},
            {s, Metric::P95, "p95", Qt::yellow},
            {s, Metric::P99, "p99", Qt::red},
            {c, Metric::P50, "p50 c", Qt::green, Qt::DashLine},
            {c, Metric::P95, "p95 c", Qt::yellow, Qt::DashLine},
            {c, Metric::P99, "p99 c", Qt::red, Qt::DashLine}};
}

// One agent with 1 h of prefilled history, the data every chart-refresh benchmark draws.
struct OneHourOfData {
    Dashboard d;
    QString a = d.addAgent({QString(), "a", "http://127.0.0.2:9"}, false);
    std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    OneHourOfData() { prefill(d, a, now); }
};

void BM_ChartRefresh_Dashboard(benchmark::State& state) {
    OneHourOfData data;
    ChartView view("latency", "ms");
    view.resize(700, 350);
    view.setSeries(sixSeries());
    view.show();
    QApplication::processEvents();
    std::int64_t shift = 0;
    for (auto _ : state) {
        const std::int64_t to = data.now - (++shift % 2);  // the range moves, as on a live chart
        view.invalidate();  // a full refresh every time (the live path skips sub-pixel moves)
        view.refresh(data.d.store(), data.a, to - kHistory * 1000LL, to);
        view.viewport()->repaint();
    }
    state.counters["points_drawn"] = static_cast<double>(view.points(0).size()) * 6;
}
BENCHMARK(BM_ChartRefresh_Dashboard)->Unit(benchmark::kMicrosecond);

// Baselines: what the Qt Charts examples do, a QChartView with a QDateTimeAxis and one QLineSeries per
// series, either cleared and appended to point by point on every refresh without decimation (naive), or given
// the same decimated points as the dashboard in one QXYSeries::replace() per series (what ChartView did
// before it drew its own lines).
struct QtChartsBaseline {
    QChart* chart = new QChart;
    QDateTimeAxis* x = new QDateTimeAxis;
    QValueAxis* y = new QValueAxis;
    QList<QLineSeries*> lines;
    QChartView view{chart};

    explicit QtChartsBaseline(const QList<SeriesSpec>& specs) {
        chart->setAnimationOptions(QChart::NoAnimation);
        x->setFormat(QStringLiteral("HH:mm:ss"));
        chart->addAxis(x, Qt::AlignBottom);
        chart->addAxis(y, Qt::AlignLeft);
        for (const auto& sp : specs) {
            auto* s = new QLineSeries;
            s->setName(sp.label);
            QPen pen(sp.color, 1, sp.style);
            pen.setCosmetic(true);
            s->setPen(pen);
            chart->addSeries(s);
            s->attachAxis(x);
            s->attachAxis(y);
            lines.append(s);
        }
        view.setRenderHint(QPainter::Antialiasing, true);
        view.resize(700, 350);
        view.show();
        QApplication::processEvents();
    }
    void setRange(std::int64_t from, std::int64_t to) {
        x->setRange(QDateTime::fromMSecsSinceEpoch(from), QDateTime::fromMSecsSinceEpoch(to));
        y->setRange(0, 100);
    }
};

// naive: clear + append point by point, no decimation; otherwise one replace() of the decimated points.
void refreshQtChartsBaseline(benchmark::State& state, bool naive) {
    OneHourOfData data;
    const auto specs = sixSeries();
    QtChartsBaseline b(specs);
    std::int64_t shift = 0;
    for (auto _ : state) {
        const std::int64_t to = data.now - (++shift % 2);  // the range moves, as on a live chart
        const std::int64_t from = to - kHistory * 1000LL;
        const int width = static_cast<int>(b.chart->plotArea().width());
        for (int i = 0; i < specs.size(); ++i) {
            if (!naive) {
                b.lines[i]->replace(
                    data.d.store().points(data.a, specs[i].key, specs[i].metric, from, to, width));
                continue;
            }
            b.lines[i]->clear();
            for (const auto& s : data.d.store().samples(data.a, specs[i].key, from, to))
                b.lines[i]->append(static_cast<qreal>(s.t_ms), s[specs[i].metric]);
        }
        b.setRange(from, to);
        b.view.viewport()->repaint();
    }
    state.counters["points_drawn"] = static_cast<double>(b.lines[0]->count()) * 6;
}

void BM_ChartRefresh_QtChartsReplace(benchmark::State& state) {
    refreshQtChartsBaseline(state, false);
}
BENCHMARK(BM_ChartRefresh_QtChartsReplace)->Unit(benchmark::kMicrosecond);

void BM_ChartRefresh_NaiveAppend(benchmark::State& state) {
    refreshQtChartsBaseline(state, true);
}
BENCHMARK(BM_ChartRefresh_NaiveAppend)->Unit(benchmark::kMicrosecond);

// GUI-thread CPU with 8 fake producers at `Hz` snapshots per second each, for 10 s.
void BM_GuiThreadCpu(benchmark::State& state) {
    const int hz = static_cast<int>(state.range(0));
    const int range_s = static_cast<int>(state.range(1));
    for (auto _ : state) {
        Dashboard d(nullptr, kHistory);
        const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
        QWidget host;
        auto* grid = new QGridLayout(&host);
        QStringList agents;
        for (int i = 0; i < 8; ++i) {
            const QString a = d.addAgent({QString(), QString("fake %1").arg(i), "http://127.0.0.2:9"}, false);
            // The fake producers stream without a StreamConsumer: say so, or their figures would be stale.
            d.agentsModel()->setState(a, StreamState::Live, {});
            prefill(d, a, now);
            auto* page = new DetailPage(&d);
            page->setAgent(a);
            page->setRangeSeconds(range_s);
            grid->addWidget(page, i / 4, i % 4);
            agents << a;
        }
        host.resize(2400, 1400);
        host.show();
        QApplication::processEvents();
        const double rss = rssMiB();
        std::atomic<bool> stop{false};
        std::vector<std::thread> producers;
        for (const auto& a : agents) {
            AgentConnection* c = d.connection(a);
            producers.emplace_back([c, hz, &stop] {
                int k = 0;
                auto next = std::chrono::steady_clock::now();
                while (!stop.load()) {
                    c->enqueueSnapshot(fakeSnapshot(QDateTime::currentMSecsSinceEpoch(), ++k));
                    next += std::chrono::microseconds(1'000'000 / hz);
                    std::this_thread::sleep_until(next);
                }
            });
        }
        QTest::qWait(3000);  // steady state: first layout and full-width redraws done
        measureGuiThread(state, d, rss);
        stop = true;
        for (auto& t : producers)
            t.join();
        state.counters["store_MiB"] = static_cast<double>(d.store().memoryBytes()) / (1024.0 * 1024.0);
    }
}
BENCHMARK(BM_GuiThreadCpu)
    ->ArgsProduct({{1, 10}, {3600, 300}})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);

// The Overview's fleet table with `agents` fake agents at `Hz`, for 10 s (see the header comment).
void BM_GuiThreadCpuFleet(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    const int hz = static_cast<int>(state.range(1));
    constexpr int kPrefillS = 300;
    constexpr int kThreads = 4;
    for (auto _ : state) {
        Dashboard d(nullptr, kHistory);
        const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
        QStringList agents;
        std::vector<std::string> service;
        for (int i = 0; i < n; ++i) {
            const QString a = d.addAgent({QString(), QString("fake %1").arg(i, 3, 10, QChar('0')),
                                          QString("http://127.0.0.2:%1").arg(9000 + i)},
                                         false);
            d.agentsModel()->setState(a, StreamState::Live, {});
            service.push_back("svc-" + std::to_string(i % 10));
            for (int k = kPrefillS; k > 0; --k)
                d.store().append(a, fakeSnapshot(now - k * 1000LL, k + i, service.back()));
            agents << a;
        }
        QApplication::processEvents();
        const double rss_before = rssMiB();
        // Time to the first full table: the page created, shown, every row filled and painted once.
        QElapsedTimer first;
        first.start();
        OverviewPage page(&d);
        page.resize(1600, 1000);
        page.show();
        page.refreshNow();
        page.table()->viewport()->repaint();
        QApplication::processEvents();
        const double first_ms = static_cast<double>(first.nsecsElapsed()) / 1e6;
        if (page.order().size() != n) state.SkipWithError("not every agent has a row");

        std::atomic<bool> stop{false};
        std::vector<std::thread> producers;
        for (int t = 0; t < kThreads; ++t)
            producers.emplace_back([&, t] {
                int k = 0;
                auto next = std::chrono::steady_clock::now();
                while (!stop.load()) {
                    ++k;
                    // This thread's agents, spread over the interval like independent streams.
                    const int mine = (n - t + kThreads - 1) / kThreads;
                    const auto step = std::chrono::microseconds(1'000'000 / hz) / std::max(1, mine);
                    for (int i = t; i < n && !stop.load(); i += kThreads) {
                        d.connection(agents[i])->enqueueSnapshot(fakeSnapshot(
                            QDateTime::currentMSecsSinceEpoch(), k + i, service[std::size_t(i)]));
                        next += step;
                        std::this_thread::sleep_until(next);
                    }
                }
            });
        QTest::qWait(3000);  // steady state
        const double rss = rssMiB();
        measureGuiThread(state, d, rss);
        stop = true;
        for (auto& t : producers)
            t.join();
        state.counters.erase("rss_MiB_8agents_1h");  // measureGuiThread's name for the 8-agent cases
        state.counters["rss_MiB"] = rss;
        state.counters["rss_MiB_before_page"] = rss_before;
        state.counters["time_to_full_table_ms"] = first_ms;
        state.counters["store_MiB"] = static_cast<double>(d.store().memoryBytes()) / (1024.0 * 1024.0);
    }
}
BENCHMARK(BM_GuiThreadCpuFleet)
    ->Args({500, 1})
    ->Args({100, 1})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);

// GUI-thread CPU with 8 real sample servers streaming at `Hz`, for 10 s.
void BM_GuiThreadCpuRealAgents(benchmark::State& state) {
    const int hz = static_cast<int>(state.range(0));
    const int range_s = static_cast<int>(state.range(1));
    QTemporaryDir dir;
    std::vector<std::unique_ptr<SampleServerProcess>> servers;
    for (int i = 0; i < 8; ++i) {
        auto srv = std::make_unique<SampleServerProcess>();
        QSignalSpy ready(srv.get(), &SampleServerProcess::ready);
        srv->start(dir.filePath(QString("agent%1").arg(i)), 0, 0,
                   {"--seed-products", "500", "--threads", "1"});
        if (!ready.wait(60000)) {
            state.SkipWithError("sample server did not start");
            return;
        }
        servers.push_back(std::move(srv));
    }
    for (auto _ : state) {
        Dashboard d(nullptr, kHistory);
        d.setStreamIntervalMs(1000 / hz);
        const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
        QWidget host;
        auto* grid = new QGridLayout(&host);
        std::vector<std::unique_ptr<LoadController>> traffic;
        for (int i = 0; i < 8; ++i) {
            AgentConfig c;
            c.name = QString("agent %1").arg(i);
            c.url = servers[i]->adminUrl();
            c.tokenFile = servers[i]->viewerTokenFile();
            const QString a = d.addAgent(c);
            prefill(d, a, now);
            auto* page = new DetailPage(&d);
            page->setAgent(a);
            page->setRangeSeconds(range_s);
            grid->addWidget(page, i / 4, i % 4);
            auto lc = std::make_unique<LoadController>(&d);
            QString err;
            if (!lc->start(LoadController::backgroundScenario(servers[i]->apiUrl().toStdString(), 20), a,
                           false, &err)) {
                state.SkipWithError(err.toStdString().c_str());
                return;
            }
            traffic.push_back(std::move(lc));
        }
        host.resize(2400, 1400);
        host.show();
        QTest::qWait(2000);  // connections up, first snapshots in
        measureGuiThread(state, d, rssMiB());
        for (auto& lc : traffic)
            lc->stopAndWait();
    }
    for (auto& srv : servers)
        srv->stop();
}
BENCHMARK(BM_GuiThreadCpuRealAgents)
    ->ArgsProduct({{1, 10}, {3600, 300}})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);

void BM_TimeToFirstChart(benchmark::State& state) {
    QTemporaryDir dir;
    SampleServerProcess server;
    QSignalSpy ready(&server, &SampleServerProcess::ready);
    server.start(dir.filePath("data"), 0, 0, {"--seed-products", "1000", "--threads", "1"});
    if (!ready.wait(60000)) {
        state.SkipWithError("sample server did not start");
        return;
    }
    for (auto _ : state) {
        QElapsedTimer t;
        t.start();
        Dashboard d;
        DetailPage page(&d);
        page.resize(900, 600);
        page.show();
        AgentConfig c;
        c.url = server.adminUrl();
        c.tokenFile = server.viewerTokenFile();
        page.setAgent(d.addAgent(c));
        while (page.chart(DetailPage::RateChart)->points(0).isEmpty() && t.elapsed() < 15000)
            QTest::qWait(5);
        state.SetIterationTime(t.elapsed() / 1000.0);
        state.counters["ms_to_first_point"] = static_cast<double>(t.elapsed());
    }
    server.stop();
}
BENCHMARK(BM_TimeToFirstChart)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
    qputenv("QT_QPA_PLATFORM",
            qgetenv("QT_QPA_PLATFORM").isEmpty() ? "offscreen" : qgetenv("QT_QPA_PLATFORM"));
    redline::CurlGlobal curl;
    QApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
