// Service-level objectives the overview cards colour against, persisted in QSettings.
#pragma once

class QSettings;

namespace redline::ui {

// Stale: a figure from a source that is no longer live; never coloured by the SLOs (shown greyed).
enum class Health { Unknown, Good, Warning, Breach, Stale };

struct Slo {
    double max_error_ratio = 0.01;  // 1 %
    double max_p99_ms = 250.0;
    double min_cache_hit_ratio = 0.5;
    double min_rate_per_s = 0.0;  // 0 disables
    double warn_fraction = 0.8;   // warning from 80 % of a bound

    Health errorHealth(double ratio) const { return upper(ratio, max_error_ratio); }
    Health p99Health(double ms) const { return upper(ms, max_p99_ms); }
    Health hitHealth(double ratio) const;
    Health rateHealth(double rate) const;

    void load(QSettings& s);
    void save(QSettings& s) const;
    bool operator==(const Slo&) const = default;

  private:
    Health upper(double v, double bound) const;
};

}  // namespace redline::ui
