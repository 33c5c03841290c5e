#include "ui/widgets/rollout_plan_editor.h"

#include <spdlog/spdlog.h>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QShortcut>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

namespace redline::ui {

namespace {
QDoubleSpinBox* doubleSpin(double lo, double hi, int decimals, const QString& suffix) {
    auto* s = new QDoubleSpinBox;
    s->setRange(lo, hi);
    s->setDecimals(decimals);
    s->setSuffix(suffix);
    return s;
}
}  // namespace

RolloutPlanEditor::RolloutPlanEditor(QWidget* parent) : QWidget(parent) {
    table_ = new QTableView;
    table_->setObjectName("rolloutPlanTable");
    table_->setModel(&model_);
    table_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setTabKeyNavigation(false);  // Tab leaves the table; arrows move inside it
    table_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                            QAbstractItemView::AnyKeyPressed);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(RolloutPlanModel::ProblemCol, QHeaderView::Stretch);
    table_->setWordWrap(true);
    table_->setToolTip(
        tr("F2 or a digit edits a cell; Insert adds a step, Delete removes it, "
           "Ctrl+Up / Ctrl+Down move it"));

    add_ = new QPushButton(tr("&Add step"));
    add_->setObjectName("rolloutAddStep");
    remove_ = new QPushButton(tr("Remove"));
    remove_->setObjectName("rolloutRemoveStep");
    up_ = new QPushButton(tr("Up"));
    up_->setObjectName("rolloutStepUp");
    down_ = new QPushButton(tr("Down"));
    down_->setObjectName("rolloutStepDown");
    auto currentRow = [this] { return table_->currentIndex().isValid() ? table_->currentIndex().row() : -1; };
    auto select = [this](int row) {
        if (row < 0 || row >= model_.rowCount()) return;
        table_->setCurrentIndex(model_.index(row, RolloutPlanModel::WeightCol));
    };
    connect(add_, &QPushButton::clicked, this, [=, this] { select(model_.addStep(currentRow())); });
    connect(remove_, &QPushButton::clicked, this, [=, this] {
        const int r = currentRow();
        if (model_.removeStep(r)) select(std::min(r, model_.rowCount() - 1));
    });
    connect(up_, &QPushButton::clicked, this, [=, this] { select(model_.moveStep(currentRow(), -1)); });
    connect(down_, &QPushButton::clicked, this, [=, this] { select(model_.moveStep(currentRow(), +1)); });
    // The same verbs from the keyboard while the table has focus.
    const std::pair<QKeySequence, QPushButton*> keys[] = {{QKeySequence(Qt::Key_Insert), add_},
                                                          {QKeySequence(Qt::Key_Delete), remove_},
                                                          {QKeySequence(Qt::CTRL | Qt::Key_Up), up_},
                                                          {QKeySequence(Qt::CTRL | Qt::Key_Down), down_}};
    for (const auto& [seq, button] : keys) {
        auto* sc = new QShortcut(seq, table_, nullptr, nullptr, Qt::WidgetShortcut);
        connect(sc, &QShortcut::activated, button, [b = button] {
            if (b->isEnabled()) b->click();
        });
    }
    auto* rowButtons = new QHBoxLayout;
    rowButtons->addWidget(add_);
    rowButtons->addWidget(remove_);
    rowButtons->addWidget(up_);
    rowButtons->addWidget(down_);
    rowButtons->addStretch(1);

    const AnalysisConfig defaults;
    on_failure_ = new QComboBox;
    on_failure_->setObjectName("rolloutOnFailure");
    on_failure_->addItem(tr("Roll back (canary to 0 %)"), QStringLiteral("rollback"));
    on_failure_->addItem(tr("Pause for a human"), QStringLiteral("pause"));
    window_ = new QSpinBox;
    window_->setObjectName("rolloutWindow");
    window_->setRange(1, 60);
    window_->setSuffix(tr(" s"));
    window_->setValue(defaults.window_s);
    p99_percent_ = doubleSpin(0, 1000, 1, tr(" %"));
    p99_percent_->setObjectName("rolloutP99Percent");
    p99_percent_->setValue(defaults.p99.max_increase_percent);
    p99_ms_ = doubleSpin(0, 60000, 1, tr(" ms"));
    p99_ms_->setObjectName("rolloutP99Ms");
    p99_ms_->setValue(defaults.p99.max_increase_ms);
    error_pp_ = doubleSpin(0, 100, 2, tr(" pp"));
    error_pp_->setObjectName("rolloutErrorPp");
    error_pp_->setValue(defaults.max_error_increase_pp);
    p99_percent_->setToolTip(
        tr("p99 fails only when the canary is above both bounds and the difference is "
           "significant"));
    p99_ms_->setToolTip(p99_percent_->toolTip());
    error_pp_->setToolTip(tr("Largest increase of the 5xx ratio, in percentage points"));

    auto fieldRow = [this](QWidget* editor, const QString& field) {
        auto* box = new QVBoxLayout;
        box->setSpacing(1);
        box->addWidget(editor);
        QLabel* e = errorLabel(field);
        field_errors_.insert(field, e);
        box->addWidget(e);
        return box;
    };
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("On failure"), fieldRow(on_failure_, QStringLiteral("on_failure")));
    form->addRow(tr("Analysis window"), fieldRow(window_, QStringLiteral("analysis.window_s")));
    auto* p99 = new QHBoxLayout;
    p99->addLayout(fieldRow(p99_percent_, QStringLiteral("analysis.p99.max_increase_percent")));
    p99->addWidget(new QLabel(tr("and")));
    p99->addLayout(fieldRow(p99_ms_, QStringLiteral("analysis.p99.max_increase_ms")));
    form->addRow(tr("p99 may be worse by"), p99);
    form->addRow(tr("Errors may rise by"),
                 fieldRow(error_pp_, QStringLiteral("analysis.max_error_increase_pp")));

    plan_error_ = errorLabel(QStringLiteral("plan"));
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    lay->addWidget(table_, 1);
    lay->addLayout(rowButtons);
    lay->addWidget(plan_error_);
    lay->addLayout(form);

    connect(&model_, &RolloutPlanModel::edited, this, &RolloutPlanEditor::markEdited);
    connect(on_failure_, &QComboBox::currentIndexChanged, this, &RolloutPlanEditor::markEdited);
    connect(window_, &QSpinBox::valueChanged, this, &RolloutPlanEditor::markEdited);
    for (auto* s : {p99_percent_, p99_ms_, error_pp_})
        connect(s, &QDoubleSpinBox::valueChanged, this, &RolloutPlanEditor::markEdited);
    connect(table_->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &RolloutPlanEditor::updateButtons);
    updateButtons();
}

QLabel* RolloutPlanEditor::errorLabel(const QString& field) {
    auto* l = new QLabel;
    l->setObjectName("inlineError");  // the themes' error colour
    l->setProperty("errorFor", field);
    l->setWordWrap(true);
    l->hide();
    return l;
}

void RolloutPlanEditor::updateButtons() {
    const int r = table_->currentIndex().isValid() ? table_->currentIndex().row() : -1;
    const bool editable = table_->isEnabled();
    add_->setEnabled(editable && model_.rowCount() < 20);
    remove_->setEnabled(editable && r >= 0 && model_.rowCount() > 1);
    up_->setEnabled(editable && r > 0);
    down_->setEnabled(editable && r >= 0 && r + 1 < model_.rowCount());
}

void RolloutPlanEditor::setEditable(bool editable) {
    for (QWidget* w :
         std::initializer_list<QWidget*>{table_, on_failure_, window_, p99_percent_, p99_ms_, error_pp_})
        w->setEnabled(editable);
    updateButtons();
}

void RolloutPlanEditor::markEdited() {
    updateButtons();
    if (loading_) return;
    edited_ = true;
    validate();
    emit changed();
}

RolloutSpec RolloutPlanEditor::spec() const {
    RolloutSpec s = base_;
    s.steps = model_.steps();
    s.on_failure = on_failure_->currentData().toString() == QLatin1String("pause") ? FailurePolicy::Pause
                                                                                   : FailurePolicy::Rollback;
    s.analysis.window_s = window_->value();
    s.analysis.p99.max_increase_percent = p99_percent_->value();
    s.analysis.p99.max_increase_ms = p99_ms_->value();
    s.analysis.max_error_increase_pp = error_pp_->value();
    return s;
}

void RolloutPlanEditor::setSpec(const RolloutSpec& spec) {
    loading_ = true;
    base_ = spec;
    model_.setSteps(spec.steps);
    on_failure_->setCurrentIndex(spec.on_failure == FailurePolicy::Pause ? 1 : 0);
    window_->setValue(spec.analysis.window_s);
    p99_percent_->setValue(spec.analysis.p99.max_increase_percent);
    p99_ms_->setValue(spec.analysis.p99.max_increase_ms);
    error_pp_->setValue(spec.analysis.max_error_increase_pp);
    loading_ = false;
    edited_ = false;
    showErrors({});
    updateButtons();
}

bool RolloutPlanEditor::validate() {
    const auto parsed = parse_rollout_spec(nlohmann::json(spec()));
    showErrors(parsed.ok() ? std::vector<FieldError>{} : parsed.errors());
    return parsed.ok();
}

int RolloutPlanEditor::showErrors(const std::vector<FieldError>& errors) {
    const std::vector<FieldError> rest = model_.setErrors(errors);
    QHash<QString, QStringList> byField;
    QStringList general;
    for (const auto& e : rest) {
        const QString f = QString::fromStdString(e.field);
        const QString m = QString::fromStdString(e.message);
        if (field_errors_.contains(f))
            byField[f] << m;
        else
            general << (f.isEmpty() ? m : f + QStringLiteral(": ") + m);
    }
    for (auto it = field_errors_.begin(); it != field_errors_.end(); ++it) {
        it.value()->setText(byField.value(it.key()).join(QStringLiteral("; ")));
        it.value()->setVisible(byField.contains(it.key()));
    }
    plan_error_->setText(general.join('\n'));
    plan_error_->setVisible(!general.isEmpty());
    if (model_.hasErrors()) {
        // The first refused row in view, so the reason is seen at once.
        for (int r = 0; r < model_.rowCount(); ++r)
            if (!model_.rowError(r).isEmpty()) {
                table_->scrollTo(model_.index(r, RolloutPlanModel::ProblemCol));
                break;
            }
    }
    table_->resizeRowsToContents();
    return static_cast<int>(errors.size());
}

QStringList RolloutPlanEditor::errorTexts() const {
    QStringList out;
    for (int r = 0; r < model_.rowCount(); ++r)
        if (!model_.rowError(r).isEmpty()) out << tr("step %1: %2").arg(r + 1).arg(model_.rowError(r));
    for (auto it = field_errors_.begin(); it != field_errors_.end(); ++it)
        if (!it.value()->text().isEmpty()) out << it.key() + QStringLiteral(": ") + it.value()->text();
    if (!plan_error_->text().isEmpty()) out << plan_error_->text();
    return out;
}

}  // namespace redline::ui
