// Counters and WindowRing: status accounting, code overflow, merging, and 1 s / 10 s / 60 s windows over
// one-second epochs with gaps, late epochs and rollover.
#include <QTest>
#include <cstdint>
#include <random>

#include "core/window.h"

using redline::Counters;
using redline::LatencySketch;
using redline::WindowRing;

namespace {

// Epoch e carries (e - base + 1) requests of 200, one 503 every 4th epoch, and latencies of (e - base + 1)
// ms.
constexpr std::int64_t kBase = 1'700'000'000;

std::uint64_t n_of(std::int64_t e) {
    return std::uint64_t(e - kBase + 1);
}

void fill(std::int64_t e, Counters& c, LatencySketch& s) {
    c = Counters{};
    s.clear();
    c.add_status(200, n_of(e));
    if ((e - kBase) % 4 == 0) c.add_status(503);
    c.cache_hits = n_of(e);
    c.cache_misses = 1;
    c.rl_allowed = n_of(e);
    c.rl_rejected = 2;
    c.rl_shadow_rejected = 3;
    s.add(n_of(e) * 1'000'000, n_of(e));
}

WindowRing ring_with(std::int64_t first, std::int64_t last) {
    WindowRing r;
    Counters c;
    LatencySketch s;
    for (auto e = first; e <= last; ++e) {
        fill(e, c, s);
        r.close_epoch(e, c, s);
    }
    return r;
}

// What window(last, seconds) must equal when epochs [first, last_closed] were closed.
void expected(std::int64_t first, std::int64_t last_closed, std::int64_t last, int seconds, Counters& c,
              LatencySketch& s) {
    Counters ci;
    LatencySketch si;
    for (auto e = last - seconds + 1; e <= last; ++e) {
        if (e < first || e > last_closed) continue;
        fill(e, ci, si);
        c.merge(ci);
        s.merge(si);
    }
}

}  // namespace

class TestWindow : public QObject {
    Q_OBJECT

  private slots:
    void add_status_classes() {
        Counters c;
        c.add_status(200, 5);
        c.add_status(201);
        c.add_status(404, 2);
        c.add_status(429, 3);
        c.add_status(500);
        c.add_status(503, 4);
        c.add_status(101);
        c.add_status(302);
        c.add_status(0);    // no response (e.g. aborted): counted, class "other"
        c.add_status(600);  // outside 100..599: "other"
        c.add_status(200, 0);
        QCOMPARE(c.requests, std::uint64_t(20));
        QCOMPARE(c.by_class[0], std::uint64_t(2));
        QCOMPARE(c.by_class[1], std::uint64_t(1));
        QCOMPARE(c.by_class[2], std::uint64_t(6));
        QCOMPARE(c.by_class[3], std::uint64_t(1));
        QCOMPARE(c.by_class[4], std::uint64_t(5));
        QCOMPARE(c.by_class[5], std::uint64_t(5));
        QCOMPARE(c.errors, std::uint64_t(5));  // 5xx only; 429 is not an error
        QCOMPARE(c.code_count(429), std::uint64_t(3));
        QCOMPARE(c.code_count(200), std::uint64_t(5));
        QCOMPARE(c.code_count(418), std::uint64_t(0));
        QCOMPARE(int(c.ncodes), 10);
        QCOMPARE(c.codes_overflow, std::uint64_t(0));
        for (int i = 1; i < c.ncodes; ++i)
            QVERIFY(c.codes[i - 1].first < c.codes[i].first);  // kept sorted
    }

    void code_overflow() {
        Counters c;
        for (int code = 200; code < 220; ++code)
            c.add_status(code, 2);  // 20 distinct codes
        QCOMPARE(int(c.ncodes), Counters::kMaxCodes);
        QCOMPARE(c.codes_overflow, std::uint64_t(8));
        QCOMPARE(c.requests, std::uint64_t(40));
        QCOMPARE(c.by_class[2], std::uint64_t(40));  // classes stay exact
        QCOMPARE(c.code_count(215), std::uint64_t(2));
        QCOMPARE(c.code_count(219), std::uint64_t(0));
        c.add_status(205);  // an existing code still counts exactly when the table is full
        QCOMPARE(c.code_count(205), std::uint64_t(3));
        QCOMPARE(c.codes_overflow, std::uint64_t(8));

        // Merging carries both the other side's overflow and codes that no longer fit.
        Counters d;
        d.add_status(500, 7);
        d.add_status(200, 1);
        Counters e;
        for (int code = 300; code < 318; ++code)
            e.add_status(code);  // 16 kept, 2 overflow
        d.merge(c);
        QCOMPARE(d.requests, std::uint64_t(49));
        QCOMPARE(d.code_count(500), std::uint64_t(7));
        QCOMPARE(d.code_count(200), std::uint64_t(3));
        d.merge(e);
        QCOMPARE(d.requests, std::uint64_t(67));
        std::uint64_t in_table = 0;
        for (int i = 0; i < d.ncodes; ++i)
            in_table += d.codes[i].second;
        QCOMPARE(in_table + d.codes_overflow, d.requests);  // nothing lost
    }

    void merge_commutative_associative() {
        std::mt19937 rng(5);
        std::uniform_int_distribution<int> code(0, 7);
        const int codes[] = {200, 201, 204, 304, 404, 429, 500, 503};
        Counters a, b, c, all;
        for (int i = 0; i < 3000; ++i) {
            const int s = codes[code(rng)];
            (i % 3 == 0 ? a : i % 3 == 1 ? b : c).add_status(s);
            all.add_status(s);
        }
        a.cache_hits = 3, b.cache_misses = 4, c.rl_allowed = 5, a.rl_rejected = 6, b.rl_shadow_rejected = 7;
        all.cache_hits = 3, all.cache_misses = 4, all.rl_allowed = 5, all.rl_rejected = 6,
        all.rl_shadow_rejected = 7;
        Counters ab_c = a;
        ab_c.merge(b);
        ab_c.merge(c);
        Counters bc = b;
        bc.merge(c);
        Counters a_bc = a;
        a_bc.merge(bc);
        Counters cba = c;
        cba.merge(b);
        cba.merge(a);
        QCOMPARE(ab_c, all);
        QCOMPARE(a_bc, all);
        QCOMPARE(cba, all);
        Counters none;
        Counters copy = all;
        copy.merge(none);
        QCOMPARE(copy, all);
    }

    void windows_sum_recent_slots_data() {
        QTest::addColumn<int>("closed");  // epochs kBase .. kBase + closed - 1 were closed
        QTest::addColumn<int>("ahead");   // window asked for last_epoch = newest + ahead
        QTest::addColumn<int>("seconds");
        QTest::newRow("1s after 60") << 60 << 0 << 1;
        QTest::newRow("10s after 60") << 60 << 0 << 10;
        QTest::newRow("60s after 60") << 60 << 0 << 60;
        QTest::newRow("60s after 5 (partly empty)") << 5 << 0 << 60;
        QTest::newRow("10s after 150 (ring wrapped)") << 150 << 0 << 10;
        QTest::newRow("60s after 150 (ring wrapped)") << 150 << 0 << 60;
        QTest::newRow("10s, 3 idle seconds later") << 100 << 3 << 10;
        QTest::newRow("60s, 59 idle seconds later") << 100 << 59 << 60;
        QTest::newRow("60s, 60 idle seconds later") << 100 << 60 << 60;
        QTest::newRow("seconds clamped to 60") << 100 << 0 << 1000;
        QTest::newRow("seconds clamped to 1") << 100 << 0 << 0;
    }

    void windows_sum_recent_slots() {
        QFETCH(int, closed);
        QFETCH(int, ahead);
        QFETCH(int, seconds);
        const auto last_closed = kBase + closed - 1;
        const WindowRing r = ring_with(kBase, last_closed);
        QCOMPARE(r.newest_epoch(), last_closed);
        Counters c;
        LatencySketch s;
        r.window(last_closed + ahead, seconds, c, s);
        Counters ce;
        LatencySketch se;
        expected(kBase, last_closed, last_closed + ahead, std::clamp(seconds, 1, 60), ce, se);
        QCOMPARE(c, ce);
        QVERIFY(s == se);
        if (ahead >= 60) QCOMPARE(c.requests, std::uint64_t(0));
        if (ahead == 0 && closed >= 60 && seconds == 60) {
            // Closed-form check of the 60 s sum: n_of(e) for the last 60 epochs plus one 503 every 4th epoch.
            std::uint64_t want = 0;
            for (auto e = last_closed - 59; e <= last_closed; ++e)
                want += n_of(e) + ((e - kBase) % 4 == 0);
            QCOMPARE(c.requests, want);
        }
    }

    void window_adds_to_output() {
        const WindowRing r = ring_with(kBase, kBase + 9);
        Counters c;
        c.add_status(200, 1000);
        LatencySketch s;
        s.add(1);
        r.window(kBase + 9, 1, c, s);
        QCOMPARE(c.requests, std::uint64_t(1000 + 10));
        QCOMPARE(s.count(), std::uint64_t(1 + 10));
    }

    void gaps_are_zero_and_old_epochs_drop_out() {
        WindowRing r;
        Counters c;
        LatencySketch s;
        fill(kBase, c, s);
        r.close_epoch(kBase, c, s);
        fill(kBase + 5, c, s);
        r.close_epoch(kBase + 5, c, s);  // 4 idle seconds in between

        Counters w;
        LatencySketch ws;
        r.window(kBase + 5, 10, w, ws);
        QCOMPARE(w.requests, n_of(kBase) + 1 + n_of(kBase + 5));
        Counters w3;
        LatencySketch ws3;
        r.window(kBase + 4, 4, w3, ws3);  // only idle seconds
        QCOMPARE(w3.requests, std::uint64_t(0));
        QCOMPARE(ws3.count(), std::uint64_t(0));

        // 60 s later kBase is out of every window, kBase + 5 still in the 60 s one.
        fill(kBase + 60, c, s);
        r.close_epoch(kBase + 60, c, s);
        Counters w60;
        LatencySketch ws60;
        r.window(kBase + 60, 60, w60, ws60);
        QCOMPARE(w60.requests, n_of(kBase + 5) + n_of(kBase + 60) + 1);
        // Asking for an old window whose slots were reused reads zero, never the newer data.
        Counters old;
        LatencySketch olds;
        r.window(kBase, 1, old, olds);
        QCOMPARE(old.requests, std::uint64_t(0));

        // A jump of many minutes clears everything.
        fill(kBase + 100'000, c, s);
        r.close_epoch(kBase + 100'000, c, s);
        Counters far;
        LatencySketch fars;
        r.window(kBase + 100'000, 60, far, fars);
        QCOMPARE(far.requests, c.requests);
        QVERIFY(fars == s);
    }

    void late_and_repeated_epochs() {
        WindowRing r = ring_with(kBase, kBase + 9);
        Counters c;
        LatencySketch s;
        Counters before;
        LatencySketch bs;
        r.window(kBase + 9, 60, before, bs);

        // Older than the newest: ignored.
        fill(kBase + 3, c, s);
        r.close_epoch(kBase + 3, c, s);
        r.close_epoch(-5, c, s);
        Counters after;
        LatencySketch as;
        r.window(kBase + 9, 60, after, as);
        QCOMPARE(after, before);
        QVERIFY(as == bs);
        QCOMPARE(r.newest_epoch(), kBase + 9);

        // The newest epoch closed again (a late shard): merged into it, nothing lost.
        Counters extra;
        extra.add_status(404, 2);
        LatencySketch es;
        es.add(7'000'000'000, 2);
        r.close_epoch(kBase + 9, extra, es);
        Counters merged;
        LatencySketch ms;
        r.window(kBase + 9, 1, merged, ms);
        fill(kBase + 9, c, s);
        c.merge(extra);
        s.merge(es);
        QCOMPARE(merged, c);
        QVERIFY(ms == s);
    }

    void empty_ring_and_memory() {
        WindowRing r;
        QCOMPARE(r.newest_epoch(), std::int64_t(-1));
        Counters c;
        LatencySketch s;
        r.window(kBase, 60, c, s);
        QCOMPARE(c, Counters{});
        QVERIFY(s == LatencySketch{});
        const auto empty_bytes = r.memory_bytes();
        QCOMPARE(empty_bytes, sizeof(WindowRing));
        const WindowRing full = ring_with(kBase, kBase + 59);
        QVERIFY(full.memory_bytes() > empty_bytes);  // 60 slots x 1 bucket
        qInfo("WindowRing: %zu bytes empty, %zu bytes with one latency bucket per slot", empty_bytes,
              full.memory_bytes());
    }
};

QTEST_GUILESS_MAIN(TestWindow)
#include "tst_window.moc"
