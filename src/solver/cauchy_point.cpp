#include "descent/solver/cauchy_point.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace descent {

CauchyPoint generalized_cauchy_point(std::span<const double> x, std::span<const double> g,
                                     std::span<const double> lower, std::span<const double> upper,
                                     const CompactBfgs& B) {
  const std::size_t n = x.size();
  const double inf = std::numeric_limits<double>::infinity();
  CauchyPoint cp;
  cp.point.assign(x.begin(), x.end());
  cp.free.assign(n, true);
  std::vector<double> breakpoint(n, inf), d(n, 0.0);
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < n; ++i) {
    if (g[i] < 0 && upper[i] < inf) breakpoint[i] = (x[i] - upper[i]) / g[i];
    if (g[i] > 0 && lower[i] > -inf) breakpoint[i] = (x[i] - lower[i]) / g[i];
    if (breakpoint[i] == 0) {
      cp.free[i] = false;  // at the bound the gradient pushes against: fixed from the start
    } else {
      d[i] = -g[i];
      if (breakpoint[i] < inf) order.push_back(i);
    }
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return breakpoint[a] < breakpoint[b] || (breakpoint[a] == breakpoint[b] && a < b);
  });

  const double theta = B.theta();
  const auto k2 = static_cast<Eigen::Index>(2 * B.size());
  const Eigen::Map<const Eigen::MatrixXd> M(B.middle().data(), k2, k2);
  const std::vector<double> wtd = B.transpose_times(d);
  Eigen::VectorXd p = Eigen::Map<const Eigen::VectorXd>(wtd.data(), k2);  // W^T d
  Eigen::VectorXd c = Eigen::VectorXd::Zero(k2);
  double slope = 0;  // f' along the current segment: g.d + (z - x)^T B d
  for (std::size_t i = 0; i < n; ++i) slope -= d[i] * d[i];
  double curvature = -theta * slope - (p.size() ? p.dot(M * p) : 0.0);  // d^T B d
  const double first_curvature = curvature;
  double dt_min = slope < 0 ? -slope / curvature : 0;
  double t_old = 0;
  std::vector<double> row;
  Eigen::VectorXd Mc, Mp;
  std::size_t next = 0;
  while (next < order.size() && slope < 0) {
    const std::size_t b = order[next];
    const double dt = breakpoint[b] - t_old;
    if (dt_min < dt) break;  // the model's minimizer lies inside this segment
    // Move to breakpoint b and fix variable b at its bound.
    const double bound = d[b] > 0 ? upper[b] : lower[b];
    const double z_b = bound - x[b];
    cp.point[b] = bound;
    cp.free[b] = false;
    c += dt * p;
    const double gb = g[b];
    B.row(b, row);
    const Eigen::Map<const Eigen::VectorXd> w(row.data(), k2);
    if (w.size()) {
      Mc = M * c;
      Mp = M * p;
    }
    const double w_Mc = w.size() ? w.dot(Mc) : 0.0;
    const double w_Mp = w.size() ? w.dot(Mp) : 0.0;
    const double w_Mw = w.size() ? w.dot(M * w) : 0.0;
    slope += dt * curvature + gb * gb + theta * gb * z_b - gb * w_Mc;
    curvature -= theta * gb * gb + 2 * gb * w_Mp + gb * gb * w_Mw;
    // Rounding can drive the curvature to or below 0 after many segments; B is positive
    // definite, so keep it at a floor relative to its first value (as L-BFGS-B does).
    curvature = std::max(curvature, std::numeric_limits<double>::epsilon() * first_curvature);
    if (w.size()) p += gb * w;
    d[b] = 0;
    dt_min = -slope / curvature;
    t_old = breakpoint[b];
    ++cp.segments;
    ++next;
  }
  dt_min = std::max(dt_min, 0.0);
  cp.t = t_old + dt_min;
  // Free variables move by t* along d; t* lies before their breakpoints, so they stay in the
  // box up to rounding, which the clamp removes.
  for (std::size_t i = 0; i < n; ++i)
    if (cp.free[i] && d[i] != 0) cp.point[i] = std::clamp(x[i] + cp.t * d[i], lower[i], upper[i]);
  c += dt_min * p;
  cp.c.assign(c.data(), c.data() + c.size());
  return cp;
}

}  // namespace descent
