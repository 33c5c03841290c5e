// Dark and light themes: a palette plus the stylesheet from resources (:/redline/themes/*.qss). "system"
// follows the platform's colour scheme (Qt 6.5+ styleHints, else the window palette's lightness).
//
// Threading: GUI thread only.
#pragma once

#include <QColor>
#include <QString>

class QApplication;

namespace redline::ui {

/// The data colours, one place for every chart, table and card (readable on both themes).
namespace colors {
inline const QColor rate{0x58, 0xa6, 0xff};     // request rate, the stable version
inline const QColor rate429{0xd2, 0x99, 0x22};  // rate limited
inline const QColor rate5xx{0xf8, 0x51, 0x49};  // server errors
inline const QColor p50{0x3f, 0xb9, 0x50};
inline const QColor p95{0xd2, 0x99, 0x22};
inline const QColor p99{0xf8, 0x51, 0x49};
inline const QColor client{0x39, 0xc5, 0xcf};  // the load engine's client-side figures
inline const QColor canary{0xbc, 0x8c, 0xff};
inline const QColor upstream{0xdb, 0x61, 0xa2};  // a forwarding host's upstream time (redline-proxy)
inline const QColor target{0x8b, 0x94, 0x9e};    // planned load (a grey guide line)
inline const QColor good{0x3f, 0xb9, 0x50};
inline const QColor warning{0xd2, 0x99, 0x22};
inline const QColor bad{0xf8, 0x51, 0x49};
inline const QColor stale{0x8b, 0x94, 0x9e};  // data that is no longer live, muted text
}  // namespace colors

/// c with alpha a (0..255), for cell backgrounds.
inline QColor translucent(QColor c, int a) {
    c.setAlpha(a);
    return c;
}

class Theme {
  public:
    enum class Mode { System, Dark, Light };
    static Mode fromString(const QString& s);
    static QString toString(Mode m);
    /// True when `mode` resolves to dark on this system.
    static bool resolvesDark(Mode mode);
    /// Applies palette + stylesheet to the application; returns whether the result is dark.
    static bool apply(QApplication& app, Mode mode);
};

}  // namespace redline::ui
