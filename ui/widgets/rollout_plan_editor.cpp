#include "ui/widgets/rollout_plan_editor.h"

#include <spdlog/spdlog.h>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFontMetrics>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSpinBox>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <array>
#include <cmath>

namespace redline::ui {

namespace {

const char* kAdvancedKey = "rollout/advancedAnalysis";

/// A number box that shows its value with no trailing zeros ("0.001", "20 %", not "0.00100000", "20.000 %"),
/// so it can keep many decimals without clutter. Its value() is rounded to decimals() (QDoubleSpinBox does
/// that on every set), and that rounded value is exactly the text shown.
class TrimmedSpinBox : public QDoubleSpinBox {
  public:
    using QDoubleSpinBox::QDoubleSpinBox;
    QString textFromValue(double v) const override {
        QString s = locale().toString(v, 'f', decimals());
        s.remove(locale().groupSeparator());
        const QString point = locale().decimalPoint();
        if (s.contains(point)) {
            while (s.endsWith('0'))
                s.chop(1);
            if (s.endsWith(point)) s.chop(point.size());
        }
        return s;
    }
    /// Wide enough for a value with every decimal (QDoubleSpinBox measures the trimmed texts of its range's
    /// ends, "0.5" and "1", and then clipped "0.731").
    QSize sizeHint() const override { return widen(QDoubleSpinBox::sizeHint()); }
    QSize minimumSizeHint() const override { return widen(QDoubleSpinBox::minimumSizeHint()); }

  private:
    QSize widen(QSize s) const {
        const QFontMetrics fm(font());
        int extra = 0;
        for (double v : {minimum(), maximum()})
            extra = std::max(extra, fm.horizontalAdvance(locale().toString(v, 'f', decimals())) -
                                        fm.horizontalAdvance(textFromValue(v)));
        s.rwidth() += extra;
        return s;
    }
};

QDoubleSpinBox* doubleBox(const char* name, double lo, double hi, int decimals, double step,
                          const QString& suffix) {
    auto* s = new TrimmedSpinBox;
    s->setObjectName(QLatin1String(name));
    s->setRange(lo, hi);
    s->setDecimals(decimals);
    s->setSingleStep(step);
    s->setSuffix(suffix);
    s->setKeyboardTracking(true);
    return s;
}

/// A word between two boxes of a row, level with the boxes (not with their error labels below).
QLabel* joinLabel(const QString& text, const QWidget* box) {
    auto* l = new QLabel(text);
    l->setMinimumHeight(box->sizeHint().height());
    l->setAlignment(Qt::AlignVCenter | Qt::AlignLeft);
    l->setContentsMargins(4, 0, 4, 0);
    return l;
}

QSpinBox* intBox(const char* name, int lo, int hi, const QString& suffix) {
    auto* s = new QSpinBox;
    s->setObjectName(QLatin1String(name));
    s->setRange(lo, hi);
    s->setSuffix(suffix);
    return s;
}

double boxValue(const QAbstractSpinBox* b) {
    if (auto* d = qobject_cast<const QDoubleSpinBox*>(b)) return d->value();
    return static_cast<const QSpinBox*>(b)->value();
}

void setBoxValue(QAbstractSpinBox* b, double v) {
    if (auto* d = qobject_cast<QDoubleSpinBox*>(b))
        d->setValue(v);
    else
        static_cast<QSpinBox*>(b)->setValue(static_cast<int>(std::lround(v)));
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

    on_failure_ = new QComboBox;
    on_failure_->setObjectName("rolloutOnFailure");
    on_failure_->addItem(tr("Roll back (canary to 0 %)"), QStringLiteral("rollback"));
    on_failure_->addItem(tr("Pause for a human"), QStringLiteral("pause"));
    auto* onFailureRow = new QVBoxLayout;
    onFailureRow->setSpacing(1);
    onFailureRow->addWidget(on_failure_);
    QLabel* onFailureError = errorLabel(QStringLiteral("on_failure"));
    field_errors_.insert(QStringLiteral("on_failure"), onFailureError);
    onFailureRow->addWidget(onFailureError);

    // The main bounds, always shown. Boxes allow the lower end of an open or 1-based range, so the agent's
    // parser says why it is refused (beside the box) instead of the box silently keeping the old value.
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("On failure"), onFailureRow);
    auto* window = intBox("rolloutWindow", 0, 60, tr(" s"));
    window->setToolTip(tr("Each analysis compares the last N seconds of both versions (1 to 60)"));
    form->addRow(tr("Analysis window"), bind(
                                            window, QStringLiteral("analysis.window_s"),
                                            [](const RolloutSpec& s) { return s.analysis.window_s; },
                                            [](RolloutSpec& s, double v) { s.analysis.window_s = int(v); }));
    form->addRow(tr("p99 may be worse by"), quantileRow("p99", &AnalysisConfig::p99));
    auto* errorPp = doubleBox("rolloutErrorPp", 0, 100, 4, 0.1, tr(" pp"));
    errorPp->setToolTip(tr("Largest increase of the 5xx ratio, in percentage points"));
    form->addRow(tr("Errors may rise by"),
                 bind(
                     errorPp, QStringLiteral("analysis.max_error_increase_pp"),
                     [](const RolloutSpec& s) { return s.analysis.max_error_increase_pp; },
                     [](RolloutSpec& s, double v) { s.analysis.max_error_increase_pp = v; }));

    advanced_toggle_ = new QToolButton;
    advanced_toggle_->setObjectName("rolloutAdvancedToggle");
    advanced_toggle_->setText(tr("Ad&vanced analysis"));
    advanced_toggle_->setToolTip(
        tr("Significance, sample sizes, windows, warm-up, the distribution test, the p50 / p95, "
           "cache hit and 429 bounds, and the agent's downtime limit"));
    advanced_toggle_->setCheckable(true);
    advanced_toggle_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    advanced_toggle_->setAutoRaise(true);
    advanced_toggle_->setFocusPolicy(Qt::StrongFocus);
    advanced_ = new QWidget;
    advanced_->setObjectName("rolloutAdvanced");
    auto* advancedLayout = new QVBoxLayout(advanced_);
    advancedLayout->setContentsMargins(12, 0, 0, 0);
    buildAdvanced(advancedLayout);

    plan_error_ = errorLabel(QStringLiteral("plan"));
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    lay->addWidget(table_, 1);
    lay->addLayout(rowButtons);
    lay->addWidget(plan_error_);
    lay->addLayout(form);
    lay->addWidget(advanced_toggle_, 0, Qt::AlignLeft);
    lay->addWidget(advanced_);

    setSpec(RolloutSpec{RolloutPlanModel::defaultSteps()});  // the defaults of core/rollout.h in every box
    connect(&model_, &RolloutPlanModel::edited, this, &RolloutPlanEditor::markEdited);
    connect(on_failure_, &QComboBox::currentIndexChanged, this, &RolloutPlanEditor::markEdited);
    for (const Binding& b : bindings_) {
        if (auto* d = qobject_cast<QDoubleSpinBox*>(b.box))
            connect(d, &QDoubleSpinBox::valueChanged, this, &RolloutPlanEditor::markEdited);
        else
            connect(static_cast<QSpinBox*>(b.box), &QSpinBox::valueChanged, this,
                    &RolloutPlanEditor::markEdited);
    }
    connect(advanced_toggle_, &QToolButton::toggled, this, [this](bool on) {
        setAdvancedVisible(on);
        QSettings().setValue(kAdvancedKey, on);
    });
    setAdvancedVisible(QSettings().value(kAdvancedKey, false).toBool());
    connect(table_->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &RolloutPlanEditor::updateButtons);
    setTabChain();
    updateButtons();
}

QLayout* RolloutPlanEditor::bind(QAbstractSpinBox* box, const QString& field,
                                 std::function<double(const RolloutSpec&)> get,
                                 std::function<void(RolloutSpec&, double)> set, QBoxLayout* errorsBelow,
                                 const QString& errorPrefix) {
    box->setAccessibleName(field);
    bindings_.push_back({field, box, std::move(get), std::move(set)});
    auto* col = new QVBoxLayout;
    col->setSpacing(1);
    col->addWidget(box);
    QLabel* e = errorLabel(field);
    e->setProperty("prefix", errorPrefix);
    field_errors_.insert(field, e);
    if (errorsBelow)
        errorsBelow->addWidget(e);  // under the whole row: the width of the row, not of one small box
    else
        col->addWidget(e);
    col->addStretch(1);  // the box stays level with its row's label when an error grows the row
    return col;
}

QLayout* RolloutPlanEditor::pairRow(QAbstractSpinBox* first, const QString& join, QAbstractSpinBox* second,
                                    const std::array<Binding, 2>& fields) {
    auto* outer = new QVBoxLayout;
    outer->setSpacing(1);
    auto* row = new QHBoxLayout;
    outer->addLayout(row);
    const QString firstPrefix = fields[0].field.section('.', -1) + QStringLiteral(": ");
    const QString secondPrefix = fields[1].field.section('.', -1) + QStringLiteral(": ");
    row->addLayout(bind(first, fields[0].field, fields[0].get, fields[0].set, outer, firstPrefix));
    row->addWidget(joinLabel(join, first), 0, Qt::AlignTop);
    row->addLayout(bind(second, fields[1].field, fields[1].get, fields[1].set, outer, secondPrefix));
    row->addStretch(1);
    return outer;
}

QLayout* RolloutPlanEditor::quantileRow(const char* q, QuantileBound AnalysisConfig::*bound) {
    const QString name = QString::fromLatin1(q);
    const QString cap = name.toUpper();
    auto* percent =
        doubleBox(qPrintable(QStringLiteral("rollout%1Percent").arg(cap)), 0, 1000, 3, 1, tr(" %"));
    auto* ms = doubleBox(qPrintable(QStringLiteral("rollout%1Ms").arg(cap)), 0, 60000, 3, 0.5, tr(" ms"));
    percent->setToolTip(
        tr("%1 fails only when the canary is above both bounds (stable + this %, and stable + "
           "the ms) and the difference is significant")
            .arg(name));
    ms->setToolTip(percent->toolTip());
    const QString pct = QStringLiteral("analysis.%1.max_increase_percent").arg(name);
    const QString msField = QStringLiteral("analysis.%1.max_increase_ms").arg(name);
    return pairRow(
        percent, tr("and"), ms,
        {Binding{pct, percent,
                 [bound](const RolloutSpec& s) { return (s.analysis.*bound).max_increase_percent; },
                 [bound](RolloutSpec& s, double v) { (s.analysis.*bound).max_increase_percent = v; }},
         Binding{msField, ms, [bound](const RolloutSpec& s) { return (s.analysis.*bound).max_increase_ms; },
                 [bound](RolloutSpec& s, double v) { (s.analysis.*bound).max_increase_ms = v; }}});
}

void RolloutPlanEditor::buildAdvanced(QVBoxLayout* into) {
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto* alpha = doubleBox("rolloutAlpha", 0, 0.2, 8, 0.001, {});
    alpha->setToolTip(
        tr("alpha: the significance level of each one-sided test (0 < alpha ≤ 0.2): smaller needs stronger "
           "evidence "
           "before a metric fails"));
    form->addRow(tr("Significance level"), bind(
                                               alpha, QStringLiteral("analysis.alpha"),
                                               [](const RolloutSpec& s) { return s.analysis.alpha; },
                                               [](RolloutSpec& s, double v) { s.analysis.alpha = v; }));
    auto* minRequests = intBox("rolloutMinRequests", 0, 1'000'000, {});
    minRequests->setToolTip(
        tr("Requests each version needs in the window, else the window is inconclusive (1 to 1,000,000)"));
    form->addRow(
        tr("Requests per version"),
        bind(
            minRequests, QStringLiteral("analysis.min_requests"),
            [](const RolloutSpec& s) { return double(s.analysis.min_requests); },
            [](RolloutSpec& s, double v) { s.analysis.min_requests = std::uint64_t(std::max(0.0, v)); }));
    auto* failing = intBox("rolloutFailureWindows", 0, 60, tr(" failing windows in a row"));
    failing->setToolTip(tr("Consecutive failing windows that trigger the policy on failure (1 to 60)"));
    form->addRow(tr("Fail after"),
                 bind(
                     failing, QStringLiteral("analysis.failure_windows"),
                     [](const RolloutSpec& s) { return s.analysis.failure_windows; },
                     [](RolloutSpec& s, double v) { s.analysis.failure_windows = int(v); }));
    auto* passing = intBox("rolloutPassWindows", 0, 60, tr(" passing windows"));
    passing->setToolTip(tr("The last N windows must all pass before a step advances (1 to 60)"));
    form->addRow(tr("Advance after"),
                 bind(
                     passing, QStringLiteral("analysis.pass_windows"),
                     [](const RolloutSpec& s) { return s.analysis.pass_windows; },
                     [](RolloutSpec& s, double v) { s.analysis.pass_windows = int(v); }));
    auto* warmup = intBox("rolloutWarmup", 0, 3600, tr(" s"));
    warmup->setToolTip(
        tr("Windows this soon after a weight change are scored and shown but neither pass nor fail "
           "(0 to 3600 s)"));
    form->addRow(tr("Warm-up after a change"),
                 bind(
                     warmup, QStringLiteral("analysis.warmup_s"),
                     [](const RolloutSpec& s) { return s.analysis.warmup_s; },
                     [](RolloutSpec& s, double v) { s.analysis.warmup_s = int(v); }));
    auto* superiority = doubleBox("rolloutMaxSuperiority", 0.5, 1, 6, 0.01, {});
    superiority->setToolTip(
        tr("Whole distribution: the largest P(canary slower than stable + shift) allowed (0.5 < P ≤ 1)"));
    auto* shift = doubleBox("rolloutMaxShiftMs", 0, 60000, 3, 0.5, tr(" ms"));
    shift->setToolTip(
        tr("Stable's latencies are moved up by this much before the distributions are compared"));
    QLayout* dist = pairRow(superiority, tr("shift"), shift,
                            {Binding{QStringLiteral("analysis.max_superiority"), superiority,
                                     [](const RolloutSpec& s) { return s.analysis.max_superiority; },
                                     [](RolloutSpec& s, double v) { s.analysis.max_superiority = v; }},
                             Binding{QStringLiteral("analysis.max_shift_ms"), shift,
                                     [](const RolloutSpec& s) { return s.analysis.max_shift_ms; },
                                     [](RolloutSpec& s, double v) { s.analysis.max_shift_ms = v; }}});
    form->addRow(tr("P(canary slower) at most"), dist);
    form->addRow(tr("p50 may be worse by"), quantileRow("p50", &AnalysisConfig::p50));
    form->addRow(tr("p95 may be worse by"), quantileRow("p95", &AnalysisConfig::p95));
    auto* cachePp = doubleBox("rolloutCacheHitPp", 0, 100, 4, 0.5, tr(" pp"));
    cachePp->setToolTip(tr("Largest fall of the cache hit ratio, in percentage points"));
    form->addRow(tr("Cache hits may fall by"),
                 bind(
                     cachePp, QStringLiteral("analysis.max_cache_hit_decrease_pp"),
                     [](const RolloutSpec& s) { return s.analysis.max_cache_hit_decrease_pp; },
                     [](RolloutSpec& s, double v) { s.analysis.max_cache_hit_decrease_pp = v; }));
    auto* limitedPp = doubleBox("rolloutRateLimitedPp", 0, 100, 4, 0.1, tr(" pp"));
    limitedPp->setToolTip(tr("Largest increase of the 429 (rate limited) ratio, in percentage points"));
    form->addRow(tr("429s may rise by"),
                 bind(
                     limitedPp, QStringLiteral("analysis.max_rate_limited_increase_pp"),
                     [](const RolloutSpec& s) { return s.analysis.max_rate_limited_increase_pp; },
                     [](RolloutSpec& s, double v) { s.analysis.max_rate_limited_increase_pp = v; }));
    auto* downtime = intBox("rolloutMaxDowntime", 0, 86400, tr(" s"));
    downtime->setToolTip(
        tr("An agent restarted after being down longer than this rolls the rollout back instead of "
           "resuming it (0 to 86400 s)"));
    form->addRow(
        tr("Roll back after downtime over"),
        bind(
            downtime, QStringLiteral("max_downtime_s"), [](const RolloutSpec& s) { return s.max_downtime_s; },
            [](RolloutSpec& s, double v) { s.max_downtime_s = int(v); }));
    into->addLayout(form);
}

void RolloutPlanEditor::setTabChain() {
    // The order the fields are shown in, top to bottom and left to right (layouts reparent widgets in
    // another order).
    QList<QWidget*> chain = {table_, add_, remove_, up_, down_, on_failure_};
    const auto advancedFirst = std::find_if(bindings_.begin(), bindings_.end(), [this](const Binding& b) {
        return advanced_->isAncestorOf(b.box);
    });
    for (auto it = bindings_.begin(); it != advancedFirst; ++it)
        chain << it->box;
    chain << advanced_toggle_;
    for (auto it = advancedFirst; it != bindings_.end(); ++it)
        chain << it->box;
    for (int i = 0; i + 1 < chain.size(); ++i)
        QWidget::setTabOrder(chain[i], chain[i + 1]);
}

void RolloutPlanEditor::setAdvancedVisible(bool visible) {
    advanced_->setVisible(visible);
    advanced_toggle_->setArrowType(visible ? Qt::DownArrow : Qt::RightArrow);
    if (advanced_toggle_->isChecked() != visible) {
        const QSignalBlocker block(advanced_toggle_);
        advanced_toggle_->setChecked(visible);
    }
}

bool RolloutPlanEditor::advancedVisible() const {
    return advanced_toggle_->isChecked();
}

QAbstractSpinBox* RolloutPlanEditor::fieldEditor(const QString& field) const {
    for (const Binding& b : bindings_)
        if (b.field == field) return b.box;
    return nullptr;
}

QStringList RolloutPlanEditor::fields() const {
    QStringList out;
    for (const Binding& b : bindings_)
        out << b.field;
    return out;
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
    table_->setEnabled(editable);
    on_failure_->setEnabled(editable);
    for (const Binding& b : bindings_)
        b.box->setEnabled(editable);
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
    for (const Binding& b : bindings_)
        b.set(s, boxValue(b.box));
    return s;
}

void RolloutPlanEditor::setSpec(const RolloutSpec& spec) {
    loading_ = true;
    base_ = spec;
    model_.setSteps(spec.steps);
    on_failure_->setCurrentIndex(spec.on_failure == FailurePolicy::Pause ? 1 : 0);
    for (const Binding& b : bindings_)
        setBoxValue(b.box, b.get(spec));
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
    bool hiddenError = false;
    for (auto it = field_errors_.begin(); it != field_errors_.end(); ++it) {
        const QStringList messages = byField.value(it.key());
        it.value()->setText(messages.isEmpty() ? QString()
                                               : it.value()->property("prefix").toString() +
                                                     messages.join(QStringLiteral("; ")));
        it.value()->setVisible(byField.contains(it.key()));
        hiddenError |= byField.contains(it.key()) && advanced_->isAncestorOf(it.value());
    }
    // An error on a field behind the toggle is not left unseen.
    if (hiddenError && !advancedVisible()) setAdvancedVisible(true);
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
        if (!it.value()->text().isEmpty())
            out << it.key() + QStringLiteral(": ") +
                       it.value()->text().mid(it.value()->property("prefix").toString().size());
    if (!plan_error_->text().isEmpty()) out << plan_error_->text();
    return out;
}

}  // namespace redline::ui
