// The built-in models by name: the registry's entries of kind model, each with the
// factory that builds it over a dataset and the initialization of its parameters. The run
// layer (run/build.hpp) is what a front end calls; this is where a model is registered.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "descent/core/parameters.hpp"
#include "descent/data/dataset.hpp"
#include "descent/model/model.hpp"
#include "descent/model/model_spec.hpp"

namespace descent {

class ModelKind {
 public:
  template <class T>
  using Make = std::function<std::unique_ptr<Model<T>>(const ModelSpec&, const Dataset<T>&)>;
  // Writes the starting parameters of a model this kind made (null: every parameter 0).
  template <class T>
  using Initialize = std::function<void(const Model<T>&, Parameters<T>&, std::uint64_t seed)>;

  ModelKind(std::string name, Make<float> make_float, Make<double> make_double, Initialize<float> init_float,
            Initialize<double> init_double)
      : name_(std::move(name)),
        make_float_(std::move(make_float)),
        make_double_(std::move(make_double)),
        init_float_(std::move(init_float)),
        init_double_(std::move(init_double)) {}

  const std::string& name() const noexcept { return name_; }

  // ConfigError for options outside their ranges (naming the model's Options struct).
  template <class T>
  std::unique_ptr<Model<T>> make(const ModelSpec& spec, const Dataset<T>& data) const {
    if constexpr (std::is_same_v<T, float>) {
      return make_float_(spec, data);
    } else {
      return make_double_(spec, data);
    }
  }

  template <class T>
  Parameters<T> initial_parameters(const Model<T>& model, std::uint64_t seed) const {
    Parameters<T> params(model.layout());
    if constexpr (std::is_same_v<T, float>) {
      if (init_float_) init_float_(model, params, seed);
    } else {
      if (init_double_) init_double_(model, params, seed);
    }
    return params;
  }

 private:
  std::string name_;
  Make<float> make_float_;
  Make<double> make_double_;
  Initialize<float> init_float_;
  Initialize<double> init_double_;
};

// ConfigError "unknown model 'mpl'; did you mean 'mlp'?" for a name no entry has.
const ModelKind& find_model_kind(std::string_view name);

}  // namespace descent
