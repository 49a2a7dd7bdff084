#include "descent/report/line_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "descent/core/error.hpp"

namespace descent {

namespace {

// Ten distinguishable colours (the "category10" hues common to plotting libraries).
constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

// Dash patterns and marker shapes that vary with the colour, so that series stay apart
// in grayscale print (solid, dashed, dotted, dash-dot, ...).
constexpr const char* kDashes[] = {"", "7 4", "2 3", "8 3 2 3", "12 4", "4 2 4 6"};

std::string fmt(double v);

// Marker k (circle, square, triangle, diamond, triangle down, cross) centred at (x, y).
std::string marker(std::size_t k, double x, double y, const char* colour) {
  const double r = 3.5;
  const std::string fill = std::string(" fill=\"") + colour + "\"";
  switch (k % 6) {
    case 0:
      return "<circle cx=\"" + fmt(x) + "\" cy=\"" + fmt(y) + "\" r=\"3\"" + fill + "/>\n";
    case 1:
      return "<rect x=\"" + fmt(x - r + 0.5) + "\" y=\"" + fmt(y - r + 0.5) + "\" width=\"" + fmt(2 * r - 1) +
             "\" height=\"" + fmt(2 * r - 1) + "\"" + fill + "/>\n";
    case 2:
      return "<polygon points=\"" + fmt(x) + "," + fmt(y - r - 0.5) + " " + fmt(x - r) + "," + fmt(y + r - 0.5) + " " +
             fmt(x + r) + "," + fmt(y + r - 0.5) + "\"" + fill + "/>\n";
    case 3:
      return "<polygon points=\"" + fmt(x) + "," + fmt(y - r) + " " + fmt(x + r) + "," + fmt(y) + " " + fmt(x) + "," +
             fmt(y + r) + " " + fmt(x - r) + "," + fmt(y) + "\"" + fill + "/>\n";
    case 4:
      return "<polygon points=\"" + fmt(x) + "," + fmt(y + r + 0.5) + " " + fmt(x - r) + "," + fmt(y - r + 0.5) + " " +
             fmt(x + r) + "," + fmt(y - r + 0.5) + "\"" + fill + "/>\n";
    default:
      return "<path d=\"M" + fmt(x - r) + " " + fmt(y - r) + " L" + fmt(x + r) + " " + fmt(y + r) + " M" + fmt(x - r) +
             " " + fmt(y + r) + " L" + fmt(x + r) + " " + fmt(y - r) + "\" stroke=\"" + colour +
             "\" stroke-width=\"2\"/>\n";
  }
}

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string fmt(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", v);
  return buffer;
}

std::string tick_label(double v) {
  char buffer[32];
  if (v == 0) return "0";
  const double a = std::abs(v);
  if (a >= 1e5 || a < 1e-3)
    std::snprintf(buffer, sizeof buffer, "%.0e", v);
  else
    std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

// Ticks of a log axis, as log10 values: whole decades when the data spans several;
// within a decade or two, the 1-2-5 (or 1-9) multiples that fall inside the data's range,
// so that a curve from 0.35 to 0.7 is not drawn against 0.1 and 1 alone.
std::vector<double> log_ticks(double lo, double hi) {
  std::vector<double> ticks;
  if (hi - lo >= 2) {
    for (double e = std::floor(lo); e <= std::ceil(hi); ++e) ticks.push_back(e);
    while (ticks.size() > 8) {
      std::vector<double> thinned;
      for (std::size_t i = 0; i < ticks.size(); i += 2) thinned.push_back(ticks[i]);
      ticks = thinned;
    }
    return ticks;
  }
  for (const auto& mantissas : {std::vector<double>{1, 2, 5}, std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
    ticks.clear();
    for (double e = std::floor(lo) - 1; e <= std::ceil(hi); ++e)
      for (double m : mantissas) {
        const double t = e + std::log10(m);
        if (t >= lo - 1e-12 && t <= hi + 1e-12) ticks.push_back(t);
      }
    if (ticks.size() >= 3) return ticks;
  }
  // A very narrow range: the decades around it.
  return {std::floor(lo), std::floor(lo) + 1};
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / std::max(1, target);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return ticks;
}

std::string render_line_plot(const std::vector<PlotSeries>& series, const LinePlotOptions& o) {
  for (const auto& s : series)
    if (s.x.size() != s.y.size())
      throw ConfigError("plot series '" + s.label + "': " + std::to_string(s.x.size()) + " x values, " +
                        std::to_string(s.y.size()) + " y values");
  for (const auto& s : series)
    if (s.lower.size() != s.upper.size() || (!s.lower.empty() && s.lower.size() != s.x.size()))
      throw ConfigError("plot series '" + s.label + "': a band needs lower and upper values for every point");
  const auto usable = [&](double x, double y) { return std::isfinite(x) && std::isfinite(y) && (!o.log_y || y > 0); };
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  for (const auto& s : series)
    for (std::size_t i = 0; i < s.x.size(); ++i)
      if (usable(s.x[i], s.y[i])) {
        xmin = std::min(xmin, s.x[i]);
        xmax = std::max(xmax, s.x[i]);
        const double y = o.log_y ? std::log10(s.y[i]) : s.y[i];
        ymin = std::min(ymin, y);
        ymax = std::max(ymax, y);
      }
  // Bands widen the y range too.
  for (const auto& s : series)
    for (std::size_t i = 0; i < s.lower.size(); ++i)
      for (double v : {s.lower[i], s.upper[i]})
        if (usable(s.x[i], v)) {
          const double y = o.log_y ? std::log10(v) : v;
          ymin = std::min(ymin, y);
          ymax = std::max(ymax, y);
        }
  if (!std::isfinite(xmin)) xmin = 0, xmax = 1, ymin = 0, ymax = 1;

  std::vector<double> xticks = nice_ticks(xmin, xmax);
  if (o.integer_x) {
    // Whole steps only: epoch 1.5 is not a place on the axis.
    std::vector<double> whole;
    for (double t : xticks)
      if (t == std::round(t)) whole.push_back(t);
    if (whole.size() < 2) whole = {std::floor(xmin), std::ceil(std::max(xmax, xmin + 1))};
    xticks = whole;
  }
  std::vector<double> yticks;
  if (o.log_y) {
    yticks = log_ticks(ymin, ymax);
  } else {
    yticks = nice_ticks(ymin, ymax);
  }
  // A margin of 3% of each range around the data (and the ticks), so that no line or
  // marker sits on the frame.
  double x0 = std::min(xticks.front(), xmin), x1 = std::max(xticks.back(), xmax);
  double y0 = std::min(yticks.front(), ymin), y1 = std::max(yticks.back(), ymax);
  const double x_margin = 0.03 * (x1 - x0), y_margin = 0.03 * (y1 - y0);
  x0 -= x_margin, x1 += x_margin, y0 -= y_margin, y1 += y_margin;

  const double left = 78, right = 190, top = 44, bottom = 58;
  const double pw = o.width - left - right, ph = o.height - top - bottom;
  const auto px = [&](double x) { return left + (x1 > x0 ? (x - x0) / (x1 - x0) : 0.5) * pw; };
  const auto py = [&](double y) { return top + ph - (y1 > y0 ? (y - y0) / (y1 - y0) : 0.5) * ph; };

  std::string svg;
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(o.width) + "\" height=\"" +
         std::to_string(o.height) + "\" viewBox=\"0 0 " + std::to_string(o.width) + " " + std::to_string(o.height) +
         "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + fmt(left + pw / 2) + "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">" + escape(o.title) +
         "</text>\n";
  // Grid and ticks.
  for (double t : xticks) {
    svg += "<line x1=\"" + fmt(px(t)) + "\" y1=\"" + fmt(top) + "\" x2=\"" + fmt(px(t)) + "\" y2=\"" + fmt(top + ph) +
           "\" stroke=\"#e0e0e0\"/>\n";
    svg += "<text x=\"" + fmt(px(t)) + "\" y=\"" + fmt(top + ph + 18) + "\" text-anchor=\"middle\">" + tick_label(t) +
           "</text>\n";
  }
  for (double t : yticks) {
    svg += "<line x1=\"" + fmt(left) + "\" y1=\"" + fmt(py(t)) + "\" x2=\"" + fmt(left + pw) + "\" y2=\"" + fmt(py(t)) +
           "\" stroke=\"#e0e0e0\"/>\n";
    const std::string label = o.log_y ? tick_label(std::pow(10.0, t)) : tick_label(t);
    svg += "<text x=\"" + fmt(left - 8) + "\" y=\"" + fmt(py(t) + 4) + "\" text-anchor=\"end\">" + label + "</text>\n";
  }
  svg += "<rect x=\"" + fmt(left) + "\" y=\"" + fmt(top) + "\" width=\"" + fmt(pw) + "\" height=\"" + fmt(ph) +
         "\" fill=\"none\" stroke=\"#333\"/>\n";
  svg += "<text x=\"" + fmt(left + pw / 2) + "\" y=\"" + fmt(o.height - 14) + "\" text-anchor=\"middle\">" +
         escape(o.x_label) + "</text>\n";
  svg += "<text transform=\"translate(18," + fmt(top + ph / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
         escape(o.y_label + (o.log_y ? " (log scale)" : "")) + "</text>\n";
  // Bands first (under every line), then lines, broken at unusable points.
  for (std::size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    if (s.lower.empty()) continue;
    const char* colour = kPalette[k % std::size(kPalette)];
    // One polygon per unbroken run of usable points: upper edge forward, lower edge back.
    std::size_t i = 0;
    while (i < s.x.size()) {
      while (i < s.x.size() && !(usable(s.x[i], s.lower[i]) && usable(s.x[i], s.upper[i]))) ++i;
      std::size_t end = i;
      while (end < s.x.size() && usable(s.x[end], s.lower[end]) && usable(s.x[end], s.upper[end])) ++end;
      if (end > i) {
        std::string points;
        const auto at = [&](double v) { return py(o.log_y ? std::log10(v) : v); };
        for (std::size_t j = i; j < end; ++j) points += fmt(px(s.x[j])) + "," + fmt(at(s.upper[j])) + " ";
        for (std::size_t j = end; j-- > i;) points += fmt(px(s.x[j])) + "," + fmt(at(s.lower[j])) + " ";
        svg += "<polygon points=\"" + points + "\" fill=\"" + colour + "\" fill-opacity=\"0.18\" stroke=\"none\"/>\n";
      }
      i = end;
    }
  }
  for (std::size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    const char* colour = kPalette[k % std::size(kPalette)];
    const char* dash = kDashes[k % std::size(kDashes)];
    const std::string dash_attribute = *dash ? std::string(" stroke-dasharray=\"") + dash + "\"" : std::string();
    std::string path;
    bool pen_down = false;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!usable(s.x[i], s.y[i])) {
        pen_down = false;
        continue;
      }
      const double y = o.log_y ? std::log10(s.y[i]) : s.y[i];
      path += (pen_down ? " L" : " M") + fmt(px(s.x[i])) + " " + fmt(py(y));
      pen_down = true;
    }
    if (!path.empty())
      svg += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"2\"" +
             dash_attribute + "/>\n";
    if (s.x.size() <= 60)  // markers help when there are few points (per-epoch curves)
      for (std::size_t i = 0; i < s.x.size(); ++i)
        if (usable(s.x[i], s.y[i])) svg += marker(k, px(s.x[i]), py(o.log_y ? std::log10(s.y[i]) : s.y[i]), colour);
    // Legend entry.
    const double ly = top + 10 + 20.0 * static_cast<double>(k);
    svg += "<line x1=\"" + fmt(left + pw + 16) + "\" y1=\"" + fmt(ly) + "\" x2=\"" + fmt(left + pw + 40) + "\" y2=\"" +
           fmt(ly) + "\" stroke=\"" + colour + "\" stroke-width=\"3\"" + dash_attribute + "/>\n";
    svg += marker(k, left + pw + 28, ly, colour);
    // The legend column is ~140 px wide: longer labels are cut with an ellipsis (the
    // report's table carries the full names).
    const std::string shown = s.label.size() > 22 ? s.label.substr(0, 21) + "\u2026" : s.label;
    svg += "<text x=\"" + fmt(left + pw + 46) + "\" y=\"" + fmt(ly + 4) + "\">" + escape(shown) + "</text>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace descent
