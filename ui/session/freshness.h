// Whether an agent's figures are current (a value type: Dashboard computes it, cards and pages show it).
//
// Threading: a plain value; GUI thread in practice.
#pragma once

#include <QString>
#include <cstdint>

namespace redline::ui {

struct Freshness {
    bool live = false;
    std::int64_t last_seen_ms = 0;  // local unix ms the newest snapshot arrived; 0 = none yet
    QString reason;                 // why not live (the stream's reason)
    /// "last seen 12 s ago · connection refused" ("no data yet · ..." before any snapshot); empty when live.
    QString text(std::int64_t now_ms) const;
    /// The same without the reason: "last seen 12 s ago" / "no data yet"; empty when live.
    QString ageText(std::int64_t now_ms) const;
};

}  // namespace redline::ui
