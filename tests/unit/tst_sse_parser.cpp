// SseParser against the WHATWG event-stream rules, with every input fed whole, byte by byte, in fixed-size
// chunks and split at every position, so line terminators (CR, LF, CRLF) straddle feed boundaries.
#include <QtTest>
#include <string>
#include <vector>

#include "core/agent_client.h"
#include "core/sse_parser.h"

using redline::SseParser;

namespace {

// "event|id|data" per message; data may contain '\n'.
QStringList render(const std::vector<SseParser::Message>& msgs) {
    QStringList out;
    for (const auto& m : msgs) {
        out << QString::fromStdString(m.event + "|" + m.id + "|" + m.data);
    }
    return out;
}

QStringList feed_chunks(const std::string& input, std::size_t chunk, bool* ok_out = nullptr) {
    SseParser p;
    std::vector<SseParser::Message> msgs;
    bool ok = true;
    for (std::size_t i = 0; i < input.size(); i += chunk) {
        ok = p.feed(std::string_view(input).substr(i, chunk), [&](const SseParser::Message& m) {
            msgs.push_back(m);
        }) && ok;
    }
    if (ok_out) *ok_out = ok;
    return render(msgs);
}

QStringList feed_split(const std::string& input, std::size_t at) {
    SseParser p;
    std::vector<SseParser::Message> msgs;
    auto fn = [&](const SseParser::Message& m) { msgs.push_back(m); };
    p.feed(std::string_view(input).substr(0, at), fn);
    p.feed(std::string_view(input).substr(at), fn);
    return render(msgs);
}

}  // namespace

class TestSseParser : public QObject {
    Q_OBJECT
  private slots:
    void parse_data();
    void parse();
    void retry_data();
    void retry();
    void lineLimit();
    void idPersistsAcrossMessages();
};

void TestSseParser::parse_data() {
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("simple LF") << QByteArray("data: hello\n\n") << QStringList{"message||hello"};
    QTest::newRow("CRLF") << QByteArray("event: snapshot\r\ndata: {\"a\":1}\r\n\r\n")
                          << QStringList{"snapshot||{\"a\":1}"};
    QTest::newRow("CR only") << QByteArray("event: x\rdata: y\r\r") << QStringList{"x||y"};
    QTest::newRow("mixed terminators") << QByteArray("data: a\r\n\ndata: b\r\rdata: c\n\r\n")
                                       << QStringList{"message||a", "message||b", "message||c"};
    QTest::newRow("multi-line data") << QByteArray("data: one\ndata: two\ndata:three\n\n")
                                     << QStringList{"message||one\ntwo\nthree"};
    QTest::newRow("only one leading space stripped")
        << QByteArray("data:  two spaces\n\n") << QStringList{"message|| two spaces"};
    QTest::newRow("comments ignored")
        << QByteArray(": keep-alive\n\n: another\ndata: x\n\n") << QStringList{"message||x"};
    QTest::newRow("no data no dispatch")
        << QByteArray("event: lonely\n\ndata: after\n\n") << QStringList{"message||after"};
    QTest::newRow("empty data dispatches")
        << QByteArray("data\n\ndata:\n\n") << QStringList{"message||", "message||"};
    QTest::newRow("data with empty lines") << QByteArray("data\ndata\n\n") << QStringList{"message||\n"};
    QTest::newRow("id field") << QByteArray("event: event\nid: 42\ndata: {}\n\n")
                              << QStringList{"event|42|{}"};
    QTest::newRow("id with NUL ignored")
        << QByteArray::fromRawData("id: 7\ndata: a\n\nid: 8\0x\ndata: b\n\n", 32)
        << QStringList{"message|7|a", "message|7|b"};
    QTest::newRow("unknown field ignored")
        << QByteArray("foo: bar\ndata: z\n\n") << QStringList{"message||z"};
    QTest::newRow("colon in value") << QByteArray("data: a:b: c\n\n") << QStringList{"message||a:b: c"};
    QTest::newRow("event type reset after dispatch")
        << QByteArray("event: snapshot\ndata: 1\n\ndata: 2\n\n") << QStringList{"snapshot||1", "message||2"};
    QTest::newRow("incomplete last message not dispatched")
        << QByteArray("data: done\n\ndata: partial\n") << QStringList{"message||done"};
    QTest::newRow("leading BOM stripped") << QByteArray(
                                                 "\xEF\xBB\xBF"
                                                 "data: bom\n\n")
                                          << QStringList{"message||bom"};
    QTest::newRow("field named with BOM after start is not data") << QByteArray(
                                                                         "data: x\n\n\xEF\xBB\xBF"
                                                                         "data: y\n\n")
                                                                  << QStringList{"message||x"};
    QTest::newRow("agent-like stream")
        << QByteArray(
               ": hello\r\n\r\nevent: snapshot\r\ndata: {\"schema\":1}\r\n\r\nevent: event\r\nid: 3\r\n"
               "data: {\"id\":3}\r\n\r\n: keep-alive\r\n\r\nevent: loadtest\r\ndata: {\"p\":0.5}\r\n\r\n")
        << QStringList{"snapshot||{\"schema\":1}", "event|3|{\"id\":3}", "loadtest|3|{\"p\":0.5}"};
}

void TestSseParser::parse() {
    QFETCH(QByteArray, input);
    QFETCH(QStringList, expected);
    const std::string in = input.toStdString();

    QCOMPARE(feed_chunks(in, in.size() + 1), expected);
    for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}}) {
        bool ok = false;
        const QStringList got = feed_chunks(in, chunk, &ok);
        QVERIFY(ok);
        if (got != expected) {
            QFAIL(qPrintable(QStringLiteral("chunk size %1: got [%2]").arg(chunk).arg(got.join(", "))));
        }
    }
    for (std::size_t at = 0; at <= in.size(); ++at) {
        const QStringList got = feed_split(in, at);
        if (got != expected) {
            QFAIL(qPrintable(QStringLiteral("split at %1: got [%2]").arg(at).arg(got.join(", "))));
        }
    }
}

void TestSseParser::retry_data() {
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("expected");  // -1: unset
    QTest::newRow("digits") << QByteArray("retry: 2500\n\n") << 2500;
    QTest::newRow("not digits ignored") << QByteArray("retry: 25x\n\n") << -1;
    QTest::newRow("negative ignored") << QByteArray("retry: -5\n\n") << -1;
    QTest::newRow("empty ignored") << QByteArray("retry:\n\n") << -1;
    QTest::newRow("last wins") << QByteArray("retry: 10\nretry: 20\n\n") << 20;
}

void TestSseParser::retry() {
    QFETCH(QByteArray, input);
    QFETCH(int, expected);
    SseParser p;
    int dispatched = 0;
    QVERIFY(p.feed(input.toStdString(), [&](const SseParser::Message&) { ++dispatched; }));
    QCOMPARE(dispatched, 0);  // retry alone is not a message
    QCOMPARE(p.retry_ms().value_or(-1), expected);
}

void TestSseParser::lineLimit() {
    SseParser p;
    p.max_line = 16;
    int n = 0;
    auto fn = [&](const SseParser::Message&) { ++n; };
    QVERIFY(p.feed("data: short\n\n", fn));
    QCOMPARE(n, 1);
    // A line that grows past the limit across feeds is refused.
    QVERIFY(p.feed("data: 0123456", fn));
    QVERIFY(!p.feed("789abcdef\n\n", fn));
    QCOMPARE(n, 1);
}

void TestSseParser::idPersistsAcrossMessages() {
    SseParser p;
    std::vector<SseParser::Message> msgs;
    auto fn = [&](const SseParser::Message& m) { msgs.push_back(m); };
    QVERIFY(p.feed("id: 5\ndata: a\n\ndata: b\n\nid\ndata: c\n\n", fn));
    QCOMPARE(render(msgs), (QStringList{"message|5|a", "message|5|b", "message||c"}));
}

QTEST_GUILESS_MAIN(TestSseParser)
#include "tst_sse_parser.moc"
