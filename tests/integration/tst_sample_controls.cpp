// Behaviours Redline steers on the sample server: cache (TTL, eviction, flush, hit/miss in the agent), token
// bucket rate limits (accuracy, per-client isolation, headers, shadow mode) and the canary (split,
// stickiness, atomic weight changes, fault injection). Real binary on port 0; control changes through the
// agent's API.
#include <QTest>
#include <atomic>
#include <cmath>
#include <map>
#include <set>
#include <thread>

#ifndef Q_MOC_RUN  // moc need not parse Boost
#include "tests/integration/tst_sample_support.h"
#endif

using redline::test::SampleHttp;
using redline::test::SampleServerProcess;
using redline::test::series_of;
using Clock = std::chrono::steady_clock;

namespace {

std::uint64_t cache_hits(const redline::Snapshot& s) {
    return redline::test::route_sum(s, "GET /v1/products/{id}", [](const auto& x) { return x.cache_hits; });
}
std::uint64_t cache_misses(const redline::Snapshot& s) {
    return redline::test::route_sum(s, "GET /v1/products/{id}", [](const auto& x) { return x.cache_misses; });
}
std::uint64_t product_requests(const redline::Snapshot& s) {
    return redline::test::route_sum(s, "GET /v1/products/{id}", [](const auto& x) { return x.requests; });
}

}  // namespace

class TstSampleControls : public QObject {
    Q_OBJECT

  private:
    // Each test gets a fresh server so agent counters start at zero.
    std::unique_ptr<SampleServerProcess> server_;
    std::unique_ptr<SampleHttp> http_;

    bool set_cache(std::uint64_t capacity, std::uint64_t ttl_ms) {
        auto r = server_->admin().set_control("cache", {{"capacity", capacity}, {"ttl_ms", ttl_ms}});
        if (!r.ok()) qWarning("%s", r.error_message().c_str());
        return r.ok();
    }
    bool set_limit(double rate, double burst, const char* mode = "enforce", const char* scope = "client") {
        redline::LimitsConfig l;
        redline::RouteLimit rl;
        rl.rate_per_s = rate;
        rl.burst = burst;
        rl.mode = std::string(mode) == "shadow" ? redline::LimitMode::Shadow : redline::LimitMode::Enforce;
        rl.scope = std::string(scope) == "route" ? redline::LimitScope::Route : redline::LimitScope::Client;
        l.routes["GET /v1/products/{id}"] = rl;
        auto r = server_->admin().set_limits(l);
        if (!r.ok()) qWarning("%s", r.error_message().c_str());
        return r.ok();
    }
    bool set_canary(double weight, double latency_ms = 0, double error_ratio = 0) {
        redline::CanaryConfig c;
        c.weight_percent = weight;
        c.faults.latency_ms = latency_ms;
        c.faults.error_ratio = error_ratio;
        auto r = server_->admin().set_canary(c);
        if (!r.ok()) qWarning("%s", r.error_message().c_str());
        return r.ok();
    }
    /// Waits until the agent has recorded `n` product reads and returns the snapshot.
    std::optional<redline::Snapshot> wait_products(std::uint64_t n) {
        return server_->wait_snapshot([n](const redline::Snapshot& s) { return product_requests(s) >= n; });
    }

  private slots:
    void init() {
        server_ = std::make_unique<SampleServerProcess>();
        QVERIFY(server_->start({}, 1000));
        http_ = std::make_unique<SampleHttp>(server_->api_url());
    }
    void cleanup() {
        http_.reset();
        if (server_) QCOMPARE(server_->stop(), 0);
        server_.reset();
    }

    void cacheHitMissAndTtl() {
        QVERIFY(set_cache(1000, 2000));
        QCOMPARE(http_->get("/v1/products/1").status, 200);  // miss
        QCOMPARE(http_->get("/v1/products/1").status, 200);  // hit
        QCOMPARE(http_->get("/v1/products/1").status, 200);  // hit
        QVERIFY(set_cache(1000, 1));                         // TTL shortened: applies to cached entries
        QTest::qWait(20);
        QCOMPARE(http_->get("/v1/products/1").status, 200);  // expired -> miss
        auto s = wait_products(4);
        QVERIFY(s);
        QCOMPARE(cache_hits(*s), std::uint64_t(2));
        QCOMPARE(cache_misses(*s), std::uint64_t(2));
        const auto st = series_of(*s, "GET /v1/products/{id}", "stable");
        QVERIFY(st.cache_hit_ratio.has_value());
        QCOMPARE(*st.cache_hit_ratio, 0.5);
    }

    void cacheEvictionBoundedByCapacity() {
        QVERIFY(set_cache(32, 60000));
        for (int round = 0; round < 2; ++round)
            for (int id = 1; id <= 100; ++id)
                QCOMPARE(http_->get("/v1/products/" + std::to_string(id)).status, 200);
        auto s = wait_products(200);
        QVERIFY(s);
        // Round 1: 100 misses. Round 2: at most `capacity` entries can still be cached.
        QCOMPARE(cache_hits(*s) + cache_misses(*s), std::uint64_t(200));
        QVERIFY2(cache_hits(*s) <= 32, std::to_string(cache_hits(*s)).c_str());
        QVERIFY(cache_misses(*s) >= 168);
        // LRU: the most recent entries survive (2 per shard at capacity 32 over 16 shards).
        for (int id = 99; id <= 100; ++id)
            QCOMPARE(http_->get("/v1/products/" + std::to_string(id)).status, 200);
        auto s2 = wait_products(202);
        QVERIFY(s2);
        QCOMPARE(cache_hits(*s2), cache_hits(*s) + 2);
    }

    void cacheDisabledAndFlush() {
        QVERIFY(set_cache(1000, 60000));
        for (int i = 0; i < 3; ++i)
            QCOMPARE(http_->get("/v1/products/9").status, 200);  // miss, hit, hit
        auto flush = server_->admin().call_json("POST", "/v1/cache/flush");
        QVERIFY2(flush.ok(), flush.error_message().c_str());
        QCOMPARE(flush.value->at("flushed").get<int>(), 1);
        QCOMPARE(http_->get("/v1/products/9").status, 200);  // miss after flush
        QVERIFY(set_cache(0, 60000));                        // disabled: no lookups at all
        QCOMPARE(http_->get("/v1/products/9").status, 200);
        auto s = wait_products(5);
        QVERIFY(s);
        QCOMPARE(cache_hits(*s), std::uint64_t(2));
        QCOMPARE(cache_misses(*s), std::uint64_t(2));
        // The flush is an audited event.
        auto ev = server_->admin().events(0, 1000);
        QVERIFY(ev.ok());
        bool flushed = false;
        for (const auto& e : ev.value->events)
            flushed |= e.kind == "cache.flushed" && e.actor == "operator";
        QVERIFY(flushed);
        // A viewer may not flush; invalid settings change nothing.
        redline::AgentClient viewer(server_->proc().admin_url().toStdString(),
                                    server_->proc().token(QStringLiteral("viewer")).toStdString());
        QCOMPARE(viewer.request("POST", "/v1/cache/flush").status, 403L);
        auto bad = server_->admin().set_control("cache", {{"capacity", -1}, {"ttl_ms", 10}});
        QVERIFY(!bad.ok());
        QCOMPARE(bad.http_status, 400L);
        QCOMPARE(server_->admin().control("cache").value->at("capacity").get<int>(), 0);
    }

    void tokenBucketAccuracy() {
        // A burst of 50 tokens takes 0.5 s to refill, so a scheduling stall of the client shorter than that
        // on a loaded machine cannot let the bucket overflow and lose tokens.
        const double rate = 100, burst = 50;
        QVERIFY(set_limit(rate, burst));
        const redline::test::Headers key = {{"X-API-Key", "bucket-accuracy"}};
        int admitted = 0, rejected = 0;
        // The server decides each request between its send and the receipt of its response: the first
        // decision (which creates the full bucket) and the last are bracketed by those client-side instants.
        Clock::time_point first_sent{}, first_received{}, last_sent{}, last_received{};
        const auto stop_at = Clock::now() + std::chrono::milliseconds(3000);
        for (int i = 0; i < 200000 && Clock::now() < stop_at; ++i) {
            const auto sent = Clock::now();
            auto r = http_->get("/v1/products/2", key);
            const auto received = Clock::now();
            if (i == 0) {
                first_sent = sent;
                first_received = received;
            }
            last_sent = sent;
            last_received = received;
            if (r.status == 200)
                ++admitted;
            else if (r.status == 429)
                ++rejected;
            else
                QFAIL(("unexpected status " + std::to_string(r.status) + " " + r.error).c_str());
        }
        QVERIFY2(rejected > admitted, "the client must send much faster than the limit for this test");
        // The server's elapsed time between its first and last decision lies in [min_elapsed, max_elapsed].
        const double min_elapsed = std::chrono::duration<double>(last_sent - first_received).count();
        const double max_elapsed = std::chrono::duration<double>(last_received - first_sent).count();
        const double lo = burst + rate * min_elapsed, hi = burst + rate * max_elapsed;
        // admitted = burst + rate x elapsed - (the fraction of a token left at the end), within 1 %.
        QVERIFY2(admitted >= 0.99 * lo && admitted <= 1.01 * hi,
                 qPrintable(QStringLiteral("admitted %1, expected %2..%3").arg(admitted).arg(lo).arg(hi)));
        // The agent counted every decision.
        auto s = server_->wait_snapshot([&](const redline::Snapshot& snap) {
            return redline::test::route_sum(snap, "GET /v1/products/{id}", [](const auto& x) {
                       return x.rl_allowed + x.rl_rejected;
                   }) >= std::uint64_t(admitted + rejected);
        });
        QVERIFY(s);
        QCOMPARE(redline::test::route_sum(*s, "GET /v1/products/{id}",
                                          [](const auto& x) { return x.rl_rejected; }),
                 std::uint64_t(rejected));
    }

    void rateLimitHeadersAndIsolation() {
        QVERIFY(set_limit(1, 5));
        const redline::test::Headers noisy = {{"X-API-Key", "noisy"}}, quiet = {{"X-API-Key", "quiet"}};
        for (int i = 0; i < 5; ++i) {
            auto r = http_->get("/v1/products/3", noisy);
            QCOMPARE(r.status, 200);
            QCOMPARE(QString::fromStdString(r.header("ratelimit-policy")),
                     QStringLiteral("\"default\";q=5;w=5"));
        }
        auto rej = http_->get("/v1/products/3", noisy);
        QCOMPARE(rej.status, 429);
        QCOMPARE(QString::fromStdString(rej.header("content-type")),
                 QStringLiteral("application/problem+json"));
        QVERIFY(std::stoi(rej.header("retry-after")) >= 1);
        QCOMPARE(QString::fromStdString(rej.header("ratelimit-policy")),
                 QStringLiteral("\"default\";q=5;w=5"));
        QVERIFY2(rej.header("ratelimit").rfind("\"default\";r=0;t=", 0) == 0,
                 rej.header("ratelimit").c_str());
        // Another client keeps its whole budget.
        for (int i = 0; i < 5; ++i)
            QCOMPARE(http_->get("/v1/products/3", quiet).status, 200);
        QCOMPARE(http_->get("/v1/products/3", quiet).status, 429);
        // Without an API key the client address is the key; routes without a policy are not limited.
        for (int i = 0; i < 20; ++i)
            QCOMPARE(http_->get("/v1/products?page_size=1").status, 200);
        // Route scope: one bucket shared by every client.
        QVERIFY(set_limit(1, 3, "enforce", "route"));
        QCOMPARE(http_->get("/v1/products/3", {{"X-API-Key", "a"}}).status, 200);
        QCOMPARE(http_->get("/v1/products/3", {{"X-API-Key", "b"}}).status, 200);
        QCOMPARE(http_->get("/v1/products/3", {{"X-API-Key", "c"}}).status, 200);
        QCOMPARE(http_->get("/v1/products/3", {{"X-API-Key", "d"}}).status, 429);
    }

    void shadowModeAdmits() {
        QVERIFY(set_limit(1, 2, "shadow"));
        for (int i = 0; i < 10; ++i)
            QCOMPARE(http_->get("/v1/products/4", {{"X-API-Key", "shadow"}}).status, 200);
        auto s = server_->wait_snapshot([](const redline::Snapshot& snap) {
            return redline::test::route_sum(snap, "GET /v1/products/{id}", [](const auto& x) {
                       return x.rl_allowed + x.rl_shadow_rejected;
                   }) >= 10;
        });
        QVERIFY(s);
        const auto shadow = redline::test::route_sum(*s, "GET /v1/products/{id}",
                                                     [](const auto& x) { return x.rl_shadow_rejected; });
        QVERIFY2(shadow >= 7 && shadow <= 8, std::to_string(shadow).c_str());
        QCOMPARE(redline::test::route_sum(*s, "GET /v1/products/{id}",
                                          [](const auto& x) { return x.rl_rejected; }),
                 std::uint64_t(0));
    }

    void loadtestThroughAgent() {
        // The built-in "smoke" scenario run by the sample server's own agent against its own API, kept short
        // and with one VU. Only names of built-ins are accepted; the target is filled in by the server.
        const nlohmann::json body = {{"scenario", "smoke"}, {"duration_s", 1}, {"vus", 1}};
        auto started = server_->admin().call_json("POST", "/v1/loadtests", &body);
        QVERIFY2(started.ok(), started.error_message().c_str());
        QCOMPARE(started.http_status, 201L);
        const std::string id = started.value->at("id").get<std::string>();
        QVERIFY(!id.empty());
        nlohmann::json done;
        const auto until = Clock::now() + std::chrono::seconds(20);
        while (Clock::now() < until) {
            auto g = server_->admin().call_json("GET", "/v1/loadtests/" + id);
            QVERIFY2(g.ok(), g.error_message().c_str());
            if (g.value->at("state") == "finished") {
                done = *g.value;
                break;
            }
            QTest::qWait(100);
        }
        QVERIFY2(!done.is_null(), "the load test did not finish");
        const auto& summary = done.at("summary");
        QCOMPARE(QString::fromStdString(summary.at("target").get<std::string>()), server_->api_url());
        const auto completed = summary.at("completed").get<std::uint64_t>();
        QVERIFY(completed > 0);
        QCOMPARE(summary.at("transport_errors").get<std::uint64_t>(), std::uint64_t(0));
        QVERIFY2(summary.at("by_status").value("200", std::uint64_t(0)) > 0, summary.dump().c_str());
        // The run went through this server: its agent recorded the product reads the engine sent.
        auto s =
            server_->wait_snapshot([](const redline::Snapshot& snap) { return product_requests(snap) > 0; });
        QVERIFY(s);
    }

    void canarySplit_data() {
        QTest::addColumn<double>("weight");
        QTest::newRow("20%") << 20.0;
        QTest::newRow("50%") << 50.0;
    }
    void canarySplit() {
        QFETCH(double, weight);
        QVERIFY(set_canary(weight));
        int canary = 0;
        const int n = 10000;
        for (int i = 0; i < n; ++i) {
            auto r = http_->get("/v1/products/" + std::to_string(1 + i % 50),
                                {{"X-API-Key", "client-" + std::to_string(i)}});
            QCOMPARE(r.status, 200);
            if (r.header("x-redline-version") == "canary") ++canary;
        }
        const double share = 100.0 * canary / n;
        QVERIFY2(std::abs(share - weight) <= 1.0, qPrintable(QStringLiteral("canary share %1%").arg(share)));
        auto s = server_->wait_snapshot(
            [&](const redline::Snapshot& snap) { return product_requests(snap) >= n; }, 15000);
        QVERIFY(s);
        QCOMPARE(series_of(*s, "GET /v1/products/{id}", "canary").requests, std::uint64_t(canary));
    }

    void canaryStickyAndEquivalent() {
        QVERIFY(set_canary(50));
        int canary_keys = 0;
        std::map<std::string, nlohmann::json> docs;  // by version
        for (int k = 0; k < 40; ++k) {
            const redline::test::Headers key = {{"X-API-Key", "sticky-" + std::to_string(k)}};
            auto first = http_->get("/v1/products/17", key);
            const std::string v = first.header("x-redline-version");
            for (int i = 0; i < 5; ++i)
                QCOMPARE(http_->get("/v1/products/17", key).header("x-redline-version"), v);
            if (v == "canary") ++canary_keys;
            docs[v] = first.json();
        }
        QVERIFY(canary_keys > 0 && canary_keys < 40);
        // The canary serialises differently but answers the same document.
        QCOMPARE(docs.size(), std::size_t(2));
        QVERIFY(docs["canary"] == docs["stable"]);
        // Raising the weight only moves clients onto the canary, never off it.
        std::vector<std::string> before;
        for (int k = 0; k < 40; ++k)
            before.push_back(http_->get("/v1/products/17", {{"X-API-Key", "sticky-" + std::to_string(k)}})
                                 .header("x-redline-version"));
        QVERIFY(set_canary(80));
        for (int k = 0; k < 40; ++k)
            if (before[std::size_t(k)] == "canary")
                QCOMPARE(http_->get("/v1/products/17", {{"X-API-Key", "sticky-" + std::to_string(k)}})
                             .header("x-redline-version"),
                         std::string("canary"));
    }

    void canaryWeightChangesAtomically() {
        // Weights set in turn while traffic flows; every response must carry one of them, with its faults.
        const std::vector<double> weights = {0, 100, 37.5, 100, 0, 62.5};
        QVERIFY(set_canary(weights[0]));
        std::atomic<bool> done{false};
        std::vector<std::string> seen;
        std::atomic<int> bad{0};
        std::thread traffic([&] {
            SampleHttp h(server_->api_url());
            for (int i = 0; !done.load() && i < 100000; ++i) {
                auto r = h.get("/v1/products/1", {{"X-API-Key", "atomic-" + std::to_string(i % 500)}});
                if (r.status != 200) bad.fetch_add(1);
                seen.push_back(r.header("x-redline-canary-weight"));
            }
        });
        for (std::size_t i = 1; i < weights.size(); ++i) {
            QTest::qWait(100);
            QVERIFY(set_canary(weights[i]));
        }
        QTest::qWait(100);
        done = true;
        traffic.join();
        QCOMPARE(bad.load(), 0);
        QVERIFY(seen.size() > 50);
        std::set<std::string> allowed = {"0", "100", "37.5", "62.5"};
        for (const auto& w : seen)
            QVERIFY2(allowed.count(w), w.c_str());
        QVERIFY(std::find(seen.begin(), seen.end(), std::string("62.5")) != seen.end());
    }

    void canaryFaults() {
        QVERIFY(set_canary(100, 0, 1.0));
        auto r = http_->get("/v1/products/5");
        QCOMPARE(r.status, 500);
        QCOMPARE(QString::fromStdString(r.header("content-type")),
                 QStringLiteral("application/problem+json"));
        QCOMPARE(r.header("x-redline-version"), std::string("canary"));
        // Orders have no canary implementation and are never faulted.
        QCOMPARE(http_->request("POST", "/v1/orders", R"({"items":[{"product_id":1,"quantity":1}]})").status,
                 201);
        QVERIFY(set_canary(100, 300, 0));
        const auto t0 = Clock::now();
        QCOMPARE(http_->get("/v1/products/5").status, 200);
        QVERIFY(Clock::now() - t0 >= std::chrono::milliseconds(300));
        auto s = server_->wait_snapshot([](const redline::Snapshot& snap) {
            const auto c = series_of(snap, "GET /v1/products/{id}", "canary");
            return c.requests >= 2;
        });
        QVERIFY(s);
        const auto c = series_of(*s, "GET /v1/products/{id}", "canary");
        QCOMPARE(c.errors, std::uint64_t(1));
        QVERIFY(c.latency && c.latency->max_ms >= 290);
    }
};

QTEST_GUILESS_MAIN(TstSampleControls)
#include "tst_sample_controls.moc"
