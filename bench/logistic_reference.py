#!/usr/bin/env python3
"""The logistic-regression problem of bench/logistic_peers, in NumPy, and its reference minimum f*.

Problem (the same for every solver, so that one f* serves them all):
  Fashion-MNIST training set (gzipped IDX), optionally its first --rows rows; features standardized
  with that set's mean and population standard deviation (a constant column gets std 1, so it becomes
  0, as descent's Standardizer does); label +1 for class 0 (T-shirt/top), -1 for the rest; no intercept;
    f(w) = (1/n) sum_i log(1 + exp(-y_i x_i^T w)) + (lambda/2) |w|^2.

Reference: damped Newton with the exact Hessian H = X^T diag(s (1 - s)) X / n + lambda I
(s = sigmoid(x_i^T w)), a Cholesky solve per step and Armijo backtracking, from w = 0, until the
gradient norm stops decreasing (round-off). f is lambda-strongly convex, so the gradient norm bounds
the gap: f(w) - f* <= |grad f(w)|^2 / (2 lambda); the JSON reports that bound. --check-lbfgs also runs
scipy's L-BFGS-B from 0 (gtol 1e-10) as an independent check of f*.

  bench/logistic_reference.py --data /usr/share/datasets/fashion-mnist --lambda 1e-4 --save-w w.npy
  bench/logistic_reference.py --data DIR --lambda 1e-3 --rows 10000 --check-lbfgs

Prints one JSON document on stdout. bench/logistic_peers imports this file for the data, f and f*.
"""
import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
POSITIVE_CLASS = 0

# IDX element types by the code in the third magic byte, all big-endian.
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
  """An IDX file (gzipped or not) as a NumPy array with the file's dimensions."""
  raw = Path(path).read_bytes()
  if raw[:2] == b"\x1f\x8b":
    raw = gzip.decompress(raw)
  if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_TYPES or raw[3] == 0:
    raise ValueError(f"{path}: not an IDX file (magic bytes {raw[:4].hex()})")
  ndim = raw[3]
  dims = [int.from_bytes(raw[4 + 4 * k:8 + 4 * k], "big") for k in range(ndim)]
  dtype = np.dtype(IDX_TYPES[raw[2]])
  offset = 4 + 4 * ndim
  count = int(np.prod(dims))
  if len(raw) - offset != count * dtype.itemsize:
    raise ValueError(f"{path}: {len(raw) - offset} data bytes, the header promises {count * dtype.itemsize}")
  return np.frombuffer(raw, dtype=dtype, offset=offset).reshape(dims)


def dataset_files(data_dir):
  """The two training files, or a ValueError that names what is missing."""
  images, labels = Path(data_dir) / TRAIN_IMAGES, Path(data_dir) / TRAIN_LABELS
  missing = [str(p) for p in (images, labels) if not p.is_file()]
  if missing:
    raise ValueError("Fashion-MNIST training files not found: " + ", ".join(missing))
  return images, labels


def load_problem(data_dir, rows=None):
  """(X, y): standardized float64 features (n x 784, C order) and labels +-1 (float64)."""
  images, labels = dataset_files(data_dir)
  pixels = read_idx(images)
  classes = read_idx(labels)
  if pixels.shape[0] != classes.shape[0]:
    raise ValueError(f"{images} has {pixels.shape[0]} images, {labels} {classes.shape[0]} labels")
  if rows is not None:
    pixels, classes = pixels[:rows], classes[:rows]
  X = pixels.reshape(pixels.shape[0], -1).astype(np.float64)
  mean = X.mean(axis=0)
  std = np.sqrt(((X - mean) ** 2).mean(axis=0))  # population std, as descent's Standardizer
  std[std == 0] = 1.0
  X -= mean
  X /= std
  y = np.where(classes == POSITIVE_CLASS, 1.0, -1.0)
  return np.ascontiguousarray(X), y


class Objective:
  """f(w) = mean(log(1 + exp(-y * Xw))) + lam/2 |w|^2, its gradient and Hessian, in float64."""

  def __init__(self, X, y, lam):
    self.X, self.y, self.lam, self.n = X, y, float(lam), X.shape[0]

  def value(self, w):
    margins = self.y * (self.X @ w)
    # logaddexp(0, -m) = log(1 + exp(-m)) without overflow for any margin.
    return float(np.mean(np.logaddexp(0.0, -margins)) + 0.5 * self.lam * (w @ w))

  def value_and_gradient(self, w):
    margins = self.y * (self.X @ w)
    # d/dz log(1 + exp(-y z)) = -y sigmoid(-y z); sigmoid(-m) = exp(-logaddexp(0, m)) never overflows.
    residual = -self.y * np.exp(-np.logaddexp(0.0, margins))
    value = float(np.mean(np.logaddexp(0.0, -margins)) + 0.5 * self.lam * (w @ w))
    return value, self.X.T @ residual / self.n + self.lam * w

  def hessian(self, w):
    s = np.exp(-np.logaddexp(0.0, -(self.X @ w)))  # sigmoid(x^T w)
    weights = np.sqrt(s * (1.0 - s) / self.n)
    scaled = self.X * weights[:, None]
    hessian = scaled.T @ scaled
    hessian[np.diag_indices_from(hessian)] += self.lam
    return hessian

  def smoothness(self, iterations=500, tolerance=1e-10):
    """L = lambda_max(X^T X) / (4 n) + lam by power iteration (the Hessian never exceeds X^T X / (4n) + lam I)."""
    v = np.ones(self.X.shape[1]) / np.sqrt(self.X.shape[1])
    estimate = 0.0
    for _ in range(iterations):
      u = self.X.T @ (self.X @ v) / (4 * self.n)
      previous, estimate = estimate, float(np.linalg.norm(u))
      v = u / estimate
      if abs(estimate - previous) <= tolerance * estimate:
        break
    return estimate + self.lam


def newton_reference(objective, max_iterations=200):
  """Damped Newton from 0 until the gradient norm reaches round-off; returns (w, f, |grad|, iterations)."""
  import scipy.linalg

  w = np.zeros(objective.X.shape[1])
  value, gradient = objective.value_and_gradient(w)
  # Round-off level of the gradient: each component sums n terms of size |x_ij| |r_i| / n <= max |x_ij|,
  # so float64 cannot resolve it much below eps * sqrt(d) * max |x_ij|. Below a thousand times that,
  # Newton is in its quadratic phase and a step or two more reach the floor.
  floor = np.finfo(float).eps * np.sqrt(objective.X.shape[1]) * float(np.abs(objective.X).max())
  best_norm = np.linalg.norm(gradient)
  stalls, iterations = 0, 0
  for iterations in range(1, max_iterations + 1):
    step = -scipy.linalg.cho_solve(scipy.linalg.cho_factor(objective.hessian(w)), gradient)
    slope = float(gradient @ step)  # < 0: H is positive definite
    t = 1.0
    while True:  # Armijo with c = 1e-4; full steps near the minimum
      candidate = w + t * step
      new_value, new_gradient = objective.value_and_gradient(candidate)
      if new_value <= value + 1e-4 * t * slope or t < 1e-10:
        break
      t *= 0.5
    norm = np.linalg.norm(new_gradient)
    if norm <= np.linalg.norm(gradient) or new_value < value:
      w, value, gradient = candidate, new_value, new_gradient
    # Stop at the round-off floor: once the gradient is within 1000x of it, two steps in a row that
    # fail to halve its norm mean that rounding, not the method, sets it.
    stalls = stalls + 1 if (norm > 0.5 * best_norm and best_norm < 1e3 * floor) else 0
    best_norm = min(best_norm, norm)
    if stalls >= 2 or best_norm == 0.0:
      break
  return w, value, float(np.linalg.norm(gradient)), iterations


def lbfgs_check(objective, gtol=1e-10):
  """scipy's L-BFGS-B from 0: (f, |grad|, iterations), an independent estimate of f*."""
  import scipy.optimize

  result = scipy.optimize.minimize(objective.value_and_gradient, np.zeros(objective.X.shape[1]), jac=True,
                                   method="L-BFGS-B",
                                   options={"gtol": gtol, "ftol": 0.0, "maxiter": 100000, "maxcor": 20})
  _, gradient = objective.value_and_gradient(result.x)
  return float(objective.value(result.x)), float(np.linalg.norm(gradient)), int(result.nit)


def reference(objective, check_lbfgs=False):
  """The reference minimum as a dict (w under "w", the rest JSON-ready)."""
  start = time.perf_counter()
  w, value, gradient_norm, iterations = newton_reference(objective)
  result = {
      "lambda": objective.lam, "n": objective.n, "d": int(objective.X.shape[1]),
      "f_star": value, "f_star_hex": float(value).hex(), "gradient_norm": gradient_norm,
      "gap_bound": gradient_norm ** 2 / (2 * objective.lam),
      "method": f"damped Newton, exact Hessian, Cholesky, Armijo backtracking, from w = 0 ({iterations} iterations)",
      "newton_iterations": iterations, "seconds": time.perf_counter() - start, "w": w,
  }
  if check_lbfgs:
    start = time.perf_counter()
    f_lbfgs, g_lbfgs, nit = lbfgs_check(objective)
    result["lbfgs_check"] = {"f": f_lbfgs, "gradient_norm": g_lbfgs, "iterations": nit,
                             "relative_difference": (f_lbfgs - value) / value,
                             "seconds": time.perf_counter() - start}
  return result


def main():
  parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist", help="folder of the gzipped IDX files")
  parser.add_argument("--lambda", dest="lam", type=float, default=1e-4)
  parser.add_argument("--rows", type=int, default=None, help="use only the first ROWS training rows")
  parser.add_argument("--check-lbfgs", action="store_true", help="also run L-BFGS-B (gtol 1e-10) as a check")
  parser.add_argument("--save-w", help="write the reference weights here (.npy, float64)")
  args = parser.parse_args()
  if args.lam <= 0:
    parser.error("--lambda must be > 0 (the gap bound and strong convexity need it)")
  try:
    X, y = load_problem(args.data, args.rows)
  except ValueError as error:
    sys.exit(f"logistic_reference: {error}")
  result = reference(Objective(X, y, args.lam), args.check_lbfgs)
  if args.save_w:
    np.save(args.save_w, result["w"])
  del result["w"]
  json.dump(result, sys.stdout, indent=1)
  print()


if __name__ == "__main__":
  main()
