#include "descent/privacy/clip_norm_guide.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "descent/core/error.hpp"

namespace descent {

namespace {

// ||x_i||^2 for every row, summed in double.
template <class T>
std::vector<double> squared_row_norms(const Dataset<T>& data) {
  std::vector<double> norms(data.size(), 0.0);
  if (data.is_sparse()) {
    const auto& f = data.sparse();
    for (std::size_t i = 0; i < f.rows; ++i)
      for (auto p = f.row_offsets[i]; p < f.row_offsets[i + 1]; ++p)
        norms[i] += static_cast<double>(f.values[p]) * static_cast<double>(f.values[p]);
  } else {
    const auto& f = data.dense();
    for (std::size_t i = 0; i < f.rows; ++i) {
      const T* row = f.values.data() + i * f.cols;
      for (std::size_t j = 0; j < f.cols; ++j) norms[i] += static_cast<double>(row[j]) * static_cast<double>(row[j]);
    }
  }
  return norms;
}

}  // namespace

template <class T>
ClipNormGuide clip_norm_guide(const std::string& kind, bool bias, const Dataset<T>& data, std::size_t grid) {
  double factor = 0;
  if (kind == "logistic") {
    factor = 1;
  } else if (kind == "softmax") {
    factor = std::numbers::sqrt2;
  } else if (kind == "least_squares") {
    throw ConfigError(
        "clip_norm_guide: least_squares has no finite per-sample Lipschitz constant (its gradient grows "
        "with the weights); the guidance applies to logistic and softmax regression");
  } else {
    throw ConfigError("clip_norm_guide: model '" + kind +
                      "' has no per-sample Lipschitz constant in closed form; the guidance applies to "
                      "logistic and softmax regression");
  }
  require(grid >= 1, "clip_norm_guide", "grid", static_cast<double>(grid), "grid >= 1");
  std::vector<double> lipschitz;
  lipschitz.reserve(data.size());
  ClipNormGuide guide;
  guide.model = kind;
  for (double squared : squared_row_norms(data)) {
    const double l = factor * std::sqrt(squared + (bias ? 1.0 : 0.0));
    if (l > 0) {
      lipschitz.push_back(l);
    } else {
      ++guide.zero_rows;
    }
  }
  if (lipschitz.empty())
    throw ConfigError("clip_norm_guide: every row of '" + data.source() +
                      "' is zero, so no sample's gradient is ever nonzero and there is nothing to clip");
  guide.samples = lipschitz.size();
  const auto middle = lipschitz.begin() + static_cast<std::ptrdiff_t>(lipschitz.size() / 2);
  std::nth_element(lipschitz.begin(), middle, lipschitz.end());
  guide.median_lipschitz = *middle;
  const auto [low, high] = std::minmax_element(lipschitz.begin(), lipschitz.end());
  guide.min_lipschitz = *low;
  guide.max_lipschitz = *high;
  for (std::size_t k = grid; k-- > 0;)
    guide.candidates.push_back(std::ldexp(guide.min_lipschitz, -static_cast<int>(k)));
  return guide;
}

template ClipNormGuide clip_norm_guide<float>(const std::string&, bool, const Dataset<float>&, std::size_t);
template ClipNormGuide clip_norm_guide<double>(const std::string&, bool, const Dataset<double>&, std::size_t);

}  // namespace descent
