// Test-only HTTPS/1.1 server for the load engine's https tests (header-only, Boost.Beast over Boost.Asio
// SSL): binds 127.0.0.1:0 and serves keep-alive on one io_context thread with the given PEM certificate and
// key. Every response is 200 "ok". It records what a TLS client shows it: the SNI name of every handshake (""
// when the client sent none) and how many handshakes resumed a session (SSL_session_reused on the server
// side).
//   close_every N          after N requests on a connection answer "Connection: close" and close it
//   tls_handshakes_limit K after K handshakes, answer every new connection with plain-text bytes instead of a
//                          TLS ServerHello (the client's handshake fails: a TLS error during the run)
// Certificates come from make_test_pki() (the openssl CLI, at test time).
// Threading: counters are atomics, the names list is guarded; the server runs on its own thread.
#pragma once

#include <openssl/ssl.h>

#include <QProcess>
#include <QStandardPaths>
#include <QString>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace redline::test {

/// Files of a throw-away PKI in `dir`: a CA, a server certificate it signed for DNS:localhost only, and a
/// self-signed certificate for localhost and 127.0.0.1.
struct TestPki {
    QString ca_cert;
    QString server_cert, server_key;  // signed by the CA, subjectAltName DNS:localhost
    QString self_cert, self_key;      // self-signed, subjectAltName DNS:localhost, IP:127.0.0.1
};

/// Makes the PKI with the openssl CLI (P-256 keys, valid 2 days). False and *error on failure.
inline bool make_test_pki(const QString& dir, TestPki& out, QString* error) {
    const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
    if (openssl.isEmpty()) {
        *error = QStringLiteral("the openssl CLI is not installed (Debian package openssl)");
        return false;
    }
    auto run = [&](const QStringList& args) {
        QProcess p;
        p.setWorkingDirectory(dir);
        p.start(openssl, args);
        if (!p.waitForFinished(60'000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
            *error = "openssl " + args.join(' ') + ": " + QString::fromUtf8(p.readAllStandardError());
            return false;
        }
        return true;
    };
    const QStringList ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"};
    std::ofstream((dir + "/server.ext").toStdString())
        << "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n";
    if (!run(
            QStringList{"req", "-x509"} + ec +
            QStringList{"-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Redline test CA"}))
        return false;
    if (!run(QStringList{"req"} + ec +
             QStringList{"-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"}))
        return false;
    if (!run({"x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
              "-out", "server.pem", "-days", "2", "-extfile", "server.ext"}))
        return false;
    if (!run(QStringList{"req", "-x509"} + ec +
             QStringList{"-keyout", "self.key", "-out", "self.pem", "-days", "2", "-subj", "/CN=localhost",
                         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"}))
        return false;
    out.ca_cert = dir + "/ca.pem";
    out.server_cert = dir + "/server.pem";
    out.server_key = dir + "/server.key";
    out.self_cert = dir + "/self.pem";
    out.self_key = dir + "/self.key";
    return true;
}

class TlsTestServer {
  public:
    struct Options {
        std::string cert_file, key_file;
        int close_every = 0;            // 0 = keep connections open
        int tls_handshakes_limit = -1;  // -1 = no limit
    };

    explicit TlsTestServer(Options o)
        : opt_(std::move(o)),
          ctx_(boost::asio::ssl::context::tls_server),
          acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
        ctx_.use_certificate_chain_file(opt_.cert_file);
        ctx_.use_private_key_file(opt_.key_file, boost::asio::ssl::context::pem);
        accept();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~TlsTestServer() {
        ioc_.stop();
        thread_.join();
    }
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    std::vector<std::string> server_names() const {
        std::lock_guard lk(mu_);
        return names_;
    }

    std::atomic<std::uint64_t> connections{0};
    std::atomic<std::uint64_t> handshakes{0};  // completed
    std::atomic<std::uint64_t> resumed{0};
    std::atomic<std::uint64_t> requests{0};

  private:
    using tcp = boost::asio::ip::tcp;

    struct Session : std::enable_shared_from_this<Session> {
        Session(TlsTestServer& s, tcp::socket sock) : srv(s), stream(std::move(sock), s.ctx_) {}
        TlsTestServer& srv;
        boost::asio::ssl::stream<tcp::socket> stream;
        boost::beast::flat_buffer buf;
        boost::beast::http::request<boost::beast::http::string_body> req;
        boost::beast::http::response<boost::beast::http::string_body> res;
        int served = 0;
        std::string plain;

        void start() {
            const auto n = srv.connections.fetch_add(1);
            if (srv.opt_.tls_handshakes_limit >= 0 && n >= std::uint64_t(srv.opt_.tls_handshakes_limit)) {
                plain = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                boost::asio::async_write(stream.next_layer(), boost::asio::buffer(plain),
                                         [self = shared_from_this()](boost::system::error_code, std::size_t) {
                                             boost::system::error_code ignore;
                                             self->stream.next_layer().close(ignore);
                                         });
                return;
            }
            stream.async_handshake(boost::asio::ssl::stream_base::server,
                                   [self = shared_from_this()](boost::system::error_code ec) {
                                       if (ec) return;
                                       self->on_handshake();
                                   });
        }
        void on_handshake() {
            SSL* ssl = stream.native_handle();
            const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
            {
                std::lock_guard lk(srv.mu_);
                srv.names_.emplace_back(name ? name : "");
            }
            if (SSL_session_reused(ssl)) srv.resumed++;
            srv.handshakes++;
            read();
        }
        void read() {
            req = {};
            boost::beast::http::async_read(
                stream, buf, req, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                    if (ec) return;
                    self->handle();
                });
        }
        void handle() {
            namespace http = boost::beast::http;
            srv.requests++;
            ++served;
            const bool last = srv.opt_.close_every > 0 && served >= srv.opt_.close_every;
            res = {};
            res.version(11);
            res.result(http::status::ok);
            res.keep_alive(req.keep_alive() && !last);
            res.body() = "ok\n";
            res.prepare_payload();
            http::async_write(stream, res,
                              [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                                  if (ec) return;
                                  if (!self->res.keep_alive()) {
                                      self->stream.async_shutdown([self](boost::system::error_code) {
                                          boost::system::error_code ignore;
                                          self->stream.next_layer().close(ignore);
                                      });
                                      return;
                                  }
                                  self->read();
                              });
        }
    };

    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
            if (ec) return;
            std::make_shared<Session>(*this, std::move(s))->start();
            accept();
        });
    }

    Options opt_;
    boost::asio::io_context ioc_;
    boost::asio::ssl::context ctx_;
    tcp::acceptor acceptor_;
    mutable std::mutex mu_;
    std::vector<std::string> names_;
    std::thread thread_;
};

}  // namespace redline::test
