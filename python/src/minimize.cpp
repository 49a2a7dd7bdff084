// descent.minimize's C++ half: a Python callable as a Differentiable<double>, the scipy-style
// callback as a loop Callback, and the loop run with the GIL released. The option handling
// and the OptimizeResult are in python/descent/__init__.py.
#include "minimize.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <string>

#include "arrays.hpp"
#include "descent/analysis/lanczos.hpp"
#include "descent/analysis/spectral_step.hpp"
#include "descent/core/aligned_buffer.hpp"
#include "descent/loop/callbacks/early_stopping.hpp"
#include "descent/loop/minimize.hpp"
#include "descent/loop/summary.hpp"
#include "descent/spec/solver_spec.hpp"
#include "transforms.hpp"

namespace py = pybind11;

namespace descent::python {

namespace {

// f and grad f from Python. With `jac` None, fun(x, *args) returns (value, gradient) (scipy's
// jac=True); otherwise fun gives the value and jac(x, *args) the gradient. Every call re-takes
// the GIL and hands Python a fresh copy of x, so a function that keeps x sees it unchanged.
// An exception raised in Python (KeyboardInterrupt included) propagates through the loop.
class PythonObjective final : public Differentiable<double> {
 public:
  PythonObjective(py::object fun, py::object jac, py::tuple args, std::size_t n)
      : fun_(std::move(fun)), jac_(std::move(jac)), args_(std::move(args)), n_(n), last_x_(n), last_g_(n) {}

  std::string name() const override { return "python function"; }
  std::size_t dimension() const override { return n_; }

  // scipy's hessp(x, p, *args) -> H(x) p, for solvers that use Hessian-vector products (tron).
  void set_hessian_product(py::object hessp) { hessp_ = std::move(hessp); }
  bool has_hessian_vector() const override { return !hessp_.is_none(); }
  void hessian_vector(std::span<const double> x, std::span<const double> v, std::span<double> out) const override {
    if (hessp_.is_none()) return Differentiable<double>::hessian_vector(x, v, out);
    py::gil_scoped_acquire gil;
    copy_gradient(hessp_(to_numpy(x), to_numpy(v), *args_), out, "hessp");
  }

  double value(std::span<const double> x) const override {
    AlignedBuffer<double> g(n_);
    return value_and_gradient(x, g.span());
  }

  double value_and_gradient(std::span<const double> x, std::span<double> gradient) const override {
    py::gil_scoped_acquire gil;
    py::array_t<double> xa = to_numpy(x);  // a copy
    double value;
    if (jac_.is_none()) {
      py::object out = fun_(xa, *args_);
      if (!py::isinstance<py::tuple>(out) || py::len(out) != 2)
        throw py::type_error("fun: with jac=True, fun must return a tuple (value, gradient), got " +
                             std::string(py::str(py::type::handle_of(out).attr("__name__"))));
      py::tuple t = out.cast<py::tuple>();
      value = to_value(t[0]);
      copy_gradient(t[1], gradient, "fun");
    } else {
      value = to_value(fun_(xa, *args_));
      copy_gradient(jac_(xa, *args_), gradient, "jac");
    }
    std::copy(x.begin(), x.end(), last_x_.begin());
    std::copy(gradient.begin(), gradient.end(), last_g_.begin());
    last_value_ = value;
    has_last_ = true;
    return value;
  }

  // The gradient of the last evaluation, if it was at x (the loop's last call is at the final
  // point, so the result's jac costs no extra call).
  bool last_at(std::span<const double> x) const { return has_last_ && std::equal(x.begin(), x.end(), last_x_.begin()); }
  std::span<const double> last_gradient() const { return last_g_.span(); }
  double last_value() const { return last_value_; }

 private:
  static double to_value(py::handle v) {
    try {
      return py::float_(py::reinterpret_borrow<py::object>(v)).cast<double>();
    } catch (const py::error_already_set&) {
      throw py::type_error("fun: the value must be a real number, got " +
                           std::string(py::str(py::type::handle_of(v).attr("__name__"))));
    }
  }

  void copy_gradient(py::handle g, std::span<double> out, const char* who) const {
    py::array_t<double> a = py::module_::import("numpy").attr("asarray")(g, "float64");
    if (static_cast<std::size_t>(a.size()) != n_ || a.ndim() != 1)
      throw py::value_error(std::string(who) + ": the gradient has shape " + shape_string(shape_of(a)) +
                            ", expected (" + std::to_string(n_) + ",)");
    auto r = a.unchecked<1>();
    for (std::size_t i = 0; i < n_; ++i) out[i] = r(static_cast<py::ssize_t>(i));
  }

  py::object fun_, jac_, hessp_ = py::none();
  py::tuple args_;
  std::size_t n_;
  mutable AlignedBuffer<double> last_x_, last_g_;
  mutable double last_value_ = 0;
  mutable bool has_last_ = false;
};

// scipy's callback: called once per iterate x_k (k = 1..nit) with f(x_k). The loop estimates
// f at x_k at the start of step k+1 (before_update), and the final point is evaluated at the
// end (on_end), so every iterate is reported once, with its value, without extra calls.
// `report(x, f)` returns True to stop.
class PythonCallback final : public Callback<double> {
 public:
  explicit PythonCallback(py::object report) : report_(std::move(report)) {}

  std::optional<Stop> before_update(const StepReport<double>& r, const LoopView<double>& loop) override {
    if (r.step == 0 || r.step <= reported_) return std::nullopt;
    reported_ = r.step;
    if (call(loop.params.flat(), r.value)) return Stop{Termination::user_stop, "stopped by the callback"};
    return std::nullopt;
  }
  void on_end(const Summary<double>& summary, const LoopView<double>& loop) override {
    if (summary.steps > reported_ && summary.termination != Termination::user_stop) {
      reported_ = summary.steps;
      call(loop.params.flat(), summary.final_value);
    }
  }

 private:
  bool call(std::span<const double> x, double value) {
    py::gil_scoped_acquire gil;
    py::array_t<double> xa = to_numpy(x);
    return py::bool_(report_(xa, value)).cast<bool>();
  }
  py::object report_;
  std::int64_t reported_ = 0;
};

py::dict run_minimize(py::object fun, py::object jac, py::tuple args, py::handle x0_obj, const PyTransform& method,
                      std::int64_t max_steps, double gtol, double ftol, std::int64_t patience, py::object callback) {
  const py::array x0 = require_ndarray(x0_obj, "x0");
  if (precision_of(x0, "x0") != Precision::f64 || x0.ndim() != 1)
    throw py::type_error("x0: expected a 1-D float64 array");
  Parameters<double> params = Parameters<double>::from(
      readable_span<double>(py::array_t<double, py::array::c_style | py::array::forcecast>(x0)));
  PythonObjective objective(std::move(fun), std::move(jac), std::move(args), params.size());

  MinimizeOptions<double> options;
  options.max_steps = max_steps;
  if (gtol > 0 || ftol > 0)
    options.callbacks.push_back(std::make_shared<EarlyStopping<double>>(
        EarlyStoppingOptions{.gradient_tolerance = gtol, .relative_tolerance = ftol, .patience = patience}));
  if (!callback.is_none()) options.callbacks.push_back(std::make_shared<PythonCallback>(callback));

  Summary<double> summary;
  {
    py::gil_scoped_release release;
    summary = descent::minimize(objective, params, *method.transform, options);
  }
  py::array_t<double> x = to_numpy(std::span<const double>(params.flat()));
  py::array_t<double> g;
  if (objective.last_at(params.flat())) {
    g = to_numpy(objective.last_gradient());
  } else {  // no evaluation at the final point (max_steps = 0 with final_evaluation): one more call
    AlignedBuffer<double> grad(params.size());
    summary.final_value = objective.value_and_gradient(params.flat(), grad.span());
    ++summary.objective_calls;
    g = to_numpy(std::span<const double>(grad.span()));
  }
  return py::dict(py::arg("x") = x, py::arg("fun") = summary.final_value, py::arg("jac") = g,
                  py::arg("nit") = summary.steps, py::arg("nfev") = summary.objective_calls,
                  py::arg("termination") = to_string(summary.termination), py::arg("message") = summary.message,
                  py::arg("gradient_norm") = summary.final_gradient_norm, py::arg("seconds") = summary.timings.total_s);
}

// A solver with a loop of its own (L-BFGS, ...) on the Python objective: the same result as
// run_minimize. The scipy-style callback sees every iterate through the run's observer.
py::dict run_minimize_solver(py::object fun, py::object jac, py::tuple args, py::handle x0_obj,
                             const std::string& solver_spec, std::int64_t max_steps, py::object callback,
                             const std::vector<double>& lower, const std::vector<double>& upper, py::object hessp) {
  const py::array x0 = require_ndarray(x0_obj, "x0");
  if (precision_of(x0, "x0") != Precision::f64 || x0.ndim() != 1)
    throw py::type_error("x0: expected a 1-D float64 array");
  Parameters<double> params = Parameters<double>::from(
      readable_span<double>(py::array_t<double, py::array::c_style | py::array::forcecast>(x0)));
  PythonObjective objective(std::move(fun), std::move(jac), std::move(args), params.size());
  objective.set_hessian_product(std::move(hessp));
  const SolverSpec solver = parse_solver(solver_spec);
  SolverRun run;
  run.max_steps = max_steps;
  run.lower = lower;
  run.upper = upper;
  if (!callback.is_none())
    run.observe_double = [&callback](const SolverIterate<double>& it) {
      py::gil_scoped_acquire gil;
      py::array_t<double> xa = to_numpy(it.x);
      return py::bool_(callback(xa, it.value)).cast<bool>();
    };
  Summary<double> summary;
  {
    py::gil_scoped_release release;
    summary = solver.run<double>(objective, params, run);
  }
  py::array_t<double> x = to_numpy(std::span<const double>(params.flat()));
  py::array_t<double> g;
  if (objective.last_at(params.flat())) {
    g = to_numpy(objective.last_gradient());
    summary.final_value = objective.last_value();
  } else {  // the solver's last evaluation was elsewhere (a rejected trial): one more call
    AlignedBuffer<double> grad(params.size());
    summary.final_value = objective.value_and_gradient(params.flat(), grad.span());
    ++summary.objective_calls;
    g = to_numpy(std::span<const double>(grad.span()));
  }
  return py::dict(py::arg("x") = x, py::arg("fun") = summary.final_value, py::arg("jac") = g,
                  py::arg("nit") = summary.steps, py::arg("nfev") = summary.objective_calls,
                  py::arg("termination") = to_string(summary.termination), py::arg("message") = summary.message,
                  py::arg("gradient_norm") = summary.final_gradient_norm, py::arg("seconds") = summary.timings.total_s,
                  py::arg("method") = solver.canonical());
}

// The Lanczos spectrum of the Hessian of a Python function at x, and the step sizes it
// suggests (analysis/spectral_step.hpp), behind descent.hessian_spectrum.
py::dict run_hessian_spectrum(py::object fun, py::object jac, py::tuple args, py::handle x_obj, py::object hessp,
                              std::int64_t steps, std::uint64_t seed) {
  const py::array x0 = require_ndarray(x_obj, "x");
  if (precision_of(x0, "x") != Precision::f64 || x0.ndim() != 1)
    throw py::type_error("x: expected a 1-D float64 array");
  const py::array_t<double, py::array::c_style | py::array::forcecast> xa(x0);
  const std::span<const double> x = readable_span<double>(xa);
  PythonObjective objective(std::move(fun), std::move(jac), std::move(args), x.size());
  objective.set_hessian_product(std::move(hessp));
  LanczosOptions options;
  options.steps = steps;
  options.seed = seed;
  LanczosResult r;
  {
    py::gil_scoped_release release;
    r = lanczos_hessian<double>(objective, x, options);
  }
  auto step_dict = [&](SpectralMethod method) {
    const SpectralStep s = spectral_step(r, method);
    return py::dict(py::arg("lr") = s.lr, py::arg("momentum") = s.momentum, py::arg("contraction") = s.contraction);
  };
  py::dict out(py::arg("ritz_values") = r.ritz_values, py::arg("residuals") = r.residuals,
               py::arg("products") = r.products, py::arg("gradient_calls") = r.gradient_calls,
               py::arg("exact") = r.exact, py::arg("invariant") = r.invariant);
  if (r.largest() > 0) {
    out["gradient_descent"] = step_dict(SpectralMethod::gradient_descent);
    out["heavy_ball"] = step_dict(SpectralMethod::heavy_ball);
  }
  return out;
}

}  // namespace

void bind_minimize(py::module_& m) {
  m.def("hessian_spectrum", &run_hessian_spectrum, py::arg("fun"), py::arg("jac"), py::arg("args"), py::arg("x"),
        py::arg("hessp"), py::arg("steps"), py::arg("seed"), "Behind descent.hessian_spectrum (use that).");
  m.def("minimize_solver", &run_minimize_solver, py::arg("fun"), py::arg("jac"), py::arg("args"), py::arg("x0"),
        py::arg("solver"), py::arg("max_steps"), py::arg("callback"), py::arg("lower"), py::arg("upper"),
        py::arg("hessp"), "A solver's own loop behind descent.minimize (use that).");
  m.def("minimize", &run_minimize, py::arg("fun"), py::arg("jac"), py::arg("args"), py::arg("x0"), py::arg("method"),
        py::arg("max_steps"), py::arg("gtol"), py::arg("ftol"), py::arg("patience"), py::arg("callback"),
        "The loop behind descent.minimize (use that).");
}

}  // namespace descent::python
