// One Prometheus-compatible source, polled: every refresh interval a job on the global QThreadPool runs the
// fleet queries (core/prometheus_fleet.h: four range queries with step = refresh, plus `up` for the targets;
// the native-histogram probe and target_info once a minute) and hands the new steps to the GUI thread as
// Snapshots per instance and for the whole fleet. The first refresh backfills history (up to the series
// store's capacity, at most 15 min); later ones ask only for the steps since the last one.
//
// Failures never block and never drop what was shown: the update says which query failed and with what
// (Prometheus' own error text, "cannot reach ...", a timeout), the last data stays, and the next attempt
// backs off (refresh x 2^k, at most 60 s) until one succeeds.
//
// Threading: the object lives on the GUI thread. At most one job runs at a time; it owns the
// PrometheusClient while it runs (shared_ptr, never touched by two threads at once). Results come back
// through a queued invokeMethod and are dropped when the source is gone (QPointer).
#pragma once

#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <memory>
#include <optional>

#include "core/prometheus_fleet.h"
#include "ui/models/prometheus_config.h"

namespace redline::ui {

class PrometheusSource : public QObject {
    Q_OBJECT
  public:
    struct Target {
        std::string instance, job;
        bool up = false;
        bool redline = false;  // target_info says telemetry_sdk_name="redline"
        bool pushed = false;   // known from its series only: no scrape target (`up`) of its own
    };
    struct Update {
        bool ok = false;
        QString error;  // one line naming the failed query when !ok
        FleetFrame frame;
        std::map<std::string, std::vector<Snapshot>> focus_history;  // route series only, older steps
        std::vector<Target> targets;                                 // empty when !ok
        int queries = 0;                                             // PromQL queries this refresh ran
        double query_seconds = 0;                                    // their total time
    };

    PrometheusSource(PrometheusSourceConfig config, std::size_t historySteps, QObject* parent = nullptr);
    ~PrometheusSource() override;

    const PrometheusSourceConfig& config() const { return config_; }
    void start();
    void stop();
    /// Runs a refresh now unless one is running.
    void refreshNow();
    /// Instances whose per-route series are wanted (the selected one); their history is fetched once.
    void setFocus(const QStringList& instances);
    QStringList focus() const { return focus_; }

    bool healthy() const { return failures_ == 0 && refreshes_ > 0; }
    int failures() const { return failures_; }
    /// "every 5 s · 7 queries in 38 ms · native histograms" or the last error with the retry time.
    QString status() const { return status_; }
    /// Whether the duration metric was found as a native histogram (the probe's answer).
    bool native() const { return native_; }
    int lastQueryCount() const { return last_queries_; }
    double lastQuerySeconds() const { return last_query_s_; }
    std::uint64_t refreshes() const { return refreshes_; }

  signals:
    void updated(const redline::ui::PrometheusSource::Update& u);

  private:
    struct Job;
    void schedule(int ms);
    void onDone(std::shared_ptr<Update> u, std::int64_t end_ms, std::optional<bool> native,
                std::optional<QSet<QString>> redline);

    PrometheusSourceConfig config_;
    std::size_t history_steps_;
    std::shared_ptr<PrometheusClient> client_;
    QTimer timer_;
    bool running_ = false, in_flight_ = false;
    std::int64_t last_end_ms_ = 0;  // the newest step already delivered
    std::int64_t last_probe_ms_ = 0;
    bool native_ = false;
    QSet<QString> redline_;  // instances whose target_info says Redline
    QStringList focus_;
    QStringList focus_backfill_;  // newly focused: history still to fetch
    int failures_ = 0;
    std::uint64_t refreshes_ = 0;
    int last_queries_ = 0;
    double last_query_s_ = 0;
    QString status_;
};

}  // namespace redline::ui
