#include "ui/dialogs/agent_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace redline::ui {

AgentDialog::AgentDialog(const AgentConfig& initial, QWidget* parent) : QDialog(parent), base_(initial) {
    setWindowTitle(initial.id.isEmpty() ? tr("Add agent") : tr("Edit agent"));
    name_ = new QLineEdit(initial.name);
    url_ = new QLineEdit(initial.url.isEmpty() ? QStringLiteral("http://127.0.0.1:9464") : initial.url);
    token_file_ = new QLineEdit(initial.tokenFile);
    token_file_->setPlaceholderText(tr("…/data/operator.token (preferred)"));
    auto* browse = new QPushButton(tr("Browse…"));
    auto* tf = new QHBoxLayout;
    tf->addWidget(token_file_, 1);
    tf->addWidget(browse);
    token_ = new QLineEdit(initial.token);
    token_->setEchoMode(QLineEdit::Password);
    token_->setPlaceholderText(tr("or paste a token"));
    persist_ = new QCheckBox(tr("Remember the pasted token in the settings file"));
    persist_->setChecked(initial.persistToken);
    error_ = new QLabel;
    error_->setStyleSheet(QStringLiteral("color: #f85149;"));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    auto* form = new QFormLayout(this);
    form->addRow(tr("Name"), name_);
    form->addRow(tr("Admin URL"), url_);
    form->addRow(tr("Token file"), tf);
    form->addRow(tr("Token"), token_);
    form->addRow(QString(), persist_);
    form->addRow(error_);
    form->addRow(buttons);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Token file"));
        if (!f.isEmpty()) token_file_->setText(f);
    });
    connect(buttons, &QDialogButtonBox::accepted, this, &AgentDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

AgentConfig AgentDialog::config() const {
    AgentConfig c = base_;
    c.name = name_->text().trimmed();
    c.url = url_->text().trimmed();
    c.tokenFile = token_file_->text().trimmed();
    c.token = token_->text().trimmed();
    c.persistToken = persist_->isChecked();
    return c;
}

void AgentDialog::accept() {
    const AgentConfig c = config();
    QString err = c.validate();
    if (err.isEmpty() && !c.tokenFile.isEmpty()) c.resolveToken(&err);
    if (!err.isEmpty()) {
        error_->setText(err);
        return;
    }
    QDialog::accept();
}

}  // namespace redline::ui
