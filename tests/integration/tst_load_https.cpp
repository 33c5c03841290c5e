// redline-load against https:// targets (a real TLS server on 127.0.0.1, certificates made by the openssl CLI
// at test time): verification on by default with one clear error before the run, --insecure, --cacert and
// SSL_CERT_FILE to trust a CA, the host name checked, SNI sent, sessions resumed across reconnects, TLS
// failures during the run counted as transport errors of kind "tls", and the flags' usage errors.
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tst_load_server.h"
#include "tst_tls_server.h"

using redline::test::LoadTestServer;
using redline::test::TestPki;
using redline::test::TlsTestServer;

namespace {

struct Run {
    int code = -1;
    QString out, err;
    nlohmann::json summary;  // --out, when the test asked for it
};

Run run(const QStringList& args, const QProcessEnvironment& env_in = QProcessEnvironment::systemEnvironment(),
        const QString& out = {}) {
    QProcess p;
    QProcessEnvironment env = env_in;
    env.insert("REDLINE_SCENARIO_DIR", QString(REDLINE_SOURCE_DIR) + "/resources/scenarios");
    p.setProcessEnvironment(env);
    QStringList all = args;
    if (!out.isEmpty()) all << "--out" << out;
    p.start(QString::fromUtf8(qgetenv("REDLINE_BINARY_DIR")) + "/app/redline-load", all);
    Run r;
    if (!p.waitForFinished(60'000)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    if (!out.isEmpty()) {
        std::ifstream f(out.toStdString());
        r.summary = nlohmann::json::parse(f, nullptr, false);
    }
    return r;
}

/// A closed-model scenario file against `target`.
QString scenario(QTemporaryDir& dir, const std::string& target, int vus, double duration_s,
                 const std::string& extra = "") {
    const QString path = dir.filePath("https.json");
    std::ofstream(path.toStdString())
        << R"({"name":"https","target":")" << target << R"(","executor":"constant-vus","vus":)" << vus
        << R"(,"duration_s":)" << duration_s << extra << R"(,"requests":[{"path":"/"}]})";
    return path;
}

/// The environment without anything that would make OpenSSL trust the test CA on its own.
QProcessEnvironment clean_env() {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("SSL_CERT_FILE");
    env.remove("SSL_CERT_DIR");
    return env;
}

}  // namespace

class TestLoadHttps : public QObject {
    Q_OBJECT
    QTemporaryDir pki_dir_;
    TestPki pki_;

    TlsTestServer::Options self_signed() const {
        return {pki_.self_cert.toStdString(), pki_.self_key.toStdString()};
    }
    TlsTestServer::Options ca_signed() const {
        return {pki_.server_cert.toStdString(), pki_.server_key.toStdString()};
    }
    static std::string url(const char* host, const TlsTestServer& s) {
        return std::string("https://") + host + ":" + std::to_string(s.port());
    }

  private slots:
    void initTestCase() {
        QString err;
        QVERIFY2(redline::test::make_test_pki(pki_dir_.path(), pki_, &err), qPrintable(err));
    }

    void self_signed_is_refused_before_the_run() {
        TlsTestServer srv(self_signed());
        QTemporaryDir dir;
        const Run r = run({"run", scenario(dir, url("localhost", srv), 2, 1)}, clean_env());
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("TLS handshake with 127.0.0.1:"), qPrintable(r.err));
        QVERIFY2(r.err.contains("certificate verify failed: self-signed certificate"), qPrintable(r.err));
        QCOMPARE(srv.requests.load(), std::uint64_t(0));
        QCOMPARE(srv.handshakes.load(), std::uint64_t(0));
    }

    void insecure_accepts_self_signed() {
        TlsTestServer srv(self_signed());
        QTemporaryDir dir;
        const QString out = dir.filePath("s.json");
        const Run r =
            run({"run", scenario(dir, url("localhost", srv), 2, 1), "--insecure"}, clean_env(), out);
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains("tls        "), qPrintable(r.out));
        QVERIFY(srv.requests.load() > 10);
        QCOMPARE(r.summary["transport_errors"].get<int>(), 0);
        QVERIFY(r.summary["tls"]["handshakes"].get<int>() >= 2);
        // The scenario field does the same as the flag.
        const std::uint64_t before = srv.requests.load();
        const Run f =
            run({"run", scenario(dir, url("localhost", srv), 1, 0.5, R"(,"insecure_skip_verify":true)")},
                clean_env());
        QCOMPARE(f.code, 0);
        QVERIFY(srv.requests.load() > before);
    }

    void no_sni_for_an_ip_literal() {
        TlsTestServer srv(self_signed());
        QTemporaryDir dir;
        const Run r = run({"run", scenario(dir, url("127.0.0.1", srv), 1, 0.5), "--insecure"}, clean_env());
        QCOMPARE(r.code, 0);
        const auto names = srv.server_names();
        QVERIFY(!names.empty());
        for (const auto& n : names)
            QCOMPARE(n, std::string());  // RFC 6066: SNI names hosts, never addresses
    }

    void cacert_trusts_the_ca_sends_sni_and_resumes_sessions() {
        auto o = ca_signed();
        o.close_every = 5;  // reconnects: every VU opens a new connection after 5 requests
        TlsTestServer srv(o);
        QTemporaryDir dir;
        const QString out = dir.filePath("s.json");
        const Run r = run({"run", scenario(dir, url("localhost", srv), 2, 1.5), "--cacert", pki_.ca_cert},
                          clean_env(), out);
        QCOMPARE(r.code, 0);
        QVERIFY2(r.summary.is_object(), qPrintable(r.err));
        QCOMPARE(r.summary["transport_errors"].get<int>(), 0);
        const auto hs = r.summary["tls"]["handshakes"].get<std::uint64_t>();
        const auto resumed = r.summary["tls"]["resumed"].get<std::uint64_t>();
        QVERIFY2(hs >= 10, qPrintable(QString::number(hs)));
        // The first connection of each worker has no session yet; (nearly) every reconnect resumes one.
        QVERIFY2(resumed > 0 && resumed + 4 >= hs, qPrintable(QString("%1 of %2").arg(resumed).arg(hs)));
        // The server saw the same: its resumed count includes the client's (plus none for the preflight).
        QVERIFY2(srv.resumed.load() >= resumed, qPrintable(QString::number(srv.resumed.load())));
        // SNI: every handshake (the preflight's too) named the host.
        const auto names = srv.server_names();
        QVERIFY(names.size() >= std::size_t(hs + 1));
        for (const auto& n : names)
            QCOMPARE(n, std::string("localhost"));
        QVERIFY2(r.out.contains(QString("tls        %1 handshakes, %2 resumed").arg(hs).arg(resumed)),
                 qPrintable(r.out));
    }

    void ssl_cert_file_trusts_the_ca_too() {
        TlsTestServer srv(ca_signed());
        QTemporaryDir dir;
        const QString sc = scenario(dir, url("localhost", srv), 1, 0.5);
        const Run untrusted = run({"run", sc}, clean_env());
        QCOMPARE(untrusted.code, 1);
        QVERIFY2(untrusted.err.contains("certificate verify failed: unable to get local issuer certificate"),
                 qPrintable(untrusted.err));
        QProcessEnvironment env = clean_env();
        env.insert("SSL_CERT_FILE", pki_.ca_cert);
        const Run trusted = run({"run", sc}, env);
        QCOMPARE(trusted.code, 0);
        QVERIFY(srv.requests.load() > 0);
    }

    void wrong_host_is_refused() {
        TlsTestServer srv(ca_signed());  // the certificate names DNS:localhost only
        QTemporaryDir dir;
        const Run r =
            run({"run", scenario(dir, url("127.0.0.1", srv), 1, 0.5), "--cacert", pki_.ca_cert}, clean_env());
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("certificate verify failed: IP address mismatch"), qPrintable(r.err));
        QCOMPARE(srv.requests.load(), std::uint64_t(0));
    }

    void tls_failures_during_the_run_are_kind_tls() {
        auto o = self_signed();
        o.close_every = 2;
        // Four connections work: the engine's TCP and TLS preflights and the two VUs' first connections;
        // every reconnect after that fails its handshake.
        o.tls_handshakes_limit = 4;
        TlsTestServer srv(o);
        QTemporaryDir dir;
        const QString out = dir.filePath("s.json");
        const Run r =
            run({"run", scenario(dir, url("localhost", srv), 2, 1), "--insecure"}, clean_env(), out);
        QCOMPARE(r.code, 0);  // no thresholds: failed requests are figures, not a runtime error
        QVERIFY2(r.summary.is_object(), qPrintable(r.err));
        const auto& kinds = r.summary["transport_by_kind"];
        QVERIFY2(kinds.contains("tls") && kinds["tls"].get<int>() > 0,
                 qPrintable(QString::fromStdString(kinds.dump())));
        QCOMPARE(r.summary["transport_errors"].get<int>(), kinds["tls"].get<int>());
        QCOMPARE(r.summary["tls"]["handshakes"].get<int>(), 2);
        QVERIFY2(r.out.contains("tls="), qPrintable(r.out));
    }

    void usage_errors_exit_2_before_the_run() {
        LoadTestServer plain;
        TlsTestServer srv(ca_signed());
        QTemporaryDir dir;
        const QString https_sc = scenario(dir, url("localhost", srv), 1, 0.5);
        Run r = run({"run", https_sc, "--cacert", dir.filePath("missing.pem")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("--cacert: cannot read"), qPrintable(r.err));
        const QString not_pem = dir.filePath("not.pem");
        std::ofstream(not_pem.toStdString()) << "hello\n";
        r = run({"run", https_sc, "--cacert", not_pem});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("--cacert: no PEM certificate in"), qPrintable(r.err));
        for (const QString& odd : {QStringLiteral("/dev/zero"), dir.path()}) {  // never read forever
            r = run({"run", https_sc, "--cacert", odd});
            QCOMPARE(r.code, 2);
            QVERIFY2(r.err.contains("is not a regular file"), qPrintable(r.err));
        }
        r = run({"run", https_sc, "--cacert", pki_.ca_cert, "--insecure"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("contradict"), qPrintable(r.err));
        r = run({"run", "smoke", "--target", QString::fromStdString(plain.url()), "--insecure"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("insecure_skip_verify: applies to https:// targets only"), qPrintable(r.err));
        r = run({"run", "smoke", "--target", QString::fromStdString(plain.url()), "--cacert", pki_.ca_cert});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("--cacert applies to https:// targets only"), qPrintable(r.err));
        QCOMPARE(plain.requests.load(), std::uint64_t(0));
        QCOMPARE(srv.handshakes.load(), std::uint64_t(0));
    }

    void a_server_that_never_answers_the_handshake_times_out_before_the_run() {
        // The kernel completes the TCP handshake for a listening socket nobody accepts on: no ServerHello
        // ever.
        boost::asio::io_context ioc;
        boost::asio::ip::tcp::acceptor silent(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
        QElapsedTimer t;
        t.start();
        const Run r = run({"run", "smoke", "--target",
                           QString("https://127.0.0.1:%1").arg(silent.local_endpoint().port())});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("TLS handshake with 127.0.0.1:") && r.err.contains("timed out after 3 s"),
                 qPrintable(r.err));
        QVERIFY(t.elapsed() < 20'000);
    }

    void https_against_a_plain_http_server_is_one_clear_error() {
        LoadTestServer plain;
        const Run r = run({"run", "smoke", "--target", QString("https://127.0.0.1:%1").arg(plain.port())});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("TLS handshake with 127.0.0.1:"), qPrintable(r.err));
        QCOMPARE(plain.requests.load(), std::uint64_t(0));
    }
};

QTEST_GUILESS_MAIN(TestLoadHttps)
#include "tst_load_https.moc"
