// The load engine's TLS side for https:// targets (Boost.Asio SSL on OpenSSL): one client context per run,
// shared by all workers (OpenSSL contexts are thread-safe for creating connections), and the per-connection
// set-up every handshake gets:
//   - verification ON by default: the chain against the system trust store (SSL_CTX_set_default_verify_paths,
//     which also honours SSL_CERT_FILE / SSL_CERT_DIR) or only against --cacert FILE when given;
//   - the host name (or IP literal) of the target checked against the certificate by OpenSSL itself
//     (X509_VERIFY_PARAM host/IP, RFC 6125 rules, no partial wildcards) — the same checks as Boost 1.74's
//     ssl::host_name_verification, but failures keep OpenSSL's reason ("hostname mismatch");
//   - SNI with the host name (never for IP literals, RFC 6066);
//   - ALPN "http/1.1" (the only protocol the engine speaks);
//   - TLS 1.2 at least.
// insecure_skip_verify turns off the chain and name checks (SNI stays).
//
// Threading: TlsClient is immutable after create(); prepare() may be called from any worker thread.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace redline::load {

struct TlsSettings {
    std::string host;  // target host as written (name or IP literal without brackets)
    bool insecure = false;
    std::string ca_file;  // PEM bundle to trust instead of the system store; empty = system store
};

class TlsClient {
  public:
    /// Builds the context; nullptr and *error when the CA file cannot be used.
    static std::shared_ptr<TlsClient> create(const TlsSettings& settings, std::string* error);

    boost::asio::ssl::context& context() { return ctx_; }
    const TlsSettings& settings() const { return settings_; }
    /// Sets SNI, the expected name and (when non-null) the session to resume on a new connection's SSL.
    /// False when OpenSSL refuses one of them (*error says which).
    bool prepare(SSL* ssl, SSL_SESSION* resume, std::string* error) const;

  private:
    explicit TlsClient(TlsSettings s);
    TlsSettings settings_;
    boost::asio::ssl::context ctx_;
    bool ip_literal_ = false;
};

/// Checks that `path` is a readable PEM file with at least one certificate; empty string when it is, else the
/// reason ("cannot read ...: No such file or directory", "no PEM certificate in ...").
std::string check_ca_file(const std::string& path);

/// A readable reason for a failed handshake or TLS read/write: OpenSSL's reason, and for a failed
/// verification also the verification result ("certificate verify failed: self-signed certificate").
std::string describe_tls_error(const boost::system::error_code& ec, SSL* ssl);

/// True for errors of the TLS layer itself (handshake, bad record, alert) as opposed to the socket under it
/// or a peer that closed without close_notify.
bool is_tls_error(const boost::system::error_code& ec);

/// One connect + handshake to the first endpoint that accepts, with a timeout, before the run starts, so a
/// certificate the run would refuse is one clear error instead of a run of failed requests. Empty on
/// success, else "TLS handshake with 127.0.0.1:8443 failed: certificate verify failed: ...".
std::string tls_preflight(TlsClient& tls, const std::vector<boost::asio::ip::tcp::endpoint>& endpoints,
                          std::chrono::milliseconds timeout);

}  // namespace redline::load
