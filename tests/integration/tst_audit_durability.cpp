// Audit before effect (issue 9 §4): the real sample server is killed with SIGKILL at random points during
// bursts of PUT /v1/canary and restarted on the same data dir. Every acknowledged change must be in the audit
// log, the state in force after the restart must be the last audited one, and the log holds whole lines only.
// A state file edited behind the agent's back is restored to the audited state with a recovery event.
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/agent_client.h"
#include "core/event.h"
#include "tests/support/child_process.h"

using namespace redline;
using nlohmann::json;
using redline::test::ChildProcess;

namespace {

struct AuditLog {
    std::vector<json> lines;
    bool whole = true;  // every line complete (newline-terminated) and valid JSON
};

AuditLog read_audit(const QString& dir) {
    AuditLog a;
    QFile f(dir + "/audit.jsonl");
    if (!f.open(QIODevice::ReadOnly)) return a;
    const QByteArray all = f.readAll();
    if (!all.isEmpty() && !all.endsWith('\n')) a.whole = false;
    for (const QByteArray& line : all.split('\n')) {
        if (line.isEmpty()) continue;
        json j = json::parse(line.toStdString(), nullptr, false);
        if (j.is_discarded()) {
            a.whole = false;
            continue;
        }
        a.lines.push_back(std::move(j));
    }
    return a;
}

/// The `after` of the last canary line that decides the state (changed, recovered, rolled back).
json last_audited_canary(const AuditLog& a) {
    json last;
    for (const auto& l : a.lines) {
        const std::string kind = l.value("kind", "");
        if (kind == "canary.changed" || kind == "canary.recovered" || kind == "canary.rolled_back")
            last = l.value("after", json());
    }
    return last;
}

QStringList server_args(const QString& dir) {
    return {"--listen",        "127.0.0.1:0",
            "--admin-listen",  "127.0.0.1:0",
            "--data-dir",      dir,
            "--seed-products", "0",
            "--threads",       "1"};
}

}  // namespace

class TestAuditDurability : public QObject {
    Q_OBJECT

  private slots:
    void kill9_during_bursts_never_loses_or_invents_state() {
        QTemporaryDir dir;
        const QString bin = ChildProcess::binary("agents/sample_server/redline-sample-server");
        std::set<long> acknowledged;  // weights in hundredths of a percent that got a 200
        long next = 1;
        const int kKills = 10;
        for (int round = 0; round < kKills; ++round) {
            ChildProcess server;
            QString err;
            QVERIFY2(server.start(bin, server_args(dir.path()), 30'000, &err), qPrintable(err));
            // After every restart: the state in force is the last audited one.
            AgentClient op(server.admin_url().toStdString(), server.token("operator").toStdString(),
                           std::chrono::seconds(2));
            const auto now = op.canary();
            QVERIFY2(now.ok(), now.error_message().c_str());
            const AuditLog before = read_audit(dir.path());
            QVERIFY2(before.whole, "the audit log holds an incomplete line");
            const json audited = last_audited_canary(before);
            if (!audited.is_null())
                QCOMPARE(now.value->weight_percent, audited.value("weight_percent", -1.0));

            std::atomic<bool> stop{false};
            std::thread burst([&] {
                AgentClient c(server.admin_url().toStdString(), server.token("operator").toStdString(),
                              std::chrono::seconds(2));
                while (!stop && next < 9900) {
                    CanaryConfig cfg;
                    cfg.weight_percent = double(next) / 100.0;
                    const auto r = c.set_canary(cfg);
                    if (!r.ok()) break;  // killed
                    acknowledged.insert(next);
                    ++next;
                }
            });
            std::this_thread::sleep_for(
                std::chrono::milliseconds(60 + QRandomGenerator::global()->bounded(240)));
            server.kill();
            stop = true;
            burst.join();
            next += 1;  // the request in flight at the kill may or may not have been applied
        }
        QVERIFY2(acknowledged.size() > 20, "too few PUTs were acknowledged to mean anything");

        // Every acknowledged change is in the audit log.
        ChildProcess last;
        QString err;
        QVERIFY2(last.start(bin, server_args(dir.path()), 30'000, &err), qPrintable(err));
        const AuditLog log = read_audit(dir.path());
        QVERIFY(log.whole);
        std::set<long> audited;
        for (const auto& l : log.lines)
            if (l.value("kind", "") == "canary.changed")
                audited.insert(std::lround(l["after"].value("weight_percent", -1.0) * 100));
        std::vector<long> missing;
        for (long w : acknowledged)
            if (!audited.count(w)) missing.push_back(w);
        QVERIFY2(missing.empty(),
                 qPrintable(QStringLiteral("%1 acknowledged changes are not audited, first %2")
                                .arg(missing.size())
                                .arg(missing.empty() ? 0 : missing.front())));
        AgentClient op(last.admin_url().toStdString(), last.token("operator").toStdString());
        const auto now = op.canary();
        QVERIFY(now.ok());
        QCOMPARE(now.value->weight_percent, last_audited_canary(log).value("weight_percent", -1.0));
    }

    void events_survive_restarts_and_ids_continue();
    void audit_file_with_restarted_ids_is_replayed_in_order();

    void edited_state_file_is_restored_to_the_audited_state() {
        QTemporaryDir dir;
        const QString bin = ChildProcess::binary("agents/sample_server/redline-sample-server");
        {
            ChildProcess s;
            QString err;
            QVERIFY2(s.start(bin, server_args(dir.path()), 30'000, &err), qPrintable(err));
            AgentClient op(s.admin_url().toStdString(), s.token("operator").toStdString());
            CanaryConfig c;
            c.weight_percent = 12.5;
            QVERIFY(op.set_canary(c).ok());
            QCOMPARE(s.stop(), 0);
        }
        // Behind the agent's back: a state no audit line explains.
        std::ofstream(dir.filePath("control/canary.json").toStdString(), std::ios::trunc)
            << R"({"weight_percent": 42, "faults": {"latency_ms": 0, "latency_jitter_ms": 0, "error_ratio": 0}})";
        ChildProcess s;
        QString err;
        QVERIFY2(s.start(bin, server_args(dir.path()), 30'000, &err), qPrintable(err));
        AgentClient viewer(s.admin_url().toStdString(), s.token("viewer").toStdString());
        const auto now = viewer.canary();
        QVERIFY(now.ok());
        QCOMPARE(now.value->weight_percent, 12.5);
        const AuditLog log = read_audit(dir.path());
        QVERIFY(!log.lines.empty());
        QCOMPARE(log.lines.back().value("kind", ""), std::string("canary.recovered"));
        QCOMPARE(log.lines.back()["before"].value("weight_percent", -1.0), 42.0);
        QCOMPARE(log.lines.back()["after"].value("weight_percent", -1.0), 12.5);
        // And the file agrees again.
        QFile f(dir.filePath("control/canary.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(json::parse(f.readAll().toStdString()).value("weight_percent", -1.0), 12.5);
    }
};

void TestAuditDurability::events_survive_restarts_and_ids_continue() {
    QTemporaryDir dir;
    const QString bin = ChildProcess::binary("agents/sample_server/redline-sample-server");
    std::vector<Event> before;
    std::uint64_t max_id = 0;
    {
        ChildProcess s;
        QString err;
        QVERIFY2(s.start(bin, server_args(dir.path()), 30'000, &err), qPrintable(err));
        AgentClient op(s.admin_url().toStdString(), s.token("operator").toStdString());
        for (double w : {5.0, 25.0, 50.0}) {
            CanaryConfig c;
            c.weight_percent = w;
            QVERIFY(op.set_canary(c).ok());
        }
        const auto page = op.events(0, 1000);
        QVERIFY(page.ok());
        for (const auto& e : page.value->events) {
            max_id = std::max(max_id, e.id);
            if (e.kind == "canary.changed") before.push_back(e);
        }
        QCOMPARE(before.size(), std::size_t(3));
        QCOMPARE(s.stop(), 0);
    }
    ChildProcess s;
    QString err;
    QVERIFY2(s.start(bin, server_args(dir.path()), 30'000, &err), qPrintable(err));
    AgentClient op(s.admin_url().toStdString(), s.token("operator").toStdString());
    // The history is served again, with the same ids and times.
    const auto page = op.events(0, 1000);
    QVERIFY(page.ok());
    std::vector<Event> after;
    for (const auto& e : page.value->events)
        if (e.kind == "canary.changed") after.push_back(e);
    QCOMPARE(after.size(), before.size());
    for (std::size_t i = 0; i < after.size(); ++i) {
        QCOMPARE(after[i].id, before[i].id);
        QCOMPARE(after[i].time_ms, before[i].time_ms);
        QCOMPARE(after[i].after.dump(), before[i].after.dump());
    }
    // New events continue after every id used before the restart: a client resuming at max_id sees them.
    CanaryConfig c;
    c.weight_percent = 75;
    QVERIFY(op.set_canary(c).ok());
    const auto fresh = op.events(max_id, 1000);
    QVERIFY(fresh.ok());
    bool seen = false;
    for (const auto& e : fresh.value->events) {
        QVERIFY(e.id > max_id);
        seen = seen || (e.kind == "canary.changed" && e.after.value("weight_percent", -1.0) == 75.0);
    }
    QVERIFY2(seen, "the change after the restart is not served after the old cursor");
    QCOMPARE(s.stop(), 0);
}

void TestAuditDurability::audit_file_with_restarted_ids_is_replayed_in_order() {
    QTemporaryDir dir;
    // An audit file from before ids continued across restarts: two runs, each starting at id 1.
    {
        std::ofstream f(dir.filePath("audit.jsonl").toStdString());
        for (int run = 0; run < 2; ++run)
            for (int id = 1; id <= 2; ++id)
                f << json{{"id", id}, {"time_ms", 1700000000000 + run * 10 + id}, {"kind", "limits.changed"},
                          {"actor", "operator"}, {"message", "m"}, {"before", nullptr}, {"after", nullptr}}
                         .dump()
                  << "\n";
        f << "{not json\n";
    }
    const QString bin = ChildProcess::binary("agents/sample_server/redline-sample-server");
    ChildProcess s;
    QString err;
    QVERIFY2(s.start(bin, server_args(dir.path()), 30'000, &err), qPrintable(err));
    AgentClient viewer(s.admin_url().toStdString(), s.token("viewer").toStdString());
    const auto page = viewer.events(0, 1000);
    QVERIFY(page.ok());
    std::vector<std::int64_t> times;
    std::uint64_t last = 0;
    for (const auto& e : page.value->events) {
        QVERIFY(e.id > last);
        last = e.id;
        if (e.kind == "limits.changed") times.push_back(e.time_ms);
    }
    QCOMPARE(times.size(), std::size_t(4));
    QVERIFY(std::is_sorted(times.begin(), times.end()));
    QCOMPARE(s.stop(), 0);
}

QTEST_GUILESS_MAIN(TestAuditDurability)
#include "tst_audit_durability.moc"
