// Non-modal editor of the service-level objectives the Overview (fleet table) colours against (View ▸
// Service-level objectives…). Spin boxes in display units (error ratio %, p99 ms, hit ratio %, minimum rate
// /s with 0 = off, warning threshold in % of a bound), validated as they are typed: an invalid entry shows an
// inline message and disables Apply. Apply calls Dashboard::setSlo, so the table recolours at once; Reset to
// defaults loads the built-in objectives into the fields (Apply makes them effective); Close discards
// unapplied edits.
//
// Threading: GUI thread only (opened from a user action, never from a data slot).
#pragma once

#include <QDialog>

#include "ui/session/slo.h"

class QAbstractButton;
class QDoubleSpinBox;
class QLabel;
class QPushButton;

namespace redline::ui {

class Dashboard;

class SloDialog : public QDialog {
    Q_OBJECT
  public:
    explicit SloDialog(Dashboard* dashboard, QWidget* parent = nullptr);

    /// Puts the objectives into the fields (not applied); clears the "edited" state.
    void setValues(const Slo& slo);
    /// The objectives as currently entered (meaningful when isValid()).
    Slo values() const;
    bool isValid() const { return errors().isEmpty(); }
    /// The reasons the entry is invalid, one per field (empty when valid).
    QStringList errors() const;
    /// The inline message currently shown (validation errors, or a notice after Apply / Reset).
    QString message() const;
    /// True when the fields differ from what was last loaded or applied.
    bool edited() const { return edited_; }

    /// Sends the entered objectives to the dashboard; false (nothing changes) when invalid.
    bool apply();
    /// Loads the built-in defaults into the fields (Apply makes them effective).
    void resetToDefaults();

    QPushButton* applyButton() const { return apply_; }
    QPushButton* resetButton() const { return reset_; }
    QDoubleSpinBox* errorRatioBox() const { return error_; }
    QDoubleSpinBox* p99Box() const { return p99_; }
    QDoubleSpinBox* hitRatioBox() const { return hit_; }
    QDoubleSpinBox* minRateBox() const { return rate_; }
    QDoubleSpinBox* warnBox() const { return warn_; }

  signals:
    void applied(const redline::ui::Slo& slo);

  private:
    void validate();
    void showNotice(const QString& text);

    Dashboard* d_;
    QDoubleSpinBox* error_;
    QDoubleSpinBox* p99_;
    QDoubleSpinBox* hit_;
    QDoubleSpinBox* rate_;
    QDoubleSpinBox* warn_;
    QLabel* message_;
    QPushButton* apply_;
    QPushButton* reset_;
    bool loading_ = false;
    bool edited_ = false;
};

}  // namespace redline::ui
