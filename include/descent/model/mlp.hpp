// A multilayer perceptron classifier: affine layers with an activation between them and
// softmax cross-entropy on the K output scores.
//   a_{-1} = x_i,  z_l = W_l a_{l-1} + b_l,  a_l = act(z_l) (l < L-1),  z_{L-1} = scores,
//   f_i = logsumexp(z_{L-1}) - z_{L-1}[y_i] + lambda/2 sum_l |W_l|_F^2.
// The gradient is exact backpropagation over the minibatch, as matrix products
// (docs/models.md gives the equations and the storage of every block).
//
// Parameters, one block per tensor, in the order and shapes of PyTorch's state_dict for
// nn.Sequential(Linear, act, Linear, ...):
//   "layer0.weight" {h_0, d}, "layer0.bias" {h_0}, "layer1.weight" {h_1, h_0}, ...,
//   "layer<L-1>.weight" {K, h_{L-2}}, "layer<L-1>.bias" {K}.
// Every weight block is row-major {out, in}: row o holds the weights into unit o.
//
// Initialization (initialize()): weights N(0, 2 / fan_in) for ReLU (He et al. 2015) and
// N(0, 2 / (fan_in + fan_out)) for tanh and GELU (Glorot & Bengio 2010), biases 0; layer l
// draws from Random(seed, Stream::init, substream l), so changing one layer's width leaves
// the draws of the others unchanged.
//
// Performance: the batch is processed in chunks of at most 256 rows; per chunk the work is
// one GEMM per layer forward and two backward (one for layer 0), so a 784-256-128-10 network
// on a batch of 128 spends its time in GEMMs. Sparse inputs are supported; their first layer
// is computed row by row (gathers from W_0), slower than a dense GEMM for wide layers.
// The dataset is kept by reference: see model/model.hpp for the lifetime and thread rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "descent/core/parameters.hpp"
#include "descent/model/activation.hpp"
#include "descent/model/model.hpp"

namespace descent {

struct MlpOptions {
  static constexpr const char* kName = "MlpOptions";
  // Widths of the hidden layers, each >= 1; {} is softmax regression with a bias.
  std::vector<std::size_t> hidden = {128};
  Activation activation = Activation::relu;
  // K >= 2, or 0 to take K = dataset.num_classes().
  std::size_t num_classes = 0;
  // lambda/2 |W_l|_F^2 summed over the weight matrices (not the biases); 0 <= lambda < inf.
  // Decoupled decay is the weight_decay transform instead.
  double l2 = 0;

  // Throws ConfigError "MlpOptions::<field> = <value> violates <constraint>".
  void validate() const;
};

template <class T>
class Mlp final : public Model<T> {
 public:
  // Throws ConfigError for bad options, MismatchError for a dataset without features or a
  // label that is not a class index below K.
  explicit Mlp(const Dataset<T>& data, MlpOptions options = {});

  std::string name() const override { return "mlp"; }
  std::size_t num_classes() const noexcept { return options_.num_classes; }
  // The options, with num_classes resolved.
  const MlpOptions& options() const noexcept { return options_; }

  // Draws the weights (He or Glorot, see above) and zeroes the biases. Throws
  // MismatchError when params does not have this model's layout.
  void initialize(Parameters<T>& params, std::uint64_t seed) const;
  // Parameters with this model's layout, initialized from `seed`.
  Parameters<T> initial_parameters(std::uint64_t seed) const;

 private:
  MlpOptions options_;
};

}  // namespace descent
