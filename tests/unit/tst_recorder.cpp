// Recorder: registration rules, epoch windows, in-flight gauge, several recorders per thread, thread exit,
// and counter exactness while several threads record and another closes epochs and takes snapshots
// concurrently.
#include <prometheus/collectable.h>

#include <QTest>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <thread>
#include <vector>

#include "agents/agent/metrics_collectable.h"
#include "agents/agent/recorder.h"

using namespace std::chrono_literals;
using redline::Counters;
using redline::LatencySketch;
using redline::Snapshot;
using redline::agent::CacheOutcome;
using redline::agent::ConfigError;
using redline::agent::RateLimitOutcome;
using redline::agent::Recorder;
using redline::agent::SeriesHandle;
using redline::agent::SeriesInfo;

namespace {

// Deterministic per-thread workload: status, latency and cache outcome of the i-th request of thread t.
int status_of(int t, std::uint64_t i) {
    static constexpr int kCodes[] = {200, 200, 200, 201, 304, 404, 429, 500, 503, 200, 0, 700};
    return kCodes[(i * 7 + std::uint64_t(t)) % std::size(kCodes)];
}
std::uint64_t latency_of(int t, std::uint64_t i) {
    // 100 ns .. ~200 s: covers underflow, every octave and overflow.
    const std::uint64_t x = (i * 2654435761u + std::uint64_t(t) * 97) % 1'000'003;
    return 100 + x * x / 5;
}
CacheOutcome cache_of(std::uint64_t i) {
    return CacheOutcome(i % 3);
}
RateLimitOutcome rl_of(std::uint64_t i) {
    return RateLimitOutcome(i % 3);
}

}  // namespace

class TestRecorder : public QObject {
    Q_OBJECT

  private slots:
    void registerRules();
    void recordBeforeFreezeIgnored();
    void epochContents();
    void windows_data();
    void windows();
    void idleSecondsAreZero();
    void olderEpochKeepsData();
    void inflightGauge();
    void severalRecordersOneThread();
    void manyShortLivedRecorders();
    void threadExitKeepsTotals();
    void collectableOutlivesRecorder();
    void counterExactnessAcrossThreads_data();
    void counterExactnessAcrossThreads();
    void clockClosesEpochs();
};

void TestRecorder::registerRules() {
    Recorder r;
    const SeriesHandle a = r.register_series("GET", "/a", "stable");
    const SeriesHandle b = r.register_series("GET", "/a", "canary");
    QVERIFY(a.valid() && b.valid());
    QCOMPARE_NE(a.index, b.index);
    QCOMPARE(r.register_series("GET", "/a", "stable").index, a.index);  // idempotent
    QVERIFY_THROWS_EXCEPTION(ConfigError, r.register_series("", "/a", "stable"));
    QVERIFY_THROWS_EXCEPTION(ConfigError, r.register_series("GET", "", "stable"));
    r.freeze();
    QVERIFY_THROWS_EXCEPTION(ConfigError, r.register_series("GET", "/b", "stable"));
    QCOMPARE(r.series().size(), std::size_t(2));
    QCOMPARE(r.series()[1].id(), std::string("GET /a"));
    QCOMPARE(r.series()[1].version, std::string("canary"));
}

void TestRecorder::recordBeforeFreezeIgnored() {
    Recorder r;
    const auto h = r.register_series("GET", "/a", "stable");
    r.record(h, 200, 1ms);
    r.request_started(h);
    r.record_rate_limit(h, RateLimitOutcome::Rejected);
    r.freeze();
    r.record(h, 201, 2ms);
    r.record(SeriesHandle{}, 200, 1ms);   // invalid handle: ignored
    r.record(SeriesHandle{7}, 200, 1ms);  // out of range: ignored
    r.close_epoch(100);
    const Snapshot s = r.snapshot(1);
    QCOMPARE(s.series.size(), std::size_t(1));
    QCOMPARE(s.series[0].requests, std::uint64_t(1));
    QCOMPARE(s.series[0].by_code.at(201), std::uint64_t(1));
    QCOMPARE(s.series[0].inflight, std::int64_t(0));
    QCOMPARE(s.series[0].rl_rejected, std::uint64_t(0));
    QCOMPARE(s.total.requests, std::uint64_t(1));
}

void TestRecorder::epochContents() {
    Recorder r;
    const auto get = r.register_series("GET", "/v1/products/{id}", "stable");
    const auto post = r.register_series("POST", "/v1/orders", "canary");
    r.freeze();
    r.record(get, 200, 1500us, CacheOutcome::Hit);
    r.record(get, 200, 2500us, CacheOutcome::Hit);
    r.record(get, 200, 3500us, CacheOutcome::Miss);
    r.record(get, 404, 700us);
    r.record(get, 429, 10us);
    r.record(get, 503, 250ms);
    r.record(get, 0, 5ms);  // outside 100..599
    r.record_rate_limit(get, RateLimitOutcome::Allowed);
    r.record_rate_limit(get, RateLimitOutcome::Allowed);
    r.record_rate_limit(get, RateLimitOutcome::Rejected);
    r.record_rate_limit(get, RateLimitOutcome::ShadowRejected);
    r.record(post, 201, 40ms);
    r.close_epoch(1'700'000'000);

    const Snapshot s = r.snapshot(1);
    QCOMPARE(s.epoch, std::int64_t(1'700'000'000));
    QCOMPARE(s.window_s, 1);
    QCOMPARE(s.series.size(), std::size_t(2));
    const auto& g = s.series[0];
    QCOMPARE(g.method, std::string("GET"));
    QCOMPARE(g.route, std::string("/v1/products/{id}"));
    QCOMPARE(g.version, std::string("stable"));
    QCOMPARE(g.requests, std::uint64_t(7));
    QCOMPARE(g.by_code.at(200), std::uint64_t(3));
    QCOMPARE(g.by_code.at(404), std::uint64_t(1));
    QCOMPARE(g.by_class[2], std::uint64_t(3));
    QCOMPARE(g.by_class[4], std::uint64_t(2));
    QCOMPARE(g.by_class[5], std::uint64_t(1));
    QCOMPARE(g.by_class[0], std::uint64_t(1));
    QCOMPARE(g.errors, std::uint64_t(1));
    QCOMPARE(g.rate_limited, std::uint64_t(1));
    QCOMPARE(g.cache_hits, std::uint64_t(2));
    QCOMPARE(g.cache_misses, std::uint64_t(1));
    QVERIFY(g.cache_hit_ratio.has_value());
    QCOMPARE(*g.cache_hit_ratio, 2.0 / 3.0);
    QCOMPARE(g.rl_allowed, std::uint64_t(2));
    QCOMPARE(g.rl_rejected, std::uint64_t(1));
    QCOMPARE(g.rl_shadow_rejected, std::uint64_t(1));
    QCOMPARE(g.latency->max_ms, 250.0);  // exact extreme
    QCOMPARE(g.latency->mean_ms, (1.5 + 2.5 + 3.5 + 0.7 + 0.01 + 250 + 5) / 7.0);
    QVERIFY(std::abs(g.latency->p50_ms - 2.5) <= 2.5 * LatencySketch::kRelativeError);

    const auto& p = s.series[1];
    QCOMPARE(p.requests, std::uint64_t(1));
    QVERIFY(!p.cache_hit_ratio.has_value());
    QCOMPARE(p.latency->max_ms, 40.0);
    QCOMPARE(s.total.requests, std::uint64_t(8));
    QCOMPARE(s.total.method, std::string("*"));
    QCOMPARE(s.total.latency->max_ms, 250.0);

    // Exact minimum in the cumulative sketch.
    std::uint64_t min_ns = 0;
    r.totals([&](const SeriesInfo& info, const Counters&, const LatencySketch& sk, std::int64_t) {
        if (info.method == "GET") min_ns = sk.min_ns();
    });
    QCOMPARE(min_ns, std::uint64_t(10'000));
}

void TestRecorder::windows_data() {
    QTest::addColumn<int>("window");
    QTest::addColumn<std::uint64_t>("expected");
    // Epoch k (k = 1..70) holds k requests; the newest is 70.
    QTest::newRow("1s") << 1 << std::uint64_t(70);
    QTest::newRow("10s") << 10 << std::uint64_t((61 + 70) * 10 / 2);
    QTest::newRow("60s") << 60 << std::uint64_t((11 + 70) * 60 / 2);
    QTest::newRow("clamped to 60") << 600 << std::uint64_t((11 + 70) * 60 / 2);
    QTest::newRow("clamped to 1") << 0 << std::uint64_t(70);
}

void TestRecorder::windows() {
    QFETCH(int, window);
    QFETCH(std::uint64_t, expected);
    Recorder r;
    const auto h = r.register_series("GET", "/a", "stable");
    r.freeze();
    constexpr std::int64_t base = 5'000;
    for (int k = 1; k <= 70; ++k) {
        for (int i = 0; i < k; ++i)
            r.record(h, i % 10 == 0 ? 500 : 200, std::chrono::milliseconds(k));
        r.close_epoch(base + k);
    }
    const Snapshot s = r.snapshot(window);
    QCOMPARE(s.epoch, base + 70);
    QCOMPARE(s.series[0].requests, expected);
    const int w = std::clamp(window, 1, 60);
    QCOMPARE(s.window_s, w);
    QCOMPARE(s.series[0].rate_per_s, double(expected) / w);
    QCOMPARE(s.series[0].latency->max_ms, 70.0);
    std::uint64_t errors = 0;
    for (int k = 71 - w; k <= 70; ++k)
        errors += std::uint64_t((k + 9) / 10);
    QCOMPARE(s.series[0].errors, errors);
}

void TestRecorder::idleSecondsAreZero() {
    Recorder r;
    const auto h = r.register_series("GET", "/a", "stable");
    r.freeze();
    r.record(h, 200, 1ms);
    r.close_epoch(100);
    r.record(h, 200, 1ms);
    r.record(h, 200, 1ms);
    r.close_epoch(105);  // 101..104 idle
    QCOMPARE(r.snapshot(1).series[0].requests, std::uint64_t(2));
    QCOMPARE(r.snapshot(5).series[0].requests, std::uint64_t(2));
    QCOMPARE(r.snapshot(6).series[0].requests, std::uint64_t(3));
    r.close_epoch(200);  // more than a ring later: everything old is out of every window
    QCOMPARE(r.snapshot(60).series[0].requests, std::uint64_t(0));
    QCOMPARE(r.snapshot(60).epoch, std::int64_t(200));
}

void TestRecorder::olderEpochKeepsData() {
    Recorder r;
    const auto h = r.register_series("GET", "/a", "stable");
    r.freeze();
    r.record(h, 200, 1ms);
    r.close_epoch(100);
    r.record(h, 200, 1ms);
    r.close_epoch(99);  // older than the newest closed: ignored, nothing lost
    QCOMPARE(r.snapshot(1).epoch, std::int64_t(100));
    QCOMPARE(r.snapshot(1).series[0].requests, std::uint64_t(1));
    r.record(h, 200, 1ms);
    r.close_epoch(100);  // the same second again: merged into it
    QCOMPARE(r.snapshot(1).series[0].requests, std::uint64_t(3));
    r.close_epoch(101);
    QCOMPARE(r.snapshot(1).series[0].requests, std::uint64_t(0));
    QCOMPARE(r.snapshot(2).series[0].requests, std::uint64_t(3));
}

void TestRecorder::inflightGauge() {
    Recorder r;
    const auto a = r.register_series("GET", "/a", "stable");
    const auto b = r.register_series("GET", "/b", "stable");
    r.freeze();
    for (int i = 0; i < 5; ++i)
        r.request_started(a);
    r.request_finished(a);
    r.request_started(b);
    // Live: no close needed.
    Snapshot s = r.snapshot(1);
    QCOMPARE(s.series[0].inflight, std::int64_t(4));
    QCOMPARE(s.series[1].inflight, std::int64_t(1));
    QCOMPARE(s.total.inflight, std::int64_t(5));
    // Requests finished on another thread (async hosts): the balance spans shards, also after that thread
    // exits.
    std::thread([&] {
        r.request_finished(a);
        r.request_finished(a);
        r.request_finished(b);
    }).join();
    r.close_epoch(10);  // folds the exited thread's shard
    s = r.snapshot(1);
    QCOMPARE(s.series[0].inflight, std::int64_t(2));
    QCOMPARE(s.series[1].inflight, std::int64_t(0));
    r.close_epoch(11);
    std::int64_t via_totals = -1;
    r.totals([&](const SeriesInfo& info, const Counters&, const LatencySketch&, std::int64_t inflight) {
        if (info.route == "/a") via_totals = inflight;
    });
    QCOMPARE(via_totals, std::int64_t(2));
}

void TestRecorder::severalRecordersOneThread() {
    Recorder r1, r2;
    const auto h1 = r1.register_series("GET", "/one", "stable");
    const auto h2a = r2.register_series("GET", "/two", "stable");
    const auto h2b = r2.register_series("GET", "/two", "canary");
    r1.freeze();
    r2.freeze();
    for (int i = 0; i < 1000; ++i) {  // alternate: the thread-local cache switches every call
        r1.record(h1, 200, 1ms);
        r2.record(h2a, 201, 2ms);
        if (i % 4 == 0) r2.record(h2b, 202, 3ms);
    }
    r1.close_epoch(1);
    r2.close_epoch(1);
    QCOMPARE(r1.snapshot(1).series[0].requests, std::uint64_t(1000));
    QCOMPARE(r1.snapshot(1).series[0].by_code.at(200), std::uint64_t(1000));
    const Snapshot s2 = r2.snapshot(1);
    QCOMPARE(s2.series[0].requests, std::uint64_t(1000));
    QCOMPARE(s2.series[0].by_code.at(201), std::uint64_t(1000));
    QCOMPARE(s2.series[1].requests, std::uint64_t(250));
    QCOMPARE(s2.total.requests, std::uint64_t(1250));
}

void TestRecorder::manyShortLivedRecorders() {
    // Recorders created and destroyed on one thread: a new one never sees an old one's shard.
    for (int n = 0; n < 50; ++n) {
        Recorder r;
        const auto h = r.register_series("GET", "/a", "stable");
        r.freeze();
        for (int i = 0; i <= n; ++i)
            r.record(h, 200, 1ms);
        r.close_epoch(1);
        QCOMPARE(r.snapshot(1).series[0].requests, std::uint64_t(n + 1));
    }
}

void TestRecorder::threadExitKeepsTotals() {
    Recorder r;
    const auto h = r.register_series("GET", "/a", "stable");
    r.freeze();
    for (int t = 0; t < 3; ++t) {
        std::thread([&] {
            for (int i = 0; i < 100; ++i)
                r.record(h, 200, 1ms, CacheOutcome::Hit);
        }).join();
        r.close_epoch(10 + t);  // reads the exited thread's final counts, then drops its shard
    }
    r.close_epoch(20);
    r.close_epoch(21);  // a dropped shard is not counted again
    QCOMPARE(r.snapshot(60).series[0].requests, std::uint64_t(300));
    Counters total;
    r.totals([&](const SeriesInfo&, const Counters& c, const LatencySketch& sk, std::int64_t) {
        total = c;
        QCOMPARE(sk.count(), std::uint64_t(300));
    });
    QCOMPARE(total.requests, std::uint64_t(300));
    QCOMPARE(total.cache_hits, std::uint64_t(300));
}

void TestRecorder::collectableOutlivesRecorder() {
    std::shared_ptr<prometheus::Collectable> c;
    {
        Recorder r;
        const auto h = r.register_series("GET", "/a", "stable");
        r.freeze();
        r.record(h, 200, 1ms);
        r.close_epoch(1);
        c = redline::agent::make_metrics_collectable(r, "svc");
        QVERIFY(!c->Collect().empty());
    }
    QVERIFY(c->Collect().empty());
}

void TestRecorder::counterExactnessAcrossThreads_data() {
    QTest::addColumn<int>("threads");
    QTest::newRow("2 threads") << 2;
    QTest::newRow("3 threads") << 3;
    QTest::newRow("4 threads") << 4;
}

void TestRecorder::counterExactnessAcrossThreads() {
    QFETCH(int, threads);
    constexpr std::uint64_t kPerThread = 200'000;
    Recorder r;
    std::vector<SeriesHandle> handles;
    for (const char* v : {"stable", "canary"})
        handles.push_back(r.register_series("GET", "/v1/products/{id}", v));
    handles.push_back(r.register_series("POST", "/v1/orders", "stable"));
    r.freeze();
    auto collectable = redline::agent::make_metrics_collectable(r, "svc");

    // Expected results, computed independently of the recorder.
    LatencySketch expected_sketch;
    std::uint64_t expected_sum_ns = 0;  // exact (the sketch's double sum rounds once it passes 2^53)
    Counters expected;
    for (int t = 0; t < threads; ++t)
        for (std::uint64_t i = 0; i < kPerThread; ++i) {
            expected_sketch.add(latency_of(t, i));
            expected_sum_ns += latency_of(t, i);
            const int st = status_of(t, i);
            expected.add_status(st >= 100 && st <= 599 ? st : 0);
            expected.cache_hits += cache_of(i) == CacheOutcome::Hit;
            expected.cache_misses += cache_of(i) == CacheOutcome::Miss;
            expected.rl_allowed += rl_of(i) == RateLimitOutcome::Allowed;
            expected.rl_rejected += rl_of(i) == RateLimitOutcome::Rejected;
            expected.rl_shadow_rejected += rl_of(i) == RateLimitOutcome::ShadowRejected;
        }

    std::atomic<int> running{threads};
    std::atomic<bool> go{false};
    // Halfway through, every worker waits for the closer's first close: on a loaded 2-core machine the
    // workers could otherwise finish before the closer ran once, and the test would not test closes while
    // recording.
    std::atomic<std::uint64_t> closed{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
            while (!go.load())
                std::this_thread::yield();
            for (std::uint64_t i = 0; i < kPerThread; ++i) {
                if (i == kPerThread / 2)
                    while (closed.load() == 0)
                        std::this_thread::yield();
                const SeriesHandle h = handles[(i + std::uint64_t(t)) % handles.size()];
                r.request_started(h);
                r.record_rate_limit(h, rl_of(i));
                r.record(h, status_of(t, i), std::chrono::nanoseconds(latency_of(t, i)), cache_of(i));
                r.request_finished(h);
            }
            running.fetch_sub(1);
        });

    // The closer sums the 1 s window right after each of its own closes: that is exactly the closed epoch.
    std::uint64_t epoch_sum = 0, epoch_errors = 0, epoch_hits = 0, epoch_rejected = 0, closes = 0;
    std::int64_t epoch = 1'000;
    std::thread closer([&] {
        while (running.load() > 0) {
            r.close_epoch(++epoch);
            const Snapshot s = r.snapshot(1);
            epoch_sum += s.total.requests;
            epoch_errors += s.total.errors;
            epoch_hits += s.total.cache_hits;
            epoch_rejected += s.total.rl_rejected;
            ++closes;
            closed.store(closes);
            (void)r.snapshot(10);
            (void)r.snapshot(60);
            (void)redline::agent::metrics_text(*collectable);
        }
    });
    go.store(true);
    for (auto& w : workers)
        w.join();
    closer.join();
    r.close_epoch(++epoch);
    const Snapshot last = r.snapshot(1);
    epoch_sum += last.total.requests;
    epoch_errors += last.total.errors;
    epoch_hits += last.total.cache_hits;
    epoch_rejected += last.total.rl_rejected;
    qInfo("%llu closes while recording", static_cast<unsigned long long>(closes));
    QVERIFY(closes > 0);

    const std::uint64_t n = kPerThread * std::uint64_t(threads);
    QCOMPARE(epoch_sum, n);
    QCOMPARE(epoch_errors, expected.errors);
    QCOMPARE(epoch_hits, expected.cache_hits);
    QCOMPARE(epoch_rejected, expected.rl_rejected);

    Counters total;
    LatencySketch total_sketch;
    std::int64_t inflight = 0;
    r.totals([&](const SeriesInfo&, const Counters& c, const LatencySketch& sk, std::int64_t in) {
        total.merge(c);
        total_sketch.merge(sk);
        inflight += in;
    });
    QCOMPARE(total.requests, n);
    for (int code : {0, 200, 201, 304, 404, 429, 500, 503})
        QCOMPARE(total.code_count(code), expected.code_count(code));
    QCOMPARE(total.by_class, expected.by_class);
    QCOMPARE(total.cache_hits, expected.cache_hits);
    QCOMPARE(total.cache_misses, expected.cache_misses);
    QCOMPARE(total.rl_allowed, expected.rl_allowed);
    QCOMPARE(total.rl_rejected, expected.rl_rejected);
    QCOMPARE(total.rl_shadow_rejected, expected.rl_shadow_rejected);
    QCOMPARE(inflight, std::int64_t(0));
    QCOMPARE(total_sketch.count(), n);
    QVERIFY(total_sketch.buckets() == expected_sketch.buckets());  // every sample in its exact bucket
    // Shards keep exact integer sums; only the per-epoch double accumulation rounds (beyond 2^53 ns): one
    // rounded addition per series per close, each off by at most half an ulp of a partial sum no larger than
    // the total, plus the merges above. A fixed 1e-12 bound failed ~1 run in 8 on a loaded machine (more
    // closes per run).
    const double additions = double((closes + 2) * handles.size() + handles.size());
    const double bound = additions * std::numeric_limits<double>::epsilon() / 2 * double(expected_sum_ns);
    QVERIFY2(std::abs(total_sketch.sum_ns() - double(expected_sum_ns)) <= bound,
             qPrintable(QString("sum %1 vs exact %2, bound %3")
                            .arg(total_sketch.sum_ns(), 0, 'f', 0)
                            .arg(double(expected_sum_ns), 0, 'f', 0)
                            .arg(bound)));
    // Extremes are exact unless a record raced a close; then still inside the right bucket.
    const double tol = 2.0 / 64.0;
    QVERIFY(std::abs(double(total_sketch.max_ns()) - double(expected_sketch.max_ns())) <=
            tol * double(expected_sketch.max_ns()));
    QVERIFY(double(total_sketch.min_ns()) <=
            double(LatencySketch::upper_bound_ns(LatencySketch::kUnderflow)));
}

void TestRecorder::clockClosesEpochs() {
    Recorder r;
    const auto h = r.register_series("GET", "/a", "stable");
    r.freeze();
    r.start_clock();
    r.start_clock();  // idempotent
    for (int i = 0; i < 10; ++i)
        r.record(h, 200, 1ms);
    const std::int64_t now_s =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    // The clock closes the second that just ended, a little after each boundary.
    QTRY_VERIFY_WITH_TIMEOUT(r.snapshot(60).series[0].requests == 10, 5000);
    const Snapshot s = r.snapshot(60);
    QVERIFY(s.epoch >= now_s);
    QVERIFY(s.epoch <= now_s + 5);
    r.stop_clock();
    r.stop_clock();  // idempotent
}

QTEST_GUILESS_MAIN(TestRecorder)
#include "tst_recorder.moc"
