// Every optimizer of the registry converges on a well-conditioned quadratic and on 2-d
// Rosenbrock from (-1.2, 1): within a stated step budget it must reach a stated distance
// to the minimizer, in float and in double. Hyperparameters per optimizer and problem
// are in the table below (the defaults suit neither problem's scale).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "descent/core/aligned_buffer.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/apply.hpp"
#include "transform/test_problems.hpp"
#include "transform/transform_cases.hpp"

namespace descent::testing {
namespace {

struct ConvergenceRow {
  std::string quadratic;   // spec used on the quadratic
  std::string rosenbrock;  // spec used on Rosenbrock
  // Multiplicative updates keep each weight's sign, so they start in the positive orthant,
  // where both minimizers (1, ..., 1) and (1, 1) lie: from 0.1 on the quadratic, (0.5, 1.5) on
  // Rosenbrock (as far from the minimizer as the usual starts, measured in log p).
  bool positive_start = false;
};

// Quadratic: n = 5, lambda in [1, 10] (L = 10). Rosenbrock: L ~ 1000 near the minimum
// and ~ 1300 at the start, so plain gradient steps must stay below 2 / 1300.
const std::map<std::string, ConvergenceRow>& convergence_table() {
  static const std::map<std::string, ConvergenceRow> table = {
      {"sgd", {"sgd(lr=0.1)", "sgd(lr=0.0015)"}},
      {"momentum", {"momentum(lr=0.05, momentum=0.5)", "momentum(lr=0.0005, momentum=0.9)"}},
      {"nesterov", {"nesterov(lr=0.05, momentum=0.5)", "nesterov(lr=0.0005, momentum=0.9)"}},
      // Adam-type steps have a size of about lr whatever the gradient, so they need a
      // decaying lr to settle closer than lr to the minimum.
      {"adam",
       {"adam(lr=cosine(init=0.1, steps=1000, end=0.0001))", "adam(lr=cosine(init=0.05, steps=20000, end=0.0001))"}},
      {"adamw",
       {"adamw(lr=cosine(init=0.1, steps=1000, end=0.0001), weight_decay=0)",
        "adamw(lr=cosine(init=0.05, steps=20000, end=0.0001), weight_decay=0)"}},
      {"amsgrad",
       {"amsgrad(lr=cosine(init=0.1, steps=1000, end=0.0001))",
        "amsgrad(lr=cosine(init=0.05, steps=20000, end=0.0001))"}},
      {"adagrad", {"adagrad(lr=0.5)", "adagrad(lr=0.3)"}},
      // The defaults: lr / b_t adapts to both scales (Ward, Wu & Bottou's point).
      {"adagrad_norm", {"adagrad_norm(lr=1, b0=0.01)", "adagrad_norm(lr=1, b0=0.01)"}},
      {"rmsprop",
       {"rmsprop(lr=cosine(init=0.01, steps=1000, end=0.00001))",
        "rmsprop(lr=cosine(init=0.005, steps=20000, end=0.00001))"}},
      // lr = 1/L; mu the strong convexity: 1 on the quadratic, and on Rosenbrock the smaller
      // Hessian eigenvalue at the minimizer (0.399), where L = 1001.6 (lr 1/1300 covers the start).
      {"continuized_nesterov",
       {"continuized_nesterov(lr=0.1, mu=1, seed=1)", "continuized_nesterov(lr=0.00077, mu=0.39, seed=1)"}},
      // As Adam: xi in [1/2, 1) only scales its steps down.
      {"diffgrad",
       {"diffgrad(lr=cosine(init=0.1, steps=1000, end=0.0001))",
        "diffgrad(lr=cosine(init=0.05, steps=20000, end=0.0001))"}},
      // Near p the step is -lr p g to first order: gradient descent with step lr p, so lr p L < 2.
      {"exponentiated_gradient", {"exponentiated_gradient(lr=0.1)", "exponentiated_gradient(lr=0.001)", true}},
      // On matrix_test_layout (muon refuses vectors): {2, 2} + {1, 1} and a {2, 1} column. Its
      // steps have a size of about lr per block, so it needs a decaying lr as Adam does.
      {"muon",
       {"muon(lr=cosine(init=0.1, steps=1000, end=0.00001), weight_decay=0)",
        "muon(lr=cosine(init=0.05, steps=20000, end=0.00001), weight_decay=0)"}},
      // As muon: the least noisy block steps with lr, the others with less (the surrogate noise
      // ||g_t - g_{t-1}||_* of a deterministic run is the gradient's drift, which vanishes at x*).
      {"lanton",
       {"lanton(lr=cosine(init=0.1, steps=1000, end=0.00001), alpha=1e-4)",
        "lanton(lr=cosine(init=0.05, steps=20000, end=0.00001), alpha=1e-4)"}},
  };
  return table;
}

template <class T, class Gradient>
std::size_t run(const std::string& entry, const std::string& spec, std::vector<double> x0, Gradient gradient,
                double tolerance, std::size_t budget, std::vector<double>* final_x) {
  const TransformPtr transform = parse_transform(spec);
  const std::size_t n = x0.size();
  const auto layout = test_layout(entry, n);
  auto state = init_state<T>(*transform, layout);
  AlignedBuffer<T> x(n), g(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<T>(x0[i]);
  std::size_t steps = 0;
  auto distance = [&] {
    double d = 0;
    for (std::size_t i = 0; i < n; ++i) d = std::max(d, std::abs(static_cast<double>(x[i]) - 1.0));
    return d;
  };
  while (steps < budget && distance() > tolerance) {
    gradient(std::span<const T>(x.data(), n), g.span());
    apply<T>(*transform, state, g.span(), x.span(), layout);
    ++steps;
  }
  final_x->assign(x.begin(), x.end());
  return steps;
}

// Stop rules, stated up front: the quadratic must come within 1e-4 of x* in every
// coordinate from x0 = (-2, ..., -2) in at most 2000 steps; Rosenbrock within 1e-3 of
// (1, 1) in at most 50000 steps. Both distances are far above float's resolution near 1
// (6e-8), so float and double share them.
constexpr double kQuadraticTolerance = 1e-4;
constexpr std::size_t kQuadraticBudget = 2000;
constexpr double kRosenbrockTolerance = 1e-3;
constexpr std::size_t kRosenbrockBudget = 50000;

template <class T>
void check_all() {
  const SpreadQuadratic quadratic(5, 10.0);
  for (const RegistryEntry& entry : registry()) {
    if (entry.kind != EntryKind::optimizer) continue;
    const auto row = convergence_table().find(entry.name);
    ASSERT_NE(row, convergence_table().end()) << "no convergence settings for optimizer '" << entry.name << "'";
    std::vector<double> x;
    const std::size_t q = run<T>(
        entry.name, row->second.quadratic, std::vector<double>(5, row->second.positive_start ? 0.1 : -2.0),
        [&](std::span<const T> z, std::span<T> g) { quadratic.gradient<T>(z, g); }, kQuadraticTolerance,
        kQuadraticBudget, &x);
    EXPECT_LT(q, kQuadraticBudget) << row->second.quadratic << " stopped at x0 = " << x[0];
    const std::size_t r = run<T>(
        entry.name, row->second.rosenbrock,
        row->second.positive_start ? std::vector<double>{0.5, 1.5} : std::vector<double>{-1.2, 1.0},
        [](std::span<const T> z, std::span<T> g) { Rosenbrock::gradient<T>(z, g); }, kRosenbrockTolerance,
        kRosenbrockBudget, &x);
    EXPECT_LT(r, kRosenbrockBudget) << row->second.rosenbrock << " stopped at (" << x[0] << ", " << x[1] << ")";
  }
}

TEST(Convergence, Float) { check_all<float>(); }
TEST(Convergence, Double) { check_all<double>(); }

}  // namespace
}  // namespace descent::testing
