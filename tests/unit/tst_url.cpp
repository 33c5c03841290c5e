// core/url: percent-decoding of query components, as both HTTP servers use it.
#include <QTest>
#include <string>

#include "core/url.h"

class TestUrl : public QObject {
    Q_OBJECT
  private slots:
    void decodes_escapes_and_plus() {
        std::string out;
        QVERIFY(redline::url_decode("a%20b+c%2Fd%c3%a9", out));
        QCOMPARE(out, std::string("a b c/d\xc3\xa9"));
        QVERIFY(redline::url_decode("", out));
        QVERIFY(out.empty());
    }
    void refuses_malformed_escapes() {
        std::string out;
        QVERIFY(!redline::url_decode("abc%2", out));
        QVERIFY(!redline::url_decode("%", out));
        QVERIFY(!redline::url_decode("%zz", out));
        QVERIFY(!redline::url_decode("%4g", out));
    }
    void hex_digits() {
        QCOMPARE(redline::hex_value('0'), 0);
        QCOMPARE(redline::hex_value('9'), 9);
        QCOMPARE(redline::hex_value('a'), 10);
        QCOMPARE(redline::hex_value('F'), 15);
        QCOMPARE(redline::hex_value('g'), -1);
        QCOMPARE(redline::hex_value('%'), -1);
    }
    void same_target_compares_servers_not_spellings() {
        using redline::same_target;
        QVERIFY(same_target("http://127.0.0.1:8080", "http://127.0.0.1:8080/"));
        QVERIFY(same_target("http://localhost:8080", "http://127.0.0.1:8080"));
        QVERIFY(same_target("http://LOCALHOST:8080", "http://127.0.0.1:8080"));
        QVERIFY(same_target("http://[::1]:9000", "http://[::1]:9000"));
        QVERIFY(!same_target("http://127.0.0.1:8080", "http://127.0.0.1:8081"));
        QVERIFY(!same_target("http://127.0.0.1:8080", "http://[::1]:8080"));
        QVERIFY(!same_target("http://127.0.0.1:8080", ""));
        QVERIFY(!same_target("not a url", "not a url"));
        QVERIFY(same_target("https://localhost:8443", "https://127.0.0.1:8443/"));
        QVERIFY(!same_target("https://127.0.0.1:8080", "http://127.0.0.1:8080"));  // another protocol
    }
    void https_targets_only_where_asked_for() {
        std::string why;
        QVERIFY(!redline::parse_target_url("https://127.0.0.1:8443", &why));
        QVERIFY2(why.find("https is not supported here") != std::string::npos, why.c_str());
        const auto t =
            redline::parse_target_url("https://api.example.test", &why, redline::Schemes::HttpOrHttps);
        QVERIFY(t);
        QVERIFY(t->tls);
        QCOMPARE(t->port, std::uint16_t(443));
        QCOMPARE(t->host, std::string("api.example.test"));
        QCOMPARE(t->host_header, std::string("api.example.test:443"));
        const auto h = redline::parse_target_url("http://[::1]", &why, redline::Schemes::HttpOrHttps);
        QVERIFY(h);
        QVERIFY(!h->tls);
        QCOMPARE(h->port, std::uint16_t(80));
        QVERIFY(!redline::parse_target_url("HTTPS://x", &why, redline::Schemes::HttpOrHttps));
        QVERIFY(!redline::parse_target_url("https://", &why, redline::Schemes::HttpOrHttps));
        QVERIFY(why.find("missing host") != std::string::npos);
        QVERIFY(!redline::parse_target_url("https://x:0", &why, redline::Schemes::HttpOrHttps));
        QVERIFY(!redline::parse_target_url("https://u@x:1", &why, redline::Schemes::HttpOrHttps));
        QVERIFY(!redline::parse_target_url("ftp://x", &why, redline::Schemes::HttpOrHttps));
        QVERIFY2(why.find("http:// or https://") != std::string::npos, why.c_str());
    }
};

QTEST_GUILESS_MAIN(TestUrl)
#include "tst_url.moc"
