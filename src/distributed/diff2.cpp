#include "descent/distributed/diff2.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "../estimator/finite_sum_binding.hpp"
#include "descent/core/error.hpp"
#include "descent/core/size_check.hpp"
#include "descent/estimator/dp_sgd.hpp"

namespace descent {

const std::vector<Field<Diff2Options>>& Diff2Options::fields() {
  using O = Diff2Options;
  static const std::vector<Field<O>> f = {
      {"clients", &O::clients, Range::at_least(1), "P: simulated clients the samples are dealt to"},
      {"partition", &O::partition, Range::any(),
       "iid: shuffled, near-equal pieces; dirichlet: each class dealt by proportions p ~ Dir(alpha)",
       &ClientSplitOptions::partition_choices()},
      {"alpha", &O::alpha, Range::positive(), "Dirichlet concentration of the dirichlet partition"},
      {"restart", &O::restart, Range::at_least(1),
       "T: every T-th step is a refresh (clipped gradients), the others send gradient differences"},
      {"clip_norm", &O::clip_norm, Range::positive(), "C1: a refresh clips each sample's gradient to norm C1"},
      {"noise_multiplier", &O::noise_multiplier, Range::positive(),
       "sigma1: a refresh's noise on the server's average of the clients' clipped means has std sigma1 C1 / "
       "(n_min P), sigma1 times its sensitivity (each client adds a 1/P share of the variance)"},
      {"difference_clip", &O::difference_clip, Range::positive(),
       "C2: a difference step clips each sample's gradient difference to C2 |x_r - x_{r-1}| (C2 >= the "
       "per-sample smoothness: no clipping)"},
      {"difference_noise_multiplier", &O::difference_noise_multiplier, Range::positive(),
       "sigma2: a difference step's noise on the server's average has std sigma2 C2 |x_r - x_{r-1}| / (n_min P), "
       "sigma2 times its sensitivity"},
      {"secure", &O::secure, Range::any(),
       "noise from the system's secure generator (getrandom) instead of the seeded stream; not reproducible"}};
  return f;
}

void Diff2Options::validate() const { descent::validate(*this); }

template <class T>
Diff2<T>::Diff2(Diff2Options options, std::uint64_t seed) : options_(std::move(options)), seed_(seed) {
  options_.validate();
}

template <class T>
std::string Diff2<T>::spec() const {
  return to_spec("diff2", options_);
}

template <class T>
void Diff2<T>::bind(const Differentiable<T>& objective) {
  const FiniteSum<T>& sum = detail::require_finite_sum(objective, "diff2");
  const std::size_t n = sum.num_samples();
  // Named here rather than by split_iid's ClientSplitOptions: the user wrote diff2(clients=...).
  require(static_cast<double>(options_.clients) <= static_cast<double>(n), Diff2Options::kName, "clients",
          static_cast<double>(options_.clients), "clients <= samples (" + std::to_string(n) + ")");
  split_ = split_clients(sum, options_.split_options(), seed_);
  // P and n_min of the noise scale. A client dealt no samples (dirichlet) has no mean to send and
  // takes no part (an assumption: the paper's workers all hold data); split_clients leaves at
  // least one client with samples, since n >= 1.
  participating_ = 0;
  smallest_client_ = n;
  for (std::size_t p = 0; p < split_.num_clients(); ++p) {
    if (split_.client_size(p) == 0) continue;
    ++participating_;
    smallest_client_ = std::min(smallest_client_, split_.client_size(p));
  }
  dimension_ = sum.dimension();
  previous_x_.assign(dimension_, T(0));
  estimate_.assign(dimension_, T(0));
  message_.assign(dimension_, T(0));
  regularizer_difference_.assign(dimension_, T(0));
  sum_ = &sum;
}

template <class T>
std::int64_t Diff2<T>::refreshes() const noexcept {
  return (steps_ + options_.restart - 1) / options_.restart;
}

template <class T>
void Diff2<T>::add_noise(T stddev, std::span<T> message) {
  if (options_.secure) {
    add_secure_gaussian_noise(stddev, message);
  } else {
    noise_position_ += add_gaussian_noise(seed_, noise_position_, stddev, message);
  }
}

namespace {

// Samples whose per-sample gradients are held at once (two buffers of this many rows).
constexpr std::size_t kChunk = 64;

}  // namespace

template <class T>
void Diff2<T>::clipped_difference_sum(std::span<const std::size_t> samples, std::span<const T> x, T radius,
                                      std::span<T> message) {
  std::fill(message.begin(), message.end(), T(0));
  const std::size_t d = dimension_;
  const std::size_t rows = std::min(kChunk, samples.size());
  at_x_.resize(rows * d);
  at_previous_.resize(rows * d);
  for (std::size_t first = 0; first < samples.size(); first += kChunk) {
    const std::span<const std::size_t> chunk = samples.subspan(first, std::min(kChunk, samples.size() - first));
    const std::span<T> a(at_x_.data(), chunk.size() * d), b(at_previous_.data(), chunk.size() * d);
    sum_->per_sample_gradients(x, chunk, a);
    sum_->per_sample_gradients(previous_x_, chunk, b);
    for (std::size_t k = 0; k < chunk.size(); ++k) {
      // grad loss_i(x) - grad loss_i(x_prev): per-sample gradients hold grad r, whose difference
      // leaves the clipped part as it leaves clipped_gradient_sum's (objective.hpp).
      T* diff = a.data() + k * d;
      const T* previous = b.data() + k * d;
      double squared = 0;
      for (std::size_t j = 0; j < d; ++j) {
        diff[j] = diff[j] - previous[j] - regularizer_difference_[j];
        squared += static_cast<double>(diff[j]) * static_cast<double>(diff[j]);
      }
      const double norm = std::sqrt(squared);
      // norm > radius >= 0 implies norm > 0; a radius of 0 scales every difference to 0.
      const T scale = norm > static_cast<double>(radius) ? static_cast<T>(static_cast<double>(radius) / norm) : T(1);
      for (std::size_t j = 0; j < d; ++j) message[j] += scale * diff[j];
    }
  }
}

template <class T>
Estimate<T> Diff2<T>::estimate(const Differentiable<T>&, std::span<const T> x, std::span<T> direction) {
  detail::require_bound(sum_, "diff2");
  detail::require_size(*sum_, "parameters", x.size(), dimension_);
  detail::require_size(*sum_, "direction", direction.size(), dimension_);
  const bool refresh = steps_ % options_.restart == 0;
  const std::size_t clients = split_.num_clients();
  // The server's weights: 1/P per client whatever its size (Algorithm 1 averages the workers'
  // messages; the paper's f is the mean of the clients' objectives).
  const T inverse_p = static_cast<T>(1 / static_cast<double>(participating_));
  // Each client's noise share: the average (1/P) sum_p m_p then carries N(0, (sigma C_r /
  // (n_min P))^2) per coordinate, sigma times its sensitivity C_r / (n_min P) (see the header).
  const double share = 1 / (static_cast<double>(smallest_client_) * std::sqrt(static_cast<double>(participating_)));
  // message_ holds a client's clipped sum; this turns it into its noisy clipped mean and adds
  // that to the server's average.
  const auto send = [&](std::size_t size, T stddev) {
    const T inverse_size = static_cast<T>(1 / static_cast<double>(size));
    for (std::size_t j = 0; j < dimension_; ++j) message_[j] *= inverse_size;
    add_noise(stddev, message_);
    for (std::size_t j = 0; j < dimension_; ++j) estimate_[j] += inverse_p * message_[j];
  };
  double value = 0;
  std::int64_t calls = 0, sample_gradients = 0;
  if (refresh) {
    std::fill(estimate_.begin(), estimate_.end(), T(0));
    const GradientClipping clipping{.norm = options_.clip_norm, .per_group = false};
    const T stddev = static_cast<T>(options_.noise_multiplier * options_.clip_norm * share);
    for (std::size_t p = 0; p < clients; ++p) {
      const std::span<const std::size_t> samples = split_.client(p);
      if (samples.empty()) continue;  // an empty client (dirichlet) sends nothing
      // The only place the data enter a refresh: one added sample moves the sum by at most C1.
      const T mean_value = sum_->clipped_gradient_sum(x, samples, clipping, message_);
      send(samples.size(), stddev);
      value += static_cast<double>(samples.size()) * static_cast<double>(mean_value);
      ++calls;
      sample_gradients += static_cast<std::int64_t>(samples.size());
    }
    value /= static_cast<double>(split_.num_assigned());
    last_radius_ = 0;
  } else {
    double squared_step = 0;
    for (std::size_t j = 0; j < dimension_; ++j) {
      const double s = static_cast<double>(x[j]) - static_cast<double>(previous_x_[j]);
      squared_step += s * s;
    }
    // The paper's adaptive radius: public, since x_r and x_{r-1} are post-processing of earlier outputs.
    last_radius_ = options_.difference_clip * std::sqrt(squared_step);
    const T radius = static_cast<T>(last_radius_);
    const T stddev = static_cast<T>(options_.difference_noise_multiplier * last_radius_ * share);
    // grad r(x_r) - grad r(x_{r-1}), taken out of every per-sample difference below.
    std::fill(regularizer_difference_.begin(), regularizer_difference_.end(), T(0));
    sum_->add_unclipped_gradient(x, regularizer_difference_);
    std::fill(message_.begin(), message_.end(), T(0));
    sum_->add_unclipped_gradient(previous_x_, message_);
    for (std::size_t j = 0; j < dimension_; ++j) regularizer_difference_[j] -= message_[j];
    for (std::size_t p = 0; p < clients; ++p) {
      const std::span<const std::size_t> samples = split_.client(p);
      if (samples.empty()) continue;
      clipped_difference_sum(samples, x, radius, message_);
      // Drawn even when the radius is 0 (stddev 0 adds exactly 0), so that the stream's
      // position depends on the step count alone.
      send(samples.size(), stddev);
      calls += 2;
      sample_gradients += 2 * static_cast<std::int64_t>(samples.size());
    }
    value = static_cast<double>(sum_->value(x));
    ++calls;
  }
  std::copy(x.begin(), x.end(), previous_x_.begin());
  std::copy(estimate_.begin(), estimate_.end(), direction.begin());
  // grad r(x) after the noise and outside the recursion: data-independent, so exact and free.
  sum_->add_unclipped_gradient(x, direction);
  ++steps_;
  return {static_cast<T>(value), calls, sample_gradients};
}

template <class T>
std::vector<GaussianSteps> Diff2<T>::privacy_compositions() const {
  std::vector<GaussianSteps> parts;
  const std::int64_t refreshes = this->refreshes();
  if (refreshes > 0) parts.push_back({options_.noise_multiplier, 1.0, refreshes});
  if (steps_ - refreshes > 0) parts.push_back({options_.difference_noise_multiplier, 1.0, steps_ - refreshes});
  return parts;
}

template <class T>
std::optional<GaussianSteps> Diff2<T>::privacy_ledger() const {
  if (steps_ == 0) return GaussianSteps{options_.noise_multiplier, 1.0, 0};
  // mu^2 = sum over parts of steps / sigma^2; sigma_eq^2 = steps / mu^2 (see the header).
  double mu_squared = 0;
  for (const GaussianSteps& part : privacy_compositions())
    mu_squared += static_cast<double>(part.steps) / (part.noise_multiplier * part.noise_multiplier);
  return GaussianSteps{std::sqrt(static_cast<double>(steps_) / mu_squared), 1.0, steps_};
}

template <class T>
void Diff2<T>::save(BinaryWriter& out) const {
  out.i64(options_.clients);
  out.string(options_.partition);
  out.f64(options_.alpha);
  out.i64(options_.restart);
  out.f64(options_.clip_norm);
  out.f64(options_.noise_multiplier);
  out.f64(options_.difference_clip);
  out.f64(options_.difference_noise_multiplier);
  out.u8(options_.secure ? 1 : 0);
  std::vector<std::uint64_t> sizes(split_.num_clients());
  for (std::size_t p = 0; p < sizes.size(); ++p) sizes[p] = split_.client_size(p);
  out.array(std::span<const std::uint64_t>(sizes));
  out.i64(steps_);
  out.u64(noise_position_);
  out.f64(last_radius_);
  out.array(std::span<const T>(previous_x_));
  out.array(std::span<const T>(estimate_));
}

template <class T>
void Diff2<T>::load(BinaryReader& in) {
  detail::require_bound(sum_, "diff2");
  // The state means something only for the options and split it was saved with: another sigma
  // or restart would silently change the ledger, another split the recursion.
  const auto expect = [&](const char* what, double saved, double mine) {
    if (saved != mine)
      in.fail(std::string("diff2 state was saved with ") + what + " = " + format_number(saved) +
              ", this estimator has " + format_number(mine));
  };
  expect("clients", static_cast<double>(in.i64("diff2 clients")), static_cast<double>(options_.clients));
  const std::string partition = in.string("diff2 partition");
  if (partition != options_.partition)
    in.fail("diff2 state was saved with partition = " + partition + ", this estimator has " + options_.partition);
  expect("alpha", in.f64("diff2 alpha"), options_.alpha);
  expect("restart", static_cast<double>(in.i64("diff2 restart")), static_cast<double>(options_.restart));
  expect("clip_norm", in.f64("diff2 clip_norm"), options_.clip_norm);
  expect("noise_multiplier", in.f64("diff2 noise_multiplier"), options_.noise_multiplier);
  expect("difference_clip", in.f64("diff2 difference_clip"), options_.difference_clip);
  expect("difference_noise_multiplier", in.f64("diff2 difference_noise_multiplier"),
         options_.difference_noise_multiplier);
  expect("secure", in.u8("diff2 secure"), options_.secure ? 1 : 0);
  const std::vector<std::uint64_t> sizes = in.array<std::uint64_t>("diff2 client sizes");
  bool same_split = sizes.size() == split_.num_clients();
  for (std::size_t p = 0; same_split && p < sizes.size(); ++p) same_split = sizes[p] == split_.client_size(p);
  if (!same_split) in.fail("diff2 state was saved with another client split (another seed or dataset)");
  const std::int64_t steps = in.i64("diff2 steps");
  if (steps < 0) in.fail("diff2: negative step count");
  const std::uint64_t position = in.u64("diff2 noise position");
  if (position % 4 != 0) in.fail("diff2: noise position is not a multiple of 4");
  const double radius = in.f64("diff2 last difference radius");
  if (!(radius >= 0)) in.fail("diff2: negative or NaN difference radius");
  std::vector<T> previous(dimension_), estimate(dimension_);
  in.array_into(std::span<T>(previous), "diff2 previous iterate");
  in.array_into(std::span<T>(estimate), "diff2 gradient estimate");
  steps_ = steps;
  noise_position_ = position;
  last_radius_ = radius;
  previous_x_ = std::move(previous);
  estimate_ = std::move(estimate);
}

template class Diff2<float>;
template class Diff2<double>;

}  // namespace descent
