// Test helper: runs one of our executables as a child process, waits for its start-up line
//   REDLINE_READY api=URL admin=URL data_dir=DIR
// and stops it with SIGTERM (then SIGKILL after a deadline) when the test is done.
// Threading: use from the test's main thread only.
#pragma once

#include <QByteArray>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <cstdint>
#include <memory>

namespace redline::test {

/// A command-line tool run to completion: exit code (-1 when it crashed or did not finish) and its output.
struct CliRun {
    int code = -1;
    QByteArray out, err;
};
/// Runs `program` with `args` in `env` and waits up to timeout_ms; a tool that does not finish is killed
/// (err = "did not finish").
CliRun run_cli(const QString& program, const QStringList& args, const QProcessEnvironment& env,
               int timeout_ms);

class ChildProcess {
  public:
    ChildProcess();
    ~ChildProcess();  // stop()s a running child
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    /// Absolute path of a built executable, relative to the build tree ("agents/redline-agent-demo").
    static QString binary(const QString& relative_path);
    /// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
    static std::uint16_t free_port();

    /// Starts `program` and waits up to timeout_ms for the READY line. On failure returns false, fills *error
    /// with the reason and the child's output, and leaves no child running.
    bool start(const QString& program, const QStringList& args, int timeout_ms = 30'000,
               QString* error = nullptr);
    bool running() const;
    qint64 pid() const;

    QString api_url() const { return api_; }      // "http://127.0.0.1:PORT" (empty for the agent demo)
    QString admin_url() const { return admin_; }  // "http://127.0.0.1:PORT"
    QString data_dir() const { return data_dir_; }
    /// Contents of DATA_DIR/<role>.token ("viewer" or "operator"), trimmed; empty when unreadable.
    QString token(const QString& role) const;

    /// SIGTERM, wait up to timeout_ms, then SIGKILL. Returns the exit code, or -1 when it did not exit
    /// normally.
    int stop(int timeout_ms = 15'000);
    /// SIGKILL at once (a crash, for stale/recovery tests).
    void kill();
    /// Everything the child wrote to stdout so far (stderr is forwarded to the test's stderr).
    QByteArray output();

  private:
    std::unique_ptr<QProcess> proc_;
    QByteArray out_;
    QString api_, admin_, data_dir_;
};

}  // namespace redline::test
