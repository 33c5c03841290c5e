// Strict control-document parsers (limits, canary, cache): every validation error class yields a FieldError
// with the exact field path, all errors are collected, and valid documents (including boundaries) round-trip.
#include <QTest>
#include <cmath>
#include <limits>
#include <string>

#include "core/control.h"

using nlohmann::json;
using namespace redline;

namespace {

// JSON text cannot hold NaN or infinity, but an in-process caller can: these strings are replaced by them.
void inject_non_finite(json& j) {
    if (j.is_string()) {
        const auto& s = j.get_ref<const std::string&>();
        if (s == "__nan__")
            j = std::numeric_limits<double>::quiet_NaN();
        else if (s == "__inf__")
            j = std::numeric_limits<double>::infinity();
        else if (s == "__-inf__")
            j = -std::numeric_limits<double>::infinity();
    } else if (j.is_structured()) {
        for (auto& child : j)
            inject_non_finite(child);
    }
}

std::vector<FieldError> run(const QString& kind, const QString& body, const QStringList& known) {
    json j = json::parse(body.toStdString());
    inject_non_finite(j);
    if (kind == "limits") {
        std::vector<std::string> routes;
        for (const auto& r : known)
            routes.push_back(r.toStdString());
        const auto p = parse_limits(j, routes);
        return p.ok() ? std::vector<FieldError>{} : p.errors();
    }
    if (kind == "canary") {
        const auto p = parse_canary(j);
        return p.ok() ? std::vector<FieldError>{} : p.errors();
    }
    const auto p = parse_cache(j);
    return p.ok() ? std::vector<FieldError>{} : p.errors();
}

QString dump(const std::vector<FieldError>& errors) {
    QStringList out;
    for (const auto& e : errors)
        out << QString::fromStdString(e.field + " => " + e.message);
    return out.join(" | ");
}

}  // namespace

class TestControl : public QObject {
    Q_OBJECT

  private slots:
    void rejects_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("body");
        QTest::addColumn<QStringList>("known");     // known route ids (limits only)
        QTest::addColumn<QStringList>("expected");  // "field => message substring", in order, all of them
        const QStringList any;
        const QString ok_route = R"("rate_per_s": 10, "burst": 20)";
        auto limits = [&](const char* name, const QString& route_body, const QStringList& expected) {
            QTest::newRow(name) << "limits" << (R"({"routes": {"GET /v1/products": {)" + route_body + "}}}")
                                << any << expected;
        };
        const QString r = "routes.GET /v1/products.";

        // --- limits: document shape
        QTest::newRow("limits: array body")
            << "limits"
            << "[]" << any << QStringList{"body => must be a JSON object, got an array"};
        QTest::newRow("limits: string body")
            << "limits"
            << R"("x")" << any << QStringList{"body => must be a JSON object, got a string"};
        QTest::newRow("limits: routes missing") << "limits"
                                                << "{}" << any << QStringList{"routes => is required"};
        QTest::newRow("limits: routes array")
            << "limits"
            << R"({"routes": []})" << any
            << QStringList{"routes => must be an object keyed by route id, got an array"};
        QTest::newRow("limits: unknown top field") << "limits"
                                                   << R"({"routes": {}, "rutes": {}})" << any
                                                   << QStringList{"rutes => unknown field (allowed: routes)"};
        QTest::newRow("limits: lower-case method")
            << "limits"
            << R"({"routes": {"get /x": {"rate_per_s": 1, "burst": 1}}})" << any
            << QStringList{"routes.get /x => is not a route id"};
        QTest::newRow("limits: path without slash")
            << "limits"
            << R"({"routes": {"GET x": {"rate_per_s": 1, "burst": 1}}})" << any
            << QStringList{"routes.GET x => is not a route id"};
        QTest::newRow("limits: empty route id") << "limits"
                                                << R"({"routes": {"": {"rate_per_s": 1, "burst": 1}}})" << any
                                                << QStringList{"routes. => is not a route id"};
        QTest::newRow("limits: unknown route")
            << "limits"
            << R"({"routes": {"GET /v1/nope": {"rate_per_s": 1, "burst": 1}}})"
            << QStringList{"GET /v1/products", "POST /v1/orders"}
            << QStringList{"routes.GET /v1/nope => unknown route"};
        QTest::newRow("limits: route not object")
            << "limits"
            << R"({"routes": {"GET /v1/products": 5}})" << any
            << QStringList{"routes.GET /v1/products => must be a JSON object, got an integer"};
        // --- limits: required members
        limits("limits: rate missing", R"("burst": 5)", {r + "rate_per_s => is required"});
        limits("limits: burst missing", R"("rate_per_s": 5)", {r + "burst => is required"});
        limits("limits: both missing", "", {r + "rate_per_s => is required", r + "burst => is required"});
        // --- limits: types
        limits("limits: rate string", R"("rate_per_s": "10", "burst": 5)",
               {r + "rate_per_s => must be a number, got a string"});
        limits("limits: rate bool", R"("rate_per_s": true, "burst": 5)",
               {r + "rate_per_s => must be a number, got a boolean"});
        limits("limits: rate null", R"("rate_per_s": null, "burst": 5)",
               {r + "rate_per_s => must be a number, got null"});
        limits("limits: burst array", R"("rate_per_s": 1, "burst": [5])",
               {r + "burst => must be a number, got an array"});
        limits("limits: mode number", ok_route + R"(, "mode": 1)",
               {r + "mode => must be one of \"enforce\", \"shadow\", got an integer"});
        limits("limits: enabled string", ok_route + R"(, "enabled": "yes")",
               {r + "enabled => must be true or false, got a string"});
        limits("limits: enabled integer", ok_route + R"(, "enabled": 1)",
               {r + "enabled => must be true or false, got an integer"});
        // --- limits: ranges and non-finite numbers
        limits("limits: rate 0", R"("rate_per_s": 0, "burst": 5)",
               {r + "rate_per_s => must be > 0.0 and <= 1000000.0, got 0"});
        limits("limits: rate negative", R"("rate_per_s": -3.5, "burst": 5)",
               {r + "rate_per_s => must be > 0.0"});
        limits("limits: rate too high", R"("rate_per_s": 1000000.5, "burst": 5)",
               {r + "rate_per_s => must be > 0.0 and <= 1000000.0, got 1000000.5"});
        limits("limits: rate NaN", R"("rate_per_s": "__nan__", "burst": 5)",
               {r + "rate_per_s => must be a finite number"});
        limits("limits: rate inf", R"("rate_per_s": "__inf__", "burst": 5)",
               {r + "rate_per_s => must be a finite number"});
        limits("limits: burst -inf", R"("rate_per_s": 1, "burst": "__-inf__")",
               {r + "burst => must be a finite number"});
        limits("limits: burst below 1", R"("rate_per_s": 1, "burst": 0.5)",
               {r + "burst => must be >= 1.0 and <= 10000000.0, got 0.5"});
        limits("limits: burst too high", R"("rate_per_s": 1, "burst": 10000001)",
               {r + "burst => must be >= 1.0 and <= 10000000.0"});
        // --- limits: enums and unknown members
        limits("limits: mode case", ok_route + R"(, "mode": "Enforce")",
               {r + "mode => must be one of \"enforce\", \"shadow\", got \"Enforce\""});
        limits("limits: mode unknown", ok_route + R"(, "mode": "dry-run")", {r + "mode => must be one of"});
        limits("limits: scope unknown", ok_route + R"(, "scope": "global")",
               {r + "scope => must be one of \"client\", \"route\", got \"global\""});
        limits("limits: unknown member", ok_route + R"(, "rate": 5)",
               {r + "rate => unknown field (allowed: rate_per_s, burst, mode, scope, enabled)"});
        // --- limits: every error collected, across routes
        QTest::newRow("limits: all errors collected")
            << "limits"
            << R"({"routes": {"GET /a": {"rate_per_s": -1, "burst": 0, "mode": "x", "scope": 3, "enabled": null, "extra": 1},
                             "GET /b": {"burst": "5"}, "GET /ok": {"rate_per_s": 1, "burst": 1}, "bad": {}}, "x": 1})"
            << any
            << QStringList{"x => unknown field",
                           "routes.GET /a.extra => unknown field",
                           "routes.GET /a.rate_per_s => must be > 0.0",
                           "routes.GET /a.burst => must be >= 1.0",
                           "routes.GET /a.mode => must be one of",
                           "routes.GET /a.scope => must be one of",
                           "routes.GET /a.enabled => must be true or false, got null",
                           "routes.GET /b.rate_per_s => is required",
                           "routes.GET /b.burst => must be a number, got a string",
                           "routes.bad => is not a route id"};

        // --- canary
        QTest::newRow("canary: array body") << "canary"
                                            << "[1]" << any << QStringList{"body => must be a JSON object"};
        QTest::newRow("canary: weight missing")
            << "canary"
            << "{}" << any << QStringList{"weight_percent => is required"};
        QTest::newRow("canary: weight string")
            << "canary"
            << R"({"weight_percent": "5"})" << any
            << QStringList{"weight_percent => must be a number, got a string"};
        QTest::newRow("canary: weight bool")
            << "canary"
            << R"({"weight_percent": false})" << any
            << QStringList{"weight_percent => must be a number, got a boolean"};
        QTest::newRow("canary: weight 101")
            << "canary"
            << R"({"weight_percent": 101})" << any
            << QStringList{"weight_percent => must be >= 0.0 and <= 100.0, got 101"};
        QTest::newRow("canary: weight negative")
            << "canary"
            << R"({"weight_percent": -0.1})" << any
            << QStringList{"weight_percent => must be >= 0.0 and <= 100.0, got -0.1"};
        QTest::newRow("canary: weight NaN") << "canary"
                                            << R"({"weight_percent": "__nan__"})" << any
                                            << QStringList{"weight_percent => must be a finite number"};
        QTest::newRow("canary: unknown field")
            << "canary"
            << R"({"weight_percent": 5, "weight": 5})" << any
            << QStringList{"weight => unknown field (allowed: weight_percent, faults)"};
        QTest::newRow("canary: faults not object")
            << "canary"
            << R"({"weight_percent": 5, "faults": 1})" << any
            << QStringList{"faults => must be a JSON object, got an integer"};
        QTest::newRow("canary: latency too high")
            << "canary"
            << R"({"weight_percent": 5, "faults": {"latency_ms": 60000.5}})" << any
            << QStringList{"faults.latency_ms => must be >= 0.0 and <= 60000.0"};
        QTest::newRow("canary: latency negative")
            << "canary"
            << R"({"weight_percent": 5, "faults": {"latency_ms": -1}})" << any
            << QStringList{"faults.latency_ms => must be >= 0.0"};
        QTest::newRow("canary: jitter string")
            << "canary"
            << R"({"weight_percent": 5, "faults": {"latency_jitter_ms": "5"}})" << any
            << QStringList{"faults.latency_jitter_ms => must be a number, got a string"};
        QTest::newRow("canary: jitter inf")
            << "canary"
            << R"({"weight_percent": 5, "faults": {"latency_jitter_ms": "__inf__"}})" << any
            << QStringList{"faults.latency_jitter_ms => must be a finite number"};
        QTest::newRow("canary: error ratio > 1")
            << "canary"
            << R"({"weight_percent": 5, "faults": {"error_ratio": 1.5}})" << any
            << QStringList{"faults.error_ratio => must be >= 0.0 and <= 1.0, got 1.5"};
        QTest::newRow("canary: unknown fault")
            << "canary"
            << R"({"weight_percent": 5, "faults": {"drop": 1}})" << any
            << QStringList{
                   "faults.drop => unknown field (allowed: latency_ms, latency_jitter_ms, error_ratio)"};
        QTest::newRow("canary: all errors collected")
            << "canary"
            << R"({"weight_percent": 200, "faults": {"latency_ms": -5, "error_ratio": "x", "z": 0}, "y": 0})"
            << any
            << QStringList{"y => unknown field", "weight_percent => must be >= 0.0 and <= 100.0",
                           "faults.z => unknown field", "faults.latency_ms => must be >= 0.0",
                           "faults.error_ratio => must be a number, got a string"};

        // --- cache
        QTest::newRow("cache: null body")
            << "cache"
            << "null" << any << QStringList{"body => must be a JSON object, got null"};
        QTest::newRow("cache: capacity fraction")
            << "cache"
            << R"({"capacity": 1.5})" << any
            << QStringList{"capacity => must be an integer, got a fractional number"};
        QTest::newRow("cache: capacity 10.0")
            << "cache"
            << R"({"capacity": 10.0})" << any
            << QStringList{"capacity => must be an integer, got a fractional number"};
        QTest::newRow("cache: capacity string")
            << "cache"
            << R"({"capacity": "100"})" << any << QStringList{"capacity => must be an integer, got a string"};
        QTest::newRow("cache: capacity negative")
            << "cache"
            << R"({"capacity": -1})" << any
            << QStringList{"capacity => must be >= 0 and <= 10000000, got -1"};
        QTest::newRow("cache: capacity too high")
            << "cache"
            << R"({"capacity": 10000001})" << any
            << QStringList{"capacity => must be >= 0 and <= 10000000, got 10000001"};
        QTest::newRow("cache: capacity huge") << "cache"
                                              << R"({"capacity": 18446744073709551615})" << any
                                              << QStringList{"capacity => must be >= 0 and <= 10000000"};
        QTest::newRow("cache: ttl 0")
            << "cache"
            << R"({"ttl_ms": 0})" << any << QStringList{"ttl_ms => must be >= 1 and <= 86400000, got 0"};
        QTest::newRow("cache: ttl too high")
            << "cache"
            << R"({"ttl_ms": 86400001})" << any
            << QStringList{"ttl_ms => must be >= 1 and <= 86400000, got 86400001"};
        QTest::newRow("cache: ttl bool")
            << "cache"
            << R"({"ttl_ms": true})" << any << QStringList{"ttl_ms => must be an integer, got a boolean"};
        QTest::newRow("cache: ttl NaN")
            << "cache"
            << R"({"ttl_ms": "__nan__"})" << any
            << QStringList{"ttl_ms => must be an integer, got a fractional number"};
        QTest::newRow("cache: unknown field")
            << "cache"
            << R"({"capacity": 5, "ttl": 5})" << any
            << QStringList{"ttl => unknown field (allowed: capacity, ttl_ms)"};
        QTest::newRow("cache: all errors collected")
            << "cache"
            << R"({"capacity": -5, "ttl_ms": 0.5, "q": 1})" << any
            << QStringList{"q => unknown field", "capacity => must be >= 0", "ttl_ms => must be an integer"};
    }

    void rejects() {
        QFETCH(QString, kind);
        QFETCH(QString, body);
        QFETCH(QStringList, known);
        QFETCH(QStringList, expected);
        const auto errors = run(kind, body, known);
        QVERIFY2(errors.size() == std::size_t(expected.size()),
                 qPrintable(QStringLiteral("got %1 errors: %2").arg(errors.size()).arg(dump(errors))));
        for (int i = 0; i < expected.size(); ++i) {
            const auto parts = expected[i].split(" => ");
            const auto& e = errors[std::size_t(i)];
            QCOMPARE(QString::fromStdString(e.field), parts[0]);
            QVERIFY2(QString::fromStdString(e.message).contains(parts[1]),
                     qPrintable(QStringLiteral("%1: message '%2' lacks '%3'")
                                    .arg(parts[0], QString::fromStdString(e.message), parts[1])));
        }
    }

    void limits_defaults_and_values() {
        const auto p = parse_limits(json::parse(R"({"routes": {
            "GET /v1/products/{id}": {"rate_per_s": 50, "burst": 100},
            "POST /v1/orders": {"rate_per_s": 0.5, "burst": 1, "mode": "shadow", "scope": "route", "enabled": false},
            "GET /v1/products": {"rate_per_s": 1000000, "burst": 10000000, "mode": "enforce", "scope": "client"}}})"),
                                    {"GET /v1/products/{id}", "POST /v1/orders", "GET /v1/products"});
        QVERIFY2(p.ok(), p.ok() ? "" : qPrintable(dump(p.errors())));
        const auto& routes = p.value().routes;
        QCOMPARE(routes.size(), std::size_t(3));
        const RouteLimit& a = routes.at("GET /v1/products/{id}");
        QCOMPARE(a.rate_per_s, 50.0);
        QCOMPARE(a.burst, 100.0);
        QVERIFY(a.mode == LimitMode::Enforce);  // defaults
        QVERIFY(a.scope == LimitScope::Client);
        QVERIFY(a.enabled);
        const RouteLimit& b = routes.at("POST /v1/orders");
        QCOMPARE(b.rate_per_s, 0.5);
        QCOMPARE(b.burst, 1.0);
        QVERIFY(b.mode == LimitMode::Shadow);
        QVERIFY(b.scope == LimitScope::Route);
        QVERIFY(!b.enabled);
        QCOMPARE(routes.at("GET /v1/products").burst, 1e7);

        const auto empty = parse_limits(json::parse(R"({"routes": {}})"));
        QVERIFY(empty.ok());
        QVERIFY(empty.value().routes.empty());
        // Without a known-route list any well-formed id is accepted.
        QVERIFY(parse_limits(
                    json::parse(R"({"routes": {"DELETE /anything/{x}": {"rate_per_s": 1, "burst": 1}}})"))
                    .ok());
    }

    void canary_and_cache_defaults_and_bounds() {
        const auto c = parse_canary(json::parse(R"({"weight_percent": 100})"));
        QVERIFY(c.ok());
        QCOMPARE(c.value().weight_percent, 100.0);
        QVERIFY(c.value().faults == CanaryFaults{});
        const auto f = parse_canary(json::parse(
            R"({"weight_percent": 0, "faults": {"latency_ms": 60000, "latency_jitter_ms": 0, "error_ratio": 1}})"));
        QVERIFY(f.ok());
        QCOMPARE(f.value().faults.latency_ms, 60000.0);
        QCOMPARE(f.value().faults.error_ratio, 1.0);
        const auto partial =
            parse_canary(json::parse(R"({"weight_percent": 12.5, "faults": {"error_ratio": 0.25}})"));
        QVERIFY(partial.ok());
        QCOMPARE(partial.value().weight_percent, 12.5);
        QCOMPARE(partial.value().faults.latency_ms, 0.0);
        QCOMPARE(partial.value().faults.error_ratio, 0.25);

        const auto d = parse_cache(json::object());
        QVERIFY(d.ok());
        QVERIFY(d.value() == CacheConfig{});
        const auto lo = parse_cache(json::parse(R"({"capacity": 0, "ttl_ms": 1})"));
        QVERIFY(lo.ok());
        QCOMPARE(lo.value().capacity, std::uint64_t(0));
        QCOMPARE(lo.value().ttl_ms, std::uint64_t(1));
        const auto hi = parse_cache(json::parse(R"({"capacity": 10000000, "ttl_ms": 86400000})"));
        QVERIFY(hi.ok());
        QCOMPARE(hi.value().capacity, std::uint64_t(10'000'000));
        QCOMPARE(hi.value().ttl_ms, std::uint64_t(86'400'000));
    }

    void round_trips() {
        LimitsConfig limits;
        limits.routes["GET /v1/products/{id}"] =
            RouteLimit{12.5, 30, LimitMode::Shadow, LimitScope::Route, false};
        limits.routes["POST /v1/orders"] = RouteLimit{};
        const json lj = limits;
        QCOMPARE(lj.at("routes").at("GET /v1/products/{id}").at("mode").get<std::string>(),
                 std::string("shadow"));
        QCOMPARE(lj.at("routes").at("GET /v1/products/{id}").at("scope").get<std::string>(),
                 std::string("route"));
        const auto lp = parse_limits(json::parse(lj.dump()));
        QVERIFY(lp.ok());
        QVERIFY(lp.value() == limits);

        CanaryConfig canary{25, CanaryFaults{150, 50, 0.05}};
        const auto cp = parse_canary(json::parse(json(canary).dump()));
        QVERIFY(cp.ok());
        QVERIFY(cp.value() == canary);

        CacheConfig cache{500, 1234};
        const auto kp = parse_cache(json::parse(json(cache).dump()));
        QVERIFY(kp.ok());
        QVERIFY(kp.value() == cache);

        QCOMPARE(to_string(LimitMode::Enforce), std::string_view("enforce"));
        QCOMPARE(to_string(LimitMode::Shadow), std::string_view("shadow"));
        QCOMPARE(to_string(LimitScope::Client), std::string_view("client"));
        QCOMPARE(to_string(LimitScope::Route), std::string_view("route"));
    }
};

QTEST_GUILESS_MAIN(TestControl)
#include "tst_control.moc"
