#include "descent/analysis/lanczos.hpp"

#include <Eigen/Eigenvalues>
#include <cmath>
#include <limits>

#include "descent/analysis/hessian_vector_product.hpp"
#include "descent/core/error.hpp"
#include "descent/core/random.hpp"

namespace descent {

const std::vector<Field<LanczosOptions>>& LanczosOptions::fields() {
  static const std::vector<Field<LanczosOptions>> f = {
      {"steps", &LanczosOptions::steps, Range::at_least(1), "Krylov dimension: Hessian-vector products"},
      {"step", &LanczosOptions::step, Range::non_negative(),
       "H v ~ (g(x + step v) - g(x - step v)) / (2 step); 0: automatic"}};
  return f;
}

void LanczosOptions::validate() const { descent::validate(*this); }

namespace {

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

template <class T>
LanczosResult lanczos_hessian(const Differentiable<T>& f, std::span<const T> x, const LanczosOptions& options) {
  options.validate();
  const std::size_t d = f.dimension();
  if (d == 0) throw MismatchError("lanczos_hessian: the objective '" + f.name() + "' has dimension 0");
  HessianVectorProduct<T> product(f, x, options.step);
  const std::size_t m = std::min<std::size_t>(static_cast<std::size_t>(options.steps), d);

  LanczosResult result;
  result.exact = product.exact();
  std::vector<std::vector<double>> q;  // the orthonormal basis, in double
  std::vector<double> alpha, beta;     // T's diagonal and off-diagonal
  std::vector<T> v(d), hv(d);
  std::vector<double> w(d);

  Random rng(options.seed, Stream::init);
  std::vector<double> start(d);
  double norm2 = 0;
  for (double& s : start) {
    s = rng.normal();
    norm2 += s * s;
  }
  for (double& s : start) s /= std::sqrt(norm2);
  q.push_back(std::move(start));

  for (std::size_t j = 0; j < m; ++j) {
    for (std::size_t i = 0; i < d; ++i) v[i] = static_cast<T>(q[j][i]);
    product.apply(v, hv);
    ++result.products;
    for (std::size_t i = 0; i < d; ++i) w[i] = static_cast<double>(hv[i]);
    const double a = dot(q[j], w);
    if (!std::isfinite(a)) throw MismatchError("lanczos_hessian: a Hessian-vector product was not finite");
    alpha.push_back(a);
    for (std::size_t i = 0; i < d; ++i) w[i] -= a * q[j][i] + (j > 0 ? beta[j - 1] * q[j - 1][i] : 0.0);
    // Twice is enough (Kahan's "twice is enough" for Gram-Schmidt): the second pass removes
    // what rounding left of the first.
    for (int pass = 0; pass < 2; ++pass)
      for (const auto& qi : q) {
        const double c = dot(qi, w);
        for (std::size_t i = 0; i < d; ++i) w[i] -= c * qi[i];
      }
    const double b = std::sqrt(dot(w, w));
    if (j + 1 == m) {
      beta.push_back(b);
      break;
    }
    // An invariant subspace: H q_j lies in span(Q) to rounding level relative to H's scale.
    double scale = 0;
    for (double ai : alpha) scale = std::max(scale, std::abs(ai));
    for (double bi : beta) scale = std::max(scale, bi);
    if (b <= 64 * std::numeric_limits<T>::epsilon() * std::max(scale, std::numeric_limits<double>::min())) {
      beta.push_back(0);
      result.invariant = true;
      break;
    }
    beta.push_back(b);
    for (double& wi : w) wi /= b;
    q.push_back(w);
  }
  result.gradient_calls = product.gradient_calls();

  const std::size_t k = alpha.size();
  if (k == d) result.invariant = true;  // the whole space: T is similar to H
  Eigen::VectorXd diagonal(k), off(k > 1 ? k - 1 : 0);
  for (std::size_t i = 0; i < k; ++i) diagonal[static_cast<Eigen::Index>(i)] = alpha[i];
  for (std::size_t i = 0; i + 1 < k; ++i) off[static_cast<Eigen::Index>(i)] = beta[i];
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver;
  solver.computeFromTridiagonal(diagonal, off, Eigen::ComputeEigenvectors);
  const double last_beta = result.invariant ? 0.0 : beta.back();
  for (std::size_t i = 0; i < k; ++i) {
    const auto e = static_cast<Eigen::Index>(i);
    result.ritz_values.push_back(solver.eigenvalues()[e]);
    result.residuals.push_back(std::abs(last_beta * solver.eigenvectors()(static_cast<Eigen::Index>(k - 1), e)));
  }
  return result;
}

template LanczosResult lanczos_hessian<float>(const Differentiable<float>&, std::span<const float>,
                                              const LanczosOptions&);
template LanczosResult lanczos_hessian<double>(const Differentiable<double>&, std::span<const double>,
                                               const LanczosOptions&);

}  // namespace descent
