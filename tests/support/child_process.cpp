#include "tests/support/child_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QDeadlineTimer>
#include <QFile>
#include <QRegularExpression>

#include "core/ready_line.h"

#ifndef REDLINE_BINARY_DIR
#define REDLINE_BINARY_DIR ""
#endif

namespace redline::test {

ChildProcess::ChildProcess() = default;
ChildProcess::~ChildProcess() {
    stop();
}

QString ChildProcess::binary(const QString& relative_path) {
    QString dir = qEnvironmentVariable("REDLINE_BINARY_DIR", QStringLiteral(REDLINE_BINARY_DIR));
    return dir + QLatin1Char('/') + relative_path;
}

std::uint16_t ChildProcess::free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    std::uint16_t port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

bool ChildProcess::start(const QString& program, const QStringList& args, int timeout_ms, QString* error) {
    stop();
    out_.clear();
    api_.clear();
    admin_.clear();
    data_dir_.clear();
    proc_ = std::make_unique<QProcess>();
    proc_->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    proc_->start(program, args);
    auto fail = [&](const QString& why) {
        if (error) *error = why + QStringLiteral("; output: ") + QString::fromUtf8(out_);
        if (proc_->state() != QProcess::NotRunning) {
            proc_->kill();
            proc_->waitForFinished(5000);
        }
        proc_.reset();
        return false;
    };
    if (!proc_->waitForStarted(10'000))
        return fail(QStringLiteral("cannot start %1: %2").arg(program, proc_->errorString()));

    QDeadlineTimer deadline(timeout_ms);
    while (!deadline.hasExpired()) {
        out_ += proc_->readAllStandardOutput();
        QList<QByteArray> lines = out_.split('\n');
        lines.removeLast();  // not yet a whole line (empty when out_ ends with a newline)
        for (const QByteArray& line : lines) {
            if (const auto r = redline::parse_ready_line(line.toStdString())) {
                api_ = QString::fromStdString(r->api);
                admin_ = QString::fromStdString(r->admin);
                data_dir_ = QString::fromStdString(r->data_dir).trimmed();
                return true;
            }
        }
        if (proc_->state() == QProcess::NotRunning)
            return fail(QStringLiteral("%1 exited with code %2 before it was ready")
                            .arg(program)
                            .arg(proc_->exitCode()));
        proc_->waitForReadyRead(int(std::min<qint64>(200, std::max<qint64>(1, deadline.remainingTime()))));
    }
    return fail(QStringLiteral("%1 did not print REDLINE_READY within %2 ms").arg(program).arg(timeout_ms));
}

bool ChildProcess::running() const {
    return proc_ && proc_->state() != QProcess::NotRunning;
}
qint64 ChildProcess::pid() const {
    return proc_ ? proc_->processId() : 0;
}

QString ChildProcess::token(const QString& role) const {
    QFile f(data_dir_ + QLatin1Char('/') + role + QStringLiteral(".token"));
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QString::fromUtf8(f.readAll()).trimmed();
}

int ChildProcess::stop(int timeout_ms) {
    if (!proc_) return -1;
    int code = -1;
    if (proc_->state() != QProcess::NotRunning) {
        ::kill(pid_t(proc_->processId()), SIGTERM);
        if (!proc_->waitForFinished(timeout_ms)) {
            proc_->kill();
            proc_->waitForFinished(5000);
        }
    }
    out_ += proc_->readAllStandardOutput();
    if (proc_->exitStatus() == QProcess::NormalExit) code = proc_->exitCode();
    proc_.reset();
    return code;
}

void ChildProcess::kill() {
    if (!proc_) return;
    proc_->kill();
    proc_->waitForFinished(5000);
    out_ += proc_->readAllStandardOutput();
    proc_.reset();
}

QByteArray ChildProcess::output() {
    if (proc_) out_ += proc_->readAllStandardOutput();
    return out_;
}

CliRun run_cli(const QString& program, const QStringList& args, const QProcessEnvironment& env,
               int timeout_ms) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(program, args);
    CliRun r;
    if (!p.waitForStarted(10'000) || !p.waitForFinished(timeout_ms)) {
        p.kill();
        p.waitForFinished(5000);
        r.err = "did not finish";
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

}  // namespace redline::test
