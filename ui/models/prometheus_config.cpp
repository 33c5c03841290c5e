#include "ui/models/prometheus_config.h"

#include <QRegularExpression>
#include <QSettings>
#include <QUrl>
#include <QUuid>

#include "core/agent_client.h"

namespace redline::ui {

namespace {
bool validName(const QString& s) {
    static const QRegularExpression re(QStringLiteral("^[a-zA-Z_:][a-zA-Z0-9_:]*$"));
    return re.match(s).hasMatch();
}
}  // namespace

QString PrometheusSourceConfig::validate() const {
    const QUrl u(url, QUrl::StrictMode);
    if (!u.isValid() || (u.scheme() != "http" && u.scheme() != "https") || u.host().isEmpty())
        return QStringLiteral("URL must look like http://127.0.0.1:9090");
    if (name.trimmed().isEmpty()) return QStringLiteral("Name must not be empty");
    if (refreshS < 1 || refreshS > 3600) return QStringLiteral("Refresh must be 1 to 3600 s");
    if (windowS < refreshS || windowS > 3600)
        return QStringLiteral("Rate window must be at least the refresh interval (and at most 3600 s)");
    if (selector.contains('{') || selector.contains('}'))
        return QStringLiteral("Selector: label matchers without braces, e.g. job=\"api\"");
    const std::pair<const QString*, const char*> names[] = {
        {&durationMetric, "Duration metric"}, {&requestsMetric, "Requests metric"},
        {&statusLabel, "Status label"},       {&methodLabel, "Method label"},
        {&routeLabel, "Route label"},         {&versionLabel, "Version label"},
        {&instanceLabel, "Instance label"},   {&cacheMetric, "Cache metric"},
        {&upstreamMetric, "Upstream metric"}};
    for (const auto& [v, what] : names) {
        const bool optional = v != &durationMetric && v != &instanceLabel;
        if (v->isEmpty() && optional) continue;
        if (!validName(*v))
            return QStringLiteral("%1 must be a metric or label name (letters, digits, _ and :)").arg(what);
    }
    return {};
}

PromAuth PrometheusSourceConfig::auth(QString* error) const {
    PromAuth a;
    if (!tokenFile.isEmpty()) {
        std::string err;
        auto t = read_token_file(tokenFile.toStdString(), &err);
        if (!t) {
            if (error)
                *error = QString::fromStdString(err.empty() ? "cannot read " + tokenFile.toStdString() : err);
            return a;
        }
        a.bearer_token = *t;
    } else {
        a.bearer_token = token.toStdString();
    }
    if (a.bearer_token.empty() && !user.isEmpty()) {
        a.user = user.toStdString();
        a.password = password.toStdString();
    }
    return a;
}

FleetMapping PrometheusSourceConfig::mapping() const {
    FleetMapping m;
    m.selector = selector.trimmed().toStdString();
    m.duration_metric = durationMetric.toStdString();
    m.requests_metric = requestsMetric.toStdString();
    m.status_label = statusLabel.toStdString();
    m.method_label = methodLabel.toStdString();
    m.route_label = routeLabel.toStdString();
    m.version_label = versionLabel.toStdString();
    m.instance_label = instanceLabel.toStdString();
    m.cache_metric = cacheMetric.toStdString();
    m.upstream_metric = upstreamMetric.toStdString();
    return m;
}

PrometheusSourceConfig PrometheusSourceConfig::prometheusSelf(const QString& url) {
    PrometheusSourceConfig c;
    c.url = url;
    c.name = QStringLiteral("Prometheus itself");
    c.selector = QStringLiteral("job=\"prometheus\"");
    c.durationMetric = QStringLiteral("prometheus_http_request_duration_seconds");
    c.requestsMetric = QStringLiteral("prometheus_http_requests_total");
    c.statusLabel = QStringLiteral("code");
    c.methodLabel.clear();
    c.routeLabel = QStringLiteral("handler");
    c.versionLabel.clear();
    c.cacheMetric.clear();
    c.upstreamMetric.clear();
    return c;
}

PrometheusSourceConfig PrometheusSourceConfig::loadGenerators(const QString& url) {
    const FleetMapping m = FleetMapping::load_generators();
    const auto q = [](const std::string& s) { return QString::fromStdString(s); };
    PrometheusSourceConfig c;
    c.url = url;
    c.name = QStringLiteral("Load generators");
    c.selector = q(m.selector);
    c.durationMetric = q(m.duration_metric);
    c.requestsMetric = q(m.requests_metric);
    c.statusLabel = q(m.status_label);
    c.methodLabel = q(m.method_label);
    c.routeLabel = q(m.route_label);
    c.versionLabel = q(m.version_label);
    c.instanceLabel = q(m.instance_label);
    c.cacheMetric = q(m.cache_metric);
    c.upstreamMetric = q(m.upstream_metric);
    return c;
}

QList<PrometheusSourceConfig> PrometheusSourceConfig::load(QSettings& s) {
    QList<PrometheusSourceConfig> out;
    const int n = s.beginReadArray(QStringLiteral("prometheusSources"));
    for (int i = 0; i < n; ++i) {
        s.setArrayIndex(i);
        PrometheusSourceConfig c;
        c.id = s.value("id").toString();
        if (c.id.isEmpty()) c.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
        c.name = s.value("name").toString();
        c.url = s.value("url").toString();
        c.tokenFile = s.value("tokenFile").toString();
        c.user = s.value("user").toString();
        c.persistSecret = s.value("persistSecret", false).toBool();
        if (c.persistSecret) {
            c.token = s.value("token").toString();
            c.password = s.value("password").toString();
        }
        c.refreshS = s.value("refreshS", c.refreshS).toInt();
        c.windowS = s.value("windowS", c.windowS).toInt();
        c.selector = s.value("selector").toString();
        auto str = [&](const char* key, QString& v) { v = s.value(key, v).toString(); };
        str("durationMetric", c.durationMetric);
        str("requestsMetric", c.requestsMetric);
        str("statusLabel", c.statusLabel);
        str("methodLabel", c.methodLabel);
        str("routeLabel", c.routeLabel);
        str("versionLabel", c.versionLabel);
        str("instanceLabel", c.instanceLabel);
        str("cacheMetric", c.cacheMetric);
        str("upstreamMetric", c.upstreamMetric);
        if (c.validate().isEmpty()) out.append(c);  // a hand-edited broken entry is skipped, not half-used
    }
    s.endArray();
    return out;
}

void PrometheusSourceConfig::save(QSettings& s, const QList<PrometheusSourceConfig>& sources) {
    s.remove(QStringLiteral("prometheusSources"));
    QList<PrometheusSourceConfig> kept;
    for (const auto& c : sources)
        if (!c.ephemeral) kept.append(c);
    s.beginWriteArray(QStringLiteral("prometheusSources"), static_cast<int>(kept.size()));
    for (int i = 0; i < kept.size(); ++i) {
        const auto& c = kept[i];
        s.setArrayIndex(i);
        s.setValue("id", c.id);
        s.setValue("name", c.name);
        s.setValue("url", c.url);
        s.setValue("tokenFile", c.tokenFile);
        s.setValue("user", c.user);
        s.setValue("persistSecret", c.persistSecret);
        if (c.persistSecret) {
            s.setValue("token", c.token);
            s.setValue("password", c.password);
        }
        s.setValue("refreshS", c.refreshS);
        s.setValue("windowS", c.windowS);
        s.setValue("selector", c.selector);
        s.setValue("durationMetric", c.durationMetric);
        s.setValue("requestsMetric", c.requestsMetric);
        s.setValue("statusLabel", c.statusLabel);
        s.setValue("methodLabel", c.methodLabel);
        s.setValue("routeLabel", c.routeLabel);
        s.setValue("versionLabel", c.versionLabel);
        s.setValue("instanceLabel", c.instanceLabel);
        s.setValue("cacheMetric", c.cacheMetric);
        s.setValue("upstreamMetric", c.upstreamMetric);
    }
    s.endArray();
}

}  // namespace redline::ui
