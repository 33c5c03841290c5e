// Redline scales out through Prometheus: a real Prometheus server (Debian's package) scrapes a real agent
// with the example configuration's rules, and what it computes agrees with what the agent reports itself.
#include <fmt/format.h>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/agent_client.h"
#include "tests/support/child_process.h"

using redline::test::ChildProcess;

namespace {

QString source_path(const QString& rel) {
    return QStringLiteral(REDLINE_SOURCE_DIR "/") + rel;
}

int run(const QString& program, const QStringList& args, QByteArray* out = nullptr) {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForFinished(60'000)) {
        p.kill();
        p.waitForFinished();
        return -1;
    }
    if (out) *out = p.readAll();
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

// Runs an instant query; *ok tells whether Prometheus accepted and evaluated it.
nlohmann::json query_checked(redline::AgentClient& prom, const std::string& promql, bool* ok,
                             std::string* why) {
    *ok = false;
    std::string q;
    for (unsigned char c : promql) {
        if (std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~')
            q += char(c);
        else
            q += fmt::format("%{:02X}", c);
    }
    const auto r = prom.request("GET", "/api/v1/query?query=" + q);
    if (!r.transport_ok()) {
        *why = "transport error";
        return nlohmann::json::array();
    }
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (r.status != 200 || j.is_discarded() || j.value("status", "") != "success") {
        *why = fmt::format("HTTP {}: {}", r.status, r.body);
        return nlohmann::json::array();
    }
    *ok = true;
    return j["data"]["result"];
}

// Runs an instant query and returns the "result" array (empty on any failure).
nlohmann::json query(redline::AgentClient& prom, const std::string& promql) {
    bool ok = false;
    std::string why;
    return query_checked(prom, promql, &ok, &why);
}

// A Grafana panel query with the dashboard's template variables set to "All" and the default rate interval.
std::string grafana_expr(std::string e) {
    auto replace_all = [&e](const std::string& from, const std::string& to) {
        for (std::size_t pos = 0; (pos = e.find(from, pos)) != std::string::npos; pos += to.size())
            e.replace(pos, from.size(), to);
    };
    replace_all("$__rate_interval", "1m");
    for (const char* v : {"$job", "$instance", "$route", "$version"})
        replace_all(v, ".*");
    return e;
}

}  // namespace

class TestPrometheusFleet : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase() {
        if (QStringLiteral(REDLINE_PROMTOOL).isEmpty() || QStringLiteral(REDLINE_PROMETHEUS).isEmpty())
            QFAIL(
                "promtool/prometheus not found: install Debian's 'prometheus' package (packaging/redline.sh "
                "does)");
    }

    void exampleConfigAndRulesAreValid() {
        QByteArray out;
        QCOMPARE(run(QStringLiteral(REDLINE_PROMTOOL),
                     {"check", "config", source_path("packaging/prometheus/prometheus.yml")}, &out),
                 0);
        QCOMPARE(run(QStringLiteral(REDLINE_PROMTOOL),
                     {"check", "rules", source_path("packaging/prometheus/redline-rules.yml")}, &out),
                 0);
        QVERIFY2(out.contains("SUCCESS: 7 rules found"), out.constData());
    }

    // The example rules and the Grafana dashboard over a Prometheus that stores the agent's latency as
    // classic buckets, and over one with native histograms (2.42 then keeps only the native form: no
    // _bucket series, so every latency query also has a native branch).
    void prometheusScrapesTheAgent_data() {
        QTest::addColumn<bool>("native");
        QTest::newRow("classic") << false;
        QTest::newRow("native") << true;
    }
    void prometheusScrapesTheAgent() {
        QFETCH(bool, native);
        QTemporaryDir data, prom_dir;
        QVERIFY(data.isValid() && prom_dir.isValid());
        ChildProcess agent;
        QString error;
        QVERIFY2(agent.start(ChildProcess::binary("agents/redline-agent-demo"),
                             {"--admin-listen", "127.0.0.1:0", "--data-dir", data.path()}, 30'000, &error),
                 qPrintable(error));
        const QString target = agent.admin_url().mid(QStringLiteral("http://").size());

        QVERIFY(QFile::copy(source_path("packaging/prometheus/redline-rules.yml"),
                            prom_dir.filePath("redline-rules.yml")));
        QFile cfg(prom_dir.filePath("prometheus.yml"));
        QVERIFY(cfg.open(QIODevice::WriteOnly));
        cfg.write(QStringLiteral("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                                 "rule_files: [redline-rules.yml]\n"
                                 "scrape_configs:\n  - job_name: redline\n    static_configs:\n"
                                 "      - targets: ['%1']\n")
                      .arg(target)
                      .toUtf8());
        cfg.close();

        const auto port = ChildProcess::free_port();
        QProcess prom;
        prom.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        QStringList args{"--config.file=" + cfg.fileName(), "--storage.tsdb.path=" + prom_dir.filePath("tsdb"),
                         QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port), "--log.level=warn"};
        if (native) args << QStringLiteral("--enable-feature=native-histograms");
        prom.start(QStringLiteral(REDLINE_PROMETHEUS), args);
        QVERIFY(prom.waitForStarted(10'000));
        auto stop_prom = qScopeGuard([&] {
            prom.terminate();
            if (!prom.waitForFinished(10'000)) prom.kill();
        });

        redline::AgentClient client(fmt::format("http://127.0.0.1:{}", port), "");
        // The target is up and scraped.
        QTRY_VERIFY_WITH_TIMEOUT(!query(client, "up{job=\"redline\"} == 1").empty(), 30'000);
        // Counters arrive per route and version, with the OpenTelemetry-style labels of docs/metrics.md.
        nlohmann::json series;
        QTRY_VERIFY_WITH_TIMEOUT(
            (series = query(client, "sum by (http_route, version) (http_server_requests_total)"),
             series.size() >= 2),
            30'000);
        for (const auto& s : series) {
            QVERIFY(s["metric"].contains("http_route"));
            QVERIFY(s["metric"].contains("version"));
        }
        // The example rules evaluate: rate and p99 recorded per route, from the sketch-derived histogram
        // buckets.
        QTRY_VERIFY_WITH_TIMEOUT(!query(client, "redline:http_requests:rate1m > 0").empty(), 30'000);
        QTRY_VERIFY_WITH_TIMEOUT(!query(client, "redline:http_request_duration_seconds:p99_1m > 0").empty(),
                                 30'000);
        // This run stores the form it is meant to (else the native branch is not what was tested).
        QCOMPARE(query(client, "http_server_request_duration_seconds_bucket").empty(), native);

        // Every query of the Grafana dashboard (packaging/grafana) is valid PromQL over these metrics, and
        // the main panels have data.
        QFile dash_file(source_path("packaging/grafana/redline-dashboard.json"));
        QVERIFY(dash_file.open(QIODevice::ReadOnly));
        const auto dash = nlohmann::json::parse(dash_file.readAll().toStdString(), nullptr, false);
        QVERIFY(!dash.is_discarded());
        QCOMPARE(dash.value("uid", ""), std::string("redline-red"));
        int checked = 0;
        for (const auto& panel : dash.at("panels")) {
            for (const auto& t : panel.at("targets")) {
                const std::string expr = grafana_expr(t.at("expr").get<std::string>());
                bool ok = false;
                std::string why;
                const auto result = query_checked(client, expr, &ok, &why);
                QVERIFY2(ok, qPrintable(QString::fromStdString(panel.value("title", "") + ": " + why)));
                const std::string title = panel.value("title", "");
                if (title == "Request rate by route and version" || title.rfind("Latency p50", 0) == 0)
                    QVERIFY2(!result.empty(), title.c_str());
                ++checked;
            }
        }
        QVERIFY(checked >= 12);
        for (const auto& v : dash.at("templating").at("list")) {
            if (v.value("type", "") != "query") continue;
            // label_values(...) is Grafana syntax: check its inner selector instead.
            std::string q = v.at("definition").get<std::string>();
            const auto open = q.find('('), comma = q.rfind(',');
            QVERIFY(open != std::string::npos && comma != std::string::npos && comma > open);
            bool ok = false;
            std::string why;
            query_checked(client, grafana_expr(q.substr(open + 1, comma - open - 1)), &ok, &why);
            QVERIFY2(ok, why.c_str());
        }

        // Prometheus' total request count never runs ahead of the agent's own cumulative count.
        const auto total = query(client, "sum(http_server_requests_total)");
        QVERIFY(!total.empty());
        const double prom_total = std::stod(total[0]["value"][1].get<std::string>());
        redline::AgentClient admin(agent.admin_url().toStdString(), agent.token("viewer").toStdString());
        const auto metrics = admin.metrics();
        QVERIFY2(metrics.ok(), metrics.error_message().c_str());
        double agent_total = 0;
        for (const auto& line : QString::fromStdString(*metrics.value).split('\n')) {
            if (line.startsWith("http_server_requests_total{"))
                agent_total += line.section(' ', -1).toDouble();
        }
        QVERIFY(prom_total > 0);
        QVERIFY2(prom_total <= agent_total,
                 qPrintable(QStringLiteral("%1 > %2").arg(prom_total).arg(agent_total)));
        QCOMPARE(agent.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TestPrometheusFleet)
#include "tst_prometheus_fleet.moc"
