// Line plots as standalone SVG files: one line per series, labelled axes with round
// tick values (1-2-5 steps, or powers of ten on a log axis), a legend, a title. Series
// differ in colour, marker shape and dash pattern, so they stay apart in grayscale; a
// series may carry a shaded band (the spread over repeated runs); the data sit inside a
// margin so no line runs along the frame. SVG
// because it needs no library, opens in any browser, and stays sharp when zoomed.
#pragma once

#include <string>
#include <vector>

namespace descent {

struct PlotSeries {
  std::string label;
  std::vector<double> x, y;  // same length; non-finite points break the line
  // Optional band around the line (both empty, or both as long as x): drawn shaded.
  std::vector<double> lower, upper;
};

struct LinePlotOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool log_y = false;      // logarithmic y axis (non-positive values are skipped)
  bool integer_x = false;  // x takes whole values only (epochs): no ticks between them
  int width = 760;
  int height = 460;
};

// The SVG document. Throws ConfigError for series whose x and y lengths differ.
std::string render_line_plot(const std::vector<PlotSeries>& series, const LinePlotOptions& options);

// Round tick positions covering [lo, hi]: about `target` of them, steps of 1, 2 or 5
// times a power of ten.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);

}  // namespace descent
