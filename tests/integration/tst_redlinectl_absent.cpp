// redlinectl against an idle redline-sample-server (no traffic at all, port 0): a figure that does not exist
// is "—" in `top` and `status`, never 0 ms or 100 % success, and null in `top --json` (issue 10, item 6).
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "tests/support/child_process.h"

using redline::test::ChildProcess;

class TestRedlinectlAbsent : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        ctl_ = ChildProcess::binary("app/redlinectl");
        QVERIFY2(QFile::exists(ctl_), qPrintable(ctl_));
        QString err;
        QVERIFY2(server_.start(ChildProcess::binary("agents/sample_server/redline-sample-server"),
                               {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--data-dir",
                                dir_.path(), "--seed-products", "50", "--threads", "1"},
                               30'000, &err),
                 qPrintable(err));
    }
    void cleanupTestCase() { server_.stop(); }

    void topShowsDashesWithoutTraffic() {
        const QString out = run({"top", "--count", "1", "--interval-ms", "200"});
        const QString total = out.section('\n', 1, 1);
        QVERIFY2(total.startsWith("total 0.0 req/s"), qPrintable(out));
        QVERIFY2(total.contains("success —") && total.contains("p50 —") && total.contains("p99 —"),
                 qPrintable(out));
        QVERIFY2(!total.contains("0.00ms") && !total.contains("100.00%"), qPrintable(out));
    }

    void statusShowsDashesWithoutTraffic() {
        const QString out = run({"status"});
        QVERIFY2(out.contains("success —"), qPrintable(out));
        QVERIFY2(out.contains("latency   p50 —  p95 —  p99 —  p99.9 —  max —"), qPrintable(out));
        QVERIFY2(out.contains("cache hit —"), qPrintable(out));
    }

    void topJsonHasNulls() {
        const QString out = run({"top", "--count", "1", "--interval-ms", "200", "--json"});
        const auto j = nlohmann::json::parse(out.trimmed().toStdString(), nullptr, false);
        QVERIFY2(j.is_object(), qPrintable(out));
        QVERIFY(j["total"]["latency"]["p50_ms"].is_null());
        QVERIFY(j["total"]["error_ratio"].is_null());
        QCOMPARE(j["schema"].get<int>(), 2);
    }

  private:
    QString run(const QStringList& args) {
        QProcess p;
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert("REDLINE_TOKEN", server_.token("viewer"));
        e.remove("REDLINE_AGENT");
        p.setProcessEnvironment(e);
        p.start(ctl_, QStringList{"--agent", server_.admin_url()} + args);
        if (!p.waitForFinished(30'000)) {
            p.kill();
            p.waitForFinished(5000);
        }
        return QString::fromUtf8(p.readAllStandardOutput()) + QString::fromUtf8(p.readAllStandardError());
    }

    QTemporaryDir dir_;
    ChildProcess server_;
    QString ctl_;
};

QTEST_GUILESS_MAIN(TestRedlinectlAbsent)
#include "tst_redlinectl_absent.moc"
