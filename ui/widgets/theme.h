// Dark and light themes: a palette plus the stylesheet from resources (:/redline/themes/*.qss). "system"
// follows the platform's colour scheme (Qt 6.5+ styleHints, else the window palette's lightness).
//
// Threading: GUI thread only.
#pragma once

#include <QString>

class QApplication;

namespace redline::ui {

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
