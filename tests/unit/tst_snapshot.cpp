// Snapshot / Event / Problem value types: derived fields, JSON round trips, the published JSON Schema
// (docs/snapshot.schema.json) and rejection of malformed input.
#include <QTest>
#include <cmath>
#include <fstream>
#include <regex>
#include <string>

#include "core/event.h"
#include "core/problem.h"
#include "core/snapshot.h"

using nlohmann::json;
using namespace redline;

namespace {

SeriesSnapshot make_series(const char* method, const char* route, const char* version, int seed, bool cache) {
    Counters c;
    c.add_status(200, 900 + seed);
    c.add_status(404, 40);
    c.add_status(429, 25);
    c.add_status(500, 7);
    c.add_status(503, 3);
    if (cache) {
        c.cache_hits = 600;
        c.cache_misses = 200;
    }
    c.rl_allowed = 950;
    c.rl_rejected = 25;
    c.rl_shadow_rejected = 4;
    LatencySketch s;
    for (int i = 1; i <= 1000; ++i)
        s.add(std::uint64_t(i) * 1'000'000 + std::uint64_t(seed) * 1'234);
    return SeriesSnapshot::from(method, route, version, c, s, 10, seed);
}

Snapshot make_snapshot() {
    Snapshot snap;
    snap.agent_id = "3f2a9c1e";
    snap.service = "redline-sample-server";
    snap.service_version = "0.1.0";
    snap.time_ms = 1'764'300'000'123;
    snap.epoch = 1'764'299'999;
    snap.window_s = 10;
    snap.series.push_back(make_series("GET", "/v1/products/{id}", "stable", 1, true));
    snap.series.push_back(make_series("GET", "/v1/products/{id}", "canary", 2, true));
    snap.series.push_back(make_series("POST", "/v1/orders", "stable", 3, false));
    snap.total = make_series("*", "*", "*", 4, true);
    // A forwarding host's upstream time (redline-proxy) on one series and the total.
    LatencySketch up;
    for (int i = 1; i <= 900; ++i)
        up.add(std::uint64_t(i) * 900'000);
    snap.series[0].upstream = UpstreamLatency{900, LatencyQuantiles::from(up)};
    snap.total.upstream = snap.series[0].upstream;
    snap.last_event_id = 42;
    return snap;
}

json load_schema() {
    std::ifstream in(REDLINE_SOURCE_DIR "/docs/snapshot.schema.json");
    if (!in) qFatal("cannot open docs/snapshot.schema.json");
    return json::parse(in);
}

/// Validator for the JSON Schema subset docs/snapshot.schema.json uses: type, const, required, properties,
/// additionalProperties, propertyNames.pattern, items, minimum, maximum, $ref into #/$defs. Appends
/// violations.
void validate(const json& root, const json& schema, const json& v, const std::string& at, QStringList& out) {
    if (auto ref = schema.find("$ref"); ref != schema.end()) {
        const auto name = ref->get<std::string>().substr(std::string("#/$defs/").size());
        validate(root, root.at("$defs").at(name), v, at, out);
    }
    auto type_ok = [&](const std::string& t) {
        return (t == "object" && v.is_object()) || (t == "array" && v.is_array()) ||
               (t == "string" && v.is_string()) || (t == "integer" && v.is_number_integer()) ||
               (t == "number" && v.is_number()) || (t == "null" && v.is_null()) ||
               (t == "boolean" && v.is_boolean());
    };
    if (auto t = schema.find("type"); t != schema.end()) {
        bool ok = false;
        if (t->is_array())
            for (const auto& x : *t)
                ok = ok || type_ok(x.get<std::string>());
        else
            ok = type_ok(t->get<std::string>());
        if (!ok) out << QString::fromStdString(at + ": wrong type " + v.type_name());
    }
    if (auto c = schema.find("const"); c != schema.end() && *c != v)
        out << QString::fromStdString(at + ": != const");
    if (v.is_number()) {
        if (auto m = schema.find("minimum"); m != schema.end() && v.get<double>() < m->get<double>())
            out << QString::fromStdString(at + ": below minimum");
        if (auto m = schema.find("maximum"); m != schema.end() && v.get<double>() > m->get<double>())
            out << QString::fromStdString(at + ": above maximum");
    }
    if (v.is_array())
        if (auto items = schema.find("items"); items != schema.end())
            for (std::size_t i = 0; i < v.size(); ++i)
                validate(root, *items, v[i], at + "[" + std::to_string(i) + "]", out);
    if (!v.is_object()) return;
    if (auto req = schema.find("required"); req != schema.end())
        for (const auto& r : *req)
            if (!v.contains(r.get<std::string>()))
                out << QString::fromStdString(at + ": missing " + r.get<std::string>());
    const json props = schema.value("properties", json::object());
    for (const auto& [key, child] : v.items()) {
        const std::string path = at + "." + key;
        if (auto pn = schema.find("propertyNames"); pn != schema.end())
            if (!std::regex_match(key, std::regex(pn->at("pattern").get<std::string>())))
                out << QString::fromStdString(path + ": name does not match pattern");
        if (props.contains(key)) {
            validate(root, props.at(key), child, path, out);
        } else if (auto ap = schema.find("additionalProperties"); ap != schema.end()) {
            if (ap->is_boolean() && !ap->get<bool>())
                out << QString::fromStdString(path + ": not allowed");
            else if (ap->is_object())
                validate(root, *ap, child, path, out);
        }
    }
}

/// Every member the writer emits must be documented in the schema (top level and series level).
void check_documented(const json& schema_props, const json& v, const std::string& what) {
    for (const auto& [key, child] : v.items()) {
        (void)child;
        QVERIFY2(schema_props.contains(key),
                 qPrintable(QString::fromStdString(what + "." + key + " undocumented")));
    }
}

}  // namespace

class TestSnapshot : public QObject {
    Q_OBJECT

  private slots:
    void series_derived_fields() {
        const SeriesSnapshot s = make_series("GET", "/v1/products/{id}", "stable", 0, true);
        QCOMPARE(s.id(), std::string("GET /v1/products/{id}"));
        QCOMPARE(s.requests, std::uint64_t(975));
        QCOMPARE(s.rate_per_s, 97.5);
        QCOMPARE(s.errors, std::uint64_t(10));
        QCOMPARE(s.error_ratio, std::optional<double>(10.0 / 975.0));
        QCOMPARE(s.rate_limited, std::uint64_t(25));
        QCOMPARE(s.by_class[2], std::uint64_t(900));
        QCOMPARE(s.by_class[4], std::uint64_t(65));
        QCOMPARE(s.by_class[5], std::uint64_t(10));
        QCOMPARE(s.by_code.size(), std::size_t(5));
        QCOMPARE(s.by_code.at(429), std::uint64_t(25));
        QVERIFY(s.cache_hit_ratio.has_value());
        QCOMPARE(*s.cache_hit_ratio, 0.75);
        QCOMPARE(s.inflight, std::int64_t(0));
        // Latencies 1..1000 ms: quantiles within the sketch bound, max and mean exact.
        QVERIFY(s.latency.has_value());
        QVERIFY(std::abs(s.latency->p50_ms - 500) / 500 <= LatencySketch::kRelativeError);
        QVERIFY(std::abs(s.latency->p90_ms - 900) / 900 <= LatencySketch::kRelativeError);
        QVERIFY(std::abs(s.latency->p95_ms - 950) / 950 <= LatencySketch::kRelativeError);
        QVERIFY(std::abs(s.latency->p99_ms - 990) / 990 <= LatencySketch::kRelativeError);
        QVERIFY(std::abs(s.latency->p999_ms - 999) / 999 <= LatencySketch::kRelativeError);
        QCOMPARE(s.latency->max_ms, 1000.0);
        QCOMPARE(s.latency->mean_ms, 500.5);

        const SeriesSnapshot nocache = make_series("GET", "/x", "stable", 0, false);
        QVERIFY(!nocache.cache_hit_ratio.has_value());

        const SeriesSnapshot idle =
            SeriesSnapshot::from("GET", "/x", "canary", Counters{}, LatencySketch{}, 60, 3);
        QCOMPARE(idle.rate_per_s, 0.0);
        // No requests: no error ratio and no latency (absent, not 0; tst_snapshot_absence has the JSON).
        QVERIFY(!idle.error_ratio.has_value());
        QVERIFY(!idle.latency.has_value());
        QCOMPARE(idle.inflight, std::int64_t(3));
    }

    void json_shape() {
        const json j = make_snapshot();
        QCOMPARE(j.at("schema").get<int>(), 2);
        const json& s0 = j.at("series").at(0);
        QVERIFY2(
            s0.at("by_class") == json::parse(R"({"1xx":0,"2xx":901,"3xx":0,"4xx":65,"5xx":10,"other":0})"),
            s0.at("by_class").dump().c_str());
        QVERIFY2(s0.at("by_code") == json::parse(R"({"200":901,"404":40,"429":25,"500":7,"503":3})"),
                 s0.at("by_code").dump().c_str());
        QCOMPARE(s0.at("cache_hit_ratio").get<double>(), 0.75);
        QVERIFY(j.at("series").at(2).at("cache_hit_ratio").is_null());
        QVERIFY(s0.at("latency").contains("p999_ms"));
        QCOMPARE(s0.at("rate_limited").get<int>(), 25);
    }

    void json_round_trip() {
        const Snapshot snap = make_snapshot();
        const std::string text = json(snap).dump();
        std::string err;
        const auto back = parse_snapshot(text, &err);
        QVERIFY2(back.has_value(), err.c_str());
        QVERIFY(*back == snap);  // doubles survive: nlohmann writes the shortest round-trip form
        QCOMPARE(json(*back).dump(), text);

        Snapshot empty;
        const auto e = parse_snapshot(json(empty).dump(), &err);
        QVERIFY2(e.has_value(), err.c_str());
        QVERIFY(*e == empty);
    }

    void optional_members_default() {
        json j = make_snapshot();
        j.erase("service");
        j.erase("service_version");
        j.erase("last_event_id");
        for (const char* k :
             {"by_class", "by_code", "rate_limited", "cache_hits", "cache_misses", "cache_hit_ratio",
              "rl_allowed", "rl_rejected", "rl_shadow_rejected", "inflight"})
            j["total"].erase(k);
        j["total"]["a_future_member"] = "ignored";  // additive members within schema 1 are tolerated
        std::string err;
        const auto s = parse_snapshot(j.dump(), &err);
        QVERIFY2(s.has_value(), err.c_str());
        QCOMPARE(s->service, std::string());
        QCOMPARE(s->last_event_id, std::uint64_t(0));
        QCOMPARE(s->total.requests, make_snapshot().total.requests);
        QVERIFY(!s->total.cache_hit_ratio.has_value());
        QCOMPARE(s->total.by_code.size(), std::size_t(0));
    }

    void rejects_malformed_data() {
        QTest::addColumn<QString>("patch");   // JSON merge patch applied to a valid snapshot, or raw text
        QTest::addColumn<QString>("expect");  // substring of the error
        QTest::newRow("not json") << "@{oops"
                                  << "parse error";
        QTest::newRow("array") << "@[]"
                               << "must be an object";
        QTest::newRow("empty object") << "@{}"
                                      << "schema";
        QTest::newRow("newer schema") << R"({"schema": 3})"
                                      << "unsupported schema 3";
        QTest::newRow("schema 0") << R"({"schema": 0})"
                                  << "unsupported schema";
        QTest::newRow("schema string") << R"({"schema": "1"})"
                                       << "'schema' must be an integer";
        QTest::newRow("no schema") << R"({"schema": null})"
                                   << "missing required field 'schema'";
        QTest::newRow("no agent_id") << R"({"agent_id": null})"
                                     << "agent_id";
        QTest::newRow("agent_id number") << R"({"agent_id": 5})"
                                         << "'agent_id' must be a string";
        QTest::newRow("time_ms float") << R"({"time_ms": 1.5})"
                                       << "'time_ms' must be an integer";
        QTest::newRow("window_s 0") << R"({"window_s": 0})"
                                    << "window_s";
        QTest::newRow("window_s 61") << R"({"window_s": 61})"
                                     << "window_s";
        QTest::newRow("series object") << R"({"series": {}})"
                                       << "'series' must be an array";
        QTest::newRow("series item string") << R"({"series": ["x"]})"
                                            << "a series must be an object";
        QTest::newRow("no total") << R"({"total": null})"
                                  << "missing required field 'total'";
        QTest::newRow("negative requests") << R"({"total": {"requests": -1}})"
                                           << "'requests' must be a non-negative";
        QTest::newRow("requests string") << R"({"total": {"requests": "5"}})"
                                         << "'requests'";
        QTest::newRow("requests bool") << R"({"total": {"requests": true}})"
                                       << "'requests'";
        QTest::newRow("no method") << R"({"total": {"method": null}})"
                                   << "'method'";
        QTest::newRow("rate string") << R"({"total": {"rate_per_s": "fast"}})"
                                     << "'rate_per_s' must be a number";
        QTest::newRow("unknown class") << R"({"total": {"by_class": {"6xx": 1}}})"
                                       << "unknown class '6xx'";
        QTest::newRow("bad code key") << R"({"total": {"by_code": {"OK": 1}}})"
                                      << "not a status code";
        QTest::newRow("code key too long") << R"({"total": {"by_code": {"2000": 1}}})"
                                           << "not a status code";
        QTest::newRow("code count float") << R"({"total": {"by_code": {"200": 1.5}}})"
                                          << "by_code";
        QTest::newRow("hit ratio string") << R"({"total": {"cache_hit_ratio": "n/a"}})"
                                          << "cache_hit_ratio";
        QTest::newRow("inflight float") << R"({"total": {"inflight": 0.5}})"
                                        << "inflight";
        QTest::newRow("latency missing") << R"({"total": {"latency": null}})"
                                         << "'latency'";
        QTest::newRow("latency p99 missing") << R"({"total": {"latency": {"p99_ms": null}}})"
                                             << "p99_ms";
        QTest::newRow("latency array") << R"({"total": {"latency": []}})"
                                       << "'latency' must be an object";
        QTest::newRow("last_event_id neg") << R"({"last_event_id": -3})"
                                           << "last_event_id";
    }
    void rejects_malformed() {
        QFETCH(QString, patch);
        QFETCH(QString, expect);
        std::string text;
        if (patch.startsWith('@')) {
            text = patch.mid(1).toStdString();
        } else {
            json j = make_snapshot();
            j.merge_patch(json::parse(patch.toStdString()));
            text = j.dump();
        }
        std::string err;
        const auto s = parse_snapshot(text, &err);
        QVERIFY2(!s.has_value(), text.c_str());
        QVERIFY2(err.find(expect.toStdString()) != std::string::npos, err.c_str());
        // The throwing interface throws a json exception for the same input (never anything else).
        if (!patch.startsWith('@'))
            QVERIFY_THROWS_EXCEPTION(json::exception, json::parse(text).get<Snapshot>());
    }

    void matches_published_schema() {
        const json schema = load_schema();
        const json doc = make_snapshot();
        QStringList problems;
        validate(schema, schema, doc, "$", problems);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join("\n")));
        validate(schema, schema, json(Snapshot{}), "$", problems);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join("\n")));
        check_documented(schema.at("properties"), doc, "snapshot");
        check_documented(schema.at("$defs").at("series").at("properties"), doc.at("total"), "series");
        check_documented(schema.at("$defs").at("latency").at("properties"), doc.at("total").at("latency"),
                         "latency");
        check_documented(schema.at("$defs").at("upstream").at("properties"), doc.at("total").at("upstream"),
                         "upstream");
        // And every required member in the schema is one the reader requires (so the two cannot drift apart).
        for (const auto& r : schema.at("required")) {
            json j = doc;
            j.erase(r.get<std::string>());
            QVERIFY2(!parse_snapshot(j.dump()).has_value(), r.get<std::string>().c_str());
        }
        for (const auto& r : schema.at("$defs").at("series").at("required")) {
            json j = doc;
            j["total"].erase(r.get<std::string>());
            QVERIFY2(!parse_snapshot(j.dump()).has_value(), r.get<std::string>().c_str());
        }

        // The validator itself catches violations.
        json bad = doc;
        bad["schema"] = 3;
        bad["total"]["error_ratio"] = 1.5;
        bad["total"]["by_code"]["2xx"] = 1;
        bad["series"][0]["by_class"]["7xx"] = 1;
        bad["series"][1].erase("latency");
        QStringList found;
        validate(schema, schema, bad, "$", found);
        QCOMPARE(found.size(), 5);
    }

    void event_round_trip() {
        Event e;
        e.id = 7;
        e.time_ms = 1'764'300'000'000;
        e.kind = "canary.changed";
        e.actor = "operator";
        e.message = "canary weight 5% -> 25%";
        e.before = json{{"weight_percent", 5}};
        e.after = json{{"weight_percent", 25}};
        const json j = e;
        QCOMPARE(j.at("kind").get<std::string>(), e.kind);
        QCOMPARE(j.at("before").at("weight_percent").get<int>(), 5);
        QCOMPARE(j.get<Event>(), e);

        Event plain;
        plain.id = 1;
        plain.kind = "agent.started";
        const json pj = plain;
        QVERIFY(pj.at("before").is_null());
        QCOMPARE(pj.get<Event>(), plain);

        EventPage page;
        page.events = {plain, e};
        page.next_cursor = 7;
        const auto back = json(page).get<EventPage>();
        QCOMPARE(back.events.size(), std::size_t(2));
        QCOMPARE(back.events[1], e);
        QCOMPARE(back.next_cursor, std::uint64_t(7));
    }

    void event_rejects_data() {
        QTest::addColumn<QString>("text");
        QTest::newRow("array") << "[]";
        QTest::newRow("no id") << R"({"time_ms":1,"kind":"x"})";
        QTest::newRow("negative id") << R"({"id":-1,"time_ms":1,"kind":"x"})";
        QTest::newRow("id string") << R"({"id":"1","time_ms":1,"kind":"x"})";
        QTest::newRow("time float") << R"({"id":1,"time_ms":1.5,"kind":"x"})";
        QTest::newRow("no kind") << R"({"id":1,"time_ms":1})";
        QTest::newRow("empty kind") << R"({"id":1,"time_ms":1,"kind":""})";
        QTest::newRow("actor number") << R"({"id":1,"time_ms":1,"kind":"x","actor":3})";
    }
    void event_rejects() {
        QFETCH(QString, text);
        const json j = json::parse(text.toStdString());
        QVERIFY_THROWS_EXCEPTION(json::exception, j.get<Event>());
        const json page = {{"events", json::array({j})}, {"next_cursor", 1}};
        QVERIFY_THROWS_EXCEPTION(json::exception, page.get<EventPage>());
    }

    void problem_json() {
        Problem p = Problem::make(400, "", "invalid limits");
        QCOMPARE(p.title, std::string("Bad Request"));
        p.errors = {{"routes.GET /v1/products.rate_per_s", "must be > 0"}, {"routes.GET /x.mode", "bad"}};
        QCOMPARE(
            p.to_string(),
            std::string("400 Bad Request: invalid limits (routes.GET /v1/products.rate_per_s: must be > 0; "
                        "routes.GET /x.mode: bad)"));
        const auto j = json::parse(p.to_json_string());
        QCOMPARE(j.at("type").get<std::string>(), std::string("about:blank"));
        QCOMPARE(j.at("status").get<int>(), 400);
        QCOMPARE(j.at("errors").size(), std::size_t(2));
        const auto back = Problem::parse(p.to_json_string());
        QVERIFY(back.has_value());
        QCOMPARE(back->status, 400);
        QCOMPARE(back->title, p.title);
        QCOMPARE(back->detail, p.detail);
        QCOMPARE(back->errors, p.errors);

        const Problem plain = Problem::make(404, "Not Found");
        QCOMPARE(plain.to_string(), std::string("404 Not Found"));
        const auto pj = json::parse(plain.to_json_string());
        QVERIFY(!pj.contains("detail"));
        QVERIFY(!pj.contains("errors"));

        // Invalid UTF-8 echoed into a detail never makes serialisation throw.
        const Problem weird = Problem::make(400, "Bad Request", std::string("bad byte \xff here"));
        QVERIFY(!weird.to_json_string().empty());

        QVERIFY(!Problem::parse("not json").has_value());
        QVERIFY(!Problem::parse("[1,2]").has_value());
        QVERIFY(!Problem::parse(R"({"status":"400"})").has_value());
        QVERIFY(!Problem::parse(R"({"hello":"world"})").has_value());
        const auto minimal = Problem::parse(R"({"status":503,"errors":[5,{"field":"a","message":"b"}]})");
        QVERIFY(minimal.has_value());
        QCOMPARE(minimal->type, std::string("about:blank"));
        QCOMPARE(minimal->errors.size(), std::size_t(1));
    }

    void reason_phrases() {
        QCOMPARE(reason_phrase(200), std::string_view("OK"));
        QCOMPARE(reason_phrase(401), std::string_view("Unauthorized"));
        QCOMPARE(reason_phrase(403), std::string_view("Forbidden"));
        QCOMPARE(reason_phrase(405), std::string_view("Method Not Allowed"));
        QCOMPARE(reason_phrase(409), std::string_view("Conflict"));
        QCOMPARE(reason_phrase(413), std::string_view("Content Too Large"));
        QCOMPARE(reason_phrase(429), std::string_view("Too Many Requests"));
        QCOMPARE(reason_phrase(431), std::string_view("Request Header Fields Too Large"));
        QCOMPARE(reason_phrase(503), std::string_view("Service Unavailable"));
        QCOMPARE(reason_phrase(799), std::string_view("Unknown"));
    }
};

QTEST_GUILESS_MAIN(TestSnapshot)
#include "tst_snapshot.moc"
