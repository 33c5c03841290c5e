#include "ui/dialogs/agent_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <memory>

#include "core/agent_client.h"
#include "ui/models/agent_list_model.h"
#include "ui/session/agent_connection.h"

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
    error_->setObjectName("agentDialogError");
    error_->setStyleSheet(QStringLiteral("color: #f85149;"));
    error_->setWordWrap(true);
    test_result_ = new QLabel;
    test_result_->setObjectName("agentDialogTestResult");
    test_result_->setWordWrap(true);
    session_note_ = new QLabel;
    session_note_->setObjectName("mutedLabel");
    session_note_->setWordWrap(true);
    session_note_->hide();
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    auto* test = buttons->addButton(tr("&Test connection"), QDialogButtonBox::ActionRole);
    test->setObjectName("agentDialogTest");
    connect(test, &QPushButton::clicked, this, &AgentDialog::testConnection);
    auto* form = new QFormLayout(this);
    form->addRow(tr("Name"), name_);
    form->addRow(tr("Admin URL"), url_);
    form->addRow(tr("Token file"), tf);
    form->addRow(tr("Token"), token_);
    form->addRow(QString(), persist_);
    form->addRow(test_result_);
    form->addRow(error_);
    form->addRow(session_note_);
    form->addRow(buttons);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Token file"));
        if (!f.isEmpty()) token_file_->setText(f);
    });
    connect(buttons, &QDialogButtonBox::accepted, this, &AgentDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void AgentDialog::setSessionOnly(bool sessionOnly) {
    session_note_->setText(
        tr("This session was started with --demo or --agent: an agent added now is used "
           "until you quit and is not saved."));
    session_note_->setVisible(sessionOnly);
}

QString AgentDialog::testResult() const {
    return test_result_->text();
}

void AgentDialog::testConnection() {
    const AgentConfig c = config();
    QString err = c.validate();
    QString token;
    if (err.isEmpty()) token = c.resolveToken(&err);
    if (!err.isEmpty()) {
        test_result_->setText(err);
        test_result_->setStyleSheet(QStringLiteral("color: #f85149;"));
        emit testFinished(false);
        return;
    }
    test_result_->setStyleSheet(QString());
    test_result_->setText(tr("Connecting to %1…").arg(c.url));
    const int gen = ++test_generation_;
    QPointer<AgentDialog> self(this);
    runOnPool([self, gen, url = c.url.toStdString(), token = token.toStdString()] {
        AgentClient client(url, token, std::chrono::seconds(3));
        auto r = std::make_shared<Result<AgentInfo>>(client.info());
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, gen, r] {
                if (!self || gen != self->test_generation_) return;
                const bool ok = r->ok();
                if (ok) {
                    const AgentInfo& i = *r->value;
                    self->test_result_->setText(
                        tr("✓ %1 %2 (agent %3), %n route(s), token role: %4", nullptr, int(i.routes.size()))
                            .arg(QString::fromStdString(i.service), QString::fromStdString(i.service_version),
                                 QString::fromStdString(i.agent_version), QString::fromStdString(i.role)));
                    self->test_result_->setToolTip(QString());
                } else {
                    const QString raw = QString::fromStdString(r->error_message());
                    self->test_result_->setText(tr("✗ %1").arg(AgentListModel::readableReason(raw)));
                    self->test_result_->setToolTip(raw);
                }
                self->test_result_->setStyleSheet(ok ? QString() : QStringLiteral("color: #f85149;"));
                emit self->testFinished(ok);
            },
            Qt::QueuedConnection);
    });
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
