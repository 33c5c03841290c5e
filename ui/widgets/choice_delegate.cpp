#include "ui/widgets/choice_delegate.h"

#include <QComboBox>

namespace redline::ui {

QWidget* ChoiceDelegate::createEditor(QWidget* parent, const QStyleOptionViewItem&,
                                      const QModelIndex&) const {
    auto* box = new QComboBox(parent);
    box->addItems(choices_);
    connect(box, &QComboBox::activated, this, [this, box] {
        emit const_cast<ChoiceDelegate*>(this)->commitData(box);
        emit const_cast<ChoiceDelegate*>(this)->closeEditor(box);
    });
    return box;
}

void ChoiceDelegate::setEditorData(QWidget* editor, const QModelIndex& index) const {
    static_cast<QComboBox*>(editor)->setCurrentText(index.data(Qt::EditRole).toString());
}

void ChoiceDelegate::setModelData(QWidget* editor, QAbstractItemModel* model,
                                  const QModelIndex& index) const {
    model->setData(index, static_cast<QComboBox*>(editor)->currentText(), Qt::EditRole);
}

}  // namespace redline::ui
