// The sample API server's endpoints and error paths, against the real binary on port 0.
#include <QTest>
#include <set>

#ifndef Q_MOC_RUN  // moc need not parse Boost
#include "tests/integration/tst_sample_support.h"
#include "tests/support/raw_http.h"
#endif

using redline::test::SampleHttp;
using redline::test::SampleServerProcess;

namespace {
constexpr int kProducts = 1200;
}

class TstSampleApi : public QObject {
    Q_OBJECT

  private:
    SampleServerProcess server_;
    std::unique_ptr<SampleHttp> http_;

    static void check_problem(const redline::test::SampleReply& r, int status) {
        QCOMPARE(r.status, status);
        QCOMPARE(QString::fromStdString(r.header("content-type")),
                 QStringLiteral("application/problem+json"));
        const auto j = r.json();
        QVERIFY2(j.is_object(), r.body.c_str());
        QCOMPARE(j.value("status", 0), status);
        QVERIFY(!j.value("title", std::string()).empty());
    }

  private slots:
    void initTestCase() {
        QVERIFY(server_.start({}, kProducts));
        http_ = std::make_unique<SampleHttp>(server_.api_url());
    }
    void cleanupTestCase() { QCOMPARE(server_.stop(), 0); }

    void health() {
        auto h = http_->get("/healthz");
        QCOMPARE(h.status, 200);
        QCOMPARE(h.json().value("status", ""), std::string("ok"));
        auto r = http_->get("/readyz");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value("status", ""), std::string("ready"));
        check_problem(http_->request("POST", "/healthz", "{}"), 405);
    }

    void getProduct() {
        auto r = http_->get("/v1/products/42");
        QCOMPARE(r.status, 200);
        QCOMPARE(QString::fromStdString(r.header("content-type")), QStringLiteral("application/json"));
        const auto j = r.json();
        QCOMPARE(j.value("id", 0), 42);
        for (const char* f : {"sku", "name", "category", "description"})
            QVERIFY(j.at(f).is_string());
        QVERIFY(j.at("price_cents").get<int>() >= 199);
        QCOMPARE(j.value("sku", ""), std::string("SKU-00000042"));
        // Deterministic seed: the same id always has the same content.
        QCOMPARE(http_->get("/v1/products/42").body, r.body);
    }

    void productErrors_data() {
        QTest::addColumn<QString>("target");
        QTest::addColumn<int>("status");
        QTest::newRow("missing") << QStringLiteral("/v1/products/%1").arg(kProducts + 1) << 404;
        QTest::newRow("zero") << QStringLiteral("/v1/products/0") << 400;
        QTest::newRow("text") << QStringLiteral("/v1/products/abc") << 400;
        QTest::newRow("negative") << QStringLiteral("/v1/products/-3") << 400;
        QTest::newRow("nested") << QStringLiteral("/v1/products/1/extra") << 404;
        QTest::newRow("unknown path") << QStringLiteral("/v2/products") << 404;
        QTest::newRow("order text id") << QStringLiteral("/v1/orders/x") << 400;
        QTest::newRow("missing order") << QStringLiteral("/v1/orders/999999") << 404;
        QTest::newRow("list bad size") << QStringLiteral("/v1/products?page_size=0") << 400;
        QTest::newRow("list size text") << QStringLiteral("/v1/products?page_size=ten") << 400;
        QTest::newRow("list bad token") << QStringLiteral("/v1/products?page_token=zz") << 400;
        QTest::newRow("list forged token") << QStringLiteral("/v1/products?page_token=6869") << 400;
        QTest::newRow("list unknown param") << QStringLiteral("/v1/products?colour=red") << 400;
        QTest::newRow("list unknown category") << QStringLiteral("/v1/products?category=weapons") << 400;
        QTest::newRow("list bad escape") << QStringLiteral("/v1/products?category=%ZZ") << 400;
        QTest::newRow("search no q") << QStringLiteral("/v1/products/search") << 400;
        QTest::newRow("search only symbols") << QStringLiteral("/v1/products/search?q=%22*%28") << 400;
        QTest::newRow("search unknown param") << QStringLiteral("/v1/products/search?q=lamp&x=1") << 400;
    }
    void productErrors() {
        QFETCH(QString, target);
        QFETCH(int, status);
        auto r = http_->get(target.toStdString());
        check_problem(r, status);
        if (status == 400 && target.contains(QLatin1Char('?')) && !target.contains(QStringLiteral("%ZZ")))
            QVERIFY2(r.json().contains("errors") && !r.json().at("errors").empty(), r.body.c_str());
    }

    void wrongMethod() {
        auto r = http_->request("DELETE", "/v1/products/1");
        check_problem(r, 405);
        QCOMPARE(QString::fromStdString(r.header("allow")), QStringLiteral("GET"));
        auto o = http_->get("/v1/orders");
        check_problem(o, 405);
        QCOMPARE(QString::fromStdString(o.header("allow")), QStringLiteral("POST"));
    }

    void pageSizeCapped() {
        auto r = http_->get("/v1/products?page_size=100000");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().at("items").size(), std::size_t(500));
        QVERIFY(r.json().at("next_page_token").is_string());
    }

    void paginationCoversCatalogOnce_data() {
        QTest::addColumn<int>("pageSize");
        QTest::newRow("97") << 97;
        QTest::newRow("500") << 500;
        QTest::newRow("1200") << 1200;
    }
    void paginationCoversCatalogOnce() {
        QFETCH(int, pageSize);
        std::vector<std::int64_t> ids;
        std::string token;
        int pages = 0;
        for (; pages < 1000; ++pages) {
            std::string target = "/v1/products?page_size=" + std::to_string(pageSize);
            if (!token.empty()) target += "&page_token=" + token;
            auto r = http_->get(target);
            QCOMPARE(r.status, 200);
            const auto j = r.json();
            for (const auto& item : j.at("items"))
                ids.push_back(item.at("id").get<std::int64_t>());
            if (j.at("next_page_token").is_null()) break;
            token = j.at("next_page_token").get<std::string>();
        }
        QCOMPARE(int(ids.size()), kProducts);
        QVERIFY(std::is_sorted(ids.begin(), ids.end()));
        QCOMPARE(std::set<std::int64_t>(ids.begin(), ids.end()).size(), std::size_t(kProducts));
        QCOMPARE(ids.front(), std::int64_t(1));
        QCOMPARE(ids.back(), std::int64_t(kProducts));
    }

    void categoriesPartitionCatalog() {
        std::set<std::int64_t> all;
        std::size_t total = 0;
        for (const char* cat : {"books", "garden", "kitchen", "office", "outdoor", "sports", "toys", "tools",
                                "audio", "bags", "home", "apparel"}) {
            std::string token;
            for (int pages = 0; pages < 100; ++pages) {
                std::string target = std::string("/v1/products?page_size=50&category=") + cat;
                if (!token.empty()) target += "&page_token=" + token;
                auto r = http_->get(target);
                QCOMPARE(r.status, 200);
                const auto j = r.json();
                for (const auto& item : j.at("items")) {
                    QCOMPARE(item.at("category").get<std::string>(), std::string(cat));
                    all.insert(item.at("id").get<std::int64_t>());
                    ++total;
                }
                if (j.at("next_page_token").is_null()) break;
                token = j.at("next_page_token").get<std::string>();
            }
        }
        QCOMPARE(total, std::size_t(kProducts));
        QCOMPARE(all.size(), std::size_t(kProducts));
    }

    void search() {
        auto r = http_->get("/v1/products/search?q=oak+lamp&page_size=100");
        QCOMPARE(r.status, 200);
        const auto items = r.json().at("items");
        QVERIFY(!items.empty());
        for (const auto& item : items) {
            const std::string text =
                item.at("name").get<std::string>() + " " + item.at("description").get<std::string>();
            QVERIFY2(text.find("Oak") != std::string::npos && text.find("Lamp") != std::string::npos,
                     text.c_str());
        }
        // FTS operators in q are treated as words, never as syntax.
        QCOMPARE(http_->get("/v1/products/search?q=lamp%20OR%20%22").status, 200);
        auto none = http_->get("/v1/products/search?q=xylophonezzz");
        QCOMPARE(none.status, 200);
        QVERIFY(none.json().at("items").empty());
    }

    void createAndGetOrder() {
        const std::string body =
            R"({"items":[{"product_id":3,"quantity":2},{"product_id":7,"quantity":1}],"customer":"ada"})";
        auto r = http_->request("POST", "/v1/orders", body);
        QCOMPARE(r.status, 201);
        const auto j = r.json();
        const auto id = j.at("id").get<std::int64_t>();
        QCOMPARE(QString::fromStdString(r.header("location")), QStringLiteral("/v1/orders/%1").arg(id));
        const auto p3 = http_->get("/v1/products/3").json().at("price_cents").get<std::int64_t>();
        const auto p7 = http_->get("/v1/products/7").json().at("price_cents").get<std::int64_t>();
        QCOMPARE(j.at("total_cents").get<std::int64_t>(), 2 * p3 + p7);
        QCOMPARE(j.at("items").size(), std::size_t(2));
        auto g = http_->get("/v1/orders/" + std::to_string(id));
        QCOMPARE(g.status, 200);
        QVERIFY(g.json() == j);
    }

    void orderErrors_data() {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("contentType");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("field");
        const QString json = QStringLiteral("application/json");
        QTest::newRow("not json") << QStringLiteral("{nope") << json << 400 << QString();
        QTest::newRow("not object") << QStringLiteral("[1]") << json << 400 << QString();
        QTest::newRow("no items") << QStringLiteral("{}") << json << 400 << QStringLiteral("items");
        QTest::newRow("empty items") << QStringLiteral(R"({"items":[]})") << json << 400
                                     << QStringLiteral("items");
        QTest::newRow("unknown field") << QStringLiteral(R"({"items":[{"product_id":1,"quantity":1}],"x":1})")
                                       << json << 400 << QStringLiteral("x");
        QTest::newRow("zero quantity") << QStringLiteral(R"({"items":[{"product_id":1,"quantity":0}]})")
                                       << json << 400 << QStringLiteral("items[0].quantity");
        QTest::newRow("string id") << QStringLiteral(R"({"items":[{"product_id":"1","quantity":1}]})") << json
                                   << 400 << QStringLiteral("items[0].product_id");
        QTest::newRow("missing quantity") << QStringLiteral(R"({"items":[{"product_id":1}]})") << json << 400
                                          << QStringLiteral("items[0].quantity");
        QTest::newRow("unknown product")
            << QStringLiteral(R"({"items":[{"product_id":99999999,"quantity":1}]})") << json << 422
            << QString();
        QTest::newRow("wrong type") << QStringLiteral(R"({"items":[{"product_id":1,"quantity":1}]})")
                                    << QStringLiteral("text/plain") << 415 << QString();
    }
    void orderErrors() {
        QFETCH(QString, body);
        QFETCH(QString, contentType);
        QFETCH(int, status);
        QFETCH(QString, field);
        auto r = http_->request("POST", "/v1/orders", body.toStdString(), {}, contentType.toStdString());
        check_problem(r, status);
        if (!field.isEmpty()) {
            bool found = false;
            // Keep the parsed body alive: a range-for over r.json().at(...) would iterate a destroyed
            // temporary.
            const auto j = r.json();
            QVERIFY2(j.contains("errors") && j.at("errors").is_array(), r.body.c_str());
            for (const auto& e : j.at("errors"))
                found |= e.at("field").get<std::string>() == field.toStdString();
            QVERIFY2(found, r.body.c_str());
        }
    }

    void idempotency() {
        const std::string body = R"({"items":[{"product_id":11,"quantity":3}]})";
        const redline::test::Headers key = {{"Idempotency-Key", "order-abc-1"}, {"X-API-Key", "client-idem"}};
        auto first = http_->request("POST", "/v1/orders", body, key);
        QCOMPARE(first.status, 201);
        // The same body with different whitespace is the same request.
        auto again =
            http_->request("POST", "/v1/orders", R"({ "items": [ {"quantity":3, "product_id":11} ] })", key);
        QCOMPARE(again.status, 201);
        QCOMPARE(again.body, first.body);
        QCOMPARE(QString::fromStdString(again.header("idempotent-replayed")), QStringLiteral("true"));
        QCOMPARE(again.header("location"), first.header("location"));
        // The same key with another body is refused and creates nothing.
        auto reused =
            http_->request("POST", "/v1/orders", R"({"items":[{"product_id":12,"quantity":3}]})", key);
        check_problem(reused, 422);
        // Keys are scoped per client: another client's identical key is a new order.
        auto other = http_->request("POST", "/v1/orders", body,
                                    {{"Idempotency-Key", "order-abc-1"}, {"X-API-Key", "client-other"}});
        QCOMPARE(other.status, 201);
        QVERIFY(other.json().at("id") != first.json().at("id"));
        // No key: two orders.
        auto a = http_->request("POST", "/v1/orders", body);
        auto b = http_->request("POST", "/v1/orders", body);
        QVERIFY(a.json().at("id") != b.json().at("id"));
        check_problem(
            http_->request("POST", "/v1/orders", body, {{"Idempotency-Key", std::string(300, 'k')}}), 400);
    }

    void sizeLimits() {
        SampleHttp fresh(server_.api_url());
        auto big_header = fresh.get("/v1/products/1", {{"X-Filler", std::string(20000, 'a')}});
        QCOMPARE(big_header.status, 431);
        SampleHttp fresh2(server_.api_url());
        const std::string big_body = "{\"customer\":\"" + std::string(100000, 'x') + "\"}";
        auto r = fresh2.request("POST", "/v1/orders", big_body);
        check_problem(r, 413);
    }

    void smuggling_data() {
        QTest::addColumn<QString>("head");
        QTest::addColumn<int>("status");
        QTest::newRow("TE identity") << "POST /v1/orders HTTP/1.1\r\nTransfer-Encoding: identity\r\n" << 400;
        QTest::newRow("TE chunked, identity")
            << "POST /v1/orders HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n"
            << 400;
        QTest::newRow("TE in HTTP/1.0") << "POST /v1/orders HTTP/1.0\r\nTransfer-Encoding: chunked\r\n"
                                        << 400;
        QTest::newRow("TE identity + CL")
            << "POST /v1/orders HTTP/1.1\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n"
            << 400;
        QTest::newRow("TE gzip, chunked")
            << "POST /v1/orders HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n"
            << 501;
        // RFC 9112 §3.2: a second Host (the row's and the one every request here gets) is 400, then the
        // close.
        QTest::newRow("two Host fields") << "POST /v1/orders HTTP/1.1\r\nHost: evil\r\nContent-Length: 2\r\n"
                                         << 400;
    }
    // A body the server cannot frame is never run as the next request: one error response, then the close.
    void smuggling() {
        QFETCH(QString, head);
        QFETCH(int, status);
        const QString url = server_.api_url();
        const auto port = std::uint16_t(url.mid(url.lastIndexOf(QLatin1Char(':')) + 1).toUInt());
        redline::test::RawConnection c;
        QVERIFY(c.connect(port));
        const std::string inner = "GET /v1/products/7 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        QVERIFY(c.send_all(head.toStdString() + "Host: 127.0.0.1\r\nContent-Type: application/json\r\n\r\n" +
                           inner));
        auto r = c.read_response(5000);
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.status, status);
        QVERIFY(r.header("content-type").rfind("application/problem+json", 0) == 0);
        std::string extra;
        int n = 1;
        while (n > 0)
            n = c.read_some(extra, 5000);
        QVERIFY2(extra.empty(), extra.substr(0, 80).c_str());
        QVERIFY(n == 0 || n == -1);  // closed, not a timeout
    }

    void recordedInAgent() {
        for (int i = 0; i < 5; ++i)
            QCOMPARE(http_->get("/v1/products/5").status, 200);
        auto snap = server_.wait_snapshot([](const redline::Snapshot& s) {
            return redline::test::route_sum(
                       s, "GET /v1/products/{id}",
                       [](const auto& x) { return x.by_code.count(200) ? x.by_code.at(200) : 0; }) >= 5 &&
                   redline::test::route_sum(s, "POST /v1/orders", [](const auto& x) { return x.requests; }) >
                       0;
        });
        QVERIFY(snap);
        QCOMPARE(snap->service, std::string("redline-sample-server"));
        std::set<std::string> seen;
        for (const auto& s : snap->series)
            seen.insert(s.id() + " " + s.version);
        for (const char* r : {"GET /v1/products", "GET /v1/products/{id}", "GET /v1/products/search",
                              "POST /v1/orders", "GET /v1/orders/{id}"})
            for (const char* v : {"stable", "canary"})
                QVERIFY2(seen.count(std::string(r) + " " + v), r);
        const auto s404 = redline::test::route_sum(*snap, "GET /v1/products/{id}", [](const auto& x) {
            return x.by_code.count(404) ? x.by_code.at(404) : 0;
        });
        QVERIFY(s404 >= 1);
    }
};

QTEST_GUILESS_MAIN(TstSampleApi)
#include "tst_sample_api.moc"
