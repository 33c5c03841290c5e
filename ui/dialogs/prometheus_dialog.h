// Add/edit a Prometheus-compatible source (Agents ▸ Add Prometheus source…): URL, bearer token (file or
// pasted) or basic auth, label selector, refresh interval (default 5 s, down to 1 s), rate window, and the
// metric/label mapping with two presets (Redline agents and any OpenTelemetry HTTP server; Prometheus' own
// HTTP metrics). "Test" asks the server off the GUI thread how many targets the selector matches and whether
// the duration metric is stored as a native or a classic histogram. Invalid input is said inline, naming the
// field; the dialog stays open.
//
// Threading: GUI thread only.
#pragma once

#include <QDialog>

#include "ui/models/prometheus_config.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace redline::ui {

class PrometheusDialog : public QDialog {
    Q_OBJECT
  public:
    explicit PrometheusDialog(const PrometheusSourceConfig& initial, QWidget* parent = nullptr);
    PrometheusSourceConfig config() const;
    void accept() override;
    void setSessionOnly(bool sessionOnly);
    void testSource();
    QString testResult() const;
    QString errorText() const;

  signals:
    void testFinished(bool ok);

  private:
    void applyPreset(int index);
    void setMapping(const PrometheusSourceConfig& c);

    PrometheusSourceConfig base_;
    QLineEdit *name_, *url_, *token_file_, *token_, *user_, *password_, *selector_;
    QCheckBox* persist_;
    QSpinBox *refresh_, *window_;
    QComboBox* preset_;
    QLineEdit *duration_, *requests_, *status_, *method_, *route_, *version_, *instance_, *cache_, *upstream_;
    QLabel *error_, *test_result_, *session_note_;
    int test_generation_ = 0;
};

}  // namespace redline::ui
