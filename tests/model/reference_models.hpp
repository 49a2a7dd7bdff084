// Plain scalar loops for every model's objective: the reference the library's chunked,
// GEMM-based passes are compared with (as PyTorch's tests compare fast paths with a simple
// implementation). Parameters are read by block name, so these also pin the layout.
#pragma once

#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "descent/model/model.hpp"

namespace descent::testing {

enum class ReferenceHead { squared_error, logistic, softmax };

struct ReferenceNet {
  std::vector<std::string> layers;  // block name prefixes ("" for "weight"/"bias", "layer0." ...)
  bool bias = true;
  Activation activation = Activation::relu;
  ReferenceHead head = ReferenceHead::softmax;
  double l2 = 0;
};

inline double reference_activation(Activation f, double z) {
  switch (f) {
    case Activation::relu:
      return z > 0 ? z : 0;
    case Activation::tanh:
      return std::tanh(z);
    case Activation::gelu:
      return 0.5 * z * (1 + std::erf(z / std::sqrt(2.0)));
  }
  return 0;
}

// f(x) = (1/n) sum_i loss_i + lambda/2 sum |W|^2 over a dense dataset.
inline double reference_value(const ReferenceNet& net, const Model<double>& model, std::span<const double> x,
                              const Dataset<double>& data) {
  const auto& layout = model.layout();
  const auto features = data.dense_map();
  double total = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    std::vector<double> a(features.cols());
    for (std::size_t j = 0; j < a.size(); ++j)
      a[j] = features(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
    for (std::size_t l = 0; l < net.layers.size(); ++l) {
      const auto& w = layout.block(net.layers[l] + "weight");
      const std::size_t in = a.size(), out = w.size / in;
      std::vector<double> z(out);
      for (std::size_t o = 0; o < out; ++o) {
        double s = net.bias ? x[layout.block(net.layers[l] + "bias").offset + o] : 0.0;
        for (std::size_t j = 0; j < in; ++j) s += x[w.offset + o * in + j] * a[j];
        z[o] = s;
      }
      if (l + 1 < net.layers.size())
        for (double& v : z) v = reference_activation(net.activation, v);
      a = z;
    }
    const double y = data.labels()[i];
    switch (net.head) {
      case ReferenceHead::squared_error:
        total += 0.5 * (a[0] - y) * (a[0] - y);
        break;
      case ReferenceHead::logistic:
        total += std::log(1 + std::exp(-(y > 0 ? 1.0 : -1.0) * a[0]));
        break;
      case ReferenceHead::softmax: {
        double sum = 0;
        for (double v : a) sum += std::exp(v);
        total += std::log(sum) - a[static_cast<std::size_t>(y)];
        break;
      }
    }
  }
  double squares = 0;
  for (const auto& prefix : net.layers) {
    const auto& w = layout.block(prefix + "weight");
    for (std::size_t j = 0; j < w.size; ++j) squares += x[w.offset + j] * x[w.offset + j];
  }
  return total / static_cast<double>(data.size()) + 0.5 * net.l2 * squares;
}

}  // namespace descent::testing
