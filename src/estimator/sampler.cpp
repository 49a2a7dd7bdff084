#include "descent/estimator/sampler.hpp"

#include <cmath>
#include <numeric>

#include "descent/core/error.hpp"

namespace descent {

namespace {

class ShuffleSampler final : public Sampler {
 public:
  ShuffleSampler(std::size_t batch_size, std::uint64_t seed)
      : batch_size_(batch_size), seed_(seed), rng_(seed, Stream::sampling) {
    require(batch_size >= 1, "ShuffleSampler", "batch_size", static_cast<double>(batch_size), "batch_size >= 1");
  }
  std::string spec() const override {
    return "shuffle(batch_size=" + std::to_string(batch_size_) + ", seed=" + std::to_string(seed_) + ")";
  }
  void bind(std::size_t n) override {
    if (order_.size() == n) return;
    order_.resize(n);
    std::iota(order_.begin(), order_.end(), std::size_t{0});  // a valid permutation even before the first epoch
    cursor_ = n;                                              // the first batch starts an epoch
  }
  void next(std::vector<std::size_t>& batch) override {
    batch.clear();
    if (order_.empty()) return;
    if (cursor_ >= order_.size()) {
      // Fisher-Yates over the identity: the permutation depends only on the RNG position.
      std::iota(order_.begin(), order_.end(), std::size_t{0});
      for (std::size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng_.below(i)]);
      cursor_ = 0;
      ++epoch_;
    }
    const std::size_t take = std::min(batch_size_, order_.size() - cursor_);
    batch.assign(order_.begin() + static_cast<std::ptrdiff_t>(cursor_),
                 order_.begin() + static_cast<std::ptrdiff_t>(cursor_ + take));
    cursor_ += take;
  }
  double epochs() const override { return static_cast<double>(epoch_); }
  void save(BinaryWriter& out) const override {
    out.u64(rng_.position());
    out.u64(cursor_);
    out.i64(epoch_);
    out.array(std::span<const std::size_t>(order_));
  }
  void load(BinaryReader& in) override {
    const std::uint64_t position = in.u64("shuffle rng position");
    const std::uint64_t cursor = in.u64("shuffle cursor");
    const std::int64_t epoch = in.i64("shuffle epoch");
    auto order = in.array<std::size_t>("shuffle order");
    if (order.size() != order_.size())
      in.fail("shuffle order has " + std::to_string(order.size()) + " entries, the data " +
              std::to_string(order_.size()) + " samples");
    if (cursor > order.size()) in.fail("shuffle cursor beyond the epoch");
    std::vector<bool> seen(order.size());
    for (std::size_t v : order) {
      if (v >= order.size() || seen[v]) in.fail("shuffle order is not a permutation");
      seen[v] = true;
    }
    rng_.seek(position);
    cursor_ = cursor;
    epoch_ = epoch;
    order_ = std::move(order);
  }

 private:
  std::size_t batch_size_;
  std::uint64_t seed_;
  Random rng_;
  std::vector<std::size_t> order_;
  std::size_t cursor_ = 0;
  std::int64_t epoch_ = 0;
};

class ReplacementSampler final : public Sampler {
 public:
  ReplacementSampler(std::size_t batch_size, std::uint64_t seed)
      : batch_size_(batch_size), seed_(seed), rng_(seed, Stream::sampling) {
    require(batch_size >= 1, "ReplacementSampler", "batch_size", static_cast<double>(batch_size), "batch_size >= 1");
  }
  std::string spec() const override {
    return "replacement(batch_size=" + std::to_string(batch_size_) + ", seed=" + std::to_string(seed_) + ")";
  }
  void bind(std::size_t n) override { n_ = n; }
  void next(std::vector<std::size_t>& batch) override {
    batch.clear();
    if (n_ == 0) return;
    for (std::size_t k = 0; k < batch_size_; ++k) batch.push_back(static_cast<std::size_t>(rng_.below(n_)));
    ++batches_;
  }
  double epochs() const override {
    return n_ == 0 ? 0 : static_cast<double>(batches_) * static_cast<double>(batch_size_) / static_cast<double>(n_);
  }
  void save(BinaryWriter& out) const override {
    out.u64(rng_.position());
    out.i64(batches_);
  }
  void load(BinaryReader& in) override {
    const std::uint64_t position = in.u64("replacement rng position");
    const std::int64_t batches = in.i64("replacement batches");
    if (batches < 0) in.fail("negative batch count");
    rng_.seek(position);
    batches_ = batches;
  }

 private:
  std::size_t batch_size_;
  std::uint64_t seed_;
  Random rng_;
  std::size_t n_ = 0;
  std::int64_t batches_ = 0;
};

class PoissonSampler final : public Sampler {
 public:
  PoissonSampler(double q, std::uint64_t seed) : q_(q), seed_(seed), rng_(seed, Stream::sampling) {
    require(q > 0 && q <= 1, "PoissonSampler", "q", q, "0 < q <= 1");
  }
  std::string spec() const override {
    return "poisson(q=" + format_number(q_) + ", seed=" + std::to_string(seed_) + ")";
  }
  void bind(std::size_t n) override { n_ = n; }
  void next(std::vector<std::size_t>& batch) override {
    batch.clear();
    ++batches_;
    if (q_ == 1) {
      for (std::size_t i = 0; i < n_; ++i) batch.push_back(i);
      return;
    }
    // Gaps between included samples are geometric: P(gap = k) = (1 - q)^k q. Drawing
    // the gaps instead of n Bernoulli variables costs O(batch) instead of O(n) and gives
    // exactly the same distribution of subsets.
    const double log_keep = std::log1p(-q_);
    double i = -1;
    for (;;) {
      i += 1 + std::floor(std::log(rng_.uniform_open_zero()) / log_keep);
      if (i >= static_cast<double>(n_)) break;
      batch.push_back(static_cast<std::size_t>(i));
    }
  }
  double epochs() const override { return static_cast<double>(batches_) * q_; }
  void save(BinaryWriter& out) const override {
    out.u64(rng_.position());
    out.i64(batches_);
  }
  void load(BinaryReader& in) override {
    const std::uint64_t position = in.u64("poisson rng position");
    const std::int64_t batches = in.i64("poisson batches");
    if (batches < 0) in.fail("negative batch count");
    rng_.seek(position);
    batches_ = batches;
  }

 private:
  double q_;
  std::uint64_t seed_;
  Random rng_;
  std::size_t n_ = 0;
  std::int64_t batches_ = 0;
};

}  // namespace

SamplerPtr shuffle_sampler(std::size_t batch_size, std::uint64_t seed) {
  return std::make_shared<ShuffleSampler>(batch_size, seed);
}
SamplerPtr replacement_sampler(std::size_t batch_size, std::uint64_t seed) {
  return std::make_shared<ReplacementSampler>(batch_size, seed);
}
SamplerPtr poisson_sampler(double q, std::uint64_t seed) { return std::make_shared<PoissonSampler>(q, seed); }

}  // namespace descent
