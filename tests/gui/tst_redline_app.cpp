// The `redline` executable itself, run as a user runs it (offscreen platform, HOME and XDG dirs in a
// temporary directory): `redline --demo` starts its sample server, and however the dashboard ends, that
// server does not outlive it: Ctrl+C / SIGTERM close the window cleanly (settings saved, server drained, exit
// 0), and a SIGKILL of the dashboard makes the kernel stop the server (PR_SET_PDEATHSIG).
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>

#include "tests/support/child_process.h"
#include "tests/support/raw_http.h"

using redline::test::ChildProcess;
using redline::test::RawConnection;

class TestRedlineApp : public QObject {
    Q_OBJECT
  private slots:
    void terminationSignalsStopTheDemoCleanly_data();
    void terminationSignalsStopTheDemoCleanly();
    void killedDashboardTakesItsServerAlong();

  private:
    // Starts `redline --demo` and returns the demo server's API port (0 on failure, with the output in *log).
    std::uint16_t startDemo(QProcess& p, const QTemporaryDir& home, QByteArray* log);
    static bool portOpen(std::uint16_t port) {
        RawConnection c;
        return c.connect(port, 1000);
    }
    static bool waitPortClosed(std::uint16_t port, int timeout_ms) {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeout_ms) {
            if (!portOpen(port)) return true;
            QTest::qWait(100);
        }
        return false;
    }
};

std::uint16_t TestRedlineApp::startDemo(QProcess& p, const QTemporaryDir& home, QByteArray* log) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("HOME", home.path());
    env.insert("XDG_CONFIG_HOME", home.filePath("config"));
    env.insert("XDG_CACHE_HOME", home.filePath("cache"));
    env.insert("XDG_RUNTIME_DIR", home.path());
    env.insert("QT_QPA_PLATFORM", "offscreen");
    env.insert("REDLINE_SAMPLE_SERVER", ChildProcess::binary("agents/sample_server/redline-sample-server"));
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(ChildProcess::binary("app/redline"), {"--demo"});
    if (!p.waitForStarted(10000)) return 0;
    static const QRegularExpression ready(
        QStringLiteral("sample server ready: api=http://127\\.0\\.0\\.1:(\\d+)"));
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 60000 && p.state() == QProcess::Running) {
        p.waitForReadyRead(200);
        *log += p.readAll();
        const auto m = ready.match(QString::fromUtf8(*log));
        if (m.hasMatch()) return static_cast<std::uint16_t>(m.captured(1).toUInt());
    }
    return 0;
}

void TestRedlineApp::terminationSignalsStopTheDemoCleanly_data() {
    QTest::addColumn<int>("sig");
    QTest::newRow("SIGINT (Ctrl+C)") << SIGINT;
    QTest::newRow("SIGTERM") << SIGTERM;
}

void TestRedlineApp::terminationSignalsStopTheDemoCleanly() {
    QFETCH(int, sig);
    QTemporaryDir home;
    QProcess p;
    QByteArray log;
    const std::uint16_t port = startDemo(p, home, &log);
    QVERIFY2(port != 0, log.constData());
    QVERIFY(portOpen(port));
    QTest::qWait(1500);  // background traffic running
    ::kill(static_cast<pid_t>(p.processId()), sig);
    QVERIFY2(p.waitForFinished(20000), log.constData());
    log += p.readAll();
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
    QVERIFY2(log.contains("demo sample server stopped\n") || log.contains("demo sample server stopped\r\n"),
             log.constData());  // drained, not "(killed)"
    QVERIFY(!portOpen(port));
    // The window was closed like by its close button: the settings file was written.
    QVERIFY(QFile::exists(home.filePath("config/redline/redline.conf")));
}

void TestRedlineApp::killedDashboardTakesItsServerAlong() {
    QTemporaryDir home;
    QProcess p;
    QByteArray log;
    const std::uint16_t port = startDemo(p, home, &log);
    QVERIFY2(port != 0, log.constData());
    QVERIFY(portOpen(port));
    p.kill();  // SIGKILL: no handler runs in the dashboard
    QVERIFY(p.waitForFinished(10000));
    QVERIFY2(waitPortClosed(port, 15000), "the demo sample server outlived a killed dashboard");
}

QTEST_GUILESS_MAIN(TestRedlineApp)
#include "tst_redline_app.moc"
