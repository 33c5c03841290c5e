#include "ui/models/figure_text.h"

#include <QCoreApplication>
#include <QLocale>
#include <QRegularExpression>
#include <cmath>

namespace redline::ui {

QString signedText(QString text, double v, bool signedValue) {
    static const QRegularExpression nonZero(QStringLiteral("[1-9]"));
    if (text.startsWith('-') && !text.contains(nonZero)) text.remove(0, 1);  // "-0.00 %" is zero
    if (signedValue && v > 0 && text.contains(nonZero)) text.prepend('+');
    return text;
}

QString latencyText(double ms, bool signedValue) {
    if (!std::isfinite(ms)) return QStringLiteral("—");
    const QLocale l;
    const double a = std::fabs(ms);
    QString s;
    // Microseconds while three significant digits stay below 1000 (999.6 µs reads "1.00 ms", not "1e+03 µs");
    // under a nanosecond is no figure of a latency but a rounding remainder of a difference: zero.
    if (a * 1000.0 >= 0.0005 && a * 1000.0 < 999.5)
        s = l.toString(ms * 1000.0, 'g', 3) + QCoreApplication::translate("redline::ui::FigureText", " µs");
    else
        s = l.toString(ms, 'f', a < 9.995 ? 2 : 1) +
            QCoreApplication::translate("redline::ui::FigureText", " ms");
    return signedText(s, ms, signedValue);
}

}  // namespace redline::ui
