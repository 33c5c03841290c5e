#include "ui/pages/canary_panel.h"

#include <spdlog/spdlog.h>

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDateTime>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QScrollArea>
#include <QShowEvent>
#include <QSlider>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include "ui/pages/rollout_panel.h"
#include "ui/session/dashboard.h"

namespace redline::ui {

namespace {

QString percentText(double w) {
    return QCoreApplication::translate("redline::ui::CanaryPanel", "%1 %").arg(w, 0, 'g', 4);
}

QString faultsText(const CanaryFaults& f) {
    return QCoreApplication::translate("redline::ui::CanaryPanel", "+%1 ms (±%2 ms), %3 % errors")
        .arg(f.latency_ms)
        .arg(f.latency_jitter_ms)
        .arg(f.error_ratio * 100.0);
}

}  // namespace

CanaryPanel::CanaryPanel(Dashboard* dashboard, QWidget* parent) : Page(parent), d_(dashboard) {
    confirm_ = [this](const QString& text, const QString& offer, bool* accepted) {
        QMessageBox box(QMessageBox::Question, tr("Confirm canary change"), text,
                        QMessageBox::Yes | QMessageBox::Cancel, this);
        if (!offer.isEmpty()) box.setCheckBox(new QCheckBox(offer));
        const bool yes = box.exec() == QMessageBox::Yes;
        if (accepted && box.checkBox()) *accepted = box.checkBox()->isChecked();
        return yes;
    };
    // Weight.
    auto* weightBox = new QGroupBox(tr("Traffic to canary"));
    slider_ = new QSlider(Qt::Horizontal);
    slider_->setRange(0, 100);
    slider_->setTickInterval(5);
    slider_->setTickPosition(QSlider::TicksBelow);
    slider_->setPageStep(5);
    slider_->setToolTip(
        tr("Drag, or use the arrow keys, Page Up/Down, Home/End or the wheel: the weight is "
           "sent on release, on Enter or when you stop; Esc cancels"));
    slider_->installEventFilter(this);
    idle_ = new QTimer(this);
    idle_->setSingleShot(true);
    idle_->setInterval(kCommitIdleMs);
    connect(idle_, &QTimer::timeout, this, &CanaryPanel::commitSlider);
    weight_label_ = new QLabel(percentText(0));
    weight_label_->setObjectName("bigValue");
    weight_label_->setMinimumWidth(70);
    weight_label_->setToolTip(tr("The weight the agent confirmed"));
    pending_ = new QLabel;
    pending_->setObjectName("canaryPending");
    pending_->hide();
    error_ = new QLabel;
    error_->setObjectName("inlineError");
    error_->setWordWrap(true);
    error_->hide();
    auto* sliderRow = new QHBoxLayout;
    sliderRow->addWidget(slider_, 1);
    sliderRow->addWidget(weight_label_);
    // Two rows (steps, then the two ends), so the tab fits a narrow window.
    auto* quick = new QGridLayout;
    int quick_col = 0;
    for (int w : {0, 5, 25, 50, 100}) {
        auto* b = new QPushButton(w == 0     ? tr("Roll back (0 %)")
                                  : w == 100 ? tr("Promote (100 %)")
                                             : tr("%1 %").arg(w));
        if (w == 0) b->setObjectName("dangerButton");
        if (w == 100) b->setObjectName("primaryButton");
        connect(b, &QPushButton::clicked, this, [this, w] { setWeight(w); });
        weight_controls_ << b;
        if (w == 0)
            quick->addWidget(b, 1, 0, 1, 3);
        else if (w == 100)
            quick->addWidget(b, 1, 3, 1, 3);
        else
            quick->addWidget(b, 0, 2 * quick_col++, 1, 2);
    }
    weight_controls_ << slider_;
    owned_ = new QLabel;
    owned_->setObjectName("rolloutOwnsWeight");
    owned_->setWordWrap(true);
    owned_->hide();
    auto* wl = new QVBoxLayout(weightBox);
    wl->addWidget(owned_);
    wl->addLayout(sliderRow);
    wl->addWidget(pending_);
    wl->addWidget(error_);
    wl->addLayout(quick);
    // Programmatic moves are made with signals blocked (setSliderQuietly): valueChanged is the user's hand.
    connect(slider_, &QSlider::valueChanged, this, &CanaryPanel::sliderMoved);
    connect(slider_, &QSlider::sliderPressed, idle_, &QTimer::stop);
    connect(slider_, &QSlider::sliderReleased, this, &CanaryPanel::commitSlider);

    // Faults.
    auto* faultBox = new QGroupBox(tr("Canary fault injection (demos)"));
    faultBox->setObjectName("faultBox");
    fault_box_ = faultBox;
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
    table_->setObjectName("comparisonTable");
    table_note_ = new QLabel;
    table_note_->setObjectName("staleLabel");
    table_note_->setWordWrap(true);
    table_note_->hide();
    auto* cl = new QVBoxLayout(cmpBox);
    cl->addWidget(route_);
    cl->addWidget(table_note_);
    cl->addWidget(table_);
    connect(route_, &QComboBox::activated, this, &CanaryPanel::refreshComparison);

    // Upstream backends (redline-proxy): where the weight sends the traffic, and whether it gets there.
    auto* backendsBox = new QGroupBox(tr("Upstream backends (redline-proxy)"));
    backendsBox->setObjectName("backendsBox");
    backends_box_ = backendsBox;
    auto* backendsTable = new QTableView;
    backendsTable->setObjectName("backendsTable");
    backends_table_ = backendsTable;
    backendsTable->setModel(&backends_);
    backendsTable->verticalHeader()->hide();
    backendsTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    backendsTable->horizontalHeader()->setSectionResizeMode(BackendsModel::UrlCol, QHeaderView::Stretch);
    backendsTable->setSelectionMode(QAbstractItemView::NoSelection);
    backendsTable->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
    backends_note_ = new QLabel;
    backends_note_->setObjectName("backendsNote");
    backends_note_->setWordWrap(true);
    auto* bl = new QVBoxLayout(backendsBox);
    bl->addWidget(backendsTable);
    bl->addWidget(backends_note_);
    backendsBox->hide();
    backends_timer_ = new QTimer(this);
    backends_timer_->setInterval(kBackendsRefreshMs);
    connect(backends_timer_, &QTimer::timeout, this, [this] {
        if (!isVisible() || !backends_box_->isVisible()) return;
        showBackends();  // the agent may have gone away since: the table says so
        refreshBackends();
    });
    backends_timer_->start();
    connect(d_, &Dashboard::connectionInfoChanged, this, [this](const QString& id) {
        if (id == agent_) showBackends();
    });
    // Not live any more (or live again): grey (or light) the figures at once, not at the next refresh.
    connect(d_, &Dashboard::agentStateChanged, this, [this](const QString& id) {
        if (id != agent_) return;
        showBackends();
        if (isVisible()) refreshComparison();
    });

    status_ = new QLabel;
    status_->setObjectName("canaryStatus");
    status_->setWordWrap(true);
    auto* left = new QVBoxLayout;
    left->addWidget(weightBox);
    left->addWidget(faultBox);
    left->addStretch(1);
    auto* top = new QHBoxLayout;
    top->addLayout(left, 1);
    top->addWidget(cmpBox, 1);
    rollout_ = new RolloutPanel(d_);
    connect(rollout_, &RolloutPanel::message, this, &CanaryPanel::message);
    connect(rollout_, &RolloutPanel::statusChanged, this, &CanaryPanel::showRolloutOwnership);
    auto* content = new QWidget;
    auto* lay = new QVBoxLayout(content);
    lay->addLayout(top);
    lay->addWidget(rollout_, 1);
    lay->addWidget(backendsBox);
    lay->addWidget(status_);
    auto* scroll = new QScrollArea;
    scroll->setObjectName("canaryScroll");
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(content);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);

    connect(d_, &Dashboard::ticked, this, [this] {
        if (isVisible()) refreshComparison();
    });
    connect(d_, &Dashboard::eventsArrived, this, [this](const QString& id, int count) {
        if (id != agent_) return;
        // Every event of the batch counts: a rollout's step comes as rollout.step and canary.changed
        // together.
        const auto& ev = d_->store().events(id);
        bool canary = false, backends = false;
        for (std::size_t i = ev.size() - std::min<std::size_t>(ev.size(), std::size_t(std::max(count, 0)));
             i < ev.size(); ++i) {
            canary |= ev[i].kind == "canary.changed" || ev[i].kind.rfind("rollout.", 0) == 0;
            backends |= ev[i].kind.rfind("proxy.backend.", 0) == 0;
        }
        if (canary) reload();
        if (backends) refreshBackends();
    });
}

void CanaryPanel::refreshBackends() {
    if (auto* c = d_->connection(agent_)) c->refreshInfo();
}

void CanaryPanel::showBackends() {
    auto* c = agent_.isEmpty() ? nullptr : d_->connection(agent_);
    const auto& proxy = c ? c->info().proxy : std::optional<ProxyInfo>{};
    backends_box_->setVisible(proxy.has_value());
    // redline-proxy does not inject faults (its canary is another process: inject them there), so its knobs
    // would change nothing.
    fault_box_->setEnabled(!proxy);
    fault_box_->setTitle(proxy ? tr("Canary fault injection (not in redline-proxy)")
                               : tr("Canary fault injection (demos)"));
    fault_box_->setToolTip(
        proxy ? tr("redline-proxy sends the canary's share to another process: inject faults "
                   "there, through the canary service's own agent")
              : QString());
    if (!proxy) {
        backends_.clear();
        return;
    }
    backends_.setDark(palette().color(QPalette::Window).lightness() < 128);
    backends_.setBackends(proxy->backends);
    int stable = 0, canary = 0, canaryUsable = 0;
    for (const auto& b : proxy->backends) {
        (b.pool == "canary" ? canary : stable) += 1;
        if (b.pool == "canary" && BackendsModel::usable(b)) ++canaryUsable;
    }
    QString note = proxy->health_interval_ms > 0 ? tr("Health check GET %1 every %2 ms.")
                                                       .arg(QString::fromStdString(proxy->health_path))
                                                       .arg(proxy->health_interval_ms)
                                                 : tr("No active health check.");
    if (canary > 0 && canaryUsable == 0)
        note += ' ' + (proxy->canary_fallback
                           ? tr("No canary backend takes traffic: the canary's share goes to stable.")
                           : tr("No canary backend takes traffic: the canary's share is answered 503."));
    // Figures from an agent that is not live are its last word, not the present: grey them and say so.
    const bool live = c->state() == StreamState::Live;
    backends_table_->setEnabled(live);
    backends_.setStale(!live);
    if (!live)
        note = tr("The proxy's agent is not live: these are the figures of its last contact.") + ' ' + note;
    backends_note_->setText(note);
}

void CanaryPanel::showRolloutOwnership() {
    // While a rollout progresses or is paused the agent refuses other weights (400 weight_percent): the
    // weight controls are off and say who holds the weight. The fault knobs stay (the agent takes them).
    const auto& s = rollout_->status();
    const bool owned = s && rollout_active(s->state);
    for (QWidget* w : weight_controls_)
        w->setEnabled(!owned);
    if (owned)
        owned_->setText(tr("A rollout sets the weight now (%1, step %2 of %3): pause, promote or abort it "
                           "below.")
                            .arg(s->state == RolloutState::Paused ? tr("paused") : tr("progressing"))
                            .arg(s->step + 1)
                            .arg(s->spec ? int(s->spec->steps.size()) : 0));
    owned_->setVisible(owned);
}

void CanaryPanel::setAgent(const QString& id) {
    if (id == agent_) return;
    agent_ = id;
    // A change of the previous agent still pending is not this agent's: forget it (its answer is dropped).
    idle_->stop();
    in_flight_.reset();
    queued_.reset();
    ++put_generation_;
    faults_shown_.reset();
    setError({});
    comparison_.clear();
    route_->clear();
    route_->addItem(tr("All routes"), QString());
    showBackends();
    rollout_->setAgent(id);
    if (isVisible()) refreshComparison();
    if (!id.isEmpty()) reload();
}

void CanaryPanel::showEvent(QShowEvent* e) {
    QWidget::showEvent(e);
    refreshComparison();
    // The backends' figures were last fetched when the tab was shown before: fetch them now.
    if (backends_box_->isVisible()) refreshBackends();
}

void CanaryPanel::refreshComparison() {
    auto snap = agent_.isEmpty() ? nullptr : d_->store().latest(agent_);
    // The last second of an agent that is not live is its last word, not the present: grey it and say so.
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    const Freshness f = agent_.isEmpty() ? Freshness{} : d_->freshness(agent_, now);
    const bool stale = !agent_.isEmpty() && !f.live;
    comparison_.setStale(stale);
    table_->setEnabled(!stale);
    const QString note =
        stale && snap ? tr("Not live: the last second the agent reported (%1).").arg(f.text(now)) : QString();
    if (table_note_->text() != note) table_note_->setText(note);
    table_note_->setVisible(!note.isEmpty());
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

void CanaryPanel::setConfirm(std::function<bool(const QString&)> confirm) {
    confirm_ = [confirm = std::move(confirm)](const QString& text, const QString&, bool*) {
        return confirm(text);
    };
}

bool CanaryPanel::pending() const {
    return in_flight_ || queued_ || idle_->isActive() || slider_->isSliderDown();
}

const CanaryConfig& CanaryPanel::target() const {
    if (queued_) return *queued_;
    if (in_flight_) return *in_flight_;
    return applied_;
}

void CanaryPanel::reload() {
    auto* conn = d_->connection(agent_);
    if (!conn) {
        setError(d_->noControlsReason(agent_));
        return;
    }
    const int gen = ++load_generation_;
    conn->fetchCanary([this, alive = QPointer<CanaryPanel>(this), gen](Result<CanaryConfig> r) {
        if (!alive || gen != load_generation_) return;  // panel gone, or superseded
        if (!r.ok()) {
            setError(tr("Cannot read the canary: %1").arg(QString::fromStdString(r.error_message())));
            load_failed_ = true;
            emit settled(false);
            return;
        }
        if (load_failed_) setError({});  // a refused PUT's message stays until the next change
        load_failed_ = false;
        // A PUT in flight answers with a newer state than this GET may have seen.
        if (!in_flight_) {
            applied_ = *r.value;
            showApplied();
        }
        emit settled(true);
    });
}

void CanaryPanel::setSliderQuietly(double percent) {
    const QSignalBlocker block(slider_);
    slider_->setValue(static_cast<int>(std::lround(percent)));
}

void CanaryPanel::setError(const QString& text) {
    error_->setText(text);
    error_->setVisible(!text.isEmpty());
}

void CanaryPanel::showApplied() {
    // The slider follows the agent unless the user's hand is on it (a move not sent yet stays where it is).
    if (!idle_->isActive() && !slider_->isSliderDown()) setSliderQuietly(target().weight_percent);
    weight_label_->setText(percentText(applied_.weight_percent));
    // The knobs follow the agent's faults when those change, not on every repaint of the weight: a knob
    // being edited is not reset by an unrelated weight change.
    if (faults_shown_ != applied_.faults) {
        faults_shown_ = applied_.faults;
        latency_->setValue(applied_.faults.latency_ms);
        jitter_->setValue(applied_.faults.latency_jitter_ms);
        errors_->setValue(applied_.faults.error_ratio * 100.0);
    }
    status_->setText(tr("Canary receives %1 % of client keys; faults: %2")
                         .arg(applied_.weight_percent)
                         .arg(faultsText(applied_.faults)));
    showPending();
}

void CanaryPanel::showPending() {
    QString text;
    if (in_flight_) {
        text = tr("→ %1 sending…").arg(percentText(in_flight_->weight_percent));
        if (queued_) text += tr(" then %1").arg(percentText(queued_->weight_percent));
    } else if (slider_->isSliderDown() && slider_->value() != std::lround(applied_.weight_percent)) {
        text = tr("→ %1 not sent yet: release to send").arg(percentText(slider_->value()));
    } else if (idle_->isActive() && slider_->value() != std::lround(target().weight_percent)) {
        text = tr("→ %1 not sent yet: sent when you stop (Enter sends now, Esc cancels)")
                   .arg(percentText(slider_->value()));
    }
    pending_->setText(text);
    pending_->setVisible(!text.isEmpty());
}

void CanaryPanel::sliderMoved(int) {
    if (slider_->isSliderDown())
        idle_->stop();  // a drag is sent on release
    else
        idle_->start();  // keyboard, wheel, a click on the groove: sent when the user stops
    showPending();
}

void CanaryPanel::commitSlider() {
    idle_->stop();
    setWeight(slider_->value());
}

bool CanaryPanel::eventFilter(QObject* watched, QEvent* event) {
    if (watched != slider_) return QWidget::eventFilter(watched, event);
    const bool unsent = idle_->isActive();
    if (event->type() == QEvent::ShortcutOverride) {
        // Esc would dismiss the window's banner; while a move is unsent it belongs to the slider.
        auto* k = static_cast<QKeyEvent*>(event);
        if (unsent && k->key() == Qt::Key_Escape) {
            event->accept();
            return true;
        }
    }
    if (event->type() == QEvent::KeyPress) {
        auto* k = static_cast<QKeyEvent*>(event);
        if (k->key() == Qt::Key_Return || k->key() == Qt::Key_Enter) {
            commitSlider();
            return true;
        }
        if (k->key() == Qt::Key_Escape && unsent) {
            idle_->stop();
            showApplied();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void CanaryPanel::setWeight(double percent) {
    idle_->stop();
    CanaryConfig c = target();
    if (percent == c.weight_percent) {
        showApplied();
        return;
    }
    const bool promote = percent >= 100, rollBack = percent <= 0;
    if (promote || rollBack) {
        QString offer;
        if (rollBack && c.faults != CanaryFaults{})
            offer = tr("Also clear the canary's fault knobs (%1)").arg(faultsText(c.faults));
        bool clearFaults = false;
        const QString text = promote ? tr("Promote the canary: send 100 % of traffic to it?")
                                     : tr("Roll back: send no traffic to the canary?");
        if (!confirm_(text, offer, &clearFaults)) {
            spdlog::info("canary: change to {} % cancelled at the confirmation", percent);
            showApplied();  // back on the confirmed weight
            return;
        }
        if (clearFaults) c.faults = {};
    }
    c.weight_percent = percent;
    submit(c);
}

void CanaryPanel::applyFaults(const CanaryFaults& f) {
    CanaryConfig c = target();
    c.faults = f;
    submit(c);
}

void CanaryPanel::submit(const CanaryConfig& c) {
    setError({});
    if (in_flight_) {
        queued_ = c;  // sent when the PUT in flight has its answer
        showPending();
        return;
    }
    send(c);
}

void CanaryPanel::send(const CanaryConfig& c) {
    auto* conn = d_->connection(agent_);
    if (!conn) return;
    auto parsed = parse_canary(nlohmann::json(c));
    if (!parsed.ok()) {
        setError(
            QString::fromStdString(parsed.errors().front().field + ": " + parsed.errors().front().message));
        showApplied();
        emit settled(false);
        return;
    }
    spdlog::info("canary: requesting weight {} % (confirmed {} %)", c.weight_percent,
                 applied_.weight_percent);
    const int gen = ++put_generation_;
    in_flight_ = c;
    showApplied();
    conn->putCanary(c, [this, alive = QPointer<CanaryPanel>(this), gen](Result<CanaryConfig> r) {
        if (!alive || gen != put_generation_) return;
        in_flight_.reset();
        if (!r.ok()) {
            const QString m = QString::fromStdString(r.error_message());
            spdlog::warn("canary: change refused: {}", r.error_message());
            queued_.reset();  // built on a change that did not happen
            setError(tr("Refused: %1 — the canary still receives %2")
                         .arg(m, percentText(applied_.weight_percent)));
            showApplied();
            emit message(tr("Canary not changed: %1").arg(m), true);
            emit settled(false);
            return;
        }
        applied_ = *r.value;
        if (queued_) {
            const CanaryConfig next = *queued_;
            queued_.reset();
            if (next != applied_) {
                emit settled(true);
                send(next);
                return;
            }
        }
        showApplied();
        emit settled(true);
    });
}

}  // namespace redline::ui
