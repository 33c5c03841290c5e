// Runs the real redlinectl binary against a real redline-agent-demo: every command, --json output, usage
// errors (exit 2), server and transport errors (exit 1) with their messages.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "core/agent_client.h"
#include "tests/support/child_process.h"

using redline::test::ChildProcess;

namespace {

struct Run {
    int code = -1;
    QByteArray out, err;
};

const QString kRoute = QStringLiteral("GET /v1/products/{id}");

}  // namespace

class TestRedlinectl : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void cleanupTestCase();

    void usageErrors_data();
    void usageErrors();
    void help_data();
    void help();
    void unreachableAgent();
    void badToken();
    void missingTokenFile();
    void viewerCannotChange();
    void status();
    void statusJson();
    void limitsSetAndGet();
    void limitsInvalidValue();
    void limitsFromFile();
    void limitsFromBadFile_data();
    void limitsFromBadFile();
    void canarySetAndGet();
    void canaryInvalidValue();
    void events();
    void eventsFollow();
    void topPlain();
    void topJson();

  private:
    Run run(const QStringList& args, const QString& token = QStringLiteral("operator"),
            int timeout_ms = 30'000);
    QProcessEnvironment env(const QString& token) const;

    QTemporaryDir dir_;
    ChildProcess agent_;
    QString ctl_;
};

QProcessEnvironment TestRedlinectl::env(const QString& token) const {
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.remove("REDLINE_TOKEN");
    e.remove("REDLINE_AGENT");
    if (token == "operator" || token == "viewer") {
        e.insert("REDLINE_TOKEN", agent_.token(token));
    } else if (!token.isEmpty()) {
        e.insert("REDLINE_TOKEN", token);
    }
    return e;
}

Run TestRedlinectl::run(const QStringList& args, const QString& token, int timeout_ms) {
    QProcess p;
    p.setProcessEnvironment(env(token));
    QStringList full = {"--agent", agent_.admin_url()};
    full += args;
    p.start(ctl_, full);
    Run r;
    if (!p.waitForStarted(10'000)) {
        r.err = "did not start";
        return r;
    }
    if (!p.waitForFinished(timeout_ms)) {
        p.kill();
        p.waitForFinished(5000);
        r.err = "timed out";
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

void TestRedlinectl::initTestCase() {
    ctl_ = ChildProcess::binary("app/redlinectl");
    QVERIFY2(QFile::exists(ctl_), qPrintable(ctl_));
    QVERIFY(dir_.isValid());
    QString error;
    QVERIFY2(agent_.start(ChildProcess::binary("agents/redline-agent-demo"),
                          {"--admin-listen", "127.0.0.1:0", "--data-dir", dir_.path()}, 30'000, &error),
             qPrintable(error));
}

void TestRedlinectl::cleanupTestCase() {
    agent_.stop();
}

void TestRedlinectl::usageErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("no command") << QStringList{} << "no command given";
    QTest::newRow("unknown command") << QStringList{"frobnicate"} << "unknown command 'frobnicate'";
    QTest::newRow("unknown option") << QStringList{"status", "--bogus"} << "unknown option '--bogus'";
    QTest::newRow("limits without sub") << QStringList{"limits"} << "missing subcommand";
    QTest::newRow("limits set no route") << QStringList{"limits", "set", "--rate", "5"} << "missing ROUTE";
    QTest::newRow("limits set nothing") << QStringList{"limits", "set", kRoute} << "nothing to change";
    QTest::newRow("limits rate not number") << QStringList{"limits", "set", kRoute, "--rate", "fast"}
                                            << "--rate needs a decimal number, got 'fast'";
    QTest::newRow("limits bad mode") << QStringList{"limits", "set", kRoute, "--mode", "loud"}
                                     << "--mode must be enforce or shadow";
    QTest::newRow("limits missing value")
        << QStringList{"limits", "set", kRoute, "--burst"} << "option '--burst' needs a value";
    QTest::newRow("canary weight not number")
        << QStringList{"canary", "set", "--weight", "abc"} << "--weight needs a decimal number";
    QTest::newRow("canary set nothing") << QStringList{"canary", "set"} << "nothing to change";
    QTest::newRow("top count zero") << QStringList{"top", "--count", "0"} << "--count must be between 1";
    QTest::newRow("top interval too small")
        << QStringList{"top", "--interval-ms", "5"} << "--interval-ms must be between 100 and 10000";
    QTest::newRow("events limit") << QStringList{"events", "--limit", "x"} << "--limit needs an integer";
    QTest::newRow("bad agent url") << QStringList{"--agent", "127.0.0.1:9464", "status"}
                                   << "--agent must be an http:// or https:// URL";
}

void TestRedlinectl::usageErrors() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const Run r = run(args);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(message.toUtf8()), r.err.constData());
    QVERIFY2(r.err.contains("usage: redlinectl"), r.err.constData());
    QVERIFY(r.out.isEmpty());
}

void TestRedlinectl::help_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    QTest::newRow("global") << QStringList{"--help"} << "Commands:";
    QTest::newRow("top") << QStringList{"top", "--help"} << "--count N";
    QTest::newRow("limits set") << QStringList{"limits", "set", "--help"} << "--file FILE.json";
    QTest::newRow("canary set") << QStringList{"canary", "set", "-h"} << "--error-ratio";
    QTest::newRow("events") << QStringList{"events", "--help"} << "--follow";
}

void TestRedlinectl::help() {
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    const Run r = run(args);
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains(expected.toUtf8()), r.out.constData());
}

void TestRedlinectl::unreachableAgent() {
    const QString url = QStringLiteral("http://127.0.0.1:%1").arg(ChildProcess::free_port());
    const Run r = run({"--agent", url, "status"});  // the later --agent wins
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.startsWith(("redlinectl: cannot reach " + url + "/v1/info: ").toUtf8()),
             r.err.constData());
    QCOMPARE(r.err.count('\n'), 1);
}

void TestRedlinectl::badToken() {
    const Run r = run({"status"}, QString(64, 'a'));
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("401 Unauthorized"), r.err.constData());
    QVERIFY2(r.err.contains(agent_.admin_url().toUtf8() + "/v1/info"), r.err.constData());
    QVERIFY2(r.err.contains("REDLINE_TOKEN"), r.err.constData());

    const Run none = run({"limits", "get"}, QString());
    QCOMPARE(none.code, 1);
    QVERIFY2(none.err.contains("401"), none.err.constData());
}

void TestRedlinectl::missingTokenFile() {
    const Run r = run({"--token-file", dir_.path() + "/no-such.token", "status"}, QString());
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("no-such.token"), r.err.constData());
}

void TestRedlinectl::viewerCannotChange() {
    const Run r = run({"canary", "set", "--weight", "10"}, "viewer");
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("403"), r.err.constData());
    QVERIFY2(r.err.contains("operator token"), r.err.constData());
}

void TestRedlinectl::status() {
    const Run r = run({"--token-file", dir_.path() + "/viewer.token", "status"}, QString());
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("role      viewer"), r.out.constData());
    QVERIFY2(r.out.contains(kRoute.toUtf8()), r.out.constData());
    QVERIFY2(r.out.contains("last 10 s:"), r.out.constData());
}

void TestRedlinectl::statusJson() {
    const Run r = run({"status", "--json"}, "viewer");
    QCOMPARE(r.code, 0);
    QJsonParseError e;
    const QJsonDocument doc = QJsonDocument::fromJson(r.out, &e);
    QVERIFY2(e.error == QJsonParseError::NoError, qPrintable(e.errorString()));
    QCOMPARE(doc["agent"].toString(), agent_.admin_url());
    QVERIFY(!doc["info"]["agent_id"].toString().isEmpty());
    QCOMPARE(doc["snapshot"]["window_s"].toInt(), 10);
    QVERIFY(doc["snapshot"]["series"].toArray().size() > 0);
}

void TestRedlinectl::limitsSetAndGet() {
    const Run set = run({"limits", "set", kRoute, "--rate", "50", "--burst", "100", "--mode", "shadow"});
    QCOMPARE(set.code, 0);
    QVERIFY2(set.out.contains(kRoute.toUtf8()), set.out.constData());
    QVERIFY2(set.out.contains("shadow"), set.out.constData());

    const Run get = run({"limits", "get", "--json"}, "viewer");
    QCOMPARE(get.code, 0);
    const QJsonObject l = QJsonDocument::fromJson(get.out)["routes"][kRoute].toObject();
    QCOMPARE(l["rate_per_s"].toDouble(), 50.0);
    QCOMPARE(l["burst"].toDouble(), 100.0);
    QCOMPARE(l["mode"].toString(), QStringLiteral("shadow"));
    QCOMPARE(l["enabled"].toBool(), true);

    const Run disable = run({"limits", "set", kRoute, "--disable"});
    QCOMPARE(disable.code, 0);
    const Run get2 = run({"limits", "get", "--json"});
    QCOMPARE(QJsonDocument::fromJson(get2.out)["routes"][kRoute]["enabled"].toBool(), false);
    QCOMPARE(QJsonDocument::fromJson(get2.out)["routes"][kRoute]["rate_per_s"].toDouble(), 50.0);

    const Run remove = run({"limits", "set", kRoute, "--remove"});
    QCOMPARE(remove.code, 0);
    const Run get3 = run({"limits", "get", "--json"});
    QVERIFY(!QJsonDocument::fromJson(get3.out)["routes"].toObject().contains(kRoute));
}

void TestRedlinectl::limitsInvalidValue() {
    const Run before = run({"limits", "get", "--json"});
    QCOMPARE(before.code, 0);
    const Run r = run({"limits", "set", kRoute, "--rate", "-5"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("400"), r.err.constData());
    QVERIFY2(r.err.contains("rate_per_s"), r.err.constData());  // the agent's field message
    QVERIFY2(r.err.contains("PUT " + agent_.admin_url().toUtf8() + "/v1/limits"), r.err.constData());
    const Run after = run({"limits", "get", "--json"});
    QCOMPARE(QJsonDocument::fromJson(after.out), QJsonDocument::fromJson(before.out));
}

void TestRedlinectl::limitsFromFile() {
    const QString path = dir_.path() + "/limits.json";
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"routes": {"GET /v1/products": {"rate_per_s": 20, "burst": 40, "mode": "enforce",
              "scope": "route", "enabled": true}}})");
    f.close();
    const Run r = run({"limits", "set", "--file", path, "--json"});
    QCOMPARE(r.code, 0);
    const QJsonObject routes = QJsonDocument::fromJson(r.out)["routes"].toObject();
    QCOMPARE(routes.size(), 1);
    QCOMPARE(routes["GET /v1/products"]["scope"].toString(), QStringLiteral("route"));
    QVERIFY(run({"limits", "set", "--file", path, kRoute}).code == 2);  // --file takes no route
    // Clean up for the other tests.
    QFile e(dir_.path() + "/empty.json");
    QVERIFY(e.open(QIODevice::WriteOnly));
    e.write(R"({"routes": {}})");
    e.close();
    QCOMPARE(run({"limits", "set", "--file", dir_.path() + "/empty.json"}).code, 0);
}

void TestRedlinectl::limitsFromBadFile_data() {
    QTest::addColumn<QByteArray>("content");  // "<missing>" = no file
    QTest::addColumn<QString>("message");
    QTest::newRow("missing") << QByteArray("<missing>") << "cannot read";
    QTest::newRow("not json") << QByteArray("{routes:") << "is not strict JSON: not valid JSON";
    QTest::newRow("unknown field") << QByteArray(R"({"routes": {}, "extra": 1})") << "extra";
    QTest::newRow("wrong type") << QByteArray(R"({"routes": {"GET /v1/products": {"rate_per_s": "x"}}})")
                                << "rate_per_s";
}

void TestRedlinectl::limitsFromBadFile() {
    QFETCH(QByteArray, content);
    QFETCH(QString, message);
    const QString path = dir_.path() + "/bad-limits.json";
    QFile::remove(path);
    if (content != "<missing>") {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
    }
    const Run r = run({"limits", "set", "--file", path});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(message.toUtf8()), r.err.constData());
}

void TestRedlinectl::canarySetAndGet() {
    const Run set = run({"canary", "set", "--weight", "30", "--latency-ms", "20"});
    QCOMPARE(set.code, 0);
    QVERIFY2(set.out.contains("30%"), set.out.constData());
    const Run set2 = run({"canary", "set", "--error-ratio", "0.1"});  // keeps weight and latency
    QCOMPARE(set2.code, 0);
    const Run get = run({"canary", "get", "--json"}, "viewer");
    QCOMPARE(get.code, 0);
    const QJsonDocument doc = QJsonDocument::fromJson(get.out);
    QCOMPARE(doc["weight_percent"].toDouble(), 30.0);
    QCOMPARE(doc["faults"]["latency_ms"].toDouble(), 20.0);
    QCOMPARE(doc["faults"]["error_ratio"].toDouble(), 0.1);
    QCOMPARE(run({"canary", "set", "--weight", "0", "--latency-ms", "0", "--error-ratio", "0"}).code, 0);
}

void TestRedlinectl::canaryInvalidValue() {
    const Run r = run({"canary", "set", "--weight", "150"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("400"), r.err.constData());
    QVERIFY2(r.err.contains("weight_percent"), r.err.constData());
    const Run get = run({"canary", "get", "--json"});
    QVERIFY(QJsonDocument::fromJson(get.out)["weight_percent"].toDouble() <= 100.0);
}

void TestRedlinectl::events() {
    QCOMPARE(run({"canary", "set", "--weight", "3"}).code, 0);
    const Run all = run({"events", "--json"}, "viewer");
    QCOMPARE(all.code, 0);
    const QJsonArray evs = QJsonDocument::fromJson(all.out)["events"].toArray();
    QVERIFY(!evs.isEmpty());
    QCOMPARE(evs.last()["kind"].toString(), QStringLiteral("canary.changed"));
    const qint64 last_id = evs.last()["id"].toInteger();
    QCOMPARE(QJsonDocument::fromJson(all.out)["next_cursor"].toInteger(), last_id);

    const Run after = run({"events", "--after", QString::number(last_id - 1), "--json"});
    QCOMPARE(after.code, 0);
    QCOMPARE(QJsonDocument::fromJson(after.out)["events"].toArray().size(), 1);

    const Run text = run({"events", "--after", QString::number(last_id - 1)});
    QCOMPARE(text.code, 0);
    QVERIFY2(text.out.contains("canary.changed"), text.out.constData());
    QVERIFY2(text.out.contains("operator"), text.out.constData());
    QCOMPARE(run({"canary", "set", "--weight", "0"}).code, 0);
}

void TestRedlinectl::eventsFollow() {
    const Run page = run({"events", "--json"});
    const qint64 cursor = QJsonDocument::fromJson(page.out)["next_cursor"].toInteger();
    QProcess p;
    p.setProcessEnvironment(env("viewer"));
    p.start(ctl_, {"--agent", agent_.admin_url(), "events", "--follow", "--count", "1", "--json", "--after",
                   QString::number(cursor)});
    QVERIFY(p.waitForStarted(10'000));
    // The change may happen before or after the stream connects: events are resumed from the cursor.
    QCOMPARE(run({"limits", "set", "GET /v1/orders/{id}", "--rate", "9"}).code, 0);
    QVERIFY(p.waitForFinished(30'000));
    QCOMPARE(p.exitCode(), 0);
    const QList<QByteArray> lines = p.readAllStandardOutput().trimmed().split('\n');
    QCOMPARE(lines.size(), 1);
    const QJsonDocument e = QJsonDocument::fromJson(lines.front());
    QCOMPARE(e["kind"].toString(), QStringLiteral("limits.changed"));
    QVERIFY(e["id"].toInteger() > cursor);
    // The change already happened when the command starts (it is in the listing): --count counts it, and the
    // command does not wait for another one. (This ordering used to hang until the test's timeout.)
    const Run removed = run({"limits", "set", "GET /v1/orders/{id}", "--remove"});
    QCOMPARE(removed.code, 0);
    const Run already =
        run({"events", "--follow", "--count", "1", "--json", "--after", QString::number(e["id"].toInteger())},
            "viewer", 15'000);
    QCOMPARE(already.code, 0);
    const QList<QByteArray> one = already.out.trimmed().split('\n');
    QCOMPARE(one.size(), 1);
    QCOMPARE(QJsonDocument::fromJson(one.front())["kind"].toString(), QStringLiteral("limits.changed"));
}

void TestRedlinectl::topPlain() {
    // The demo's traffic must be in a closed second before a 1 s table can have rows (a loaded machine or a
    // test run right after start-up would otherwise see "(no traffic in this window)").
    redline::AgentClient viewer(agent_.admin_url().toStdString(), agent_.token("viewer").toStdString());
    QTRY_VERIFY_WITH_TIMEOUT(viewer.snapshot(1).ok() && viewer.snapshot(1).value->total.requests > 0, 10'000);
    const Run r = run({"top", "--count", "2", "--interval-ms", "200"}, "viewer");
    QCOMPARE(r.code, 0);
    QCOMPARE(r.out.count("ROUTE"), 2);  // one table per update, no ANSI when not a terminal
    QVERIFY(!r.out.contains("\x1b["));
    QVERIFY2(r.out.contains("P99"), r.out.constData());
    QVERIFY2(r.out.contains(kRoute.toUtf8()), r.out.constData());
}

void TestRedlinectl::topJson() {
    const Run r = run({"top", "--count", "3", "--interval-ms", "100", "--json"}, "viewer");
    QCOMPARE(r.code, 0);
    const QList<QByteArray> lines = r.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 3);
    for (const QByteArray& line : lines) {
        const QJsonDocument d = QJsonDocument::fromJson(line);
        QVERIFY(d.isObject());
        QCOMPARE(d["window_s"].toInt(), 1);
    }
    const Run bad = run({"top", "--count", "1"}, QString(64, 'b'));
    QCOMPARE(bad.code, 1);
    QVERIFY2(bad.err.contains("401"), bad.err.constData());
}

QTEST_GUILESS_MAIN(TestRedlinectl)
#include "tst_redlinectl.moc"
