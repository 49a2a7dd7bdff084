// Which rows of a dataset a pass reads: a range first..first+count-1 (a full pass, or a
// batch that happens to be consecutive) or an explicit list of indices (a minibatch). A
// range lets a dense first layer multiply the dataset's own rows, without a gather copy.
#pragma once

#include <cstddef>
#include <span>

namespace descent::detail {

struct RowSet {
  const std::size_t* indices = nullptr;  // null: the range first, first + 1, ...
  std::size_t first = 0;
  std::size_t count = 0;

  static RowSet range(std::size_t first, std::size_t count) { return {nullptr, first, count}; }
  // The batch as a range when its indices are consecutive (checked in O(|batch|)).
  static RowSet of(std::span<const std::size_t> batch) {
    for (std::size_t k = 1; k < batch.size(); ++k)
      if (batch[k] != batch[0] + k) return {batch.data(), 0, batch.size()};
    return range(batch.empty() ? 0 : batch[0], batch.size());
  }

  bool is_range() const { return indices == nullptr; }
  std::size_t operator[](std::size_t k) const { return indices != nullptr ? indices[k] : first + k; }
  // Entries begin .. begin + length - 1.
  RowSet slice(std::size_t begin, std::size_t length) const {
    return indices != nullptr ? RowSet{indices + begin, 0, length} : range(first + begin, length);
  }
};

}  // namespace descent::detail
