// Parameters: one contiguous, 64-byte-aligned buffer of float or double with named,
// shaped blocks on top. Flat spans serve elementwise methods; block views serve
// layerwise ones. Both look at the same memory, so nothing is ever copied between them.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "descent/core/aligned_buffer.hpp"
#include "descent/core/parameter_layout.hpp"

namespace descent {

template <class T>
struct BlockView {
  const BlockInfo* info;
  std::span<T> values;

  std::size_t rows() const { return info->shape.empty() ? 1 : info->shape.front(); }
  std::size_t cols() const { return rows() == 0 ? 0 : values.size() / rows(); }
  // Row-major element (r, c) of a matrix block.
  T& operator()(std::size_t r, std::size_t c) const { return values[r * cols() + c]; }
};

template <class T>
class Parameters {
 public:
  using value_type = T;

  Parameters() = default;
  explicit Parameters(ParameterLayout layout, T fill = T{})
      : layout_(std::move(layout)), values_(layout_.size(), fill) {}
  // A flat vector x in R^n with the given values.
  static Parameters from(std::span<const T> x) {
    Parameters p(ParameterLayout::flat(x.size()));
    std::copy(x.begin(), x.end(), p.values_.begin());
    return p;
  }

  const ParameterLayout& layout() const noexcept { return layout_; }
  std::size_t size() const noexcept { return values_.size(); }
  T* data() noexcept { return values_.data(); }
  const T* data() const noexcept { return values_.data(); }
  std::span<T> flat() noexcept { return values_.span(); }
  std::span<const T> flat() const noexcept { return values_.span(); }
  T& operator[](std::size_t i) noexcept { return values_[i]; }
  const T& operator[](std::size_t i) const noexcept { return values_[i]; }

  BlockView<T> block(std::string_view name) { return view(layout_.block(name)); }
  BlockView<const T> block(std::string_view name) const { return view(layout_.block(name)); }
  BlockView<T> block(std::size_t index) { return view(layout_.blocks().at(index)); }
  BlockView<const T> block(std::size_t index) const { return view(layout_.blocks().at(index)); }

 private:
  BlockView<T> view(const BlockInfo& b) { return {&b, {values_.data() + b.offset, b.size}}; }
  BlockView<const T> view(const BlockInfo& b) const { return {&b, {values_.data() + b.offset, b.size}}; }

  ParameterLayout layout_;
  AlignedBuffer<T> values_;
};

}  // namespace descent
