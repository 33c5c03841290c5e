// Text colours for verdicts and outcomes in tables, one pair per theme (the dark theme's are
// ui/widgets/theme.h's data colours; the light theme's are its .qss's darker tones, readable on white).
//
// Threading: plain values.
#pragma once

#include <QColor>

namespace redline::ui::verdict {

inline QColor good(bool dark) {
    return dark ? QColor(0x3f, 0xb9, 0x50) : QColor(0x1a, 0x7f, 0x37);
}
inline QColor bad(bool dark) {
    return dark ? QColor(0xff, 0x7b, 0x72) : QColor(0xcf, 0x22, 0x2e);
}
inline QColor warning(bool dark) {
    return dark ? QColor(0xd2, 0x99, 0x22) : QColor(0x9a, 0x67, 0x00);
}
inline QColor muted(bool dark) {
    return dark ? QColor(0x8b, 0x94, 0x9e) : QColor(0x57, 0x60, 0x6a);
}

}  // namespace redline::ui::verdict
