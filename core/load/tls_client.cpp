#include "core/load/tls_client.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace redline::load {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

namespace {
constexpr std::uintmax_t kMaxCaFileBytes = 16u << 20;
}  // namespace

TlsClient::TlsClient(TlsSettings s) : settings_(std::move(s)), ctx_(ssl::context::tls_client) {
    boost::system::error_code ec;
    asio::ip::make_address(settings_.host, ec);
    ip_literal_ = !ec;
}

std::shared_ptr<TlsClient> TlsClient::create(const TlsSettings& settings, std::string* error) {
    auto fail = [&](std::string m) -> std::shared_ptr<TlsClient> {
        if (error) *error = std::move(m);
        return nullptr;
    };
    if (!settings.ca_file.empty()) {
        if (auto why = check_ca_file(settings.ca_file); !why.empty()) return fail(why);
    }
    std::shared_ptr<TlsClient> t(new TlsClient(settings));
    SSL_CTX* ctx = t->ctx_.native_handle();
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    // Sessions are kept by each worker (Worker::Conn) and handed to prepare(); no internal client cache.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof kAlpn);
    if (settings.insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
        return t;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    if (!settings.ca_file.empty()) {
        if (SSL_CTX_load_verify_locations(ctx, settings.ca_file.c_str(), nullptr) != 1)
            return fail("--cacert " + settings.ca_file + ": OpenSSL cannot load it as a PEM CA bundle");
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        return fail("cannot load the system trust store (SSL_CTX_set_default_verify_paths)");
    }
    ERR_clear_error();
    return t;
}

bool TlsClient::prepare(SSL* ssl, SSL_SESSION* resume, std::string* error) const {
    auto fail = [&](const char* what) {
        if (error) *error = what;
        ERR_clear_error();
        return false;
    };
    // Asio turns on SSL_MODE_RELEASE_BUFFERS: OpenSSL then frees and reallocates its ~34 KiB of record
    // buffers around every record of a keep-alive connection. A load generator keeps them (malloc/free was ~3
    // % of the client's CPU in a perf profile against nginx).
    SSL_clear_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
    // SNI names a host, never an address (RFC 6066 section 3).
    if (!ip_literal_ && SSL_set_tlsext_host_name(ssl, settings_.host.c_str()) != 1)
        return fail("cannot set the TLS server name (SNI)");
    if (!settings_.insecure) {
        X509_VERIFY_PARAM* p = SSL_get0_param(ssl);
        X509_VERIFY_PARAM_set_hostflags(p, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        const int ok = ip_literal_ ? X509_VERIFY_PARAM_set1_ip_asc(p, settings_.host.c_str())
                                   : X509_VERIFY_PARAM_set1_host(p, settings_.host.c_str(), 0);
        if (ok != 1) return fail("cannot set the expected certificate name");
    }
    if (resume && SSL_set_session(ssl, resume) != 1) return fail("cannot set the TLS session to resume");
    return true;
}

std::string check_ca_file(const std::string& path) {
    // Only a regular file of a sane size: a device (/dev/zero) or a FIFO would hang the reader.
    std::error_code fe;
    const auto st = std::filesystem::status(path, fe);
    if (fe) return "cannot read " + path + ": " + fe.message();
    if (!std::filesystem::is_regular_file(st)) return path + " is not a regular file";
    if (std::filesystem::file_size(path, fe) > kMaxCaFileBytes)
        return path + " is larger than 16 MiB: not a CA bundle";
    FILE* f = std::fopen(path.c_str(), "r");
    if (!f) return "cannot read " + path + ": " + std::strerror(errno);
    int n = 0;
    while (X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr)) {
        ++n;
        X509_free(x);
    }
    std::fclose(f);
    ERR_clear_error();  // the loop ends on "no start line"
    if (n == 0) return "no PEM certificate in " + path;
    return {};
}

bool is_tls_error(const boost::system::error_code& ec) {
    if (ec.category() == asio::error::get_ssl_category()) return true;
    return ec.category() == ssl::error::get_stream_category() && ec != ssl::error::stream_truncated;
}

std::string describe_tls_error(const boost::system::error_code& ec, SSL* ssl) {
    if (ec == ssl::error::stream_truncated) return "the server closed the connection without close_notify";
    std::string m;
    if (ec.category() == asio::error::get_ssl_category()) {
        const char* r = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
        m = r ? r : ec.message();
    } else {
        m = ec.message();
    }
    if (ssl) {
        const long v = SSL_get_verify_result(ssl);
        if (v != X509_V_OK) m += std::string(": ") + X509_verify_cert_error_string(v);
    }
    return m;
}

std::string tls_preflight(TlsClient& tls, const std::vector<tcp::endpoint>& endpoints,
                          std::chrono::milliseconds timeout) {
    std::string last = "no endpoint";
    for (const auto& ep : endpoints) {
        asio::io_context ioc;
        tcp::socket sock(ioc);
        ssl::stream<tcp::socket&> stream(sock, tls.context());
        std::string why;
        const std::string where = ep.address().to_string() + ":" + std::to_string(ep.port());
        if (!tls.prepare(stream.native_handle(), nullptr, &why)) return "TLS set-up failed: " + why;
        asio::steady_timer timer(ioc);
        bool timed_out = false, connected = false;
        boost::system::error_code result = asio::error::would_block;
        timer.expires_after(timeout);
        timer.async_wait([&](boost::system::error_code ec) {
            if (ec) return;
            timed_out = true;
            boost::system::error_code ignore;
            sock.close(ignore);
        });
        sock.async_connect(ep, [&](boost::system::error_code ec) {
            if (ec) {
                result = ec;
                timer.cancel();
                return;
            }
            connected = true;
            stream.async_handshake(ssl::stream_base::client, [&](boost::system::error_code hec) {
                result = hec;
                timer.cancel();
            });
        });
        ioc.run();
        if (!result) {
            boost::system::error_code ignore;
            sock.shutdown(tcp::socket::shutdown_both, ignore);
            return {};
        }
        if (timed_out && connected) {
            return "TLS handshake with " + where + " timed out after " +
                   std::to_string(timeout.count() / 1000) + " s";
        } else if (timed_out) {
            last = where + ": connect timed out";
        } else if (connected) {  // the TCP connection worked: this target's TLS is the problem
            return "TLS handshake with " + where + " failed: " +
                   (is_tls_error(result) ? describe_tls_error(result, stream.native_handle())
                                         : result.message() + " (is it an https server?)");
        } else {
            last = where + ": " + result.message();
        }
    }
    return "cannot connect to the target " + last;
}

}  // namespace redline::load
