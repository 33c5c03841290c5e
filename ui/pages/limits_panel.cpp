#include "ui/pages/limits_panel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QShortcut>
#include <QTableView>
#include <QVBoxLayout>

#include "ui/session/dashboard.h"
#include "ui/widgets/cell_delegate.h"
#include "ui/widgets/choice_delegate.h"

namespace redline::ui {

LimitsPanel::LimitsPanel(Dashboard* dashboard, QWidget* parent) : Page(parent), d_(dashboard) {
    view_ = new QTableView;
    view_->setModel(&model_);
    view_->setItemDelegateForColumn(LimitsModel::Mode, new ChoiceDelegate(LimitsModel::modeChoices(), view_));
    view_->setItemDelegateForColumn(LimitsModel::Scope,
                                    new ChoiceDelegate(LimitsModel::scopeChoices(), view_));
    // Rate and burst: a plain line edit, so what is typed ("1e12", "-5", "12abc") reaches the model as typed
    // and is refused there with the reason, instead of being clamped or dropped by a spin box's validator.
    auto* text = new CellDelegate(view_);
    view_->setItemDelegateForColumn(LimitsModel::Rate, text);
    view_->setItemDelegateForColumn(LimitsModel::Burst, text);
    view_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                           QAbstractItemView::AnyKeyPressed | QAbstractItemView::SelectedClicked);
    // A refused cell shows the typed text and, on the line below, the reason: rate, burst and status share
    // the free width and wrap, and a row grows to show all of it (the table never scrolls sideways).
    for (int c : {LimitsModel::Route, LimitsModel::Enabled, LimitsModel::Mode, LimitsModel::Scope})
        view_->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    for (int c : {LimitsModel::Rate, LimitsModel::Burst, LimitsModel::Status})
        view_->horizontalHeader()->setSectionResizeMode(c, QHeaderView::Stretch);
    view_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    view_->setWordWrap(true);
    view_->verticalHeader()->hide();
    view_->setAlternatingRowColors(true);

    reload_ = new QPushButton(tr("Reload"));
    revert_ = new QPushButton(tr("Revert"));
    apply_ = new QPushButton(tr("Apply"));
    apply_->setObjectName("primaryButton");
    apply_->setToolTip(tr("Send the edited table to the agent (Ctrl+Return)"));
    // Not the button's own shortcut: that one is dead while the button is disabled, which it is while a
    // change is still in an open editor; apply() commits the editor first and checks everything itself.
    auto* applyKey = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), this);
    applyKey->setContext(Qt::WidgetWithChildrenShortcut);
    connect(applyKey, &QShortcut::activated, this, &LimitsPanel::apply);
    status_ = new QLabel;
    status_->setObjectName("limitsStatus");
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
        setStatus(tr("Edits reverted · %1").arg(summary()), false);
    });
    connect(apply_, &QPushButton::clicked, this, &LimitsPanel::apply);
    connect(&model_, &LimitsModel::editStateChanged, this, &LimitsPanel::editStateChanged);
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

void LimitsPanel::updateButtons() {
    reload_->setEnabled(!busy_);
    apply_->setEnabled(!busy_ && model_.modified() && model_.valid());
    revert_->setEnabled(!busy_ && model_.modified());
}

void LimitsPanel::setBusy(bool b) {
    busy_ = b;
    updateButtons();
}

QString LimitsPanel::summary() const {
    return tr("%1 routes, %2 limited").arg(model_.rowCount()).arg(model_.appliedLimitedCount());
}

void LimitsPanel::editStateChanged() {
    updateButtons();
    if (busy_) return;  // "Loading…" / "Applying…" stays until the answer
    if (const int bad = model_.invalidCells(); bad > 0)
        setStatus(tr("%n refused cell(s), the reason is in the cell: Apply is off until they are fixed or "
                     "reverted",
                     "", bad),
                  true);
    else if (model_.modified())
        setStatus(tr("Edited, not applied (Apply or Ctrl+Return) · %1").arg(summary()), false);
    else if (status_->property("error").toBool() || status_->text().startsWith(tr("Edited")))
        setStatus(summary(), false);  // no stale refusal or "edited" once the table is back to the agent's
}

void LimitsPanel::setStatus(const QString& text, bool error) {
    status_->setText(text);
    status_->setProperty("error", error);
    status_->setStyleSheet(error ? QStringLiteral("color: #f85149;") : QString());
}

void LimitsPanel::reload() {
    auto* conn = d_->connection(agent_);
    if (!conn) {
        setStatus(d_->noControlsReason(agent_), false);
        return;
    }
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
        [this, alive = QPointer<LimitsPanel>(this), gen](Both b) {
            if (!alive || gen != generation_) return;  // panel gone, or a newer request superseded this one
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
            setStatus(summary(), false);
            emit settled(true);
        });
}

void LimitsPanel::commitOpenEditor() {
    const QModelIndex idx = view_->currentIndex();
    QWidget* editor = idx.isValid() ? view_->indexWidget(idx) : nullptr;
    if (!editor) return;
    QAbstractItemDelegate* delegate = view_->itemDelegateForIndex(idx);
    delegate->setModelData(editor, &model_, idx);
    emit delegate->closeEditor(editor, QAbstractItemDelegate::NoHint);
}

void LimitsPanel::apply() {
    // Ctrl+Return reaches Apply while a cell's editor is open: what is in the editor is what the user means.
    commitOpenEditor();
    auto* conn = d_->connection(agent_);
    if (!conn || busy_ || !model_.modified()) return;
    if (!model_.valid()) {
        // Never send the values the refused cells replaced.
        setStatus(tr("Not sent: %n refused cell(s)", "", model_.invalidCells()), true);
        emit settled(false);
        return;
    }
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
    conn->putLimits(parsed.value(), [this, alive = QPointer<LimitsPanel>(this), gen](Result<LimitsConfig> r) {
        if (!alive || gen != generation_) return;
        setBusy(false);
        if (r.ok()) {
            model_.markApplied(*r.value);
            setStatus(tr("Applied · %1").arg(summary()), false);
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
