// core/http_framing: the Transfer-Encoding framing rule both HTTP servers apply (RFC 9112 §6.1, §6.3).
#include <QTest>
#include <optional>
#include <string>

#include "core/http_framing.h"

class TestHttpFraming : public QObject {
    Q_OBJECT
  private slots:
    void rule_data() {
        QTest::addColumn<int>("version");
        QTest::addColumn<bool>("has_te");
        QTest::addColumn<QString>("te");
        QTest::addColumn<bool>("has_cl");
        QTest::addColumn<int>("status");  // 0: accepted
        QTest::newRow("no TE, no CL") << 11 << false << "" << false << 0;
        QTest::newRow("no TE, CL") << 11 << false << "" << true << 0;
        QTest::newRow("HTTP/1.0 no TE") << 10 << false << "" << true << 0;
        QTest::newRow("chunked") << 11 << true << "chunked" << false << 0;
        QTest::newRow("Chunked (case)") << 11 << true << " Chunked " << false << 0;
        QTest::newRow("chunked with empty list items") << 11 << true << ",chunked," << false << 0;
        QTest::newRow("identity") << 11 << true << "identity" << false << 400;
        QTest::newRow("gzip") << 11 << true << "gzip" << false << 400;
        QTest::newRow("chunked, identity") << 11 << true << "chunked, identity" << false << 400;
        QTest::newRow("chunked,chunked") << 11 << true << "chunked,chunked" << false << 400;
        QTest::newRow("empty") << 11 << true << "" << false << 400;
        QTest::newRow("only commas") << 11 << true << " , ," << false << 400;
        QTest::newRow("HTTP/1.0 chunked") << 10 << true << "chunked" << false << 400;
        QTest::newRow("chunked + CL") << 11 << true << "chunked" << true << 400;
        QTest::newRow("gzip, chunked") << 11 << true << "gzip, chunked" << false << 501;
    }
    void rule() {
        QFETCH(int, version);
        QFETCH(bool, has_te);
        QFETCH(QString, te);
        QFETCH(bool, has_cl);
        QFETCH(int, status);
        const std::string s = te.toStdString();
        auto r = redline::check_request_framing(
            version, has_te ? std::optional<std::string_view>(s) : std::nullopt, has_cl);
        QCOMPARE(r ? r->status : 0, status);
        if (r) QVERIFY(!r->message.empty());
    }
};

QTEST_GUILESS_MAIN(TestHttpFraming)
#include "tst_http_framing.moc"
