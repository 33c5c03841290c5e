// parse_json_strict: the one strict JSON entry point (duplicate keys, nesting depth, syntax) and its field
// paths.
#include <QtTest>

#include "core/json_strict.h"

using redline::parse_json_strict;

class TestJsonStrict : public QObject {
    Q_OBJECT

  private slots:
    void accepts_ordinary_documents() {
        auto p = parse_json_strict(R"({"a": 1, "b": [1, {"c": true}], "d": {"e": null}})");
        QVERIFY(p.ok());
        QCOMPARE(p.value()["b"][1]["c"].get<bool>(), true);
        // The same key in different objects is not a duplicate.
        QVERIFY(parse_json_strict(R"([{"k": 1}, {"k": 2}, {"x": {"k": 3}, "k": 4}])").ok());
    }

    void duplicate_keys_are_named_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("field");
        QTest::newRow("top") << R"({"weight_percent": 5, "weight_percent": 50})"
                             << "weight_percent";
        QTest::newRow("nested") << R"({"routes": {"GET /v1/products": {"rate_per_s": 1, "rate_per_s": 2}}})"
                                << "routes.GET /v1/products.rate_per_s";
        QTest::newRow("in array") << R"({"items": [{"q": 1}, {"product_id": 1, "product_id": 2}]})"
                                  << "items[1].product_id";
        QTest::newRow("after nested array") << R"({"a": [[1], [2, 3]], "b": {"c": 1}, "b": 2})"
                                            << "b";
        QTest::newRow("top-level array") << R"([1, 2, {"n": 1, "n": 1}])"
                                         << "[2].n";
    }
    void duplicate_keys_are_named() {
        QFETCH(QString, text);
        QFETCH(QString, field);
        auto p = parse_json_strict(text.toStdString());
        QVERIFY(!p.ok());
        QCOMPARE(p.errors().size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(p.errors()[0].field), field);
        QCOMPARE(QString::fromStdString(p.errors()[0].message), QStringLiteral("duplicate key"));
    }

    void deep_nesting_is_refused_without_recursion() {
        // 100,000 levels would overflow a recursive parser or serializer; the cap stops at level 64.
        const std::string deep(100'000, '[');
        auto p = parse_json_strict(deep);
        QVERIFY(!p.ok());
        QVERIFY(QString::fromStdString(p.errors()[0].message).contains("nesting deeper than 64 levels"));
        std::string objects;
        for (int i = 0; i < 70'000; ++i)
            objects += "{\"a\":";
        p = parse_json_strict(objects);
        QVERIFY(!p.ok());
        QVERIFY(QString::fromStdString(p.errors()[0].field).startsWith("a.a.a"));
        // Exactly at the bound is fine; one more is not.
        QVERIFY(parse_json_strict(std::string(64, '[') + std::string(64, ']')).ok());
        QVERIFY(!parse_json_strict(std::string(65, '[') + std::string(65, ']')).ok());
        QVERIFY(parse_json_strict(std::string(3, '[') + std::string(3, ']'), 3).ok());
        QVERIFY(!parse_json_strict(std::string(4, '[') + std::string(4, ']'), 3).ok());
    }

    void syntax_errors_say_where() {
        auto p = parse_json_strict(R"({"a": })");
        QVERIFY(!p.ok());
        QCOMPARE(QString::fromStdString(p.errors()[0].field), QString());
        QVERIFY2(
            QString::fromStdString(p.errors()[0].message).startsWith("not valid JSON: parse error at line 1"),
            p.errors()[0].message.c_str());
        QVERIFY(!parse_json_strict("").ok());
        QVERIFY(!parse_json_strict("{} trailing").ok());
    }
};

QTEST_APPLESS_MAIN(TestJsonStrict)
#include "tst_json_strict.moc"
