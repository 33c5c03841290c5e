#include "ui/session/slo.h"

#include <QCoreApplication>
#include <QSettings>
#include <QStringList>
#include <cmath>

#include "core/snapshot.h"
#include "ui/session/freshness.h"

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

CardFigures CardFigures::from(const Snapshot* s, const Slo& slo, const Freshness& fresh) {
    CardFigures f;
    f.health.fill(fresh.live ? Health::Unknown : Health::Stale);
    if (!s) {
        f.state = fresh.live ? State::NoData : State::NotLive;
        return f;
    }
    f.has_snapshot = true;
    f.window_s = s->window_s;
    const auto& t = s->total;
    f.value[int(Figure::Rate)] = t.rate_per_s;
    f.value[int(Figure::ErrorRatio)] = t.error_ratio;
    if (t.latency) f.value[int(Figure::P99)] = t.latency->p99_ms;
    f.value[int(Figure::HitRatio)] = t.cache_hit_ratio;
    if (!fresh.live) {
        f.state = State::NotLive;  // stale figures are never judged: a dead agent is not healthy
        return f;
    }
    auto judge = [&](Figure fig, auto&& rule) {
        if (const auto v = f[fig]) f.health[int(fig)] = rule(*v);
    };
    judge(Figure::Rate, [&](double v) { return slo.rateHealth(v); });
    judge(Figure::ErrorRatio, [&](double v) { return slo.errorHealth(v); });
    judge(Figure::P99, [&](double v) { return slo.p99Health(v); });
    judge(Figure::HitRatio, [&](double v) { return slo.hitHealth(v); });
    bool breach = false;
    for (Health h : f.health)
        breach = breach || h == Health::Breach;
    if (breach)
        f.state = State::Breaching;
    else if (t.requests == 0 && t.rate_per_s <= 0)
        f.state = State::NoData;  // nothing served in the window: no latency, no ratios to judge
    else
        f.state = State::Ok;
    return f;
}

QString CardFigures::breachText() const {
    QStringList names;
    for (int i = 0; i < kFigureCount; ++i)
        if (health[i] == Health::Breach) names << caption(static_cast<Figure>(i));
    return names.join(QStringLiteral(", "));
}

QString CardFigures::format(Figure f, std::optional<double> v) {
    if (!v || !std::isfinite(*v)) return QStringLiteral("—");
    double x = *v;
    QString unit;
    switch (f) {
        case Figure::Rate:
            break;
        case Figure::ErrorRatio:
        case Figure::HitRatio:
            x *= 100.0;
            unit = QStringLiteral(" %");
            break;
        case Figure::P99:
            unit = QStringLiteral(" ms");
            break;
    }
    QString num;
    if (x == 0)
        num = QStringLiteral("0");
    else if (std::abs(x) < 0.01)
        num = QStringLiteral("<0.01");
    else {
        // Decimals from the rounded magnitude, so 9.996 reads "10.0", not "10.00".
        const double a = std::abs(x);
        const int decimals = std::round(a * 100) < 1000 ? 2 : std::round(a * 10) < 1000 ? 1 : 0;
        num = QString::number(x, 'f', decimals);
    }
    return num + unit;
}

QString CardFigures::caption(Figure f) {
    switch (f) {
        case Figure::Rate:
            return QCoreApplication::translate("CardFigures", "requests/s");
        case Figure::ErrorRatio:
            return QCoreApplication::translate("CardFigures", "error ratio");
        case Figure::P99:
            return QCoreApplication::translate("CardFigures", "p99 latency");
        case Figure::HitRatio:
            return QCoreApplication::translate("CardFigures", "cache hit ratio");
    }
    return {};
}

}  // namespace redline::ui
