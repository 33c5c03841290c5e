// Admin server slots cannot be hoarded (issue 9 §2): with 2,000 slow-header (slowloris) connections and 64
// open viewer streams on the admin port, the operator's PUT /v1/canary, GET /healthz and GET /metrics are
// each answered within 1 s, 20 times out of 20.
//
// The attack runs on its own thread with non-blocking sockets: every connection sends a partial request
// (half a request line, or a request line and some headers), then trickles one header byte a second and
// never finishes; a connection the server closes is opened again (a bounded number per pass), as a real
// slowloris tool does. Everything is on 127.0.0.1 and stops by itself (flag, or a hard time cap).
//
// Threading: the test runs on the main thread; the attacker owns its sockets on its own thread and shares
// only atomics with the test.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QtTest>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <thread>

#include "tests/support/agent_fixture.h"
#include "tests/support/raw_http.h"

using namespace redline::test;
using namespace std::chrono_literals;
using redline::agent::Role;
using Clock = std::chrono::steady_clock;

namespace {

class Slowloris {
  public:
    Slowloris(std::uint16_t port, int connections) : port_(port), n_(connections) {}
    ~Slowloris() { stop(); }

    void start() {
        thread_ = std::thread([this] { run(); });
    }
    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    int open_now() const { return open_; }
    long opened() const { return opened_; }
    long closed_by_server() const { return closed_by_server_; }

  private:
    static constexpr int kReconnectsPerPass = 250;
    static constexpr auto kPass = 250ms;
    static constexpr auto kHardCap = 180s;  // the attack stops by itself even if the test never stops it

    int open_one() {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) return -1;
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port_);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
            ::close(fd);
            return -1;
        }
        ++opened_;
        return fd;
    }

    void run() {
        std::vector<int> fds(std::size_t(n_), -1);
        std::vector<int> sent(std::size_t(n_), 0);  // 0: nothing yet, 1: prefix sent
        const auto until = Clock::now() + kHardCap;
        std::uint64_t pass = 0;
        while (!stop_ && Clock::now() < until) {
            int reconnects = 0;
            const bool trickle = pass % 4 == 0;  // one byte a second per connection
            for (std::size_t i = 0; i < fds.size() && !stop_; ++i) {
                int& fd = fds[i];
                if (fd < 0) {
                    if (reconnects >= kReconnectsPerPass) continue;
                    ++reconnects;
                    fd = open_one();
                    sent[i] = 0;
                    if (fd >= 0) ++open_;
                    continue;
                }
                char b;
                ssize_t r = ::recv(fd, &b, 1, MSG_DONTWAIT);
                bool dead = r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN);
                if (!dead) {
                    std::string_view piece;
                    if (sent[i] == 0)
                        piece = i % 2
                                    ? std::string_view("GET /v1/inf")
                                    : std::string_view("GET /v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-");
                    else if (trickle)
                        piece = "a";
                    if (!piece.empty()) {
                        ssize_t s = ::send(fd, piece.data(), piece.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
                        if (s > 0) sent[i] = 1;
                        if (s < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN)
                            dead = true;
                    }
                }
                if (dead) {
                    ::close(fd);
                    fd = -1;
                    --open_;
                    ++closed_by_server_;
                }
            }
            ++pass;
            auto next = Clock::now() + kPass;
            while (!stop_ && Clock::now() < next)
                std::this_thread::sleep_for(10ms);
        }
        for (int fd : fds)
            if (fd >= 0) ::close(fd);
        open_ = 0;
    }

    std::uint16_t port_;
    int n_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<int> open_{0};
    std::atomic<long> opened_{0};
    std::atomic<long> closed_by_server_{0};
};

struct Timed {
    RawResponse response;
    double ms = 0;
};

Timed timed_request(std::uint16_t port, std::string_view method, std::string_view target, const Headers& h,
                    std::string_view body = {}) {
    auto t0 = Clock::now();
    Timed t;
    t.response = http_request(port, method, target, h, body, 3000);
    t.ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    return t;
}

QString summary(std::vector<double> ms) {
    if (ms.empty()) return "none";
    std::sort(ms.begin(), ms.end());
    return QString("n=%1 median=%2 ms max=%3 ms")
        .arg(ms.size())
        .arg(ms[ms.size() / 2], 0, 'f', 1)
        .arg(ms.back(), 0, 'f', 1);
}

}  // namespace

class TestAdminSlots : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        // 2,000 attack sockets here plus the server's side of each, in one process.
        rlimit rl{};
        QCOMPARE(::getrlimit(RLIMIT_NOFILE, &rl), 0);
        if (rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            QCOMPARE(::setrlimit(RLIMIT_NOFILE, &rl), 0);
        }
        if (rl.rlim_cur < 6000)
            QSKIP("RLIMIT_NOFILE hard limit below 6000: cannot run the 2,000-connection attack");
    }

    void operator_is_served_under_slowloris_and_streams() {
        AgentFixture f;
        const std::uint16_t port = f.port();

        // 64 viewer streams, each proven open by its first bytes.
        std::vector<std::unique_ptr<RawConnection>> streams;
        for (int i = 0; i < 64; ++i) {
            auto c = std::make_unique<RawConnection>();
            QVERIFY(c->connect(port));
            QVERIFY(c->send_all(
                build_request("GET", "/v1/stream?interval_ms=1000", f.auth(Role::Viewer), {}, true)));
            std::string got;
            QVERIFY2(c->read_some(got, 5000) > 0, "stream did not start");
            QVERIFY2(got.rfind("HTTP/1.1 200", 0) == 0, got.substr(0, 60).c_str());
            streams.push_back(std::move(c));
        }

        Slowloris attack(port, 2000);
        attack.start();
        // Let the attack build up: 2,000 connections opened (or the cap on reconnects reached).
        for (int i = 0; i < 100 && attack.opened() < 2000; ++i)
            std::this_thread::sleep_for(50ms);
        std::this_thread::sleep_for(1500ms);

        std::vector<double> put_ms, health_ms, metrics_ms;
        int put_ok = 0, health_ok = 0, metrics_ok = 0;
        QStringList failures;
        auto check = [&](const char* what, const Timed& t, int& ok, std::vector<double>& ms) {
            if (t.response.ok && t.response.status == 200 && t.ms < 1000) {
                ++ok;
            } else {
                failures << QString("%1: %2 status=%3 %4 ms")
                                .arg(what, QString::fromStdString(t.response.error))
                                .arg(t.response.status)
                                .arg(t.ms, 0, 'f', 1);
            }
            if (t.response.ok) ms.push_back(t.ms);
        };
        for (int i = 0; i < 20; ++i) {
            std::string body = "{\"weight_percent\": " + std::to_string((i * 5) % 101) + "}";
            Headers h = f.auth(Role::Operator);
            h.emplace_back("Content-Type", "application/json");
            check("PUT /v1/canary", timed_request(port, "PUT", "/v1/canary", h, body), put_ok, put_ms);
            check("GET /healthz", timed_request(port, "GET", "/healthz", {}), health_ok, health_ms);
            check("GET /metrics", timed_request(port, "GET", "/metrics", {}), metrics_ok, metrics_ms);
            std::this_thread::sleep_for(100ms);  // spread the measurements over the churn of the attack
        }
        const int attackers_open = attack.open_now();
        const long attackers_opened = attack.opened();
        attack.stop();

        // The viewer's streams are still alive after the attack.
        int streams_alive = 0;
        for (auto& s : streams) {
            std::string got;
            if (s->read_some(got, 3000) > 0) ++streams_alive;
        }

        qInfo("attack: %d connections open at the end, %ld opened in all, %ld closed by the server",
              attackers_open, attackers_opened, attack.closed_by_server());
        qInfo("PUT /v1/canary: %s", qPrintable(summary(put_ms)));
        qInfo("GET /healthz:   %s", qPrintable(summary(health_ms)));
        qInfo("GET /metrics:   %s", qPrintable(summary(metrics_ms)));
        qInfo("streams alive after the attack: %d of 64", streams_alive);
        if (!failures.isEmpty()) qInfo("failures:\n  %s", qPrintable(failures.mid(0, 10).join("\n  ")));

        QVERIFY2(attackers_opened >= 2000, "the attack never reached 2,000 connections");
        QCOMPARE(put_ok, 20);
        QCOMPARE(health_ok, 20);
        QCOMPARE(metrics_ok, 20);
        QCOMPARE(streams_alive, 64);
        // The canary weight of the last PUT is in force.
        RawResponse canary = http_request(port, "GET", "/v1/canary", f.auth(Role::Viewer));
        QCOMPARE(canary.status, 200);
        QCOMPARE(json_number(parse_json(canary.body), "/weight_percent"), double((19 * 5) % 101));
    }
};

QTEST_GUILESS_MAIN(TestAdminSlots)
#include "tst_admin_slots.moc"
