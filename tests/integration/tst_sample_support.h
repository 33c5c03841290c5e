// Helpers shared by the tst_sample_* integration tests: start the real redline-sample-server on port 0 in a
// temporary data dir, talk HTTP/1.1 keep-alive to its API (with custom request headers and full access to the
// response headers, which AgentClient does not expose), and poll the agent's snapshot.
// Threading: a SampleHttp connection belongs to one thread; everything else runs on the test's main thread.
#pragma once

#include <QDir>
#include <QString>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/agent_client.h"
#include "core/snapshot.h"
#include "tests/support/child_process.h"

namespace redline::test {

struct SampleReply {
    int status = 0;  // 0 = transport error
    std::string error;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;

    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
    nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

/// A keep-alive HTTP/1.1 connection to the sample API ("http://127.0.0.1:PORT"), reconnecting when closed.
class SampleHttp {
  public:
    explicit SampleHttp(const QString& base_url) {
        const QString rest = base_url.mid(base_url.indexOf(QStringLiteral("//")) + 2);
        host_ = rest.section(QLatin1Char(':'), 0, 0).toStdString();
        port_ = rest.section(QLatin1Char(':'), 1, 1).toStdString();
    }

    SampleReply request(const std::string& method, const std::string& target, const std::string& body = {},
                        const Headers& headers = {}, const std::string& content_type = "application/json") {
        namespace http = boost::beast::http;
        SampleReply r;
        for (int attempt = 0; attempt < 2; ++attempt) {
            try {
                if (!socket_) connect();
                http::request<http::string_body> req(http::string_to_verb(method), target, 11);
                req.set(http::field::host, host_);
                for (const auto& [k, v] : headers)
                    req.set(k, v);
                if (!body.empty() || method == "POST") {
                    req.set(http::field::content_type, content_type);
                    req.body() = body;
                    req.prepare_payload();
                }
                http::write(*socket_, req);
                boost::beast::flat_buffer buf;
                http::response_parser<http::string_body> parser;
                parser.body_limit(64 << 20);
                http::read(*socket_, buf, parser);
                auto& res = parser.get();
                r.status = static_cast<int>(res.result_int());
                for (const auto& f : res) {
                    std::string name(f.name_string());
                    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
                    r.headers[name] = std::string(f.value());
                }
                r.body = res.body();
                if (!res.keep_alive()) socket_.reset();
                return r;
            } catch (const std::exception& e) {
                socket_.reset();
                r = SampleReply{};
                r.error = e.what();
            }
        }
        return r;
    }
    SampleReply get(const std::string& target, const Headers& headers = {}) {
        return request("GET", target, {}, headers);
    }

  private:
    void connect() {
        socket_ = std::make_unique<boost::asio::ip::tcp::socket>(ioc_);
        boost::asio::ip::tcp::resolver resolver(ioc_);
        boost::asio::connect(*socket_, resolver.resolve(host_, port_));
        socket_->set_option(boost::asio::ip::tcp::no_delay(true));
    }

    boost::asio::io_context ioc_;
    std::unique_ptr<boost::asio::ip::tcp::socket> socket_;
    std::string host_, port_;
};

/// A running redline-sample-server with its own temporary data dir (or a given one, for restarts).
class SampleServerProcess {
  public:
    bool start(const QStringList& extra = {}, int products = 1200, const QString& data_dir = {}) {
        if (!data_dir.isEmpty())
            data_dir_ = data_dir;
        else
            data_dir_ = tmp_.path() + QStringLiteral("/data");
        QStringList args = {QStringLiteral("--listen"),        QStringLiteral("127.0.0.1:0"),
                            QStringLiteral("--admin-listen"),  QStringLiteral("127.0.0.1:0"),
                            QStringLiteral("--data-dir"),      data_dir_,
                            QStringLiteral("--threads"),       QStringLiteral("2"),
                            QStringLiteral("--seed-products"), QString::number(products)};
        args += extra;
        QString error;
        if (!proc_.start(ChildProcess::binary(QStringLiteral("agents/sample_server/redline-sample-server")),
                         args, 30000, &error)) {
            qWarning("%s", qPrintable(error));
            return false;
        }
        admin_ = std::make_unique<AgentClient>(proc_.admin_url().toStdString(),
                                               proc_.token(QStringLiteral("operator")).toStdString());
        return true;
    }
    int stop(int timeout_ms = 15000) { return proc_.stop(timeout_ms); }

    ChildProcess& proc() { return proc_; }
    QString api_url() const { return proc_.api_url(); }
    QString data_dir() const { return data_dir_; }
    AgentClient& admin() { return *admin_; }

    /// Polls the agent's 60 s snapshot until pred holds (recording closes an epoch each second).
    std::optional<Snapshot> wait_snapshot(const std::function<bool(const Snapshot&)>& pred,
                                          int timeout_ms = 8000) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        std::optional<Snapshot> last;
        while (std::chrono::steady_clock::now() < until) {
            auto r = admin_->snapshot(60);
            if (r.ok()) {
                last = *r.value;
                if (pred(*last)) return last;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return std::nullopt;
    }

  private:
    QTemporaryDir tmp_;
    QString data_dir_;
    ChildProcess proc_;
    std::unique_ptr<AgentClient> admin_;
};

/// The series of a snapshot for "METHOD /route" and version, or a zero series.
inline SeriesSnapshot series_of(const Snapshot& s, const std::string& id, const std::string& version) {
    for (const auto& x : s.series)
        if (x.id() == id && x.version == version) return x;
    return {};
}

/// Sums a field over both versions of a route.
inline std::uint64_t route_sum(const Snapshot& s, const std::string& id,
                               const std::function<std::uint64_t(const SeriesSnapshot&)>& field) {
    std::uint64_t n = 0;
    for (const auto& x : s.series)
        if (x.id() == id) n += field(x);
    return n;
}

}  // namespace redline::test
