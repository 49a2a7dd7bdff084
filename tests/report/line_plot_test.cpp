#include "descent/report/line_plot.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include "descent/core/error.hpp"

namespace descent {
namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

TEST(NiceTicks, AreRoundEvenlySpacedAndCoverTheRange) {
  for (auto [lo, hi] : {std::pair{0.0, 1.0}, {0.13, 0.91}, {-3.7, 12.2}, {1e-5, 3e-5}, {2.0, 2.0}, {0.0, 4917.0}}) {
    const auto ticks = nice_ticks(lo, hi);
    ASSERT_GE(ticks.size(), 2u) << lo << " " << hi;
    const double step = ticks[1] - ticks[0];
    // The step is 1, 2 or 5 times a power of ten.
    const double mantissa = step / std::pow(10.0, std::floor(std::log10(step)));
    EXPECT_TRUE(std::abs(mantissa - 1) < 1e-9 || std::abs(mantissa - 2) < 1e-9 || std::abs(mantissa - 5) < 1e-9)
        << step;
    for (std::size_t i = 1; i < ticks.size(); ++i) EXPECT_NEAR(ticks[i] - ticks[i - 1], step, step * 1e-9);
    EXPECT_GE(ticks.size(), 3u);
    EXPECT_LE(ticks.size(), 13u);
    // A degenerate range is padded by 10 % of its value on each side first.
    const double pad = hi > lo ? 0.0 : std::abs(lo) * 0.1;
    EXPECT_GE(ticks.front(), lo - pad - step * 1e-9);
    EXPECT_LE(ticks.back(), hi + pad + step * 1e-9);
    // Ticks lie inside the range and leave less than a step uncovered at either end.
    EXPECT_LT(ticks.front() - (lo - pad), step * (1 + 1e-9));
    EXPECT_LT((hi + pad) - ticks.back(), step * (1 + 1e-9));
  }
}

TEST(LinePlot, HasTitleAxesLegendAndOneLinePerSeries) {
  std::vector<PlotSeries> series = {{"sgd", {1, 2, 3}, {1.0, 0.5, 0.25}}, {"adam <fast>", {1, 2, 3}, {0.9, 0.3, 0.1}}};
  const std::string svg = render_line_plot(series, {.title = "Training loss", .x_label = "epoch", .y_label = "loss"});
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find(">Training loss<"), std::string::npos);
  EXPECT_NE(svg.find(">epoch<"), std::string::npos);
  EXPECT_NE(svg.find(">loss<"), std::string::npos);
  EXPECT_NE(svg.find(">sgd<"), std::string::npos);
  EXPECT_NE(svg.find(">adam &lt;fast&gt;<"), std::string::npos);  // escaped
  EXPECT_EQ(count(svg, "<path "), 2u);
  // Series 1 marks its points (and its legend entry) with circles, series 2 with squares
  // and a dashed line: they stay apart in grayscale.
  EXPECT_EQ(count(svg, "<circle "), 4u);
  EXPECT_EQ(count(svg, "<rect x=") - 1, 4u);  // less the frame
  EXPECT_EQ(count(svg, "stroke-dasharray=\"7 4\""), 2u);  // the line and its legend entry
}

TEST(LinePlot, ABandIsShadedUnderItsLineAndNoPointSitsOnTheFrame) {
  PlotSeries mean{"mean", {1, 2, 3}, {1.0, 0.5, 0.25}, {0.8, 0.4, 0.2}, {1.2, 0.6, 0.3}};
  const std::string svg = render_line_plot({mean}, {.log_y = true});
  ASSERT_EQ(count(svg, "fill-opacity"), 1u);
  EXPECT_LT(svg.find("fill-opacity"), svg.find("<path "));  // under the line
  // The frame is the rect at x = 78, y = 44 of a 760 x 460 plot (190 px legend, 58 px
  // axis labels): every vertex of the band lies strictly inside it.
  const std::regex vertex(R"(([0-9.]+),([0-9.]+))");
  const std::string polygon = svg.substr(svg.find("<polygon"), svg.find("/>", svg.find("<polygon")) - svg.find("<polygon"));
  std::size_t vertices = 0;
  for (auto it = std::sregex_iterator(polygon.begin(), polygon.end(), vertex); it != std::sregex_iterator(); ++it) {
    const double x = std::stod((*it)[1]), y = std::stod((*it)[2]);
    EXPECT_GT(x, 78.5);
    EXPECT_LT(x, 760 - 190 - 0.5);
    EXPECT_GT(y, 44.5);
    EXPECT_LT(y, 460 - 58 - 0.5);
    ++vertices;
  }
  EXPECT_EQ(vertices, 6u);  // upper edge forward, lower edge back
  EXPECT_THROW(render_line_plot({PlotSeries{"bad", {1, 2}, {1, 2}, {1}, {2}}}, {}), ConfigError);
}

TEST(LinePlot, NonFinitePointsBreakTheLineAndLogAxisSkipsNonPositive) {
  std::vector<PlotSeries> series = {{"a", {1, 2, 3, 4, 5}, {1.0, 0.1, NAN, 0.01, 0.0}}};
  const std::string svg = render_line_plot(series, {.log_y = true});
  // Two pieces: points 1-2, then point 4 alone (5 is 0: skipped on a log axis).
  EXPECT_EQ(count(svg, " M"), 2u);
  EXPECT_EQ(count(svg, " L"), 1u);
  EXPECT_NE(svg.find("(log scale)"), std::string::npos);
}

TEST(LinePlot, MismatchedSeriesIsAConfigError) {
  EXPECT_THROW(render_line_plot({{"bad", {1, 2}, {1}}}, {}), ConfigError);
  // Empty input still renders a valid frame.
  EXPECT_NE(render_line_plot({}, {}).find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace descent

namespace descent {
namespace {

std::vector<std::string> y_labels(const std::string& svg) {
  // Y tick labels are right-aligned ("text-anchor=\"end\"").
  std::vector<std::string> labels;
  const std::regex label("text-anchor=\"end\">([^<]+)</text>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), label); it != std::sregex_iterator(); ++it)
    labels.push_back((*it)[1]);
  return labels;
}

TEST(LinePlot, NarrowLogRangesGetTicksInsideTheData) {
  // 0.35 .. 0.7 lies within one decade: the ticks are the 1-2-5 (or 1-9) multiples inside it.
  const std::string svg = render_line_plot({{"a", {1, 2, 3}, {0.7, 0.5, 0.35}}}, {.log_y = true});
  const auto labels = y_labels(svg);
  EXPECT_EQ(labels, (std::vector<std::string>{"0.4", "0.5", "0.6", "0.7"}));
  // Several decades: whole decades only.
  const auto wide = y_labels(render_line_plot({{"a", {1, 2, 3}, {100.0, 1.0, 1e-3}}}, {.log_y = true}));
  EXPECT_EQ(wide, (std::vector<std::string>{"0.001", "0.01", "0.1", "1", "10", "100"}));
}

TEST(LinePlot, IntegerXHasNoFractionalTicks) {
  const std::string svg = render_line_plot({{"a", {1, 2, 3}, {3, 2, 1}}}, {.integer_x = true});
  // X tick labels are centred under the axis; the (empty) title and axis label are too.
  std::vector<std::string> labels;
  const std::regex label("text-anchor=\"middle\">([^<]+)</text>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), label); it != std::sregex_iterator(); ++it)
    labels.push_back((*it)[1]);
  EXPECT_EQ(labels, (std::vector<std::string>{"1", "2", "3"}));
}

}  // namespace
}  // namespace descent
