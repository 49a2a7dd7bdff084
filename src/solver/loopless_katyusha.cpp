#include "descent/solver/loopless_katyusha.hpp"

#include <chrono>
#include <cmath>
#include <numeric>

#include "descent/core/error.hpp"
#include "descent/estimator/adaptive_sampling_distribution.hpp"
#include "descent/estimator/sampler.hpp"
#include "descent/estimator/snapshot.hpp"

namespace descent {

const std::vector<Field<LooplessKatyushaOptions>>& LooplessKatyushaOptions::fields() {
  using O = LooplessKatyushaOptions;
  static const std::vector<Field<O>> f = {
      {"smoothness", &O::smoothness, Range::non_negative(), "L: steps eta / L; must be > 0 when run"},
      {"strong_convexity", &O::strong_convexity, Range::non_negative(), "mu: sigma = mu / L"},
      {"theta1", &O::theta1, Range::unit_closed_open(), "weight of z in x_k; 0: min(sqrt(2 sigma / (3 p)), 1/2)"},
      {"theta2", &O::theta2, {0, 1, true, true}, "weight of the snapshot w in x_k"},
      {"probability", &O::probability, Range::unit_closed(), "snapshot refresh chance per step; 0: batch_size / n"},
      {"batch_size", &O::batch_size, Range::at_least(1), "samples per step, with replacement"},
      {"max_steps", &O::max_steps, Range::at_least(0), "iterations"},
      {"adaptive_sampling", &O::adaptive_sampling, Range::any(), "draw from a learned p (Zhao, Lyu & Kolar 2023)"},
      {"alpha", &O::alpha, Range{0, 1, true, false}, "adaptive: uniform share, p_i >= alpha / n"},
      {"sampling_learning_rate", &O::sampling_learning_rate, Range::positive(), "adaptive: the learner's step"}};
  return f;
}

void LooplessKatyushaOptions::validate() const {
  descent::validate(*this);
  require(smoothness > 0, kName, "smoothness", smoothness, "smoothness > 0 (a bound on every f_i's L)");
  require(theta1 + theta2 <= 1, kName, "theta1", theta1, "theta1 + theta2 <= 1");
}

template <class T>
Summary<T> loopless_katyusha(const FiniteSum<T>& f, Parameters<T>& params, const LooplessKatyushaOptions& o,
                             const std::function<bool(const KatyushaStep<T>&)>& on_step) {
  o.validate();
  const auto start = std::chrono::steady_clock::now();
  const std::size_t n = f.num_samples(), d = f.dimension();
  if (n == 0) throw MismatchError("loopless_katyusha: objective '" + f.name() + "' has no samples");
  if (params.size() != d)
    throw MismatchError("loopless_katyusha: " + std::to_string(params.size()) + " parameters for the " +
                        std::to_string(d) + " of '" + f.name() + "'");
  LooplessSnapshot<T> snapshot(o.seed, "lkatyusha");
  snapshot.bind(f, o.probability, o.batch_size);
  const double p = snapshot.probability();
  const double L = o.smoothness, sigma = o.strong_convexity / L;
  const double theta1 = o.theta1 > 0 ? o.theta1 : std::min(std::sqrt(2 * sigma / (3 * p)), 0.5);
  const double theta2 = o.theta2;
  if (theta1 <= 0)
    throw ConfigError(std::string(LooplessKatyushaOptions::kName) +
                      "::theta1 = 0 needs strong_convexity > 0 to be derived (sigma = 0); give theta1");
  if (theta1 + theta2 > 1)
    throw ConfigError(std::string(LooplessKatyushaOptions::kName) + "::theta1 = " + format_number(theta1) +
                      " (derived) + theta2 = " + format_number(theta2) + " exceeds 1: lower theta2");
  const double eta = theta2 / ((1 + theta2) * theta1);

  auto sampler = replacement_sampler(static_cast<std::size_t>(o.batch_size), o.seed);
  sampler->bind(n);
  AdaptiveSamplingDistribution distribution(o.alpha, o.sampling_learning_rate, o.seed);
  distribution.bind(n);
  std::vector<double> probabilities, observed;
  std::vector<T> x(d), y(params.flat().begin(), params.flat().end()), z = y, y_next(d), g(d);
  std::vector<std::size_t> batch;

  Summary<T> summary;
  summary.message = "reached max_steps = " + std::to_string(o.max_steps);
  snapshot.take_first(f, y);  // w_0 = x_0
  summary.objective_calls = 1;
  summary.sample_gradients = static_cast<std::int64_t>(n);
  T value = 0;
  const T c1 = static_cast<T>(theta1), c2 = static_cast<T>(theta2), c3 = static_cast<T>(1 - theta1 - theta2);
  const T pull = static_cast<T>(eta * sigma), scale = static_cast<T>(1 / (1 + eta * sigma));
  const T step = static_cast<T>(eta / L);
  for (std::int64_t k = 0; k < o.max_steps; ++k) {
    Snapshot<T>& anchor = snapshot.anchor();
    const auto w = anchor.point();
    for (std::size_t j = 0; j < d; ++j) x[j] = c1 * z[j] + c2 * w[j] + c3 * y[j];
    if (!o.adaptive_sampling) {
      sampler->next(batch);
      value = anchor.corrected_direction(f, x, batch, g);
    } else {
      distribution.draw(static_cast<std::size_t>(o.batch_size), batch, probabilities);
      value = anchor.weighted_corrected_direction(f, x, batch, probabilities, g, observed);
      distribution.observe(batch, probabilities, observed, anchor.squared_distance(x));
    }
    summary.objective_calls += 2;
    summary.sample_gradients += 2 * static_cast<std::int64_t>(batch.size());
    bool finite = std::isfinite(value);
    for (std::size_t j = 0; j < d && finite; ++j) {
      const T z_next = (pull * x[j] + z[j] - step * g[j]) * scale;
      y_next[j] = x[j] + c1 * (z_next - z[j]);
      z[j] = z_next;
      finite = std::isfinite(y_next[j]);
    }
    if (!finite) {
      summary.termination = Termination::non_finite;
      summary.message =
          "non-finite gradient or iterate at step " + std::to_string(k + 1) + "; y is the last finite one";
      break;
    }
    // w_{k+1} = y_k: the iterate before this step's update.
    if (snapshot.maybe_refresh(f, y)) {
      summary.objective_calls += 1;
      summary.sample_gradients += static_cast<std::int64_t>(n);
    }
    y.swap(y_next);
    summary.steps = k + 1;
    if (on_step && on_step({k + 1, y, value, summary.sample_gradients, snapshot.count()})) {
      summary.termination = Termination::user_stop;
      summary.message = "on_step asked to stop";
      break;
    }
  }
  std::copy(y.begin(), y.end(), params.data());
  summary.final_value = f.value_and_gradient(y, g);
  double norm = 0;
  for (T v : g) norm += static_cast<double>(v) * static_cast<double>(v);
  summary.final_gradient_norm = static_cast<T>(std::sqrt(norm));
  summary.objective_calls += 1;
  summary.timings.total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

template Summary<float> loopless_katyusha<float>(const FiniteSum<float>&, Parameters<float>&,
                                                 const LooplessKatyushaOptions&,
                                                 const std::function<bool(const KatyushaStep<float>&)>&);
template Summary<double> loopless_katyusha<double>(const FiniteSum<double>&, Parameters<double>&,
                                                   const LooplessKatyushaOptions&,
                                                   const std::function<bool(const KatyushaStep<double>&)>&);

}  // namespace descent
