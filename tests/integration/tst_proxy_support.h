// Helpers shared by the tst_proxy_* integration tests: the real redline-proxy started on port 0 in a
// temporary data dir (ProxyProcess), and a small scripted upstream (TestUpstream) on 127.0.0.1:0 whose
// behaviour is chosen by path, for what the sample server cannot do on purpose: answer slowly (/slow), reset
// the connection after reading a request (/reset), send 1xx interim responses first (/interim), switch
// protocols
// (/switch), send a body of n bytes (/big?n=), and count exactly what reached it (POSTs included) and the
// request fields it saw. Threading: TestUpstream serves on its own threads (one per connection); its counters
// are atomics and the last request is guarded by a mutex. Everything else runs on the test's main thread.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QFile>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <atomic>
#include <chrono>
#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/agent_client.h"
#include "tests/integration/tst_sample_support.h"
#include "tests/support/child_process.h"

namespace redline::test {

class TestUpstream {
  public:
    explicit TestUpstream(std::string name = "test", int slow_ms = 3000)
        : name_(std::move(name)), slow_ms_(slow_ms) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);  // not inherited by the proxy we start
        int one = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::listen(fd_, 512);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        acceptor_ = std::thread([this] { accept_loop(); });
    }
    ~TestUpstream() { stop(); }
    TestUpstream(const TestUpstream&) = delete;
    TestUpstream& operator=(const TestUpstream&) = delete;

    void stop() {
        if (stop_.exchange(true)) return;
        if (acceptor_.joinable()) acceptor_.join();
        ::close(fd_);
        std::lock_guard lock(mu_);
        for (auto& t : conns_)
            if (t.joinable()) t.join();
    }
    std::uint16_t port() const { return port_; }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(port_); }
    std::string last_request() const {
        std::lock_guard lock(mu_);
        return last_;
    }

    std::atomic<int> requests{0};  // every request but health checks
    std::atomic<int> posts{0};
    std::atomic<int> health{0};

  private:
    void accept_loop() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            std::lock_guard lock(mu_);
            conns_.emplace_back([this, c] { serve(c); });
        }
    }

    /// Reads until `until` appears or the upstream stops; false on EOF/stop.
    bool read_until(int c, std::string& buf, std::size_t want_total) {
        char tmp[8192];
        while (buf.size() < want_total && !stop_) {
            pollfd p{c, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const ssize_t n = ::recv(c, tmp, sizeof tmp, 0);
            if (n <= 0) return false;
            buf.append(tmp, static_cast<std::size_t>(n));
        }
        return !stop_;
    }

    void serve(int c) {
        std::string buf;
        while (!stop_) {
            std::size_t end;
            while ((end = buf.find("\r\n\r\n")) == std::string::npos)
                if (!read_until(c, buf, buf.size() + 1)) return (void)::close(c);
            std::string head = buf.substr(0, end + 4);
            std::size_t length = 0;
            std::string lower = head;
            for (auto& ch : lower)
                ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            if (auto p = lower.find("\r\ncontent-length:"); p != std::string::npos)
                length = std::stoul(lower.substr(p + 17));
            if (!read_until(c, buf, end + 4 + length)) return (void)::close(c);
            buf.erase(0, end + 4 + length);
            const std::string line = head.substr(0, head.find("\r\n"));
            const std::string path = line.substr(line.find(' ') + 1, line.rfind(' ') - line.find(' ') - 1);
            if (path == "/healthz") {
                ++health;
                respond(c, 200, "{\"status\":\"ok\"}");
                continue;
            }
            ++requests;
            if (line.rfind("POST ", 0) == 0) ++posts;
            {
                std::lock_guard lock(mu_);
                last_ = head;
            }
            if (path.rfind("/reset", 0) == 0) {
                linger l{1, 0};  // close with RST
                ::setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof l);
                ::close(c);
                return;
            }
            if (path.rfind("/interim", 0) == 0) {  // 1xx interim responses before the final one
                static constexpr char k1xx[] =
                    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>; "
                    "rel=preload\r\n\r\n";
                ::send(c, k1xx, sizeof k1xx - 1, MSG_NOSIGNAL);
            }
            if (path.rfind("/switch", 0) == 0) {  // a protocol switch the proxy does not support
                static constexpr char k101[] =
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\n\r\n";
                ::send(c, k101, sizeof k101 - 1, MSG_NOSIGNAL);
                ::close(c);
                return;
            }
            if (path.rfind("/big?n=", 0) == 0) {  // a Content-Length body of n bytes
                respond(c, 200, std::string(std::stoul(path.substr(7)), 'b'));
                continue;
            }
            if (path.rfind("/slow", 0) == 0) {
                const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(slow_ms_);
                while (!stop_ && std::chrono::steady_clock::now() < until)
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            respond(c, 200, "{\"upstream\":\"" + name_ + "\",\"path\":\"" + path + "\"}",
                    path.rfind("/cached", 0) == 0 ? "Cache-Control: public, max-age=60\r\n" : "");
        }
        ::close(c);
    }

    void respond(int c, int status, const std::string& body, const std::string& extra = {}) {
        const std::string r = "HTTP/1.1 " + std::to_string(status) +
                              " OK\r\nContent-Type: application/json\r\nConnection: keep-alive, X-Hop\r\n"
                              "X-Hop: secret\r\nKeep-Alive: timeout=5\r\nX-Upstream: " +
                              name_ + "\r\n" + extra + "Content-Length: " + std::to_string(body.size()) +
                              "\r\n\r\n" + body;
        ::send(c, r.data(), r.size(), MSG_NOSIGNAL);
    }

    std::string name_;
    int slow_ms_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread acceptor_;
    mutable std::mutex mu_;
    std::list<std::thread> conns_;  // guarded by mu_
    std::string last_;              // guarded by mu_
};

/// A running redline-proxy with its own temporary data dir.
class ProxyProcess {
  public:
    /// `args` are added after --listen/--admin-listen/--data-dir/--threads.
    bool start(const QStringList& args, const QString& config_json = {}) {
        QStringList all = {QStringLiteral("--listen"),       QStringLiteral("127.0.0.1:0"),
                           QStringLiteral("--admin-listen"), QStringLiteral("127.0.0.1:0"),
                           QStringLiteral("--data-dir"),     tmp_.path() + QStringLiteral("/data"),
                           QStringLiteral("--threads"),      QStringLiteral("2")};
        if (!config_json.isEmpty()) {
            const QString path = tmp_.path() + QStringLiteral("/proxy.json");
            QFile f(path);
            if (!f.open(QIODevice::WriteOnly)) return false;
            f.write(config_json.toUtf8());
            f.close();
            all.prepend(path);
            all.prepend(QStringLiteral("--config"));
        }
        all += args;
        QString error;
        if (!proc_.start(binary(), all, 30000, &error)) {
            qWarning("%s", qPrintable(error));
            return false;
        }
        admin_ = std::make_unique<AgentClient>(proc_.admin_url().toStdString(),
                                               proc_.token(QStringLiteral("operator")).toStdString());
        return true;
    }
    /// The proxy with `up` as its only (stable) backend.
    bool start_in_front_of(const TestUpstream& up, const QString& config_json = {}) {
        return start({QStringLiteral("--upstream"), QStringLiteral("stable=") + up.url()}, config_json);
    }
    static QString binary() { return ChildProcess::binary(QStringLiteral("agents/proxy/redline-proxy")); }
    std::uint16_t port() const {
        return static_cast<std::uint16_t>(proc_.api_url().section(QLatin1Char(':'), -1).toUInt());
    }
    QString api_url() const { return proc_.api_url(); }
    ChildProcess& proc() { return proc_; }
    AgentClient& admin() { return *admin_; }
    int stop() { return proc_.stop(); }

    /// Event kinds in the proxy agent's log.
    std::vector<std::string> event_kinds() {
        std::vector<std::string> out;
        auto r = admin_->events(0, 500);
        if (r.ok())
            for (const auto& e : r.value->events)
                out.push_back(e.kind);
        return out;
    }

  private:
    QTemporaryDir tmp_;
    ChildProcess proc_;
    std::unique_ptr<AgentClient> admin_;
};

}  // namespace redline::test
