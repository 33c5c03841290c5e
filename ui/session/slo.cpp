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

namespace {
// Settings layout of the objectives. 1 (no "version" key): every field written, defaults included, so a
// user who never opened the editor had the built-in values of that build pinned. 2: only the fields that
// differ from the built-in defaults, so a better default reaches everyone who did not choose their own.
constexpr int kSloSettingsVersion = 2;
constexpr double kOldDefaultMinCacheHitRatio = 0.5;  // built-in in version 1; red on a healthy demo
}  // namespace

void Slo::load(QSettings& s) {
    s.beginGroup(QStringLiteral("slo"));
    const int version = s.value("version", 1).toInt();
    const Slo defaults;  // a field not saved is the built-in default
    max_error_ratio = s.value("maxErrorRatio", defaults.max_error_ratio).toDouble();
    max_p99_ms = s.value("maxP99Ms", defaults.max_p99_ms).toDouble();
    min_cache_hit_ratio = s.value("minCacheHitRatio", defaults.min_cache_hit_ratio).toDouble();
    // Version 1 wrote the old built-in floor whether or not anyone chose it: read it as the new default.
    if (version < 2 && min_cache_hit_ratio == kOldDefaultMinCacheHitRatio)
        min_cache_hit_ratio = defaults.min_cache_hit_ratio;
    min_rate_per_s = s.value("minRatePerS", defaults.min_rate_per_s).toDouble();
    warn_fraction = s.value("warnFraction", defaults.warn_fraction).toDouble();
    s.endGroup();
}

void Slo::save(QSettings& s) const {
    const Slo defaults;
    s.beginGroup(QStringLiteral("slo"));
    s.setValue("version", kSloSettingsVersion);
    auto put = [&](const char* key, double v, double def) {
        if (v == def)
            s.remove(key);
        else
            s.setValue(key, v);
    };
    put("maxErrorRatio", max_error_ratio, defaults.max_error_ratio);
    put("maxP99Ms", max_p99_ms, defaults.max_p99_ms);
    put("minCacheHitRatio", min_cache_hit_ratio, defaults.min_cache_hit_ratio);
    put("minRatePerS", min_rate_per_s, defaults.min_rate_per_s);
    put("warnFraction", warn_fraction, defaults.warn_fraction);
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
