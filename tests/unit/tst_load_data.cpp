// Scenario data, think time and correlation: the CSV reader (RFC 4180 quoting, CRLF, limits, line-numbered
// errors), the data feeder's modes, "{{name}}" templates and their encodings, and every validation rule of
// think/flow/data/extract with the field it names.
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <set>

#include "core/load/correlation.h"
#include "core/load/data_feeder.h"
#include "core/load/engine.h"
#include "core/load/path_template.h"
#include "core/load/request_mix.h"
#include "core/load/scenario.h"

using namespace redline::load;
using nlohmann::json;

namespace {

json base(const char* executor = "constant-vus") {
    json j{{"name", "t"}, {"executor", executor}, {"duration_s", 1}};
    if (is_open_model(*executor_from_string(executor)))
        j["rate"] = 10;
    else
        j["vus"] = 1;
    return j;
}

/// The first error, or "" when the document is valid.
std::pair<std::string, std::string> first_error(const json& j) {
    auto p = parse_scenario(j);
    if (p.ok()) return {"", ""};
    return {p.errors()[0].field, p.errors()[0].message};
}

void write_file(const QString& path, const std::string& text) {
    std::ofstream out(path.toStdString(), std::ios::binary);
    out << text;
}

}  // namespace

class TestLoadData : public QObject {
    Q_OBJECT
  private slots:
    void csv_rfc4180() {
        std::string why;
        auto t = parse_csv(
            "id,name,note\r\n1,\"Ann, A\",\"say \"\"hi\"\"\"\r\n2,Bob,\"two\r\nlines\"\r\n3,,x", &why);
        QVERIFY2(t, why.c_str());
        QCOMPARE(t->columns, (std::vector<std::string>{"id", "name", "note"}));
        QCOMPARE(t->rows.size(), std::size_t(3));
        QCOMPARE(t->rows[0][1], std::string("Ann, A"));
        QCOMPARE(t->rows[0][2], std::string("say \"hi\""));
        QCOMPARE(t->rows[1][2], std::string("two\r\nlines"));
        QCOMPARE(t->rows[2][1], std::string(""));
        // LF line ends, a BOM, and a final line break are all fine.
        auto u = parse_csv("\xEF\xBB\xBFid\n7\n", &why);
        QVERIFY2(u, why.c_str());
        QCOMPARE(u->columns[0], std::string("id"));
        QCOMPARE(u->rows, (std::vector<std::vector<std::string>>{{"7"}}));
        // write_csv round-trips, also the awkward values.
        QCOMPARE(parse_csv(write_csv(*t), &why), t);
    }

    void csv_errors_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("why");
        QTest::newRow("empty") << ""
                               << "is empty";
        QTest::newRow("header only") << "a,b\n"
                                     << "no data rows";
        QTest::newRow("ragged") << "a,b,c,d\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3\n"
                                << "line 7 has 3 fields, header has 4";
        QTest::newRow("ragged after quoted newline") << "a,b\n\"x\ny\",1\n2\n"
                                                     << "line 4 has 1 field, header has 2";
        QTest::newRow("too many") << "a\n1,2\n"
                                  << "line 2 has 2 fields, header has 1";
        QTest::newRow("unclosed quote") << "a\n\"abc\n"
                                        << "line 2: a quoted field is not closed";
        QTest::newRow("text after quote") << "a\n\"x\"y\n"
                                          << "text after a closing quote";
        QTest::newRow("bare quote") << "a\nx\"y\n"
                                    << "a quote inside an unquoted field";
        QTest::newRow("duplicate column") << "a,a\n1,2\n"
                                          << "column \"a\" appears twice";
        QTest::newRow("bad column name") << "a,user id\n1,2\n"
                                         << "column 2 name \"user id\"";
        QTest::newRow("empty column name") << "a,\n1,2\n"
                                           << "column 2 name \"\"";
        QTest::newRow("lone CR") << "a\r1\n"
                                 << "a CR without LF";
    }
    void csv_errors() {
        QFETCH(QString, text);
        QFETCH(QString, why);
        std::string got;
        QVERIFY(!parse_csv(text.toStdString(), &got));
        QVERIFY2(got.find(why.toStdString()) != std::string::npos, got.c_str());
    }

    void csv_limits() {
        std::string why;
        std::string big = "a\n" + std::string(kMaxDataField + 1, 'x') + "\n";
        QVERIFY(!parse_csv(big, &why));
        QVERIFY2(why.find("64 KiB") != std::string::npos, why.c_str());
        std::string wide;
        for (int i = 0; i <= 256; ++i)
            wide += (i ? ",c" : "c") + std::to_string(i);
        QVERIFY(!parse_csv(wide + "\n", &why));
        QVERIFY2(why.find("more than 256 fields") != std::string::npos, why.c_str());
    }

    void feeder_modes() {
        Rng rng(1);
        DataFeeder seq(3, DataMode::Sequential, false);
        std::vector<std::size_t> got;
        for (int i = 0; i < 7; ++i)
            got.push_back(*seq.next(rng));
        QCOMPARE(got, (std::vector<std::size_t>{0, 1, 2, 0, 1, 2, 0}));
        QVERIFY(!seq.exhausted());
        DataFeeder stop(2, DataMode::Sequential, true);
        QCOMPARE(*stop.next(rng), std::size_t(0));
        QCOMPARE(*stop.next(rng), std::size_t(1));
        QVERIFY(!stop.next(rng));
        QVERIFY(stop.exhausted());
        DataFeeder uniq(4, DataMode::Unique, false);
        std::set<std::size_t> seen;
        while (auto i = uniq.next(rng))
            QVERIFY(seen.insert(*i).second);
        QCOMPARE(seen.size(), std::size_t(4));
        QVERIFY(uniq.exhausted());
        QVERIFY(!uniq.next(rng));  // stays exhausted
        QCOMPARE(uniq.handed_out(), std::uint64_t(4));
        DataFeeder rnd(5, DataMode::Random, false);
        std::set<std::size_t> any;
        for (int i = 0; i < 200; ++i) {
            const auto v = rnd.next(rng);
            QVERIFY(v && *v < 5);
            any.insert(*v);
        }
        QCOMPARE(any.size(), std::size_t(5));
        QVERIFY(!rnd.exhausted());
    }

    void templates_and_encodings() {
        std::string why;
        auto p = PathTemplate::parse("/v1/orders/{{order_id}}/{1..1}?q={{q}}", &why);
        QVERIFY2(p, why.c_str());
        QCOMPARE(p->variables(), (std::vector<std::string>{"order_id", "q"}));
        QVERIFY(!p->is_static());
        p->bind([](const std::string& n) { return n == "order_id" ? 0 : n == "q" ? 1 : -1; });
        VarValues v;
        v.resize(2);
        v.assign(0, "42");
        Rng rng(1);
        std::string out;
        int missing = -2;
        QVERIFY(!p->expand(out, rng, &v, &missing));  // q has no value
        QCOMPARE(missing, 1);
        v.assign(1, "a b/c?&é");
        out.clear();
        QVERIFY(p->expand(out, rng, &v, &missing));
        QCOMPARE(out, std::string("/v1/orders/42/1?q=a%20b%2Fc%3F%26%C3%A9"));
        QVERIFY(!PathTemplate::parse("/x/{{bad name}}", &why));
        QVERIFY2(why.find("must be a name") != std::string::npos, why.c_str());
        QVERIFY(!PathTemplate::parse("/x/{{open", &why));
        QVERIFY2(why.find("unterminated '{{'") != std::string::npos, why.c_str());

        auto h = VarTemplate::parse("Bearer {{tok}}", &why);
        QVERIFY(h && h->has_variables());
        h->bind([](const std::string&) { return 0; });
        VarValues hv;
        hv.resize(1);
        hv.assign(0, "a\r\nX-Evil: 1%");
        std::string hs;
        QVERIFY(h->expand(hs, hv, Encoding::Header));
        QCOMPARE(hs, std::string("Bearer a%0D%0AX-Evil: 1%25"));  // no header injection
        auto b = VarTemplate::parse(R"({"customer":"{{tok}}","n":{"x":1}})", &why);
        QVERIFY(b);
        b->bind([](const std::string&) { return 0; });
        hv.assign(0, "say \"hi\"\n");
        std::string bs;
        QVERIFY(b->expand(bs, hv, Encoding::Json));
        QCOMPARE(json::parse(bs)["customer"], json("say \"hi\"\n"));
        QVERIFY(!VarTemplate::parse("x {{", &why));
    }

    void extract_values() {
        const json body = json::parse(R"({"id":7,"s":"x","ok":true,"n":null,"o":{},"a":[1]})");
        std::string why;
        QCOMPARE(*extract_json_value(body, "/id", &why), std::string("7"));
        QCOMPARE(*extract_json_value(body, "/s", &why), std::string("x"));
        QCOMPARE(*extract_json_value(body, "/ok", &why), std::string("true"));
        QCOMPARE(*extract_json_value(body, "/a/0", &why), std::string("1"));
        QVERIFY(!extract_json_value(body, "/n", &why));
        QVERIFY(!extract_json_value(body, "/o", &why));
        QVERIFY(!extract_json_value(body, "/missing", &why));
        QVERIFY(!extract_json_value(body, "/a/x", &why));
        QVERIFY(!extract_json_value(json(json::value_t::discarded), "/id", &why));
        QVERIFY2(why.find("not JSON") != std::string::npos, why.c_str());
    }

    void think_parses() {
        json j = base();
        j["requests"] =
            json::array({{{"path", "/"}, {"think", "200ms"}},
                         {{"name", "b"}, {"path", "/b"}, {"think", {{"min", "0.1s"}, {"max", 500}}}}});
        auto p = parse_scenario(j);
        QVERIFY(p.ok());
        QCOMPARE(*p.value().requests[0].think, (ThinkTime{200, 200}));
        QCOMPARE(*p.value().requests[1].think, (ThinkTime{100, 500}));
        auto again = parse_scenario(to_json(p.value()));
        QVERIFY(again.ok());
        QCOMPARE(again.value(), p.value());
    }

    void correlation_round_trips() {
        json j = base();
        j["flow"] = "sequence";
        j["data"] = {{"rows", json::array({{{"user", "a"}, {"n", 1}}, {{"user", "b"}, {"n", 2}}})},
                     {"mode", "unique"}};
        j["requests"] =
            json::array({{{"name", "create"},
                          {"method", "POST"},
                          {"path", "/v1/orders"},
                          {"body", {{"customer", "{{user}}"}}},
                          {"extract", {{"order_id", {{"json", "/id"}}}, {"etag", {{"header", "ETag"}}}}}},
                         {{"name", "get"},
                          {"path", "/v1/orders/{{order_id}}"},
                          {"headers", {{"If-None-Match", "{{etag}}"}}}}});
        auto p = parse_scenario(j);
        QVERIFY2(p.ok(), p.ok() ? "" : p.errors()[0].message.c_str());
        const Scenario& s = p.value();
        QCOMPARE(s.flow, Flow::Sequence);
        QCOMPARE(s.data.table.columns, (std::vector<std::string>{"n", "user"}));
        QCOMPARE(s.data.table.rows[1], (std::vector<std::string>{"2", "b"}));
        QCOMPARE(s.requests[0].extract.size(), std::size_t(2));
        auto again = parse_scenario(to_json(s));
        QVERIFY(again.ok());
        QCOMPARE(again.value(), s);
        // The compiled mix: columns first, then extracted variables; checks for each extraction and for the
        // variables the second request needs.
        RequestMix mix(s, "h");
        QCOMPARE(mix.variable_names(), (std::vector<std::string>{"n", "user", "etag", "order_id"}));
        QCOMPARE(mix.entry(0).check_names, (std::vector<std::string>{"extract etag from header ETag",
                                                                     "extract order_id from json /id"}));
        QCOMPARE(mix.entry(1).check_names, (std::vector<std::string>{"variables set: order_id etag"}));
        QCOMPARE(mix.check_count(), std::size_t(3));
        VarValues v;
        v.resize(4);
        v.assign(1, "Ann \"A\"");
        Rng rng(1);
        std::string buf;
        std::uint64_t k = 0;
        const std::string req(mix.render(0, buf, rng, k, &v));
        QVERIFY2(req.find("Content-Length: 24\r\n\r\n{\"customer\":\"Ann \\\"A\\\"\"}") != std::string::npos,
                 req.c_str());
        int missing = -1;
        QVERIFY(mix.render(1, buf, rng, k, &v, &missing).empty());
        QCOMPARE(missing, 3);
        v.assign(3, "17");
        v.assign(2, "\"v1\"");
        const std::string get(mix.render(1, buf, rng, k, &v));
        QVERIFY2(get.starts_with("GET /v1/orders/17 HTTP/1.1\r\n"), get.c_str());
        QVERIFY2(get.find("If-None-Match: \"v1\"\r\n") != std::string::npos, get.c_str());
    }

    void validation_data() {
        QTest::addColumn<QString>("doc");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("why");
        auto row = [](const char* tag, const json& j, const char* field, const char* why) {
            QTest::newRow(tag) << QString::fromStdString(j.dump()) << QString(field) << QString(why);
        };
        auto with = [](json j, const json& reqs, const json& extra = json::object()) {
            j["requests"] = reqs;
            for (auto it = extra.begin(); it != extra.end(); ++it)
                j[it.key()] = it.value();
            return j;
        };
        const json seq{{"flow", "sequence"}};
        row("think in open model", with(base("constant-arrival-rate"), {{{"path", "/"}, {"think", "1s"}}}),
            "requests[0].think", "applies to VU executors");
        row("think bad unit", with(base(), {{{"path", "/"}, {"think", "2h"}}}), "requests[0].think",
            "must be a duration");
        row("think negative", with(base(), {{{"path", "/"}, {"think", -1}}}), "requests[0].think",
            "between 0 and 1 h");
        row("think too long", with(base(), {{{"path", "/"}, {"think", "3601s"}}}), "requests[0].think",
            "between 0 and 1 h");
        row("think min > max", with(base(), {{{"path", "/"}, {"think", {{"min", "2s"}, {"max", "1s"}}}}}),
            "requests[0].think.max", "must not be below min");
        row("think half range", with(base(), {{{"path", "/"}, {"think", {{"min", "2s"}}}}}),
            "requests[0].think", "needs both");
        row("think unknown key",
            with(base(), {{{"path", "/"}, {"think", {{"min", 1}, {"max", 2}, {"mean", 1}}}}}),
            "requests[0].think.mean", "unknown field");
        row("flow bad", with(base(), {{{"path", "/"}}}, {{"flow", "random"}}), "flow", "must be \"mix\"");
        row("sequence in open model", with(base("constant-arrival-rate"), {{{"path", "/"}}}, seq), "flow",
            "applies to VU executors");
        row("weight in sequence", with(base(), {{{"path", "/"}, {"weight", 2}}}, seq), "requests[0].weight",
            "does not apply");
        row("extract without sequence",
            with(base(), {{{"path", "/"}, {"extract", {{"id", {{"json", "/id"}}}}}}}), "requests[0].extract",
            "needs \"flow\": \"sequence\"");
        row("extract bad pointer",
            with(base(), {{{"path", "/"}, {"extract", {{"id", {{"json", "id"}}}}}}}, seq),
            "requests[0].extract.id.json", "JSON pointer");
        row("extract bad header",
            with(base(), {{{"path", "/"}, {"extract", {{"id", {{"header", "a b"}}}}}}}, seq),
            "requests[0].extract.id.header", "not a valid header name");
        row("extract bad name",
            with(base(), {{{"path", "/"}, {"extract", {{"1id", {{"json", "/id"}}}}}}}, seq),
            "requests[0].extract.1id", "variable name");
        row("extract two sources",
            with(base(), {{{"path", "/"}, {"extract", {{"id", {{"json", "/id"}, {"header", "X"}}}}}}}, seq),
            "requests[0].extract.id", "must be {\"json\"");
        row("unknown variable", with(base(), {{{"path", "/"}}, {{"name", "b"}, {"path", "/o/{{uid}}"}}}),
            "requests[1].path", "variable \"uid\" is not a data column");
        row("variable of a later request",
            with(base(),
                 {{{"path", "/o/{{order_id}}"}},
                  {{"name", "c"},
                   {"method", "POST"},
                   {"path", "/o"},
                   {"extract", {{"order_id", {{"json", "/id"}}}}}}},
                 seq),
            "requests[0].path", "only extracted by requests[1] (\"c\"), which does not run before");
        row("variable of the same request",
            with(base(), {{{"path", "/o/{{id}}"}, {"extract", {{"id", {{"json", "/id"}}}}}}}, seq),
            "requests[0].path", "only extracted by requests[0]");
        row("unknown column",
            with(base(), {{{"path", "/"}}, {{"name", "b"}, {"path", "/u/{{uid}}"}}},
                 {{"data", {{"rows", json::array({{{"user_id", 1}}})}}}}),
            "requests[1].path", "variable \"uid\" is not a column of data.rows (columns: user_id)");
        row("unknown variable in header",
            with(base(), {{{"path", "/"}, {"headers", {{"X-User", "{{who}}"}}}}}),
            "requests[0].headers.X-User", "variable \"who\"");
        row("unknown variable in body",
            with(base(), {{{"path", "/"}, {"method", "POST"}, {"body", "{{who}}"}}}), "requests[0].body",
            "variable \"who\"");
        row("bad body template", with(base(), {{{"path", "/"}, {"body", "{{x"}}}), "requests[0].body",
            "unterminated");
        row("extract shadows a column",
            with(base(), {{{"path", "/"}, {"extract", {{"user_id", {{"json", "/id"}}}}}}},
                 {{"flow", "sequence"}, {"data", {{"rows", json::array({{{"user_id", 1}}})}}}}),
            "requests[0].extract.user_id", "is also a column");
        row("data not object", with(base(), {{{"path", "/"}}}, {{"data", "users.csv"}}), "data",
            "must be an object");
        row("data both",
            with(base(), {{{"path", "/"}}},
                 {{"data", {{"file", "a.csv"}, {"rows", json::array({{{"a", 1}}})}}}}),
            "data", "exactly one of");
        row("data none", with(base(), {{{"path", "/"}}}, {{"data", {{"mode", "random"}}}}), "data",
            "exactly one of");
        row("data mode",
            with(base(), {{{"path", "/"}}}, {{"data", {{"file", "a.csv"}, {"mode", "shuffle"}}}}),
            "data.mode", "must be \"sequential\"");
        row("on_exhausted for unique",
            with(base(), {{{"path", "/"}}},
                 {{"data", {{"file", "a.csv"}, {"mode", "unique"}, {"on_exhausted", "recycle"}}}}),
            "data.on_exhausted", "applies to mode \"sequential\" only");
        row("on_exhausted bad",
            with(base(), {{{"path", "/"}}}, {{"data", {{"file", "a.csv"}, {"on_exhausted", "wrap"}}}}),
            "data.on_exhausted", "must be \"recycle\"");
        row("data empty file name", with(base(), {{{"path", "/"}}}, {{"data", {{"file", ""}}}}), "data.file",
            "must not be empty");
        row("rows empty", with(base(), {{{"path", "/"}}}, {{"data", {{"rows", json::array()}}}}), "data.rows",
            "1..10000");
        row("rows ragged",
            with(base(), {{{"path", "/"}}}, {{"data", {{"rows", json::array({{{"a", 1}}, {{"b", 2}}})}}}}),
            "data.rows[1]", "has no column \"a\"");
        row("rows extra column",
            with(base(), {{{"path", "/"}}},
                 {{"data", {{"rows", json::array({{{"a", 1}}, {{"a", 2}, {"b", 3}}})}}}}),
            "data.rows[1].b", "is not a column of rows[0]");
        row("rows nested value",
            with(base(), {{{"path", "/"}}}, {{"data", {{"rows", json::array({{{"a", json::array()}}})}}}}),
            "data.rows[0].a", "must be a string, number or boolean");
        row("rows bad column",
            with(base(), {{{"path", "/"}}}, {{"data", {{"rows", json::array({{{"a b", 1}}})}}}}),
            "data.rows[0].a b", "column name");
        row("data unknown key",
            with(base(), {{{"path", "/"}}}, {{"data", {{"file", "a.csv"}, {"sep", ";"}}}}), "data.sep",
            "unknown field");
    }
    void validation() {
        QFETCH(QString, doc);
        QFETCH(QString, field);
        QFETCH(QString, why);
        const auto [f, m] = first_error(json::parse(doc.toStdString()));
        QCOMPARE(QString::fromStdString(f), field);
        QVERIFY2(m.find(why.toStdString()) != std::string::npos, m.c_str());
    }

    void data_file_is_read_relative_to_the_scenario() {
        QTemporaryDir dir;
        write_file(dir.filePath("users.csv"), "user_id,name\r\n1,\"Ann, A\"\r\n2,Bob\r\n");
        json j = base();
        j["data"] = {{"file", "users.csv"}, {"mode", "unique"}};
        j["requests"] = json::array({{{"path", "/u/{{user_id}}"}}});
        write_file(dir.filePath("s.json"), j.dump());
        // parse_scenario alone reads no file: the columns are unknown, nothing is loaded.
        auto parsed = parse_scenario(j);
        QVERIFY(parsed.ok());
        QVERIFY(!parsed.value().data.loaded);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Engine(parsed.value()));
        // From another working directory: the file is found next to the scenario.
        const QString cwd = QDir::currentPath();
        QDir::setCurrent(QDir::tempPath());
        auto p = load_scenario_file(dir.filePath("s.json").toStdString());
        QDir::setCurrent(cwd);
        QVERIFY2(p.ok(), p.ok() ? "" : p.errors()[0].message.c_str());
        QVERIFY(p.value().data.loaded);
        QCOMPARE(p.value().data.table.rows[0][1], std::string("Ann, A"));
        // Overrides keep the rows read from the file.
        Scenario s = p.value();
        ScenarioOverrides o;
        o.duration_s = 5;
        QVERIFY(apply_overrides(s, o).empty());
        QVERIFY(s.data.loaded);
        QCOMPARE(s.data.table, p.value().data.table);
    }

    void data_file_errors_data() {
        QTest::addColumn<QString>("csv");   // file content; "-" = no file
        QTest::addColumn<QString>("path");  // the request path
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("why");
        QTest::newRow("missing") << "-"
                                 << "/"
                                 << "data.file"
                                 << "cannot read users.csv";
        QTest::newRow("empty") << ""
                               << "/"
                               << "data.file"
                               << "users.csv: is empty";
        QTest::newRow("ragged") << "a,b,c,d\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3\n"
                                << "/"
                                << "data.file"
                                << "users.csv: line 7 has 3 fields, header has 4";
        QTest::newRow("unknown column") << "user_id\n1\n"
                                        << "/u/{{uid}}"
                                        << "requests[0].path"
                                        << "variable \"uid\" is not a column of data.file (columns: user_id)";
        QTest::newRow("directory") << "DIR"
                                   << "/"
                                   << "data.file"
                                   << "is not a regular file";
    }
    void data_file_errors() {
        QFETCH(QString, csv);
        QFETCH(QString, path);
        QFETCH(QString, field);
        QFETCH(QString, why);
        QTemporaryDir dir;
        if (csv == "DIR")
            QDir(dir.path()).mkdir("users.csv");
        else if (csv != "-")
            write_file(dir.filePath("users.csv"), csv.toStdString());
        json j = base();
        j["data"] = {{"file", "users.csv"}};
        j["requests"] = json::array({{{"path", path.toStdString()}}});
        write_file(dir.filePath("s.json"), j.dump());
        auto p = load_scenario_file(dir.filePath("s.json").toStdString());
        QVERIFY(!p.ok());
        QCOMPARE(QString::fromStdString(p.errors()[0].field), field);
        QVERIFY2(p.errors()[0].message.find(why.toStdString()) != std::string::npos,
                 p.errors()[0].message.c_str());
    }

    void oversized_data_file_is_refused_unread() {
        QTemporaryDir dir;
        {
            std::ofstream out(dir.filePath("users.csv").toStdString(), std::ios::binary);
            out << "a\n";
            out.seekp(std::streamoff(kMaxDataFileBytes) + 10);
            out << "1\n";  // sparse: 16 MiB + a few bytes on disk cost nothing
        }
        json j = base();
        j["data"] = {{"file", "users.csv"}};
        j["requests"] = json::array({{{"path", "/"}}});
        write_file(dir.filePath("s.json"), j.dump());
        auto p = load_scenario_file(dir.filePath("s.json").toStdString());
        QVERIFY(!p.ok());
        QCOMPARE(p.errors()[0].field, std::string("data.file"));
        QVERIFY2(p.errors()[0].message.find("larger than 16 MiB") != std::string::npos,
                 p.errors()[0].message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestLoadData)
#include "tst_load_data.moc"
