#include "ui/pages/canary_panel.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QShowEvent>
#include <QSlider>
#include <QTableView>
#include <QVBoxLayout>

#include "ui/session/dashboard.h"

namespace redline::ui {

CanaryPanel::CanaryPanel(Dashboard* dashboard, QWidget* parent) : QWidget(parent), d_(dashboard) {
    confirm_ = [this](const QString& text) {
        return QMessageBox::question(this, tr("Confirm canary change"), text,
                                     QMessageBox::Yes | QMessageBox::Cancel) == QMessageBox::Yes;
    };
    // Weight.
    auto* weightBox = new QGroupBox(tr("Traffic to canary"));
    slider_ = new QSlider(Qt::Horizontal);
    slider_->setRange(0, 100);
    slider_->setTickInterval(5);
    slider_->setTickPosition(QSlider::TicksBelow);
    slider_->setPageStep(5);
    weight_label_ = new QLabel(QStringLiteral("0 %"));
    weight_label_->setObjectName("bigValue");
    weight_label_->setMinimumWidth(70);
    auto* sliderRow = new QHBoxLayout;
    sliderRow->addWidget(slider_, 1);
    sliderRow->addWidget(weight_label_);
    auto* quick = new QHBoxLayout;
    for (int w : {0, 5, 25, 50, 100}) {
        auto* b = new QPushButton(w == 0     ? tr("Roll back (0 %)")
                                  : w == 100 ? tr("Promote (100 %)")
                                             : tr("%1 %").arg(w));
        if (w == 0) b->setObjectName("dangerButton");
        if (w == 100) b->setObjectName("primaryButton");
        connect(b, &QPushButton::clicked, this, [this, w] { setWeight(w); });
        quick->addWidget(b);
    }
    auto* wl = new QVBoxLayout(weightBox);
    wl->addLayout(sliderRow);
    wl->addLayout(quick);
    connect(slider_, &QSlider::valueChanged, this,
            [this](int v) { weight_label_->setText(tr("%1 %").arg(v)); });
    connect(slider_, &QSlider::sliderReleased, this, [this] { setWeight(slider_->value()); });

    // Faults.
    auto* faultBox = new QGroupBox(tr("Canary fault injection (demos)"));
    latency_ = new QDoubleSpinBox;
    latency_->setRange(0, 60000);
    latency_->setSuffix(tr(" ms"));
    jitter_ = new QDoubleSpinBox;
    jitter_->setRange(0, 60000);
    jitter_->setSuffix(tr(" ms"));
    errors_ = new QDoubleSpinBox;
    errors_->setRange(0, 100);
    errors_->setDecimals(1);
    errors_->setSuffix(tr(" %"));
    auto* applyFaultsBtn = new QPushButton(tr("Apply faults"));
    auto* clearFaultsBtn = new QPushButton(tr("Clear faults"));
    auto* fl = new QFormLayout(faultBox);
    fl->addRow(tr("Added latency"), latency_);
    fl->addRow(tr("Latency jitter"), jitter_);
    fl->addRow(tr("Error ratio"), errors_);
    auto* fb = new QHBoxLayout;
    fb->addWidget(clearFaultsBtn);
    fb->addWidget(applyFaultsBtn);
    fl->addRow(fb);
    connect(applyFaultsBtn, &QPushButton::clicked, this, [this] {
        applyFaults({latency_->value(), jitter_->value(), errors_->value() / 100.0});
    });
    connect(clearFaultsBtn, &QPushButton::clicked, this, [this] { applyFaults({}); });

    // Comparison.
    auto* cmpBox = new QGroupBox(tr("Stable versus canary (last second)"));
    route_ = new QComboBox;
    route_->addItem(tr("All routes"), QString());
    table_ = new QTableView;
    table_->setModel(&comparison_);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    table_->setSelectionMode(QAbstractItemView::NoSelection);
    auto* cl = new QVBoxLayout(cmpBox);
    cl->addWidget(route_);
    cl->addWidget(table_);
    connect(route_, &QComboBox::activated, this, &CanaryPanel::refreshComparison);

    status_ = new QLabel;
    status_->setWordWrap(true);
    auto* left = new QVBoxLayout;
    left->addWidget(weightBox);
    left->addWidget(faultBox);
    left->addStretch(1);
    auto* top = new QHBoxLayout;
    top->addLayout(left, 1);
    top->addWidget(cmpBox, 1);
    auto* lay = new QVBoxLayout(this);
    lay->addLayout(top, 1);
    lay->addWidget(status_);

    connect(d_, &Dashboard::ticked, this, [this] {
        if (isVisible()) refreshComparison();
    });
    connect(d_, &Dashboard::eventsArrived, this, [this](const QString& id, int) {
        if (id != agent_) return;
        const auto& ev = d_->store().events(id);
        if (!ev.empty() && ev.back().kind == "canary.changed") reload();
    });
}

void CanaryPanel::setAgent(const QString& id) {
    if (id == agent_) return;
    agent_ = id;
    comparison_.clear();
    route_->clear();
    route_->addItem(tr("All routes"), QString());
    if (isVisible()) refreshComparison();
    if (!id.isEmpty()) reload();
}

void CanaryPanel::showEvent(QShowEvent* e) {
    QWidget::showEvent(e);
    refreshComparison();
}

void CanaryPanel::refreshComparison() {
    auto snap = agent_.isEmpty() ? nullptr : d_->store().latest(agent_);
    if (!snap) {
        comparison_.clear();
        return;
    }
    const QStringList routes = d_->store().routes(agent_);
    if (route_->count() != routes.size() + 1) {
        const QString cur = route_->currentData().toString();
        route_->clear();
        route_->addItem(tr("All routes"), QString());
        for (const auto& r : routes)
            route_->addItem(r, r);
        route_->setCurrentIndex(std::max(0, route_->findData(cur)));
    }
    comparison_.update(*snap, route_->currentData().toString());
}

void CanaryPanel::reload() {
    auto* conn = d_->connection(agent_);
    if (!conn) return;
    const int gen = ++generation_;
    conn->fetchCanary([this, gen](Result<CanaryConfig> r) {
        if (gen != generation_) return;
        if (!r.ok()) {
            status_->setText(QString::fromStdString(r.error_message()));
            emit settled(false);
            return;
        }
        applied_ = *r.value;
        showApplied();
        emit settled(true);
    });
}

void CanaryPanel::showApplied() {
    slider_->blockSignals(true);
    slider_->setValue(static_cast<int>(std::lround(applied_.weight_percent)));
    slider_->blockSignals(false);
    weight_label_->setText(tr("%1 %").arg(applied_.weight_percent, 0, 'g', 4));
    latency_->setValue(applied_.faults.latency_ms);
    jitter_->setValue(applied_.faults.latency_jitter_ms);
    errors_->setValue(applied_.faults.error_ratio * 100.0);
    status_->setStyleSheet({});
    status_->setText(tr("Canary receives %1 % of client keys; faults: +%2 ms (±%3 ms), %4 % errors")
                         .arg(applied_.weight_percent)
                         .arg(applied_.faults.latency_ms)
                         .arg(applied_.faults.latency_jitter_ms)
                         .arg(applied_.faults.error_ratio * 100.0));
}

void CanaryPanel::setWeight(double percent) {
    if (percent == applied_.weight_percent) {
        showApplied();
        return;
    }
    if (percent >= 100 && !confirm_(tr("Promote the canary: send 100 % of traffic to it?"))) {
        showApplied();
        return;
    }
    if (percent <= 0 && !confirm_(tr("Roll back: send no traffic to the canary?"))) {
        showApplied();
        return;
    }
    CanaryConfig c = applied_;
    c.weight_percent = percent;
    send(c);
}

void CanaryPanel::applyFaults(const CanaryFaults& f) {
    CanaryConfig c = applied_;
    c.faults = f;
    send(c);
}

void CanaryPanel::send(CanaryConfig c) {
    auto* conn = d_->connection(agent_);
    if (!conn) return;
    auto parsed = parse_canary(nlohmann::json(c));
    if (!parsed.ok()) {
        status_->setText(
            QString::fromStdString(parsed.errors().front().field + ": " + parsed.errors().front().message));
        emit settled(false);
        return;
    }
    const int gen = ++generation_;
    status_->setText(tr("Applying…"));
    conn->putCanary(c, [this, gen](Result<CanaryConfig> r) {
        if (gen != generation_) return;
        if (!r.ok()) {
            const QString m = QString::fromStdString(r.error_message());
            showApplied();
            status_->setStyleSheet(QStringLiteral("color: #f85149;"));
            status_->setText(tr("Refused: %1").arg(m));
            emit message(tr("Canary not changed: %1").arg(m), true);
            emit settled(false);
            return;
        }
        applied_ = *r.value;
        showApplied();
        emit settled(true);
    });
}

}  // namespace redline::ui
