// Admin control endpoints: every invalid-input class gives 400/413/415/431 with problem details and changes
// nothing (state, file, audit, events); accepted changes are persisted, audited (actor, before, after, time),
// echoed as events and handed to the host; state survives a restart; a corrupt file falls back to the default;
// concurrent PUTs are serialised.
#include <QtTest>

#include <atomic>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/control.h"
#include "tests/support/agent_fixture.h"
#include "tests/support/raw_http.h"

using namespace redline::test;
using redline::agent::Role;
using nlohmann::json;

namespace {

const char* kCanary25 = "{\"weight_percent\":25,\"faults\":{\"latency_ms\":10,\"latency_jitter_ms\":5,\"error_ratio\":0.1}}";
const char* kLimitsOne =
    "{\"routes\":{\"GET /v1/products/{id}\":{\"rate_per_s\":50,\"burst\":100,\"mode\":\"shadow\",\"scope\":\"client\",\"enabled\":true}}}";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

redline::agent::ControlResource cache_control() {
    redline::agent::ControlResource c;
    c.name = "cache";
    c.initial = redline::CacheConfig{};
    c.validate = [](const json& body) -> redline::Parsed<json> {
        auto p = redline::parse_cache(body);
        if (!p.ok()) return {p.errors()};
        return {json(p.value())};
    };
    return c;
}

}  // namespace

class TestAdminControl : public QObject {
    Q_OBJECT

    std::unique_ptr<AgentFixture> f_;
    std::atomic<int> canary_calls_{0};
    std::atomic<int> limits_calls_{0};
    std::atomic<int> cache_calls_{0};

    AgentFixture::Setup setup() {
        return [this](redline::agent::Agent& a) {
            a.on_canary([this](const redline::CanaryConfig&) { ++canary_calls_; });
            a.on_limits([this](const redline::LimitsConfig&) { ++limits_calls_; });
            auto c = cache_control();
            c.apply = [this](const json&) { ++cache_calls_; };
            a.add_control(std::move(c));
        };
    }

    RawResponse put(const std::string& path, const std::string& body, Headers extra = {}) {
        Headers h = f_->auth(Role::Operator);
        h.insert(h.end(), extra.begin(), extra.end());
        return http_request(f_->port(), "PUT", path, h, body);
    }
    RawResponse get(const std::string& target) { return http_request(f_->port(), "GET", target, f_->auth(Role::Viewer)); }

private slots:
    void init() {
        canary_calls_ = limits_calls_ = cache_calls_ = 0;
        f_ = std::make_unique<AgentFixture>(AgentFixture::Tweak{}, setup());
    }
    void cleanup() { f_.reset(); }

    void start_applies_state_once() {
        QCOMPARE(canary_calls_.load(), 1);
        QCOMPARE(limits_calls_.load(), 1);
        QCOMPARE(cache_calls_.load(), 1);
        QCOMPARE(json::parse(get("/v1/canary").body)["weight_percent"].get<double>(), 0.0);
        QCOMPARE(json::parse(get("/v1/cache").body)["capacity"].get<int>(), 10000);
    }

    void invalid_body_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("body");
        QTest::addColumn<bool>("expect_field_errors");
        QTest::newRow("bad json") << "/v1/canary" << "{\"weight_percent\": " << false;
        QTest::newRow("empty body") << "/v1/canary" << "" << false;
        QTest::newRow("array") << "/v1/canary" << "[1,2]" << true;
        QTest::newRow("string") << "/v1/limits" << "\"routes\"" << true;
        QTest::newRow("canary unknown field") << "/v1/canary" << "{\"weight_percent\":5,\"colour\":\"red\"}" << true;
        QTest::newRow("canary wrong type") << "/v1/canary" << "{\"weight_percent\":\"5\"}" << true;
        QTest::newRow("canary above range") << "/v1/canary" << "{\"weight_percent\":101}" << true;
        QTest::newRow("canary below range") << "/v1/canary" << "{\"weight_percent\":-1}" << true;
        QTest::newRow("canary fault ratio") << "/v1/canary" << "{\"weight_percent\":5,\"faults\":{\"error_ratio\":1.5}}" << true;
        QTest::newRow("canary fault unknown") << "/v1/canary" << "{\"weight_percent\":5,\"faults\":{\"boom\":1}}" << true;
        QTest::newRow("canary fault latency") << "/v1/canary" << "{\"weight_percent\":5,\"faults\":{\"latency_ms\":1e9}}" << true;
        QTest::newRow("limits unknown field") << "/v1/limits" << "{\"routes\":{},\"extra\":1}" << true;
        QTest::newRow("limits routes wrong type") << "/v1/limits" << "{\"routes\":[]}" << true;
        QTest::newRow("limits unknown route")
            << "/v1/limits" << "{\"routes\":{\"GET /v1/nope\":{\"rate_per_s\":5,\"burst\":5}}}" << true;
        QTest::newRow("limits rate negative")
            << "/v1/limits" << "{\"routes\":{\"GET /v1/products\":{\"rate_per_s\":-5,\"burst\":5}}}" << true;
        QTest::newRow("limits rate huge")
            << "/v1/limits" << "{\"routes\":{\"GET /v1/products\":{\"rate_per_s\":1e12,\"burst\":5}}}" << true;
        QTest::newRow("limits burst zero")
            << "/v1/limits" << "{\"routes\":{\"GET /v1/products\":{\"rate_per_s\":5,\"burst\":0}}}" << true;
        QTest::newRow("limits bad mode")
            << "/v1/limits" << "{\"routes\":{\"GET /v1/products\":{\"rate_per_s\":5,\"burst\":5,\"mode\":\"loud\"}}}" << true;
        QTest::newRow("limits bad enabled")
            << "/v1/limits" << "{\"routes\":{\"GET /v1/products\":{\"rate_per_s\":5,\"burst\":5,\"enabled\":\"yes\"}}}" << true;
        QTest::newRow("limits route unknown field")
            << "/v1/limits" << "{\"routes\":{\"GET /v1/products\":{\"rate_per_s\":5,\"burst\":5,\"x\":1}}}" << true;
        QTest::newRow("cache ttl zero") << "/v1/cache" << "{\"capacity\":10,\"ttl_ms\":0}" << true;
        QTest::newRow("cache capacity type") << "/v1/cache" << "{\"capacity\":\"big\",\"ttl_ms\":10}" << true;
    }
    void invalid_body() {
        QFETCH(QString, path);
        QFETCH(QString, body);
        QFETCH(bool, expect_field_errors);
        std::string p = path.toStdString();
        std::string state = get(p).body;
        std::string file = read_file(f_->data_dir() + "/control" + p.substr(3) + ".json");
        auto audit = f_->audit_lines().size();
        auto events = get("/v1/events").body;
        int calls = canary_calls_ + limits_calls_ + cache_calls_;

        RawResponse r = put(p, body.toStdString(), {{"Content-Type", "application/json"}});
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, 400);
        QCOMPARE(QString::fromStdString(r.header("content-type")), QString("application/problem+json"));
        json j = json::parse(r.body);
        QCOMPARE(j["status"].get<int>(), 400);
        if (expect_field_errors) {
            QVERIFY2(j.contains("errors") && !j["errors"].empty(), r.body.c_str());
            QVERIFY(j["errors"][0].contains("field"));
            QVERIFY(!j["errors"][0]["message"].get<std::string>().empty());
        }
        // Nothing changed: state, file, audit, event log, host callbacks.
        QCOMPARE(get(p).body, state);
        QCOMPARE(read_file(f_->data_dir() + "/control" + p.substr(3) + ".json"), file);
        QCOMPARE(f_->audit_lines().size(), audit);
        QCOMPARE(get("/v1/events").body, events);
        QCOMPARE(canary_calls_ + limits_calls_ + cache_calls_, calls);
    }

    void oversized_body_is_413() {
        std::string big = "{\"weight_percent\":5,\"pad\":\"" + std::string(70 * 1024, 'x') + "\"}";
        auto audit = f_->audit_lines().size();
        RawResponse r = put("/v1/canary", big);
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, 413);
        QCOMPARE(QString::fromStdString(r.header("content-type")), QString("application/problem+json"));
        QCOMPARE(f_->audit_lines().size(), audit);
        QCOMPARE(json::parse(get("/v1/canary").body)["weight_percent"].get<double>(), 0.0);
    }

    void huge_header_is_431() {
        Headers h = f_->auth(Role::Operator);
        h.emplace_back("X-Padding", std::string(16 * 1024, 'y'));
        RawResponse r = http_request(f_->port(), "PUT", "/v1/canary", h, kCanary25);
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, 431);
        QCOMPARE(json::parse(get("/v1/canary").body)["weight_percent"].get<double>(), 0.0);
        QCOMPARE(f_->audit_lines().size(), std::size_t(0));
    }

    void wrong_content_type_is_415() {
        RawResponse r = put("/v1/canary", kCanary25, {{"Content-Type", "text/plain"}});
        QCOMPARE(r.status, 415);
        QCOMPARE(f_->audit_lines().size(), std::size_t(0));
    }

    void malformed_request_is_400() {
        RawConnection c;
        QVERIFY(c.connect(f_->port()));
        QVERIFY(c.send_all("THIS IS NOT HTTP\r\n\r\n"));
        RawResponse r = c.read_response();
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, 400);
    }

    void bad_query_data() {
        QTest::addColumn<QString>("target");
        QTest::newRow("window 5s") << "/v1/snapshot?window=5s";
        QTest::newRow("window empty") << "/v1/snapshot?window=";
        QTest::newRow("window number") << "/v1/snapshot?window=10";
        QTest::newRow("unknown param") << "/v1/snapshot?foo=1";
        QTest::newRow("repeated param") << "/v1/snapshot?window=1s&window=10s";
        QTest::newRow("bad escape") << "/v1/snapshot?window=%zz";
        QTest::newRow("events limit 0") << "/v1/events?limit=0";
        QTest::newRow("events limit 1001") << "/v1/events?limit=1001";
        QTest::newRow("events limit text") << "/v1/events?limit=ten";
        QTest::newRow("events after negative") << "/v1/events?after=-1";
        QTest::newRow("events after float") << "/v1/events?after=1.5";
        QTest::newRow("stream interval 99") << "/v1/stream?interval_ms=99";
        QTest::newRow("stream interval 10001") << "/v1/stream?interval_ms=10001";
        QTest::newRow("stream interval text") << "/v1/stream?interval_ms=fast";
        QTest::newRow("stream window") << "/v1/stream?window=2s";
        QTest::newRow("stream events_after") << "/v1/stream?events_after=x";
        QTest::newRow("stream unknown") << "/v1/stream?interval=100";
        QTest::newRow("control query") << "/v1/canary?weight_percent=5";
    }
    void bad_query() {
        QFETCH(QString, target);
        RawResponse r = get(target.toStdString());
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, 400);
        json j = json::parse(r.body);
        QVERIFY(!j["errors"].empty());
    }

    void good_queries() {
        QCOMPARE(json::parse(get("/v1/snapshot?window=60s").body)["window_s"].get<int>(), 60);
        QCOMPARE(json::parse(get("/v1/snapshot?window=10s").body)["window_s"].get<int>(), 10);
        QCOMPARE(json::parse(get("/v1/snapshot").body)["window_s"].get<int>(), 1);
        QCOMPARE(get("/v1/events?after=0&limit=1000").status, 200);
    }

    void accepted_change_is_persisted_audited_and_applied() {
        RawResponse r = put("/v1/canary", kCanary25, {{"Content-Type", "application/json; charset=utf-8"}});
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, 200);
        json state = json::parse(r.body);
        QCOMPARE(state["weight_percent"].get<double>(), 25.0);
        QCOMPARE(json::parse(get("/v1/canary").body), state);
        QCOMPARE(f_->agent().canary().weight_percent, 25.0);
        QCOMPARE(f_->agent().canary().faults.error_ratio, 0.1);
        QCOMPARE(canary_calls_.load(), 2);
        QCOMPARE(json::parse(read_file(f_->data_dir() + "/control/canary.json")), state);

        auto lines = f_->audit_lines();
        QCOMPARE(lines.size(), std::size_t(1));
        json a = json::parse(lines[0]);
        QCOMPARE(a["kind"].get<std::string>(), std::string("canary.changed"));
        QCOMPARE(a["actor"].get<std::string>(), std::string("operator"));
        QCOMPARE(a["before"]["weight_percent"].get<double>(), 0.0);
        QCOMPARE(a["after"], state);
        QVERIFY(a["time_ms"].get<std::int64_t>() > 1600000000000LL);
        QVERIFY(a["message"].get<std::string>().find("25") != std::string::npos);

        json page = json::parse(get("/v1/events").body);
        bool found = false;
        for (auto& e : page["events"])
            if (e["kind"] == "canary.changed" && e["id"] == a["id"]) found = true;
        QVERIFY2(found, page.dump().c_str());

        r = put("/v1/limits", kLimitsOne);
        QCOMPARE(r.status, 200);
        QCOMPARE(f_->agent().limits().routes.size(), std::size_t(1));
        QCOMPARE(f_->agent().limits().routes.at("GET /v1/products/{id}").mode, redline::LimitMode::Shadow);
        r = put("/v1/cache", "{\"capacity\":5,\"ttl_ms\":1000}");
        QCOMPARE(r.status, 200);
        QCOMPARE(f_->agent().control("cache")["capacity"].get<int>(), 5);
        lines = f_->audit_lines();
        QCOMPARE(lines.size(), std::size_t(3));
        QCOMPARE(json::parse(lines[1])["kind"].get<std::string>(), std::string("limits.changed"));
        QCOMPARE(json::parse(lines[2])["kind"].get<std::string>(), std::string("cache.changed"));
        QVERIFY(json::parse(lines[2])["id"].get<std::uint64_t>() > json::parse(lines[1])["id"].get<std::uint64_t>());
    }

    void state_survives_restart() {
        QCOMPARE(put("/v1/canary", kCanary25).status, 200);
        QCOMPARE(put("/v1/limits", kLimitsOne).status, 200);
        QCOMPARE(put("/v1/cache", "{\"capacity\":7,\"ttl_ms\":2000}").status, 200);
        json canary = json::parse(get("/v1/canary").body), limits = json::parse(get("/v1/limits").body);
        canary_calls_ = limits_calls_ = cache_calls_ = 0;
        f_->restart();
        QCOMPARE(json::parse(get("/v1/canary").body), canary);
        QCOMPARE(json::parse(get("/v1/limits").body), limits);
        QCOMPARE(json::parse(get("/v1/cache").body)["capacity"].get<int>(), 7);
        QCOMPARE(f_->agent().canary().weight_percent, 25.0);
        QCOMPARE(canary_calls_.load(), 1);  // the host got the persisted state at start
        QCOMPARE(f_->audit_lines().size(), std::size_t(3));  // the audit log is append-only across runs
        QVERIFY(f_->errors().empty());
    }

    void corrupt_file_keeps_default() {
        std::string dir = f_->data_dir();
        f_->stop();
        {
            std::ofstream(dir + "/control/canary.json") << "{ not json";
            std::ofstream(dir + "/control/limits.json") << "{\"routes\":{\"GET /v1/products\":{\"rate_per_s\":-1,\"burst\":1}}}";
        }
        f_ = std::make_unique<AgentFixture>(AgentFixture::Tweak{}, setup(), dir);
        QCOMPARE(json::parse(get("/v1/canary").body)["weight_percent"].get<double>(), 0.0);
        QCOMPARE(json::parse(get("/v1/limits").body)["routes"].size(), std::size_t(0));
        QVERIFY(f_->errors().size() >= 2);
        // and a valid PUT repairs the file
        QCOMPARE(put("/v1/canary", kCanary25).status, 200);
        QCOMPARE(json::parse(read_file(dir + "/control/canary.json"))["weight_percent"].get<double>(), 25.0);
    }

    void concurrent_puts_are_serialised() {
        constexpr int kThreads = 4, kEach = 5;
        std::atomic<int> ok{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < kEach; ++i) {
                    json body = {{"weight_percent", t * 10 + i}};
                    if (http_request(f_->port(), "PUT", "/v1/canary", f_->auth(Role::Operator), body.dump()).status == 200)
                        ++ok;
                }
            });
        }
        for (auto& t : threads) t.join();
        QCOMPARE(ok.load(), kThreads * kEach);
        auto lines = f_->audit_lines();
        QCOMPARE(lines.size(), std::size_t(kThreads * kEach));
        // Each change starts from the state the previous one left: a total order, no lost update.
        for (std::size_t i = 1; i < lines.size(); ++i)
            QCOMPARE(json::parse(lines[i])["before"], json::parse(lines[i - 1])["after"]);
        QCOMPARE(json::parse(get("/v1/canary").body), json::parse(lines.back())["after"]);
    }

    void host_emit_is_audited_and_listed() {
        redline::Event e;
        e.kind = "deploy.finished";
        e.message = "v2 rolled out";
        redline::Event stored = f_->agent().emit(e);
        QVERIFY(stored.id > 0);
        QCOMPARE(stored.actor, std::string("host"));
        auto lines = f_->audit_lines();
        QCOMPARE(lines.size(), std::size_t(1));
        QCOMPARE(json::parse(lines[0])["kind"].get<std::string>(), std::string("deploy.finished"));
        redline::Event internal;
        internal.kind = "agent.note";
        internal.actor = "agent";
        f_->agent().emit(internal);
        QCOMPARE(f_->audit_lines().size(), std::size_t(1));  // agent-internal events are not audited
        json page = json::parse(get("/v1/events?after=" + std::to_string(stored.id - 1) + "&limit=10").body);
        QCOMPARE(page["events"].size(), std::size_t(2));
        QCOMPARE(page["events"][0]["id"].get<std::uint64_t>(), stored.id);
        QCOMPARE(page["next_cursor"].get<std::uint64_t>(), stored.id + 1);
    }
};

QTEST_GUILESS_MAIN(TestAdminControl)
#include "tst_admin_control.moc"
