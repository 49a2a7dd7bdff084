#include "descent/model/activation.hpp"

#include <string>

#include "descent/core/error.hpp"

namespace descent {

std::string_view to_string(Activation activation) {
  switch (activation) {
    case Activation::relu:
      return "relu";
    case Activation::tanh:
      return "tanh";
    case Activation::gelu:
      return "gelu";
  }
  return "unknown";
}

Activation parse_activation(std::string_view name) {
  for (Activation a : {Activation::relu, Activation::tanh, Activation::gelu})
    if (name == to_string(a)) return a;
  throw ConfigError("unknown activation '" + std::string(name) + "' (expected relu, tanh or gelu)");
}

}  // namespace descent
