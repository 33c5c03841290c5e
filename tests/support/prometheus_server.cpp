#include "tests/support/prometheus_server.h"

#include <fmt/format.h>

#include <QFile>
#include <QThread>
#include <cctype>
#include <chrono>
#include <cmath>

#include "core/agent_client.h"
#include "tests/support/child_process.h"

namespace redline::test {

namespace {

std::string url_encode(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~')
            out += char(c);
        else
            out += fmt::format("%{:02X}", c);
    }
    return out;
}

}  // namespace

PrometheusServer::~PrometheusServer() {
    stop();
}

bool PrometheusServer::start(const Options& o, QString* error) {
    if (!dir_.isValid()) {
        *error = QStringLiteral("no temporary directory");
        return false;
    }
    QString targets;
    for (const auto& t : o.targets)
        targets += (targets.isEmpty() ? "'" : ", '") + t + "'";
    const bool vm = o.kind == Options::Kind::VictoriaMetrics;
    const QString binary = vm ? QStringLiteral(REDLINE_VICTORIA_METRICS) : QStringLiteral(REDLINE_PROMETHEUS);
    if (binary.isEmpty()) {
        *error = vm ? QStringLiteral("victoria-metrics not found: install Debian's 'victoria-metrics'")
                    : QStringLiteral("prometheus not found: install Debian's 'prometheus'");
        return false;
    }
    for (int attempt = 0; attempt < 3; ++attempt) {
        port_ = ChildProcess::free_port();
        QFile cfg(dir_.filePath(QStringLiteral("prometheus.yml")));
        if (!cfg.open(QIODevice::WriteOnly)) {
            *error = QStringLiteral("cannot write prometheus.yml");
            return false;
        }
        QString yml = QStringLiteral(
                          "global:\n  scrape_interval: %1ms\n  scrape_timeout: %1ms\n"
                          "scrape_configs:\n  - job_name: %2\n    honor_labels: %3\n    static_configs:\n")
                          .arg(o.scrape_interval_ms)
                          .arg(o.job, o.honor_labels ? QStringLiteral("true") : QStringLiteral("false"));
        if (o.replicas <= 1) {
            yml += QStringLiteral("      - targets: [%1]\n").arg(targets);
        } else {
            // Fake addresses "<real>/<k>" become the instance label; the real address is what is scraped.
            for (const auto& t : o.targets) {
                QString fakes;
                for (int k = 0; k < o.replicas; ++k)
                    fakes += (k ? ", '" : "'") + t + "/" + QString::number(k) + "'";
                yml += QStringLiteral("      - targets: [%1]\n        labels: {redline_real: '%2'}\n")
                           .arg(fakes, t);
            }
            yml += QStringLiteral(
                "    relabel_configs:\n"
                "      - {source_labels: [__address__], target_label: instance}\n"
                "      - {source_labels: [redline_real], target_label: __address__}\n"
                "      - {regex: redline_real, action: labeldrop}\n");
        }
        if (o.scrape_self)
            yml += QStringLiteral(
                       "  - job_name: prometheus\n    static_configs:\n"
                       "      - targets: ['127.0.0.1:%1']\n")
                       .arg(port_);
        cfg.write(yml.toUtf8());
        cfg.close();
        proc_ = std::make_unique<QProcess>();
        proc_->setProcessChannelMode(QProcess::MergedChannels);
        QStringList args;
        if (vm) {
            args = {"-promscrape.config=" + cfg.fileName(),
                    "-storageDataPath=" + dir_.filePath(QStringLiteral("vmdata")),
                    QStringLiteral("-httpListenAddr=127.0.0.1:%1").arg(port_),
                    "-search.latencyOffset=1s",
                    "-search.disableCache",
                    "-loggerLevel=ERROR"};
        } else {
            args = {"--config.file=" + cfg.fileName(),
                    "--storage.tsdb.path=" + dir_.filePath(QStringLiteral("tsdb")),
                    QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port_), "--log.level=warn"};
            if (o.native_histograms) args << QStringLiteral("--enable-feature=native-histograms");
            if (!o.basic_auth_user.isEmpty()) {
                // bcrypt (cost 4: this is a test) of kBasicAuthPassword, made with Python's
                // crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)).
                QFile web(dir_.filePath(QStringLiteral("web.yml")));
                if (!web.open(QIODevice::WriteOnly)) {
                    *error = QStringLiteral("cannot write the web config");
                    return false;
                }
                web.write(QStringLiteral("basic_auth_users:\n  %1: "
                                         "$2b$04$v/HgaVRNdxtoT2v9RNyBjes86nqKg9nyRTVsaPGLFWYKMy5TQQIua\n")
                              .arg(o.basic_auth_user)
                              .toUtf8());
                web.close();
                args << "--web.config.file=" + web.fileName();
            }
        }
        proc_->start(binary, args);
        if (!proc_->waitForStarted(10'000)) {
            *error = binary + QStringLiteral(" did not start: ") + proc_->errorString();
            return false;
        }
        redline::AgentClient client(url(), "", std::chrono::seconds(2));
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (std::chrono::steady_clock::now() < deadline && proc_->state() == QProcess::Running) {
            const auto r = client.request("GET", vm ? "/health" : "/-/ready");
            if (r.transport_ok() && (r.status == 200 || (r.status == 401 && !o.basic_auth_user.isEmpty())))
                return true;
            QThread::msleep(100);
        }
        *error = QStringLiteral("prometheus not ready: ") + QString::fromUtf8(proc_->readAll());
        stop();
    }
    return false;
}

void PrometheusServer::stop() {
    if (!proc_) return;
    if (proc_->state() != QProcess::NotRunning) {
        proc_->terminate();
        if (!proc_->waitForFinished(10'000)) {
            proc_->kill();
            proc_->waitForFinished();
        }
    }
    proc_.reset();
}

std::string PrometheusServer::url() const {
    return fmt::format("http://127.0.0.1:{}", port_);
}

nlohmann::json PrometheusServer::query(const std::string& promql, double time_s, std::string* error) const {
    redline::AgentClient client(url(), "", std::chrono::seconds(10));
    std::string path = "/api/v1/query?query=" + url_encode(promql);
    if (time_s > 0) path += fmt::format("&time={:.3f}", time_s);
    const auto r = client.request("GET", path);
    std::string why;
    if (!r.transport_ok()) {
        why = "transport error";
    } else {
        auto j = nlohmann::json::parse(r.body, nullptr, false);
        if (r.status == 200 && !j.is_discarded() && j.value("status", "") == "success")
            return j["data"]["result"];
        why = fmt::format("HTTP {}: {}", r.status, r.body);
    }
    if (error) *error = why;
    return nlohmann::json::array();
}

double PrometheusServer::scalar(const std::string& promql, double time_s, std::string* error) const {
    const auto r = query(promql, time_s, error);
    if (!r.is_array() || r.empty() || !r[0].contains("value")) return NAN;
    try {
        return std::stod(r[0]["value"][1].get<std::string>());
    } catch (const std::exception&) {
        return NAN;
    }
}

}  // namespace redline::test
