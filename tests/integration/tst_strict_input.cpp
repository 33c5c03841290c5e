// Strict input everywhere (issue 9 §5), from the outside: duplicate JSON keys are 400 naming the key on every
// JSON endpoint of the real sample server (control PUTs, orders, load tests), media types match exactly, deep
// nesting is refused by both CLIs with one line instead of a crash, and CLI values (hex numbers, token files,
// malformed URLs) get one clear line and the documented exit code.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/agent_client.h"
#include "core/number.h"
#include "tests/support/child_process.h"
#include "tests/support/raw_http.h"

using namespace redline;
using nlohmann::json;
using redline::test::ChildProcess;

namespace {

struct Run {
    int code = -1;
    QString out, err;
};

Run run(const QString& program, const QStringList& args) {
    QProcess p;
    p.start(ChildProcess::binary(program), args);
    Run r;
    if (!p.waitForFinished(30'000)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;  // -1: crashed (e.g. SIGSEGV)
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

QString write(QTemporaryDir& dir, const QString& name, const std::string& text) {
    const QString path = dir.filePath(name);
    std::ofstream(path.toStdString(), std::ios::binary) << text;
    return path;
}

std::uint16_t port_of(const QString& url) {
    return std::uint16_t(url.section(':', -1).toUInt());
}

}  // namespace

class TestStrictInput : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    ChildProcess server_;

  private slots:
    void initTestCase() {
        QString err;
        QVERIFY2(server_.start(ChildProcess::binary("agents/sample_server/redline-sample-server"),
                               {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--data-dir",
                                dir_.path(), "--seed-products", "50", "--threads", "1"},
                               30'000, &err),
                 qPrintable(err));
    }

    void decimal_numbers_only() {
        QCOMPARE(parse_decimal("25").value_or(-1), 25.0);
        QCOMPARE(parse_decimal("-0.5").value_or(-1), -0.5);
        QCOMPARE(parse_decimal("1e2").value_or(-1), 100.0);
        QCOMPARE(parse_decimal(".5").value_or(-1), 0.5);
        for (const char* bad : {"0x10", "inf", "nan", " 5", "5 ", "", "1e", "--1", "1e999", "5%", "0x1p3"})
            QVERIFY2(!parse_decimal(bad), bad);
    }

    void duplicate_keys_are_400_naming_the_key_data() {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("field");
        QTest::newRow("canary") << "PUT"
                                << "/v1/canary"
                                << R"({"weight_percent": 5, "weight_percent": 90})"
                                << "weight_percent";
        QTest::newRow("limits")
            << "PUT"
            << "/v1/limits"
            << R"({"routes": {"GET /v1/products": {"rate_per_s": 5, "burst": 5, "burst": 9}}})"
            << "routes.GET /v1/products.burst";
        QTest::newRow("cache") << "PUT"
                               << "/v1/cache"
                               << R"({"capacity": 10, "capacity": 0, "ttl_ms": 5})"
                               << "capacity";
        QTest::newRow("loadtests") << "POST"
                                   << "/v1/loadtests"
                                   << R"({"scenario": "smoke", "scenario": "soak"})"
                                   << "scenario";
    }
    void duplicate_keys_are_400_naming_the_key() {
        QFETCH(QString, method);
        QFETCH(QString, path);
        QFETCH(QString, body);
        QFETCH(QString, field);
        AgentClient op(server_.admin_url().toStdString(), server_.token("operator").toStdString());
        const auto before = op.request("GET", path == "/v1/loadtests" ? "/v1/canary" : path.toStdString());
        const auto r = op.request(method.toStdString(), path.toStdString(), body.toStdString());
        QCOMPARE(r.status, 400L);
        const auto p = Problem::parse(r.body);
        QVERIFY2(p && !p->errors.empty(), r.body.c_str());
        QCOMPARE(QString::fromStdString(p->errors[0].field), field);
        QCOMPARE(QString::fromStdString(p->errors[0].message), QStringLiteral("duplicate key"));
        // No state change.
        const auto after = op.request("GET", path == "/v1/loadtests" ? "/v1/canary" : path.toStdString());
        QCOMPARE(after.body, before.body);
    }

    void orders_are_strict_json_with_the_exact_media_type_data() {
        QTest::addColumn<QString>("content_type");
        QTest::addColumn<QString>("body");
        QTest::addColumn<int>("status");
        const QString ok = R"({"items": [{"product_id": 1, "quantity": 1}]})";
        QTest::newRow("json") << "application/json" << ok << 201;
        QTest::newRow("json charset, upper case") << "Application/JSON; charset=utf-8" << ok << 201;
        QTest::newRow("jsonx") << "application/jsonx" << ok << 415;
        QTest::newRow("json-patch") << "application/json-patch+json" << ok << 415;
        QTest::newRow("text") << "text/plain" << ok << 415;
        QTest::newRow("duplicate quantity")
            << "application/json"
            << R"({"items": [{"product_id": 1, "quantity": 1, "quantity": 900}]})" << 400;
        QTest::newRow("deep nesting") << "application/json" << QString(200, '[') + QString(200, ']') << 400;
    }
    void orders_are_strict_json_with_the_exact_media_type() {
        QFETCH(QString, content_type);
        QFETCH(QString, body);
        QFETCH(int, status);
        const auto r = test::http_request(port_of(server_.api_url()), "POST", "/v1/orders",
                                          {{"Content-Type", content_type.toStdString()}}, body.toStdString());
        QVERIFY2(r.ok, r.error.c_str());
        QVERIFY2(r.status == status, (std::to_string(r.status) + " " + r.body).c_str());
        if (status == 400 && body.contains("quantity\": 900"))
            QVERIFY2(r.body.find("items[0].quantity") != std::string::npos, r.body.c_str());
    }

    // Both CLIs used to die of a stack overflow in the JSON serializer on deep nesting.
    void deep_nesting_is_one_line_not_a_crash() {
        QTemporaryDir dir;
        const QString limits = write(dir, "limits.json", std::string(100'000, '['));
        Run r = run("app/redlinectl",
                    {"--agent", server_.admin_url(), "--token-file", server_.data_dir() + "/operator.token",
                     "limits", "set", "--file", limits});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("nesting deeper than 64 levels"), qPrintable(r.err));
        std::string nested;
        for (int i = 0; i < 70'000; ++i)
            nested += "{\"a\":";
        const QString sc = write(dir, "deep.json",
                                 R"({"name":"deep","executor":"constant-vus","vus":1,"duration_s":1,
                                    "requests":[{"method":"POST","path":"/v1/orders","body":)" +
                                     nested);
        r = run("app/redline-load", {"validate", sc});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("nesting deeper than 64 levels"), qPrintable(r.err));
        const QString dup = write(dir, "dup.json",
                                  R"({"name":"dup","name":"other","executor":"constant-vus","vus":1,
                                     "duration_s":1,"requests":[{"path":"/"}]})");
        r = run("app/redline-load", {"validate", dup});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("name: duplicate key"), qPrintable(r.err));
    }

    void cli_values_get_one_line_and_the_documented_code() {
        QTemporaryDir dir;
        const QString op = server_.data_dir() + "/operator.token";
        // 0x10 used to be taken as 16 %.
        Run r = run("app/redlinectl", {"--agent", server_.admin_url(), "--token-file", op, "canary", "set",
                                       "--weight", "0x10"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("decimal number"), qPrintable(r.err));
        // A malformed agent URL is a usage error.
        r = run("app/redlinectl", {"--agent", "http://[::1", "status"});
        QCOMPARE(r.code, 2);
        // Token files: large, a directory, binary, empty: one line each, nothing sent.
        const QString big = write(dir, "big.token", std::string(10 * 1024 * 1024, 'a'));
        const QString bin = write(dir, "bin.token", std::string("abc\x01\x02\xff", 6));
        const QString empty = write(dir, "empty.token", "\n");
        const std::pair<QString, QString> cases[] = {{big, "bytes"},
                                                     {dir.path(), "is a directory"},
                                                     {bin, "cannot be in a token"},
                                                     {empty, "is empty"}};
        for (const auto& [file, says] : cases) {
            r = run("app/redlinectl", {"--agent", server_.admin_url(), "--token-file", file, "status"});
            QCOMPARE(r.code, 1);
            QVERIFY2(r.err.contains(says), qPrintable(r.err));
            QCOMPARE(r.err.count('\n'), 1);
        }
    }

    void cleanupTestCase() { server_.stop(); }
};

QTEST_GUILESS_MAIN(TestStrictInput)
#include "tst_strict_input.moc"
