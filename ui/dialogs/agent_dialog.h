// Add/edit one agent connection (name, URL, token file or token). Validates before accepting.
//
// Threading: GUI thread only (opened from a user action, never from a data slot).
#pragma once

#include <QDialog>

#include "ui/models/agent_config.h"

class QLineEdit;
class QLabel;
class QCheckBox;

namespace redline::ui {

class AgentDialog : public QDialog {
    Q_OBJECT
  public:
    explicit AgentDialog(const AgentConfig& initial, QWidget* parent = nullptr);
    AgentConfig config() const;
    void accept() override;

  private:
    AgentConfig base_;
    QLineEdit* name_;
    QLineEdit* url_;
    QLineEdit* token_file_;
    QLineEdit* token_;
    QCheckBox* persist_;
    QLabel* error_;
};

}  // namespace redline::ui
