// Non-modal inline banner for errors and notices from the data path: shows the newest message (with a count
// of repeats), hides itself after a timeout, and can be dismissed. Never a modal dialog.
//
// Threading: GUI thread only.
#pragma once

#include <QFrame>
#include <QTimer>

class QLabel;
class QToolButton;

namespace redline::ui {

class ErrorBanner : public QFrame {
    Q_OBJECT
  public:
    explicit ErrorBanner(QWidget* parent = nullptr);
    /// error = red banner shown 12 s; otherwise a neutral notice shown 5 s.
    void showMessage(const QString& text, bool error = true);
    QString text() const;
    int repeats() const { return repeats_; }

  private:
    QLabel* label_;
    QToolButton* close_;
    QTimer hide_;
    QString last_;
    int repeats_ = 0;
};

}  // namespace redline::ui
