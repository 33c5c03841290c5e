// The load engine against a local Beast server: schedule accuracy, coordinated omission, stopping, refusals,
// redirects, timeouts and thresholds. Loopback only, every run a few seconds at most.
#include <QtTest>
#include <thread>

#include "core/load/engine.h"
#include "tst_load_server.h"

using namespace redline::load;
using nlohmann::json;
using redline::test::LoadTestServer;

namespace {

Scenario make(const json& j) {
    auto p = parse_scenario(j);
    if (!p.ok())
        qFatal("bad test scenario: %s %s", p.errors()[0].field.c_str(), p.errors()[0].message.c_str());
    return p.value();
}

std::uint16_t closed_port() {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();  // closed when `a` goes out of scope
}

const ThresholdResult* find_threshold(const Summary& s, const std::string& expr) {
    for (const auto& t : s.thresholds)
        if (t.threshold.expr == expr) return &t;
    return nullptr;
}

}  // namespace

class TestLoadEngine : public QObject {
    Q_OBJECT
  private slots:
    void open_model_achieves_target_rate() {
        LoadTestServer srv;
        const Scenario sc = make({{"name", "rate"},
                                  {"target", srv.url()},
                                  {"executor", "constant-arrival-rate"},
                                  {"rate", 500},
                                  {"duration_s", 4},
                                  {"connections", 16},
                                  {"requests", json::array({{{"path", "/v1/products/{1..100}"}}})}});
        const Summary s = Engine::run(sc);
        QCOMPARE(s.outcome, RunOutcome::Passed);
        // The schedule holds exactly 2000 arrivals in 4 s; all of them must have been started and answered.
        QVERIFY2(s.completed >= 1980 && s.completed <= 2000, qPrintable(QString::number(s.completed)));
        QCOMPARE(s.unsent, std::uint64_t(0));
        QCOMPARE(s.transport_errors, std::uint64_t(0));
        QCOMPARE(s.by_status.at(200), s.completed);
        QCOMPARE(srv.requests.load(), s.completed);
        const double achieved = double(s.completed) / s.planned_s;
        QVERIFY2(std::abs(achieved - 500.0) <= 5.0, qPrintable(QString::number(achieved)));
        QVERIFY(s.latency.p50_ms > 0);
        QVERIFY(s.latency_sketch.count() == s.completed);
        QCOMPARE(s.requests.size(), std::size_t(1));
        QCOMPARE(s.requests[0].completed, s.completed);
        QVERIFY(!s.timeline.empty());
    }

    void every_second_is_delivered_once_and_adds_up_to_the_summary() {
        LoadTestServer srv;
        const Scenario sc =
            make({{"name", "seconds"},
                  {"target", srv.url()},
                  {"executor", "constant-arrival-rate"},
                  {"rate", 200},
                  {"duration_s", 2.5},
                  {"connections", 4},
                  {"requests", json::array({{{"name", "a"}, {"weight", 3}, {"path", "/a"}},
                                            {{"name", "b"}, {"weight", 1}, {"path", "/b"}}})}});
        EngineOptions o;
        std::vector<RunSecond> seconds;  // the control thread calls on_second; read only after run()
        o.on_second = [&](const RunSecond& r) { seconds.push_back(r); };
        const Summary s = Engine::run(sc, o);
        QCOMPARE(s.outcome, RunOutcome::Passed);
        QVERIFY(seconds.size() >= 3);
        std::uint64_t requests = 0, a = 0;
        redline::LatencySketch corrected;
        for (std::size_t i = 0; i < seconds.size(); ++i) {
            if (i > 0) QCOMPARE(seconds[i].epoch, seconds[i - 1].epoch + 1);
            QCOMPARE(seconds[i].requests.size(), std::size_t(2));
            QCOMPARE(seconds[i].requests[0].name, std::string("a"));
            for (const auto& q : seconds[i].requests) {
                requests += q.stats.counters.requests;
                corrected.merge(q.stats.corrected);
            }
            a += seconds[i].requests[0].stats.counters.requests;
        }
        // Merged seconds are the whole run, exactly: the same count and the same sketch as the summary's.
        QCOMPARE(requests, s.completed);
        QCOMPARE(corrected.count(), s.latency_sketch.count());
        QCOMPARE(corrected.quantile_ns(0.99), s.latency_sketch.quantile_ns(0.99));
        QCOMPARE(a, s.requests[0].completed);
    }

    void coordinated_omission_is_corrected() {
        LoadTestServer srv;
        const Scenario sc = make({{"name", "co"},
                                  {"target", srv.url()},
                                  {"executor", "constant-arrival-rate"},
                                  {"rate", 300},
                                  {"duration_s", 4},
                                  {"connections", 2},
                                  {"threads", 1},
                                  {"requests", json::array({{{"path", "/"}}})}});
        std::thread staller([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(1500));
            srv.stall_for(std::chrono::milliseconds(1000));
        });
        const Summary s = Engine::run(sc);
        staller.join();
        // During the 1 s stall ~300 requests could not start on time: from their intended start they waited
        // up to 1 s, so the corrected p99 shows the stall; only the 2 requests in flight saw it from their
        // send time.
        QVERIFY2(s.latency.p99_ms >= 500.0, qPrintable(QString::number(s.latency.p99_ms)));
        QVERIFY2(s.latency_uncorrected.p99_ms < 250.0,
                 qPrintable(QString::number(s.latency_uncorrected.p99_ms)));
        QVERIFY(s.latency_uncorrected.max_ms >= 900.0);  // the in-flight ones did wait the whole stall
        QVERIFY(s.late >= 100);                          // and the queued ones are counted as late
        QVERIFY(s.lateness.p99_ms >= 500.0);
        QCOMPARE(s.unsent, std::uint64_t(0));  // the backlog was sent after the stall, not dropped
        QVERIFY(s.completed >= 1188);
    }

    void closed_model_counts_every_response() {
        LoadTestServer srv;
        const Scenario sc =
            make({{"name", "vus"},
                  {"target", srv.url()},
                  {"executor", "constant-vus"},
                  {"vus", 4},
                  {"duration_s", 1},
                  {"requests", json::array({{{"path", "/a"}, {"weight", 3}}, {{"path", "/b"}}})}});
        std::vector<Progress> seen;
        std::mutex mu;
        EngineOptions o;
        o.progress_interval = std::chrono::milliseconds(200);
        o.on_progress = [&](const Progress& p) {
            std::lock_guard lk(mu);
            seen.push_back(p);
        };
        const Summary s = Engine::run(sc, o);
        QCOMPARE(s.outcome, RunOutcome::Passed);
        QVERIFY(s.completed > 10);
        QCOMPARE(srv.requests.load(), s.completed);
        // Keep-alive: one connection per VU, plus the engine's pre-flight connect that checks reachability.
        QCOMPARE(srv.connections.load(), std::uint64_t(4 + 1));
        QCOMPARE(s.requests.size(), std::size_t(2));
        QCOMPARE(s.requests[0].completed + s.requests[1].completed, s.completed);
        QVERIFY(s.requests[0].completed > s.requests[1].completed);  // weight 3:1
        QCOMPARE(s.latency.p99_ms, s.latency_uncorrected.p99_ms);    // closed model: nothing to correct
        std::lock_guard lk(mu);
        QVERIFY(seen.size() >= 3);
        QCOMPARE(seen.back().state, RunState::Finished);
        bool running_seen = false;
        for (const auto& p : seen)
            running_seen = running_seen || (p.state == RunState::Running && p.active_vus == 4);
        QVERIFY(running_seen);
    }

    void stop_ends_a_run_early() {
        LoadTestServer srv;
        const Scenario sc = make({{"name", "long"},
                                  {"target", srv.url()},
                                  {"executor", "constant-arrival-rate"},
                                  {"rate", 100},
                                  {"duration_s", 60},
                                  {"requests", json::array({{{"path", "/"}}})}});
        Engine e(sc);
        e.start();
        QTRY_VERIFY_WITH_TIMEOUT(e.progress().completed > 20, 10000);
        e.stop("user");
        QVERIFY(e.wait_for(std::chrono::seconds(10)));
        const Summary s = e.wait();
        QCOMPARE(s.outcome, RunOutcome::Stopped);
        QVERIFY(s.reason.find("user") != std::string::npos);
        QVERIFY(s.duration_s < 30);
        QCOMPARE(s.exit_code(), 105);  // stopped from outside (k6: external abort)
        QVERIFY(e.finished());
    }

    void unreachable_target_is_a_runtime_error() {
        const std::uint16_t port = closed_port();
        const Scenario sc = make({{"name", "down"},
                                  {"target", "http://127.0.0.1:" + std::to_string(port)},
                                  {"executor", "constant-vus"},
                                  {"vus", 1},
                                  {"duration_s", 1},
                                  {"requests", json::array({{{"path", "/"}}})}});
        const Summary s = Engine::run(sc);
        QCOMPARE(s.outcome, RunOutcome::Error);
        QCOMPARE(s.exit_code(), 1);
        QVERIFY2(s.error.find("cannot connect") != std::string::npos, s.error.c_str());
        QCOMPARE(s.completed, std::uint64_t(0));
    }

    void connect_filter_refuses() {
        LoadTestServer srv;
        const Scenario sc = make({{"name", "refused"},
                                  {"target", srv.url()},
                                  {"executor", "constant-vus"},
                                  {"vus", 1},
                                  {"duration_s", 1},
                                  {"requests", json::array({{{"path", "/"}}})}});
        EngineOptions o;
        o.allow_connect = [](const boost::asio::ip::tcp::endpoint& ep, std::string* why) {
            *why = "not " + ep.address().to_string();
            return false;
        };
        const Summary s = Engine::run(sc, o);
        QCOMPARE(s.outcome, RunOutcome::Error);
        QVERIFY2(s.error.find("refused by the allow-list") != std::string::npos, s.error.c_str());
        QCOMPARE(srv.connections.load(), std::uint64_t(0));
    }

    void redirects_are_not_followed() {
        LoadTestServer a, b;
        a.set_redirect(b.url() + "/");
        const Scenario sc = make({{"name", "redir"},
                                  {"target", a.url()},
                                  {"executor", "constant-vus"},
                                  {"vus", 1},
                                  {"duration_s", 0.5},
                                  {"requests", json::array({{{"path", "/redirect"}}})}});
        const Summary s = Engine::run(sc);
        QVERIFY(s.by_status.count(302));
        QCOMPARE(s.by_status.at(302), s.completed);
        QCOMPARE(b.connections.load(), std::uint64_t(0));
    }

    void timeouts_are_transport_errors() {
        LoadTestServer srv;
        const Scenario sc = make({{"name", "slow"},
                                  {"target", srv.url()},
                                  {"executor", "constant-vus"},
                                  {"vus", 1},
                                  {"duration_s", 0.3},
                                  {"timeout_ms", 100},
                                  {"graceful_stop_s", 1},
                                  {"requests", json::array({{{"path", "/slow/2000"}}})}});
        const Summary s = Engine::run(sc);
        QVERIFY(s.transport_by_kind.count("timeout"));
        QCOMPARE(s.transport_errors, s.completed);
        QCOMPARE(s.error_ratio, 1.0);
    }

    void threshold_pass_and_fail() {
        LoadTestServer srv;
        const Scenario sc = make(
            {{"name", "th"},
             {"target", srv.url()},
             {"executor", "constant-vus"},
             {"vus", 2},
             {"duration_s", 1},
             {"requests", json::array({{{"name", "ok"}, {"path", "/"}, {"weight", 9}},
                                       {{"name", "err"}, {"path", "/status/503"}},
                                       {{"name", "limited"}, {"path", "/status/429"}, {"weight", 0.5}}})},
             {"thresholds", json::array({"p99 < 60s",
                                         "error_rate < 1%",
                                         {{"expr", "error_rate < 1%"}, {"request", "ok"}},
                                         {{"expr", "rate_limited_rate > 50%"}, {"request", "limited"}},
                                         "rate > 1/s"})}});
        const Summary s = Engine::run(sc);
        QCOMPARE(s.outcome, RunOutcome::ThresholdsFailed);
        QCOMPARE(s.exit_code(), 99);
        QVERIFY(find_threshold(s, "p99 < 60s")->passed);
        QVERIFY(!find_threshold(s, "error_rate < 1%")->passed);  // the first one: all requests, 503s included
        int ok_count = 0;
        for (const auto& t : s.thresholds)
            if (t.threshold.request == "ok" && t.passed) ++ok_count;
        QCOMPARE(ok_count, 1);
        QVERIFY(find_threshold(s, "rate_limited_rate > 50%")->passed);
        QVERIFY(find_threshold(s, "rate > 1/s")->passed);
        QVERIFY(s.rate_limited > 0);
    }

    void abort_on_fail_stops_the_run() {
        LoadTestServer srv;
        const Scenario sc = make({{"name", "abort"},
                                  {"target", srv.url()},
                                  {"executor", "constant-arrival-rate"},
                                  {"rate", 50},
                                  {"duration_s", 30},
                                  {"requests", json::array({{{"path", "/status/500"}}})},
                                  {"thresholds", json::array({{{"expr", "error_rate < 10%"},
                                                               {"abort_on_fail", true},
                                                               {"for_s", 1},
                                                               {"window_s", 1}}})}});
        const Summary s = Engine::run(sc);
        QCOMPARE(s.outcome, RunOutcome::Aborted);
        QCOMPARE(s.exit_code(), 99);
        QVERIFY(s.duration_s < 15);
        QVERIFY(s.thresholds[0].aborted_run);
        QVERIFY2(s.reason.find("error_rate < 10%") != std::string::npos, s.reason.c_str());
    }

    void ramp_reports_stages_and_knee() {
        LoadTestServer srv;
        const Scenario sc =
            make({{"name", "ramp"},
                  {"target", srv.url()},
                  {"executor", "ramping-arrival-rate"},
                  {"start_target", 20},
                  {"stages", json::array({{{"name", "up"}, {"duration_s", 2}, {"target", 200}},
                                          {{"name", "hold"}, {"duration_s", 1}, {"target", 200}}})},
                  {"requests", json::array({{{"path", "/"}}})}});
        const Summary s = Engine::run(sc);
        QCOMPARE(s.stages.size(), std::size_t(2));
        // 2 s ramp 20 -> 200 = 220 arrivals; 1 s hold = 200.
        QVERIFY2(s.stages[0].completed >= 215 && s.stages[0].completed <= 221,
                 qPrintable(QString::number(s.stages[0].completed)));
        QVERIFY2(s.stages[1].completed >= 195 && s.stages[1].completed <= 201,
                 qPrintable(QString::number(s.stages[1].completed)));
        QVERIFY(s.knee.has_value());
        QVERIFY(!s.knee->reason.empty());
    }

    void to_json_has_the_summary_fields() {
        LoadTestServer srv;
        const Scenario sc = make({{"name", "json"},
                                  {"target", srv.url()},
                                  {"executor", "constant-vus"},
                                  {"vus", 1},
                                  {"duration_s", 0.3},
                                  {"requests", json::array({{{"path", "/"}}})},
                                  {"thresholds", json::array({"p99 < 60s"})}});
        const Summary s = Engine::run(sc);
        const json j = to_json(s);
        QCOMPARE(j["outcome"].get<std::string>(), std::string("passed"));
        QCOMPARE(j["exit_code"].get<int>(), 0);
        QCOMPARE(j["completed"].get<std::uint64_t>(), s.completed);
        QVERIFY(j["latency"].contains("p99_ms"));
        QCOMPARE(j["thresholds"][0]["passed"].get<bool>(), true);
    }
};

QTEST_GUILESS_MAIN(TestLoadEngine)
#include "tst_load_engine.moc"
