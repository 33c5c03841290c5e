// Line charts as inline SVG (see svg_chart.h).
#include "core/load/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/load/junit.h"  // xml_escape

namespace redline::load {

namespace {

constexpr double kLeft = 72, kRight = 24, kTitleH = 24, kLegendRowH = 20, kBottom = 46;
constexpr double kCharW = 6.8;  // average width of a 12 px sans-serif character, for the legend layout

std::string num(double v) {
    if (!std::isfinite(v)) v = 0;
    std::string s = fmt::format("{:.1f}", v);
    if (s.ends_with(".0")) s.resize(s.size() - 2);
    if (s == "-0") s = "0";
    return s;
}

}  // namespace

double nice_step(double span, int target_ticks) {
    if (!(span > 0) || !std::isfinite(span) || target_ticks < 1) return 1;
    const double raw = span / target_ticks;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double f = raw / mag;
    const double m = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return m * mag;
}

std::string tick_label(double v) {
    if (!std::isfinite(v)) return "";
    if (std::fabs(v) >= 1e4) {
        const bool mega = std::fabs(v) >= 1e7;
        return tick_label(v / (mega ? 1e6 : 1e3)) + (mega ? "M" : "k");
    }
    std::string s = fmt::format("{:.3f}", v);
    while (s.ends_with('0'))
        s.pop_back();
    if (s.ends_with('.')) s.pop_back();
    if (s == "-0") s = "0";
    return s;
}

std::string render_line_chart(const LineChart& c) {
    const double W = c.width, H = c.height;
    // Legend: items laid out left to right, wrapping to more rows when they do not fit.
    struct Item {
        double x, row;
        const ChartSeries* s;
    };
    std::vector<Item> items;
    double lx = kLeft, row = 0;
    for (const auto& s : c.series) {
        const double w = 28 + kCharW * double(s.name.size()) + 18;
        if (lx + w > W - kRight && lx > kLeft) {
            lx = kLeft;
            ++row;
        }
        items.push_back({lx, row, &s});
        lx += w;
    }
    const double rows = items.empty() ? 0 : row + 1;
    const double top = kTitleH + rows * kLegendRowH + 14;
    const double px0 = kLeft, px1 = W - kRight, py0 = top, py1 = H - kBottom;

    double xmax = c.x_max, ymax = 0;
    bool any = false;
    for (const auto& s : c.series)
        for (const auto& [x, y] : s.points) {
            if (!std::isfinite(x)) continue;
            if (c.x_max < c.x_min) xmax = std::max(xmax, x);
            if (std::isfinite(y)) {
                ymax = std::max(ymax, y);
                any = true;
            }
        }
    for (const auto& m : c.markers)
        if (c.x_max < c.x_min) xmax = std::max(xmax, m.x);
    if (!(xmax > c.x_min)) xmax = c.x_min + 1;
    const double xstep = nice_step(xmax - c.x_min, 10);
    double ystep = nice_step(ymax > 0 ? ymax : 1, 5);
    if (c.integer) ystep = std::max(1.0, ystep);
    double ytop = std::ceil((ymax > 0 ? ymax : 1) / ystep) * ystep;
    if (ytop < ymax * 1.02) ytop += ystep;  // a line along the top edge is hard to read
    const auto sx = [&](double x) { return px0 + (x - c.x_min) / (xmax - c.x_min) * (px1 - px0); };
    const auto sy = [&](double y) { return py1 - y / ytop * (py1 - py0); };

    std::string o;
    o += fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {} {}\" width=\"100%\" "
        "role=\"img\" aria-label=\"{}\" font-family=\"sans-serif\" font-size=\"12\">\n",
        W, H, xml_escape(c.title));
    o += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", W, H);
    o += fmt::format(
        "<text x=\"{}\" y=\"17\" font-size=\"14\" font-weight=\"bold\" fill=\"#222222\">{}</text>\n",
        num(px0), xml_escape(c.title));
    for (const auto& it : items) {
        const double y = kTitleH + it.row * kLegendRowH + 10;
        o += fmt::format(
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"3\"{}/>"
            "<text x=\"{}\" y=\"{}\" fill=\"#222222\">{}</text>\n",
            num(it.x), num(y), num(it.x + 22), num(y), xml_escape(it.s->color),
            it.s->dashed ? " stroke-dasharray=\"6 3\"" : "", num(it.x + 28), num(y + 4),
            xml_escape(it.s->name));
    }
    // Grid and y ticks.
    for (int i = 0;; ++i) {
        const double v = i * ystep;
        if (v > ytop + ystep * 1e-9) break;
        const double y = sy(v);
        o += fmt::format(
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#dddddd\" stroke-width=\"1\"/>"
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#333333\">{}</text>\n",
            num(px0), num(y), num(px1), num(y), num(px0 - 6), num(y + 4), tick_label(v));
    }
    // x ticks.
    for (int i = 0;; ++i) {
        const double v = c.x_min + i * xstep;
        if (v > xmax + xstep * 1e-9) break;
        const double x = sx(v);
        o += fmt::format(
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#555555\" stroke-width=\"1\"/>"
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#333333\">{}</text>\n",
            num(x), num(py1), num(x), num(py1 + 5), num(x), num(py1 + 18), tick_label(v));
    }
    // Axes and titles.
    o += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#555555\" stroke-width=\"1\"/>"
        "<line x1=\"{0}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\" stroke=\"#555555\" stroke-width=\"1\"/>\n",
        num(px0), num(py0), num(py1), num(px1));
    o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#333333\">{}</text>\n",
                     num((px0 + px1) / 2), num(H - 8), xml_escape(c.x_label));
    o += fmt::format(
        "<text transform=\"translate(16 {}) rotate(-90)\" text-anchor=\"middle\" "
        "fill=\"#333333\">{}</text>\n",
        num((py0 + py1) / 2), xml_escape(c.y_unit));
    // Markers: dashed verticals with a short label at the top of the plot.
    for (std::size_t i = 0; i < c.markers.size(); ++i) {
        const auto& m = c.markers[i];
        if (m.x < c.x_min || m.x > xmax) continue;
        const double x = sx(m.x);
        // Labels of close markers are staggered over three rows so that they do not overlap.
        o += fmt::format(
            "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#888888\" stroke-width=\"1\" "
            "stroke-dasharray=\"3 3\"/><text x=\"{3}\" y=\"{4}\" font-size=\"10\" "
            "fill=\"#555555\">{5}</text>\n",
            num(x), num(py0), num(py1), num(x + 3), num(py0 + 10 + double(i % 3) * 11), xml_escape(m.label));
    }
    // Series.
    for (const auto& s : c.series) {
        std::string d;
        bool pen = false;
        std::size_t drawn = 0;
        double lastx = 0, lasty = 0;
        for (const auto& [x, y] : s.points) {
            if (!std::isfinite(x) || !std::isfinite(y)) {
                pen = false;
                continue;
            }
            lastx = sx(x);
            lasty = sy(std::max(0.0, y));
            d += fmt::format("{}{} {} ", pen ? "L" : "M", num(lastx), num(lasty));
            pen = true;
            ++drawn;
        }
        if (drawn == 0) continue;
        if (!d.empty()) d.pop_back();
        o += fmt::format(
            "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" stroke-linejoin=\"round\"{}/>\n",
            d, xml_escape(s.color), num(s.width), s.dashed ? " stroke-dasharray=\"6 3\"" : "");
        if (drawn == 1)
            o += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{}\"/>\n", num(lastx), num(lasty),
                             xml_escape(s.color));
    }
    if (!any)
        o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#777777\">no data</text>\n",
                         num((px0 + px1) / 2), num((py0 + py1) / 2));
    o += "</svg>\n";
    return o;
}

}  // namespace redline::load
