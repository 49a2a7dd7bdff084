// The shape of a parameter vector: named, shaped blocks packed one after another
// in one flat buffer. Elementwise methods ignore it; layerwise methods (Muon, group
// Lasso, block coordinate descent) walk it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace descent {

struct BlockInfo {
  std::string name;
  std::vector<std::size_t> shape;  // row-major; {} is a scalar, {n} a vector, {r, c} a matrix
  std::size_t offset = 0;          // index of the block's first element in the flat buffer
  std::size_t size = 0;            // product of shape
};

class ParameterLayout {
 public:
  ParameterLayout() = default;
  // One unnamed vector block of n elements: the layout of a plain x in R^n.
  static ParameterLayout flat(std::size_t n);

  // Appends a block and returns its index. Names must be unique and non-empty.
  std::size_t add(std::string name, std::vector<std::size_t> shape);

  std::size_t size() const noexcept { return size_; }
  const std::vector<BlockInfo>& blocks() const noexcept { return blocks_; }
  const BlockInfo& block(std::string_view name) const;  // throws MismatchError if absent

  bool operator==(const ParameterLayout& other) const;

 private:
  std::vector<BlockInfo> blocks_;
  std::size_t size_ = 0;
};

}  // namespace descent
