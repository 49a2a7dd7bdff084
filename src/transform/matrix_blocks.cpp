#include "descent/transform/matrix_blocks.hpp"

#include <string>

#include "descent/core/error.hpp"

namespace descent {

void require_matrix_blocks(const ParameterLayout& layout, std::string_view options, std::string_view optimizer) {
  for (const BlockInfo& block : layout.blocks()) {
    if (block.shape.size() >= 2) continue;
    std::string shape = "{";
    for (std::size_t k = 0; k < block.shape.size(); ++k) shape += (k ? ", " : "") + std::to_string(block.shape[k]);
    shape += "}";
    const std::string name(optimizer);
    throw ConfigError(std::string(options) + ": block '" + block.name + "' of shape " + shape + " has " +
                      std::to_string(block.shape.size()) + (block.shape.size() == 1 ? " dimension" : " dimensions") +
                      "; " + name +
                      " orthogonalizes matrices (2 or more dimensions) only: route the other blocks to another "
                      "optimizer with partition(...), e.g. partition(group(ndim=2, " +
                      name + "(lr=0.02)), default=adamw(lr=1e-3))");
  }
}

}  // namespace descent
