// Text of a figure for tables: one place for how a latency reads, so the scorecard and the
// stable-versus-canary table agree ("60.3 µs", "4.20 ms", "+40.1 ms", never "0.0 ms" for a sub-millisecond
// value).
//
// Threading: plain functions; GUI thread in practice (QLocale of the application).
#pragma once

#include <QString>

namespace redline::ui {

/// A latency given in milliseconds: below 1 ms in microseconds with three significant digits ("60.3 µs",
/// "8.16 µs"), below 10 ms with two decimals ("4.20 ms"), else one ("40.1 ms"). signedValue: a positive value
/// gets a "+" (a difference); a value that rounds to zero (under 1 ns, or "0.00") never shows a sign.
/// Not finite: "—".
QString latencyText(double ms, bool signedValue = false);

/// Removes the "-" of a text that shows only zeros ("-0.00 %" -> "0.00 %"); prefixes "+" when signedValue and
/// v > 0.
QString signedText(QString text, double v, bool signedValue);

}  // namespace redline::ui
