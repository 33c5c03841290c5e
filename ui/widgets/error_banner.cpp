#include "ui/widgets/error_banner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QToolButton>

namespace redline::ui {

ErrorBanner::ErrorBanner(QWidget* parent) : QFrame(parent) {
    setObjectName("banner");
    label_ = new QLabel;
    label_->setWordWrap(true);
    label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    close_ = new QToolButton;
    close_->setText(QStringLiteral("✕"));
    close_->setAutoRaise(true);
    close_->setToolTip(tr("Dismiss (Esc)"));
    auto* lay = new QHBoxLayout(this);
    lay->setContentsMargins(10, 4, 4, 4);
    lay->addWidget(label_, 1);
    lay->addWidget(close_);
    hide_.setSingleShot(true);
    connect(&hide_, &QTimer::timeout, this, &QWidget::hide);
    connect(close_, &QToolButton::clicked, this, &QWidget::hide);
    hide();
}

void ErrorBanner::showMessage(const QString& text, bool error) {
    repeats_ = (isVisible() && text == last_) ? repeats_ + 1 : 1;
    last_ = text;
    label_->setText(repeats_ > 1 ? tr("%1 (×%2)").arg(text).arg(repeats_) : text);
    setProperty("kind", error ? "error" : "info");
    style()->unpolish(this);
    style()->polish(this);
    show();
    hide_.start(error ? 12000 : 5000);
}

QString ErrorBanner::text() const {
    return label_->text();
}

}  // namespace redline::ui
