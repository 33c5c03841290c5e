#include "ui/session/slo.h"

#include <QSettings>

namespace redline::ui {

Health Slo::upper(double v, double bound) const {
    if (bound <= 0) return Health::Unknown;
    if (v > bound) return Health::Breach;
    if (v > bound * warn_fraction) return Health::Warning;
    return Health::Good;
}

Health Slo::hitHealth(double ratio) const {
    if (min_cache_hit_ratio <= 0) return Health::Good;
    if (ratio < min_cache_hit_ratio) return Health::Breach;
    if (ratio < min_cache_hit_ratio + (1.0 - min_cache_hit_ratio) * (1.0 - warn_fraction))
        return Health::Warning;
    return Health::Good;
}

Health Slo::rateHealth(double rate) const {
    if (min_rate_per_s <= 0) return Health::Good;
    return rate < min_rate_per_s ? Health::Breach : Health::Good;
}

void Slo::load(QSettings& s) {
    s.beginGroup(QStringLiteral("slo"));
    max_error_ratio = s.value("maxErrorRatio", max_error_ratio).toDouble();
    max_p99_ms = s.value("maxP99Ms", max_p99_ms).toDouble();
    min_cache_hit_ratio = s.value("minCacheHitRatio", min_cache_hit_ratio).toDouble();
    min_rate_per_s = s.value("minRatePerS", min_rate_per_s).toDouble();
    warn_fraction = s.value("warnFraction", warn_fraction).toDouble();
    s.endGroup();
}

void Slo::save(QSettings& s) const {
    s.beginGroup(QStringLiteral("slo"));
    s.setValue("maxErrorRatio", max_error_ratio);
    s.setValue("maxP99Ms", max_p99_ms);
    s.setValue("minCacheHitRatio", min_cache_hit_ratio);
    s.setValue("minRatePerS", min_rate_per_s);
    s.setValue("warnFraction", warn_fraction);
    s.endGroup();
}

}  // namespace redline::ui
