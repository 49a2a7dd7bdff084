// `descent refine-schedule`: from a run's step log to a schedule file, and that file used
// by the next run through table('file', peak=...); errors name the file and line.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>

#include "support/cli_runner.hpp"

namespace descent {
namespace {

using testing::Cli;
using testing::lines_of;
using testing::read_text;

const std::string kRun = "minimize --function least_squares --dim 5 --samples 50 --batch-size 2 --steps 40 -q ";

TEST_F(Cli, RefineScheduleWritesOneMultiplierPerLoggedStep) {
  const std::string log = file("run.csv").string(), out = file("refined.txt").string();
  auto r = run(kRun + "--optimizer 'sgd(lr=linear_decay(init=0.05, steps=40))' --log '" + log + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  r = run("refine-schedule '" + log + "' --out '" + out + "' --median-window 5");
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<double> values;
  for (const auto& line : lines_of(read_text(out)))
    if (!line.empty() && line[0] != '#') values.push_back(std::stod(line));
  ASSERT_EQ(values.size(), 40u);  // one per step of the log
  double largest = 0;
  for (double v : values) largest = std::max(largest, v);
  EXPECT_EQ(largest, 1.0);        // normalized to a maximum of 1
  EXPECT_EQ(values.back(), 0.0);  // no later gradients: the last step's weight is 0
  // The next run follows it, scaled by peak.
  r = run(kRun + "--optimizer \"sgd(lr=table('" + out + "', peak=0.05))\"");
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST_F(Cli, RefineScheduleErrorsNameTheFileAndLine) {
  const std::string log = file("bad.csv").string(), out = file("out.txt").string();
  std::ofstream(log) << "step,value\n1,2\n";
  auto r = run("refine-schedule '" + log + "' --out '" + out + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("'" + log + "' has no gradient_norm column"), std::string::npos) << r.err;
  std::ofstream(log) << "step,gradient_norm\n1,2\n2,x\n";
  r = run("refine-schedule '" + log + "' --out '" + out + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("line 3"), std::string::npos) << r.err;
  r = run("refine-schedule '" + log + "' --out '" + out + "' --median-window 0");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--median-window: RefineOptions::median_window = 0"), std::string::npos) << r.err;
  const std::string schedule = file("schedule.txt").string();
  std::ofstream(schedule) << "1\n0.5\nfast\n";
  r = run(kRun + "--optimizer \"sgd(lr=table('" + schedule + "', peak=0.05))\"");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("schedule file '" + schedule + "', line 3: 'fast'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace descent
