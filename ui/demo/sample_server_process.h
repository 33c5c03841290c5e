// Runs redline-sample-server as a child process: starts it on port 0, parses its REDLINE_READY line, and
// stops it cleanly (SIGTERM, then kill after a deadline). Used by `redline --demo` and the GUI tests.
//
// Threading: GUI (or test main) thread only; QProcess signals arrive on that thread.
#pragma once

#include <QObject>
#include <QProcess>
#include <QString>
#include <QTimer>

namespace redline::ui {

class SampleServerProcess : public QObject {
    Q_OBJECT
  public:
    explicit SampleServerProcess(QObject* parent = nullptr);
    ~SampleServerProcess() override;

    /// Finds the binary: $REDLINE_SAMPLE_SERVER, next to the executable, in the build tree, then PATH.
    static QString findBinary();
    /// Starts the server with --listen/--admin-listen 127.0.0.1:<port> (0 = any) --data-dir dataDir.
    void start(const QString& dataDir, quint16 apiPort = 0, quint16 adminPort = 0,
               const QStringList& extra = {});
    /// SIGTERM, wait up to timeout_ms, then SIGKILL. Returns true when it exited by itself.
    bool stop(int timeout_ms = 5000);
    /// Kills at once (tests simulate a crash).
    void kill();
    bool running() const { return proc_.state() != QProcess::NotRunning; }
    bool isReady() const { return ready_; }

    QString apiUrl() const { return api_; }
    QString adminUrl() const { return admin_; }
    QString dataDir() const { return data_dir_; }
    QString operatorTokenFile() const { return data_dir_ + QStringLiteral("/operator.token"); }
    QString viewerTokenFile() const { return data_dir_ + QStringLiteral("/viewer.token"); }
    quint16 adminPort() const;
    quint16 apiPort() const;
    qint64 pid() const { return proc_.processId(); }

    /// Parses "REDLINE_READY api=... admin=... data_dir=..."; false when the line is not a READY line.
    static bool parseReadyLine(const QString& line, QString* api, QString* admin, QString* dataDir);

  signals:
    void ready(const QString& apiUrl, const QString& adminUrl);
    void failed(const QString& reason);
    void exited(int code);

  private:
    void onStdout();

    QProcess proc_;
    QTimer startup_;
    QByteArray buf_;
    bool ready_ = false;
    bool stopping_ = false;
    QString api_, admin_, data_dir_;
};

}  // namespace redline::ui
