// LatencySketch: accuracy against exact sorted data, exact merging, bucket geometry and edge cases.
#include <QTest>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/sketch.h"
#include "tests/support/latency_samples.h"

using redline::LatencySketch;

namespace {

constexpr std::uint64_t kMinNs = redline::test::kMinLatencyNs;  // the bottom of the promised range
constexpr std::uint64_t kMaxNs = redline::test::kMaxLatencyNs;  // the top
constexpr std::size_t kSamples = 200'000;

/// Deterministic samples (fixed seed) in nanoseconds, inside the promised 1 us .. 100 s range.
std::vector<std::uint64_t> samples(const std::string& dist, std::size_t n = kSamples,
                                   std::uint64_t seed = 42) {
    return redline::test::latency_samples(dist, n, seed);
}

double rel_err(double got, double want) {
    return std::abs(got - want) / want;
}

}  // namespace

class TestSketch : public QObject {
    Q_OBJECT

  private slots:
    void accuracy_data() {
        QTest::addColumn<QString>("dist");
        for (const char* d : {"uniform", "loguniform", "lognormal", "bimodal", "pareto"})
            QTest::newRow(d) << d;
    }

    void accuracy() {
        QFETCH(QString, dist);
        auto v = samples(dist.toStdString());
        LatencySketch s;
        for (auto x : v)
            s.add(x);
        std::sort(v.begin(), v.end());
        QCOMPARE(s.count(), v.size());
        QCOMPARE(s.min_ns(), v.front());
        QCOMPARE(s.max_ns(), v.back());

        // The promised quantiles, then a dense sweep so a bug in any bucket region shows up.
        std::vector<double> qs = {0.5, 0.95, 0.99, 0.999};
        for (int i = 1; i < 1000; ++i)
            qs.push_back(i / 1000.0);
        double worst = 0;
        for (double q : qs) {
            const double want = double(v[static_cast<std::size_t>(std::floor(q * double(v.size() - 1)))]);
            const double got = s.quantile_ns(q);
            const double e = rel_err(got, want);
            worst = std::max(worst, e);
            if (e > 0.01)
                QFAIL(qPrintable(QStringLiteral("q=%1: got %2 ns, exact %3 ns, rel. error %4")
                                     .arg(q)
                                     .arg(got, 0, 'f', 0)
                                     .arg(want, 0, 'f', 0)
                                     .arg(e)));
            // The documented bound (0.78 %), with room for floating-point rounding only.
            QVERIFY2(e <= LatencySketch::kRelativeError * (1 + 1e-9), qPrintable(QString::number(e)));
        }
        qInfo("%s: worst relative error %.4f %% over %zu quantiles (n=%zu, %.1f us .. %.3f s)",
              qPrintable(dist), worst * 100, qs.size(), v.size(), v.front() / 1e3, v.back() / 1e9);
        // The data really spans what the test claims to exercise.
        if (dist == "loguniform") {
            QVERIFY(v.front() < 2 * kMinNs);
            QVERIFY(v.back() > kMaxNs / 2);
        }
    }

    void mean_and_sum() {
        const auto v = samples("lognormal", 10'000);
        LatencySketch s;
        double sum = 0;
        for (auto x : v) {
            s.add(x);
            sum += double(x);
        }
        QCOMPARE(s.sum_ns(), sum);
        QCOMPARE(s.mean_ns(), sum / double(v.size()));
    }

    void merge_is_exact_associative_commutative() {
        const auto v = samples("bimodal", 30'000, 7);
        LatencySketch a, b, c, all;
        for (std::size_t i = 0; i < v.size(); ++i) {
            (i % 3 == 0 ? a : i % 3 == 1 ? b : c).add(v[i]);
            all.add(v[i]);
        }
        LatencySketch ab_c = a;  // (a + b) + c
        ab_c.merge(b);
        ab_c.merge(c);
        LatencySketch bc = b;  // a + (b + c)
        bc.merge(c);
        LatencySketch a_bc = a;
        a_bc.merge(bc);
        LatencySketch cba = c;  // c + b + a
        cba.merge(b);
        cba.merge(a);
        for (const LatencySketch* m : {&ab_c, &a_bc, &cba}) {
            QVERIFY(m->buckets() == all.buckets());
            QCOMPARE(m->count(), all.count());
            QCOMPARE(m->min_ns(), all.min_ns());
            QCOMPARE(m->max_ns(), all.max_ns());
            QCOMPARE(m->sum_ns(), all.sum_ns());  // integer ns sums below 2^53 are exact in a double
            for (double q : {0.5, 0.9, 0.99, 0.999})
                QCOMPARE(m->quantile_ns(q), all.quantile_ns(q));
        }
        QVERIFY(ab_c == a_bc);
        QVERIFY(ab_c == cba);

        // Merging an empty sketch is the identity; merging into an empty one copies.
        LatencySketch empty, copy = all;
        copy.merge(empty);
        QVERIFY(copy == all);
        empty.merge(all);
        QVERIFY(empty == all);
    }

    void bucket_geometry() {
        for (std::size_t i = 0; i < LatencySketch::kRegular; ++i) {
            const auto lo = LatencySketch::lower_bound_ns(i);
            const auto hi = LatencySketch::upper_bound_ns(i);
            QVERIFY(lo < hi);
            QCOMPARE(LatencySketch::index_of(lo), i);
            QCOMPARE(LatencySketch::index_of(hi - 1), i);
            if (i + 1 < LatencySketch::kRegular)
                QCOMPARE(LatencySketch::lower_bound_ns(i + 1), hi);  // contiguous
            QVERIFY(double(hi) / double(lo) <= 1.0 + 1.0 / 64 + 1e-12);
            const double r = LatencySketch::representative_ns(i);
            QVERIFY(rel_err(r, double(lo)) <= LatencySketch::kRelativeError * (1 + 1e-9));
            QVERIFY(rel_err(r, double(hi - 1)) <= LatencySketch::kRelativeError * (1 + 1e-9));
        }
        QCOMPARE(LatencySketch::index_of(0), LatencySketch::kUnderflow);
        QCOMPARE(LatencySketch::index_of(511), LatencySketch::kUnderflow);
        QCOMPARE(LatencySketch::index_of(512), std::size_t(0));
        QCOMPARE(LatencySketch::index_of((std::uint64_t{1} << 37) - 1), LatencySketch::kRegular - 1);
        QCOMPARE(LatencySketch::index_of(std::uint64_t{1} << 37), LatencySketch::kOverflow);
        QCOMPARE(LatencySketch::index_of(std::numeric_limits<std::uint64_t>::max()),
                 LatencySketch::kOverflow);
        // The promised range is inside the guaranteed one.
        QVERIFY(LatencySketch::index_of(kMinNs) < LatencySketch::kRegular);
        QVERIFY(LatencySketch::index_of(kMaxNs) < LatencySketch::kRegular);
    }

    void extremes() {
        LatencySketch empty;
        QCOMPARE(empty.count(), std::uint64_t(0));
        QCOMPARE(empty.quantile_ns(0.5), 0.0);
        QCOMPARE(empty.min_ns(), std::uint64_t(0));
        QCOMPARE(empty.max_ns(), std::uint64_t(0));
        QCOMPARE(empty.mean_ns(), 0.0);
        QCOMPARE(empty.count_at_or_below(1'000'000), std::uint64_t(0));

        LatencySketch one;
        one.add(123'457);
        for (double q : {0.0, 0.5, 0.99, 1.0})
            QCOMPARE(one.quantile_ns(q), 123'457.0);  // clamped to the exact value

        // Out-of-range quantile arguments are clamped, NaN reads as 0.
        LatencySketch s;
        for (std::uint64_t x = 1'000; x <= 100'000; x += 1'000)
            s.add(x);
        QCOMPARE(s.quantile_ns(-1), 1'000.0);
        QCOMPARE(s.quantile_ns(2), 100'000.0);
        QCOMPARE(s.quantile_ns(std::numeric_limits<double>::quiet_NaN()), 1'000.0);

        // Below 512 ns and at or above 2^37 ns: reported as the exact extremes.
        LatencySketch tails;
        tails.add(0);
        tails.add(100);
        tails.add(500, 10);
        tails.add(std::uint64_t{1} << 40);
        tails.add(std::numeric_limits<std::uint64_t>::max());
        QCOMPARE(tails.count(), std::uint64_t(14));
        QCOMPARE(tails.buckets()[LatencySketch::kUnderflow], std::uint64_t(12));
        QCOMPARE(tails.buckets()[LatencySketch::kOverflow], std::uint64_t(2));
        QCOMPARE(tails.quantile_ns(0.5), 0.0);
        QCOMPARE(tails.quantile_ns(1.0), double(std::numeric_limits<std::uint64_t>::max()));
        QCOMPARE(tails.quantile_ns(0.95), double(std::numeric_limits<std::uint64_t>::max()));

        // add(x, 0) is a no-op; add(x, n) equals n adds.
        LatencySketch a, b;
        a.add(5'000, 0);
        QCOMPARE(a.count(), std::uint64_t(0));
        a.add(5'000, 3);
        for (int i = 0; i < 3; ++i)
            b.add(5'000);
        QVERIFY(a == b);

        s.clear();
        QVERIFY(s == LatencySketch{});
    }

    void raw_buckets_without_extremes() {
        // A sketch filled only from raw bucket counts (as a recorder may do) still answers sensibly.
        LatencySketch s;
        const auto i = LatencySketch::index_of(1'000'000);
        s.add_bucket(i, 10);
        QCOMPARE(s.count(), std::uint64_t(10));
        const double q = s.quantile_ns(0.5);
        QVERIFY(rel_err(q, 1e6) <= LatencySketch::kRelativeError);
        QCOMPARE(s.count_at_or_below(LatencySketch::upper_bound_ns(i) - 1), std::uint64_t(10));
        QCOMPARE(s.count_at_or_below(LatencySketch::lower_bound_ns(i)), std::uint64_t(0));
        s.observe_extremes(1'000'000, 1'000'000);
        QCOMPARE(s.quantile_ns(0.5), 1e6);
    }

    void count_at_or_below_matches_exact_counts() {
        auto v = samples("lognormal", 50'000, 3);
        LatencySketch s;
        for (auto x : v)
            s.add(x);
        std::sort(v.begin(), v.end());
        auto exact = [&](std::uint64_t bound) {
            return std::uint64_t(std::upper_bound(v.begin(), v.end(), bound) - v.begin());
        };
        // Exact at every bucket boundary (bound = upper - 1 is the largest value of the bucket).
        for (std::size_t i = 0; i < LatencySketch::kRegular; i += 7)
            QCOMPARE(s.count_at_or_below(LatencySketch::upper_bound_ns(i) - 1),
                     exact(LatencySketch::upper_bound_ns(i) - 1));
        // Prometheus-style bounds (5 ms, 10 ms, ...) are not boundaries: the answer never over-counts and
        // misses at most the one straddling bucket.
        for (double sec : {.005, .01, .025, .05, .1, .25, .5, 1.0, 2.5, 5.0, 10.0}) {
            const auto bound = std::uint64_t(sec * 1e9);
            const auto got = s.count_at_or_below(bound);
            const auto lo = LatencySketch::lower_bound_ns(LatencySketch::index_of(bound));
            QVERIFY(got <= exact(bound));
            QVERIFY(got >= exact(lo - 1));
        }
        QCOMPARE(s.count_at_or_below(v.front() - 1), std::uint64_t(0));
        QCOMPARE(s.count_at_or_below(v.back()), s.count());
    }

    void sparse_round_trip() {
        const auto v = samples("pareto", 20'000, 11);
        LatencySketch s;
        for (auto x : v)
            s.add(x);
        s.add(3);                       // underflow
        s.add(std::uint64_t{1} << 38);  // overflow
        const auto sp = s.sparse();
        QVERIFY(sp.size() < LatencySketch::kBuckets);
        QVERIFY(std::is_sorted(sp.begin(), sp.end()));
        LatencySketch r;
        QVERIFY(r.from_sparse(sp, s.sum_ns(), s.min_ns(), s.max_ns()));
        QVERIFY(r == s);

        auto bad = sp;
        bad.emplace_back(std::uint32_t(LatencySketch::kBuckets), 1);
        LatencySketch x = s;
        QVERIFY(!x.from_sparse(bad, 1, 1, 1));
        QVERIFY(x == LatencySketch{});

        LatencySketch e;
        QVERIFY(e.from_sparse({}, 0, 0, 0));
        QVERIFY(e == LatencySketch{});
    }
};

QTEST_GUILESS_MAIN(TestSketch)
#include "tst_sketch.moc"
