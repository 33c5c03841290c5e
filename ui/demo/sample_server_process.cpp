#include "ui/demo/sample_server_process.h"

#include <spdlog/spdlog.h>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QUrl>
#include <csignal>

#include "core/ready_line.h"
#ifdef __linux__
#include <sys/prctl.h>
#endif

namespace redline::ui {

SampleServerProcess::SampleServerProcess(QObject* parent) : QObject(parent) {
    proc_.setProcessChannelMode(QProcess::SeparateChannels);
    connect(&proc_, &QProcess::readyReadStandardOutput, this, &SampleServerProcess::onStdout);
    connect(&proc_, &QProcess::readyReadStandardError, this, [this] {
        const QByteArray err = proc_.readAllStandardError();
        for (const auto& line : err.split('\n'))
            if (!line.trimmed().isEmpty()) spdlog::debug("sample-server: {}", line.toStdString());
    });
    connect(&proc_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart) {
            startup_.stop();
            emit failed(tr("cannot start %1: %2").arg(proc_.program(), proc_.errorString()));
        }
    });
    connect(&proc_, &QProcess::finished, this, [this](int code, QProcess::ExitStatus) {
        startup_.stop();
        const bool wasReady = ready_;
        ready_ = false;
        if (!stopping_ && !wasReady)
            emit failed(tr("sample server exited with code %1 before it was ready").arg(code));
        emit exited(code);
    });
    startup_.setSingleShot(true);
    connect(&startup_, &QTimer::timeout, this, [this] {
        emit failed(tr("sample server did not print REDLINE_READY within 60 s"));
        stop(2000);
    });
}

SampleServerProcess::~SampleServerProcess() {
    stop(5000);
}

QString SampleServerProcess::findBinary() {
    const QString env = qEnvironmentVariable("REDLINE_SAMPLE_SERVER");
    if (!env.isEmpty()) return env;
    const QString name = QStringLiteral("redline-sample-server");
    QStringList dirs{QCoreApplication::applicationDirPath()};
    const QString binDir = qEnvironmentVariable("REDLINE_BINARY_DIR");
    if (!binDir.isEmpty()) dirs << binDir + QStringLiteral("/agents/sample_server");
    // Build tree: <build>/app/redline, <build>/tests/..., <build>/agents/sample_server/redline-sample-server.
    QDir d(QCoreApplication::applicationDirPath());
    for (int up = 0; up < 3 && d.cdUp(); ++up)
        dirs << d.absoluteFilePath(QStringLiteral("agents/sample_server"));
    for (const auto& dir : dirs) {
        const QFileInfo f(dir + '/' + name);
        if (f.isExecutable()) return f.absoluteFilePath();
    }
    return QStandardPaths::findExecutable(name);
}

void SampleServerProcess::start(const QString& dataDir, quint16 apiPort, quint16 adminPort,
                                const QStringList& extra) {
    stop(2000);
    ready_ = false;
    stopping_ = false;
    buf_.clear();
    data_dir_ = dataDir;
    QDir().mkpath(dataDir);
    const QString bin = findBinary();
    if (bin.isEmpty()) {
        QMetaObject::invokeMethod(
            this, [this] { emit failed(tr("redline-sample-server not found (set REDLINE_SAMPLE_SERVER)")); },
            Qt::QueuedConnection);
        return;
    }
    QStringList args{QStringLiteral("--listen"),       QStringLiteral("127.0.0.1:%1").arg(apiPort),
                     QStringLiteral("--admin-listen"), QStringLiteral("127.0.0.1:%1").arg(adminPort),
                     QStringLiteral("--data-dir"),     dataDir};
    args << extra;
    spdlog::info("starting {} {}", bin.toStdString(), args.join(' ').toStdString());
#ifdef __linux__
    // If the dashboard dies without stopping the server (a crash, SIGKILL), the kernel sends the server
    // SIGTERM and it drains and exits like on a normal stop, instead of living on as an orphan.
    proc_.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
#endif
    proc_.start(bin, args);
    startup_.start(60000);
}

void SampleServerProcess::onStdout() {
    buf_ += proc_.readAllStandardOutput();
    int nl;
    while ((nl = buf_.indexOf('\n')) >= 0) {
        const QString line = QString::fromUtf8(buf_.left(nl)).trimmed();
        buf_.remove(0, nl + 1);
        QString api, admin, dir;
        if (!ready_ && parseReadyLine(line, &api, &admin, &dir)) {
            api_ = api;
            admin_ = admin;
            if (!dir.isEmpty()) data_dir_ = dir;
            ready_ = true;
            startup_.stop();
            spdlog::info("sample server ready: api={} admin={}", api.toStdString(), admin.toStdString());
            emit ready(api_, admin_);
        } else if (!line.isEmpty()) {
            spdlog::debug("sample-server stdout: {}", line.toStdString());
        }
    }
}

bool SampleServerProcess::parseReadyLine(const QString& line, QString* api, QString* admin,
                                         QString* dataDir) {
    const auto r = parse_ready_line(line.toStdString());
    if (!r) return false;
    *api = QString::fromStdString(r->api);
    *admin = QString::fromStdString(r->admin);
    if (dataDir) *dataDir = QString::fromStdString(r->data_dir);
    return QUrl(*admin).isValid();
}

quint16 SampleServerProcess::adminPort() const {
    return static_cast<quint16>(QUrl(admin_).port());
}
quint16 SampleServerProcess::apiPort() const {
    return static_cast<quint16>(QUrl(api_).port());
}

bool SampleServerProcess::stop(int timeout_ms) {
    startup_.stop();
    if (proc_.state() == QProcess::NotRunning) return true;
    stopping_ = true;
    proc_.terminate();  // SIGTERM: the server drains and exits 0
    if (proc_.waitForFinished(timeout_ms)) return true;
    spdlog::warn("sample server did not stop within {} ms; killing it", timeout_ms);
    proc_.kill();
    proc_.waitForFinished(2000);
    return false;
}

void SampleServerProcess::kill() {
    startup_.stop();
    if (proc_.state() == QProcess::NotRunning) return;
    stopping_ = true;
    proc_.kill();
    proc_.waitForFinished(3000);
}

}  // namespace redline::ui
