// Which samples a minibatch holds. Three schemes, each with its own Random stream
// (Stream::sampling) whose position is saved with it:
//   shuffle      each epoch a fresh permutation, cut into consecutive batches (without
//                replacement; the last batch of an epoch may be shorter);
//   replacement  each batch is batch_size i.i.d. uniform indices (with replacement);
//   poisson      each sample joins independently with probability q, so the batch size
//                is Binomial(n, q) and may be 0 (an empty batch is a valid step). This
//                is the sampling DP-SGD's privacy accounting assumes (Abadi et al. 2016).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "descent/core/binary_io.hpp"
#include "descent/core/random.hpp"

namespace descent {

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::string spec() const = 0;
  // Called once with the number of samples before the first batch.
  virtual void bind(std::size_t n) = 0;
  // Replaces `batch` with the next batch's indices (keeps its capacity).
  virtual void next(std::vector<std::size_t>& batch) = 0;
  // Epochs started so far (shuffle), or batches drawn times expected fraction (others).
  virtual double epochs() const = 0;
  virtual void save(BinaryWriter& out) const = 0;
  virtual void load(BinaryReader& in) = 0;  // checks everything before assigning
};

using SamplerPtr = std::shared_ptr<Sampler>;

SamplerPtr shuffle_sampler(std::size_t batch_size, std::uint64_t seed = 0);
SamplerPtr replacement_sampler(std::size_t batch_size, std::uint64_t seed = 0);
SamplerPtr poisson_sampler(double q, std::uint64_t seed = 0);

}  // namespace descent
