#include "ui/pages/rollout_panel.h"

#include <spdlog/spdlog.h>

#include <QBoxLayout>
#include <QDateTime>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QShowEvent>
#include <QStyle>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>
#include <algorithm>

#include "ui/session/agent_connection.h"
#include "ui/session/dashboard.h"
#include "ui/widgets/rollout_plan_editor.h"
#include "ui/widgets/step_timeline.h"

namespace redline::ui {

namespace {

QString stateWords(RolloutState s) {
    switch (s) {
        case RolloutState::None:
            return RolloutPanel::tr("no rollout");
        case RolloutState::Pending:
            return RolloutPanel::tr("pending (plan sent, not started)");
        case RolloutState::Progressing:
            return RolloutPanel::tr("progressing");
        case RolloutState::Paused:
            return RolloutPanel::tr("paused");
        case RolloutState::Promoted:
            return RolloutPanel::tr("promoted");
        case RolloutState::RolledBack:
            return RolloutPanel::tr("rolled back");
        case RolloutState::Aborted:
            return RolloutPanel::tr("aborted");
    }
    return {};
}

QFrame* makeBanner(const QString& objectName, const char* kind, QLabel** text) {
    auto* f = new QFrame;
    f->setObjectName("banner");  // themed (resources/themes/*.qss QFrame#banner[kind=...])
    f->setProperty("kind", kind);
    f->setAccessibleName(objectName);
    auto* l = new QLabel;
    l->setObjectName(objectName + "Text");
    l->setWordWrap(true);
    l->setTextFormat(Qt::PlainText);
    auto* lay = new QHBoxLayout(f);
    lay->setContentsMargins(8, 6, 6, 6);
    lay->addWidget(l, 1);
    *text = l;
    f->hide();
    return f;
}

}  // namespace

RolloutPanel::RolloutPanel(Dashboard* dashboard, QWidget* parent)
    : QGroupBox(tr("Rollout"), parent), d_(dashboard) {
    setObjectName("rolloutBox");
    confirm_ = [this](const QString& text) {
        return QMessageBox::question(this, tr("Confirm rollout action"), text,
                                     QMessageBox::Yes | QMessageBox::Cancel) == QMessageBox::Yes;
    };

    rolled_back_banner_ = makeBanner(QStringLiteral("rolloutRolledBackBanner"), "error", &rolled_back_text_);
    rolled_back_banner_->setObjectName("banner");
    auto* dismiss = new QToolButton;
    dismiss->setObjectName("rolloutDismissBanner");
    dismiss->setText(tr("Dismiss"));
    dismiss->setToolTip(tr("Hide this rollback's banner (it stays hidden for this rollout)"));
    rolled_back_banner_->layout()->addWidget(dismiss);
    connect(dismiss, &QToolButton::clicked, this, [this] {
        if (!status_) return;
        QSettings().setValue(dismissKey(), QVariant::fromValue<qint64>(status_->started_ms));
        showBanners();
        emit statusChanged();  // attention() changed
    });
    paused_banner_ = makeBanner(QStringLiteral("rolloutPausedBanner"), "info", &paused_text_);

    not_live_ = new QLabel;
    not_live_->setObjectName("staleLabel");
    not_live_->setWordWrap(true);
    not_live_->hide();

    // Status: state, verbs, timeline, time left.
    state_ = new QLabel;
    state_->setObjectName("rolloutState");
    state_->setWordWrap(true);
    state_->setTextFormat(Qt::RichText);
    const std::pair<RolloutAction, QString> verbs[] = {
        {RolloutAction::Start, tr("&Start")},         {RolloutAction::Pause, tr("&Pause")},
        {RolloutAction::Resume, tr("Res&ume")},       {RolloutAction::Skip, tr("S&kip step")},
        {RolloutAction::Promote, tr("Pro&mote now")}, {RolloutAction::Abort, tr("A&bort")}};
    auto* verbRow = new QHBoxLayout;
    for (const auto& [a, label] : verbs) {
        auto* b = new QPushButton(label);
        b->setObjectName(QStringLiteral("rollout_") + actionName(a));
        if (a == RolloutAction::Abort) b->setObjectName("dangerButton");
        if (a == RolloutAction::Start) b->setObjectName("primaryButton");
        b->setProperty("rolloutAction", actionName(a));
        buttons_.insert(int(a), b);
        connect(b, &QPushButton::clicked, this, [this, a = a] { act(a); });
        verbRow->addWidget(b);
    }
    verbRow->addStretch(1);
    action_error_ = new QLabel;
    action_error_->setObjectName("inlineError");
    action_error_->setProperty("errorFor", "action");
    action_error_->setWordWrap(true);
    action_error_->hide();
    timeline_ = new StepTimeline;
    timeline_->setObjectName("rolloutTimeline");
    progress_ = new QLabel;
    progress_->setObjectName("rolloutProgress");
    progress_->setWordWrap(true);

    // Scorecard.
    score_title_ = new QLabel;
    score_title_->setObjectName("rolloutScoreTitle");
    score_title_->setWordWrap(true);
    score_table_ = new QTableView;
    score_table_->setObjectName("rolloutScorecard");
    score_table_->setModel(&scorecard_);
    score_table_->verticalHeader()->hide();
    score_table_->setSelectionMode(QAbstractItemView::NoSelection);
    // Every column as wide as its header and figures (a stretched last column got what was left, and clipped
    // its header when little was); a table wider than its place scrolls, and arrangeColumns() stacks the
    // status above the plan before it has to.
    score_table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    score_table_->horizontalHeader()->setStretchLastSection(false);
    score_table_->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
    score_table_->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    score_table_->setMinimumHeight(score_table_->verticalHeader()->defaultSectionSize() * 8 +
                                   score_table_->horizontalHeader()->sizeHint().height());

    editor_ = new RolloutPlanEditor;
    auto* planBox = new QGroupBox(tr("Plan"));
    auto* pl = new QVBoxLayout(planBox);
    pl->addWidget(editor_);

    status_area_ = new QWidget;
    auto* sl = new QVBoxLayout(status_area_);
    sl->setContentsMargins(0, 0, 0, 0);
    sl->addWidget(state_);
    sl->addWidget(timeline_);
    sl->addWidget(progress_);
    sl->addWidget(score_title_);
    sl->addWidget(score_table_, 1);

    plan_box_ = planBox;
    columns_ = new QBoxLayout(QBoxLayout::LeftToRight);
    columns_->addWidget(planBox, 2);
    columns_->addWidget(status_area_, 3);
    connect(score_table_->horizontalHeader(), &QHeaderView::sectionResized, this,
            [this] { arrangeColumns(); });
    auto* lay = new QVBoxLayout(this);
    lay->addWidget(rolled_back_banner_);
    lay->addWidget(paused_banner_);
    lay->addWidget(not_live_);
    lay->addLayout(verbRow);
    lay->addWidget(action_error_);
    lay->addLayout(columns_, 1);

    poll_ = new QTimer(this);
    poll_->setInterval(kPollMs);
    connect(poll_, &QTimer::timeout, this, [this] {
        // Hidden (another tab is shown): an active rollout is still followed, at a gentler rate.
        const bool active = status_ && rollout_active(status_->state);
        if (isVisible() || (active && (!since_get_.isValid() || since_get_.elapsed() >= kHiddenPollMs - 100)))
            refresh();
    });
    poll_->start();
    connect(editor_, &RolloutPlanEditor::changed, this, [this] { setActionError({}); });
    connect(d_, &Dashboard::agentStateChanged, this, [this](const QString& id, StreamState s) {
        if (id != agent_) return;
        showStatus();
        if (s == StreamState::Live) refresh();  // whichever tab is shown: the rollout may have moved on
    });
    connect(d_, &Dashboard::connectionInfoChanged, this, [this](const QString& id) {
        if (id == agent_) updateEnabled();  // the role is known (or changed) now
    });
    connect(d_, &Dashboard::eventsArrived, this, [this](const QString& id, int count) {
        if (id != agent_) return;
        const auto& ev = d_->store().events(id);
        for (int i = std::max(0, int(ev.size()) - count); i < int(ev.size()); ++i)
            if (ev[std::size_t(i)].kind.rfind("rollout.", 0) == 0) {
                refresh();
                return;
            }
    });
    showStatus();
}

QPushButton* RolloutPanel::button(RolloutAction a) const {
    return buttons_.value(int(a));
}

void RolloutPanel::setAgent(const QString& id) {
    if (id == agent_) return;
    agent_ = id;
    status_.reset();
    last_answer_ms_ = 0;
    read_error_.clear();
    busy_ = false;
    get_in_flight_ = false;
    applied_seq_ = seq_;  // answers to the previous agent's requests are dropped
    setActionError({});
    editor_->setSpec(RolloutSpec{RolloutPlanModel::defaultSteps()});
    showStatus();
    refresh();
}

void RolloutPanel::resizeEvent(QResizeEvent* e) {
    QGroupBox::resizeEvent(e);
    arrangeColumns();
}

void RolloutPanel::arrangeColumns() {
    // Side by side the status gets 3/5 of the width; when the scorecard does not fit there, the status goes
    // above the plan (BottomToTop: the live state first), with the whole width for the scorecard.
    const int scoreWidth = score_table_->horizontalHeader()->length() + 2 * score_table_->frameWidth();
    const int available = contentsRect().width() - columns_->spacing();
    const bool sideBySide =
        available * 3 / 5 >= scoreWidth && available * 2 / 5 >= plan_box_->minimumSizeHint().width();
    const auto dir = sideBySide ? QBoxLayout::LeftToRight : QBoxLayout::BottomToTop;
    if (columns_->direction() == dir) return;
    columns_->setDirection(dir);
    columns_->setStretch(0, sideBySide ? 2 : 0);
    columns_->setStretch(1, sideBySide ? 3 : 0);
}

void RolloutPanel::showEvent(QShowEvent* e) {
    QGroupBox::showEvent(e);
    refresh();
}

bool RolloutPanel::live() const {
    auto* c = agent_.isEmpty() ? nullptr : d_->connection(agent_);
    return c && c->state() == StreamState::Live;
}

bool RolloutPanel::viewer() const {
    auto* c = agent_.isEmpty() ? nullptr : d_->connection(agent_);
    return !c || c->role() != QLatin1String("operator");
}

QString RolloutPanel::dismissKey() const {
    auto* c = d_->connection(agent_);
    const QString url = c ? c->config().url : agent_;
    return QStringLiteral("rollout/dismissedRollback/") + QString::fromLatin1(QUrl::toPercentEncoding(url));
}

RolloutPanel::Sent RolloutPanel::nextRequest() {
    return {++seq_, agent_};
}

bool RolloutPanel::accept(const Sent& s, const RolloutReply& r) {
    if (s.agent != agent_ || s.seq < applied_seq_ || !r.ok()) return false;
    applied_seq_ = s.seq;
    last_answer_ms_ = QDateTime::currentMSecsSinceEpoch();
    const std::optional<RolloutStatus> before = status_;
    status_ = r.status;
    // The editor follows the agent's plan until the user edits it (compared with the plan it was given, not
    // with what it shows: a box rounds to the digits it displays).
    if (status_->spec && !editor_->edited() && editor_->loadedSpec() != *status_->spec)
        editor_->setSpec(*status_->spec);
    showStatus();
    // A rollback seen happening (not one found on connecting: the badge and banner show that one).
    if (before && rollout_active(before->state) && status_->state == RolloutState::RolledBack) {
        const QString why =
            status_->reason.empty() ? tr("no reason given") : QString::fromStdString(status_->reason);
        spdlog::warn("rollout: rolled back: {}", status_->reason);
        emit message(tr("Rollout rolled back: %1").arg(why), true);
    }
    return true;
}

QString RolloutPanel::attention() const {
    if (!status_) return {};
    if (status_->state == RolloutState::RolledBack && rolled_back_banner_->isVisibleTo(this))
        return tr("rolled back");
    if (status_->state == RolloutState::Paused) return tr("paused");
    return {};
}

QString RolloutPanel::attentionDetail() const {
    if (attention().isEmpty()) return {};
    if (status_->reason.empty())
        return status_->state == RolloutState::Paused ? tr("by an operator") : tr("no reason given");
    return QString::fromStdString(status_->reason);
}

void RolloutPanel::refresh() {
    auto* c = agent_.isEmpty() ? nullptr : d_->connection(agent_);
    if (!c || c->state() != StreamState::Live || get_in_flight_) return;
    get_in_flight_ = true;
    since_get_.start();
    const Sent s = nextRequest();
    fetchRollout(*c, [this, s](RolloutReply r) {
        if (s.agent != agent_) return;
        get_in_flight_ = false;
        if (!r.ok()) {
            spdlog::debug("rollout: GET failed: {}", r.error.toStdString());
            if (s.seq >= applied_seq_) {
                read_error_ = r.error;
                updateEnabled();
            }
            emit settled(false);
            return;
        }
        if (accept(s, r)) read_error_.clear();
        updateEnabled();
        emit settled(true);
    });
}

void RolloutPanel::start() {
    auto* c = d_->connection(agent_);
    if (!c) return;
    if (!editor_->validate()) {
        const QStringList errors = editor_->errorTexts();
        spdlog::info("rollout: plan not sent, {} problem(s): {}", errors.size(),
                     errors.join(QStringLiteral("; ")).toStdString());
        setActionError(tr("Not started: the plan has %n problem(s), shown beside the fields.", nullptr,
                          int(errors.size())));
        emit settled(false);
        return;
    }
    const RolloutSpec spec = editor_->spec();
    const bool sendPlan = !status_ || !status_->spec || *status_->spec != spec;
    if (!sendPlan) {
        post(RolloutAction::Start);
        return;
    }
    busy_ = true;
    setActionError({});
    updateEnabled();
    const Sent s = nextRequest();
    putRollout(*c, spec, [this, s](RolloutReply r) {
        if (s.agent != agent_) return;
        busy_ = false;
        if (!r.ok()) {
            // Nothing changed on the agent: show why next to what it names, keep the plan as typed.
            if (!r.field_errors.empty()) editor_->showErrors(r.field_errors);
            const QString why = r.detail.isEmpty() ? r.error : r.detail;
            setActionError(tr("The agent refused the plan: %1").arg(why));
            spdlog::warn("rollout: plan refused: {}", r.error.toStdString());
            emit message(tr("Rollout plan refused: %1").arg(why), true);
            updateEnabled();
            refresh();
            emit settled(false);
            return;
        }
        accept(s, r);
        if (status_ && status_->spec) editor_->setSpec(*status_->spec);  // the plan is the agent's now
        post(RolloutAction::Start);
    });
}

void RolloutPanel::act(RolloutAction a) {
    if (a == RolloutAction::Start) {
        start();
        return;
    }
    if (a == RolloutAction::Promote &&
        !confirm_(tr("Promote now: send 100 % of traffic to the canary, skipping the remaining steps and "
                     "their analysis?")))
        return;
    if (a == RolloutAction::Abort &&
        !confirm_(tr("Abort the rollout: the canary's weight goes back to 0 %?")))
        return;
    post(a);
}

void RolloutPanel::post(RolloutAction a) {
    auto* c = d_->connection(agent_);
    if (!c) return;
    busy_ = true;
    setActionError({});
    updateEnabled();
    const Sent s = nextRequest();
    postRolloutAction(*c, a, {}, [this, s, a](RolloutReply r) {
        if (s.agent != agent_) return;
        busy_ = false;
        if (!r.ok()) {
            const QString why = r.http_status == 409 && !r.detail.isEmpty() ? r.detail : r.error;
            setActionError(tr("%1 refused: %2").arg(actionName(a), why));
            spdlog::warn("rollout: {} refused: {}", actionName(a).toStdString(), r.error.toStdString());
            emit message(tr("Rollout %1 refused: %2").arg(actionName(a), why), true);
            updateEnabled();
            refresh();  // the state may have moved on under us (that is what a 409 says)
            emit settled(false);
            return;
        }
        accept(s, r);
        updateEnabled();
        emit settled(true);
    });
}

void RolloutPanel::setActionError(const QString& text) {
    action_error_->setText(text);
    action_error_->setVisible(!text.isEmpty());
}

void RolloutPanel::showStatus() {
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    scorecard_.setDark(dark);
    editor_->model()->setDark(dark);
    if (!status_) {
        state_->setText(agent_.isEmpty() ? tr("No agent selected")
                                         : tr("Waiting for the agent's rollout status…"));
        timeline_->setSteps({}, -1, 0, RolloutState::None);
        progress_->clear();
        score_title_->setText(tr("Scorecard: no analysis yet"));
        scorecard_.setScorecard(std::nullopt);
        showBanners();
        updateEnabled();
        emit statusChanged();
        return;
    }
    const RolloutStatus& s = *status_;
    const int n = s.spec ? int(s.spec->steps.size()) : 0;
    QString text = tr("State: <b>%1</b>").arg(stateWords(s.state).toHtmlEscaped());
    if (n > 0 && s.state != RolloutState::None && s.state != RolloutState::Pending)
        text += tr(" · step %1 of %2").arg(std::min(s.step + 1, n)).arg(n);
    text += tr(" · canary weight set by the rollout: <b>%1 %</b>").arg(s.weight_percent, 0, 'g', 4);
    if (!s.reason.empty() && s.state != RolloutState::Paused && s.state != RolloutState::RolledBack)
        text +=
            QStringLiteral("<br>") + tr("Reason: %1").arg(QString::fromStdString(s.reason).toHtmlEscaped());
    state_->setText(text);

    const bool running = rollout_active(s.state);
    const int current = running || s.state == RolloutState::RolledBack || s.state == RolloutState::Aborted
                            ? s.step
                        : s.state == RolloutState::Promoted ? n - 1
                                                            : -1;
    timeline_->setSteps(s.spec ? s.spec->steps : std::vector<RolloutStep>{}, current, s.step_held_s, s.state);
    QStringList progress;
    if (running && s.step >= 0 && s.step < n) {
        const int hold = s.spec->steps[std::size_t(s.step)].hold_s;
        progress << tr("Held %1 s of %2 s, %3 s left")
                        .arg(s.step_held_s)
                        .arg(hold)
                        .arg(std::max(0, hold - s.step_held_s));
        progress << tr("passing windows %1, failing %2").arg(s.passing_windows).arg(s.failing_windows);
    }
    if (running && !s.waiting_for.empty())
        progress << tr("waiting for: %1").arg(QString::fromStdString(s.waiting_for));
    progress_->setText(progress.join(QStringLiteral(" · ")));
    progress_->setVisible(!progress.isEmpty());

    scorecard_.setScorecard(s.scorecard);
    if (s.scorecard) {
        const QLocale l;
        score_title_->setText(tr("Scorecard: last %1 s (epoch %2): %3 — %4 stable / %5 canary requests")
                                  .arg(s.scorecard->window_s)
                                  .arg(s.scorecard->epoch)
                                  .arg(ScorecardModel::verdictText(s.scorecard->verdict))
                                  .arg(l.toString(qulonglong(s.scorecard->stable_requests)))
                                  .arg(l.toString(qulonglong(s.scorecard->canary_requests))));
    } else {
        score_title_->setText(tr("Scorecard: no analysis yet"));
    }
    showBanners();
    updateEnabled();
    emit statusChanged();
}

void RolloutPanel::showBanners() {
    const bool rolledBack = status_ && status_->state == RolloutState::RolledBack;
    const bool dismissed = rolledBack &&
                           QSettings().value(dismissKey()).toLongLong() == status_->started_ms &&
                           status_->started_ms != 0;
    if (rolledBack) {
        const QString reason =
            status_->reason.empty() ? tr("no reason given") : QString::fromStdString(status_->reason);
        rolled_back_text_->setText(tr("Rollout rolled back: %1. The canary's weight is %2 %.")
                                       .arg(reason)
                                       .arg(status_->weight_percent, 0, 'g', 4));
    }
    rolled_back_banner_->setVisible(rolledBack && !dismissed);
    const bool paused = status_ && status_->state == RolloutState::Paused;
    if (paused)
        paused_text_->setText(tr("Rollout paused: %1. Resume to go on, or promote or abort.")
                                  .arg(status_->reason.empty() ? tr("by an operator")
                                                               : QString::fromStdString(status_->reason)));
    paused_banner_->setVisible(paused);
}

void RolloutPanel::updateEnabled() {
    const bool isLive = live();
    const bool ro = viewer();
    const RolloutState st = status_ ? status_->state : RolloutState::None;
    for (auto it = buttons_.begin(); it != buttons_.end(); ++it) {
        const auto a = RolloutAction(it.key());
        const bool allowed = status_.has_value() && rolloutActionAllowed(a, st);
        it.value()->setEnabled(isLive && !ro && !busy_ && allowed);
        it.value()->setToolTip(ro        ? tr("Read-only: this connection uses a viewer token")
                               : !isLive ? tr("The agent is not live")
                               : !allowed && status_
                                   ? tr("Not possible while the rollout is %1").arg(stateWords(st))
                                   : QString());
    }
    editor_->setEditable(!ro && !rollout_active(st));
    // A status from an agent that is not live is its last word, not the present: grey it and say so.
    status_area_->setEnabled(isLive);
    scorecard_.setStale(!isLive);
    QString note;
    if (!agent_.isEmpty() && !isLive)
        note = status_ ? tr("The agent is not live: this is the rollout as it was at the last contact (%1).")
                             .arg(QLocale().toString(QDateTime::fromMSecsSinceEpoch(last_answer_ms_).time(),
                                                     QStringLiteral("HH:mm:ss")))
                       : tr("The agent is not live: no rollout status yet.");
    else if (!read_error_.isEmpty())
        note = tr("Cannot read the rollout: %1").arg(read_error_);
    not_live_->setText(note);
    not_live_->setVisible(!note.isEmpty());
}

}  // namespace redline::ui
