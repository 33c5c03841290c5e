// Redline scales out through Prometheus: a real Prometheus server (Debian's package) scrapes a real agent with the
// example configuration's rules, and what it computes agrees with what the agent reports itself.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QScopeGuard>
#include <QThread>

#include <cctype>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/agent_client.h"
#include "tests/support/child_process.h"

using redline::test::ChildProcess;

namespace {

QString source_path(const QString& rel) { return QStringLiteral(REDLINE_SOURCE_DIR "/") + rel; }

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

// Runs an instant query and returns the "result" array (empty on any failure).
nlohmann::json query(redline::AgentClient& prom, const std::string& promql) {
    std::string q;
    for (unsigned char c : promql) {
        if (std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~') q += char(c);
        else q += fmt::format("%{:02X}", c);
    }
    const auto r = prom.request("GET", "/api/v1/query?query=" + q);
    if (!r.transport_ok() || r.status != 200) return nlohmann::json::array();
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || j.value("status", "") != "success") return nlohmann::json::array();
    return j["data"]["result"];
}

}  // namespace

class TestPrometheusFleet : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        if (QStringLiteral(REDLINE_PROMTOOL).isEmpty() || QStringLiteral(REDLINE_PROMETHEUS).isEmpty())
            QFAIL("promtool/prometheus not found: install Debian's 'prometheus' package (packaging/redline.sh does)");
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

    void prometheusScrapesTheAgent() {
        QTemporaryDir data, prom_dir;
        QVERIFY(data.isValid() && prom_dir.isValid());
        ChildProcess agent;
        QString error;
        QVERIFY2(agent.start(ChildProcess::binary("agents/redline-agent-demo"),
                             {"--admin-listen", "127.0.0.1:0", "--data-dir", data.path()}, 30'000, &error),
                 qPrintable(error));
        const QString target = agent.admin_url().mid(QStringLiteral("http://").size());

        QVERIFY(QFile::copy(source_path("packaging/prometheus/redline-rules.yml"), prom_dir.filePath("redline-rules.yml")));
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
        prom.start(QStringLiteral(REDLINE_PROMETHEUS),
                   {"--config.file=" + cfg.fileName(), "--storage.tsdb.path=" + prom_dir.filePath("tsdb"),
                    QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port), "--log.level=warn"});
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
        QTRY_VERIFY_WITH_TIMEOUT((series = query(client, "sum by (http_route, version) (http_server_requests_total)"),
                                  series.size() >= 2),
                                 30'000);
        for (const auto& s : series) {
            QVERIFY(s["metric"].contains("http_route"));
            QVERIFY(s["metric"].contains("version"));
        }
        // The example rules evaluate: rate and p99 recorded per route, from the sketch-derived histogram buckets.
        QTRY_VERIFY_WITH_TIMEOUT(!query(client, "redline:http_requests:rate1m > 0").empty(), 30'000);
        QTRY_VERIFY_WITH_TIMEOUT(!query(client, "redline:http_request_duration_seconds:p99_1m > 0").empty(), 30'000);

        // Prometheus' total request count never runs ahead of the agent's own cumulative count.
        const auto total = query(client, "sum(http_server_requests_total)");
        QVERIFY(!total.empty());
        const double prom_total = std::stod(total[0]["value"][1].get<std::string>());
        redline::AgentClient admin(agent.admin_url().toStdString(), agent.token("viewer").toStdString());
        const auto metrics = admin.metrics();
        QVERIFY2(metrics.ok(), metrics.error_message().c_str());
        double agent_total = 0;
        for (const auto& line : QString::fromStdString(*metrics.value).split('\n')) {
            if (line.startsWith("http_server_requests_total{")) agent_total += line.section(' ', -1).toDouble();
        }
        QVERIFY(prom_total > 0);
        QVERIFY2(prom_total <= agent_total, qPrintable(QStringLiteral("%1 > %2").arg(prom_total).arg(agent_total)));
        QCOMPARE(agent.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TestPrometheusFleet)
#include "tst_prometheus_fleet.moc"
