"""descent: gradient-based optimization with a C++ core, on NumPy arrays.

Three faces, all running in C++ with the GIL released:

* Optimizers as composable transforms that update float32/float64 arrays in place::

      opt = descent.chain(descent.clip_by_global_norm(1.0), descent.adam(lr=1e-3))
      state = opt.init(params)
      opt.apply(grads, state, params)          # params += update(grads)

  The same spec strings as the command-line program: ``descent.parse("adam(lr=1e-3)")``.
  ``descent.optimizers()`` lists every optimizer, transform and schedule; ``descent.registry()``
  everything a spec can name (estimators, solvers, callbacks and models too).

* ``descent.minimize(fun, x0, jac=True, method="adam(lr=1e-2)")``, with the conventions of
  ``scipy.optimize.minimize``.

* ``descent.train(descent.Mlp(hidden=[64]), X, y, optimizer="adam", epochs=10)``: the
  built-in models trained on NumPy data, returning the parameters and a history.

Errors: library errors derive from ``descent.Error``; a bad hyperparameter is a
``ConfigError``, a bad spec a ``ParseError``, objects that do not fit a ``MismatchError``
(all three are ``ValueError``s). Arrays of the wrong dtype raise ``TypeError``;
non-contiguous, read-only or wrongly shaped ones ``ValueError``, naming the argument.
"""

from __future__ import annotations

import inspect
import math
import numbers
import operator
import os

import numpy as np

# OpenMP threads that spin after each parallel region make a run 3-15x slower when another
# process shares the cores; sleeping at once costs nothing measurable on an idle machine
# (docs/benchmarks.md). libgomp reads the variable when it is loaded, so this takes effect
# when descent is the first module to load it (import descent before torch to be sure).
if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
    os.environ["OMP_WAIT_POLICY"] = "passive"

from . import _core
from ._core import (ConfigError, Error, FormatError, IoError, MismatchError, ParseError, State, Transform,
                    noise_multiplier, parse, privacy_epsilon)
from ._kept import TrainedModel, load
from ._readers import read_csv, read_idx, read_libsvm, read_npy

__version__ = "0.1.0"

__all__ = [
    "ConfigError", "Error", "FormatError", "IoError", "MismatchError", "ParseError",
    "State", "Transform", "Schedule", "parse", "chain", "partition", "group", "optimizers", "estimators", "registry", "Model",
    "minimize", "OptimizeResult", "hessian_spectrum",
    "LeastSquares", "LogisticRegression", "SoftmaxRegression", "Mlp", "train", "TrainResult", "solve",
    "TrainedModel", "load", "read_libsvm", "read_csv", "read_idx", "read_npy", "clip_norm_guide",
    "privacy_epsilon", "noise_multiplier",
]


# --------------------------------------------------------------------------- schedules


class Schedule:
    """A schedule of values over steps (a learning rate that changes), as a spec string.

    Pass one wherever a parameter is a "number or schedule" (``lr`` of every optimizer)::

        descent.adam(lr=descent.warmup(descent.cosine(1e-3, steps=1000), steps=100))

    ``Schedule(spec)`` validates ``spec`` with the library (raising ``ParseError`` or
    ``ConfigError``) and keeps its canonical form in ``spec``.
    """

    __slots__ = ("spec",)

    def __init__(self, spec: str):
        if not isinstance(spec, str):
            raise TypeError(f"Schedule: spec must be a str, got {type(spec).__name__}")
        self.spec = _core.parse_schedule(spec)

    def values(self, steps: int) -> list[float]:
        """The values for steps 0 .. steps-1."""
        return _core.schedule_values(self.spec, operator.index(steps))

    def __repr__(self) -> str:
        return f"descent.Schedule({self.spec!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Schedule) and other.spec == self.spec

    def __hash__(self) -> int:
        return hash(self.spec)

    def __reduce__(self):
        return (Schedule, (self.spec,))


# ------------------------------------------------- constructors generated from the registry


def _format_value(entry: str, param: dict, value) -> str:
    """`value` as spec text for parameter `param` of `entry`; raises naming the argument."""
    name, kind = param["name"], param["type"]
    where = f"{entry}: {name}"
    if kind == "quoted path":  # a file name, written as a quoted spec string
        if not isinstance(value, (str, os.PathLike)):
            raise TypeError(f"{where} must be a path (str or os.PathLike), got {type(value).__name__}")
        text = os.fspath(value)
        if "'" in text and '"' in text:
            raise ValueError(f"{where}: a path holding both kinds of quote cannot be written in a spec")
        quote = '"' if "'" in text else "'"
        return f"{quote}{text}{quote}"
    if kind == "name":  # a choice among names; the library checks which
        if not isinstance(value, str):
            raise TypeError(f"{where} must be a str ({param['constraint']}), got {type(value).__name__}")
        return value
    if kind == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{where} must be a bool, got {type(value).__name__}")
        return "true" if value else "false"
    if kind == "number or schedule":
        if isinstance(value, Schedule):
            return value.spec
        if isinstance(value, str):
            try:
                return Schedule(value).spec
            except Error as e:  # the library's message, with the argument it was given for
                raise type(e)(f"{where}: {e}") from None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        expected = "a number or a descent.Schedule" if kind == "number or schedule" else f"a {kind}"
        raise TypeError(f"{where} must be {expected}, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{where} = {number} is not a finite number")
    if kind == "integer":
        if not number.is_integer():
            raise ValueError(f"{where} = {number} is not an integer")
        return str(int(value))
    # repr of a float is the shortest text that reads back to the same double: the spec
    # carries exactly the value given.
    return repr(number)


def _default_value(param: dict):
    """The library's default as a Python value, for signatures and help()."""
    text = param["default"]
    if text == "":
        return inspect.Parameter.empty
    if text in ("true", "false"):
        return text == "true"
    if param["type"] == "name":
        return text
    try:
        return int(text) if param["type"] == "integer" else float(text)
    except ValueError:
        return Schedule(text)


def _docstring(entry: dict, returns: str) -> str:
    lines = [entry["summary"][0].upper() + entry["summary"][1:] + ".", ""]
    if entry["reference"] != "-":
        lines += [f"Reference: {entry['reference']}.", ""]
    lines += [f"Returns a descent.{returns}. Equivalent spec: '{entry['name']}(...)' (see descent.parse).", ""]
    if entry["parameters"]:
        lines += ["Parameters", "----------"]
        for p in entry["parameters"]:
            default = f", default {p['default']}" if p["default"] else ""
            lines.append(f"{p['name']} : {p['type']}{default}")
            doc = p["doc"] + (f" ({p['constraint']})" if p["constraint"] else "")
            lines.append(f"    {doc}")
    return "\n".join(lines)


def _make_constructor(entry: dict):
    name, kind, params = entry["name"], entry["kind"], entry["parameters"]
    names = [p["name"] for p in params]
    by_name = {p["name"]: p for p in params}

    def build(*args, **kwargs):
        if len(args) > len(names):
            raise TypeError(f"{name}() takes at most {len(names)} positional arguments ({len(args)} given)")
        values = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in by_name:
                raise TypeError(f"{name}() got an unexpected keyword argument '{key}' (it takes {', '.join(names)})")
            if key in values:
                raise TypeError(f"{name}() got multiple values for argument '{key}'")
            values[key] = value
        text = ", ".join(f"{p['name']}={_format_value(name, p, values[p['name']])}" for p in params
                         if p["name"] in values)
        spec = f"{name}({text})"
        return Schedule(spec) if kind == "schedule" else parse(spec)

    build.__name__ = build.__qualname__ = name
    build.__module__ = __name__
    build.__doc__ = _docstring(entry, "Schedule" if kind == "schedule" else "Transform")
    build.__signature__ = inspect.Signature(
        [inspect.Parameter(p["name"], inspect.Parameter.POSITIONAL_OR_KEYWORD, default=_default_value(p))
         for p in params])
    return build


_REGISTRY = _core.registry()
# The kinds that have constructors here (returning a Transform or a Schedule); the other
# kinds are named by spec strings (estimator=, average=, callbacks=, solve(solver=)).
_TRANSFORM_KINDS = ("optimizer", "transform", "schedule")
for _entry in _REGISTRY:
    if _entry["kind"] in _TRANSFORM_KINDS and _entry["name"] not in ("chain", "partition"):
        globals()[_entry["name"]] = _make_constructor(_entry)
        __all__.append(_entry["name"])
del _entry


def registry(kind: str | None = None) -> list[dict]:
    """Everything a spec can name, as dicts with name, kind, summary, reference and parameters
    (name, type, default, constraint, doc); only entries of `kind` when given ("optimizer",
    "transform", "schedule", "estimator", "solver", "averaging", "stopping" or "model")."""
    return [dict(e) for e in _REGISTRY if kind is None or e["kind"] == kind]


def optimizers() -> list[dict]:
    """Every optimizer, transform and schedule a spec can name: dicts with name, kind,
    summary, reference and parameters (name, type, default, constraint, doc)."""
    return [dict(e) for e in _REGISTRY if e["kind"] in _TRANSFORM_KINDS]


def estimators() -> list[dict]:
    """Every gradient estimator train(estimator=...) accepts: dicts with name, kind,
    summary, reference and parameters, as optimizers() has."""
    return registry("estimator")


def chain(*transforms: Transform) -> Transform:
    """The update of the first transform, fed to the second, and so on (optax's chain).

    ``descent.chain(descent.clip_by_global_norm(1.0), descent.adam(lr=1e-3))`` clips the
    gradient, then lets Adam turn it into an update. Nested chains are flattened. The whole
    chain runs in one or two passes over memory, tile by tile.
    """
    for i, t in enumerate(transforms):
        if not isinstance(t, Transform):
            raise TypeError(f"chain: argument {i + 1} is a {type(t).__name__}, expected a descent.Transform "
                            "(made by descent.adam(...), descent.parse(...), ...)")
    return _core.chain(list(transforms))


class group:
    """One rule of :func:`partition`: the blocks whose name matches the glob ``match`` ('*' any
    run of characters, '?' one) and, when given, whose number of dimensions is ``ndim`` are
    updated by ``transform``. ``descent.group(descent.adam(lr=1e-3), match="*.bias")``,
    ``descent.group(descent.sgd(lr=0.1), ndim=2)``. Spec form: ``group('*.bias', adam(...))``.
    """

    __slots__ = ("transform", "match", "ndim")

    def __init__(self, transform: Transform, match: str = "*", ndim: int | None = None):
        if not isinstance(transform, Transform):
            raise TypeError(f"group: transform is a {type(transform).__name__}, expected a descent.Transform")
        if not isinstance(match, str):
            raise TypeError(f"group: match must be a str (a glob such as '*.bias'), got {type(match).__name__}")
        if ndim is not None and (isinstance(ndim, bool) or not isinstance(ndim, numbers.Integral) or ndim < 0):
            raise ValueError(f"group: ndim must be a non-negative integer or None, got {ndim!r}")
        self.transform, self.match, self.ndim = transform, match, ndim

    def spec(self) -> str:
        quote = '"' if "'" in self.match else "'"
        ndim = -1 if self.ndim is None else int(self.ndim)
        return f"group(match={quote}{self.match}{quote}, ndim={ndim}, transform={self.transform.spec})"

    def __repr__(self) -> str:
        return f"descent.group({self.transform!r}, match={self.match!r}, ndim={self.ndim!r})"


def partition(*groups: group, default: Transform | None = None) -> Transform:
    """A transform per group of parameter blocks, as optax's multi_transform or torch's
    parameter groups: each block goes to the first :class:`group` that matches it, else to
    ``default`` (an error at init when there is none)::

        descent.partition(descent.group(descent.adam(lr=1e-3), match="*.bias"),
                          descent.group(descent.muon(lr=0.02), ndim=2),
                          default=descent.adamw(lr=1e-3))

    The blocks of the built-in models are named "layer0.weight", "layer0.bias", ... (an MLP)
    or "weight", "bias"; a lone NumPy array is one block "x" with the array's shape.
    """
    parts = []
    for i, g in enumerate(groups):
        if not isinstance(g, group):
            raise TypeError(f"partition: argument {i + 1} is a {type(g).__name__}, expected a descent.group")
        parts.append(g.spec())
    if default is not None:
        if not isinstance(default, Transform):
            raise TypeError(f"partition: default is a {type(default).__name__}, expected a descent.Transform")
        parts.append(f"default={default.spec}")
    return parse(f"partition({', '.join(parts)})")


# --------------------------------------------------------------------------- minimize


class OptimizeResult(dict):
    """The result of descent.minimize, as scipy.optimize.OptimizeResult: a dict whose keys
    are also attributes.

    x, fun, jac   the final point, f and grad f there
    nit           updates applied;  nfev, njev: calls of fun (and of jac)
    success       True when a convergence test passed (gtol or ftol)
    status        0 converged, 1 maxiter reached, 2 time limit, 3 non-finite value met
                  (x is then the last finite point), 99 stopped by the callback
    message       why it stopped;  termination: the same as a word
    method        canonical spec of the optimizer used
    """

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    __setattr__ = dict.__setitem__
    __delattr__ = dict.__delitem__

    def __repr__(self) -> str:
        width = max(map(len, self.keys()), default=0)
        return "\n".join(f"{k.rjust(width)}: {v!r}" for k, v in self.items())

    def __dir__(self):
        return list(self.keys())


_STATUS = {"converged": 0, "max_steps": 1, "time_limit": 2, "non_finite": 3, "user_stop": 99,
           "no_progress": 4}
_MINIMIZE_OPTIONS = {"maxiter": 1000, "gtol": 1e-5, "ftol": 0.0, "patience": 1}


def _as_transform(value, argument: str) -> Transform:
    if isinstance(value, Transform):
        return value
    if isinstance(value, str):
        return parse(value)
    raise TypeError(f"{argument}: expected a descent.Transform or a spec string such as 'adam(lr=1e-3)', "
                    f"got {type(value).__name__}")


def _minimize_options(options) -> dict:
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise TypeError(f"options: expected a dict, got {type(options).__name__}")
    for key in options:
        if key not in _MINIMIZE_OPTIONS:
            raise ValueError(f"options: unknown option {key!r} (known: {', '.join(_MINIMIZE_OPTIONS)})")
    merged = {**_MINIMIZE_OPTIONS, **options}
    for key in ("maxiter", "patience"):
        value = merged[key]
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"options['{key}'] must be an integer, got {type(value).__name__}")
    for key in ("gtol", "ftol"):
        value = merged[key]
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"options['{key}'] must be a number, got {type(value).__name__}")
        if not (value >= 0 and math.isfinite(value)):
            raise ValueError(f"options['{key}'] = {value} violates 0 <= {key} < inf")
    if merged["maxiter"] < 0:
        raise ValueError(f"options['maxiter'] = {merged['maxiter']} violates maxiter >= 0")
    if merged["patience"] < 1:
        raise ValueError(f"options['patience'] = {merged['patience']} violates patience >= 1")
    return merged


# scipy's method names for the solvers that implement them.
_SCIPY_METHODS = {"l-bfgs-b": "lbfgsb", "cg": "nonlinear_cg", "trust-ncg": "tron"}


def _solver_method(method):
    """The solver spec `method` names (a spec of a registry solver, or a scipy method name), else None."""
    if not isinstance(method, str):
        return None
    text = method.strip()
    if text.lower() in _SCIPY_METHODS:
        return _SCIPY_METHODS[text.lower()]
    name = text.split("(", 1)[0].strip()
    return text if any(e["name"] == name for e in registry("solver")) else None


def _with_argument(spec: str, key: str, value) -> str:
    """`spec` with key=value added to its arguments (the library refuses a key given twice)."""
    spec = spec.strip()
    if not spec.endswith(")"):
        return f"{spec}({key}={value!r})"
    inside = spec[spec.index("(") + 1:-1].strip()
    return f"{spec[:-1]}{', ' if inside else ''}{key}={value!r})"


def _bounds_arrays(bounds, n: int):
    """(lower, upper) float arrays from scipy-style bounds, or None."""
    if bounds is None:
        return None
    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):  # scipy.optimize.Bounds
        lower = np.broadcast_to(np.asarray(bounds.lb, dtype=np.float64), (n,)).copy()
        upper = np.broadcast_to(np.asarray(bounds.ub, dtype=np.float64), (n,)).copy()
        return lower, upper
    pairs = list(bounds)
    if len(pairs) != n:
        raise ValueError(f"bounds: {len(pairs)} pairs for {n} variables")
    lower, upper = np.empty(n), np.empty(n)
    for i, pair in enumerate(pairs):
        try:
            lo, hi = pair
        except (TypeError, ValueError):
            raise ValueError(f"bounds[{i}]: expected a (min, max) pair, got {pair!r}") from None
        lower[i] = -np.inf if lo is None else float(lo)
        upper[i] = np.inf if hi is None else float(hi)
    return lower, upper


def _minimize_with_solver(fun, jac, args, x, solver: str, options, callback, bounds=None,
                          hessp=None) -> OptimizeResult:
    """descent.minimize with a solver of its own loop: options maxiter, and gtol / ftol where the solver
    has them (they then override the spec's defaults)."""
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise TypeError(f"options: expected a dict, got {type(options).__name__}")
    name = solver.split("(", 1)[0].strip()
    fields = {p["name"] for e in registry("solver") if e["name"] == name for p in e["parameters"]}
    for key in options:
        if key != "maxiter" and key not in fields:
            raise ValueError(f"options: {key!r} does not apply to the solver '{name}' "
                             f"(its options: maxiter{''.join(', ' + f for f in sorted(fields))})")
    maxiter = options.get("maxiter", _MINIMIZE_OPTIONS["maxiter"])
    if isinstance(maxiter, bool) or not isinstance(maxiter, numbers.Integral) or maxiter < 0:
        raise ValueError(f"options['maxiter'] = {maxiter!r} violates maxiter >= 0 (an integer)")
    for key, value in options.items():
        if key != "maxiter":
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"options['{key}'] must be a number, got {type(value).__name__}")
            solver = _with_argument(solver, key, float(value))
    lower, upper = bounds if bounds is not None else (np.empty(0), np.empty(0))
    out = _core.minimize_solver(fun, jac, args, x, solver, int(maxiter), _callback_reporter(callback), lower, upper,
                                hessp)
    termination = out["termination"]
    return OptimizeResult(x=out["x"], fun=out["fun"], jac=out["jac"], nit=out["nit"], nfev=out["nfev"],
                          njev=out["nfev"], success=termination == "converged", status=_STATUS[termination],
                          message=out["message"], termination=termination, method=out["method"])


def _callback_reporter(callback):
    """The (x, f) -> stop? function the loop calls, from a scipy-style callback."""
    if callback is None:
        return None
    if not callable(callback):
        raise TypeError(f"callback: expected a callable, got {type(callback).__name__}")
    try:
        new_style = list(inspect.signature(callback).parameters) == ["intermediate_result"]
    except (TypeError, ValueError):  # builtins without a signature
        new_style = False

    def report(x, f):
        try:
            if new_style:
                return bool(callback(OptimizeResult(x=x, fun=f)))
            return bool(callback(x))
        except StopIteration:
            return True

    return report


def hessian_spectrum(fun, x, args=(), jac=None, hessp=None, steps: int = 30, seed: int = 0) -> dict:
    """Extreme eigenvalues of the Hessian of ``fun`` at ``x`` by Lanczos with full
    reorthogonalization, and the step sizes they suggest.

    ``fun``, ``jac`` and ``hessp`` are as in :func:`minimize` (scipy's conventions: with ``jac``
    None, ``fun`` returns ``(value, gradient)``); without ``hessp`` the Hessian-vector products
    are central differences of gradients (two gradient calls each). Returns a dict:

    ritz_values, residuals  ascending Ritz values; some eigenvalue of the Hessian lies within
                            its residual of each (all exact when ``invariant``)
    products, gradient_calls, exact, invariant
    gradient_descent        {lr, momentum (0), contraction}: lr = 2/(lambda_max + lambda_min)
    heavy_ball              {lr, momentum, contraction}: Polyak's optimal pair
                            (both only when the largest Ritz value is positive; with no
                            positive lambda_min, lr = 1/lambda_max and no momentum)
    """
    _check_integers(steps=steps, seed=seed)
    if steps < 1:
        raise ValueError(f"hessian_spectrum: steps = {steps} violates steps >= 1")
    x = np.ascontiguousarray(x, dtype=np.float64)
    return _core.hessian_spectrum(fun, jac, tuple(args), x, hessp, int(steps), int(seed))


def minimize(fun, x0, args=(), jac=None, method="adam", options=None, callback=None, bounds=None,
             hessp=None) -> OptimizeResult:
    """Minimizes fun from x0 with a method of descent, as scipy.optimize.minimize.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args)``: with ``jac=True`` it returns ``(value, gradient)``; with a callable
        ``jac`` it returns the value and ``jac(x, *args)`` the gradient. x is a fresh 1-D
        float64 array at every call.
    x0 : array_like, shape (n,)
        Starting point (copied; the array passed is not modified).
    args : tuple
        Extra arguments for fun and jac.
    jac : True or callable
        descent's methods are first-order: the gradient is required (there is no
        finite-difference fallback).
    method : str or descent.Transform, default "adam"
        Any optimizer or chain: ``"sgd(lr=1e-3, momentum=0.9)"``, ``descent.adam(lr=1e-2)``;
        or a solver with a loop of its own: ``"lbfgs"``, ``"lbfgsb(memory=20)"``, or scipy's
        name ``"L-BFGS-B"`` (``descent.registry("solver")`` lists them).
    options : dict
        For optimizers: maxiter (default 1000): updates at most; gtol (default 1e-5): stop when
        the Euclidean norm of the gradient is <= gtol (scipy's BFGS uses the max-norm); ftol
        (default 0, off): stop when |f_prev - f| <= ftol * max(|f_prev|, |f|) for `patience`
        consecutive steps (default 1). For solvers: maxiter, and any of the solver's own
        options (lbfgs and lbfgsb: gtol on the max-norm of the (projected) gradient and ftol
        on the relative decrease, as scipy's L-BFGS-B; memory, ...), which override the spec.
    bounds : sequence of (min, max) pairs, or scipy.optimize.Bounds, optional
        Box constraints for solvers that take them (lbfgsb); None for an unbounded side.
    hessp : callable, optional
        ``hessp(x, p, *args)`` returns the Hessian at x times p, for solvers that use Hessian-vector
        products (tron, scipy's "trust-ncg").
    callback : callable
        Called after each update, with x_k (or, if its only parameter is named
        ``intermediate_result``, an OptimizeResult with x and fun). Returning True or raising
        StopIteration stops the run (status 99).

    Returns
    -------
    OptimizeResult with x, fun, jac, nit, nfev, njev, success, status, message.

    The loop runs in C++ with the GIL released; it takes the GIL for each call of fun, jac
    and callback. An exception raised there (KeyboardInterrupt from Ctrl-C included) ends
    the run and propagates.
    """
    if not callable(fun):
        raise TypeError(f"fun: expected a callable, got {type(fun).__name__}")
    if jac is True:
        jac_function = None
    elif callable(jac):
        jac_function = jac
    else:
        raise ValueError("jac: descent's methods are first-order and need the gradient: pass jac=True "
                         "(fun returns (value, gradient)) or jac=<function returning the gradient>")
    if not isinstance(args, tuple):
        args = (args,)
    try:
        x = np.atleast_1d(np.array(x0, dtype=np.float64))
    except (TypeError, ValueError) as e:
        raise TypeError(f"x0: cannot be read as an array of real numbers ({e})") from None
    if x.ndim != 1:
        raise ValueError(f"x0: expected a 1-D array, got shape {x.shape}")
    solver = _solver_method(method)
    if solver is not None:
        if hessp is not None and not callable(hessp):
            raise TypeError(f"hessp: expected a callable, got {type(hessp).__name__}")
        return _minimize_with_solver(fun, jac_function, args, x, solver, options, callback,
                                     _bounds_arrays(bounds, x.size), hessp)
    if hessp is not None:
        raise ValueError(f"hessp: the optimizer {method!r} uses no Hessian; use method='tron'")
    if bounds is not None:
        raise ValueError(f"bounds: the optimizer {method!r} takes no bounds; use method='lbfgsb'")
    transform = _as_transform(method, "method")
    opts = _minimize_options(options)
    out = _core.minimize(fun, jac_function, args, x, transform, int(opts["maxiter"]), float(opts["gtol"]),
                         float(opts["ftol"]), int(opts["patience"]), _callback_reporter(callback))
    termination = out["termination"]
    return OptimizeResult(x=out["x"], fun=out["fun"], jac=out["jac"], nit=out["nit"], nfev=out["nfev"],
                          njev=out["nfev"], success=termination == "converged", status=_STATUS[termination],
                          message=out["message"], termination=termination, method=transform.spec)


# --------------------------------------------------------------------------- models and train


class _Model:
    _kind = ""  # the registry's name of the model (descent.registry("model"))

    def _options(self) -> dict:
        """The ModelSpec options this model sets, by the registry's parameter names."""
        return dict(vars(self))

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"descent.{type(self).__name__}({fields})"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)


def _real(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where} must be a number, got {type(value).__name__}")
    return float(value)


def _count(value, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where} must be an integer, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{where} = {value} violates {where.split('.')[-1]} >= 0")
    return int(value)


class _LinearModel(_Model):
    """The options the two single-output linear models share (the library's LinearModelOptions)."""

    def __init__(self, l2: float = 0.0, bias: bool = True):
        self.l2 = _real(l2, f"{type(self).__name__}.l2")
        self.bias = bool(bias)


class LeastSquares(_LinearModel):
    """Linear least squares (ridge when l2 > 0): f_i = 1/2 (a_i . w + b - y_i)^2 + l2/2 |w|^2.
    Parameters: "weight" (d,), then "bias" () when bias."""
    _kind = "least_squares"


class LogisticRegression(_LinearModel):
    """Binary logistic regression; labels 1 positive, 0 or -1 negative.
    Parameters: "weight" (d,), then "bias" () when bias."""
    _kind = "logistic"


class SoftmaxRegression(_Model):
    """Multinomial logistic regression over K classes (labels 0..K-1); num_classes=0 takes K
    from the labels. Parameters: "weight" (K, d), then "bias" (K,) when bias."""
    _kind = "softmax"

    def __init__(self, num_classes: int = 0, l2: float = 0.0, bias: bool = True):
        self.num_classes = _count(num_classes, "SoftmaxRegression.num_classes")
        self.l2 = _real(l2, "SoftmaxRegression.l2")
        self.bias = bool(bias)


class Mlp(_Model):
    """A multilayer perceptron classifier with softmax cross-entropy (labels 0..K-1).
    hidden: widths of the hidden layers; activation: "relu", "tanh" or "gelu". Parameters
    "layer0.weight" (h0, d), "layer0.bias" (h0,), ... as PyTorch's nn.Sequential state_dict.
    Initialized from init_seed (He for relu, Glorot otherwise) unless initial_params is given."""
    _kind = "mlp"

    def __init__(self, hidden=(128,), activation: str = "relu", num_classes: int = 0, l2: float = 0.0):
        if isinstance(hidden, numbers.Integral):
            hidden = (hidden,)
        self.hidden = [_count(h, "Mlp.hidden") for h in hidden]
        if not isinstance(activation, str):
            raise TypeError(f"Mlp.activation must be a str, got {type(activation).__name__}")
        self.activation = activation
        self.num_classes = _count(num_classes, "Mlp.num_classes")
        self.l2 = _real(l2, "Mlp.l2")


class Model(_Model):
    """Any model of the registry by its name and options, e.g. ``descent.Model("mlp", hidden=[64])``:
    the classes above are the same for the built-in kinds; a model registered in C++ is
    reachable through this one without Python code of its own. The options are those
    ``descent.registry("model")`` lists for the kind (init_seed is train()'s argument)."""

    def __init__(self, kind: str, **options):
        if not isinstance(kind, str):
            raise TypeError(f"Model: kind must be a str, got {type(kind).__name__}")
        known = _model_kinds()
        if kind not in known:
            raise ValueError(f"model: unknown model {kind!r} (known: {', '.join(known)})")
        allowed = [p["name"] for p in _registry_entry(kind, "model")["parameters"] if p["name"] != "init_seed"]
        for key in options:
            if key not in allowed:
                raise TypeError(f"Model: '{kind}' has no option {key!r} (options: {', '.join(allowed)})")
        self.kind = kind
        self.options = dict(options)

    def _options(self) -> dict:
        return dict(self.options)

    @property
    def _kind(self) -> str:  # noqa: D401 - the registry's name, as the classes' _kind
        return self.kind


_MODELS = {"least_squares": LeastSquares, "logistic": LogisticRegression, "softmax": SoftmaxRegression, "mlp": Mlp}


def _registry_entry(name: str, kind: str) -> dict:
    return next(e for e in _REGISTRY if e["name"] == name and e["kind"] == kind)


def _model_kinds() -> list[str]:
    """The registry's models, the classes' order first."""
    registered = [e["name"] for e in _REGISTRY if e["kind"] == "model"]
    return [k for k in _MODELS if k in registered] + [k for k in registered if k not in _MODELS]


class TrainResult:
    """What descent.train returns.

    params       the trained parameters, one flat array (dtype of X)
    blocks       dict name -> view of params with the block's shape ("weight", "layer0.bias")
    history      dict of lists, one entry per epoch (pandas.DataFrame(result.history)):
                 epoch, step, train_loss, test_loss, test_accuracy (NaN without validation),
                 epoch_seconds, elapsed_seconds, samples_per_second, data_passes (per-sample
                 gradients so far / n), objective (f over all samples with full_objective, else NaN)
    termination  "max_steps" when every epoch ran; message, steps, final_loss
    model        the descent.TrainedModel (None when the run diverged); predict(X),
                 predict_proba(X), evaluate(X, y) and save(path) delegate to it
    privacy_ledger  a private run's (estimator "dp_sgd(...)") noisy steps: dict noise_multiplier,
                 sampling_rate, steps; None for other estimators. privacy_epsilon(delta) turns it
                 into the run's epsilon.
    consensus_error  distributed="dsgd(...)": (1/P) sum_i |x_i - xbar|^2 over the ranks' final
                 parameters (params is xbar); None otherwise.
    """

    def __init__(self, out: dict):
        self.model = TrainedModel(out["model"]) if out["model"] is not None else None
        self.params = out["params"]
        self.blocks = {name: self.params[offset:offset + math.prod(shape)].reshape(shape)
                       for name, offset, shape in out["blocks"]}
        self.history = out["history"]
        self.termination = out["termination"]
        self.message = out["message"]
        self.steps = out["steps"]
        self.final_loss = out["final_loss"]
        self.privacy_ledger = out["privacy_ledger"]
        self.consensus_error = out.get("consensus_error")

    def privacy_epsilon(self, delta: float = 1e-5, accountant: str = "rdp") -> float:
        """The epsilon a private run (estimator "dp_sgd(...)") has spent at delta, by the "rdp" or
        "pld" accountant; MismatchError for a run without a private estimator."""
        if self.privacy_ledger is None:
            raise MismatchError("the run used no private estimator (dp_sgd): it has no privacy ledger")
        spent = self.privacy_ledger
        return privacy_epsilon(spent["noise_multiplier"], spent["sampling_rate"], spent["steps"], delta,
                               accountant=accountant)

    def _kept(self) -> TrainedModel:
        if self.model is None:
            raise MismatchError(f"the run ended with {self.termination} ({self.message}): it kept no model")
        return self.model

    def predict(self, X) -> np.ndarray:
        """TrainedModel.predict: fitted values, labels (logistic) or class indices."""
        return self._kept().predict(X)

    def predict_proba(self, X) -> np.ndarray:
        """TrainedModel.predict_proba: (n, classes) probabilities of a classifier."""
        return self._kept().predict_proba(X)

    def evaluate(self, X, y) -> dict:
        """TrainedModel.evaluate: loss, accuracy, rmse, confusion matrix, per-class accuracy."""
        return self._kept().evaluate(X, y)

    def save(self, path) -> None:
        """TrainedModel.save: the .npz model file, read back by descent.load."""
        self._kept().save(path)

    def __repr__(self) -> str:
        return (f"<descent.TrainResult {len(self.history['epoch'])} epochs, {self.steps} steps, "
                f"final_loss={self.final_loss:.6g}, blocks={list(self.blocks)}>")


def _features(X):
    """X as _core.train takes it: an ndarray as is; a scipy.sparse matrix or array as the CSR
    tuple (data, indices, indptr, rows, cols), canonical (sorted, no duplicates) without
    modifying the caller's matrix."""
    if hasattr(X, "tocsr") and hasattr(X, "nnz"):
        csr = X.tocsr()
        if not csr.has_canonical_format:
            csr = csr.copy()
            csr.sum_duplicates()
        return (csr.data, csr.indices, csr.indptr, csr.shape[0], csr.shape[1])
    return X


def clip_norm_guide(X, model: str = "logistic", *, bias: bool = True, grid: int = 5) -> dict:
    """Where to tune DP-SGD's clip norm for logistic or softmax regression on features X
    (an ndarray or scipy.sparse matrix): Das, Kale, Xu, Zhang & Sanghavi (ICML 2023) recommend
    clip norms only up to the smallest per-sample Lipschitz constant min_i L_i, with L_i =
    ||(x_i, 1)|| for logistic and sqrt(2) ||(x_i, 1)|| for softmax regression (without the 1
    when bias=False). Returns a dict: min_lipschitz (the top of the range), median_lipschitz,
    max_lipschitz, samples (rows with L_i > 0), zero_rows and candidates (grid clip norms
    min_lipschitz / 2**(grid-1), ..., min_lipschitz). ConfigError for another model."""
    _check_integers(grid=grid)
    if grid < 1:
        raise ValueError(f"grid: {grid} violates grid >= 1")
    return _core.clip_norm_guide(_features(X), str(model), bool(bias), int(grid))


def _resolve_model(model):
    """A model object from a model or its name, or TypeError/ValueError naming the argument."""
    if isinstance(model, str):
        known = _model_kinds()
        if model not in known:
            raise ValueError(f"model: unknown model {model!r} (known: {', '.join(known)})")
        model = _MODELS[model]() if model in _MODELS else Model(model)
    if not isinstance(model, _Model):
        raise TypeError(f"model: expected descent.LeastSquares, LogisticRegression, SoftmaxRegression, Mlp or Model, "
                        f"got {type(model).__name__}")
    return model


def _check_integers(**values):
    """Each value an integer (not a bool); seeds (names ending in 'seed') in [0, 2**64)."""
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name}: must be an integer, got {type(value).__name__}")
        if name.endswith("seed") and not 0 <= value < 2**64:
            raise ValueError(f"{name}: {value} is outside 0 <= {name} < 2**64")


def train(model, X, y, optimizer="adam", epochs: int = 10, batch_size: int = 128, seed: int = 0, *,
          sampling: str = "shuffle", estimator: str | None = None, full_objective: bool = False,
          average: str | None = None, stationarity_stop: str | None = None, callbacks=(), init_seed: int = 0,
          initial_params=None, validation=None, distributed: str | None = None, comm=None,
          distributed_timeout: float = 60.0) -> TrainResult:
    """Trains a built-in model on (X, y) entirely in C++ and returns a TrainResult.

    Parameters
    ----------
    model : LeastSquares, LogisticRegression, SoftmaxRegression, Mlp, Model, or the name of a
        registry model ("least_squares", "logistic", "softmax", "mlp"; default options).
    X : numpy.ndarray or scipy.sparse matrix, float32 or float64, shape (n, d)
        Features; its dtype is the precision of the run. Copied once into the model's
        storage (never modified). Sparse features are kept sparse (CSR).
    y : array_like, shape (n,)
        Targets (least squares) or labels.
    optimizer : str or Transform, default "adam"
    epochs, batch_size : int
    seed : int
        The sampling stream (shuffles); the same seed gives the same run, bit for bit.
    sampling : "shuffle" (default), "replacement" or "poisson"
    estimator : str, optional
        A gradient-estimator spec, as for the CLI's --estimator: "svrg", "lsvrg(batch_size=8)",
        "saga", "minibatch(64)", "full_gradient" (``descent.estimators()`` lists them). Default:
        minibatches of batch_size drawn by `sampling`. An epoch stays n / batch_size updates.
    full_objective : bool
        Evaluate f(x) over all samples after each epoch (history["objective"]); the pass is not
        counted in history["data_passes"].
    average : str, optional
        Return an average of the iterates instead of the last one: "polyak(start_step=N)",
        "tail(tail_fraction=F)" or "exponential(decay=D)" (docs/averaging.md).
    stationarity_stop : str, optional
        "stationarity(...)": stop once the iterates are stationary and their average is
        precise (Dhaka et al. 2020); the run returns that average.
    callbacks : sequence of str
        Further callback specs, called in order after `average` and `stationarity_stop`: any
        entry of ``descent.registry("averaging")`` or ``descent.registry("stopping")``.
    init_seed : int
        The MLP's initialization stream (linear models start at zero).
    initial_params : numpy.ndarray, optional
        Starting parameters (same dtype as X, model's size); copied, not modified.
    validation : (X_val, y_val), optional
        Held-out data evaluated after each epoch (test_loss, test_accuracy).
    distributed : str, optional
        Train on several processes (docs/distributed.md): "data_parallel(shards=8)" (every rank
        gets the same parameters, bitwise those of one process) or "dsgd(graph=ring)"
        (decentralized SGD on each rank's contiguous shard of the rows; the result is the
        ranks' average, and ``result.consensus_error`` says how far apart they were). Start
        the script with ``mpirun -np P python3 script.py``; every rank calls train with the
        same arguments and gets the result. Needs descent built with MPI for P > 1.
    comm : mpi4py.MPI.Comm, optional
        The group to train in (default: every rank mpirun started), e.g. a split of
        ``MPI.COMM_WORLD``.
    distributed_timeout : float
        Seconds a rank waits for a peer before giving up with an error that names it.

    Ctrl-C stops the run cleanly within about 20 ms and raises KeyboardInterrupt.
    """
    model = _resolve_model(model)
    transform = _as_transform(optimizer, "optimizer")
    for name, value in (("estimator", estimator), ("average", average), ("stationarity_stop", stationarity_stop)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name}: expected a spec string, got {type(value).__name__}")
    if isinstance(callbacks, str) or not all(isinstance(c, str) for c in callbacks):
        raise TypeError("callbacks: expected a sequence of spec strings")
    _check_integers(epochs=epochs, batch_size=batch_size, seed=seed, init_seed=init_seed)
    if batch_size < 1:
        raise ValueError(f"batch_size: {batch_size} violates batch_size >= 1")
    if epochs < 1:
        raise ValueError(f"epochs: {epochs} violates epochs >= 1")
    X_val = y_val = None
    if validation is not None:
        if not (isinstance(validation, tuple) and len(validation) == 2):
            raise TypeError("validation: expected a tuple (X_val, y_val)")
        X_val, y_val = validation
        X_val = _features(X_val)
    if distributed is not None and not isinstance(distributed, str):
        raise TypeError(f"distributed: expected a spec string, got {type(distributed).__name__}")
    comm_handle = -1
    if comm is not None:
        if distributed is None:
            raise ValueError("comm: give distributed= too (which method runs on that communicator)")
        comm_handle = int(comm.py2f())
    out = _core.train(model._kind, model._options(), _features(X), y, transform, int(epochs), int(batch_size),
                      int(seed), int(init_seed), sampling, estimator or "", bool(full_objective), average or "",
                      stationarity_stop or "", list(callbacks), initial_params, X_val, y_val,
                      distributed or "", float(distributed_timeout), comm_handle)
    return TrainResult(out)


def solve(model, X, y, solver: str, steps: int = 1000, seed: int = 0, *, init_seed: int = 0) -> dict:
    """Runs a solver with a loop of its own on a built-in model, entirely in C++.

    solver : str
        A solver spec (``descent.registry("solver")``): "lbfgs", "lbfgsb", "nonlinear_cg", "tron"
        (Newton-CG on the model's Hessian-vector products), "bcd(rule=...)" (least squares and
        logistic regression), "lkatyusha(smoothness=L, strong_convexity=mu)" (L-Katyusha, Kovalev
        et al. 2020; adaptive_sampling=true for Zhao, Lyu & Kolar's sampling); docs/algorithms.md.
    steps, seed : int
        Iterations, and the stream of the solvers that sample (batches, coins).

    Returns a dict: params, solver (the canonical spec), termination, message, steps, final_loss,
    sample_gradients, data_passes. Ctrl-C stops it and raises KeyboardInterrupt.
    """
    model = _resolve_model(model)
    if not isinstance(solver, str):
        raise TypeError(f"solver: expected a spec string, got {type(solver).__name__}")
    _check_integers(steps=steps, seed=seed, init_seed=init_seed)
    if steps < 0:
        raise ValueError(f"steps: {steps} violates steps >= 0")
    return _core.solve(model._kind, model._options(), _features(X), y, solver, int(steps), int(seed), int(init_seed))
