#include "ui/pages/load_panel.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QStandardPaths>
#include <QTextBrowser>
#include <QVBoxLayout>

#include "ui/session/dashboard.h"
#include "ui/session/load_controller.h"

namespace redline::ui {

namespace {
QString ms(double v) {
    return QString::number(v, 'f', v < 10 ? 2 : 1) + QStringLiteral(" ms");
}
QString duration(double s) {
    const int t = static_cast<int>(s + 0.5);
    return t >= 60 ? QStringLiteral("%1 min %2 s").arg(t / 60).arg(t % 60) : QStringLiteral("%1 s").arg(t);
}
}  // namespace

LoadPanel::LoadPanel(Dashboard* dashboard, LoadController* controller, QWidget* parent)
    : QWidget(parent), d_(dashboard), ctl_(controller) {
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
    target_->setPlaceholderText(QStringLiteral("http://127.0.0.1:8080"));
    rate_ = new QDoubleSpinBox;
    rate_->setRange(0, 100000);
    rate_->setSpecialValueText(tr("scenario default"));
    rate_->setSuffix(tr(" req/s"));
    duration_ = new QDoubleSpinBox;
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
    auto* prog = new QGroupBox(tr("Progress (client side)"));
    auto* pl = new QVBoxLayout(prog);
    pl->addWidget(progress_);
    pl->addWidget(stage_);
    pl->addWidget(live_);

    summary_ = new QTextBrowser;
    summary_->setPlaceholderText(tr("The summary of the last run appears here."));
    save_ = new QPushButton(tr("Save summary as JSON…"));
    auto* sum = new QGroupBox(tr("Summary"));
    auto* sl = new QVBoxLayout(sum);
    sl->addWidget(summary_, 1);
    sl->addWidget(save_, 0, Qt::AlignRight);

    auto* left = new QVBoxLayout;
    left->addWidget(setup);
    left->addWidget(prog);
    left->addStretch(1);
    auto* lay = new QHBoxLayout(this);
    lay->addLayout(left, 2);
    lay->addWidget(sum, 3);

    connect(open, &QPushButton::clicked, this, &LoadPanel::openFile);
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
    emit scenario_->currentIndexChanged(scenario_->currentIndex());
    updateButtons();
}

void LoadPanel::setAgent(const QString& id) {
    agent_ = id;
}
void LoadPanel::setDefaultTarget(const QString& url) {
    if (target_->text().isEmpty()) target_->setText(url);
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
    QString err;
    if (!ctl_->start(std::move(sc), agent_, true, &err)) {
        emit message(tr("Cannot start: %1").arg(err), true);
        return false;
    }
    summary_->clear();
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

void LoadPanel::onProgress(const load::Progress& p) {
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
    stage_->setText(tr("%1 — %2 after %3")
                        .arg(QString::fromStdString(s.scenario),
                             QString::fromUtf8(load::to_string(s.outcome).data()), duration(s.duration_s)));
    QString html = QStringLiteral("<h3>%1 — %2</h3>")
                       .arg(QString::fromStdString(s.scenario).toHtmlEscaped(),
                            QString::fromUtf8(load::to_string(s.outcome).data()));
    if (!s.reason.empty())
        html += QStringLiteral("<p>%1</p>").arg(QString::fromStdString(s.reason).toHtmlEscaped());
    if (!s.error.empty())
        html += QStringLiteral("<p style='color:#f85149'>%1</p>")
                    .arg(QString::fromStdString(s.error).toHtmlEscaped());
    html += QStringLiteral("<table cellspacing=0 cellpadding=3>");
    auto row = [&](const QString& k, const QString& v) {
        html += QStringLiteral("<tr><td>%1</td><td align=right><b>%2</b></td></tr>").arg(k, v);
    };
    row(tr("Requests completed"), QString::number(s.completed));
    row(tr("Achieved rate"), QString::number(s.achieved_rate, 'f', 1) + " req/s");
    row(tr("Errors (5xx + transport)"),
        QStringLiteral("%1 (%2 %)").arg(s.errors).arg(s.error_ratio * 100, 0, 'f', 2));
    row(tr("Rate limited (429)"), QString::number(s.rate_limited));
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
        for (const auto& t : s.thresholds) {
            const QString color = t.passed ? "#3fb950" : "#f85149";
            html += QStringLiteral(
                        "<tr><td style='color:%1'><b>%2</b></td><td>%3</td><td "
                        "align=right>%4</td><td>%5</td></tr>")
                        .arg(color, t.passed ? tr("PASS") : tr("FAIL"),
                             QString::fromStdString(t.threshold.expr).toHtmlEscaped())
                        .arg(t.observed, 0, 'g', 5)
                        .arg(QString::fromStdString(t.note).toHtmlEscaped());
        }
        html += QStringLiteral("</table>");
    }
    summary_->setHtml(html);
    updateButtons();
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
