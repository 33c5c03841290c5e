// Text colours of a figure's health (good / warning / breach / stale), the same as the themes' stylesheets
// give the overview tiles (resources/themes/*.qss, QLabel#tileValue[health=...]), for item views that paint
// through ForegroundRole instead of a stylesheet.
//
// Threading: plain functions; GUI thread in practice.
#pragma once

#include <QColor>
#include <optional>

#include "ui/session/slo.h"

namespace redline::ui {

/// nullopt: the view's normal text colour (Health::Unknown).
inline std::optional<QColor> healthColor(Health h, bool dark) {
    switch (h) {
        case Health::Good:
            return dark ? QColor(0x3f, 0xb9, 0x50) : QColor(0x1a, 0x7f, 0x37);
        case Health::Warning:
            return dark ? QColor(0xd2, 0x99, 0x22) : QColor(0x9a, 0x67, 0x00);
        case Health::Breach:
            return dark ? QColor(0xf8, 0x51, 0x49) : QColor(0xcf, 0x22, 0x2e);
        case Health::Stale:
            return dark ? QColor(0x6e, 0x76, 0x81) : QColor(0x8c, 0x95, 0x9f);
        case Health::Unknown:
            break;
    }
    return std::nullopt;
}

}  // namespace redline::ui
