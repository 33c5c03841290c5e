// GET /v1/stream: server-sent events. Snapshots arrive at about the asked interval (counted over a bounded
// time with generous bounds, no timing assertions), events carry ids and follow events_after / Last-Event-ID,
// many streams run at once, and a stream client that stops reading does not hold up anyone else.
#include <QtTest>
#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "agents/agent/admin_server.h"
#include "agents/agent/error_reporter.h"
#include "agents/agent/event_log.h"
#include "core/snapshot.h"
#include "tests/support/agent_fixture.h"
#include "tests/support/raw_http.h"

using namespace redline::test;
using nlohmann::json;
using redline::agent::Role;

class TestAdminStream : public QObject {
    Q_OBJECT
    std::unique_ptr<AgentFixture> f_;

  private slots:
    void init() { f_ = std::make_unique<AgentFixture>(); }
    void cleanup() { f_.reset(); }

    void snapshots_at_interval_data() {
        QTest::addColumn<int>("interval_ms");
        QTest::addColumn<QString>("window");
        QTest::newRow("100ms") << 100 << "1s";
        QTest::newRow("250ms 10s") << 250 << "10s";
        QTest::newRow("500ms 60s") << 500 << "60s";
    }
    void snapshots_at_interval() {
        QFETCH(int, interval_ms);
        QFETCH(QString, window);
        // Some traffic so the snapshots are not empty.
        for (int i = 0; i < 20; ++i)
            f_->agent().record(f_->handles()[1], 200, std::chrono::milliseconds(3),
                               redline::agent::CacheOutcome::Hit);
        f_->agent().close_epoch(std::time(nullptr));
        const int duration = 2000;
        std::string target =
            "/v1/stream?interval_ms=" + std::to_string(interval_ms) + "&window=" + window.toStdString();
        SseCapture c = read_sse(f_->port(), target, f_->auth(Role::Viewer), duration);
        QCOMPARE(c.status, 200);
        QVERIFY(QString::fromStdString(c.content_type).startsWith("text/event-stream"));
        int expected = duration / interval_ms;
        int got = int(c.count("snapshot"));
        // Generous: a loaded CI machine may delay ticks, and the first snapshot is sent at once.
        QVERIFY2(got >= std::max(2, expected / 3) && got <= expected + 3,
                 qPrintable(QString("got %1 snapshots, expected about %2").arg(got).arg(expected)));
        int window_s = window.chopped(1).toInt();
        for (auto& m : c.messages) {
            if (m.event != "snapshot") continue;
            std::string err;
            auto s = redline::parse_snapshot(m.data, &err);
            QVERIFY2(s.has_value(), err.c_str());
            QCOMPARE(s->window_s, window_s);
            QCOMPARE(s->agent_id, f_->agent().agent_id());
            QCOMPARE(s->series.size(), std::size_t(10));
        }
    }

    void events_are_pushed_with_ids() {
        std::atomic<bool> put_done{false};
        std::thread putter;
        SseCapture c =
            read_sse(f_->port(), "/v1/stream?interval_ms=200", f_->auth(Role::Viewer), 8000,
                     [&](const SseCapture& cap) {
                         if (!put_done.exchange(true)) {
                             // The stream is live: make two changes from another connection.
                             putter = std::thread([&] {
                                 for (int w : {10, 20})
                                     http_request(f_->port(), "PUT", "/v1/canary", f_->auth(Role::Operator),
                                                  json{{"weight_percent", w}}.dump());
                             });
                         }
                         return cap.count("event") >= 2;
                     });
        if (putter.joinable()) putter.join();
        QCOMPARE(c.status, 200);
        QCOMPARE(c.count("event"), std::size_t(2));
        std::uint64_t prev = 0;
        double weights[2];
        int k = 0;
        for (auto& m : c.messages) {
            if (m.event != "event") continue;
            json e = parse_json(m.data);
            QVERIFY2(json_at(e, "/id").is_number_unsigned(), m.data.c_str());
            const auto id = json_at(e, "/id").get<std::uint64_t>();
            QCOMPARE(QString::fromStdString(m.id), QString::number(id));
            QVERIFY(id > prev);
            prev = id;
            QCOMPARE(json_string(e, "/kind"), std::string("canary.changed"));
            QCOMPARE(json_string(e, "/actor"), std::string("operator"));
            QVERIFY(k < 2);
            weights[k++] = json_number(e, "/after/weight_percent");
        }
        QCOMPARE(weights[0], 10.0);
        QCOMPARE(weights[1], 20.0);
        // Without a cursor, events from before the connection (agent.started) are not replayed.
        QVERIFY(prev >= 2);
    }

    void replay_after_cursor() {
        std::vector<std::uint64_t> ids;
        for (int i = 0; i < 5; ++i) {
            redline::Event e;
            e.kind = "test.marker";
            e.message = "marker " + std::to_string(i);
            ids.push_back(f_->agent().publish_event(e).id);
        }
        auto count_after = [&](const std::string& target, Headers h) {
            SseCapture c = read_sse(f_->port(), target, h, 3000, [](const SseCapture& cap) {
                return cap.count("snapshot") >= 1 && cap.count("event") >= 1;
            });
            std::vector<std::uint64_t> got;
            for (auto& m : c.messages)
                if (m.event == "event") got.push_back(std::stoull(m.id));
            return got;
        };
        Headers h = f_->auth(Role::Viewer);
        // events_after=0: everything kept, from agent.started on, in order.
        auto all = count_after("/v1/stream?events_after=0", h);
        QVERIFY(all.size() >= 6);
        QVERIFY(std::is_sorted(all.begin(), all.end()));
        QCOMPARE(all.back(), ids.back());
        // events_after=ids[2]: only the two later markers.
        auto later = count_after("/v1/stream?events_after=" + std::to_string(ids[2]), h);
        QCOMPARE(later, (std::vector<std::uint64_t>{ids[3], ids[4]}));
        // Last-Event-ID (what an EventSource sends on reconnect) works the same way.
        Headers with_last = h;
        with_last.emplace_back("Last-Event-ID", std::to_string(ids[3]));
        auto last = count_after("/v1/stream", with_last);
        QCOMPARE(last, (std::vector<std::uint64_t>{ids[4]}));
    }

    void many_concurrent_streams() {
        constexpr int kStreams = 12;
        std::vector<int> counts(kStreams, 0);
        std::vector<std::thread> threads;
        for (int i = 0; i < kStreams; ++i) {
            threads.emplace_back([&, i] {
                SseCapture c =
                    read_sse(f_->port(), "/v1/stream?interval_ms=100", f_->auth(Role::Viewer), 1500);
                counts[i] = c.status == 200 ? int(c.count("snapshot")) : -c.status;
            });
        }
        for (auto& t : threads)
            t.join();
        for (int i = 0; i < kStreams; ++i)
            QVERIFY2(counts[i] >= 3, qPrintable(QString::number(counts[i])));
    }

    void stalled_reader_does_not_block_others() {
        // A client that opens streams and never reads.
        std::vector<std::unique_ptr<RawConnection>> stalled;
        for (int i = 0; i < 3; ++i) {
            auto c = std::make_unique<RawConnection>();
            QVERIFY(c->connect(f_->port()));
            Headers h = f_->auth(Role::Viewer);
            QVERIFY(c->send_all(build_request("GET", "/v1/stream?interval_ms=100&window=60s", h, {}, true)));
            stalled.push_back(std::move(c));
        }
        // Meanwhile another stream and plain requests are served normally.
        SseCapture c = read_sse(f_->port(), "/v1/stream?interval_ms=100", f_->auth(Role::Viewer), 1500);
        QCOMPARE(c.status, 200);
        QVERIFY(c.count("snapshot") >= 3);
        for (int i = 0; i < 5; ++i)
            QCOMPARE(http_request(f_->port(), "GET", "/v1/snapshot", f_->auth(Role::Viewer)).status, 200);
    }

    void stalled_reader_is_dropped_when_its_queue_overflows() {
        // The server class directly, with a small per-stream queue and big snapshots, so the overflow comes
        // fast.
        redline::agent::EventLog events(100, {});
        std::atomic<int> errors{0};
        redline::agent::ErrorReporter reporter([&](std::string_view) { ++errors; });
        redline::agent::AdminServer::Options o;
        o.stream_queue_bytes = 1024 * 1024;
        redline::agent::AdminServer::Hooks hooks;
        const std::string big = "\"" + std::string(128 * 1024, 'x') + "\"";
        hooks.snapshot_json = [&](int) { return big; };
        hooks.dispatch = [](redline::agent::HttpIn& in) {
            redline::agent::Dispatch d;
            if (in.req.path == "/stream")
                d.stream = redline::agent::StreamSpec{100, 1, 0};
            else
                d.response = redline::agent::AdminResponse::json(200, {{"ok", true}});
            return d;
        };
        redline::agent::AdminServer server(o, hooks, events, reporter);
        server.start();
        RawConnection stalled;
        QVERIFY(stalled.connect(server.port()));
        QVERIFY(stalled.send_all(build_request("GET", "/stream", {}, {}, true)));
        // While it does not read, other clients are served ...
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(http_request(server.port(), "GET", "/x").status, 200);
            QTest::qWait(300);
        }
        // ... and once kernel buffers and the 1 MiB queue are full, the server drops it (and reports it):
        // reading now reaches the end of the stream instead of an endless flow of snapshots.
        QTRY_VERIFY_WITH_TIMEOUT(errors.load() >= 1, 30000);
        QVERIFY(stalled.wait_closed(30000));
        server.stop();
    }

    void stream_stops_with_agent() {
        std::thread stopper([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
            f_->stop();
        });
        SseCapture c = read_sse(f_->port(), "/v1/stream?interval_ms=100", f_->auth(Role::Viewer), 10000);
        stopper.join();
        QCOMPARE(c.status, 200);
        QVERIFY(c.count("snapshot") >=
                1);  // and read_sse returned because the server closed, well before 10 s
    }
};

QTEST_GUILESS_MAIN(TestAdminStream)
#include "tst_admin_stream.moc"
