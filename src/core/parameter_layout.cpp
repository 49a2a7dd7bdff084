#include "descent/core/parameter_layout.hpp"

#include <algorithm>
#include <functional>
#include <numeric>

#include "descent/core/error.hpp"

namespace descent {

ParameterLayout ParameterLayout::flat(std::size_t n) {
  ParameterLayout layout;
  layout.add("x", {n});
  return layout;
}

std::size_t ParameterLayout::add(std::string name, std::vector<std::size_t> shape) {
  if (name.empty()) throw ConfigError("ParameterLayout::add: a block needs a non-empty name");
  for (const auto& b : blocks_)
    if (b.name == name) throw ConfigError("ParameterLayout::add: block '" + name + "' exists already");
  BlockInfo info;
  info.size = std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
  info.name = std::move(name);
  info.shape = std::move(shape);
  info.offset = size_;
  size_ += info.size;
  blocks_.push_back(std::move(info));
  return blocks_.size() - 1;
}

const BlockInfo& ParameterLayout::block(std::string_view name) const {
  auto it = std::find_if(blocks_.begin(), blocks_.end(), [&](const BlockInfo& b) { return b.name == name; });
  if (it == blocks_.end()) throw MismatchError("no parameter block named '" + std::string(name) + "'");
  return *it;
}

bool ParameterLayout::operator==(const ParameterLayout& other) const {
  if (size_ != other.size_ || blocks_.size() != other.blocks_.size()) return false;
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    const auto& a = blocks_[i];
    const auto& b = other.blocks_[i];
    if (a.name != b.name || a.shape != b.shape || a.offset != b.offset) return false;
  }
  return true;
}

}  // namespace descent
