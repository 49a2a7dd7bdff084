#include "descent/model/linear_model_options.hpp"

#include <cmath>

#include "descent/core/error.hpp"

namespace descent {

void LinearModelOptions::validate() const { require(std::isfinite(l2) && l2 >= 0, kName, "l2", l2, "0 <= l2 < inf"); }

}  // namespace descent
