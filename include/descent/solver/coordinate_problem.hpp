// What (block) coordinate descent needs from an objective, and nothing more: the partial
// derivatives at the current point, exact coordinate-wise curvature bounds, and an update
// after changing a few coordinates that costs what those coordinates touch rather than a
// pass over the data (Nesterov 2012; Nutini et al., ICML 2015, section 2).
//
// The problem owns the current point x. Coordinate descent changes it only through move(),
// so that whatever the problem keeps in step with x (the scores z = A x of a linear model)
// is updated in the same call. A problem that is asked to track the gradient keeps all of
// grad f(x) current through every move, which the greedy rules need; what that costs is the
// problem's to say (docs/algorithms.md, "Block coordinate descent").
//
// Work is counted in data passes: one pass is what one full gradient reads. A solver turns
// it into Summary::sample_gradients (passes times the number of samples).
//
// Everything is computed in double whatever the precision of the objective it was built
// from: a coordinate step is a handful of operations, and keeping the scores and the
// gradient in double costs nothing next to reading the data while it keeps the long
// incremental sums of coordinate descent accurate.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "descent/objective/objective.hpp"

namespace descent {

class CoordinateProblem {
 public:
  virtual ~CoordinateProblem() = default;

  // The objective's name, for messages.
  virtual std::string name() const = 0;
  virtual std::size_t dimension() const = 0;
  // Samples behind one full gradient (Summary::sample_gradients = passes() * this).
  virtual std::size_t num_samples() const = 0;

  // L_j = sup_x d^2 f / dx_j^2: the exact Lipschitz constant of the j-th partial derivative
  // along coordinate j, with which x_j - g_j / L_j is guaranteed to decrease f.
  virtual double coordinate_lipschitz(std::size_t j) const = 0;
  // M_b, |block| x |block| row-major into `out`: the least fixed matrix the problem knows with
  // grad^2_bb f(x) <= M_b for every x (least squares: the block of its constant Hessian).
  // The block's Lipschitz constant is L_b = lambda_max(M_b). Counts the data it reads.
  virtual void block_curvature(std::span<const std::size_t> block, std::span<double> out) = 0;

  // Sets the current point (a pass over the data, and a second one when tracking).
  virtual void set_point(std::span<const double> x) = 0;
  virtual std::span<const double> point() const = 0;
  // f at the current point.
  virtual double value() const = 0;
  // d f / d x_j at the current point: read from the tracked gradient, or computed from the
  // data that coordinate j touches.
  virtual double partial_derivative(std::size_t j) = 0;
  // The whole gradient at the current point, computed afresh (a pass over the data).
  virtual void gradient(std::span<double> out) = 0;

  // From now on keep the whole gradient current (computing it now: a pass).
  virtual void track_gradient() = 0;
  virtual bool tracks_gradient() const = 0;
  // The tracked gradient; empty unless tracks_gradient().
  virtual std::span<const double> tracked_gradient() const = 0;

  // x_block[k] += delta[k]. When tracking, the coordinates whose gradient entry may have
  // changed are then listed by changed_coordinates(), in no particular order, each once
  // (every coordinate when the data couples them all, as dense data does).
  virtual void move(std::span<const std::size_t> block, std::span<const double> delta) = 0;
  virtual std::span<const std::size_t> changed_coordinates() const = 0;

  // Data read so far (setup, moves, fresh gradients), in full-gradient equivalents.
  virtual double passes() const = 0;
};

// The coordinate view of a model: LeastSquares or LogisticRegression (dense or CSR data;
// the bias, when the model has one, is the last coordinate, as in its parameter layout),
// or the synthetic least_squares objective. Throws MismatchError naming the objective for
// anything else. The problem copies what it needs: the objective may go away afterwards.
template <class T>
std::unique_ptr<CoordinateProblem> coordinate_problem(const Differentiable<T>& objective);

}  // namespace descent
