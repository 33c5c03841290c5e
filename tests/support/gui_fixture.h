// GUI test helpers: a real redline-sample-server child on port 0 and a Dashboard connected to it, as every
// tests/gui test starts them. Header-only: tests/support's library is linked into every test, but only the
// gui tests link redline::ui.
//
// Threading: the test's main thread (they spin the event loop while waiting).
#pragma once

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QStringList>
#include <QTest>
#include <QWidget>
#include <memory>

#include "ui/demo/sample_server_process.h"
#include "ui/session/dashboard.h"

namespace redline::test {

/// With REDLINE_SCREENSHOT_DIR set (and REDLINE_THEME=dark|light, QT_SCALE_FACTOR as wished), keeps a PNG of
/// `w` named <name>-<theme>[-<scale>x].png there to look at; without it, does nothing.
inline void shot(QWidget* w, const QString& name) {
    const QString dir = qEnvironmentVariable("REDLINE_SCREENSHOT_DIR");
    if (dir.isEmpty()) return;
    QString file = dir + '/' + name + '-' + qEnvironmentVariable("REDLINE_THEME", "system");
    if (qEnvironmentVariableIsSet("QT_SCALE_FACTOR"))
        file += '-' + qEnvironmentVariable("QT_SCALE_FACTOR") + 'x';
    QVERIFY(w->grab().save(file + ".png"));
}

/// Starts (or restarts, on the same data and ports) redline-sample-server as `s` and waits until it printed
/// its ready line (60 s). api/admin 0 = any free port.
inline bool startAndWait(ui::SampleServerProcess& s, const QString& data_dir, int seed_products = 200,
                         int threads = 2, quint16 api = 0, quint16 admin = 0) {
    QSignalSpy ready(&s, &ui::SampleServerProcess::ready);
    s.start(data_dir, api, admin,
            {"--seed-products", QString::number(seed_products), "--threads", QString::number(threads)});
    if (!ready.wait(60000) && ready.count() == 0) return false;
    return s.adminPort() > 0;
}

/// A new redline-sample-server with its data in `data_dir`, ready; null when it did not start.
inline std::unique_ptr<ui::SampleServerProcess> startSampleServer(const QString& data_dir,
                                                                  int seed_products = 200, int threads = 2,
                                                                  quint16 api = 0, quint16 admin = 0) {
    if (ui::SampleServerProcess::findBinary().isEmpty()) return nullptr;
    auto s = std::make_unique<ui::SampleServerProcess>();
    if (!startAndWait(*s, data_dir, seed_products, threads, api, admin)) return nullptr;
    return s;
}

/// Adds the server's agent (operator token) under `name`; returns its id.
inline QString addAgent(ui::Dashboard& d, const QString& name, const ui::SampleServerProcess& s) {
    ui::AgentConfig c;
    c.name = name;
    c.url = s.adminUrl();
    c.tokenFile = s.operatorTokenFile();
    return d.addAgent(c);
}

/// Spins the event loop until the agent's stream is live (false after timeout_ms).
inline bool waitLive(ui::Dashboard& d, const QString& id, int timeout_ms = 20000) {
    QElapsedTimer t;
    t.start();
    while (d.agentsModel()->stateOf(id) != StreamState::Live) {
        if (t.elapsed() > timeout_ms) return false;
        QTest::qWait(20);
    }
    return true;
}

}  // namespace redline::test
