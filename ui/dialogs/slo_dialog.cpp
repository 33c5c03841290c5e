#include "ui/dialogs/slo_dialog.h"

#include <spdlog/spdlog.h>

#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "ui/session/dashboard.h"

namespace redline::ui {

namespace {

/// Exposes the editor so that intermediate text (an emptied field) is validated too: QDoubleSpinBox only
/// signals acceptable text.
class SpinBox : public QDoubleSpinBox {
  public:
    using QDoubleSpinBox::lineEdit;
};

QDoubleSpinBox* spin(double min, double max, int decimals, double step, const QString& suffix,
                     const QString& tip) {
    auto* b = new SpinBox;
    b->setRange(min, max);
    b->setDecimals(decimals);
    b->setSingleStep(step);
    b->setSuffix(suffix);
    b->setToolTip(tip);
    b->setAccelerated(true);
    b->setMinimumWidth(150);
    b->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return b;
}

}  // namespace

SloDialog::SloDialog(Dashboard* dashboard, QWidget* parent) : QDialog(parent), d_(dashboard) {
    setObjectName("sloDialog");
    setWindowTitle(tr("Service-level objectives"));
    setModal(false);

    error_ = spin(0, 100, 2, 0.1, tr(" %"),
                  tr("Largest acceptable share of 5xx answers; above it the error tile is red."));
    error_->setObjectName("sloMaxErrorRatio");
    p99_ = spin(0, 600000, 1, 10, tr(" ms"),
                tr("Largest acceptable p99 latency; above it the p99 tile is red."));
    p99_->setObjectName("sloMaxP99");
    hit_ = spin(0, 100, 1, 1, tr(" %"),
                tr("Smallest acceptable cache hit ratio; below it the hit tile is red. 0 = no objective."));
    hit_->setObjectName("sloMinHitRatio");
    hit_->setSpecialValueText(tr("off"));
    rate_ = spin(0, 1e6, 1, 1, tr(" /s"),
                 tr("Smallest expected request rate; below it the rate tile is red. 0 = no objective."));
    rate_->setObjectName("sloMinRate");
    rate_->setSpecialValueText(tr("off"));
    warn_ =
        spin(0, 100, 0, 5, tr(" % of the bound"),
             tr("A figure turns amber once it has used this share of its bound (1–100 %; 100 = no amber)."));
    warn_->setObjectName("sloWarnFraction");

    auto* intro =
        new QLabel(tr("Overview cards are green within these objectives, amber from the warning "
                      "threshold and red beyond a bound."));
    intro->setObjectName("mutedLabel");
    intro->setWordWrap(true);

    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Max &error ratio"), error_);
    form->addRow(tr("Max &p99 latency"), p99_);
    form->addRow(tr("Min cache &hit ratio"), hit_);
    form->addRow(tr("Min request &rate"), rate_);
    form->addRow(tr("&Warning from"), warn_);

    message_ = new QLabel;
    message_->setObjectName("sloMessage");
    message_->setWordWrap(true);
    message_->setMinimumWidth(420);  // the dialog's width (the layout sets the minimum size)
    message_->setTextFormat(Qt::PlainText);
    message_->setMinimumHeight(message_->fontMetrics().lineSpacing() * 2);
    message_->setAlignment(Qt::AlignLeft | Qt::AlignTop);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::RestoreDefaults | QDialogButtonBox::Apply |
                                         QDialogButtonBox::Close);
    apply_ = buttons->button(QDialogButtonBox::Apply);
    apply_->setObjectName("primaryButton");
    apply_->setDefault(true);  // Enter in a field applies
    reset_ = buttons->button(QDialogButtonBox::RestoreDefaults);
    reset_->setText(tr("Reset to defaults"));
    reset_->setAutoDefault(false);
    buttons->button(QDialogButtonBox::Close)->setAutoDefault(false);
    connect(apply_, &QPushButton::clicked, this, &SloDialog::apply);
    connect(reset_, &QPushButton::clicked, this, &SloDialog::resetToDefaults);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* lay = new QVBoxLayout(this);
    lay->setSizeConstraint(QLayout::SetMinimumSize);  // grows with a longer message, never clips it
    lay->addWidget(intro);
    lay->addLayout(form);
    lay->addWidget(message_);
    lay->addWidget(buttons);

    for (auto* b : {error_, p99_, hit_, rate_, warn_}) {
        connect(static_cast<SpinBox*>(b)->lineEdit(), &QLineEdit::textChanged, this, [this] {
            if (loading_) return;
            edited_ = true;
            validate();
        });
    }
    // Follow changes made elsewhere (settings, tests) unless the user is in the middle of an edit.
    connect(d_, &Dashboard::sloChanged, this, [this] {
        if (!edited_) setValues(d_->slo());
    });
    setValues(d_->slo());
}

void SloDialog::setValues(const Slo& s) {
    loading_ = true;
    error_->setValue(s.max_error_ratio * 100.0);
    p99_->setValue(s.max_p99_ms);
    hit_->setValue(s.min_cache_hit_ratio * 100.0);
    rate_->setValue(s.min_rate_per_s);
    warn_->setValue(s.warn_fraction * 100.0);
    loading_ = false;
    edited_ = false;
    validate();
}

Slo SloDialog::values() const {
    Slo s;
    s.max_error_ratio = error_->value() / 100.0;
    s.max_p99_ms = p99_->value();
    s.min_cache_hit_ratio = hit_->value() / 100.0;
    s.min_rate_per_s = rate_->value();
    s.warn_fraction = warn_->value() / 100.0;
    return s;
}

QStringList SloDialog::errors() const {
    QStringList out;
    const struct {
        QDoubleSpinBox* box;
        QString name;
    } fields[] = {{error_, tr("Max error ratio")},
                  {p99_, tr("Max p99 latency")},
                  {hit_, tr("Min cache hit ratio")},
                  {rate_, tr("Min request rate")},
                  {warn_, tr("Warning from")}};
    for (const auto& f : fields)
        if (!f.box->hasAcceptableInput()) out << tr("%1: enter a number.").arg(f.name);
    if (!out.isEmpty()) return out;
    if (error_->value() <= 0) out << tr("Max error ratio must be above 0 %.");
    if (p99_->value() <= 0) out << tr("Max p99 latency must be above 0 ms.");
    if (warn_->value() < 1 || warn_->value() > 100)
        out << tr("Warning threshold must be 1–100 % of the bound.");
    return out;
}

QString SloDialog::message() const {
    return message_->text();
}

void SloDialog::validate() {
    // Called on every edit: a notice from Apply / Reset no longer describes the fields, errors replace it.
    const QStringList errs = errors();
    apply_->setEnabled(errs.isEmpty());
    message_->setStyleSheet(errs.isEmpty() ? QString() : QStringLiteral("color: #f85149;"));
    message_->setText(errs.join('\n'));
}

void SloDialog::showNotice(const QString& text) {
    message_->setStyleSheet({});
    message_->setText(text);
}

bool SloDialog::apply() {
    if (!isValid()) {
        validate();
        return false;
    }
    const Slo s = values();
    d_->setSlo(s);
    edited_ = false;
    spdlog::info("SLOs applied: error ratio <= {}, p99 <= {} ms, hit ratio >= {}, rate >= {}/s, warn at {}",
                 s.max_error_ratio, s.max_p99_ms, s.min_cache_hit_ratio, s.min_rate_per_s, s.warn_fraction);
    showNotice(tr("Applied: the Overview and the route table colour against these objectives."));
    emit applied(s);
    return true;
}

void SloDialog::resetToDefaults() {
    setValues(Slo{});
    edited_ = true;
    showNotice(tr("Defaults loaded: Apply to use them."));
}

}  // namespace redline::ui
