// The small base every tab page shares: it follows the selected agent and reports one-line messages (shown in
// the main window's banner). MainWindow talks to its pages through this type only.
//
// Threading: GUI thread only.
#pragma once

#include <QString>
#include <QWidget>

namespace redline::ui {

class Page : public QWidget {
    Q_OBJECT
  public:
    using QWidget::QWidget;
    /// The agent selected in the window (empty: none). Pages that show every agent ignore it.
    virtual void setAgent(const QString& id) { Q_UNUSED(id); }

  signals:
    /// A one-line result or refusal for the banner; error = true shows it in the error colour.
    void message(const QString& text, bool error);
};

}  // namespace redline::ui
