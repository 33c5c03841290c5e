// Test helper: a real Prometheus server (Debian's package, REDLINE_PROMETHEUS) on 127.0.0.1, scraping the
// given targets every scrape_interval, optionally with --enable-feature=native-histograms (then it scrapes
// the protobuf format). Prometheus cannot listen on port 0: a port is picked by binding first, and start()
// retries on another port when Prometheus exits at once (the port was taken in between). Stopped (SIGTERM,
// then SIGKILL) by stop() or the destructor; its TSDB lives in a temporary directory.
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
        bool honor_labels = false;  // keep the scraped job/instance labels (a Pushgateway's groups)
    };

    PrometheusServer() = default;
    ~PrometheusServer();
    PrometheusServer(const PrometheusServer&) = delete;
    PrometheusServer& operator=(const PrometheusServer&) = delete;

    /// Starts it and waits until its HTTP API answers (up to 30 s); false + *error otherwise.
    bool start(const Options& options, QString* error);
    void stop();
    std::string url() const;  // "http://127.0.0.1:PORT"

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
