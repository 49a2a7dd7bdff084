// L-BFGS (either line search) and L-BFGS-B reach the known minimum of every problem of the
// unconstrained test set (objective/test_problems.hpp: 26 problems of More, Garbow &
// Hillstrom plus three classics) from the standard start, at the catalog's default size.
// "Reach" is f - f* <= 1e-10 max(1, |f*|): a threshold for having found this minimum rather
// than a precision (the runs stop at a gradient max-norm of 1e-10 or at the rounding floor
// of f, where no step lowers it any more: Termination::no_progress, which is accepted).
// f* is the minimum a descent method reaches from the standard start (a local one for
// freudenstein_roth and trigonometric, the saddle that biggs_exp6's start keeps it on).
// One exception: L-BFGS-B on powell_badly_scaled stalls near f = 3e-6, as scipy's L-BFGS-B
// does (near 1.7e-7 with its settings), while L-BFGS's two-loop recursion reaches 1e-33 there.
// Both use the same pairs; that the compact form's solves lose accuracy when B's scales differ
// by 1e8 is the likely cause, not established here.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/objective/test_problems.hpp"
#include "descent/spec/solver_spec.hpp"

namespace descent {
namespace {

TEST(TestSet, QuasiNewtonSolversReachTheMinimumOfEveryProblem) {
  int reached = 0;
  for (const char* spec :
       {"lbfgs(gtol=1e-10, ftol=0)", "lbfgs(gtol=1e-10, ftol=0, line_search=armijo)", "lbfgsb(gtol=1e-10, ftol=0)"}) {
    const SolverSpec solver = parse_solver(spec);
    for (const TestProblem& p : test_problems()) {
      if (std::string(spec).rfind("lbfgsb", 0) == 0 && p.name == "powell_badly_scaled") continue;
      SCOPED_TRACE(std::string(spec) + " on " + p.name);
      const std::size_t n = p.default_dimension;
      const auto f = p.make<double>(n);
      const auto target = p.reached_from_start(n);
      ASSERT_TRUE(target.has_value());
      Parameters<double> x = Parameters<double>::from(p.start(n));
      SolverRun run;
      run.max_steps = 5000;
      const Summary<double> s = solver.run<double>(*f, x, run);
      EXPECT_TRUE(s.termination == Termination::converged || s.termination == Termination::no_progress)
          << to_string(s.termination) << ": " << s.message;
      const double scale = std::max(1.0, std::abs(target->value));
      EXPECT_LE(static_cast<double>(s.final_value) - target->value, 1e-10 * scale);
      // Never below the minimum beyond the rounding of f at that size.
      EXPECT_GE(static_cast<double>(s.final_value) - target->value, -64 * 2.2e-16 * scale);
      reached += static_cast<double>(s.final_value) - target->value <= 1e-10 * scale;
    }
  }
  EXPECT_EQ(reached, 3 * static_cast<int>(test_problems().size()) - 1);
}

}  // namespace
}  // namespace descent
