#!/usr/bin/env python3
"""Computes the minima that the test-problem catalog records without a closed form.

    python3 tests/objective/test_problem_minima.py        (needs mpmath, numpy, scipy; ~1 minute)

For each problem below: a Levenberg-Marquardt run in double (scipy.optimize.least_squares)
from a point near the minimum gives a start (for the biggs_exp6 saddle, the point where
scipy's L-BFGS-B stops), then Newton's method on grad f = 2 J^T r runs in
60-digit arithmetic (mpmath), with J and the Hessian from central differences at steps of
1e-25 and 1e-15 (truncation errors ~1e-50 and ~1e-30, far below double's 1e-16), until the
step is below 1e-40. It prints f* and x* rounded to double (repr: 17 significant digits),
the gradient norm left and the Hessian's extreme eigenvalues (a minimum: all positive; the
saddle: one negative).
src/objective/mgh_fixed_size_problems.cpp and mgh_scalable_problems.cpp hold the output,
and tests/objective/test_problems_test.cpp checks it against MGH's published digits and
against the gradient of the C++ objectives.

The residuals are written here a second time, independently of the C++ code, from the
formulas of More, Garbow & Hillstrom (ACM TOMS 7(1), 1981), 1-based as in the paper.
"""
import mpmath as mp
import numpy as np
import scipy.optimize

mp.mp.dps = 60
M = mp.mpf


def freudenstein_roth(x):
    return [-13 + x[0] + ((5 - x[1]) * x[1] - 2) * x[1], -29 + x[0] + ((x[1] + 1) * x[1] - 14) * x[1]]


def powell_badly_scaled(x):
    return [10**4 * x[0] * x[1] - 1, mp.exp(-x[0]) + mp.exp(-x[1]) - M("1.0001")]


def jennrich_sampson(x):
    return [2 + 2 * i - mp.exp(i * x[0]) - mp.exp(i * x[1]) for i in range(1, 11)]


def bard(x):
    y = "0.14 0.18 0.22 0.25 0.29 0.32 0.35 0.39 0.37 0.58 0.73 0.96 1.34 2.10 4.39".split()
    out = []
    for i in range(1, 16):
        u, v = i, 16 - i
        out.append(M(y[i - 1]) - (x[0] + u / (v * x[1] + min(u, v) * x[2])))
    return out


def gaussian(x):
    y = "0.0009 0.0044 0.0175 0.0540 0.1295 0.2420 0.3521 0.3989 0.3521 0.2420 0.1295 0.0540 0.0175 0.0044 0.0009"
    return [x[0] * mp.exp(-x[1] * (M(8 - i) / 2 - x[2]) ** 2 / 2) - M(yi) for i, yi in enumerate(y.split(), 1)]


def kowalik_osborne(x):
    y = "0.1957 0.1947 0.1735 0.1600 0.0844 0.0627 0.0456 0.0342 0.0323 0.0235 0.0246".split()
    u = "4 2 1 0.5 0.25 0.167 0.125 0.1 0.0833 0.0714 0.0625".split()
    return [M(yi) - x[0] * (M(ui) ** 2 + M(ui) * x[1]) / (M(ui) ** 2 + M(ui) * x[2] + x[3]) for yi, ui in zip(y, u)]


def brown_dennis(x):
    out = []
    for i in range(1, 21):
        t = M(i) / 5
        out.append((x[0] + t * x[1] - mp.exp(t)) ** 2 + (x[2] + x[3] * mp.sin(t) - mp.cos(t)) ** 2)
    return out


def biggs_exp6(x):
    out = []
    for i in range(1, 14):
        t = M(i) / 10
        y = mp.exp(-t) - 5 * mp.exp(-10 * t) + 3 * mp.exp(-4 * t)
        out.append(x[2] * mp.exp(-t * x[0]) - x[3] * mp.exp(-t * x[1]) + x[5] * mp.exp(-t * x[4]) - y)
    return out


def penalty_1(x):
    a = M("1e-5")
    return [mp.sqrt(a) * (xi - 1) for xi in x] + [mp.fsum(xi * xi for xi in x) - M(1) / 4]


def penalty_2(x):
    n, a = len(x), M("1e-5")
    y = {i: mp.exp(M(i) / 10) + mp.exp(M(i - 1) / 10) for i in range(1, n + 1)}
    out = [x[0] - M("0.2")]
    out += [mp.sqrt(a) * (mp.exp(x[i - 1] / 10) + mp.exp(x[i - 2] / 10) - y[i]) for i in range(2, n + 1)]
    out += [mp.sqrt(a) * (mp.exp(x[i - n] / 10) - mp.exp(M(-1) / 10)) for i in range(n + 1, 2 * n)]
    out.append(mp.fsum((n - j + 1) * x[j - 1] ** 2 for j in range(1, n + 1)) - 1)
    return out


def trigonometric(x):
    n = len(x)
    c = mp.fsum(mp.cos(xi) for xi in x)
    return [n - c + i * (1 - mp.cos(x[i - 1])) - mp.sin(x[i - 1]) for i in range(1, n + 1)]


# name, residuals, a point near the minimum wanted (the standard start, where it leads there),
# and optionally False: start Newton there, without a Levenberg-Marquardt fit first
CASES = [
    ("freudenstein_roth (local)", freudenstein_roth, [11.4, -0.9]),
    ("powell_badly_scaled", powell_badly_scaled, [1.1e-5, 9.1]),
    ("jennrich_sampson", jennrich_sampson, [0.25, 0.25]),
    ("bard", bard, [1, 1, 1]),
    ("gaussian", gaussian, [0.4, 1, 0]),
    ("kowalik_osborne", kowalik_osborne, [0.25, 0.39, 0.415, 0.39]),
    ("brown_dennis", brown_dennis, [25, 5, -5, -1]),
    # Newton straight from where scipy's L-BFGS-B stops (Levenberg-Marquardt would leave the
    # saddle for the global minimum): a stationary point with one negative Hessian eigenvalue.
    ("biggs_exp6 (saddle, from the standard start)", biggs_exp6,
     [1.7114159949263448, 17.68319824069173, 1.16314366072531, 5.186561587241772, 1.7114159949263448,
      1.16314366072531], False),
    ("penalty_1 n=4", penalty_1, [1, 2, 3, 4]),
    ("penalty_1 n=10", penalty_1, list(range(1, 11))),
    ("penalty_2 n=4", penalty_2, [0.5] * 4),
    ("penalty_2 n=10", penalty_2, [0.5] * 10),
    ("trigonometric n=10 (local, from the standard start)", trigonometric, [0.1] * 10),
]


def value(r, x):
    return mp.fsum(ri * ri for ri in r(x))


def gradient(r, x, h=M("1e-25")):
    residuals = r(x)
    g = []
    for j in range(len(x)):
        up, down = list(x), list(x)
        up[j] += h
        down[j] -= h
        column = [(a - b) / (2 * h) for a, b in zip(r(up), r(down))]
        g.append(2 * mp.fsum(ri * ci for ri, ci in zip(residuals, column)))
    return g


def hessian(r, x, h=M("1e-15")):
    n = len(x)
    H = mp.matrix(n, n)
    for j in range(n):
        up, down = list(x), list(x)
        up[j] += h
        down[j] -= h
        for i, (a, b) in enumerate(zip(gradient(r, up), gradient(r, down))):
            H[i, j] = (a - b) / (2 * h)
    return (H + H.T) / 2


def newton(r, x):
    x = [M(float(v)) for v in x]
    for _ in range(50):
        H = hessian(r, x)
        step = mp.lu_solve(H, mp.matrix(gradient(r, x)))
        x = [xi - si for xi, si in zip(x, step)]
        if max(abs(s) for s in step) < M("1e-40"):
            break
    return x, H


def double_start(r, x0):
    as_double = lambda x: np.array([float(v) for v in r([M(float(t)) for t in x])])
    fit = scipy.optimize.least_squares(as_double, np.array(x0, float), method="lm", xtol=1e-15, ftol=1e-15,
                                       gtol=1e-15, max_nfev=100000)
    return fit.x


def main():
    for name, r, x0, *fit_first in CASES:
        x, H = newton(r, double_start(r, x0) if fit_first != [False] else x0)
        eigenvalues = sorted(mp.eigsy(H)[0])
        print(name)
        print("  f* =", mp.nstr(value(r, x), 25), "->", repr(float(value(r, x))))
        print("  x* =", ", ".join(repr(float(v)) for v in x))
        print("  |grad f(x*)|_inf =", mp.nstr(max(abs(g) for g in gradient(r, x)), 3),
              " Hessian eigenvalues in [", mp.nstr(eigenvalues[0], 5), ",", mp.nstr(eigenvalues[-1], 5), "]")


if __name__ == "__main__":
    main()
