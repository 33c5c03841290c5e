// Add/edit one agent connection (name, URL, token file or token). Validates before accepting; "Test
// connection" asks the agent's /v1/info with the given token (off the GUI thread) and says who answered and
// with which role, or what went wrong in words. In a session that does not save agents (--demo, --agent) the
// dialog says so.
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
    /// Says that agents added now are for this session only (not saved).
    void setSessionOnly(bool sessionOnly);
    /// Runs the connection test; the result lands in testResult() (tests wait for testFinished).
    void testConnection();
    QString testResult() const;

  signals:
    void testFinished(bool ok);

  private:
    AgentConfig base_;
    QLineEdit* name_;
    QLineEdit* url_;
    QLineEdit* token_file_;
    QLineEdit* token_;
    QCheckBox* persist_;
    QLabel* error_;
    QLabel* test_result_;
    QLabel* session_note_;
    int test_generation_ = 0;
};

}  // namespace redline::ui
