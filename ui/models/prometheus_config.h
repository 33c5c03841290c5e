// One configured Prometheus-compatible source (Prometheus, Thanos, Mimir, VictoriaMetrics) as the user
// entered it, persisted in QSettings beside the agents: URL, optional bearer token or basic auth, the label
// selector, the refresh interval, and the metric/label mapping (defaults: Redline agents and any service
// exporting the OpenTelemetry HTTP server metrics; `prometheusSelf()` maps Prometheus' own HTTP metrics).
//
// Secrets follow the agents' rule: a token file is read at connect time; a typed token or password is kept
// in memory only unless persistSecret is set.
#pragma once

#include <QList>
#include <QString>

#include "core/prometheus_client.h"
#include "core/prometheus_fleet.h"

class QSettings;

namespace redline::ui {

struct PrometheusSourceConfig {
    QString id;                // stable local key (UUID)
    QString name;              // shown in the agents list ("<name> · fleet", "<name> / <instance>")
    QString url;               // e.g. http://127.0.0.1:9090 (a path prefix is kept)
    QString tokenFile, token;  // bearer token (file preferred)
    QString user, password;    // basic auth when user is non-empty and no token is set
    bool persistSecret = false;
    int refreshS = 5;  // query step and refresh interval, 1..3600 s
    int windowS = 30;  // range of rate(): at least 2 scrape intervals of the targets, at least refreshS
    QString selector;  // label matchers without braces, e.g. job="redline"
    QString durationMetric = QStringLiteral("http_server_request_duration_seconds");
    QString requestsMetric = QStringLiteral("http_server_requests_total");
    QString statusLabel = QStringLiteral("http_response_status_code");
    QString methodLabel = QStringLiteral("http_request_method");
    QString routeLabel = QStringLiteral("http_route");
    QString versionLabel = QStringLiteral("version");
    QString instanceLabel = QStringLiteral("instance");
    QString cacheMetric = QStringLiteral("redline_cache_lookups_total");
    /// A forwarding host's upstream time histogram (redline-proxy); empty = none.
    QString upstreamMetric = QStringLiteral("redline_upstream_request_duration_seconds");
    bool ephemeral = false;  // from --prometheus: this session only
    bool operator==(const PrometheusSourceConfig&) const = default;

    /// Non-empty user-facing message naming the first unusable field.
    QString validate() const;
    /// The auth to send; sets *error when the token file is unreadable.
    PromAuth auth(QString* error = nullptr) const;
    FleetMapping mapping() const;  // native is decided by the source's probe

    /// The mapping for Prometheus' own HTTP server metrics (by handler, status "code", no version, no cache).
    static PrometheusSourceConfig prometheusSelf(const QString& url);
    /// redline-load runs pushed to a Pushgateway (`redline-load --push`): one row per generator, the
    /// scenario's requests as routes, the corrected latency (native histogram).
    static PrometheusSourceConfig loadGenerators(const QString& url);

    static QList<PrometheusSourceConfig> load(QSettings& s);
    static void save(QSettings& s, const QList<PrometheusSourceConfig>& sources);
};

}  // namespace redline::ui
