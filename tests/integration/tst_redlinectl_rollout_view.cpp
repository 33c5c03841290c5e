// The real redlinectl binary's `rollout` commands against a scripted agent on 127.0.0.1:0 that answers
// GET /v1/rollout with fixtures built from to_json(RolloutStatus) and records every request: the status text
// (header, steps, scorecard with units), -o json, --watch and its exit codes, the plan JSON the shorthand
// options send, and how server errors (400 with field errors, 409) are printed. The same commands against a
// real agent are in tst_redlinectl_rollout.cpp.
#include <signal.h>

#include <QProcess>
#include <QtTest>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/clock.h"
#include "core/rollout.h"
#include "tests/support/child_process.h"

using nlohmann::json;
using redline::test::ChildProcess;
using redline::test::CliRun;
using redline::test::run_cli;
using namespace redline;

namespace {

struct Recorded {
    std::string method, target, body, actor;
};

struct Reply {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
};

// Serves one request per connection on its own thread. GET /v1/rollout answers the next of the queued
// statuses (the last one repeats); PUT/POST answer the next queued reply, else 200 with the current status.
class ScriptedAgent {
  public:
    ScriptedAgent() : acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
        thread_ = std::thread([this] { run(); });
    }
    ~ScriptedAgent() {
        stop_ = true;
        boost::asio::io_context ioc;
        boost::asio::ip::tcp::socket wake(ioc);
        boost::system::error_code ec;
        wake.connect(acceptor_.local_endpoint(), ec);  // unblocks accept()
        thread_.join();
    }
    std::string url() const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
    }

    void set_statuses(std::vector<json> statuses) {
        std::lock_guard lock(mu_);
        statuses_.assign(statuses.begin(), statuses.end());
    }
    void queue_reply(Reply r) {
        std::lock_guard lock(mu_);
        replies_.push_back(std::move(r));
    }
    std::vector<Recorded> take_requests() {
        std::lock_guard lock(mu_);
        return std::exchange(requests_, {});
    }

  private:
    void run() {
        namespace http = boost::beast::http;
        while (!stop_) {
            boost::system::error_code ec;
            boost::asio::ip::tcp::socket s(ioc_);
            acceptor_.accept(s, ec);
            if (ec || stop_) continue;
            boost::beast::flat_buffer buf;
            http::request<http::string_body> req;
            http::read(s, buf, req, ec);
            if (ec) continue;
            Reply reply;
            {
                std::lock_guard lock(mu_);
                requests_.push_back({std::string(req.method_string()), std::string(req.target()), req.body(),
                                     std::string(req["Redline-Actor"])});
                if (req.method() != http::verb::get && !replies_.empty()) {
                    reply = replies_.front();
                    replies_.pop_front();
                } else if (!statuses_.empty()) {
                    reply.body = statuses_.front().dump();
                    if (req.method() == http::verb::get && statuses_.size() > 1) statuses_.pop_front();
                }
            }
            http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
            res.set(http::field::content_type, reply.content_type);
            res.keep_alive(false);
            res.body() = reply.body;
            res.prepare_payload();
            http::write(s, res, ec);
            s.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
        }
    }

    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::mutex mu_;
    std::deque<json> statuses_;
    std::deque<Reply> replies_;
    std::vector<Recorded> requests_;
};

RolloutSpec plan() {
    RolloutSpec s;
    s.steps = {{5, 30}, {25, 60}, {50, 60}, {100, 0}};
    return s;
}

MetricScore metric(std::string name, std::string unit, double stable, double canary, double allowed, double p,
                   Verdict v, std::uint64_t n_stable, std::uint64_t n_canary) {
    MetricScore m;
    m.metric = std::move(name);
    m.unit = std::move(unit);
    m.stable = stable;
    m.canary = canary;
    m.difference = canary - stable;
    m.allowed = allowed;
    m.p_value = p;
    m.verdict = v;
    m.n_stable = n_stable;
    m.n_canary = n_canary;
    return m;
}

RolloutStatus progressing() {
    RolloutStatus s;
    s.spec = plan();
    s.state = RolloutState::Progressing;
    s.step = 1;
    s.weight_percent = 25;
    s.step_held_s = 12;
    s.passing_windows = 2;
    s.waiting_for = "hold 48 s more";
    s.started_ms = unix_ms() - 200'000;
    Scorecard sc;
    sc.epoch = unix_ms() / 1000 - 1;
    sc.window_s = 10;
    sc.verdict = Verdict::Inconclusive;
    sc.stable_requests = 1500;
    sc.canary_requests = 480;
    sc.metrics.push_back(
        metric("latency", "P(canary>stable)", 0.5, 0.531, 0.6, 0.12, Verdict::Pass, 1500, 480));
    sc.metrics.push_back(metric("p99", "ms", 12.3, 13.1, 17.3, 0.31, Verdict::Pass, 1500, 480));
    sc.metrics.push_back(metric("error_ratio", "%", 0.1, 0.2, 1.1, 0.2, Verdict::Pass, 1500, 480));
    MetricScore cache = metric("cache_hit_ratio", "%", 80, 78, 75, 0.4, Verdict::Inconclusive, 40, 12);
    cache.p_value.reset();
    cache.needed = 50;
    cache.detail = "needs 50 cache lookups per version, the canary has 12";
    sc.metrics.push_back(cache);
    MetricScore limited = metric("rate_limited_ratio", "%", 0, 0, 1, 1, Verdict::NotApplicable, 0, 0);
    limited.stable.reset();
    limited.canary.reset();
    limited.difference.reset();
    limited.p_value.reset();
    sc.metrics.push_back(limited);
    s.scorecard = sc;
    return s;
}

RolloutStatus rolled_back() {
    RolloutStatus s = progressing();
    s.state = RolloutState::RolledBack;
    s.weight_percent = 0;
    s.waiting_for.clear();
    s.failing_windows = 3;
    s.passing_windows = 0;
    s.reason = "p99 failed 3 windows in a row: canary 61.2ms, allowed 17.3ms";
    MetricScore& p99 = s.scorecard->metrics[1];
    p99.canary = 61.2;
    p99.difference = 61.2 - 12.3;
    p99.p_value = 1e-9;
    p99.verdict = Verdict::Fail;
    p99.detail = "canary p99 61.2ms is above 17.3ms (20% and 5ms over stable's 12.3ms)";
    s.scorecard->verdict = Verdict::Fail;
    return s;
}

RolloutStatus with_state(RolloutStatus s, RolloutState state, double weight) {
    s.state = state;
    s.weight_percent = weight;
    return s;
}

json doc(const RolloutStatus& s) {
    return json(s);
}

struct Run {
    int code = -1;
    QByteArray out, err;
};

}  // namespace

class TestRedlinectlRolloutView : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase() {
        ctl_ = ChildProcess::binary("app/redlinectl");
        QVERIFY2(QFile::exists(ctl_), qPrintable(ctl_));
    }
    void init() { agent_ = std::make_unique<ScriptedAgent>(); }
    void cleanup() { agent_.reset(); }

    void statusText_data();
    void statusText();
    void statusJson();
    void watchEnds_data();
    void watchEnds();
    void watchInterrupted();
    void shorthandSendsPlan();
    void startWithPlan();
    void actionsSendReason();
    void serverFieldErrors();
    void conflict();
    void usageErrors_data();
    void usageErrors();
    void badPlanFile_data();
    void badPlanFile();

  private:
    Run run(const QStringList& args, int timeout_ms = 20'000) {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert("REDLINE_TOKEN", "t");
        e.remove("REDLINE_AGENT");
        const CliRun c = run_cli(ctl_, QStringList{"--agent", QString::fromStdString(agent_->url())} + args,
                                 e, timeout_ms);
        return Run{c.code, c.out, c.err};
    }

    QString ctl_;
    std::unique_ptr<ScriptedAgent> agent_;
};

void TestRedlinectlRolloutView::statusText_data() {
    QTest::addColumn<QByteArray>("fixture");
    QTest::addColumn<QStringList>("expected");
    QTest::addColumn<QStringList>("absent");
    QTest::newRow("none") << QByteArray::fromStdString(doc(RolloutStatus{}).dump())
                          << QStringList{"Status:         \u25cb none", "No rollout plan yet"}
                          << QStringList{"Steps:", "METRIC"};
    RolloutStatus pending;
    pending.spec = plan();
    pending.state = RolloutState::Pending;
    QTest::newRow("pending") << QByteArray::fromStdString(doc(pending).dump())
                             << QStringList{"\u25cc pending", "Step:           1/4", "     1  canary 5%",
                                            "     4  canary 100%  promote"}
                             << QStringList{"\u2714", "\u25ba", "Held:           ", "METRIC"};
    QTest::newRow("progressing")
        << QByteArray::fromStdString(doc(progressing()).dump())
        << QStringList{"Status:         \u25b6 progressing", "Step:           2/4", "Canary weight:  25%",
                       "Held:           12s / 1m0s", "Waiting for:    hold 48 s more", "2 passing, 0 failing",
                       "ago)", "  \u2714  1  canary 5%", "  \u25ba  2  canary 25%", "(held 12s)",
                       "     3  canary 50%", "METRIC", "N STABLE/CANARY",
                       // Units on every value: a probability in %, milliseconds, ratios in % and pp.
                       "latency P(canary>stable)", "50.0%", "53.1%", "+3.1pp", "\u2264 60.0%", "12.3ms",
                       "13.1ms", "+0.80ms", "\u2264 17.3ms", "0.10%", "+0.10pp", "\u2265 75.00%", "-2.00pp",
                       "? inconclusive", "40/12 (needs 50)", "\u2013 n/a", "1500/480", "0.3100",
                       "cache_hit_ratio: needs 50 cache lookups"}
        << QStringList{"Reason:         ", "FAIL"};
    QTest::newRow("rolled back") << QByteArray::fromStdString(doc(rolled_back()).dump())
                                 << QStringList{"\u2716 rolled_back",
                                                "Reason:         p99 failed 3 windows",
                                                "Canary weight:  0%",
                                                "  \u2714  1",
                                                "  \u2716  2",
                                                "\u2716 FAIL",
                                                "<0.0001",
                                                "61.2ms",
                                                "+48.9ms",
                                                "p99: canary p99 61.2ms is above 17.3ms"}
                                 << QStringList{"Held:           ", "\u25ba", "Waiting for:    "};
    QTest::newRow("promoted") << QByteArray::fromStdString(
                                     doc(with_state(progressing(), RolloutState::Promoted, 100)).dump())
                              << QStringList{"\u2714 promoted", "Canary weight:  100%", "  \u2714  4"}
                              << QStringList{"\u25ba", "Held:           "};
}

void TestRedlinectlRolloutView::statusText() {
    QFETCH(QByteArray, fixture);
    QFETCH(QStringList, expected);
    QFETCH(QStringList, absent);
    agent_->set_statuses({json::parse(fixture.toStdString())});
    const Run r = run({"rollout", "status"});
    QCOMPARE(r.code, 0);
    const QString out = QString::fromUtf8(r.out);
    for (const QString& e : expected)
        QVERIFY2(out.contains(e), qPrintable("missing '" + e + "' in:\n" + out));
    for (const QString& a : absent)
        QVERIFY2(!out.contains(a), qPrintable("unexpected '" + a + "' in:\n" + out));
    QVERIFY2(out.contains("Agent:          " + QString::fromStdString(agent_->url())), qPrintable(out));
    const auto reqs = agent_->take_requests();
    QCOMPARE(reqs.size(), std::size_t(1));
    QCOMPARE(reqs[0].method, std::string("GET"));
    QCOMPARE(reqs[0].target, std::string("/v1/rollout"));
}

void TestRedlinectlRolloutView::statusJson() {
    const json fixture = doc(rolled_back());
    for (const QStringList& args :
         {QStringList{"rollout", "status", "-o", "json"}, QStringList{"rollout", "status", "-ojson"},
          QStringList{"--json", "rollout", "status"}}) {
        agent_->set_statuses({fixture});
        const Run r = run(args);
        QCOMPARE(r.code, 0);
        QCOMPARE(json::parse(r.out.toStdString(), nullptr, false), fixture);
    }
    agent_->set_statuses({fixture});
    const Run table = run({"--json", "rollout", "status", "-o", "table"});  // the later choice wins
    QCOMPARE(table.code, 0);
    QVERIFY2(table.out.contains("METRIC"), table.out.constData());
}

void TestRedlinectlRolloutView::watchEnds_data() {
    QTest::addColumn<QByteArray>("last");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("shown");
    QTest::newRow("promoted") << QByteArray::fromStdString(
                                     doc(with_state(progressing(), RolloutState::Promoted, 100)).dump())
                              << 0 << "\u2714 promoted";
    QTest::newRow("rolled back") << QByteArray::fromStdString(doc(rolled_back()).dump()) << 3
                                 << "\u2716 rolled_back";
    QTest::newRow("aborted") << QByteArray::fromStdString(
                                    doc(with_state(progressing(), RolloutState::Aborted, 0)).dump())
                             << 3 << "\u2716 aborted";
}

void TestRedlinectlRolloutView::watchEnds() {
    QFETCH(QByteArray, last);
    QFETCH(int, code);
    QFETCH(QString, shown);
    RolloutStatus later = progressing();
    later.step_held_s = 13;
    agent_->set_statuses({doc(progressing()), doc(later), json::parse(last.toStdString())});
    const Run r = run({"rollout", "status", "--watch"});
    QCOMPARE(r.code, code);
    const QString out = QString::fromUtf8(r.out);
    // Not a terminal: one frame per change, no ANSI.
    QCOMPARE(out.count("redlinectl rollout status --watch"), 3);
    QVERIFY2(out.contains("(held 12s)") && out.contains("(held 13s)"), qPrintable(out));
    QVERIFY2(out.contains(shown), qPrintable(out));
    QVERIFY(!out.contains("\x1b["));

    agent_->set_statuses({doc(progressing()), json::parse(last.toStdString())});
    const Run j = run({"rollout", "status", "--watch", "-o", "json"});
    QCOMPARE(j.code, code);
    const QList<QByteArray> lines = j.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 2);  // one line per change
    QCOMPARE(json::parse(lines.back().toStdString()), json::parse(last.toStdString()));
}

void TestRedlinectlRolloutView::watchInterrupted() {
    agent_->set_statuses({doc(progressing())});
    QProcess p;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.insert("REDLINE_TOKEN", "t");
    p.setProcessEnvironment(e);
    p.start(ctl_, {"--agent", QString::fromStdString(agent_->url()), "rollout", "status", "--watch"});
    QVERIFY(p.waitForStarted(10'000));
    QByteArray out;
    QTRY_VERIFY_WITH_TIMEOUT((out += p.readAllStandardOutput()).contains("progressing"), 10'000);
    ::kill(static_cast<pid_t>(p.processId()), SIGINT);
    QVERIFY(p.waitForFinished(10'000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
}

void TestRedlinectlRolloutView::shorthandSendsPlan() {
    RolloutStatus pending;
    pending.spec = plan();
    pending.state = RolloutState::Pending;
    agent_->set_statuses({doc(pending)});
    const Run r =
        run({"--as", "alice", "rollout", "set", "--steps", "5%:30s,25:60,100", "--on-failure", "pause",
             "--window", "20s", "--p99", "10%,2ms", "--p50", "3ms", "--max-error-increase", "0.5pp"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("\u25cc pending"), r.out.constData());
    const auto reqs = agent_->take_requests();
    QCOMPARE(reqs.size(), std::size_t(1));
    QCOMPARE(reqs[0].method, std::string("PUT"));
    QCOMPARE(reqs[0].target, std::string("/v1/rollout"));
    QCOMPARE(reqs[0].actor, std::string("alice"));
    const json sent = json::parse(reqs[0].body);
    const json expected = {{"steps",
                            {{{"weight_percent", 5}, {"hold_s", 30}},
                             {{"weight_percent", 25}, {"hold_s", 60}},
                             {{"weight_percent", 100}}}},
                           {"on_failure", "pause"},
                           {"analysis",
                            {{"window_s", 20},
                             {"p99", {{"max_increase_percent", 10}, {"max_increase_ms", 2}}},
                             {"p50", {{"max_increase_ms", 3}}},
                             {"max_error_increase_pp", 0.5}}}};
    QCOMPARE(sent, expected);
    // And the agent's parser reads it as meant; the parts not given keep their defaults.
    const auto spec = parse_rollout_spec(sent);
    QVERIFY(spec.ok());
    QCOMPARE(spec.value().analysis.p50.max_increase_percent, AnalysisConfig{}.p50.max_increase_percent);
    QCOMPARE(spec.value().analysis.p99.max_increase_ms, 2.0);
}

void TestRedlinectlRolloutView::startWithPlan() {
    agent_->set_statuses({doc(progressing())});
    const Run r = run({"rollout", "start", "--steps", "5:30,100", "--reason", "release 1.4"});
    QCOMPARE(r.code, 0);
    auto reqs = agent_->take_requests();
    QCOMPARE(reqs.size(), std::size_t(2));
    QCOMPARE(reqs[0].method + " " + reqs[0].target, std::string("PUT /v1/rollout"));
    QCOMPARE(reqs[1].method + " " + reqs[1].target, std::string("POST /v1/rollout/start"));
    QCOMPARE(json::parse(reqs[1].body), json({{"reason", "release 1.4"}}));
    QVERIFY2(r.out.contains("\u25b6 progressing"), r.out.constData());

    // Without a plan: only the start of the stored one.
    QCOMPARE(run({"rollout", "start"}).code, 0);
    reqs = agent_->take_requests();
    QCOMPARE(reqs.size(), std::size_t(1));
    QCOMPARE(reqs[0].method + " " + reqs[0].target, std::string("POST /v1/rollout/start"));
}

void TestRedlinectlRolloutView::actionsSendReason() {
    const json status = doc(progressing());
    agent_->set_statuses({status});
    for (const char* action : {"pause", "resume", "promote", "abort", "skip"}) {
        const Run r = run({"rollout", action, "--reason", "by hand"});
        QCOMPARE(r.code, 0);
        const auto reqs = agent_->take_requests();
        QCOMPARE(reqs.size(), std::size_t(1));
        QCOMPARE(reqs[0].method + " " + reqs[0].target, "POST /v1/rollout/" + std::string(action));
        QCOMPARE(json::parse(reqs[0].body), json({{"reason", "by hand"}}));
    }
    const Run j = run({"--json", "rollout", "pause"});
    QCOMPARE(json::parse(j.out.toStdString()), status);
}

void TestRedlinectlRolloutView::serverFieldErrors() {
    const json problem = {{"type", "about:blank"},
                          {"title", "Bad Request"},
                          {"status", 400},
                          {"detail", "invalid rollout plan"},
                          {"errors",
                           {{{"field", "steps[1].weight_percent"}, {"message", "must not be below 25 %"}},
                            {{"field", "analysis.window_s"}, {"message", "must be <= 60"}}}}};
    agent_->queue_reply({400, problem.dump(), "application/problem+json"});
    const Run r = run({"rollout", "set", "--steps", "5:30,100"});
    QCOMPARE(r.code, 1);
    const QList<QByteArray> lines = r.err.trimmed().split('\n');
    QCOMPARE(lines.size(), 3);
    QCOMPARE(lines[0], "redlinectl: PUT " + QByteArray::fromStdString(agent_->url()) +
                           "/v1/rollout: 400 Bad Request: invalid rollout plan");
    QCOMPARE(lines[1], QByteArray("  steps[1].weight_percent: must not be below 25 %"));
    QCOMPARE(lines[2], QByteArray("  analysis.window_s: must be <= 60"));
    QVERIFY(r.out.isEmpty());
}

void TestRedlinectlRolloutView::conflict() {
    const json problem = {
        {"title", "Conflict"}, {"status", 409}, {"detail", "cannot abort a rollout that is promoted"}};
    agent_->queue_reply({409, problem.dump(), "application/problem+json"});
    const Run r = run({"rollout", "abort"});
    QCOMPARE(r.code, 1);
    QCOMPARE(r.err.count('\n'), 1);
    QVERIFY2(r.err.contains("409 Conflict: cannot abort a rollout that is promoted"), r.err.constData());

    // start with a plan stops at a refused PUT: nothing is started.
    agent_->take_requests();
    agent_->queue_reply({409, json({{"status", 409}, {"detail", "a rollout is progressing"}}).dump(),
                         "application/problem+json"});
    QCOMPARE(run({"rollout", "start", "--steps", "5:30,100"}).code, 1);
    QCOMPARE(agent_->take_requests().size(), std::size_t(1));
}

void TestRedlinectlRolloutView::usageErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("no sub") << QStringList{"rollout"} << "missing subcommand";
    QTest::newRow("unknown sub") << QStringList{"rollout", "go"} << "unknown subcommand 'go'";
    QTest::newRow("set without plan") << QStringList{"rollout", "set"} << "no plan given";
    QTest::newRow("steps not numbers") << QStringList{"rollout", "set", "--steps", "five:30,100"}
                                       << "--steps item 1 ('five:30') weight needs a number";
    QTest::newRow("steps empty item")
        << QStringList{"rollout", "set", "--steps", "5:30,,100"} << "--steps item 2 is empty";
    QTest::newRow("steps missing hold")
        << QStringList{"rollout", "set", "--steps", "5,100"} << "--steps item 1 ('5') needs a hold time";
    QTest::newRow("steps three parts")
        << QStringList{"rollout", "set", "--steps", "5:30:1,100"} << "must be WEIGHT:HOLD_S";
    QTest::newRow("steps fractional hold")
        << QStringList{"rollout", "set", "--steps", "5:1.5,100"} << "hold must be whole seconds";
    QTest::newRow("steps weight 150")
        << QStringList{"rollout", "set", "--steps", "5:30,150:60,100"} << "steps[1].weight_percent: must be";
    QTest::newRow("steps decreasing") << QStringList{"rollout", "start", "--steps", "25:30,5:30,100"}
                                      << "steps[1].weight_percent: must not be below";
    QTest::newRow("bad on-failure") << QStringList{"rollout",  "set",          "--steps",
                                                   "5:30,100", "--on-failure", "x"}
                                    << "--on-failure must be rollback or pause";
    QTest::newRow("window range") << QStringList{"rollout", "set", "--steps", "5:30,100", "--window", "99"}
                                  << "analysis.window_s: must be";
    QTest::newRow("bad bound") << QStringList{"rollout", "set", "--steps", "5:30,100", "--p99", "20"}
                               << "--p99 part '20' must be a percentage (20%) or milliseconds (5ms)";
    QTest::newRow("analysis without steps")
        << QStringList{"rollout", "set", "--window", "5"} << "the plan options need --steps";
    QTest::newRow("file and steps") << QStringList{"rollout", "set", "--file", "x.json", "--steps", "5:1,100"}
                                    << "--file is a whole plan";
    QTest::newRow("bad output") << QStringList{"rollout", "status", "-o", "yaml"}
                                << "-o must be json or table";
    QTest::newRow("status argument") << QStringList{"rollout", "status", "now"}
                                     << "unexpected argument 'now'";
    QTest::newRow("reason on status")
        << QStringList{"rollout", "status", "--reason", "x"} << "unknown option '--reason'";
}

void TestRedlinectlRolloutView::usageErrors() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const Run r = run(args);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.startsWith("redlinectl: "), r.err.constData());
    QVERIFY2(r.err.contains(message.toUtf8()), r.err.constData());
    QVERIFY2(r.err.contains("usage: redlinectl rollout"), r.err.constData());
    QVERIFY(agent_->take_requests().empty());  // nothing reached the agent
}

void TestRedlinectlRolloutView::badPlanFile_data() {
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QStringList>("lines");  // stderr lines after the first
    QTest::newRow("weight 150") << QByteArray(R"({"steps": [{"weight_percent": 150, "hold_s": 30},
                                               {"weight_percent": 100}]})")
                                << QStringList{
                                       "  steps[0].weight_percent: must be > 0.0 and <= 100.0, got 150"};
    QTest::newRow("duplicate key") << QByteArray(R"({"steps": [{"weight_percent": 5, "weight_percent": 6,
                                                  "hold_s": 1}, {"weight_percent": 100}]})")
                                   << QStringList{"  steps[0].weight_percent: duplicate key"};
    QTest::newRow("two errors")
        << QByteArray(R"({"steps": [{"weight_percent": 5}, {"weight_percent": 100}], "on_failure": "retry"})")
        << QStringList{"  steps[0].hold_s:", "  on_failure: must be one of"};
}

void TestRedlinectlRolloutView::badPlanFile() {
    QFETCH(QByteArray, content);
    QFETCH(QStringList, lines);
    QTemporaryDir dir;
    const QString path = dir.path() + "/plan.json";
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(content);
    f.close();
    const Run r = run({"rollout", "set", "--file", path});
    QCOMPARE(r.code, 1);
    const QList<QByteArray> got = r.err.trimmed().split('\n');
    QCOMPARE(got.size(), lines.size() + 1);
    QVERIFY2(got[0].startsWith(("redlinectl: " + path).toUtf8()), r.err.constData());
    for (int i = 0; i < lines.size(); ++i)
        QVERIFY2(got[i + 1].startsWith(lines[i].toUtf8()), r.err.constData());
    QVERIFY(agent_->take_requests().empty());
}

QTEST_GUILESS_MAIN(TestRedlinectlRolloutView)
#include "tst_redlinectl_rollout_view.moc"
