// Contract test: docs/openapi.yaml against the running sample server (the real binary on 127.0.0.1:0).
//
// The test owns a list of the operations the agent serves (kOperations) and, for each, the situations that
// provoke each status (wrong or no token, viewer on a mutation, unknown query parameter, wrong method,
// non-JSON body, oversized body and headers, unknown ids, a second load test, a state that cannot be
// persisted, ...). Every case checks its status, Content-Type, required headers (Allow = exactly the
// methods documented for the path) and body against the documented schema. The test fails when the
// document lists a (path, method, status) that no case provokes, and when a case provokes a triple the
// document does not list; so neither the document nor the server can drift unnoticed. Adding a status is
// one row in cases() and one line in the document.
#include <yaml-cpp/yaml.h>

#include <QDir>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/json_schema.h"
#include "tests/support/raw_http.h"

using namespace redline::test;
using nlohmann::json;

namespace {

// ---- the document -------------------------------------------------------------------------------------

/// YAML -> JSON with YAML 1.2 core scalar typing; quoted scalars stay strings.
json to_json(const YAML::Node& n) {
    switch (n.Type()) {
        case YAML::NodeType::Map: {
            json o = json::object();
            for (const auto& kv : n)
                o[kv.first.as<std::string>()] = to_json(kv.second);
            return o;
        }
        case YAML::NodeType::Sequence: {
            json a = json::array();
            for (const auto& x : n)
                a.push_back(to_json(x));
            return a;
        }
        case YAML::NodeType::Scalar: {
            const std::string s = n.Scalar();
            if (n.Tag() == "!") return s;  // quoted
            if (s == "true") return true;
            if (s == "false") return false;
            if (s == "null" || s == "~") return nullptr;
            json num = json::parse(s, nullptr, false);
            if (!num.is_discarded() && num.is_number()) return num;
            return s;
        }
        default:
            return nullptr;
    }
}

const std::vector<std::string> kHttpMethods = {"get", "put", "post", "delete", "patch", "head", "options"};

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
    return s;
}

std::string sorted_list(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    std::string out;
    for (const auto& x : v)
        out += (out.empty() ? "" : ", ") + x;
    return out;
}

std::string header_list(const std::string& raw) {
    std::vector<std::string> parts;
    std::string cur;
    for (char c : raw + ",") {
        if (c == ',') {
            while (!cur.empty() && cur.front() == ' ')
                cur.erase(0, 1);
            while (!cur.empty() && cur.back() == ' ')
                cur.pop_back();
            if (!cur.empty()) parts.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    return sorted_list(parts);
}

// ---- what the agent serves ----------------------------------------------------------------------------

/// One operation the sample server's agent serves, and what kind of call it is.
struct Operation {
    const char* path;    // as in the document: "/v1/loadtests/{id}"
    const char* method;  // lower-case, as in the document
    bool auth;           // needs a token (401 without one)
    bool mutation;       // needs the operator token (403 for the viewer); PUT/POST: 415 for a non-JSON body
    bool body;           // takes a body (413 above the limit)
    const char* sample;  // a valid body, or "" for none
};

constexpr const char* kLimitsBody = R"({"routes":{}})";
constexpr const char* kCanaryBody =
    R"({"weight_percent":0,"faults":{"latency_ms":0,"latency_jitter_ms":0,"error_ratio":0}})";
constexpr const char* kCacheBody = R"({"capacity":10000,"ttl_ms":30000})";
constexpr const char* kEventBody = R"({"kind":"annotation","message":"contract test","by":"ci"})";
// Tiny runs against the server itself: 5 requests/s on one connection.
const std::string kShortRun =
    R"({"scenario":{"name":"contract","executor":"constant-arrival-rate","rate":5,"duration_s":1,)"
    R"("connections":1,"requests":[{"path":"/v1/products?page_size=1"}]}})";
const std::string kLongRun =
    R"({"scenario":{"name":"contract-long","executor":"constant-arrival-rate","rate":5,"duration_s":30,)"
    R"("connections":1,"requests":[{"path":"/v1/products?page_size=1"}]}})";

constexpr const char* kRolloutBody =
    R"({"steps":[{"weight_percent":5,"hold_s":600},{"weight_percent":100}],"on_failure":"pause"})";

const Operation kOperations[] = {
    {"/healthz", "get", false, false, false, ""},
    {"/metrics", "get", false, false, false, ""},
    {"/v1/info", "get", true, false, false, ""},
    {"/v1/snapshot", "get", true, false, false, ""},
    {"/v1/stream", "get", true, false, false, ""},
    {"/v1/events", "get", true, false, false, ""},
    {"/v1/events", "post", true, true, true, kEventBody},
    {"/v1/limits", "get", true, false, false, ""},
    {"/v1/limits", "put", true, true, true, kLimitsBody},
    {"/v1/canary", "get", true, false, false, ""},
    {"/v1/canary", "put", true, true, true, kCanaryBody},
    {"/v1/cache", "get", true, false, false, ""},
    {"/v1/cache", "put", true, true, true, kCacheBody},
    {"/v1/cache/flush", "post", true, true, false, ""},
    {"/v1/loadtests", "get", true, false, false, ""},
    {"/v1/loadtests", "post", true, true, true, "{}"},  // a body that would start nothing
    {"/v1/loadtests/{id}", "get", true, false, false, ""},
    {"/v1/loadtests/{id}", "delete", true, true, false, ""},
    {"/v1/rollout", "get", true, false, false, ""},
    {"/v1/rollout", "put", true, true, true, kRolloutBody},
    {"/v1/rollout/{action}", "post", true, true, true, "{}"},
};

/// A concrete path for a template (an id that names no run).
std::string concrete(const std::string& path) {
    if (const auto a = path.find("{action}"); a != std::string::npos)
        return path.substr(0, a) + "pause" + path.substr(a + 8);
    const auto p = path.find("{id}");
    return p == std::string::npos ? path : path.substr(0, p) + "lt-000000000000" + path.substr(p + 4);
}

// ---- cases ----------------------------------------------------------------------------------------------

struct Ctx;

/// What a case observed. `extra` holds further (value, schema) pairs to validate, e.g. SSE payloads.
struct Outcome {
    RawResponse r;
    std::string sent_method;  // upper-case
    std::vector<std::pair<json, json>> extra;
    std::string error;  // a precondition failed
};

struct Case {
    std::string name;
    std::string path, method;  // documented triple: path template, lower-case method, status
    int status;
    std::function<Outcome(Ctx&)> run;
};

struct Ctx {
    std::uint16_t port = 0;
    std::string viewer, op;
    std::string data_dir;

    RawResponse call(const std::string& method, const std::string& target, const std::string& token,
                     const std::string& body = {}, Headers extra = {}) {
        Headers h = bearer(token);
        bool has_ct = false;
        for (const auto& [k, v] : extra)
            has_ct = has_ct || k == "Content-Type";
        if (!body.empty() && !has_ct) h.emplace_back("Content-Type", "application/json");
        h.insert(h.end(), extra.begin(), extra.end());
        return http_request(port, method, target, h, body, 10'000);
    }
    Outcome out(RawResponse r, std::string method) {
        Outcome o;
        o.r = std::move(r);
        o.sent_method = std::move(method);
        return o;
    }
    /// Waits until no load test runs (at most timeout_ms).
    bool wait_idle(int timeout_ms = 15'000) {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeout_ms) {
            const auto r = call("GET", "/v1/loadtests", viewer);
            const json runs = json_at(parse_json(r.body), "/runs");
            if (r.status == 200 && runs.is_array() &&
                (runs.empty() || json_string(runs[0], "/state") == "finished"))
                return true;
            QTest::qWait(50);
        }
        return false;
    }
    /// Starts a run and returns its id ("" on failure).
    std::string start_run(const std::string& body) {
        if (!wait_idle()) return {};
        const auto r = call("POST", "/v1/loadtests", op, body);
        return r.status == 201 ? json_string(parse_json(r.body), "/id") : std::string();
    }
    /// The id of a finished run (starts a short one when needed).
    std::string finished_run() {
        if (!wait_idle()) return {};
        const json runs = json_at(parse_json(call("GET", "/v1/loadtests", viewer).body), "/runs");
        if (runs.is_array() && !runs.empty()) return json_string(runs[0], "/id");
        const std::string id = start_run(kShortRun);
        return !id.empty() && wait_idle() ? id : std::string();
    }
};

std::vector<Case> cases() {
    std::vector<Case> cs;
    auto add = [&](std::string name, std::string path, std::string method, int status,
                   std::function<Outcome(Ctx&)> run) {
        cs.push_back({std::move(name), std::move(path), std::move(method), status, std::move(run)});
    };

    // Generic situations, derived from what kind of operation it is (not from the document).
    for (const Operation& o : kOperations) {
        const std::string path = o.path, m = o.method, M = upper(o.method), target = concrete(o.path);
        const std::string body = o.sample;
        add("unknown query parameter", path, m, 400,
            [=](Ctx& c) { return c.out(c.call(M, target + "?contract_unknown=1", c.op, body), M); });
        if (o.auth) {
            add("no token", path, m, 401, [=](Ctx& c) { return c.out(c.call(M, target, "", body), M); });
            add("wrong token", path, m, 401,
                [=](Ctx& c) { return c.out(c.call(M, target, std::string(64, 'f'), body), M); });
        }
        if (o.mutation)
            add("viewer token", path, m, 403,
                [=](Ctx& c) { return c.out(c.call(M, target, c.viewer, body), M); });
        if (m == "put" || m == "post") {
            add("text/plain body", path, m, 415, [=](Ctx& c) {
                return c.out(
                    c.call(M, target, c.op, body.empty() ? "{}" : body, {{"Content-Type", "text/plain"}}), M);
            });
        }
        if (o.body)
            add("body over 64 KiB", path, m, 413, [=](Ctx& c) {
                return c.out(c.call(M, target, c.op, "[" + std::string(70 * 1024, ' ') + "]"), M);
            });
        add("headers over 8 KiB", path, m, 431, [=](Ctx& c) {
            return c.out(c.call(M, target, c.op, {}, {{"X-Contract-Padding", std::string(9 * 1024, 'x')}}),
                         M);
        });
        // The wrong method: the first one the path does not serve (checked against the document's methods
        // for the path by the Allow comparison).
        add("undocumented method", path, m, 405, [=](Ctx& c) {
            std::set<std::string> served;
            for (const Operation& x : kOperations)
                if (std::string(x.path) == path) served.insert(upper(x.method));
            std::string wrong = "PATCH";
            for (const char* cand : {"DELETE", "PUT", "POST", "GET"})
                if (!served.count(cand)) {
                    wrong = cand;
                    break;
                }
            return c.out(c.call(wrong, target, c.op, wrong == "GET" ? "" : "{}"), wrong);
        });
    }

    // Success and specific failures.
    auto simple = [&](std::string name, std::string path, std::string m, int status, std::string target,
                      bool operator_token, std::string body = {}) {
        add(std::move(name), path, m, status, [=](Ctx& c) {
            return c.out(c.call(upper(m), target, operator_token ? c.op : c.viewer, body), upper(m));
        });
    };
    simple("liveness", "/healthz", "get", 200, "/healthz", false);
    simple("exposition", "/metrics", "get", 200, "/metrics", false);
    simple("viewer reads info", "/v1/info", "get", 200, "/v1/info", false);
    simple("operator reads info", "/v1/info", "get", 200, "/v1/info", true);
    simple("default window", "/v1/snapshot", "get", 200, "/v1/snapshot", false);
    simple("60 s window", "/v1/snapshot", "get", 200, "/v1/snapshot?window=60s", false);
    simple("any window of 1..60 s", "/v1/snapshot", "get", 200, "/v1/snapshot?window=7s", false);
    simple("window above 60 s", "/v1/snapshot", "get", 400, "/v1/snapshot?window=61s", false);
    simple("bad window", "/v1/snapshot", "get", 400, "/v1/snapshot?window=7m", false);
    simple("first page", "/v1/events", "get", 200, "/v1/events?after=0&limit=1000", false);
    simple("limit out of range", "/v1/events", "get", 400, "/v1/events?limit=0", false);
    simple("annotation", "/v1/events", "post", 201, "/v1/events", true, kEventBody);
    simple("load run event", "/v1/events", "post", 201, "/v1/events", true,
           R"({"kind":"loadtest.started","message":"load test smoke started","after":{"target":"x"}})");
    simple("the agent's own kind", "/v1/events", "post", 400, "/v1/events", true,
           R"({"kind":"canary.changed","message":"forged"})");
    simple("no message", "/v1/events", "post", 400, "/v1/events", true, R"({"kind":"annotation"})");
    simple("duplicate key", "/v1/events", "post", 400, "/v1/events", true,
           R"({"kind":"annotation","message":"a","message":"b"})");
    simple("interval too short", "/v1/stream", "get", 400, "/v1/stream?interval_ms=50", false);
    add("snapshots and events", "/v1/stream", "get", 200, [](Ctx& c) {
        Outcome o;
        o.sent_method = "GET";
        const SseCapture cap = read_sse(c.port, "/v1/stream?interval_ms=100&events_after=0", bearer(c.viewer),
                                        3000, [](const SseCapture& s) { return s.count("snapshot") >= 2; });
        o.r.ok = cap.error.empty() || cap.status == 200;
        o.r.error = cap.error;
        o.r.status = cap.status;
        o.r.headers["content-type"] = cap.content_type;
        for (const auto& m : cap.messages) {
            if (m.event == "snapshot")
                o.extra.emplace_back(parse_json(m.data), json{{"$ref", "#/components/schemas/Snapshot"}});
            if (m.event == "event")
                o.extra.emplace_back(parse_json(m.data), json{{"$ref", "#/components/schemas/Event"}});
        }
        if (cap.count("snapshot") < 2) o.error = "fewer than two snapshots in 3 s";
        return o;
    });

    struct Control {
        const char* name;
        const char* body;
        const char* invalid;
    };
    for (const Control& k :
         {Control{"limits", kLimitsBody, R"({"routes":{"GET /nope":{"rate_per_s":1,"burst":1}}})"},
          Control{"canary", kCanaryBody, R"({"weight_percent":101})"},
          Control{"cache", kCacheBody, R"({"capacity":-1,"ttl_ms":30000})"}}) {
        const std::string path = std::string("/v1/") + k.name, name = k.name, body = k.body;
        simple("read", path, "get", 200, path, false);
        simple("replace", path, "put", 200, path, true, body);
        simple("invalid body", path, "put", 400, path, true, k.invalid);
        simple("unknown field", path, "put", 400, path, true, R"({"contract_unknown":1})");
        simple("not JSON", path, "put", 400, path, true, "{");
        simple("duplicate key", path, "put", 400, path, true, R"({"a":1,"a":2})");
        add("state cannot be persisted", path, "put", 500, [=](Ctx& c) {
            // The temporary file of the atomic write is a directory: open() fails even for root.
            const auto tmp = std::filesystem::path(c.data_dir) / "control" / (name + ".json.tmp");
            std::error_code ec;
            std::filesystem::create_directories(tmp, ec);
            Outcome o = c.out(c.call("PUT", path, c.op, body), "PUT");
            std::filesystem::remove_all(tmp, ec);
            if (ec) o.error = "cannot remove " + tmp.string();
            return o;
        });
    }
    simple("flush", "/v1/cache/flush", "post", 200, "/v1/cache/flush", true);

    add("no run yet or the last run", "/v1/loadtests", "get", 200,
        [](Ctx& c) { return c.out(c.call("GET", "/v1/loadtests", c.viewer), "GET"); });
    add("while a run is active", "/v1/loadtests", "get", 200, [](Ctx& c) {
        const std::string id = c.start_run(kLongRun);
        Outcome o = c.out(c.call("GET", "/v1/loadtests", c.viewer), "GET");
        if (id.empty()) o.error = "could not start a run";
        c.call("DELETE", "/v1/loadtests/" + id, c.op);
        c.wait_idle();
        return o;
    });
    add("start a tiny run", "/v1/loadtests", "post", 201, [](Ctx& c) {
        Outcome o;
        if (!c.wait_idle()) o.error = "a run is still active";
        o.sent_method = "POST";
        o.r = c.call("POST", "/v1/loadtests", c.op, kShortRun);
        c.wait_idle();
        return o;
    });
    simple("missing scenario", "/v1/loadtests", "post", 400, "/v1/loadtests", true, "{}");
    simple("above the rate cap", "/v1/loadtests", "post", 400, "/v1/loadtests", true,
           R"({"scenario":"baseline","rate":1000000})");
    simple("duplicate key", "/v1/loadtests", "post", 400, "/v1/loadtests", true,
           R"({"scenario":"smoke","scenario":"smoke"})");
    simple("unknown field", "/v1/loadtests", "post", 400, "/v1/loadtests", true,
           R"({"scenario":"smoke","contract_unknown":1})");
    simple("target is not this host", "/v1/loadtests", "post", 403, "/v1/loadtests", true,
           R"({"scenario":"smoke","vus":1,"duration_s":1,"target":"http://127.0.0.1:1"})");
    add("second run while one is active", "/v1/loadtests", "post", 409, [](Ctx& c) {
        const std::string id = c.start_run(kLongRun);
        Outcome o = c.out(c.call("POST", "/v1/loadtests", c.op, kShortRun), "POST");
        if (id.empty()) o.error = "could not start the first run";
        c.call("DELETE", "/v1/loadtests/" + id, c.op);
        c.wait_idle();
        return o;
    });
    add("one run", "/v1/loadtests/{id}", "get", 200, [](Ctx& c) {
        const std::string id = c.finished_run();
        Outcome o = c.out(c.call("GET", "/v1/loadtests/" + id, c.viewer), "GET");
        if (id.empty()) o.error = "no finished run";
        return o;
    });
    simple("unknown id", "/v1/loadtests/{id}", "get", 404, "/v1/loadtests/lt-000000000000", false);
    simple("unknown id", "/v1/loadtests/{id}", "delete", 404, "/v1/loadtests/lt-000000000000", true);
    // The rollout: a plan whose first step holds for 10 minutes, so nothing moves while the cases run.
    simple("no rollout or the last one", "/v1/rollout", "get", 200, "/v1/rollout", false);
    simple("set a plan", "/v1/rollout", "put", 200, "/v1/rollout", true, kRolloutBody);
    simple("weight above 100", "/v1/rollout", "put", 400, "/v1/rollout", true,
           R"({"steps":[{"weight_percent":150,"hold_s":1}]})");
    simple("duplicate key", "/v1/rollout", "put", 400, "/v1/rollout", true,
           R"({"steps":[{"weight_percent":5,"weight_percent":6,"hold_s":1}]})");
    add("plan state cannot be persisted", "/v1/rollout", "put", 500, [](Ctx& c) {
        const auto tmp = std::filesystem::path(c.data_dir) / "rollout.json.tmp";
        std::error_code ec;
        std::filesystem::create_directories(tmp, ec);
        Outcome o = c.out(c.call("PUT", "/v1/rollout", c.op, kRolloutBody), "PUT");
        std::filesystem::remove_all(tmp, ec);
        if (ec) o.error = "cannot remove " + tmp.string();
        return o;
    });
    add("a new plan while one runs", "/v1/rollout", "put", 409, [](Ctx& c) {
        c.call("PUT", "/v1/rollout", c.op, kRolloutBody);
        const auto started = c.call("POST", "/v1/rollout/start", c.op, "{}");
        Outcome o = c.out(c.call("PUT", "/v1/rollout", c.op, kRolloutBody), "PUT");
        if (started.status != 200) o.error = "could not start the rollout: " + started.body;
        c.call("POST", "/v1/rollout/abort", c.op, "{}");
        return o;
    });
    add("start and read it", "/v1/rollout", "get", 200, [](Ctx& c) {
        c.call("PUT", "/v1/rollout", c.op, kRolloutBody);
        c.call("POST", "/v1/rollout/start", c.op, "{}");
        QTest::qWait(2200);  // two analysis ticks: the status carries a scorecard
        Outcome o = c.out(c.call("GET", "/v1/rollout", c.viewer), "GET");
        if (json_at(parse_json(o.r.body), "/scorecard").is_null()) o.error = "no scorecard after 2 s";
        c.call("POST", "/v1/rollout/abort", c.op, "{}");
        return o;
    });
    add("start", "/v1/rollout/{action}", "post", 200, [](Ctx& c) {
        c.call("PUT", "/v1/rollout", c.op, kRolloutBody);
        Outcome o = c.out(c.call("POST", "/v1/rollout/start", c.op, R"({"reason":"contract"})"), "POST");
        c.call("POST", "/v1/rollout/abort", c.op, "{}");
        return o;
    });
    add("not allowed in this state", "/v1/rollout/{action}", "post", 409, [](Ctx& c) {
        c.call("PUT", "/v1/rollout", c.op, kRolloutBody);
        return c.out(c.call("POST", "/v1/rollout/resume", c.op, "{}"), "POST");
    });
    simple("unknown action", "/v1/rollout/{action}", "post", 404, "/v1/rollout/jump", true, "{}");
    simple("unknown body field", "/v1/rollout/{action}", "post", 400, "/v1/rollout/pause", true,
           R"({"contract_unknown":1})");
    add("too many streams for this token", "/v1/stream", "get", 429, [](Ctx& c) {
        // The viewer role may hold 64 streams (max_streams_per_role); the 65th is refused, and the held ones
        // are closed when this case ends.
        std::vector<std::unique_ptr<RawConnection>> held;
        for (int i = 0; i < 64; ++i) {
            auto rc = std::make_unique<RawConnection>();
            if (!rc->connect(c.port, 5000)) break;
            rc->send_all(build_request("GET", "/v1/stream", bearer(c.viewer), {}, true));
            held.push_back(std::move(rc));
        }
        for (auto& h : held) {
            std::string first;
            h->read_some(first, 3000);  // the stream's head: it is open and counted
        }
        Outcome o = c.out(c.call("GET", "/v1/stream", c.viewer), "GET");
        if (held.size() != 64) o.error = "could not open 64 streams";
        return o;
    });
    add("stop a running run", "/v1/loadtests/{id}", "delete", 202, [](Ctx& c) {
        const std::string id = c.start_run(kLongRun);
        Outcome o = c.out(c.call("DELETE", "/v1/loadtests/" + id, c.op), "DELETE");
        if (id.empty()) o.error = "could not start a run";
        if (json_string(parse_json(o.r.body), "/state") != "stopping") o.error = "state is not 'stopping'";
        c.wait_idle();
        return o;
    });
    add("stop a finished run", "/v1/loadtests/{id}", "delete", 200, [](Ctx& c) {
        const std::string id = c.finished_run();
        Outcome o = c.out(c.call("DELETE", "/v1/loadtests/" + id, c.op), "DELETE");
        if (id.empty()) o.error = "no finished run";
        return o;
    });
    return cs;
}

}  // namespace

class TestOpenapiContract : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        const std::string file = std::string(REDLINE_SOURCE_DIR) + "/docs/openapi.yaml";
        try {
            doc_ = to_json(YAML::LoadFile(file));
        } catch (const std::exception& e) {
            QFAIL(qPrintable(QString("cannot parse %1: %2").arg(file.c_str(), e.what())));
        }
        QVERIFY(doc_.contains("paths"));
        QVERIFY(tmp_.isValid());
        QString err;
        const QString data = tmp_.path() + "/data";
        QVERIFY2(server_.start(ChildProcess::binary("agents/sample_server/redline-sample-server"),
                               {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--data-dir",
                                data, "--seed-products", "200"},
                               30'000, &err),
                 qPrintable(err));
        ctx_.port = QUrl(server_.admin_url()).port();
        ctx_.viewer = server_.token("viewer").toStdString();
        ctx_.op = server_.token("operator").toStdString();
        ctx_.data_dir = data.toStdString();
        QVERIFY(ctx_.port != 0 && !ctx_.viewer.empty() && !ctx_.op.empty());
        cases_ = cases();
    }
    void cleanupTestCase() {
        if (server_.running()) {
            ctx_.wait_idle();
            QCOMPARE(server_.stop(), 0);
        }
    }

    /// The document's schemas only use keywords the validator checks (components and inline response
    /// schemas).
    void document_schemas_are_checkable() {
        std::vector<std::string> errs;
        const json& schemas = doc_["components"]["schemas"];
        for (auto it = schemas.begin(); it != schemas.end(); ++it)
            for (const auto& e : unsupported_keywords(it.value(), "/components/schemas/" + it.key()))
                errs.push_back(e);
        for (const Case& c : cases_) {
            const json resp = resolve_ref(json_at(doc_, "/paths/" + pointer_escape(c.path) + "/" + c.method +
                                                            "/responses/" + std::to_string(c.status)),
                                          doc_);
            const json contents = json_at(resp, "/content");
            if (!contents.is_object()) continue;
            for (const auto& [media, content] : contents.items())
                for (const auto& e : unsupported_keywords(content.value("schema", json::object()), c.path))
                    errs.push_back(e);
        }
        QVERIFY2(errs.empty(), errs.empty() ? "" : ("unsupported schema keyword at " + errs.front()).c_str());
    }

    void contract_data() {
        QTest::addColumn<int>("index");
        for (std::size_t i = 0; i < cases_.size(); ++i) {
            const Case& c = cases_[i];
            QTest::newRow(qPrintable(QString("%1 %2 %3: %4")
                                         .arg(upper(c.method).c_str(), c.path.c_str())
                                         .arg(c.status)
                                         .arg(c.name.c_str())))
                << int(i);
        }
    }
    void contract() {
        QFETCH(int, index);
        const Case& c = cases_[std::size_t(index)];
        const json op = json_at(doc_, "/paths/" + pointer_escape(c.path) + "/" + c.method);
        QVERIFY2(!op.is_discarded(), "the operation is not documented");
        const json resp = resolve_ref(json_at(op, "/responses/" + std::to_string(c.status)), doc_);
        QVERIFY2(!resp.is_discarded(),
                 qPrintable(QString("status %1 is not documented for this operation").arg(c.status)));

        Outcome o = c.run(ctx_);
        QVERIFY2(o.error.empty(), o.error.c_str());
        QVERIFY2(o.r.ok, o.r.error.c_str());
        QVERIFY2(o.r.status == c.status, qPrintable(QString("got %1, expected %2: %3")
                                                        .arg(o.r.status)
                                                        .arg(c.status)
                                                        .arg(o.r.body.substr(0, 300).c_str())));

        // Content-Type and body.
        const json content = json_at(resp, "/content");
        QVERIFY2(content.is_object() && content.size() == 1, "the response documents exactly one media type");
        const std::string media = content.begin().key();
        QCOMPARE(QString::fromStdString(o.r.header("content-type")), QString::fromStdString(media));
        const json schema = content.begin().value().value("schema", json::object());
        std::vector<std::string> errs;
        if (media.find("json") != std::string::npos) {
            const json body = parse_json(o.r.body);
            QVERIFY2(!body.is_discarded(), ("body is not JSON: " + o.r.body.substr(0, 200)).c_str());
            errs = validate_schema(body, schema, doc_);
            if (c.status >= 400) {
                QCOMPARE(json_number(body, "/status"), double(c.status));
                if (c.name == "unknown query parameter") {
                    bool named = false;
                    for (const auto& e : json_at(body, "/errors"))
                        named = named || json_string(e, "/field") == "contract_unknown";
                    QVERIFY2(named, ("the parameter is not named: " + o.r.body).c_str());
                }
            }
        } else {
            errs = validate_schema(json(o.r.body), schema, doc_);
        }
        for (const auto& [value, s] : o.extra)
            for (const auto& e : validate_schema(value, s, doc_))
                errs.push_back("message " + e);
        QVERIFY2(errs.empty(), errs.empty() ? "" : (errs.front() + " in " + o.r.body.substr(0, 300)).c_str());

        // Documented headers.
        const json headers = resp.value("headers", json::object());
        for (auto h = headers.begin(); h != headers.end(); ++h) {
            std::string lower = h.key();
            std::transform(lower.begin(), lower.end(), lower.begin(),
                           [](unsigned char ch) { return std::tolower(ch); });
            if (h.value().value("required", false))
                QVERIFY2(o.r.headers.count(lower), ("header missing: " + h.key()).c_str());
        }
        if (c.status == 405) {
            QVERIFY2(!json_at(doc_, "/paths/" + pointer_escape(c.path)).contains(lower_case(o.sent_method)),
                     "the case sent a documented method");
            QCOMPARE(QString::fromStdString(header_list(o.r.header("allow"))),
                     QString::fromStdString(documented_methods(c.path)));
        }
    }

    /// Every (path, method, status) in the document is provoked by at least one case.
    void every_documented_status_has_a_case() {
        std::set<std::string> tested;
        for (const Case& c : cases_)
            tested.insert(triple(c.path, c.method, c.status));
        QStringList missing;
        int documented = 0;
        for (auto p = doc_["paths"].begin(); p != doc_["paths"].end(); ++p)
            for (auto m = p.value().begin(); m != p.value().end(); ++m) {
                if (std::find(kHttpMethods.begin(), kHttpMethods.end(), m.key()) == kHttpMethods.end())
                    continue;
                for (auto s = m.value()["responses"].begin(); s != m.value()["responses"].end(); ++s) {
                    ++documented;
                    const std::string t = triple(p.key(), m.key(), std::stoi(s.key()));
                    if (!tested.count(t)) missing << QString::fromStdString(t);
                }
            }
        qInfo("%d documented (path, method, status) triples, %zu distinct triples tested by %zu cases",
              documented, tested.size(), cases_.size());
        QVERIFY2(missing.isEmpty(), qPrintable("documented but never provoked: " + missing.join("; ")));
    }

    /// Every case's triple is documented (the per-case check says the same, this lists them all at once).
    void every_case_is_documented() {
        QStringList undocumented;
        for (const Case& c : cases_) {
            const json r = json_at(doc_, "/paths/" + pointer_escape(c.path) + "/" + c.method + "/responses/" +
                                             std::to_string(c.status));
            if (r.is_discarded()) undocumented << QString::fromStdString(triple(c.path, c.method, c.status));
        }
        undocumented.removeDuplicates();
        QVERIFY2(undocumented.isEmpty(),
                 qPrintable("provoked but not documented: " + undocumented.join("; ")));
    }

    /// Every path the agent serves is documented with exactly the methods it serves, and nothing else is.
    void served_paths_are_documented() {
        std::set<std::string> known;
        for (const Operation& o : kOperations)
            known.insert(o.path);
        // Controls come from /v1/info: each must be documented as GET + PUT and be one of our operations.
        const RawResponse info = ctx_.call("GET", "/v1/info", ctx_.viewer);
        QCOMPARE(info.status, 200);
        const json controls = json_at(parse_json(info.body), "/controls");
        QVERIFY(controls.is_array() && !controls.empty());
        for (const auto& c : controls) {
            const std::string path = "/v1/" + c.get<std::string>();
            QVERIFY2(doc_["paths"].contains(path), ("control not documented: " + path).c_str());
            QCOMPARE(QString::fromStdString(documented_methods(path)), QString("GET, PUT"));
            QVERIFY2(known.count(path), ("control without contract cases: " + path).c_str());
        }
        // The document's paths are exactly the operations the test knows, with the same methods.
        std::set<std::string> doc_paths;
        for (auto p = doc_["paths"].begin(); p != doc_["paths"].end(); ++p)
            doc_paths.insert(p.key());
        QCOMPARE(doc_paths, known);
        for (const std::string& path : known) {
            std::vector<std::string> ms;
            for (const Operation& o : kOperations)
                if (o.path == path) ms.push_back(upper(o.method));
            QCOMPARE(QString::fromStdString(documented_methods(path)),
                     QString::fromStdString(sorted_list(ms)));
            // What the server itself says it serves on the path (Allow of a 405) agrees.
            const RawResponse r = ctx_.call("PATCH", concrete(path), ctx_.op, "{}");
            QCOMPARE(r.status, 405);
            QCOMPARE(QString::fromStdString(header_list(r.header("allow"))),
                     QString::fromStdString(sorted_list(ms)));
        }
        // Paths next to documented ones are not served.
        for (const char* p :
             {"/", "/v1", "/v1/", "/v1/nope", "/v1/limits/x", "/v1/cache/flush/x", "/v1/cache/x",
              "/v1/loadtests/", "/v1/loadtests/a/b", "/v1/loadtestsx", "/healthz/x", "/v1/info/x"}) {
            for (const char* m : {"GET", "POST"}) {
                const RawResponse r = ctx_.call(m, p, ctx_.op, std::string(m) == "POST" ? kShortRun : "");
                QVERIFY2(r.status == 404, qPrintable(QString("%1 %2 -> %3").arg(m, p).arg(r.status)));
            }
        }
        QVERIFY(ctx_.wait_idle(1000));  // none of that started a run
    }

  private:
    static std::string triple(const std::string& path, const std::string& method, int status) {
        return upper(method) + " " + path + " " + std::to_string(status);
    }
    static std::string lower_case(std::string s) {
        std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
        return s;
    }
    static std::string pointer_escape(const std::string& key) {
        std::string out;
        for (char c : key)
            out += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
        return out;
    }
    std::string documented_methods(const std::string& path) const {
        std::vector<std::string> ms;
        const json item = json_at(doc_, "/paths/" + pointer_escape(path));
        if (item.is_object())
            for (auto it = item.begin(); it != item.end(); ++it)
                if (std::find(kHttpMethods.begin(), kHttpMethods.end(), it.key()) != kHttpMethods.end())
                    ms.push_back(upper(it.key()));
        return sorted_list(ms);
    }

    json doc_;
    QTemporaryDir tmp_;
    ChildProcess server_;
    Ctx ctx_;
    std::vector<Case> cases_;
};

QTEST_GUILESS_MAIN(TestOpenapiContract)
#include "tst_openapi_contract.moc"
