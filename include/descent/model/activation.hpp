// Elementwise nonlinearities between the layers of an Mlp.
//   relu(z) = max(z, 0)                     relu'(z) = [z > 0] (0 at z = 0, as PyTorch)
//   tanh(z)                                 tanh'(z) = 1 - tanh(z)^2
//   gelu(z) = z Phi(z) (the exact erf form, Hendrycks & Gimpel 2016; PyTorch's
//             approximate='none'), Phi(z) = erfc(-z / sqrt 2) / 2,
//                                           gelu'(z) = Phi(z) + z phi(z)
#pragma once

#include <string_view>

namespace descent {

enum class Activation { relu, tanh, gelu };

// "relu", "tanh", "gelu".
std::string_view to_string(Activation activation);
// Inverse of to_string; throws ConfigError naming the accepted values.
Activation parse_activation(std::string_view name);

}  // namespace descent
