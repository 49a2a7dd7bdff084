# descent.minimize: scipy.optimize.minimize conventions, Rosenbrock against scipy, callbacks,
# error paths, Python exceptions (KeyboardInterrupt included) propagating out of the loop.
import numpy as np
import pytest
import scipy.optimize

import descent

rosen, rosen_der = scipy.optimize.rosen, scipy.optimize.rosen_der
scipy_minimize = scipy.optimize.minimize


def rosen_and_grad(x):
    return scipy.optimize.rosen(x), scipy.optimize.rosen_der(x)


def test_rosenbrock_reaches_the_minimum_as_scipy_does():
    x0 = np.array([-1.2, 1.0])
    gtol = 1e-6
    ours = descent.minimize(rosen_and_grad, x0, jac=True, method="adam(lr=0.05)",
                            options={"maxiter": 20000, "gtol": gtol})
    theirs = scipy.optimize.minimize(scipy.optimize.rosen, x0, jac=scipy.optimize.rosen_der, method="BFGS",
                                     options={"gtol": gtol})
    assert ours.success and ours.status == 0 and theirs.success
    # Near x* = (1, 1) the Hessian [[802, -400], [-400, 200]] has smallest eigenvalue 0.3994, so
    # |g| <= gtol puts x within gtol / 0.3994 = 2.6e-6 of x* (to first order); 1e-5 leaves room
    # for the second-order term.
    np.testing.assert_allclose(ours.x, [1.0, 1.0], atol=1e-5)
    np.testing.assert_allclose(theirs.x, [1.0, 1.0], atol=1e-5)
    assert np.linalg.norm(ours.jac) <= gtol
    # f(x) <= |g|^2 / (2 * 0.3994) near the minimum.
    assert ours.fun <= gtol**2 / (2 * 0.3994) * 1.01
    np.testing.assert_array_equal(x0, [-1.2, 1.0])  # x0 is not modified
    assert ours.nfev == ours.njev == ours.nit + 1
    assert ours.method == descent.adam(lr=0.05).spec


def test_gradient_descent_on_a_quadratic_is_exact():
    # f = |x|^2 / 2, grad = x; sgd with lr = 1/2 halves x each step: exact in binary.
    result = descent.minimize(lambda x: (0.5 * x @ x, x.copy()), [8.0, -4.0, 2.0], jac=True,
                              method=descent.sgd(lr=0.5), options={"maxiter": 3, "gtol": 0})
    np.testing.assert_array_equal(result.x, [1.0, -0.5, 0.25])
    np.testing.assert_array_equal(result.jac, [1.0, -0.5, 0.25])
    assert result.fun == 0.5 * (1 + 0.25 + 0.0625)
    assert (result.nit, result.nfev, result.success, result.status) == (3, 4, False, 1)
    assert result.termination == "max_steps" and result.message == "reached max_steps = 3"


def test_separate_jac_and_args():
    def f(x, c):
        return float(np.sum((x - c) ** 2))

    def g(x, c):
        return 2 * (x - c)

    result = descent.minimize(f, np.zeros(2), args=(np.array([1.0, 2.0]),), jac=g, method="sgd(lr=0.25)",
                              options={"maxiter": 100, "gtol": 1e-12})
    # lr = 1/4 on grad 2(x - c): x - c = -c 2^-k after k steps, exactly, so
    # |grad| = 2^(1-k) |c| = 2^(1-k) sqrt(5) is <= 1e-12 first at k = 43.
    np.testing.assert_allclose(result.x, [1.0, 2.0], atol=1e-12)
    assert result.success and result.nit == 43


def test_callback_sees_every_iterate_and_can_stop():
    seen = []
    descent.minimize(lambda x: (0.5 * x @ x, x.copy()), [1.0], jac=True, method="sgd(lr=0.5)",
                     options={"maxiter": 4, "gtol": 0}, callback=lambda xk: seen.append(xk.copy()))
    np.testing.assert_array_equal(np.concatenate(seen), [0.5, 0.25, 0.125, 0.0625])

    values = []

    def new_style(intermediate_result):
        values.append(intermediate_result.fun)
        if len(values) == 2:
            raise StopIteration

    result = descent.minimize(lambda x: (0.5 * x @ x, x.copy()), [1.0], jac=True, method="sgd(lr=0.5)",
                              options={"maxiter": 10, "gtol": 0}, callback=new_style)
    assert values == [0.125, 0.03125]
    assert (result.status, result.success, result.nit, result.message) == (99, False, 2, "stopped by the callback")
    result = descent.minimize(lambda x: (0.5 * x @ x, x.copy()), [1.0], jac=True, method="sgd(lr=0.5)",
                              options={"maxiter": 10, "gtol": 0}, callback=lambda xk: True)
    assert result.nit == 1 and result.status == 99


def test_exceptions_in_fun_propagate():
    calls = []

    def fun(x):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt  # what Ctrl-C raises while Python runs fun
        return float(x @ x), 2 * x

    with pytest.raises(KeyboardInterrupt):
        descent.minimize(fun, [1.0, 2.0], jac=True, method="sgd", options={"maxiter": 100})
    assert len(calls) == 5

    def bad(x):
        raise RuntimeError("model blew up")

    with pytest.raises(RuntimeError, match="model blew up"):
        descent.minimize(bad, [1.0], jac=True)


def test_non_finite_values_stop_with_status_3():
    result = descent.minimize(lambda x: (float("nan"), x.copy()), [1.0], jac=True, options={"maxiter": 5})
    assert result.status == 3 and not result.success and result.nit == 0


def test_error_paths():
    quad = lambda x: (float(x @ x), 2 * x)  # noqa: E731
    with pytest.raises(ValueError, match=r"^jac: descent's methods are first-order and need the gradient"):
        descent.minimize(lambda x: float(x @ x), [1.0])
    with pytest.raises(ValueError, match=r"^x0: expected a 1-D array, got shape \(2, 2\)"):
        descent.minimize(quad, np.zeros((2, 2)), jac=True)
    with pytest.raises(TypeError, match=r"^x0: cannot be read as an array of real numbers"):
        descent.minimize(quad, ["a"], jac=True)
    with pytest.raises(ValueError, match=r"^options: unknown option 'disp' \(known: maxiter, gtol, ftol, patience\)"):
        descent.minimize(quad, [1.0], jac=True, options={"disp": True})
    with pytest.raises(ValueError, match=r"^options\['gtol'\] = -1 violates 0 <= gtol < inf"):
        descent.minimize(quad, [1.0], jac=True, options={"gtol": -1})
    with pytest.raises(ValueError, match=r"^options\['maxiter'\] = -1 violates maxiter >= 0"):
        descent.minimize(quad, [1.0], jac=True, options={"maxiter": -1})
    with pytest.raises(TypeError, match=r"^options\['maxiter'\] must be an integer, got float"):
        descent.minimize(quad, [1.0], jac=True, options={"maxiter": 1.5})
    with pytest.raises(TypeError, match=r"^method: expected a descent.Transform or a spec string"):
        descent.minimize(quad, [1.0], jac=True, method=3)
    with pytest.raises(descent.ConfigError, match=r"^SgdOptions::lr = -1 violates lr > 0"):
        descent.minimize(quad, [1.0], jac=True, method="sgd(lr=-1)")
    with pytest.raises(ValueError, match=r"^fun: the gradient has shape \(3,\), expected \(2,\)"):
        descent.minimize(lambda x: (1.0, np.zeros(3)), [1.0, 2.0], jac=True)
    with pytest.raises(TypeError, match=r"^fun: with jac=True, fun must return a tuple \(value, gradient\), got float"):
        descent.minimize(lambda x: 1.0, [1.0], jac=True)
    with pytest.raises(TypeError, match=r"^fun: the value must be a real number, got str"):
        descent.minimize(lambda x: ("one", x), [1.0], jac=True)
    with pytest.raises(TypeError, match=r"^callback: expected a callable, got int"):
        descent.minimize(quad, [1.0], jac=True, callback=1)


def test_lbfgs_solver_as_method_takes_about_scipys_iterations():
    # descent's L-BFGS and scipy's L-BFGS-B (no bounds: the same quasi-Newton steps) from the
    # same start: both converge to x* = 1, in iteration counts of the same order.
    x0 = np.array([-1.2, 1.0, -1.2, 1.0, -1.2])
    ours = descent.minimize(rosen, x0, jac=rosen_der, method="lbfgs", options={"gtol": 1e-8, "ftol": 0.0})
    theirs = scipy_minimize(rosen, x0, jac=rosen_der, method="L-BFGS-B",
                            options={"gtol": 1e-8, "ftol": 0.0, "maxcor": 10})
    assert ours.success, ours.message
    assert ours.status == 0 and ours.method.startswith("lbfgs(memory=10, gtol=1e-08, ftol=0,")
    np.testing.assert_allclose(ours.x, np.ones(5), atol=1e-7)
    assert 0.5 * theirs.nit <= ours.nit <= 2 * theirs.nit
    np.testing.assert_array_equal(ours.jac, rosen_der(ours.x))
    assert ours.fun == rosen(ours.x)


def test_solver_method_reports_every_iterate_and_checks_its_options():
    seen = []

    def callback(xk):
        seen.append(rosen(xk))
        return len(seen) == 5

    out = descent.minimize(rosen, np.array([-1.2, 1.0]), jac=rosen_der, method="lbfgs(line_search=armijo)",
                           callback=callback)
    assert out.status == 99 and out.nit == 5 and len(seen) == 5
    assert all(b <= a for a, b in zip(seen, seen[1:]))  # every step lowers f
    with pytest.raises(ValueError, match="'patience' does not apply to the solver 'lbfgs'"):
        descent.minimize(rosen, np.zeros(2), jac=rosen_der, method="lbfgs", options={"patience": 2})
    with pytest.raises(descent.ConfigError, match="LbfgsOptions::memory = 0 violates memory >= 1"):
        descent.minimize(rosen, np.zeros(2), jac=rosen_der, method="lbfgs(memory=0)")
    out = descent.minimize(rosen, np.zeros(2), jac=rosen_der, method="lbfgs", options={"maxiter": 2})
    assert out.status == 1 and out.nit == 2 and not out.success


def test_scipy_method_names_reach_descents_solvers():
    # "CG" is nonlinear_cg (Polak-Ribiere+ as scipy's), "trust-ncg" tron with the user's hessp,
    # "L-BFGS-B" lbfgsb with bounds; each ends at scipy's answer.
    x0 = np.array([-1.2, 1.0, -1.2, 1.0])
    for method, options, extra in (("CG", {"gtol": 1e-9, "ftol": 0.0}, {}),
                                   ("trust-ncg", {"gtol": 1e-9, "eps": 1e-12}, {"hessp": scipy.optimize.rosen_hess_prod})):
        ours = descent.minimize(rosen, x0, jac=rosen_der, method=method, options=options, **extra)
        assert ours.success, (method, ours.message)
        np.testing.assert_allclose(ours.x, np.ones(4), atol=1e-6)
    bounds = [(-2.0, 0.5)] + [(-2.0, 2.0)] * 3
    ours = descent.minimize(rosen, x0, jac=rosen_der, method="L-BFGS-B", bounds=bounds)
    theirs = scipy_minimize(rosen, x0, jac=rosen_der, method="L-BFGS-B", bounds=bounds)
    assert ours.x[0] == 0.5 and (ours.nit, ours.nfev) == (theirs.nit, theirs.nfev)
    with pytest.raises(descent.MismatchError, match="does not take bounds"):
        descent.minimize(rosen, x0, jac=rosen_der, method="lbfgs", bounds=bounds)
    with pytest.raises(ValueError, match="takes no bounds"):
        descent.minimize(rosen, x0, jac=rosen_der, method="adam", bounds=bounds)
    with pytest.raises(descent.MismatchError, match="needs Hessian-vector products; .python function. does not provide them"):
        descent.minimize(rosen, x0, jac=rosen_der, method="tron")


def test_hessian_spectrum_of_a_quadratic_and_its_step_sizes():
    # f = 1/2 x^T A x with a known spectrum: Lanczos over the whole space gives it exactly
    # (to rounding: 1e-10 relative), and the step sizes follow from the extremes.
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    eigenvalues = np.array([0.5, 1, 2, 3, 5, 8, 13, 40.0])
    a = q @ np.diag(eigenvalues) @ q.T
    fun = lambda x: (0.5 * x @ a @ x, a @ x)
    exact = descent.hessian_spectrum(fun, np.ones(8), hessp=lambda x, p: a @ p, steps=8)
    np.testing.assert_allclose(exact["ritz_values"], eigenvalues, rtol=1e-10)
    assert exact["exact"] and exact["invariant"] and exact["products"] == 8
    assert exact["gradient_descent"]["lr"] == pytest.approx(2 / 40.5, rel=1e-10)
    kappa = 80.0
    assert exact["heavy_ball"]["momentum"] == pytest.approx(((kappa**0.5 - 1) / (kappa**0.5 + 1)) ** 2, rel=1e-9)
    # Without hessp: central differences (no truncation error on a quadratic, rounding only).
    approx = descent.hessian_spectrum(fun, np.ones(8), steps=8)
    assert not approx["exact"] and approx["gradient_calls"] == 16
    np.testing.assert_allclose(approx["ritz_values"], eigenvalues, rtol=1e-6)
    with pytest.raises(ValueError, match="steps"):
        descent.hessian_spectrum(fun, np.ones(8), steps=0)
