#include "ui/dialogs/prometheus_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <memory>

#include "core/prometheus_client.h"
#include "core/prometheus_fleet.h"
#include "ui/session/agent_connection.h"  // runOnPool

namespace redline::ui {

namespace {
enum Preset { PresetOtel, PresetPrometheus, PresetLoad, PresetCustom };
}

PrometheusDialog::PrometheusDialog(const PrometheusSourceConfig& initial, QWidget* parent)
    : QDialog(parent), base_(initial) {
    setObjectName("prometheusDialog");
    setWindowTitle(initial.id.isEmpty() ? tr("Add Prometheus source") : tr("Edit Prometheus source"));
    auto line = [](const QString& text, const char* name) {
        auto* e = new QLineEdit(text);
        e->setObjectName(name);
        return e;
    };
    name_ = line(initial.name, "promName");
    name_->setPlaceholderText(tr("e.g. production"));
    url_ = line(initial.url.isEmpty() ? QStringLiteral("http://127.0.0.1:9090") : initial.url, "promUrl");
    token_file_ = line(initial.tokenFile, "promTokenFile");
    token_file_->setPlaceholderText(tr("bearer token file (preferred)"));
    token_ = line(initial.token, "promToken");
    token_->setEchoMode(QLineEdit::Password);
    token_->setPlaceholderText(tr("or paste a bearer token"));
    user_ = line(initial.user, "promUser");
    user_->setPlaceholderText(tr("basic auth user (when no token)"));
    password_ = line(initial.password, "promPassword");
    password_->setEchoMode(QLineEdit::Password);
    persist_ = new QCheckBox(tr("Remember the pasted token or password in the settings file"));
    persist_->setChecked(initial.persistSecret);
    selector_ = line(initial.selector, "promSelector");
    selector_->setPlaceholderText(tr("job=\"api\", env=\"prod\" (empty: every target)"));
    refresh_ = new QSpinBox;
    refresh_->setObjectName("promRefresh");
    refresh_->setRange(1, 3600);
    refresh_->setSuffix(tr(" s"));
    refresh_->setValue(initial.refreshS);
    window_ = new QSpinBox;
    window_->setObjectName("promWindow");
    window_->setRange(1, 3600);
    window_->setSuffix(tr(" s"));
    window_->setValue(initial.windowS);
    window_->setToolTip(tr("Range of rate(): at least twice the targets' scrape interval."));

    preset_ = new QComboBox;
    preset_->setObjectName("promPreset");
    preset_->addItem(tr("Redline agents / OpenTelemetry HTTP server metrics"));
    preset_->addItem(tr("Prometheus' own HTTP metrics (by handler)"));
    preset_->addItem(tr("redline-load generators (pushed to a Pushgateway)"));
    preset_->addItem(tr("Custom"));
    duration_ = line({}, "promDurationMetric");
    requests_ = line({}, "promRequestsMetric");
    requests_->setPlaceholderText(tr("empty: the duration histogram's count"));
    status_ = line({}, "promStatusLabel");
    method_ = line({}, "promMethodLabel");
    route_ = line({}, "promRouteLabel");
    version_ = line({}, "promVersionLabel");
    instance_ = line({}, "promInstanceLabel");
    cache_ = line({}, "promCacheMetric");
    cache_->setPlaceholderText(tr("empty: not exported"));
    upstream_ = line({}, "promUpstreamMetric");
    upstream_->setPlaceholderText(tr("empty: no forwarding hosts"));
    setMapping(initial);

    auto* mapping = new QGroupBox(tr("Metric mapping"));
    auto* mf = new QFormLayout(mapping);
    mf->addRow(tr("Preset"), preset_);
    mf->addRow(tr("Duration histogram"), duration_);
    mf->addRow(tr("Requests counter"), requests_);
    mf->addRow(tr("Status label"), status_);
    mf->addRow(tr("Method label"), method_);
    mf->addRow(tr("Route label"), route_);
    mf->addRow(tr("Version label"), version_);
    mf->addRow(tr("Instance label"), instance_);
    mf->addRow(tr("Cache lookups counter"), cache_);
    mf->addRow(tr("Upstream time histogram"), upstream_);

    error_ = new QLabel;
    error_->setObjectName("promDialogError");
    error_->setStyleSheet(QStringLiteral("color: #f85149;"));
    error_->setWordWrap(true);
    test_result_ = new QLabel;
    test_result_->setObjectName("promDialogTestResult");
    test_result_->setWordWrap(true);
    session_note_ = new QLabel;
    session_note_->setObjectName("mutedLabel");
    session_note_->setWordWrap(true);
    session_note_->hide();
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    auto* test = buttons->addButton(tr("&Test"), QDialogButtonBox::ActionRole);
    test->setObjectName("promDialogTest");
    connect(test, &QPushButton::clicked, this, &PrometheusDialog::testSource);

    auto* top = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    form->addRow(tr("Name"), name_);
    form->addRow(tr("URL"), url_);
    form->addRow(tr("Token file"), token_file_);
    form->addRow(tr("Token"), token_);
    form->addRow(tr("User"), user_);
    form->addRow(tr("Password"), password_);
    form->addRow(QString(), persist_);
    form->addRow(tr("Selector"), selector_);
    form->addRow(tr("Refresh every"), refresh_);
    form->addRow(tr("Rate window"), window_);
    top->addLayout(form);
    top->addWidget(mapping);
    top->addWidget(test_result_);
    top->addWidget(error_);
    top->addWidget(session_note_);
    top->addWidget(buttons);
    connect(preset_, &QComboBox::activated, this, &PrometheusDialog::applyPreset);
    connect(buttons, &QDialogButtonBox::accepted, this, &PrometheusDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    // The window follows the refresh: a window shorter than the step would skip requests.
    connect(refresh_, &QSpinBox::valueChanged, this, [this](int v) {
        if (window_->value() < v) window_->setValue(v);
    });
}

void PrometheusDialog::setMapping(const PrometheusSourceConfig& c) {
    duration_->setText(c.durationMetric);
    requests_->setText(c.requestsMetric);
    status_->setText(c.statusLabel);
    method_->setText(c.methodLabel);
    route_->setText(c.routeLabel);
    version_->setText(c.versionLabel);
    instance_->setText(c.instanceLabel);
    cache_->setText(c.cacheMetric);
    upstream_->setText(c.upstreamMetric);
    const auto same = [&](const PrometheusSourceConfig& p) {
        return p.durationMetric == c.durationMetric && p.requestsMetric == c.requestsMetric &&
               p.statusLabel == c.statusLabel && p.methodLabel == c.methodLabel &&
               p.routeLabel == c.routeLabel && p.versionLabel == c.versionLabel &&
               p.instanceLabel == c.instanceLabel && p.cacheMetric == c.cacheMetric &&
               p.upstreamMetric == c.upstreamMetric;
    };
    preset_->setCurrentIndex(same(PrometheusSourceConfig{})                     ? PresetOtel
                             : same(PrometheusSourceConfig::prometheusSelf({})) ? PresetPrometheus
                             : same(PrometheusSourceConfig::loadGenerators({})) ? PresetLoad
                                                                                : PresetCustom);
}

void PrometheusDialog::applyPreset(int index) {
    if (index == PresetCustom) return;
    const PrometheusSourceConfig p = index == PresetOtel         ? PrometheusSourceConfig{}
                                     : index == PresetPrometheus ? PrometheusSourceConfig::prometheusSelf({})
                                                                 : PrometheusSourceConfig::loadGenerators({});
    setMapping(p);
    if (index != PresetOtel && selector_->text().trimmed().isEmpty()) selector_->setText(p.selector);
}

void PrometheusDialog::setSessionOnly(bool sessionOnly) {
    session_note_->setText(
        tr("This session was started with --demo, --agent or --prometheus: a source added "
           "now is used until you quit and is not saved."));
    session_note_->setVisible(sessionOnly);
}

QString PrometheusDialog::testResult() const {
    return test_result_->text();
}
QString PrometheusDialog::errorText() const {
    return error_->text();
}

PrometheusSourceConfig PrometheusDialog::config() const {
    PrometheusSourceConfig c = base_;
    c.name = name_->text().trimmed();
    c.url = url_->text().trimmed();
    c.tokenFile = token_file_->text().trimmed();
    c.token = token_->text().trimmed();
    c.user = user_->text().trimmed();
    c.password = password_->text();
    c.persistSecret = persist_->isChecked();
    c.selector = selector_->text().trimmed();
    c.refreshS = refresh_->value();
    c.windowS = window_->value();
    c.durationMetric = duration_->text().trimmed();
    c.requestsMetric = requests_->text().trimmed();
    c.statusLabel = status_->text().trimmed();
    c.methodLabel = method_->text().trimmed();
    c.routeLabel = route_->text().trimmed();
    c.versionLabel = version_->text().trimmed();
    c.instanceLabel = instance_->text().trimmed();
    c.cacheMetric = cache_->text().trimmed();
    c.upstreamMetric = upstream_->text().trimmed();
    return c;
}

void PrometheusDialog::testSource() {
    const PrometheusSourceConfig c = config();
    QString err = c.validate();
    PromAuth auth;
    if (err.isEmpty()) auth = c.auth(&err);
    if (!err.isEmpty()) {
        test_result_->setText(err);
        test_result_->setStyleSheet(QStringLiteral("color: #f85149;"));
        emit testFinished(false);
        return;
    }
    test_result_->setStyleSheet(QString());
    test_result_->setText(tr("Asking %1…").arg(c.url));
    const int gen = ++test_generation_;
    QPointer<PrometheusDialog> self(this);
    runOnPool([self, gen, url = c.url.toStdString(), auth, m = c.mapping()] {
        PrometheusClient client(url, auth, std::chrono::seconds(5));
        auto text = std::make_shared<QString>();
        bool ok = false;
        auto up = client.query(fleet_targets_query(m));
        if (!up.ok()) {
            *text = tr("✗ %1").arg(QString::fromStdString(up.error));
        } else if (up.value->empty()) {
            *text = tr("✗ %1").arg(QString::fromStdString(fleet_no_target_text(m)));
        } else {
            int live = 0;
            for (const auto& s : *up.value)
                live += !s.points.empty() && s.points.front().second == 1;
            auto probe = client.query(fleet_native_probe(m));
            auto classic = client.query("count(" + fleet_series(m.duration_metric + "_count", m.selector) +
                                        ") or vector(0)");
            const bool native =
                probe.ok() && !probe.value->empty() && probe.value->front().points.at(0).second > 0;
            const bool cls =
                classic.ok() && !classic.value->empty() && classic.value->front().points.at(0).second > 0;
            ok = native || cls;
            *text =
                tr("%1 %2 target(s), %3 up · %4")
                    .arg(ok ? QStringLiteral("✓") : QStringLiteral("✗"))
                    .arg(up.value->size())
                    .arg(live)
                    .arg(
                        native ? tr("%1 is a native histogram").arg(QString::fromStdString(m.duration_metric))
                        : cls ? tr("%1 is a classic histogram").arg(QString::fromStdString(m.duration_metric))
                              : tr("no %1 series: check the mapping")
                                    .arg(QString::fromStdString(m.duration_metric)));
        }
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, gen, text, ok] {
                if (!self || gen != self->test_generation_) return;
                self->test_result_->setText(*text);
                self->test_result_->setStyleSheet(ok ? QString() : QStringLiteral("color: #f85149;"));
                emit self->testFinished(ok);
            },
            Qt::QueuedConnection);
    });
}

void PrometheusDialog::accept() {
    const PrometheusSourceConfig c = config();
    QString err = c.validate();
    if (err.isEmpty() && !c.tokenFile.isEmpty()) c.auth(&err);
    if (!err.isEmpty()) {
        error_->setText(err);
        return;
    }
    QDialog::accept();
}

}  // namespace redline::ui
