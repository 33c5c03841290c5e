#include "ui/pages/limits_panel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

#include "ui/widgets/choice_delegate.h"
#include "ui/session/dashboard.h"

namespace redline::ui {

LimitsPanel::LimitsPanel(Dashboard* dashboard, QWidget* parent) : QWidget(parent), d_(dashboard) {
    view_ = new QTableView;
    view_->setModel(&model_);
    view_->setItemDelegateForColumn(LimitsModel::Mode, new ChoiceDelegate(LimitsModel::modeChoices(), view_));
    view_->setItemDelegateForColumn(LimitsModel::Scope,
                                    new ChoiceDelegate(LimitsModel::scopeChoices(), view_));
    view_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                           QAbstractItemView::AnyKeyPressed | QAbstractItemView::SelectedClicked);
    view_->horizontalHeader()->setSectionResizeMode(LimitsModel::Route, QHeaderView::ResizeToContents);
    view_->horizontalHeader()->setStretchLastSection(true);
    view_->verticalHeader()->hide();
    view_->setAlternatingRowColors(true);

    reload_ = new QPushButton(tr("Reload"));
    revert_ = new QPushButton(tr("Revert"));
    apply_ = new QPushButton(tr("Apply"));
    apply_->setObjectName("primaryButton");
    apply_->setToolTip(tr("Send the edited table to the agent (Ctrl+Return)"));
    apply_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    status_ = new QLabel;
    status_->setWordWrap(true);
    auto* title =
        new QLabel(tr("Rate limits per route — token bucket per client key (X-API-Key or address). "
                      "Double-click a cell to edit; tick “Limited” to add a limit."));
    title->setObjectName("mutedLabel");
    title->setWordWrap(true);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(status_, 1);
    buttons->addWidget(reload_);
    buttons->addWidget(revert_);
    buttons->addWidget(apply_);
    auto* lay = new QVBoxLayout(this);
    lay->addWidget(title);
    lay->addWidget(view_, 1);
    lay->addLayout(buttons);

    connect(reload_, &QPushButton::clicked, this, &LimitsPanel::reload);
    connect(revert_, &QPushButton::clicked, this, [this] {
        model_.revert();
        setStatus(tr("Edits reverted"), false);
    });
    connect(apply_, &QPushButton::clicked, this, &LimitsPanel::apply);
    connect(&model_, &LimitsModel::modifiedChanged, this, [this](bool m) {
        apply_->setEnabled(m && !busy_);
        revert_->setEnabled(m && !busy_);
    });
    connect(&model_, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex& tl) {
        const QString err = model_.rowError(tl.row());
        if (!err.isEmpty()) setStatus(tr("%1: %2").arg(model_.routes().value(tl.row()), err), true);
    });
    connect(d_, &Dashboard::eventsArrived, this, [this](const QString& id, int) {
        if (id != agent_ || busy_ || model_.modified()) return;
        const auto& ev = d_->store().events(id);
        if (!ev.empty() && ev.back().kind == "limits.changed") reload();
    });
    apply_->setEnabled(false);
    revert_->setEnabled(false);
}

void LimitsPanel::setAgent(const QString& id) {
    if (id == agent_) return;
    agent_ = id;
    model_.setApplied({}, {});
    if (!id.isEmpty()) reload();
}

void LimitsPanel::setBusy(bool b) {
    busy_ = b;
    reload_->setEnabled(!b);
    apply_->setEnabled(!b && model_.modified());
    revert_->setEnabled(!b && model_.modified());
}

void LimitsPanel::setStatus(const QString& text, bool error) {
    status_->setText(text);
    status_->setProperty("error", error);
    status_->setStyleSheet(error ? QStringLiteral("color: #f85149;") : QString());
}

void LimitsPanel::reload() {
    auto* conn = d_->connection(agent_);
    if (!conn) return;
    const int gen = ++generation_;
    setBusy(true);
    setStatus(tr("Loading…"), false);
    struct Both {
        Result<AgentInfo> info;
        Result<LimitsConfig> limits;
    };
    conn->call<Both>(
        [](AgentClient& c) {
            return Both{c.info(), c.limits()};
        },
        [this, gen](Both b) {
            if (gen != generation_) return;  // a newer request superseded this one
            setBusy(false);
            if (!b.limits.ok()) {
                const QString m = QString::fromStdString(b.limits.error_message());
                setStatus(m, true);
                emit message(tr("Limits: %1").arg(m), true);
                emit settled(false);
                return;
            }
            QStringList routes;
            if (b.info.ok())
                for (const auto& r : b.info.value->routes)
                    routes.append(QString::fromStdString(r));
            if (routes.isEmpty()) routes = d_->store().routes(agent_);
            if (model_.modified()) {
                // The user started editing while this reload was in flight: never clobber edits.
                setStatus(tr("The agent's limits changed while you were editing; Revert then Reload to see "
                             "them"),
                          true);
                emit settled(true);
                return;
            }
            model_.setApplied(*b.limits.value, routes);
            setStatus(tr("%1 routes, %2 limited").arg(model_.rowCount()).arg(b.limits.value->routes.size()),
                      false);
            emit settled(true);
        });
}

void LimitsPanel::apply() {
    auto* conn = d_->connection(agent_);
    if (!conn || !model_.modified()) return;
    // Inline validation of the whole document before sending.
    nlohmann::json doc = model_.edited();
    auto parsed = parse_limits(doc);
    if (!parsed.ok()) {
        model_.setServerErrors(parsed.errors());
        setStatus(tr("Not sent: %1 invalid field(s)").arg(parsed.errors().size()), true);
        emit settled(false);
        return;
    }
    const int gen = ++generation_;
    setBusy(true);
    setStatus(tr("Applying…"), false);
    conn->putLimits(parsed.value(), [this, gen](Result<LimitsConfig> r) {
        if (gen != generation_) return;
        setBusy(false);
        if (r.ok()) {
            model_.markApplied(*r.value);
            setStatus(tr("Applied"), false);
            emit settled(true);
            return;
        }
        if (r.problem) model_.setServerErrors(r.problem->errors);
        const QString m = QString::fromStdString(r.error_message());
        setStatus(tr("Refused: %1").arg(m), true);
        emit message(tr("Limits not applied: %1").arg(m), true);
        emit settled(false);
    });
}

}  // namespace redline::ui
