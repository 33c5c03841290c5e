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
    struct Demo {
        QTemporaryDir home;
        QProcess p;
        QByteArray log;        // everything the dashboard wrote
        std::uint16_t port{};  // the demo server's API port
    };
    // Starts `redline --demo` and waits for its sample server to serve (false on failure, see demo.log).
    static bool startDemo(Demo& demo);
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

bool TestRedlineApp::startDemo(Demo& demo) {
    const QTemporaryDir& home = demo.home;
    QProcess& p = demo.p;
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
    if (!p.waitForStarted(10000)) return false;
    static const QRegularExpression ready(
        QStringLiteral("sample server ready: api=http://127\\.0\\.0\\.1:(\\d+)"));
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 60000 && p.state() == QProcess::Running) {
        p.waitForReadyRead(200);
        demo.log += p.readAll();
        const auto m = ready.match(QString::fromUtf8(demo.log));
        if (m.hasMatch()) {
            demo.port = static_cast<std::uint16_t>(m.captured(1).toUInt());
            return portOpen(demo.port);
        }
    }
    return false;
}

void TestRedlineApp::terminationSignalsStopTheDemoCleanly_data() {
    QTest::addColumn<int>("sig");
    QTest::newRow("SIGINT (Ctrl+C)") << SIGINT;
    QTest::newRow("SIGTERM") << SIGTERM;
}

void TestRedlineApp::terminationSignalsStopTheDemoCleanly() {
    QFETCH(int, sig);
    Demo demo;
    QVERIFY2(startDemo(demo), demo.log.constData());
    QTest::qWait(1500);  // background traffic running
    ::kill(static_cast<pid_t>(demo.p.processId()), sig);
    QVERIFY2(demo.p.waitForFinished(20000), demo.log.constData());
    demo.log += demo.p.readAll();
    QCOMPARE(demo.p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(demo.p.exitCode(), 0);
    QVERIFY2(demo.log.contains("demo sample server stopped\n") ||
                 demo.log.contains("demo sample server stopped\r\n"),
             demo.log.constData());  // drained, not "(killed)"
    QVERIFY(!portOpen(demo.port));
    // The window was closed like by its close button: the settings file was written.
    QVERIFY(QFile::exists(demo.home.filePath("config/redline/redline.conf")));
}

void TestRedlineApp::killedDashboardTakesItsServerAlong() {
    Demo demo;
    QVERIFY2(startDemo(demo), demo.log.constData());
    demo.p.kill();  // SIGKILL: no handler runs in the dashboard
    QVERIFY(demo.p.waitForFinished(10000));
    QVERIFY2(waitPortClosed(demo.port, 15000), "the demo sample server outlived a killed dashboard");
}

QTEST_GUILESS_MAIN(TestRedlineApp)
#include "tst_redline_app.moc"
