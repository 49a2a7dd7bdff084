// Solvers with a loop of their own: spec names -> SolverSpecs. The step budget and the
// seed are the run's (SolverRun), so they are fixed here, not spec arguments.
#include <limits>

#include "descent/solver/coordinate_descent.hpp"
#include "descent/solver/gradient_regularized_newton.hpp"
#include "descent/solver/lbfgs.hpp"
#include "descent/solver/lbfgsb.hpp"
#include "descent/solver/loopless_katyusha.hpp"
#include "descent/solver/nonlinear_cg.hpp"
#include "descent/solver/trust_region_newton.hpp"
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
  return loopless_katyusha<T>(finite_sum_for(objective, "lkatyusha"), x, options, [&](const KatyushaStep<T>& s) {
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

template <class T>
Summary<T> run_lbfgs(LbfgsOptions options, const Differentiable<T>& objective, Parameters<T>& x, const SolverRun& run) {
  options.max_steps = run.max_steps;
  return lbfgs<T>(objective, x, options, run);
}

template <class T>
Summary<T> run_lbfgsb(LbfgsbOptions options, const Differentiable<T>& objective, Parameters<T>& x,
                      const SolverRun& run) {
  options.max_steps = run.max_steps;
  return lbfgsb<T>(objective, x, run.lower, run.upper, options, run);
}

// TRON's iterations reported to the run (value and gradient norm are known at every one).
template <class T>
Summary<T> run_tron(TrustRegionNewtonOptions options, const Differentiable<T>& objective, Parameters<T>& x,
                    const SolverRun& run) {
  options.max_steps = run.max_steps;
  return trust_region_newton<T>(objective, x, options,
                                [&](const TrustRegionIterate<T>& s) {
                                  SolverIterate<T> it;
                                  it.step = s.iteration;
                                  it.x = s.x;
                                  it.value = s.value;
                                  it.gradient_norm = s.gradient_norm;
                                  it.objective_calls = s.objective_calls;
                                  it.sample_gradients = s.sample_gradients;
                                  return run.report(it);
                                })
      .summary;
}

// Gradient-regularized Newton's iterations (accepted steps) reported to the run.
template <class T>
Summary<T> run_grnewton(GradientRegularizedNewtonOptions options, const Differentiable<T>& objective, Parameters<T>& x,
                        const SolverRun& run) {
  options.max_steps = run.max_steps;
  return gradient_regularized_newton<T>(objective, x, options,
                                        [&](const GradientRegularizedNewtonIterate<T>& s) {
                                          SolverIterate<T> it;
                                          it.step = s.iteration;
                                          it.x = s.x;
                                          it.value = s.value;
                                          it.gradient_norm = s.gradient_norm;
                                          it.objective_calls = s.objective_calls;
                                          it.sample_gradients = s.sample_gradients;
                                          return run.report(it);
                                        })
      .summary;
}

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

template <class T>
Summary<T> run_nonlinear_cg(NonlinearCgOptions options, const Differentiable<T>& objective, Parameters<T>& x,
                            const SolverRun& run) {
  options.max_steps = run.max_steps;
  return nonlinear_cg<T>(objective, x, options, run);
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
      "lbfgs", EntryKind::solver,
      "limited-memory BFGS with a strong Wolfe (More-Thuente) or backtracking Armijo line search",
      "Nocedal, Math. Comp. 1980; Liu & Nocedal, Math. Prog. 1989; More & Thuente, ACM TOMS 1994", LbfgsOptions{},
      [run_fields](const LbfgsOptions& o) {
        o.validate();
        return SolverSpec(
            to_spec("lbfgs", o, run_fields),
            [o](const Differentiable<float>& f, Parameters<float>& x, const SolverRun& r) {
              return run_lbfgs<float>(o, f, x, r);
            },
            [o](const Differentiable<double>& f, Parameters<double>& x, const SolverRun& r) {
              return run_lbfgs<double>(o, f, x, r);
            });
      },
      run_fields));
  v.push_back(options_entry<SolverSpec>(
      "lbfgsb", EntryKind::solver,
      "L-BFGS-B: limited-memory BFGS for bounds l <= x <= u (Cauchy point, subspace step, projected line search)",
      "Byrd, Lu, Nocedal & Zhu, SIAM J. Sci. Comput. 1995; Morales & Nocedal, ACM TOMS 2011 (L-BFGS-B 3.0)",
      LbfgsbOptions{},
      [run_fields](const LbfgsbOptions& o) {
        o.validate();
        return SolverSpec(
            to_spec("lbfgsb", o, run_fields),
            [o](const Differentiable<float>& f, Parameters<float>& x, const SolverRun& r) {
              return run_lbfgsb<float>(o, f, x, r);
            },
            [o](const Differentiable<double>& f, Parameters<double>& x, const SolverRun& r) {
              return run_lbfgsb<double>(o, f, x, r);
            },
            /*takes_bounds=*/true);
      },
      run_fields));
  // Named tron, not newton_cg: its radius rules, CG tolerance and stopping test are
  // LIBLINEAR's TRON, whereas SciPy's "Newton-CG" is a line-search method.
  v.push_back(options_entry<SolverSpec>(
      "tron", EntryKind::solver,
      "trust-region Newton-CG (TRON): Steihaug-Toint CG on Hessian-vector products, optional Jacobi "
      "preconditioning",
      "Lin, Weng & Keerthi, JMLR 2008 (Algorithm 2); Lin & More, SIAM J. Optim. 1999; preconditioner: Hsia, "
      "Chiang & Lin, ACML 2018",
      TrustRegionNewtonOptions{},
      [run_fields](const TrustRegionNewtonOptions& o) {
        o.validate();
        return SolverSpec(
            to_spec("tron", o, run_fields),
            [o](const Differentiable<float>& f, Parameters<float>& x, const SolverRun& r) {
              return run_tron<float>(o, f, x, r);
            },
            [o](const Differentiable<double>& f, Parameters<double>& x, const SolverRun& r) {
              return run_tron<double>(o, f, x, r);
            });
      },
      run_fields));
  v.push_back(options_entry<SolverSpec>(
      "grnewton", EntryKind::solver,
      "gradient-regularized Newton: (B + ||g||/gamma I) d = -g with an adaptive search on gamma; B the Hessian, "
      "Gauss-Newton matrix or empirical Fisher",
      "Semenov, Jaggi & Doikov, arXiv:2506.13710, 2025 (Algorithm 1); Mishchenko, SIAM J. Optim. 2023; Doikov & "
      "Nesterov, Math. Program. 2024",
      GradientRegularizedNewtonOptions{},
      [run_fields](const GradientRegularizedNewtonOptions& o) {
        o.validate();
        return SolverSpec(
            to_spec("grnewton", o, run_fields),
            [o](const Differentiable<float>& f, Parameters<float>& x, const SolverRun& r) {
              return run_grnewton<float>(o, f, x, r);
            },
            [o](const Differentiable<double>& f, Parameters<double>& x, const SolverRun& r) {
              return run_grnewton<double>(o, f, x, r);
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
  v.push_back(options_entry<SolverSpec>(
      "nonlinear_cg", EntryKind::solver,
      "nonlinear conjugate gradients (Fletcher-Reeves, Polak-Ribiere+, Hager-Zhang) with a strong Wolfe search",
      "Fletcher & Reeves 1964; Polak & Ribiere 1969; Gilbert & Nocedal, SIAM J. Optim. 1992; Hager & Zhang, "
      "SIAM J. Optim. 2005",
      NonlinearCgOptions{},
      [run_fields](const NonlinearCgOptions& o) {
        o.validate();
        return SolverSpec(
            to_spec("nonlinear_cg", o, run_fields),
            [o](const Differentiable<float>& f, Parameters<float>& x, const SolverRun& r) {
              return run_nonlinear_cg<float>(o, f, x, r);
            },
            [o](const Differentiable<double>& f, Parameters<double>& x, const SolverRun& r) {
              return run_nonlinear_cg<double>(o, f, x, r);
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
