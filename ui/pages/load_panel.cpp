#include "ui/pages/load_panel.h"

#include <QComboBox>
#include <QDateTime>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QStandardPaths>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <limits>

#include "ui/session/agent_connection.h"
#include "ui/session/dashboard.h"
#include "ui/session/load_controller.h"
#include "ui/widgets/chart_view.h"
#include "ui/widgets/theme.h"

namespace redline::ui {

namespace {
QString ms(double v) {
    return QString::number(v, 'f', v < 10 ? 2 : 1) + QStringLiteral(" ms");
}
QString duration(double s) {
    const int t = static_cast<int>(s + 0.5);
    return t >= 60 ? QStringLiteral("%1 min %2 s").arg(t / 60).arg(t % 60) : QStringLiteral("%1 s").arg(t);
}
QString pct(double ratio) {
    return QString::number(ratio * 100, 'f', ratio > 0 && ratio < 0.001 ? 3 : 2) + QStringLiteral(" %");
}
/// A threshold's observed value in the unit its expression uses.
QString observedText(const load::ThresholdResult& t) {
    using M = load::ThresholdMetric;
    if (!t.evaluated) return QStringLiteral("—");
    switch (t.threshold.metric) {
        case M::ErrorRate:
        case M::RateLimitedRate:
        case M::CacheHitRatio:
        case M::Checks:
            return pct(t.observed);
        case M::Rate:
            return QString::number(t.observed, 'f', 1) + QStringLiteral("/s");
        case M::Unsent:
            return QString::number(t.observed, 'f', 0);
        default:
            return ms(t.observed);
    }
}
constexpr const char* kBad = "#f85149";
constexpr const char* kGood = "#3fb950";
}  // namespace

LoadPanel::LoadPanel(Dashboard* dashboard, LoadController* controller, QWidget* parent)
    : Page(parent), d_(dashboard), ctl_(controller) {
    scenario_ = new QComboBox;
    for (const auto& n : load::list_builtin_scenarios({REDLINE_SOURCE_SCENARIOS}))
        scenario_->addItem(QString::fromStdString(n), QString::fromStdString(n));
    auto* open = new QPushButton(tr("Open file…"));
    auto* scenarioRow = new QHBoxLayout;
    scenarioRow->addWidget(scenario_, 1);
    scenarioRow->addWidget(open);
    description_ = new QLabel;
    description_->setObjectName("mutedLabel");
    description_->setWordWrap(true);
    target_ = new QLineEdit;
    target_->setObjectName("loadTarget");
    target_->setPlaceholderText(QStringLiteral("http://127.0.0.1:8080"));
    target_hint_ = new QLabel;
    target_hint_->setObjectName("mutedLabel");
    target_hint_->setWordWrap(true);
    rate_ = new QDoubleSpinBox;
    rate_->setObjectName("loadRate");
    rate_->setRange(0, 100000);
    rate_->setSpecialValueText(tr("scenario default"));
    rate_->setSuffix(tr(" req/s"));
    duration_ = new QDoubleSpinBox;
    duration_->setObjectName("loadDuration");
    duration_->setRange(0, 86400);
    duration_->setSpecialValueText(tr("scenario default"));
    duration_->setSuffix(tr(" s"));
    start_ = new QPushButton(tr("Start"));
    start_->setObjectName("primaryButton");
    start_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    start_->setToolTip(tr("Start the load test (Ctrl+R)"));
    stop_ = new QPushButton(tr("Stop"));
    stop_->setObjectName("dangerButton");
    stop_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    stop_->setToolTip(tr("Stop the load test (Ctrl+.)"));

    auto* form = new QFormLayout;
    form->addRow(tr("Scenario"), scenarioRow);
    form->addRow(QString(), description_);
    form->addRow(tr("Target API"), target_);
    form->addRow(QString(), target_hint_);
    form->addRow(tr("Peak rate"), rate_);
    form->addRow(tr("Duration"), duration_);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(stop_);
    buttons->addWidget(start_);
    form->addRow(buttons);
    auto* setup = new QGroupBox(tr("Run"));
    setup->setLayout(form);

    progress_ = new QProgressBar;
    progress_->setRange(0, 1000);
    progress_->setTextVisible(false);
    stage_ = new QLabel(tr("Idle"));
    live_ = new QLabel;
    live_->setObjectName("liveFigures");
    live_->setWordWrap(true);
    record_note_ = new QLabel;
    record_note_->setObjectName("inlineError");
    record_note_->setAccessibleName(tr("Run not saved"));
    record_note_->setWordWrap(true);
    record_note_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    record_note_->hide();
    auto* prog = new QGroupBox(tr("Progress (client side)"));
    auto* pl = new QVBoxLayout(prog);
    pl->addWidget(progress_);
    pl->addWidget(stage_);
    pl->addWidget(live_);
    pl->addWidget(record_note_);

    summary_ = new QTextBrowser;
    summary_->setPlaceholderText(tr("The summary of the last run appears here."));
    save_ = new QPushButton(tr("Save summary as JSON…"));
    auto* sum = new QGroupBox(tr("Summary"));
    auto* sl = new QVBoxLayout(sum);
    sl->addWidget(summary_, 1);
    sl->addWidget(save_, 0, Qt::AlignRight);

    rate_chart_ = new ChartView(tr("Run: rate (client side)"), tr("req/s"));
    rate_chart_->setObjectName("loadRateChart");
    latency_chart_ = new ChartView(tr("Run: latency"), tr("ms"));
    latency_chart_->setObjectName("loadLatencyChart");
    // Small minimums: the window must fit a 1066x666 logical screen (1600x1000 at 1.5x) with the dock open.
    for (auto* c : {rate_chart_, latency_chart_}) {
        c->setMinimumSize(150, 170);
        // The run's charts follow the run (no zoom: a drag would select a range nothing shows); one crosshair
        // across both, as on the Charts tab.
        c->setZoomable(false);
        connect(c, &ChartView::hovered, this, [this](qint64 t) {
            rate_chart_->setCrosshair(t);
            latency_chart_->setCrosshair(t);
        });
    }
    auto* charts = new QHBoxLayout;
    charts->addWidget(rate_chart_, 1);
    charts->addWidget(latency_chart_, 1);

    auto* left = new QVBoxLayout;
    left->addWidget(setup);
    left->addWidget(prog);
    left->addStretch(1);
    auto* right = new QVBoxLayout;
    right->addLayout(charts, 3);
    right->addWidget(sum, 2);
    auto* lay = new QHBoxLayout(this);
    lay->addLayout(left, 2);
    lay->addLayout(right, 5);

    connect(open, &QPushButton::clicked, this, &LoadPanel::openFile);
    connect(target_, &QLineEdit::textEdited, this, [this] { target_edited_ = true; });
    connect(target_, &QLineEdit::textChanged, this, &LoadPanel::updateTargetHint);
    // An agent that (re)connects can make a typed target its own: re-evaluate who the run belongs to.
    connect(d_, &Dashboard::agentStateChanged, this, &LoadPanel::updateTargetHint);
    confirm_ = [this](const QString& text) {
        return QMessageBox::question(this, tr("Start load test"), text) == QMessageBox::Yes;
    };
    connect(start_, &QPushButton::clicked, this, &LoadPanel::startRun);
    connect(stop_, &QPushButton::clicked, this, &LoadPanel::stopRun);
    connect(save_, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Save summary"),
            QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation) + "/summary.json",
            tr("JSON (*.json)"));
        if (path.isEmpty()) return;
        const bool ok = saveSummary(path);
        emit message(ok ? tr("Saved %1").arg(path) : tr("Could not write %1").arg(path), !ok);
    });
    connect(scenario_, &QComboBox::currentIndexChanged, this, [this] {
        const auto path = load::find_scenario(scenario_->currentData().toString().toStdString(),
                                              {REDLINE_SOURCE_SCENARIOS});
        description_->clear();
        if (!path) return;
        auto p = load::load_scenario_file(*path);
        if (p.ok())
            description_->setText(QStringLiteral("%1 · %2 · %3")
                                      .arg(QString::fromStdString(p.value().description),
                                           QString::fromUtf8(load::to_string(p.value().executor).data()),
                                           duration(p.value().duration_s())));
    });
    connect(ctl_, &LoadController::progress, this, &LoadPanel::onProgress);
    connect(ctl_, &LoadController::finished, this, &LoadPanel::onFinished);
    connect(ctl_, &LoadController::runningChanged, this, &LoadPanel::updateButtons);
    connect(ctl_, &LoadController::recordingChanged, this, &LoadPanel::showRecording);
    emit scenario_->currentIndexChanged(scenario_->currentIndex());
    updateButtons();
}

void LoadPanel::setAgent(const QString& id) {
    if (info_conn_) disconnect(info_conn_);
    info_conn_ = {};
    agent_ = id;
    target_edited_ = false;
    if (auto* c = d_->connection(id))
        info_conn_ = connect(c, &AgentConnection::infoChanged, this, &LoadPanel::followAgent);
    followAgent();
}

void LoadPanel::followAgent() {
    const auto* c = d_->connection(agent_);
    const QString api = c ? c->apiUrl() : QString();
    // An agent that does not say which API it measures leaves the target as it is: the run then belongs to
    // whichever agent measures that target (updateTargetHint says which), never silently to the selected one.
    if (!target_edited_ && !api.isEmpty()) target_->setText(api);
    updateTargetHint();
}

void LoadPanel::setDefaultTarget(const QString& url) {
    if (target_->text().isEmpty()) target_->setText(url);
}

QString LoadPanel::target() const {
    return target_->text().trimmed();
}

QString LoadPanel::targetAgent() const {
    return d_->agentForTarget(target(), agent_);
}

QString LoadPanel::targetHint() const {
    return target_hint_->text();
}

void LoadPanel::updateTargetHint() {
    if (target().isEmpty()) {
        target_hint_->setText(tr("Type the API address to load (only this machine's servers)."));
        return;
    }
    const QString owner = targetAgent();
    target_hint_->setText(
        owner.isEmpty() ? tr("No connected agent measures this API: the run's figures stay on this tab.")
                        : tr("Client-side figures and events go to agent %1.").arg(d_->agentName(owner)));
}

bool LoadPanel::selectScenario(const QString& nameOrPath) {
    int i = scenario_->findData(nameOrPath);
    if (i < 0) {
        if (!QFileInfo::exists(nameOrPath)) return false;
        scenario_->addItem(QFileInfo(nameOrPath).fileName(), nameOrPath);
        i = scenario_->count() - 1;
    }
    scenario_->setCurrentIndex(i);
    return true;
}

void LoadPanel::openFile() {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open scenario"), QString(), tr("Scenario (*.json)"));
    if (!path.isEmpty()) selectScenario(path);
}

void LoadPanel::updateButtons() {
    start_->setEnabled(!ctl_->running());
    stop_->setEnabled(ctl_->running());
    save_->setEnabled(ctl_->lastSummary() != nullptr);
}

bool LoadPanel::startRun() {
    const std::string name = scenario_->currentData().toString().toStdString();
    const auto path = load::find_scenario(name, {REDLINE_SOURCE_SCENARIOS});
    if (!path) {
        emit message(tr("Scenario %1 not found").arg(QString::fromStdString(name)), true);
        return false;
    }
    auto parsed = load::load_scenario_file(*path);
    if (!parsed.ok()) {
        const auto& e = parsed.errors().front();
        emit message(tr("Scenario invalid: %1: %2")
                         .arg(QString::fromStdString(e.field), QString::fromStdString(e.message)),
                     true);
        return false;
    }
    load::Scenario sc = parsed.value();
    load::ScenarioOverrides o;
    if (!target_->text().trimmed().isEmpty()) o.target = target_->text().trimmed().toStdString();
    if (rate_->value() > 0) {
        if (load::is_open_model(sc.executor))
            o.rate = rate_->value();
        else
            o.vus = rate_->value();
    }
    if (duration_->value() > 0) o.duration_s = duration_->value();
    const auto errors = load::apply_overrides(sc, o);
    if (!errors.empty()) {
        emit message(tr("Cannot start: %1: %2")
                         .arg(QString::fromStdString(errors.front().field),
                              QString::fromStdString(errors.front().message)),
                     true);
        return false;
    }
    if (const auto warnings = load::thresholds_that_cannot_pass(sc); !warnings.empty()) {
        QStringList lines;
        for (const auto& w : warnings)
            lines << QString::fromStdString(w);
        if (!confirm_(tr("With these settings some thresholds can never pass:\n\n%1\n\nStart anyway?")
                          .arg(lines.join('\n')))) {
            emit message(tr("Not started: %1").arg(lines.join("; ")), true);
            return false;
        }
    }
    QString err;
    const QString owner = d_->agentForTarget(QString::fromStdString(sc.target), agent_);
    const bool open = load::is_open_model(sc.executor);
    if (!ctl_->start(std::move(sc), owner, true, &err)) {
        emit message(tr("Cannot start: %1").arg(err), true);
        return false;
    }
    // The tab's charts start over with the run.
    run_store_.removeAgent(kRunAgent);
    run_agent_ = owner;
    run_started_ms_ = QDateTime::currentMSecsSinceEpoch();
    prev_errors_ = 0;
    open_model_ = open;
    const QString server = owner.isEmpty() ? QString() : tr("p99 server (%1)").arg(d_->agentName(owner));
    QList<SeriesSpec> rate{{"client", Metric::Rate, tr("achieved"), colors::client, Qt::SolidLine, 1.0},
                           {"failed", Metric::Rate, tr("failed/s"), colors::bad, Qt::SolidLine, 1.0},
                           {"unsent", Metric::Rate, tr("unsent"), colors::warning, Qt::DashLine, 1.0}};
    if (open) rate.prepend({"target", Metric::Rate, tr("target"), colors::target, Qt::DashLine, 1.0});
    rate_chart_->setSeries(rate);
    QList<SeriesSpec> lat{{"client", Metric::P50, tr("p50"), colors::p50, Qt::SolidLine, 1.0},
                          {"client", Metric::P95, tr("p95"), colors::p95, Qt::SolidLine, 1.0},
                          {"client", Metric::P99, tr("p99"), colors::p99, Qt::SolidLine, 1.0},
                          {"uncorrected", Metric::P99, tr("p99 uncorrected"), colors::p99, Qt::DotLine, 1.0}};
    if (!server.isEmpty()) lat.append({"server", Metric::P99, server, colors::rate, Qt::DashLine, 1.0});
    latency_chart_->setSeries(lat);
    refreshCharts();
    summary_->setHtml(previous_html_.isEmpty()
                          ? tr("<p>Running…</p>")
                          : tr("<p>Running…</p><hr><h4>Previous run</h4>") + previous_html_);
    progress_->setValue(0);
    stage_->setText(tr("Starting…"));
    return true;
}

void LoadPanel::stopRun() {
    ctl_->stop();
}

QString LoadPanel::etaText(const load::Progress& p) {
    return QStringLiteral("%1 / %2 · ETA %3")
        .arg(duration(p.elapsed_s), duration(p.planned_s), duration(p.remaining_s));
}

void LoadPanel::setDark(bool dark) {
    rate_chart_->applyTheme(dark);
    latency_chart_->applyTheme(dark);
}

void LoadPanel::appendRunSample(const load::Progress& p) {
    const std::int64_t t = QDateTime::currentMSecsSinceEpoch();
    const double window = std::max(1, p.window_s);
    auto sample = [t](Metric m, double v) {
        Sample s;
        s.t_ms = t;
        for (auto& x : s.v)
            x = std::numeric_limits<float>::quiet_NaN();
        s.v[static_cast<int>(m)] = static_cast<float>(v);
        return s;
    };
    Sample c = sample(Metric::Rate, p.achieved_rate);
    // A second without completed requests has no latency (absence is not zero).
    if (p.achieved_rate > 0) {
        c.v[static_cast<int>(Metric::P50)] = static_cast<float>(p.latency.p50_ms);
        c.v[static_cast<int>(Metric::P95)] = static_cast<float>(p.latency.p95_ms);
        c.v[static_cast<int>(Metric::P99)] = static_cast<float>(p.latency.p99_ms);
        run_store_.appendSample(kRunAgent, "uncorrected", sample(Metric::P99, p.latency_uncorrected.p99_ms));
    }
    run_store_.appendSample(kRunAgent, "client", c);
    if (open_model_) run_store_.appendSample(kRunAgent, "target", sample(Metric::Rate, p.target));
    const double failed = p.errors >= prev_errors_ ? double(p.errors - prev_errors_) / window : 0.0;
    prev_errors_ = p.errors;
    run_store_.appendSample(kRunAgent, "failed", sample(Metric::Rate, failed));
    run_store_.appendSample(kRunAgent, "unsent", sample(Metric::Rate, double(p.unsent)));
    if (!run_agent_.isEmpty())
        if (const auto snap = d_->store().latest(run_agent_); snap && snap->total.latency)
            run_store_.appendSample(kRunAgent, "server", sample(Metric::P99, snap->total.latency->p99_ms));
}

void LoadPanel::refreshCharts() {
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    // The whole run, at least a minute wide so a short run does not fill the plot with two points.
    const std::int64_t from = std::min(run_started_ms_ ? run_started_ms_ : now, now - 60'000);
    for (auto* ch : {rate_chart_, latency_chart_}) {
        ch->invalidate();
        ch->refresh(run_store_, kRunAgent, from, now);
    }
}

void LoadPanel::onProgress(const load::Progress& p) {
    if (p.state == load::RunState::Running) {
        appendRunSample(p);
        refreshCharts();
    }
    progress_->setValue(static_cast<int>(p.fraction * 1000));
    stage_->setText(tr("%1 · stage %2/%3 %4 · %5")
                        .arg(QString::fromStdString(p.scenario))
                        .arg(p.stage_index + 1)
                        .arg(p.stage_count)
                        .arg(QString::fromStdString(p.stage), etaText(p)));
    QString breach;
    if (!p.breaching.empty()) {
        QStringList b;
        for (const auto& x : p.breaching)
            b << QString::fromStdString(x);
        breach = tr("<br><span style='color:#f85149'>breaching: %1</span>").arg(b.join(", ").toHtmlEscaped());
    }
    live_->setText(tr("<b>%1</b> req/s (target %2) · p50 <b>%3</b> · p95 <b>%4</b> · p99 <b>%5</b><br>"
                      "failed %6 % · 429: %7 · in flight %8 · late %9 · unsent %10%11")
                       .arg(p.achieved_rate, 0, 'f', 1)
                       .arg(p.target, 0, 'f', 0)
                       .arg(ms(p.latency.p50_ms), ms(p.latency.p95_ms), ms(p.latency.p99_ms))
                       .arg(p.error_ratio * 100.0, 0, 'f', 2)
                       .arg(p.rate_limited)
                       .arg(p.in_flight)
                       .arg(p.late)
                       .arg(p.unsent)
                       .arg(breach));
}

void LoadPanel::onFinished(const load::Summary& s) {
    progress_->setValue(1000);
    stage_->setText(tr("%1 — %2 after %3 of %4")
                        .arg(QString::fromStdString(s.scenario),
                             QString::fromUtf8(load::to_string(s.outcome).data()), duration(s.duration_s),
                             duration(s.planned_s)));
    // The live line now describes the whole run, not its last second.
    live_->setText(
        tr("whole run: <b>%1</b> requests · <b>%2</b> req/s · p50 <b>%3</b> · p95 <b>%4</b> · "
           "p99 <b>%5</b><br>failed %6 · 429: %7 · late %8 · unsent %9")
            .arg(s.completed)
            .arg(s.achieved_rate, 0, 'f', 1)
            .arg(ms(s.latency.p50_ms), ms(s.latency.p95_ms), ms(s.latency.p99_ms), pct(s.error_ratio))
            .arg(s.rate_limited)
            .arg(s.late)
            .arg(s.unsent));
    const QString html = summaryHtml(s);
    summary_->setHtml(previous_html_.isEmpty() ? html
                                               : html + tr("<hr><h4>Previous run</h4>") + previous_html_);
    previous_html_ = html;
    updateButtons();
}

QString LoadPanel::summaryHtml(const load::Summary& s) {
    const bool good = s.outcome == load::RunOutcome::Passed;
    QString html = QStringLiteral("<h3>%1 — <span style='color:%3'>%2</span></h3>")
                       .arg(QString::fromStdString(s.scenario).toHtmlEscaped(),
                            QString::fromUtf8(load::to_string(s.outcome).data()), good ? kGood : kBad);
    if (!s.reason.empty())
        html += QStringLiteral("<p>%1</p>").arg(QString::fromStdString(s.reason).toHtmlEscaped());
    if (!s.error.empty())
        html += QStringLiteral("<p style='color:%1'>%2</p>")
                    .arg(kBad, QString::fromStdString(s.error).toHtmlEscaped());
    // The headline: what a reader must see first, failures included, in the run's own terms.
    const std::uint64_t checks = s.checks_passed + s.checks_failed;
    auto cell = [](const QString& label, const QString& value, bool bad) {
        return QStringLiteral(
                   "<td align=center style='padding:4px 10px'><span style='font-size:large;%3'>"
                   "<b>%2</b></span><br>%1</td>")
            .arg(label, value, bad ? QStringLiteral("color:%1").arg(kBad) : QString());
    };
    html += QStringLiteral("<table cellspacing=0><tr>");
    html += cell(tr("requests"), QString::number(s.completed), false);
    html += cell(tr("failed"), QStringLiteral("%1 (%2)").arg(s.errors).arg(pct(s.error_ratio)), s.errors > 0);
    html += cell(tr("429 rate limited"), QString::number(s.rate_limited), s.rate_limited > 0);
    html += cell(tr("checks passed"),
                 checks ? QStringLiteral("%1 / %2").arg(s.checks_passed).arg(checks) : QStringLiteral("—"),
                 s.checks_failed > 0);
    html += cell(tr("p99"), ms(s.latency.p99_ms), false);
    html += QStringLiteral("</tr></table>");
    if (s.errors > 0) {
        QStringList parts;
        for (const auto& [status, n] : s.by_status)
            if (status < 200 || status >= 400) parts << QStringLiteral("%1: %2").arg(status).arg(n);
        for (const auto& [kind, n] : s.transport_by_kind)
            parts << QStringLiteral("%1: %2").arg(QString::fromStdString(kind).toHtmlEscaped()).arg(n);
        html += tr("<p style='color:%1'>Failed by status: %2 <i>(a response fails unless its status is "
                   "expected; default 2xx/3xx)</i></p>")
                    .arg(kBad, parts.join(QStringLiteral(" · ")));
    }
    html += QStringLiteral("<table cellspacing=0 cellpadding=3>");
    auto row = [&](const QString& k, const QString& v) {
        html += QStringLiteral("<tr><td>%1</td><td align=right><b>%2</b></td></tr>").arg(k, v);
    };
    row(tr("Achieved rate"), QString::number(s.achieved_rate, 'f', 1) + " req/s");
    row(tr("Transport errors"), QString::number(s.transport_errors));
    row(tr("Latency p50 / p95 / p99"),
        ms(s.latency.p50_ms) + " / " + ms(s.latency.p95_ms) + " / " + ms(s.latency.p99_ms));
    row(tr("Uncorrected p99"), ms(s.latency_uncorrected.p99_ms));
    row(tr("Late / unsent"), QStringLiteral("%1 / %2").arg(s.late).arg(s.unsent));
    if (s.knee)
        row(tr("Knee"), QStringLiteral("%1 req/s (%2)")
                            .arg(s.knee->rate_per_s, 0, 'f', 0)
                            .arg(QString::fromStdString(s.knee->reason).toHtmlEscaped()));
    html += QStringLiteral("</table>");
    if (!s.thresholds.empty()) {
        html += tr("<h4>Thresholds</h4><table cellspacing=0 cellpadding=3>");
        for (const auto& t : s.thresholds)
            html += QStringLiteral(
                        "<tr><td style='color:%1'><b>%2</b></td><td>%3</td><td align=right>%4</td>"
                        "<td>%5</td></tr>")
                        .arg(t.passed ? kGood : kBad, t.passed ? tr("✓ PASS") : tr("✗ FAIL"),
                             QString::fromStdString(t.threshold.expr).toHtmlEscaped(), observedText(t),
                             QString::fromStdString(t.note).toHtmlEscaped());
        html += QStringLiteral("</table>");
    }
    if (s.rollout) {
        const load::RolloutResult& r = *s.rollout;
        html += tr("<h4>Rollout</h4><p><b style='color:%1'>%2</b> %3 at step %4/%5, canary %6% (expected "
                   "%7)%8</p>")
                    .arg(r.passed ? kGood : kBad, r.passed ? tr("✓ PASS") : tr("✗ FAIL"),
                         QString::fromStdString(r.state.empty() ? "unknown" : r.state).toHtmlEscaped())
                    .arg(r.step + 1)
                    .arg(r.steps)
                    .arg(r.weight_percent, 0, 'g', 4)
                    .arg(QString::fromStdString(r.expected).toHtmlEscaped(),
                         QString::fromStdString(
                             r.reason.empty() ? r.note : r.reason + (r.note.empty() ? "" : " — " + r.note))
                             .toHtmlEscaped()
                             .prepend(r.reason.empty() && r.note.empty() ? "" : ": "));
        html += QStringLiteral("<table cellspacing=0 cellpadding=3>");
        for (const auto& t : r.transitions)
            html += QStringLiteral(
                        "<tr><td align=right>%1 s</td><td>%2</td><td>step %3/%4</td><td align=right>%5%</td>"
                        "<td>%6</td></tr>")
                        .arg(t.t_s, 0, 'f', 1)
                        .arg(QString::fromStdString(t.state).toHtmlEscaped())
                        .arg(t.step + 1)
                        .arg(r.steps)
                        .arg(t.weight_percent, 0, 'g', 4)
                        .arg(QString::fromStdString(t.reason).toHtmlEscaped());
        html += QStringLiteral("</table>");
    }
    if (!s.checks.empty()) {
        html +=
            tr("<h4>Checks</h4><table cellspacing=0 cellpadding=3>"
               "<tr><th align=left>request</th><th align=left>check</th><th>passed</th><th>failed</th></tr>");
        for (const auto& c : s.checks)
            html += QStringLiteral(
                        "<tr><td>%1</td><td>%2</td><td align=right>%3</td>"
                        "<td align=right style='%5'>%4</td></tr>")
                        .arg(QString::fromStdString(c.request).toHtmlEscaped(),
                             QString::fromStdString(c.name).toHtmlEscaped())
                        .arg(c.passes)
                        .arg(c.fails)
                        .arg(c.fails ? QStringLiteral("color:%1").arg(kBad) : QString());
        html += QStringLiteral("</table>");
    }
    if (s.stages.size() > 1) {
        html +=
            tr("<h4>Stages</h4><table cellspacing=0 cellpadding=3><tr><th align=left>stage</th>"
               "<th>target</th><th>requests</th><th>req/s</th><th>failed</th><th>p99</th></tr>");
        for (const auto& st : s.stages)
            html += QStringLiteral(
                        "<tr><td>%1</td><td align=right>%2 → %3</td><td align=right>%4</td>"
                        "<td align=right>%5</td><td align=right>%6</td><td align=right>%7</td></tr>")
                        .arg(QString::fromStdString(st.name).toHtmlEscaped())
                        .arg(st.target_from, 0, 'f', 0)
                        .arg(st.target_to, 0, 'f', 0)
                        .arg(st.completed)
                        .arg(st.achieved_rate, 0, 'f', 1)
                        .arg(pct(st.error_ratio), ms(st.latency.p99_ms));
        html += QStringLiteral("</table>");
    }
    if (s.requests.size() > 1) {
        html +=
            tr("<h4>Requests</h4><table cellspacing=0 cellpadding=3><tr><th align=left>request</th>"
               "<th>requests</th><th>req/s</th><th>failed</th><th>429</th><th>p50</th><th>p99</th></tr>");
        for (const auto& r : s.requests)
            html += QStringLiteral(
                        "<tr><td>%1 %2</td><td align=right>%3</td><td align=right>%4</td>"
                        "<td align=right>%5</td><td align=right>%6</td><td align=right>%7</td>"
                        "<td align=right>%8</td></tr>")
                        .arg(QString::fromStdString(r.method), QString::fromStdString(r.name).toHtmlEscaped())
                        .arg(r.completed)
                        .arg(r.rate_per_s, 0, 'f', 1)
                        .arg(pct(r.error_ratio))
                        .arg(r.rate_limited)
                        .arg(ms(r.latency.p50_ms), ms(r.latency.p99_ms));
        html += QStringLiteral("</table>");
    }
    return html;
}

void LoadPanel::showRecording() {
    const QString why = ctl_->recordingProblem();
    // The reason names the file (RunStore::open's one line).
    record_note_->setText(why.isEmpty() ? QString() : tr("This run is not being saved: %1").arg(why));
    record_note_->setVisible(!why.isEmpty());
}

QString LoadPanel::summaryText() const {
    return summary_->toPlainText();
}

bool LoadPanel::saveSummary(const QString& path) const {
    const load::Summary* s = ctl_->lastSummary();
    if (!s) return false;
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
    const std::string text = load::to_json(*s).dump(2);
    return f.write(text.data(), static_cast<qint64>(text.size())) == static_cast<qint64>(text.size());
}

}  // namespace redline::ui
