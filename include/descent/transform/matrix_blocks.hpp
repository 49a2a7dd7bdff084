// What the matrix optimizers (muon, lanton) need of a layout: every block a matrix. A block
// {r, c, ...} is the r x (c ...) matrix of its row-major elements (a conv kernel flattened
// as torch does); a vector or a scalar has no such geometry and is refused by name, pointing
// to partition(...), which routes those blocks to another optimizer.
#pragma once

#include <string_view>

#include "descent/core/parameter_layout.hpp"

namespace descent {

// Throws ConfigError "<options>: block 'b' of shape {n} has 1 dimension; <optimizer>
// orthogonalizes matrices ..." for the first block of fewer than 2 dimensions.
void require_matrix_blocks(const ParameterLayout& layout, std::string_view options, std::string_view optimizer);

}  // namespace descent
