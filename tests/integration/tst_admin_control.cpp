// Admin control endpoints: every invalid-input class gives 400/413/415/431 with problem details and changes
// nothing (state, file, audit, events); accepted changes are persisted, audited (actor, before, after, time),
// echoed as events and handed to the host; state survives a restart; a corrupt file falls back to the
// default; concurrent PUTs are serialised.
#include <QtTest>
#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/control.h"
#include "tests/support/agent_fixture.h"
#include "tests/support/raw_http.h"

using namespace redline::test;
using nlohmann::json;
using redline::agent::Role;

namespace {

const char* kCanary25 =
    "{\"weight_percent\":25,\"faults\":{\"latency_ms\":10,\"latency_jitter_ms\":5,\"error_ratio\":0.1}}";
const char* kLimitsOne =
    "{\"routes\":{\"GET "
    "/v1/products/"
    "{id}\":{\"rate_per_s\":50,\"burst\":100,\"mode\":\"shadow\",\"scope\":\"client\",\"enabled\":true}}}";

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

// Checks that `response` completed with `code` and binds its body, parsed without throwing, to `var`; on a
// wrong status or a non-JSON body the test function fails and returns (a status-less body is never parsed).
#define REQUIRE_JSON(var, response, code)                                                   \
    json var;                                                                               \
    do {                                                                                    \
        const RawResponse& r_ = (response);                                                 \
        QVERIFY2(r_.ok, r_.error.c_str());                                                  \
        QVERIFY2(r_.status == (code), (std::to_string(r_.status) + " " + r_.body).c_str()); \
        var = parse_json(r_.body);                                                          \
        QVERIFY2(!var.is_discarded(), r_.body.c_str());                                     \
    } while (false)

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
    RawResponse get(const std::string& target) {
        return http_request(f_->port(), "GET", target, f_->auth(Role::Viewer));
    }

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
        REQUIRE_JSON(canary, get("/v1/canary"), 200);
        QCOMPARE(json_number(canary, "/weight_percent"), 0.0);
        REQUIRE_JSON(cache, get("/v1/cache"), 200);
        QCOMPARE(json_number(cache, "/capacity"), 10000.0);
    }

    void invalid_body_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("body");
        QTest::addColumn<bool>("expect_field_errors");
        QTest::newRow("bad json") << "/v1/canary"
                                  << "{\"weight_percent\": " << false;
        QTest::newRow("empty body") << "/v1/canary"
                                    << "" << false;
        QTest::newRow("array") << "/v1/canary"
                               << "[1,2]" << true;
        QTest::newRow("string") << "/v1/limits"
                                << "\"routes\"" << true;
        QTest::newRow("canary unknown field") << "/v1/canary"
                                              << "{\"weight_percent\":5,\"colour\":\"red\"}" << true;
        QTest::newRow("canary wrong type") << "/v1/canary"
                                           << "{\"weight_percent\":\"5\"}" << true;
        QTest::newRow("canary above range") << "/v1/canary"
                                            << "{\"weight_percent\":101}" << true;
        QTest::newRow("canary below range") << "/v1/canary"
                                            << "{\"weight_percent\":-1}" << true;
        QTest::newRow("canary fault ratio")
            << "/v1/canary"
            << "{\"weight_percent\":5,\"faults\":{\"error_ratio\":1.5}}" << true;
        QTest::newRow("canary fault unknown") << "/v1/canary"
                                              << "{\"weight_percent\":5,\"faults\":{\"boom\":1}}" << true;
        QTest::newRow("canary fault latency")
            << "/v1/canary"
            << "{\"weight_percent\":5,\"faults\":{\"latency_ms\":1e9}}" << true;
        QTest::newRow("limits unknown field") << "/v1/limits"
                                              << "{\"routes\":{},\"extra\":1}" << true;
        QTest::newRow("limits routes wrong type") << "/v1/limits"
                                                  << "{\"routes\":[]}" << true;
        QTest::newRow("limits unknown route")
            << "/v1/limits"
            << "{\"routes\":{\"GET /v1/nope\":{\"rate_per_s\":5,\"burst\":5}}}" << true;
        QTest::newRow("limits rate negative")
            << "/v1/limits"
            << "{\"routes\":{\"GET /v1/products\":{\"rate_per_s\":-5,\"burst\":5}}}" << true;
        QTest::newRow("limits rate huge")
            << "/v1/limits"
            << "{\"routes\":{\"GET /v1/products\":{\"rate_per_s\":1e12,\"burst\":5}}}" << true;
        QTest::newRow("limits burst zero")
            << "/v1/limits"
            << "{\"routes\":{\"GET /v1/products\":{\"rate_per_s\":5,\"burst\":0}}}" << true;
        QTest::newRow("limits bad mode")
            << "/v1/limits"
            << "{\"routes\":{\"GET /v1/products\":{\"rate_per_s\":5,\"burst\":5,\"mode\":\"loud\"}}}" << true;
        QTest::newRow("limits bad enabled")
            << "/v1/limits"
            << "{\"routes\":{\"GET /v1/products\":{\"rate_per_s\":5,\"burst\":5,\"enabled\":\"yes\"}}}"
            << true;
        QTest::newRow("limits route unknown field")
            << "/v1/limits"
            << "{\"routes\":{\"GET /v1/products\":{\"rate_per_s\":5,\"burst\":5,\"x\":1}}}" << true;
        QTest::newRow("cache ttl zero") << "/v1/cache"
                                        << "{\"capacity\":10,\"ttl_ms\":0}" << true;
        QTest::newRow("cache capacity type") << "/v1/cache"
                                             << "{\"capacity\":\"big\",\"ttl_ms\":10}" << true;
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
        REQUIRE_JSON(j, r, 400);
        QCOMPARE(QString::fromStdString(r.header("content-type")), QString("application/problem+json"));
        QCOMPARE(json_number(j, "/status"), 400.0);
        if (expect_field_errors) {
            QVERIFY2(json_size(j, "/errors") > 0, r.body.c_str());
            QVERIFY2(json_at(j, "/errors/0/field").is_string(), r.body.c_str());
            QVERIFY2(json_string(j, "/errors/0/message") != "<missing>", r.body.c_str());
            QVERIFY2(!json_string(j, "/errors/0/message").empty(), r.body.c_str());
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
        REQUIRE_JSON(canary, get("/v1/canary"), 200);
        QCOMPARE(json_number(canary, "/weight_percent"), 0.0);
    }

    void huge_header_is_431() {
        Headers h = f_->auth(Role::Operator);
        h.emplace_back("X-Padding", std::string(16 * 1024, 'y'));
        RawResponse r = http_request(f_->port(), "PUT", "/v1/canary", h, kCanary25);
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, 431);
        REQUIRE_JSON(canary, get("/v1/canary"), 200);
        QCOMPARE(json_number(canary, "/weight_percent"), 0.0);
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
        QTest::newRow("window 61s") << "/v1/snapshot?window=61s";
        QTest::newRow("window 05s") << "/v1/snapshot?window=05s";
        QTest::newRow("window 0s") << "/v1/snapshot?window=0s";
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
        QTest::newRow("stream window") << "/v1/stream?window=90s";
        QTest::newRow("stream events_after") << "/v1/stream?events_after=x";
        QTest::newRow("stream unknown") << "/v1/stream?interval=100";
        QTest::newRow("control query") << "/v1/canary?weight_percent=5";
    }
    void bad_query() {
        QFETCH(QString, target);
        REQUIRE_JSON(j, get(target.toStdString()), 400);
        QVERIFY2(json_size(j, "/errors") > 0, j.dump().c_str());
    }

    void good_queries() {
        REQUIRE_JSON(s60, get("/v1/snapshot?window=60s"), 200);
        QCOMPARE(json_number(s60, "/window_s"), 60.0);
        REQUIRE_JSON(s10, get("/v1/snapshot?window=10s"), 200);
        QCOMPARE(json_number(s10, "/window_s"), 10.0);
        REQUIRE_JSON(s1, get("/v1/snapshot"), 200);
        QCOMPARE(json_number(s1, "/window_s"), 1.0);
        QCOMPARE(get("/v1/events?after=0&limit=1000").status, 200);
    }

    // Who acted: the Redline-Actor header names a person in the audit line ("operator:alice"); a bad one is a
    // 400 naming the header, before anything changes.
    void actor_header_names_who_acted() {
        REQUIRE_JSON(state, put("/v1/canary", kCanary25, {{"Redline-Actor", "alice"}}), 200);
        auto lines = f_->audit_lines();
        QCOMPARE(lines.size(), std::size_t(1));
        QCOMPARE(json_string(parse_json(lines[0]), "/actor"), std::string("operator:alice"));
        for (const char* bad :
             {"a:b", "", "0123456789012345678901234567890123456789012345678901234567890123456789"}) {
            RawResponse r = put("/v1/limits", kLimitsOne, {{"Redline-Actor", bad}});
            QVERIFY2(r.status == 400, bad);
            json j = parse_json(r.body);
            QCOMPARE(json_string(j, "/errors/0/field"), std::string("Redline-Actor"));
            QCOMPARE(f_->audit_lines().size(), std::size_t(1));  // nothing changed, nothing audited
            QCOMPARE(limits_calls_.load(), 1);
        }
        // POST /v1/events: the header names the actor too; the body's "by" wins when both are given.
        Headers h = f_->auth(Role::Operator);
        h.emplace_back("Content-Type", "application/json");
        h.emplace_back("Redline-Actor", "bob");
        RawResponse e1 =
            http_request(f_->port(), "POST", "/v1/events", h, R"({"kind":"annotation","message":"m"})");
        QCOMPARE(e1.status, 201);
        QCOMPARE(json_string(parse_json(e1.body), "/actor"), std::string("operator:bob"));
        RawResponse e2 = http_request(f_->port(), "POST", "/v1/events", h,
                                      R"({"kind":"annotation","message":"m","by":"carol"})");
        QCOMPARE(e2.status, 201);
        QCOMPARE(json_string(parse_json(e2.body), "/actor"), std::string("operator:carol"));
        h.back().second = "a:b";
        RawResponse e3 =
            http_request(f_->port(), "POST", "/v1/events", h, R"({"kind":"annotation","message":"m"})");
        QCOMPARE(e3.status, 400);
        QVERIFY2(e3.body.find("Redline-Actor") != std::string::npos, e3.body.c_str());
    }

    void accepted_change_is_persisted_audited_and_applied() {
        REQUIRE_JSON(
            state, put("/v1/canary", kCanary25, {{"Content-Type", "application/json; charset=utf-8"}}), 200);
        QCOMPARE(json_number(state, "/weight_percent"), 25.0);
        REQUIRE_JSON(served, get("/v1/canary"), 200);
        QCOMPARE(served, state);
        QCOMPARE(f_->agent().canary().weight_percent, 25.0);
        QCOMPARE(f_->agent().canary().faults.error_ratio, 0.1);
        QCOMPARE(canary_calls_.load(), 2);
        QCOMPARE(parse_json(read_file(f_->data_dir() + "/control/canary.json")), state);

        auto lines = f_->audit_lines();
        QCOMPARE(lines.size(), std::size_t(1));
        json a = parse_json(lines[0]);
        QCOMPARE(json_string(a, "/kind"), std::string("canary.changed"));
        QCOMPARE(json_string(a, "/actor"), std::string("operator"));
        QCOMPARE(json_number(a, "/before/weight_percent"), 0.0);
        QCOMPARE(json_at(a, "/after"), state);
        QVERIFY(json_number(a, "/time_ms") > 1600000000000.0);
        QVERIFY(json_string(a, "/message").find("25") != std::string::npos);
        QVERIFY(json_at(a, "/id").is_number_unsigned());

        REQUIRE_JSON(page, get("/v1/events"), 200);
        QVERIFY2(json_size(page, "/events") > 0, page.dump().c_str());
        bool found = false;
        for (const auto& e : json_at(page, "/events"))
            if (json_string(e, "/kind") == "canary.changed" && json_at(e, "/id") == json_at(a, "/id"))
                found = true;
        QVERIFY2(found, page.dump().c_str());

        RawResponse r = put("/v1/limits", kLimitsOne);
        QCOMPARE(r.status, 200);
        const auto limits = f_->agent().limits();
        QCOMPARE(limits.routes.size(), std::size_t(1));
        QVERIFY(limits.routes.count("GET /v1/products/{id}") == 1);
        QCOMPARE(limits.routes.at("GET /v1/products/{id}").mode, redline::LimitMode::Shadow);
        r = put("/v1/cache", "{\"capacity\":5,\"ttl_ms\":1000}");
        QCOMPARE(r.status, 200);
        QCOMPARE(json_number(f_->agent().control("cache"), "/capacity"), 5.0);
        lines = f_->audit_lines();
        QCOMPARE(lines.size(), std::size_t(3));
        json a1 = parse_json(lines[1]), a2 = parse_json(lines[2]);
        QCOMPARE(json_string(a1, "/kind"), std::string("limits.changed"));
        QCOMPARE(json_string(a2, "/kind"), std::string("cache.changed"));
        QVERIFY(json_number(a2, "/id") > json_number(a1, "/id"));
    }

    void state_survives_restart() {
        QCOMPARE(put("/v1/canary", kCanary25).status, 200);
        QCOMPARE(put("/v1/limits", kLimitsOne).status, 200);
        QCOMPARE(put("/v1/cache", "{\"capacity\":7,\"ttl_ms\":2000}").status, 200);
        REQUIRE_JSON(canary, get("/v1/canary"), 200);
        REQUIRE_JSON(limits, get("/v1/limits"), 200);
        canary_calls_ = limits_calls_ = cache_calls_ = 0;
        f_->restart();
        REQUIRE_JSON(canary2, get("/v1/canary"), 200);
        QCOMPARE(canary2, canary);
        REQUIRE_JSON(limits2, get("/v1/limits"), 200);
        QCOMPARE(limits2, limits);
        REQUIRE_JSON(cache2, get("/v1/cache"), 200);
        QCOMPARE(json_number(cache2, "/capacity"), 7.0);
        QCOMPARE(f_->agent().canary().weight_percent, 25.0);
        QCOMPARE(canary_calls_.load(), 1);                   // the host got the persisted state at start
        QCOMPARE(f_->audit_lines().size(), std::size_t(3));  // the audit log is append-only across runs
        QVERIFY(f_->errors().empty());
    }

    // The audit log is the source of truth at start-up: a corrupt or invalid state file is replaced by the
    // last audited state (and kept as <file>.replaced), with an audited recovery event saying so.
    void corrupt_file_is_restored_from_the_audit_log() {
        QCOMPARE(put("/v1/canary", kCanary25).status, 200);
        QCOMPARE(put("/v1/limits", kLimitsOne).status, 200);
        const std::string dir = f_->data_dir();
        // Restart the same fixture: it owns the temporary data dir (and its tokens), which a second fixture
        // built on `dir` would see deleted when this one is destroyed.
        f_->stop();
        {
            std::ofstream(dir + "/control/canary.json", std::ios::trunc) << "{ not json";
            std::ofstream(dir + "/control/limits.json", std::ios::trunc)
                << "{\"routes\":{\"GET /v1/products\":{\"rate_per_s\":-1,\"burst\":1}}}";
        }
        canary_calls_ = limits_calls_ = cache_calls_ = 0;
        f_->restart();
        REQUIRE_JSON(canary, get("/v1/canary"), 200);
        QCOMPARE(json_number(canary, "/weight_percent"), 25.0);
        REQUIRE_JSON(limits, get("/v1/limits"), 200);
        QCOMPARE(json_size(limits, "/routes"), 1L);
        QCOMPARE(f_->agent().canary().weight_percent, 25.0);
        QCOMPARE(canary_calls_.load(), 1);  // the host gets the restored state once
        QCOMPARE(limits_calls_.load(), 1);
        // Both files were reported, each naming its path.
        int canary_errors = 0, limits_errors = 0;
        for (const auto& e : f_->errors()) {
            if (e.find("control/canary.json") != std::string::npos) ++canary_errors;
            if (e.find("control/limits.json") != std::string::npos) ++limits_errors;
        }
        QCOMPARE(canary_errors, 1);
        QCOMPARE(limits_errors, 1);
        // The files agree with the audit log again; the corrupt ones are kept for inspection.
        QCOMPARE(json_number(parse_json(read_file(dir + "/control/canary.json")), "/weight_percent"), 25.0);
        QCOMPARE(read_file(dir + "/control/canary.json.replaced"), std::string("{ not json"));
        int recovered = 0;
        for (const auto& l : f_->audit_lines())
            recovered += l.find("\"kind\":\"canary.recovered\"") != std::string::npos ||
                         l.find("\"kind\":\"limits.recovered\"") != std::string::npos;
        QCOMPARE(recovered, 2);
    }

    void concurrent_puts_are_serialised() {
        constexpr int kThreads = 4, kEach = 5;
        std::atomic<int> ok{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < kEach; ++i) {
                    json body = {{"weight_percent", t * 10 + i}};
                    if (http_request(f_->port(), "PUT", "/v1/canary", f_->auth(Role::Operator), body.dump())
                            .status == 200)
                        ++ok;
                }
            });
        }
        for (auto& t : threads)
            t.join();
        QCOMPARE(ok.load(), kThreads * kEach);
        auto lines = f_->audit_lines();
        QCOMPARE(lines.size(), std::size_t(kThreads * kEach));
        // Each change starts from the state the previous one left: a total order, no lost update.
        for (std::size_t i = 1; i < lines.size(); ++i) {
            json after = json_at(parse_json(lines[i - 1]), "/after");
            QVERIFY2(after.is_object(), lines[i - 1].c_str());
            QCOMPARE(json_at(parse_json(lines[i]), "/before"), after);
        }
        REQUIRE_JSON(canary, get("/v1/canary"), 200);
        QCOMPARE(canary, json_at(parse_json(lines.back()), "/after"));
    }

    void host_emit_is_audited_and_listed() {
        redline::Event e;
        e.kind = "deploy.finished";
        e.message = "v2 rolled out";
        redline::Event stored = f_->agent().publish_event(e);
        QVERIFY(stored.id > 0);
        QCOMPARE(stored.actor, std::string("host"));
        auto lines = f_->audit_lines();
        QCOMPARE(lines.size(), std::size_t(1));
        QCOMPARE(json_string(parse_json(lines[0]), "/kind"), std::string("deploy.finished"));
        redline::Event internal;
        internal.kind = "agent.note";
        internal.actor = "agent";
        f_->agent().publish_event(internal);
        QCOMPARE(f_->audit_lines().size(), std::size_t(1));  // agent-internal events are not audited
        REQUIRE_JSON(page, get("/v1/events?after=" + std::to_string(stored.id - 1) + "&limit=10"), 200);
        QCOMPARE(json_size(page, "/events"), 2L);
        QCOMPARE(json_at(page, "/events/0/id"), json(stored.id));
        QCOMPARE(json_string(page, "/events/1/kind"), std::string("agent.note"));
        QCOMPARE(json_at(page, "/next_cursor"), json(stored.id + 1));
    }
};

QTEST_GUILESS_MAIN(TestAdminControl)
#include "tst_admin_control.moc"
