#include "descent/estimator/adaptive_batch.hpp"

#include <algorithm>
#include <numeric>

#include "descent/core/error.hpp"
#include "finite_sum_binding.hpp"

namespace descent {

namespace {

// Rows of per-sample gradients asked for at once on the generic path: enough to amortize the
// call, few enough that the scratch stays O(d) whatever the batch size.
constexpr std::size_t kRowsPerCall = 32;

BatchTestThresholds thresholds(const AdaptiveBatchOptions& o) { return {o.eta, o.theta, o.nu}; }

const AdaptiveBatchOptions& checked(const AdaptiveBatchOptions& o) {
  validate(o);
  require(o.max_batch == 0 || o.max_batch >= o.initial, AdaptiveBatchOptions::kName, "max_batch",
          static_cast<double>(o.max_batch), "max_batch = 0 (no cap but n) or max_batch >= initial");
  return o;
}

}  // namespace

const std::vector<Field<AdaptiveBatchOptions>>& AdaptiveBatchOptions::fields() {
  static const std::vector<Field<AdaptiveBatchOptions>> f = {
      {"initial", &AdaptiveBatchOptions::initial, Range::at_least(2),
       "b_0, the first batch size (capped at n); the size then only grows"},
      {"test", &AdaptiveBatchOptions::test, Range{0, 2, false, false},
       "0: norm test Var/b <= eta^2 |g|^2; 1: augmented inner-product test (theta, nu); "
       "2: coordinate-wise norm test, every j: Var_j/b <= eta^2 g_j^2"},
      {"eta", &AdaptiveBatchOptions::eta, Range::positive(),
       "norm and coordinate tests: allowed relative error of the batch gradient"},
      {"theta", &AdaptiveBatchOptions::theta, Range::positive(),
       "inner-product test: Var(<g_i, g>)/b <= theta^2 |g|^4"},
      {"nu", &AdaptiveBatchOptions::nu, Range::positive(),
       "inner-product test's orthogonality condition: Var(g_i - <g_i,g> g/|g|^2)/b <= nu^2 |g|^2"},
      {"max_batch", &AdaptiveBatchOptions::max_batch, Range::at_least(0),
       "cap on the batch size: 0 (n) or >= initial"}};
  return f;
}

template <class T>
AdaptiveBatch<T>::AdaptiveBatch(AdaptiveBatchOptions options, std::uint64_t seed)
    : options_(checked(options)),
      seed_(seed),
      rng_(seed, Stream::sampling),
      accumulator_(static_cast<BatchTest>(options.test), thresholds(options)) {}

template <class T>
std::string AdaptiveBatch<T>::spec() const {
  return to_spec("adaptive_batch", options_);
}

template <class T>
void AdaptiveBatch<T>::bind(const Differentiable<T>& objective) {
  sum_ = &detail::require_finite_sum(objective, "adaptive_batch");
  const std::size_t n = sum_->num_samples(), d = sum_->dimension();
  const auto n64 = static_cast<std::int64_t>(n);
  cap_ = options_.max_batch == 0 ? n64 : std::min(options_.max_batch, n64);
  size_ = std::min(options_.initial, cap_);
  steps_ = 0;
  epoch_ = 0;
  order_.resize(n);
  std::iota(order_.begin(), order_.end(), std::size_t{0});
  cursor_ = n;  // the first batch starts an epoch
  history_.assign(1, {0, size_});
  history_.reserve(64);
  last_test_ = {};
  last_test_.samples = 0;
  batch_.reserve(static_cast<std::size_t>(cap_));
  slopes_.resize(static_cast<std::size_t>(cap_));
  coefficients_.resize(static_cast<std::size_t>(cap_));
  regularizer_.resize(d);
  row_.resize(d);
  rows_.resize(kRowsPerCall * d);
}

template <class T>
void AdaptiveBatch<T>::draw_batch() {
  const auto b = static_cast<std::size_t>(size_);
  if (cursor_ + b > order_.size()) {
    // Fisher-Yates over the identity: the permutation depends only on the RNG position.
    std::iota(order_.begin(), order_.end(), std::size_t{0});
    for (std::size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng_.below(i)]);
    cursor_ = 0;
    ++epoch_;
  }
  batch_.assign(order_.begin() + static_cast<std::ptrdiff_t>(cursor_),
                order_.begin() + static_cast<std::ptrdiff_t>(cursor_ + b));
  cursor_ += b;
}

// grad f_i(x) = s_i u_i + r(x): one pass gives the value and every slope s_i; the direction and
// each sample's gradient are then sums of the fixed vectors u_i.
template <class T>
T AdaptiveBatch<T>::test_generalized_linear(std::span<const T> x, std::span<T> direction) {
  const std::size_t b = batch_.size();
  const std::span<T> slopes(slopes_.data(), b), coefficients(coefficients_.data(), b);
  const T value = sum_->score_derivatives(x, batch_, slopes);
  std::fill(regularizer_.begin(), regularizer_.end(), T(0));
  sum_->add_regularizer_gradient(x, regularizer_);
  std::copy(regularizer_.begin(), regularizer_.end(), direction.begin());
  for (std::size_t k = 0; k < b; ++k) coefficients[k] = slopes[k] / static_cast<T>(b);
  sum_->add_sample_vectors(batch_, coefficients, direction);
  accumulator_.start(std::span<const T>(direction));
  for (std::size_t k = 0; k < b; ++k) {
    std::copy(regularizer_.begin(), regularizer_.end(), row_.begin());
    sum_->add_sample_vectors(std::span<const std::size_t>(&batch_[k], 1), std::span<const T>(&slopes[k], 1), row_);
    accumulator_.add(std::span<const T>(row_));
  }
  return value;
}

// Any finite sum: the batch gradient, then the per-sample gradients in chunks of kRowsPerCall.
template <class T>
T AdaptiveBatch<T>::test_generic(std::span<const T> x, std::span<T> direction, std::int64_t* calls) {
  const T value = sum_->batch_value_and_gradient(x, batch_, direction);
  accumulator_.start(std::span<const T>(direction));
  const std::size_t d = direction.size();
  *calls = 1;
  for (std::size_t first = 0; first < batch_.size(); first += kRowsPerCall) {
    const std::size_t count = std::min(kRowsPerCall, batch_.size() - first);
    const std::span<T> rows(rows_.data(), count * d);
    sum_->per_sample_gradients(x, std::span<const std::size_t>(batch_).subspan(first, count), rows);
    ++*calls;
    for (std::size_t k = 0; k < count; ++k) accumulator_.add(std::span<const T>(rows.subspan(k * d, d)));
  }
  return value;
}

template <class T>
Estimate<T> AdaptiveBatch<T>::estimate(const Differentiable<T>&, std::span<const T> x, std::span<T> direction) {
  detail::require_bound(sum_, "adaptive_batch");
  if (direction.size() != sum_->dimension() || x.size() != sum_->dimension())
    throw MismatchError("adaptive_batch: x and the direction must have the objective's dimension " +
                        std::to_string(sum_->dimension()));
  draw_batch();
  const auto b = static_cast<std::int64_t>(batch_.size());
  Estimate<T> e;
  if (size_ >= cap_) {
    // The size cannot grow any more: no test, just the batch gradient (the exact one when cap = n).
    e.value = sum_->batch_value_and_gradient(x, batch_, direction);
    e.objective_calls = 1;
    e.sample_gradients = b;
  } else {
    if (sum_->is_generalized_linear()) {
      e.value = test_generalized_linear(x, direction);
      e.objective_calls = 1;
      e.sample_gradients = b;
    } else {
      e.value = test_generic(x, direction, &e.objective_calls);
      e.sample_gradients = 2 * b;
    }
    last_test_ = accumulator_.finish();
    const std::int64_t next = next_batch_size(last_test_, size_, cap_);
    if (next != size_) {
      size_ = next;
      history_.push_back({steps_ + 1, size_});
    }
  }
  ++steps_;
  return e;
}

template <class T>
void AdaptiveBatch<T>::save(BinaryWriter& out) const {
  out.u64(rng_.position());
  out.i64(steps_);
  out.i64(size_);
  out.u64(cursor_);
  out.i64(epoch_);
  out.array(std::span<const std::size_t>(order_));
  std::vector<std::int64_t> flat;
  for (const auto& c : history_) {
    flat.push_back(c.step);
    flat.push_back(c.batch_size);
  }
  out.array(std::span<const std::int64_t>(flat));
}

template <class T>
void AdaptiveBatch<T>::load(BinaryReader& in) {
  if (sum_ == nullptr) throw MismatchError("adaptive_batch: load() before bind()");
  const std::uint64_t position = in.u64("adaptive_batch rng position");
  const std::int64_t steps = in.i64("adaptive_batch steps");
  const std::int64_t size = in.i64("adaptive_batch batch size");
  const std::uint64_t cursor = in.u64("adaptive_batch cursor");
  const std::int64_t epoch = in.i64("adaptive_batch epoch");
  auto order = in.array<std::size_t>("adaptive_batch order");
  const auto flat = in.array<std::int64_t>("adaptive_batch history");
  const std::int64_t first = std::min(options_.initial, cap_);
  if (steps < 0 || epoch < 0) in.fail("adaptive_batch: negative step or epoch count");
  if (size < first || size > cap_)
    in.fail("adaptive_batch: batch size " + std::to_string(size) + " outside [" + std::to_string(first) + ", " +
            std::to_string(cap_) + "] for these options and data");
  if (order.size() != order_.size())
    in.fail("adaptive_batch: order has " + std::to_string(order.size()) + " entries, the data " +
            std::to_string(order_.size()) + " samples");
  if (cursor > order.size()) in.fail("adaptive_batch: cursor beyond the epoch");
  std::vector<bool> seen(order.size());
  for (std::size_t v : order) {
    if (v >= order.size() || seen[v]) in.fail("adaptive_batch: order is not a permutation");
    seen[v] = true;
  }
  if (flat.empty() || flat.size() % 2 != 0) in.fail("adaptive_batch: malformed batch size history");
  std::vector<BatchSizeChange> history;
  for (std::size_t k = 0; k < flat.size(); k += 2) history.push_back({flat[k], flat[k + 1]});
  if (history.front() != BatchSizeChange{0, first}) in.fail("adaptive_batch: history does not start at b_0");
  for (std::size_t k = 1; k < history.size(); ++k)
    if (history[k].step <= history[k - 1].step || history[k].batch_size <= history[k - 1].batch_size)
      in.fail("adaptive_batch: history is not increasing");
  if (history.back().batch_size != size || history.back().step > steps)
    in.fail("adaptive_batch: history disagrees with the current batch size");
  rng_.seek(position);
  steps_ = steps;
  size_ = size;
  cursor_ = cursor;
  epoch_ = epoch;
  order_ = std::move(order);
  history_ = std::move(history);
  last_test_ = {};
  last_test_.samples = 0;
}

template class AdaptiveBatch<float>;
template class AdaptiveBatch<double>;

}  // namespace descent
