// Item delegate that edits a column with a combo box of fixed choices (limit mode, scope). Esc abandons the
// edit of this cell only (CellDelegate).
//
// Threading: GUI thread only.
#pragma once

#include <QStringList>

#include "ui/widgets/cell_delegate.h"

namespace redline::ui {

class ChoiceDelegate : public CellDelegate {
    Q_OBJECT
  public:
    ChoiceDelegate(QStringList choices, QObject* parent = nullptr)
        : CellDelegate(parent), choices_(std::move(choices)) {}
    QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem& option,
                          const QModelIndex& index) const override;
    void setEditorData(QWidget* editor, const QModelIndex& index) const override;
    void setModelData(QWidget* editor, QAbstractItemModel* model, const QModelIndex& index) const override;

  private:
    QStringList choices_;
};

}  // namespace redline::ui
