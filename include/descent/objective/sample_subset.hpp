// A finite sum over some of another finite sum's samples: f_S(x) = (1/|S|) sum_{i in S} f_i(x).
// Sample k of the subset is sample indices[k] of the whole; every call is passed on with its
// indices mapped, so the subset is as fast as the whole and shares its data (nothing is
// copied but the index list and, for label noise, the subset's labels).
//
// Decentralized SGD uses it for a node's shard: each rank trains on its own subset with any
// estimator and transform, and gossip mixes the models (distributed/gossip.hpp).
//
// What the whole provides over all its samples only (Hessian products, a smoothness
// constant) is not offered: the subset's would differ.
#pragma once

#include <vector>

#include "descent/objective/objective.hpp"

namespace descent {

template <class T>
class SampleSubset final : public FiniteSum<T> {
 public:
  // `whole` is kept by reference. MismatchError for an empty subset or an index >= whole's samples.
  SampleSubset(const FiniteSum<T>& whole, std::vector<std::size_t> indices);

  std::string name() const override;
  std::size_t dimension() const override { return whole_.dimension(); }
  std::size_t num_samples() const override { return indices_.size(); }
  std::span<const std::size_t> indices() const { return indices_; }

  T batch_value_and_gradient(std::span<const T> x, std::span<const std::size_t> batch,
                             std::span<T> gradient) const override;
  void per_sample_gradients(std::span<const T> x, std::span<const std::size_t> batch, std::span<T> out) const override;
  void per_sample_gradient_norms(std::span<const T> x, std::span<const std::size_t> batch,
                                 std::span<T> norms) const override;
  bool is_generalized_linear() const override { return whole_.is_generalized_linear(); }
  T score_derivatives(std::span<const T> x, std::span<const std::size_t> batch, std::span<T> slopes) const override;
  void add_sample_vectors(std::span<const std::size_t> batch, std::span<const T> coefficients,
                          std::span<T> out) const override;
  void add_regularizer_gradient(std::span<const T> x, std::span<T> out) const override;
  T clipped_gradient_sum(std::span<const T> x, std::span<const std::size_t> batch, const GradientClipping& clipping,
                         std::span<T> out) const override;
  void add_unclipped_gradient(std::span<const T> x, std::span<T> out) const override;
  std::vector<std::size_t> parameter_groups() const override { return whole_.parameter_groups(); }
  bool accepts_label_override() const override { return whole_.accepts_label_override(); }
  T batch_value_and_gradient_with_labels(std::span<const T> x, std::span<const std::size_t> batch,
                                         std::span<const T> labels, std::span<T> gradient) const override;
  LabelSpace<T> label_space() const override;

 private:
  // The whole's indices of a batch of the subset's (a buffer reused per call; the
  // objective's calls are not concurrent, like the models' own).
  std::span<const std::size_t> mapped(std::span<const std::size_t> batch) const;

  const FiniteSum<T>& whole_;
  std::vector<std::size_t> indices_;
  std::vector<T> labels_;  // the subset's labels, for label_space (empty unless the whole has them)
  mutable std::vector<std::size_t> buffer_;
};

}  // namespace descent
