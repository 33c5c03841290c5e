// Item delegate that edits a column with a combo box of fixed choices (limit mode, scope).
//
// Threading: GUI thread only.
#pragma once

#include <QStringList>
#include <QStyledItemDelegate>

namespace redline::ui {

class ChoiceDelegate : public QStyledItemDelegate {
    Q_OBJECT
  public:
    ChoiceDelegate(QStringList choices, QObject* parent = nullptr)
        : QStyledItemDelegate(parent), choices_(std::move(choices)) {}
    QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem& option,
                          const QModelIndex& index) const override;
    void setEditorData(QWidget* editor, const QModelIndex& index) const override;
    void setModelData(QWidget* editor, QAbstractItemModel* model, const QModelIndex& index) const override;

  private:
    QStringList choices_;
};

}  // namespace redline::ui
