// Line charts as inline SVG for the HTML reports (core/load/report_html.h): our own drawing, no library, no
// script. The markup is XML-well-formed (it can sit in an XHTML document), every text is escaped (xml_escape
// of core/load/junit.h), and the output depends only on the input (no time, no random ids), so a report can
// be compared byte for byte.
//
//   LineChart c;
//   c.title = "Achieved vs target rate"; c.y_unit = "req/s"; c.x_label = "time since start (s)";
//   c.series.push_back({"achieved", kChartBlue, points});
//   std::string svg = render_line_chart(c);
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace redline::load {

// A palette that stays apart for colour-blind readers and in greyscale print (Okabe-Ito).
inline constexpr const char* kChartBlue = "#0072b2";
inline constexpr const char* kChartOrange = "#e69f00";
inline constexpr const char* kChartRed = "#d55e00";
inline constexpr const char* kChartGreen = "#009e73";
inline constexpr const char* kChartPurple = "#cc79a7";
inline constexpr const char* kChartSky = "#56b4e9";
inline constexpr const char* kChartGrey = "#555555";

struct ChartSeries {
    std::string name;                               // legend text
    std::string color = kChartBlue;                 // a CSS colour (#rrggbb)
    std::vector<std::pair<double, double>> points;  // (x, y), x ascending; NaN y = a gap
    bool dashed = false;
    double width = 2.0;  // stroke width in px
};

/// A vertical marker across the plot (an event): x, and a short label shown above the plot area.
struct ChartMarker {
    double x = 0;
    std::string label;
};

struct LineChart {
    std::string title;
    std::string x_label = "time since start (s)";
    std::string y_unit;  // shown on the y axis title and in the tick labels' sense, e.g. "ms", "req/s"
    std::vector<ChartSeries> series;
    std::vector<ChartMarker> markers;
    int width = 960, height = 280;  // the SVG's coordinate box; it scales with the page (width 100 %)
    double x_min = 0;               // the x axis starts here (the start of the run)
    double x_max = -1;              // < x_min: the largest x of any series
    bool integer = false;           // counts (requests, VUs): y ticks are whole numbers
};

/// 1, 2 or 5 times a power of ten, about (max - min) / target_ticks: the step of "nice" axis ticks.
double nice_step(double span, int target_ticks);

/// A tick label: no trailing zeros, at most 3 significant decimals ("0.5", "12", "1500", "1.25k" above 10^4).
std::string tick_label(double v);

/// The chart as one <svg> element (viewBox width x height, width 100 %): axes with ticks and labels, a grid,
/// a legend above the plot, a line per series, markers as dashed verticals. No series with a point:
/// the axes and "no data" in the middle.
std::string render_line_chart(const LineChart& c);

}  // namespace redline::load
