#include "ui/models/scorecard_model.h"

#include <QBrush>
#include <QFont>
#include <QLocale>
#include <cmath>

#include "ui/models/figure_text.h"
#include "ui/widgets/health_colors.h"

namespace redline::ui {

namespace {
Health healthOf(Verdict v) {
    switch (v) {
        case Verdict::Pass:
            return Health::Good;
        case Verdict::Fail:
            return Health::Breach;
        case Verdict::Inconclusive:
            return Health::Warning;
        case Verdict::NotApplicable:
            return Health::Stale;
    }
    return Health::Unknown;
}

bool sameRows(const Scorecard& a, const Scorecard& b) {
    if (a.metrics.size() != b.metrics.size()) return false;
    for (std::size_t i = 0; i < a.metrics.size(); ++i)
        if (a.metrics[i].metric != b.metrics[i].metric) return false;
    return true;
}
}  // namespace

int ScorecardModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !card_ ? 0 : static_cast<int>(card_->metrics.size());
}

int ScorecardModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ScorecardModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal) return {};
    if (role == Qt::ToolTipRole && section == AllowedCol)
        return tr(
            "The value the canary may reach before the metric can fail (it fails only when the "
            "difference is also significant)");
    if (role == Qt::ToolTipRole && section == SamplesCol)
        return tr(
            "Samples the test used: stable / canary, and how many each version needs for a "
            "conclusive verdict");
    if (role != Qt::DisplayRole) return {};
    switch (section) {
        case MetricCol:
            return tr("Metric");
        case StableCol:
            return tr("Stable");
        case CanaryCol:
            return tr("Canary");
        case DifferenceCol:
            return tr("Difference");
        case AllowedCol:
            return tr("Allowed");
        case VerdictCol:
            return tr("Verdict");
        case PValueCol:
            return tr("p-value");
        case SamplesCol:
            return tr("Samples S / C (needed)");
        default:
            return {};
    }
}

QString ScorecardModel::verdictText(Verdict v) {
    switch (v) {
        case Verdict::Pass:
            return tr("✓ pass");
        case Verdict::Fail:
            return tr("✗ FAIL");
        case Verdict::Inconclusive:
            return tr("? inconclusive");
        case Verdict::NotApplicable:
            return tr("– n/a");
    }
    return {};
}

QString ScorecardModel::metricLabel(const std::string& metric) {
    if (metric == "latency") return tr("latency distribution");
    if (metric == "p50" || metric == "p95" || metric == "p99")
        return tr("%1 latency").arg(QString::fromStdString(metric));
    if (metric == "error_ratio") return tr("error ratio");
    if (metric == "cache_hit_ratio") return tr("cache hit ratio");
    if (metric == "rate_limited_ratio") return tr("429 ratio");
    return QString::fromStdString(metric);
}

QString ScorecardModel::valueText(const std::optional<double>& v, const std::string& unit,
                                  bool signedValue) const {
    if (!v || !std::isfinite(*v)) return QStringLiteral("—");
    if (unit == "ms") return latencyText(*v, signedValue);  // sub-millisecond: µs (ui/models/figure_text.h)
    const QLocale l;
    const double a = std::fabs(*v);
    const QString s = unit == "%" ? l.toString(*v, 'f', a > 0 && a < 0.005 ? 4 : 2) + tr(" %")
                                  : l.toString(*v, 'f', 3);  // a probability (P(canary > stable))
    return signedText(s, *v, signedValue);
}

QVariant ScorecardModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const MetricScore& m = card_->metrics[static_cast<std::size_t>(index.row())];
    if (role == VerdictRole) return static_cast<int>(m.verdict);
    if (role == Qt::ToolTipRole) {
        QString t = QString::fromStdString(m.detail);
        if (!m.unit.empty() && m.unit != "ms" && m.unit != "%")
            t += (t.isEmpty() ? QString() : QStringLiteral("\n")) +
                 tr("Values are %1").arg(QString::fromStdString(m.unit));
        return t.isEmpty() ? QVariant() : QVariant(t);
    }
    if (role == Qt::TextAlignmentRole && index.column() != MetricCol && index.column() != VerdictCol)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole) {
        if (stale_) return QBrush(*healthColor(Health::Stale, dark_));
        if (index.column() == VerdictCol)
            if (auto c = healthColor(healthOf(m.verdict), dark_)) return QBrush(*c);
        return {};
    }
    if (role == Qt::FontRole && index.column() == VerdictCol && m.verdict == Verdict::Fail) {
        QFont f;
        f.setBold(true);
        return f;
    }
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
        case MetricCol:
            return metricLabel(m.metric);
        case StableCol:
            return valueText(m.stable, m.unit, false);
        case CanaryCol:
            return valueText(m.canary, m.unit, false);
        case DifferenceCol:
            return valueText(m.difference, m.unit, true);
        case AllowedCol:
            // A cache hit ratio may fall to its bound; every other metric may rise to it.
            return m.allowed ? (m.metric == "cache_hit_ratio" ? tr("≥ %1") : tr("≤ %1"))
                                   .arg(valueText(m.allowed, m.unit, false))
                             : QStringLiteral("—");
        case VerdictCol:
            return verdictText(m.verdict);
        case PValueCol:
            if (!m.p_value || !std::isfinite(*m.p_value)) return QStringLiteral("—");
            return *m.p_value < 0.0001 ? tr("< 0.0001") : QLocale().toString(*m.p_value, 'f', 4);
        case SamplesCol: {
            const QLocale l;
            QString s = l.toString(qulonglong(m.n_stable)) + QStringLiteral(" / ") +
                        l.toString(qulonglong(m.n_canary));
            if (m.needed > 0) s += tr(" (≥ %1)").arg(l.toString(qulonglong(m.needed)));
            return s;
        }
        default:
            return {};
    }
}

int ScorecardModel::rowOf(const QString& metric) const {
    for (int r = 0; r < rowCount(); ++r)
        if (QString::fromStdString(card_->metrics[std::size_t(r)].metric) == metric) return r;
    return -1;
}

void ScorecardModel::setScorecard(const std::optional<Scorecard>& s) {
    if (card_ == s) return;
    if (!card_ || !s || !sameRows(*card_, *s)) {
        beginResetModel();
        card_ = s;
        endResetModel();
        return;
    }
    card_ = s;
    if (rowCount() > 0) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

void ScorecardModel::setDark(bool dark) {
    if (dark_ == dark) return;
    dark_ = dark;
    if (rowCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1), {Qt::ForegroundRole});
}

void ScorecardModel::setStale(bool stale) {
    if (stale_ == stale) return;
    stale_ = stale;
    if (rowCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1), {Qt::ForegroundRole});
}

}  // namespace redline::ui
