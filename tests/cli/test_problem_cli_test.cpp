// `descent minimize --function NAME` reaches every problem of the test-problem catalog, at
// its own default dimension unless --dim says otherwise, and `--init standard` starts it
// from the catalog's standard point.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "descent/objective/test_problems.hpp"
#include "support/cli_runner.hpp"

namespace descent {
namespace {

using testing::Cli;
using testing::Result;

// --function accepts exactly the names its error message lists (one list, function_names()),
// and that list holds every test problem: one run checks every name.
TEST_F(Cli, FunctionAcceptsEveryTestProblem) {
  const Result r = run("minimize --function no_such_function -q");
  EXPECT_EQ(r.status, 2);
  std::string names;
  for (const TestProblem& p : test_problems()) names += (names.empty() ? "" : ", ") + p.name;
  EXPECT_NE(r.err.find("Also accepted: the test problems of docs/objectives.md (" + names + ")"), std::string::npos)
      << r.err;
}

// With --steps 0 the run evaluates the start and stops, and --output writes it exactly (hex
// floats), so the written parameters must be the catalog's start bit for bit. One problem of
// each kind: fixed size (residual by residual), scalable (products), a size rule with a
// multiple, and the chained Rosenbrock of before the catalog (whose CLI default d stays 10).
TEST_F(Cli, TestProblemsStartFromTheirStandardPoint) {
  for (const char* name : {"beale", "biggs_exp6", "penalty_2", "extended_powell_singular", "rosenbrock"}) {
    SCOPED_TRACE(name);
    const TestProblem& p = *find_test_problem(name);
    const std::string out = file(p.name + ".txt").string();
    const Result r = run("minimize --function " + p.name + " --init standard --steps 0 --output '" + out + "'");
    ASSERT_EQ(r.status, 0) << r.err;
    const std::size_t n = p.name == "rosenbrock" ? 10 : p.default_dimension;
    EXPECT_EQ(read_parameters(p.name + ".txt"), p.start(n));
    EXPECT_NE(r.out.find("function: " + p.name + " (d = " + std::to_string(n) + ", double"), std::string::npos)
        << r.out;
  }
}

TEST_F(Cli, TestProblemsTakeDimAndPrecision) {
  Result r =
      run("minimize --function extended_powell_singular --dim 8 --init standard --steps 0 --precision float -q "
          "--output '" +
          file("powell.txt").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_parameters("powell.txt"), (std::vector<double>{3, -1, 0, 1, 3, -1, 0, 1}));
  // f(x0) of Wood, 19192 (tests/objective/test_problems_test.cpp derives it), as printed.
  r = run("minimize --function wood --init standard --steps 0");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("final value: 19192\n"), std::string::npos) << r.out;
  // A few steps of an optimizer run on a test problem like on any other function.
  r = run("minimize --function beale --init standard --optimizer 'sgd(lr=0.01)' --steps 50 -q --output '" +
          file("beale.txt").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::vector<double> x = read_parameters("beale.txt");
  ASSERT_EQ(x.size(), 2u);
  EXPECT_NE(x, (std::vector<double>{1, 1}));
}

TEST_F(Cli, InitStandardAndRandomOnTheOriginalFunctions) {
  // rosenbrock's standard start is (-1.2, 1, ...) at any --dim.
  Result r = run("minimize --function rosenbrock --dim 4 --init standard --steps 0 -q --output '" +
                 file("r.txt").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_parameters("r.txt"), (std::vector<double>{-1.2, 1, -1.2, 1}));
  // Without --init, a test problem starts at random as every function does.
  r = run("minimize --function beale --steps 0 -q --output '" + file("random.txt").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(read_parameters("random.txt"), (std::vector<double>{1, 1}));
  r = run("minimize --function quadratic --init standard --steps 0 -q");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--init: 'quadratic' has no standard starting point"), std::string::npos) << r.err;
}

TEST_F(Cli, TestProblemUsageErrorsNameTheOption) {
  Result r = run("minimize --function beale --dim 3 -q");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent minimize: --dim: beale::dimension = 3 violates dimension = 2\n");
  r = run("minimize --function extended_rosenbrock --dim 5 -q");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--dim: extended_rosenbrock::dimension = 5 violates dimension >= 2 and even"), std::string::npos)
      << r.err;
  r = run("minimize --function beal -q");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--function: 'beal' is not one of quadratic, rosenbrock, rastrigin, least_squares; did you "
                       "mean 'beale'? Also accepted: the test problems of docs/objectives.md (bard, beale, "),
            std::string::npos)
      << r.err;
  r = run("minimize --function beale --condition 5 -q");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--condition: only applies to --function quadratic"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace descent
