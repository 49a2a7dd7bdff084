// Solvers with a loop of their own: spec names -> SolverSpecs. The step budget and the
// seed are the run's (SolverRun), so they are fixed here, not spec arguments.
#include <limits>

#include "descent/solver/coordinate_descent.hpp"
#include "descent/solver/loopless_katyusha.hpp"
#include "entry.hpp"

namespace descent::spec_detail {

namespace {

// A finite-sum objective, or MismatchError naming the solver and the objective.
template <class T>
const FiniteSum<T>& finite_sum_for(const Differentiable<T>& objective, const char* solver) {
  const auto* sum = dynamic_cast<const FiniteSum<T>*>(&objective);
  if (sum == nullptr)
    throw MismatchError(std::string("the ") + solver + " solver needs a finite-sum objective; '" + objective.name() +
                        "' is not one");
  return *sum;
}

template <class T>
Summary<T> run_lkatyusha(LooplessKatyushaOptions options, const Differentiable<T>& objective, Parameters<T>& x,
                         const SolverRun& run) {
  options.max_steps = run.max_steps;
  options.seed = run.seed;
  return loopless_katyusha<T>(finite_sum_for(objective, "lkatyusha"), x, options,
                              [&](const KatyushaStep<T>& s) {
                                SolverIterate<T> it;
                                it.step = s.step;
                                it.x = s.y;
                                it.value = std::numeric_limits<double>::quiet_NaN();  // y's value is not computed
                                it.gradient_norm = std::numeric_limits<double>::quiet_NaN();
                                it.objective_calls = s.step + s.snapshots;
                                it.sample_gradients = s.sample_gradients;
                                return run.report(it);
                              });
}

// Block coordinate descent reports once per pass over its blocks (report_every), not per
// coordinate step: an observer of every step would cost more than the steps.
template <class T>
Summary<T> run_bcd(CoordinateDescentOptions options, const Differentiable<T>& objective, Parameters<T>& x,
                   const SolverRun& run) {
  options.max_steps = run.max_steps;
  options.seed = run.seed;
  return coordinate_descent<T>(
      objective, x, options,
      [&](const CoordinateDescentReport<T>& r) {
        SolverIterate<T> it;
        it.step = r.step;
        it.x = r.x;
        it.value = r.value;
        it.gradient_norm = r.gradient_norm;
        it.objective_calls = 0;  // coordinate descent reads partial derivatives, never the whole objective
        it.sample_gradients = r.sample_gradients;
        return run.report(it);
      },
      run.stop);
}

}  // namespace

std::vector<Entry> solver_entries() {
  std::vector<Entry> v;
  const std::vector<std::string> run_fields = {"max_steps"};
  v.push_back(options_entry<SolverSpec>(
      "lkatyusha", EntryKind::solver,
      "loopless Katyusha: accelerated variance reduction with a snapshot refreshed by a coin (finite sums)",
      "Kovalev, Horvath & Richtarik, ALT 2020 (Algorithm 2); adaptive sampling: Zhao, Lyu & Kolar, TMLR 2023",
      LooplessKatyushaOptions{},
      [run_fields](const LooplessKatyushaOptions& o) {
        validate(o);  // the field ranges; the run checks smoothness > 0 and theta1 + theta2 <= 1
        return SolverSpec(
            to_spec("lkatyusha", o, run_fields),
            [o](const Differentiable<float>& f, Parameters<float>& x, const SolverRun& r) {
              return run_lkatyusha<float>(o, f, x, r);
            },
            [o](const Differentiable<double>& f, Parameters<double>& x, const SolverRun& r) {
              return run_lkatyusha<double>(o, f, x, r);
            });
      },
      run_fields));
  v.push_back(options_entry<SolverSpec>(
      "bcd", EntryKind::solver,
      "block coordinate descent: cyclic, random, Lipschitz sampling or greedy Gauss-Southwell(-Lipschitz) blocks "
      "(least squares, logistic regression)",
      "Nutini, Schmidt, Laradji, Friedlander & Koepke, ICML 2015; Nutini, Laradji & Schmidt, JMLR 2022",
      CoordinateDescentOptions{},
      [run_fields](const CoordinateDescentOptions& o) {
        o.validate();
        return SolverSpec(
            to_spec("bcd", o, run_fields),
            [o](const Differentiable<float>& f, Parameters<float>& x, const SolverRun& r) {
              return run_bcd<float>(o, f, x, r);
            },
            [o](const Differentiable<double>& f, Parameters<double>& x, const SolverRun& r) {
              return run_bcd<double>(o, f, x, r);
            });
      },
      run_fields));
  return v;
}

}  // namespace descent::spec_detail

namespace descent {

SolverSpec parse_solver(std::string_view spec) {
  return spec_detail::build<SolverSpec>(spec, {EntryKind::solver}, "solver");
}

}  // namespace descent
