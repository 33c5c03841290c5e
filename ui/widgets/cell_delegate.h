// Item delegate for editable table cells that must show what the user typed: a plain QLineEdit (no validator,
// no input mask, so nothing typed is clamped or dropped) whose text goes to the model as typed; the model
// decides whether it is valid and says why not. Esc abandons the edit of this one cell: QStyledItemDelegate
// would close with RevertModelCache, and QAbstractItemView then calls the model's revert(), which in an
// editable table such as LimitsModel discards every edit. ChoiceDelegate derives from it for that reason.
//
// Threading: GUI thread only.
#pragma once

#include <QStyledItemDelegate>

namespace redline::ui {

class CellDelegate : public QStyledItemDelegate {
    Q_OBJECT
  public:
    using QStyledItemDelegate::QStyledItemDelegate;
    QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem& option,
                          const QModelIndex& index) const override;
    void setEditorData(QWidget* editor, const QModelIndex& index) const override;
    void setModelData(QWidget* editor, QAbstractItemModel* model, const QModelIndex& index) const override;

  protected:
    bool eventFilter(QObject* editor, QEvent* event) override;
};

}  // namespace redline::ui
