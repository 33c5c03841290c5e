// The run store (core/load/run_store.h) and its sketch encoding (core/load/run_record.h): round trips, strict
// decoding, the schema and its upgrade path, files it must refuse without touching them, records, intervals,
// short ids, deletion, two writers on one file, and the recorder's writer thread.
#include <sqlite3.h>

#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/load/run_recorder.h"
#include "core/load/run_store.h"
#include "tests/support/latency_samples.h"

using namespace redline;
using namespace redline::load;

namespace {

std::string read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

/// Runs SQL on a file with a plain SQLite connection (how another program would).
void sql(const std::string& path, const std::string& text) {
    sqlite3* db = nullptr;
    QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err);
    const std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    QVERIFY2(rc == SQLITE_OK, msg.c_str());
}

std::int64_t sql_int(const std::string& path, const std::string& text) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_stmt* s = nullptr;
    std::int64_t v = -1;
    if (sqlite3_prepare_v2(db, text.c_str(), -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

LatencySketch sketch_of(const std::string& dist, std::size_t n, std::uint64_t seed) {
    LatencySketch s;
    for (auto v : test::latency_samples(dist, n, seed))
        s.add(v);
    return s;
}

RunHeader header(const std::string& id, const std::string& scenario = "unit",
                 std::int64_t started_ms = 1000) {
    RunHeader h;
    h.id = id;
    h.run_id = id;
    h.scenario = scenario;
    h.scenario_json = {{"name", scenario}, {"executor", "constant-arrival-rate"}};
    h.target = "http://127.0.0.1:1";
    h.executor = "constant-arrival-rate";
    h.started_ms = started_ms;
    h.host = "host";
    h.pid = 42;
    h.version = "test";
    return h;
}

/// Second k of a run with two requests: "a" gets 20 + k requests, "b" 5 (one 500, one transport error).
RunSecond second(std::int64_t k) {
    RunSecond r;
    r.epoch = 1'700'000'000 + k;
    r.t_s = double(k + 1);
    r.target = 25;
    r.late = std::uint64_t(k);
    r.unsent = 3;
    r.in_flight = 2;
    r.transport[std::size_t(TransportError::Timeout)] = 1;
    RunSecond::Request a{"a", "GET", {}};
    RunSecond::Request b{"b", "POST", {}};
    const auto va = test::latency_samples("lognormal", std::size_t(20 + k), std::uint64_t(100 + k));
    for (auto v : va) {
        a.stats.counters.add_result(200, false);
        a.stats.corrected.add(v + 1000);
        a.stats.uncorrected.add(v);
    }
    const auto vb = test::latency_samples("bimodal", 5, std::uint64_t(200 + k));
    for (std::size_t i = 0; i < vb.size(); ++i) {
        const int status = i == 0 ? 500 : (i == 1 ? 0 : 201);
        b.stats.counters.add_result(status, status != 201);
        if (status) {
            b.stats.corrected.add(vb[i]);
            b.stats.uncorrected.add(vb[i]);
        }
    }
    r.requests = {a, b};
    return r;
}

Summary summary_for(const std::string& id, RunOutcome outcome) {
    Summary s;
    s.run_id = id;
    s.scenario = "unit";
    s.outcome = outcome;
    s.reason = outcome == RunOutcome::Stopped ? "stopped: user" : "";
    s.completed = 123;
    s.duration_s = 4.5;
    s.latency.p99_ms = 7.25;
    return s;
}

std::unique_ptr<RunStore> open_ok(const std::string& path) {
    std::string why;
    auto s = RunStore::open(path, RunStore::Mode::CreateIfMissing, &why);
    if (!s) qWarning("%s", why.c_str());
    return s;
}

}  // namespace

class TestRunStore : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::string file(const char* name) { return dir_.filePath(name).toStdString(); }

  private slots:
    void sketch_round_trip_data() {
        QTest::addColumn<QString>("dist");
        QTest::addColumn<int>("n");
        QTest::newRow("empty") << "uniform" << 0;
        QTest::newRow("one") << "uniform" << 1;
        QTest::newRow("lognormal 100") << "lognormal" << 100;
        QTest::newRow("pareto 100000") << "pareto" << 100000;
        QTest::newRow("bimodal 5000") << "bimodal" << 5000;
    }
    void sketch_round_trip() {
        QFETCH(QString, dist);
        QFETCH(int, n);
        const LatencySketch s = sketch_of(dist.toStdString(), std::size_t(n), 7);
        const std::string blob = encode_sketch(s);
        LatencySketch back;
        std::string why;
        QVERIFY2(decode_sketch(blob, back, &why), why.c_str());
        QVERIFY(back == s);
        QCOMPARE(back.quantile_ns(0.99), s.quantile_ns(0.99));
        // Compact: at most ~3 bytes per non-empty bucket for modest counts, plus the fixed tail.
        QVERIFY2(blob.size() <= 2 + s.sparse().size() * 5 + 28, qPrintable(QString::number(blob.size())));
        if (n == 0) QCOMPARE(blob.size(), std::size_t(2));
    }

    void sketch_round_trip_edges() {
        LatencySketch s;
        s.add(3);                          // underflow bucket
        s.add(std::uint64_t(1) << 40, 9);  // overflow bucket
        s.add(std::numeric_limits<std::uint64_t>::max());
        LatencySketch back;
        QVERIFY(decode_sketch(encode_sketch(s), back));
        QVERIFY(back == s);
        // Filled through add_bucket only: the extremes were never observed, and stay unknown.
        LatencySketch raw;
        raw.add_bucket(100, 5);
        raw.add_bucket(LatencySketch::kBuckets - 1, 1);
        QVERIFY(decode_sketch(encode_sketch(raw), back));
        QVERIFY(back == raw);
    }

    void sketch_decode_refuses_bad_blobs_data() {
        QTest::addColumn<QByteArray>("blob");
        QTest::addColumn<QString>("why");
        const auto good = encode_sketch(sketch_of("lognormal", 50, 3));
        const QByteArray g(good.data(), qsizetype(good.size()));
        QTest::newRow("empty") << QByteArray() << "empty";
        QTest::newRow("version 2") << QByteArray("\x02\x00", 2) << "version";
        QTest::newRow("truncated") << g.left(g.size() - 3) << "truncated";
        QTest::newRow("trailing") << (g + QByteArray("\x00", 1)) << "trailing";
        QTest::newRow("no count") << QByteArray("\x01", 1) << "truncated";
        QTest::newRow("index out of range") << QByteArray("\x01\x01\x8a\x0e\x01", 5) + QByteArray(10, '\0')
                                            << "out of range";  // 1802 >= kBuckets
        QTest::newRow("not increasing")
            << QByteArray("\x01\x02\x05\x01\x00\x01", 6) + QByteArray(10, '\0') << "not increasing";
        QTest::newRow("zero count") << QByteArray("\x01\x01\x05\x00", 4) + QByteArray(10, '\0')
                                    << "zero count";
        QTest::newRow("too many buckets") << QByteArray("\x01\xff\xff\x03", 4) << "more buckets";
        QTest::newRow("overlong varint")
            << QByteArray("\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12) << "truncated";
        // min 9 > max 2, with a valid sum of 0.0.
        QTest::newRow("min above max")
            << QByteArray("\x01\x01\x05\x01", 4) + QByteArray(8, '\0') + QByteArray("\x09\x02", 2)
            << "minimum above";
        QByteArray nan("\x01\x01\x05\x01", 4);
        nan += QByteArray("\x00\x00\x00\x00\x00\x00\xf8\x7f", 8);
        nan += QByteArray("\x01\x02", 2);
        QTest::newRow("nan sum") << nan << "finite";
        QByteArray overflow("\x01\x02\x05", 3);
        overflow += QByteArray("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10);
        overflow += QByteArray("\x01", 1) + QByteArray("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10);
        QTest::newRow("count overflow") << overflow << "overflow";
    }
    void sketch_decode_refuses_bad_blobs() {
        QFETCH(QByteArray, blob);
        QFETCH(QString, why);
        LatencySketch out;
        out.add(5000);
        std::string got;
        QVERIFY(!decode_sketch(std::string_view(blob.constData(), std::size_t(blob.size())), out, &got));
        QVERIFY2(QString::fromStdString(got).contains(why), got.c_str());
        QCOMPARE(out.count(), std::uint64_t(0));
    }

    void creates_a_versioned_wal_file() {
        const std::string path = file("new.db");
        auto s = open_ok(path);
        QVERIFY(s);
        QCOMPARE(s->schema_version(), RunStore::kSchemaVersion);
        s.reset();
        QCOMPARE(sql_int(path, "PRAGMA user_version"), std::int64_t(RunStore::kSchemaVersion));
        QCOMPARE(sql_int(path, "PRAGMA application_id"), std::int64_t(RunStore::kApplicationId));
        QCOMPARE(sql_int(path, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"),
                 std::int64_t(1));
        // Opening again changes nothing.
        const std::string before = read_bytes(path);
        QVERIFY(open_ok(path));
        QCOMPARE(read_bytes(path), before);
    }

    void refuses_files_it_must_not_touch_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("why");
        QTest::newRow("garbage bytes") << "garbage"
                                       << "not a runs database";
        QTest::newRow("a text file") << "text"
                                     << "not a runs database";
        QTest::newRow("newer schema (user_version 99)") << "newer"
                                                        << "newer redline (runs schema v99";
        QTest::newRow("another application's database") << "foreign"
                                                        << "another application";
        QTest::newRow("a foreign application_id") << "foreign-id"
                                                  << "application_id";
    }
    void refuses_files_it_must_not_touch() {
        QFETCH(QString, kind);
        QFETCH(QString, why);
        const std::string path = file(("refuse-" + kind.toStdString() + ".db").c_str());
        if (kind == "garbage") {
            std::mt19937_64 rng(1);
            std::string bytes(8192, '\0');
            for (auto& c : bytes)
                c = char(rng());
            write_bytes(path, bytes);
        } else if (kind == "text") {
            write_bytes(path, "these are my notes, not a database\n");
        } else if (kind == "newer") {
            sql(path, "CREATE TABLE runs(x); PRAGMA application_id=" +
                          std::to_string(RunStore::kApplicationId) + "; PRAGMA user_version=99;");
        } else if (kind == "foreign") {
            sql(path,
                "CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, "
                "2);");
        } else {
            sql(path, "CREATE TABLE t(x); PRAGMA application_id=7; PRAGMA user_version=1;");
        }
        const std::string before = read_bytes(path);
        for (auto mode : {RunStore::Mode::CreateIfMissing, RunStore::Mode::MustExist}) {
            std::string err;
            QVERIFY(!RunStore::open(path, mode, &err));
            QVERIFY2(QString::fromStdString(err).contains(why), err.c_str());
            QVERIFY2(err.find(path) == 0, err.c_str());  // one line naming the file
            QVERIFY(err.find('\n') == std::string::npos);
        }
        QCOMPARE(read_bytes(path), before);
        QVERIFY(!std::filesystem::exists(path + "-wal"));
    }

    // A readable header over damaged pages: found before a run writes into the file.
    void refuses_a_damaged_file_before_writing() {
        const std::string path = file("damaged.db");
        {
            auto s = open_ok(path);
            s->begin_run(header("dddddddddddddddd"));
            std::vector<RunSecond> many;
            for (int k = 0; k < 30; ++k)
                many.push_back(second(k));
            s->add_seconds("dddddddddddddddd", many);
        }
        sql(path, "PRAGMA wal_checkpoint(TRUNCATE);");
        std::string bytes = read_bytes(path);
        QVERIFY(bytes.size() > 5 * 4096);
        for (std::size_t i = 0; i < 800; ++i)  // inside page 4
            bytes[3 * 4096 + 8 + i] = char(0xa5 ^ i);
        write_bytes(path, bytes);
        std::string err;
        QVERIFY(!RunStore::open(path, RunStore::Mode::CreateIfMissing, &err));
        QVERIFY2(err.find("damaged (quick_check: ") != std::string::npos, err.c_str());
        QVERIFY(err.find('\n') == std::string::npos);
        QCOMPARE(read_bytes(path), bytes);
    }

    // A damaged sketch blob is an error naming the run and second, never a made-up figure.
    void a_damaged_sketch_is_an_error() {
        const std::string path = file("blob.db");
        auto s = open_ok(path);
        s->begin_run(header("eeeeeeeeeeeeeeee"));
        s->add_seconds("eeeeeeeeeeeeeeee", {second(0)});
        sql(path, "UPDATE run_second_requests SET corrected = x'0102' WHERE idx = 1;");
        QVERIFY_THROWS_EXCEPTION(RunStoreError, s->seconds("eeeeeeeeeeeeeeee"));
        QVERIFY_THROWS_EXCEPTION(RunStoreError,
                                 s->interval_sketch("eeeeeeeeeeeeeeee", -1, INFINITY, "", true));
        try {
            s->seconds("eeeeeeeeeeeeeeee");
        } catch (const RunStoreError& e) {
            QVERIFY2(std::string(e.what()).find("run eeeeeeeeeeeeeeee, second 1700000000: truncated") == 0,
                     e.what());
        }
        QCOMPARE(s->interval_sketch("eeeeeeeeeeeeeeee", -1, INFINITY, "a", false)->count(),
                 std::uint64_t(20));
    }

    void refuses_bad_paths() {
        std::string err;
        QVERIFY(!RunStore::open(dir_.path().toStdString(), RunStore::Mode::CreateIfMissing, &err));
        QVERIFY2(err.find("is a directory") != std::string::npos, err.c_str());
        QVERIFY(!RunStore::open(file("no/such/dir/runs.db"), RunStore::Mode::CreateIfMissing, &err));
        QVERIFY2(err.find("does not exist") != std::string::npos, err.c_str());
        const std::string missing = file("missing.db");
        QVERIFY(!RunStore::open(missing, RunStore::Mode::MustExist, &err));
        QVERIFY2(err.find("no such file") != std::string::npos, err.c_str());
        QVERIFY(!std::filesystem::exists(missing));  // reading never creates a file
        QVERIFY(!RunStore::open("", RunStore::Mode::CreateIfMissing, &err));
        QVERIFY(!RunStore::open("/proc/version", RunStore::Mode::CreateIfMissing, &err));
    }

    void upgrades_through_the_migration_list() {
        const std::string path = file("upgrade.db");
        const auto v1 = RunStore::migrations();
        std::string err;
        {
            auto s = RunStore::open_with(path, RunStore::Mode::CreateIfMissing, v1, &err);
            QVERIFY2(s, err.c_str());
            s->begin_run(header("00000000000000a1"));
            s->add_seconds("00000000000000a1", {second(0), second(1)});
        }
        // A failing step leaves the file at v1, whole and usable.
        auto broken = v1;
        broken.push_back({2, "ALTER TABLE runs ADD COLUMN note TEXT; THIS IS NOT SQL;"});
        QVERIFY(!RunStore::open_with(path, RunStore::Mode::MustExist, broken, &err));
        QVERIFY2(err.find("upgrade to runs schema v2 failed") != std::string::npos, err.c_str());
        QCOMPARE(sql_int(path, "PRAGMA user_version"), std::int64_t(1));
        QCOMPARE(sql_int(path, "SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'note'"),
                 std::int64_t(0));
        // A good step: v1 -> v2 in one transaction, the records kept.
        auto v2 = v1;
        v2.push_back({2, "ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT 'kept';"});
        {
            auto s = RunStore::open_with(path, RunStore::Mode::MustExist, v2, &err);
            QVERIFY2(s, err.c_str());
            QCOMPARE(s->schema_version(), 2);
            QCOMPARE(s->seconds("00000000000000a1").size(), std::size_t(2));
        }
        QCOMPARE(sql_int(path, "SELECT count(*) FROM runs WHERE note = 'kept'"), std::int64_t(1));
        // And this build (v1) now refuses the v2 file without touching it.
        const std::string before = read_bytes(path);
        QVERIFY(!RunStore::open(path, RunStore::Mode::MustExist, &err));
        QVERIFY2(err.find("newer redline (runs schema v2") != std::string::npos, err.c_str());
        QCOMPARE(read_bytes(path), before);
    }

    void a_run_round_trips() {
        const std::string path = file("record.db");
        auto s = open_ok(path);
        QVERIFY(s);
        const std::string id = RunStore::new_id();
        QCOMPARE(id.size(), std::size_t(16));
        s->begin_run(header(id));
        std::vector<RunSecond> in;
        for (int k = 0; k < 5; ++k)
            in.push_back(second(k));
        s->add_seconds(id, {in[0], in[1]});
        s->add_seconds(id, {in[2], in[3], in[4]});

        auto r = s->get(id);
        QVERIFY(r);
        QVERIFY(!r->complete);
        QVERIFY(r->summary.is_null());
        QCOMPARE(r->seconds, std::int64_t(5));
        QCOMPARE(r->requests, std::uint64_t(20 + 21 + 22 + 23 + 24 + 5 * 5));
        QCOMPARE(r->scenario_json["name"].get<std::string>(), std::string("unit"));

        const auto out = s->seconds(id);
        QCOMPARE(out.size(), in.size());
        for (std::size_t k = 0; k < in.size(); ++k) {
            QCOMPARE(out[k].epoch, in[k].epoch);
            QCOMPARE(out[k].t_s, in[k].t_s);
            QCOMPARE(out[k].late, in[k].late);
            QCOMPARE(out[k].unsent, in[k].unsent);
            QCOMPARE(out[k].in_flight, in[k].in_flight);
            QVERIFY(out[k].transport == in[k].transport);
            QCOMPARE(out[k].achieved_rate, double(25 + k));
            QCOMPARE(out[k].requests.size(), std::size_t(2));
            for (std::size_t i = 0; i < 2; ++i) {
                const auto& a = out[k].requests[i];
                const auto& b = in[k].requests[i];
                QCOMPARE(a.name, b.name);
                QCOMPARE(a.method, b.method);
                QVERIFY(a.corrected == b.stats.corrected);
                QVERIFY(a.uncorrected == b.stats.uncorrected);
                QCOMPARE(a.counters.requests, b.stats.counters.requests);
                QCOMPARE(a.counters.errors, b.stats.counters.errors);
                QVERIFY(a.counters.by_class == b.stats.counters.by_class);
                QCOMPARE(a.counters.code_count(500), b.stats.counters.code_count(500));
                QCOMPARE(a.counters.code_count(201), b.stats.counters.code_count(201));
            }
        }

        // Any interval, exactly: the merge of its seconds.
        LatencySketch all, a_only, mid_uncorrected;
        for (std::size_t k = 0; k < in.size(); ++k)
            for (const auto& q : in[k].requests) {
                all.merge(q.stats.corrected);
                if (q.name == "a") a_only.merge(q.stats.corrected);
                if (k == 2 || k == 3) mid_uncorrected.merge(q.stats.uncorrected);
            }
        QVERIFY(*s->interval_sketch(id, -1, INFINITY, "", true) == all);
        QVERIFY(*s->interval_sketch(id, 0, 5, "*", true) == all);
        QVERIFY(*s->interval_sketch(id, -1, INFINITY, "a", true) == a_only);
        QVERIFY(*s->interval_sketch(id, 2, 4, "", false) == mid_uncorrected);  // t_s 3 and 4
        QCOMPARE(s->interval_sketch(id, 10, 20, "", true)->count(), std::uint64_t(0));
        QVERIFY(!s->interval_sketch(id, -1, INFINITY, "nope", true));
        QVERIFY(!s->interval_sketch("ffffffffffffffff", -1, INFINITY, "", true));

        s->end_run(id, summary_for(id, RunOutcome::Stopped), 9000);
        r = s->get(id);
        QVERIFY(r->complete);
        QCOMPARE(r->outcome, std::string("stopped"));
        QCOMPARE(r->exit_code, std::optional<int>(105));
        QCOMPARE(r->reason, std::string("stopped: user"));
        QCOMPARE(r->ended_ms, std::optional<std::int64_t>(9000));
        QCOMPARE(r->requests, std::uint64_t(123));  // from the summary once complete
        QCOMPARE(r->p99_ms, std::optional<double>(7.25));
        QCOMPARE(r->summary["outcome"].get<std::string>(), std::string("stopped"));
        // A run without a single request (an unreachable target) has no error ratio and no p99, not 0.
        const std::string empty = RunStore::new_id();
        s->begin_run(header(empty));
        Summary none = summary_for(empty, RunOutcome::Error);
        none.completed = 0;
        s->end_run(empty, none, 10);
        QVERIFY(!s->get(empty)->p99_ms);
        QVERIFY(!s->get(empty)->error_ratio);
        QCOMPARE(s->get(empty)->exit_code, std::optional<int>(1));
        QVERIFY_THROWS_EXCEPTION(RunStoreError,
                                 s->end_run("ffffffffffffffff", summary_for("x", RunOutcome::Passed), 1));
        QVERIFY_THROWS_EXCEPTION(RunStoreError, s->add_seconds("ffffffffffffffff", {second(0)}));
    }

    void short_ids_resolve_like_git() {
        auto s = open_ok(file("ids.db"));
        for (const char* id : {"aaaa000000000001", "aaab000000000002", "bbbb000000000003"})
            s->begin_run(header(id));
        using St = RunStore::Resolved::Status;
        QCOMPARE(s->resolve("aaa").status, St::Ambiguous);
        QCOMPARE(s->resolve("aaa").matches, std::size_t(2));
        QCOMPARE(s->resolve("a").matches, std::size_t(2));
        QCOMPARE(s->resolve("aaaa").status, St::Found);
        QCOMPARE(s->resolve("aaaa").id, std::string("aaaa000000000001"));
        QCOMPARE(s->resolve("b").id, std::string("bbbb000000000003"));
        QCOMPARE(s->resolve("bbbb000000000003").status, St::Found);
        QCOMPARE(s->resolve("bbbb0000000000039").status, St::NotFound);
        QCOMPARE(s->resolve("c").status, St::NotFound);
        QCOMPARE(s->resolve("").status, St::NotFound);
        QCOMPARE(s->resolve("%").status, St::NotFound);  // no LIKE patterns
        QCOMPARE(s->resolve("_").status, St::NotFound);
    }

    void lists_newest_first_with_limit_and_scenario() {
        auto s = open_ok(file("list.db"));
        for (int i = 0; i < 30; ++i) {
            char id[17];
            std::snprintf(id, sizeof id, "%016x", i);
            s->begin_run(header(id, i % 3 == 0 ? "soak" : "smoke", 1000 + i));
        }
        const auto all = s->list({});
        QCOMPARE(all.size(), std::size_t(30));
        QCOMPARE(all.front().id, std::string("000000000000001d"));
        QCOMPARE(all.back().id, std::string("0000000000000000"));
        QCOMPARE(s->list({5, ""}).size(), std::size_t(5));
        const auto soak = s->list({0, "soak"});
        QCOMPARE(soak.size(), std::size_t(10));
        for (const auto& r : soak)
            QCOMPARE(r.scenario, std::string("soak"));
        QCOMPARE(s->count({3, "soak"}), std::size_t(10));
        QCOMPARE(s->list({0, "nope"}).size(), std::size_t(0));
    }

    void delete_removes_everything_of_the_run() {
        const std::string path = file("delete.db");
        auto s = open_ok(path);
        s->begin_run(header("1111111111111111"));
        s->begin_run(header("2222222222222222"));
        s->add_seconds("1111111111111111", {second(0), second(1)}, {{1, 2, {{"x", 1}}}},
                       {{{"id", 5}, {"kind", "canary.changed"}, {"time_ms", 3}}});
        s->add_seconds("2222222222222222", {second(0)});
        QCOMPARE(s->agent_seconds("1111111111111111").size(), std::size_t(1));
        QCOMPARE(s->agent_events("1111111111111111").front()["kind"].get<std::string>(),
                 std::string("canary.changed"));
        QVERIFY(s->remove("1111111111111111"));
        QVERIFY(!s->remove("1111111111111111"));
        QVERIFY(!s->get("1111111111111111"));
        QCOMPARE(sql_int(path, "SELECT count(*) FROM run_seconds"), std::int64_t(1));
        QCOMPARE(sql_int(path, "SELECT count(*) FROM run_second_requests"), std::int64_t(2));
        QCOMPARE(sql_int(path, "SELECT count(*) FROM agent_seconds"), std::int64_t(0));
        QCOMPARE(sql_int(path, "SELECT count(*) FROM agent_events"), std::int64_t(0));
        QCOMPARE(s->seconds("2222222222222222").size(), std::size_t(1));
    }

    void two_writers_share_one_file() {
        const std::string path = file("shared.db");
        QVERIFY(open_ok(path));
        std::atomic<int> failures{0};
        auto writer = [&](std::string id) {
            std::string err;
            auto s = RunStore::open(path, RunStore::Mode::MustExist, &err);
            if (!s) {
                ++failures;
                return;
            }
            try {
                s->begin_run(header(id));
                for (int k = 0; k < 40; ++k)
                    s->add_seconds(id, {second(k)});
                s->end_run(id, summary_for(id, RunOutcome::Passed), 5);
            } catch (const RunStoreError&) {
                ++failures;
            }
        };
        std::thread a(writer, "a000000000000000"), b(writer, "b000000000000000");
        a.join();
        b.join();
        QCOMPARE(failures.load(), 0);
        auto s = open_ok(path);
        for (const char* id : {"a000000000000000", "b000000000000000"}) {
            QVERIFY(s->get(id)->complete);
            QCOMPARE(s->seconds(id).size(), std::size_t(40));
        }
    }

    void two_openers_create_one_new_file_at_once() {
        // Two `redline-load run --save` started together on a file that does not exist yet: both must open
        // it. (Found by running two at once: the loser of the race saw the winner's tables before its schema
        // version, "a SQLite database of another application", or lost the switch to WAL, "database is
        // locked", and the run ended with exit 2.)
        int failures = 0;
        std::string first_error;
        for (int round = 0; round < 40; ++round) {
            const std::string path = file(("race-" + std::to_string(round) + ".db").c_str());
            std::atomic<bool> go{false};
            std::string errors[2];
            bool ok[2] = {false, false};
            auto opener = [&](int i) {
                while (!go.load())
                    std::this_thread::yield();
                auto s = RunStore::open(path, RunStore::Mode::CreateIfMissing, &errors[i]);
                ok[i] = s && s->schema_version() == RunStore::migrations().back().version;
            };
            std::thread a(opener, 0), b(opener, 1);
            go = true;
            a.join();
            b.join();
            for (int i = 0; i < 2; ++i)
                if (!ok[i]) {
                    ++failures;
                    if (first_error.empty()) first_error = errors[i];
                }
        }
        QVERIFY2(failures == 0,
                 (std::to_string(failures) + " of 80 opens failed, first: " + first_error).c_str());
    }

    void recorder_writes_from_its_thread() {
        const std::string path = file("recorder.db");
        std::string err;
        auto rec = RunRecorder::start(RunStore::open(path, RunStore::Mode::CreateIfMissing, &err), header(""),
                                      {}, &err);
        QVERIFY2(rec, err.c_str());
        const std::string id = rec->id();
        QCOMPARE(id.size(), std::size_t(16));
        std::thread engine([&] {
            for (int k = 0; k < 8; ++k)
                rec->submit(second(k));
        });
        engine.join();
        // The seconds reach the file while the run goes on (a crash keeps them).
        auto reader = open_ok(path);
        QTRY_COMPARE_WITH_TIMEOUT(reader->get(id)->seconds, std::int64_t(8), 5000);
        QVERIFY(!reader->get(id)->complete);
        const auto res = rec->finish(summary_for(id, RunOutcome::Passed));
        QVERIFY2(res.saved, res.error.c_str());
        QCOMPARE(res.seconds_written, std::uint64_t(8));
        QCOMPARE(res.seconds_lost, std::uint64_t(0));
        QVERIFY(reader->get(id)->complete);
        QCOMPARE(reader->get(id)->outcome, std::string("passed"));
    }

    void recorder_without_finish_leaves_the_run_incomplete() {
        const std::string path = file("abandoned.db");
        std::string err;
        std::string id;
        {
            auto rec = RunRecorder::start(open_ok(path), header(""), {}, &err);
            QVERIFY(rec);
            id = rec->id();
            rec->submit(second(0));
            rec->submit(second(1));
        }
        auto s = open_ok(path);
        QVERIFY(!s->get(id)->complete);
        QCOMPARE(s->get(id)->seconds, std::int64_t(2));
    }

    // Another writer holding the file longer than the busy timeout (5 s): the batch is retried, not lost.
    void recorder_retries_while_the_file_is_locked() {
        const std::string path = file("locked.db");
        std::string err;
        auto rec = RunRecorder::start(open_ok(path), header(""), {}, &err);
        QVERIFY(rec);
        sqlite3* other = nullptr;
        QCOMPARE(sqlite3_open(path.c_str(), &other), SQLITE_OK);
        QCOMPARE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
        rec->submit(second(0));
        rec->submit(second(1));
        QTest::qWait(6500);
        QCOMPARE(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(other);
        rec->submit(second(2));
        const auto res = rec->finish(summary_for(rec->id(), RunOutcome::Passed));
        QVERIFY2(res.saved, res.error.c_str());
        QVERIFY(res.failed_writes >= 1);
        QVERIFY2(res.write_error.find("locked") != std::string::npos, res.write_error.c_str());
        QVERIFY(res.error.empty());
        QCOMPARE(res.seconds_lost, std::uint64_t(0));
        QCOMPARE(res.seconds_written, std::uint64_t(3));
        QCOMPARE(open_ok(path)->seconds(rec->id()).size(), std::size_t(3));
    }

    void recorder_counts_what_a_full_queue_drops() {
        std::string err;
        RunRecorder::Options o;
        o.max_queued = 0;  // everything overflows
        auto rec = RunRecorder::start(open_ok(file("full.db")), header(""), o, &err);
        QVERIFY(rec);
        for (int k = 0; k < 3; ++k)
            rec->submit(second(k));
        const auto res = rec->finish(summary_for(rec->id(), RunOutcome::Passed));
        QVERIFY(res.saved);
        QCOMPARE(res.seconds_lost, std::uint64_t(3));
        QCOMPARE(res.seconds_written, std::uint64_t(0));
    }
};

QTEST_GUILESS_MAIN(TestRunStore)
#include "tst_run_store.moc"
