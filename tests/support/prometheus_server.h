// Test helper: a real Prometheus server (Debian's package, REDLINE_PROMETHEUS) on 127.0.0.1, scraping the
// given targets every scrape_interval, optionally with --enable-feature=native-histograms (then it scrapes
// the protobuf format) and optionally itself (job "prometheus"). With kind = VictoriaMetrics the same helper
// runs Debian's victoria-metrics (the same query API; it scrapes the text format) with the same scrape
// configuration, its query latency offset at 1 s and its result cache off, so tests see fresh samples.
// Prometheus cannot listen on port 0: a port is picked by binding first, and start() retries on another port
// when Prometheus exits at once (the port was taken in between). Stopped (SIGTERM, then SIGKILL) by stop() or
// the destructor; its TSDB lives in a temporary directory.
//
// Threading: use from one thread.
#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace redline::test {

class PrometheusServer {
  public:
    struct Options {
        QStringList targets;  // "127.0.0.1:PORT" of each agent's admin API (metrics_path /metrics)
        bool native_histograms = false;
        int scrape_interval_ms = 1000;
        QString job = QStringLiteral("redline");
        bool scrape_self = false;  // also scrape the server's own /metrics as job "prometheus"
        // Each target scraped as this many targets, with instance labels "<host:port>/<k>" (relabelling:
        // a fleet of distinct instances from a few real agents, for fleet-scale tests and benchmarks).
        int replicas = 1;
        enum class Kind { Prometheus, VictoriaMetrics } kind = Kind::Prometheus;
        bool honor_labels = false;  // keep the scraped job/instance labels (a Pushgateway's groups)
        // Prometheus only: HTTP basic auth on its API (--web.config.file) for this user, whose password is
        // kBasicAuthPassword. query()/scalar() below do not authenticate: they fail on such a server.
        QString basic_auth_user;
    };
    static constexpr const char* kBasicAuthPassword = "redline-test-password";

    PrometheusServer() = default;
    ~PrometheusServer();
    PrometheusServer(const PrometheusServer&) = delete;
    PrometheusServer& operator=(const PrometheusServer&) = delete;

    /// Starts it and waits until its HTTP API answers (up to 30 s); false + *error otherwise.
    bool start(const Options& options, QString* error);
    void stop();
    std::string url() const;  // "http://127.0.0.1:PORT"
    qint64 pid() const { return proc_ ? proc_->processId() : 0; }

    /// Instant query at unix time time_s (0: now). Returns data.result; on failure an empty array and *error.
    nlohmann::json query(const std::string& promql, double time_s = 0, std::string* error = nullptr) const;
    /// The first result's value as a number (NaN when there is none or it is not a number).
    double scalar(const std::string& promql, double time_s = 0, std::string* error = nullptr) const;

  private:
    QTemporaryDir dir_;
    std::unique_ptr<QProcess> proc_;
    std::uint16_t port_ = 0;
};

}  // namespace redline::test
