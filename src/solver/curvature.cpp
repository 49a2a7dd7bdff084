#include "descent/solver/curvature.hpp"

#include <memory>

#include "descent/core/error.hpp"
#include "descent/solver/empirical_fisher.hpp"
#include "descent/spec/hyperparameters.hpp"
#include "evaluation_cost.hpp"

namespace descent {

std::string to_string(Curvature curvature) {
  switch (curvature) {
    case Curvature::hessian:
      return "hessian";
    case Curvature::gauss_newton:
      return "gauss_newton";
    case Curvature::fisher:
      return "fisher";
  }
  return "unknown";
}

const std::vector<std::string>& curvature_names() {
  static const std::vector<std::string> names = {"hessian", "gauss_newton", "fisher"};
  return names;
}

Curvature curvature_from_name(std::string_view name) {
  for (Curvature c : {Curvature::hessian, Curvature::gauss_newton, Curvature::fisher})
    if (to_string(c) == name) return c;
  throw ConfigError("curvature '" + std::string(name) + "' is not " + describe_choices(curvature_names()));
}

template <class T>
bool provides_curvature(const Differentiable<T>& f, Curvature curvature) {
  switch (curvature) {
    case Curvature::hessian:
      return f.has_hessian_vector();
    case Curvature::gauss_newton:
      return f.has_gauss_newton();
    case Curvature::fisher:
      return dynamic_cast<const FiniteSum<T>*>(&f) != nullptr;
  }
  return false;
}

template <class T>
void require_curvature(const Differentiable<T>& f, Curvature curvature, std::string_view solver) {
  if (provides_curvature(f, curvature)) return;
  std::string which;
  switch (curvature) {
    case Curvature::hessian:
      which = "objectives with Hessian-vector products have it";
      break;
    case Curvature::gauss_newton:
      which = "sums of squares and generalized-linear finite sums have it";
      break;
    case Curvature::fisher:
      which = "the empirical Fisher needs a finite sum's per-sample gradients";
      break;
  }
  throw MismatchError(std::string(solver) + ": objective '" + f.name() +
                      "' does not provide curvature=" + to_string(curvature) + " (" + which + ")");
}

template <class T>
CurvatureOperator<T> curvature_at(const Differentiable<T>& f, std::span<const T> x, Curvature curvature) {
  require_curvature(f, curvature, "curvature_at");
  if (x.size() != f.dimension())
    throw MismatchError("curvature_at: x has " + std::to_string(x.size()) + " elements, objective '" + f.name() +
                        "' has dimension " + std::to_string(f.dimension()));
  const std::int64_t pass = solver_detail::samples_per_evaluation(f);
  CurvatureOperator<T> out;
  switch (curvature) {
    case Curvature::hessian:
      out.matrix = f.hessian_at(x);
      out.product_sample_gradients = pass;
      break;
    case Curvature::gauss_newton:
      out.matrix = f.gauss_newton_at(x);
      out.product_sample_gradients = pass;
      break;
    case Curvature::fisher:
      // require_curvature checked that the Fisher's objective is a finite sum.
      out.matrix = std::make_unique<EmpiricalFisher<T>>(dynamic_cast<const FiniteSum<T>&>(f), x);
      out.build_sample_gradients = pass;
      break;
  }
  return out;
}

template bool provides_curvature<float>(const Differentiable<float>&, Curvature);
template bool provides_curvature<double>(const Differentiable<double>&, Curvature);
template void require_curvature<float>(const Differentiable<float>&, Curvature, std::string_view);
template void require_curvature<double>(const Differentiable<double>&, Curvature, std::string_view);
template CurvatureOperator<float> curvature_at<float>(const Differentiable<float>&, std::span<const float>, Curvature);
template CurvatureOperator<double> curvature_at<double>(const Differentiable<double>&, std::span<const double>,
                                                        Curvature);

}  // namespace descent
