#include "descent/model/mlp.hpp"

#include <cmath>
#include <string>

#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "label_checks.hpp"
#include "layer_stack.hpp"

namespace descent {

namespace {

constexpr const char* kModel = "mlp";

template <class T>
std::unique_ptr<detail::LayerStack<T>> make_stack(const Dataset<T>& data, const MlpOptions& options) {
  options.validate();
  detail::require_features(data, kModel);
  detail::StackConfig<T> config;
  config.model = kModel;
  config.inputs = data.dimension();
  config.widths = options.hidden;
  config.widths.push_back(detail::resolve_num_classes(data, options.num_classes, kModel));
  for (std::size_t l = 0; l < config.widths.size(); ++l) {
    config.weight_names.push_back("layer" + std::to_string(l) + ".weight");
    config.bias_names.push_back("layer" + std::to_string(l) + ".bias");
  }
  config.bias = true;
  config.activation = options.activation;
  config.l2 = options.l2;
  config.head = detail::Head::softmax_cross_entropy;
  return std::make_unique<detail::LayerStack<T>>(std::move(config));
}

}  // namespace

void MlpOptions::validate() const {
  for (std::size_t i = 0; i < hidden.size(); ++i)
    require(hidden[i] >= 1, kName, "hidden[" + std::to_string(i) + "]", static_cast<double>(hidden[i]),
            "hidden[i] >= 1");
  require(num_classes == 0 || num_classes >= 2, kName, "num_classes", static_cast<double>(num_classes),
          "num_classes >= 2 (or 0: from the dataset)");
  require(std::isfinite(l2) && l2 >= 0, kName, "l2", l2, "0 <= l2 < inf");
}

template <class T>
Mlp<T>::Mlp(const Dataset<T>& data, MlpOptions options)
    : Model<T>(data, make_stack(data, options)), options_(std::move(options)) {
  options_.num_classes = this->stack().num_outputs();
}

template <class T>
void Mlp<T>::initialize(Parameters<T>& params, std::uint64_t seed) const {
  if (!(params.layout() == this->layout()))
    throw MismatchError("mlp: the parameters (" + std::to_string(params.size()) +
                        " values) do not have this model's layout (" + std::to_string(this->layout().size()) +
                        " values in " + std::to_string(this->layout().blocks().size()) + " blocks)");
  const std::size_t layers = options_.hidden.size() + 1;
  for (std::size_t l = 0; l < layers; ++l) {
    const auto weight = params.block("layer" + std::to_string(l) + ".weight");
    const double fan_out = static_cast<double>(weight.info->shape[0]);
    const double fan_in = static_cast<double>(weight.info->shape[1]);
    // He: Var = 2 / fan_in keeps E|a|^2 constant through ReLU layers (half the units are
    // off); Glorot: Var = 2 / (fan_in + fan_out) balances forward and backward variances for
    // activations with slope 1 at 0.
    const double stddev =
        options_.activation == Activation::relu ? std::sqrt(2 / fan_in) : std::sqrt(2 / (fan_in + fan_out));
    Random rng(seed, Stream::init, static_cast<std::uint32_t>(l));
    for (T& w : weight.values) w = static_cast<T>(stddev * rng.normal());
    const auto bias = params.block("layer" + std::to_string(l) + ".bias");
    std::fill(bias.values.begin(), bias.values.end(), T(0));
  }
}

template <class T>
Parameters<T> Mlp<T>::initial_parameters(std::uint64_t seed) const {
  Parameters<T> params(this->layout());
  initialize(params, seed);
  return params;
}

template class Mlp<float>;
template class Mlp<double>;

}  // namespace descent
