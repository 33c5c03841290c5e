// The sample server's process behaviour: command line, overload shedding while /healthz answers, graceful
// drain on SIGTERM without losing a request, and control state that survives a restart.
#include <signal.h>

#include <QProcess>
#include <QTest>
#include <atomic>
#include <thread>

#ifndef Q_MOC_RUN  // moc need not parse Boost
#include "tests/integration/tst_sample_support.h"
#endif

using redline::test::ChildProcess;
using redline::test::SampleHttp;
using redline::test::SampleServerProcess;

class TstSampleLifecycle : public QObject {
    Q_OBJECT

  private:
    static QString binary() {
        return ChildProcess::binary(QStringLiteral("agents/sample_server/redline-sample-server"));
    }

    static bool set_canary(SampleServerProcess& s, double weight, double latency_ms) {
        redline::CanaryConfig c;
        c.weight_percent = weight;
        c.faults.latency_ms = latency_ms;
        auto r = s.admin().set_canary(c);
        if (!r.ok()) qWarning("%s", r.error_message().c_str());
        return r.ok();
    }

  private slots:
    void commandLine_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("help") << QStringList{QStringLiteral("--help")} << 0;
        QTest::newRow("unknown option") << QStringList{QStringLiteral("--bogus")} << 2;
        QTest::newRow("no data dir") << QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")}
                                     << 2;
        QTest::newRow("bad listen") << QStringList{QStringLiteral("--data-dir"), QStringLiteral("/tmp/x"),
                                                   QStringLiteral("--listen"), QStringLiteral("nohostport")}
                                    << 2;
        QTest::newRow("bad threads") << QStringList{QStringLiteral("--data-dir"), QStringLiteral("/tmp/x"),
                                                    QStringLiteral("--threads"), QStringLiteral("0")}
                                     << 2;
    }
    void commandLine() {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QProcess p;
        p.start(binary(), args);
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), exitCode);
        if (exitCode == 0) QVERIFY(p.readAllStandardOutput().contains("--seed-products"));
    }

    void readyLineAndSeed() {
        SampleServerProcess s;
        QVERIFY(s.start({}, 2500));
        QVERIFY(s.api_url().startsWith(QStringLiteral("http://127.0.0.1:")));
        QVERIFY(s.proc().admin_url().startsWith(QStringLiteral("http://127.0.0.1:")));
        QCOMPARE(s.proc().data_dir(), s.data_dir());
        SampleHttp h(s.api_url());
        QCOMPARE(h.get("/v1/products/2500").status, 200);
        QCOMPARE(h.get("/v1/products/2501").status, 404);
        auto info = s.admin().info();
        QVERIFY(info.ok());
        QVERIFY(std::count(info.value->controls.begin(), info.value->controls.end(), "cache") == 1);
        QCOMPARE(s.stop(), 0);
    }

    void overloadShedsButHealthAnswers() {
        SampleServerProcess s;
        QVERIFY(s.start({QStringLiteral("--max-inflight"), QStringLiteral("4")}, 200));
        QVERIFY(set_canary(s, 100, 1500));  // every product read now takes 1.5 s
        constexpr int kClients = 12;
        std::vector<int> status(kClients, 0);
        std::vector<std::string> retry(kClients);
        std::vector<std::thread> threads;
        for (int i = 0; i < kClients; ++i)
            threads.emplace_back([&, i] {
                SampleHttp h(s.api_url());
                auto r = h.get("/v1/products/1", {{"X-API-Key", "load-" + std::to_string(i)}});
                status[std::size_t(i)] = r.status;
                retry[std::size_t(i)] = r.header("retry-after");
            });
        // While the slow requests hold every slot (the agent sees 4 admitted requests in flight), health
        // checks still answer.
        QVERIFY(s.wait_snapshot([](const redline::Snapshot& x) { return x.total.inflight >= 4; }, 5000));
        SampleHttp health(s.api_url());
        for (int i = 0; i < 5; ++i)
            QCOMPARE(health.get("/healthz").status, 200);
        QCOMPARE(health.get("/readyz").status, 200);
        for (auto& t : threads)
            t.join();
        int ok = 0, shed = 0;
        for (int i = 0; i < kClients; ++i) {
            if (status[std::size_t(i)] == 200) ++ok;
            if (status[std::size_t(i)] == 503) {
                ++shed;
                QCOMPARE(retry[std::size_t(i)], std::string("1"));
            }
        }
        QCOMPARE(ok + shed, kClients);
        QVERIFY2(ok >= 4 && shed >= 4, qPrintable(QStringLiteral("%1 served, %2 shed").arg(ok).arg(shed)));
        auto snap = s.wait_snapshot([](const redline::Snapshot& x) {
            const auto c = redline::test::series_of(x, "GET /v1/products/{id}", "canary");
            return c.by_code.count(503) && c.requests >= 12;
        });
        QVERIFY(snap);
        QCOMPARE(redline::test::series_of(*snap, "GET /v1/products/{id}", "canary").by_code.at(503),
                 std::uint64_t(shed));
        QCOMPARE(s.stop(), 0);
    }

    void gracefulDrainLosesNothing() {
        SampleServerProcess s;
        QVERIFY(s.start({QStringLiteral("--drain-timeout-ms"), QStringLiteral("10000")}, 200));
        QVERIFY(set_canary(s, 100, 1500));
        constexpr int kClients = 8;
        std::vector<int> status(kClients, 0);
        std::vector<std::string> connection(kClients);
        std::vector<std::thread> threads;
        for (int i = 0; i < kClients; ++i)
            threads.emplace_back([&, i] {
                SampleHttp h(s.api_url());
                auto r = h.get("/v1/products/" + std::to_string(i + 1));
                status[std::size_t(i)] = r.status;
                connection[std::size_t(i)] = r.header("connection");
            });
        // An idle keep-alive connection must simply be closed by the drain.
        SampleHttp idle(s.api_url());
        QCOMPARE(idle.get("/healthz").status, 200);
        // Wait until the agent sees all requests in flight, then ask the server to stop.
        auto inflight =
            s.wait_snapshot([](const redline::Snapshot& x) { return x.total.inflight >= kClients; }, 5000);
        QVERIFY(inflight);
        const qint64 pid = s.proc().pid();
        QVERIFY(pid > 0);
        QCOMPARE(::kill(pid_t(pid), SIGTERM), 0);
        // New connections are refused (once the signal is handled) while the in-flight requests finish.
        bool refused = false;
        for (int i = 0; i < 100 && !refused; ++i) {
            SampleHttp late(s.api_url());
            refused = late.get("/healthz").status == 0;
            if (!refused) QTest::qWait(20);
        }
        QVERIFY(refused);
        for (auto& t : threads)
            t.join();
        for (int i = 0; i < kClients; ++i) {
            QCOMPARE(status[std::size_t(i)], 200);
            QCOMPARE(connection[std::size_t(i)], std::string("close"));
        }
        QTRY_VERIFY_WITH_TIMEOUT(!s.proc().running(), 15000);
        QCOMPARE(s.stop(), 0);  // already exited: returns its exit code
    }

    void controlStateSurvivesRestart() {
        QTemporaryDir dir;
        const QString data = dir.path() + QStringLiteral("/persist");
        {
            SampleServerProcess s;
            QVERIFY(s.start({}, 300, data));
            redline::LimitsConfig l;
            l.routes["GET /v1/products/{id}"] =
                redline::RouteLimit{0.05, 3, redline::LimitMode::Enforce, redline::LimitScope::Client, true};
            QVERIFY(s.admin().set_limits(l).ok());
            QVERIFY(set_canary(s, 100, 0));
            QVERIFY(s.admin().set_control("cache", {{"capacity", 77}, {"ttl_ms", 1234}}).ok());
            SampleHttp h(s.api_url());
            QCOMPARE(h.request("POST", "/v1/orders", R"({"items":[{"product_id":1,"quantity":1}]})").status,
                     201);
            QCOMPARE(s.stop(), 0);
        }
        SampleServerProcess s;
        QVERIFY(s.start({}, 300, data));
        auto limits = s.admin().limits();
        QVERIFY(limits.ok());
        QCOMPARE(limits.value->routes.at("GET /v1/products/{id}").burst, 3.0);
        QCOMPARE(s.admin().canary().value->weight_percent, 100.0);
        QCOMPARE(s.admin().control("cache").value->at("capacity").get<int>(), 77);
        // And the server acts on it: canary for everyone, burst 3 per client.
        SampleHttp h(s.api_url());
        for (int i = 0; i < 3; ++i) {
            auto r = h.get("/v1/products/1", {{"X-API-Key", "restart"}});
            QCOMPARE(r.status, 200);
            QCOMPARE(r.header("x-redline-version"), std::string("canary"));
        }
        QCOMPARE(h.get("/v1/products/1", {{"X-API-Key", "restart"}}).status, 429);
        // Orders survive too (same catalog file).
        QCOMPARE(h.get("/v1/orders/1").status, 200);
        QCOMPARE(s.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TstSampleLifecycle)
#include "tst_sample_lifecycle.moc"
