#include "descent/distributed/ordered_sum.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace descent {

Segment leaves_of(TreeNode node, std::size_t leaves) {
  const std::size_t width = std::size_t{1} << node.level;
  const std::size_t begin = node.index * width;
  return {std::min(begin, leaves), std::min(begin + width, leaves)};
}

TreeNode root_of(std::size_t leaves) {
  int level = 0;
  while ((std::size_t{1} << level) < leaves) ++level;
  return {level, 0};
}

std::vector<TreeNode> covering_nodes(std::size_t leaves, Segment range) {
  if (range.end > leaves || range.begin > range.end)
    throw MismatchError("covering_nodes: leaves [" + std::to_string(range.begin) + ", " + std::to_string(range.end) +
                        ") are not inside [0, " + std::to_string(leaves) + ")");
  const int top = root_of(std::max<std::size_t>(leaves, 1)).level;
  std::vector<TreeNode> nodes;
  std::size_t at = range.begin;
  while (at < range.end) {
    // The highest aligned node that starts at `at` and ends inside the range.
    int level = 0;
    while (level < top) {
      const std::size_t width = std::size_t{1} << (level + 1);
      if (at % width != 0 || std::min(at + width, leaves) > range.end) break;
      ++level;
    }
    const TreeNode node{level, at >> level};
    nodes.push_back(node);
    at = leaves_of(node, leaves).end;
  }
  return nodes;
}

namespace {

// Writes node's value into `out`: lookup(node) is its value where one is known (a leaf, a
// received node; a pointer to `out.size()` values), else the sum of its children's, left
// then right. scratch[level] is a buffer for the right child at each level.
template <class T, class Lookup>
void node_value(TreeNode node, std::size_t leaves, const Lookup& lookup, std::span<T> out,
                std::vector<std::vector<T>>& scratch) {
  if (const T* known = lookup(node)) {
    std::copy(known, known + out.size(), out.begin());
    return;
  }
  if (node.level == 0)
    throw MismatchError("ordered_all_reduce: leaf " + std::to_string(node.index) + " is held by no rank");
  const TreeNode left{node.level - 1, 2 * node.index}, right{node.level - 1, 2 * node.index + 1};
  node_value(left, leaves, lookup, out, scratch);
  if (leaves_of(right, leaves).size() == 0) return;
  // A known right child is added where it lies; only a computed one needs the scratch row.
  const T* v = lookup(right);
  if (v == nullptr) {
    std::vector<T>& r = scratch[static_cast<std::size_t>(node.level)];
    if (r.size() < out.size()) r.resize(out.size());
    node_value(right, leaves, lookup, std::span<T>(r.data(), out.size()), scratch);
    v = r.data();
  }
  T* __restrict o = out.data();
  const T* __restrict w = v;
  for (std::size_t i = 0; i < out.size(); ++i) o[i] = o[i] + w[i];
}

std::size_t levels(std::size_t leaves) {
  return static_cast<std::size_t>(root_of(std::max<std::size_t>(leaves, 1)).level) + 1;
}

}  // namespace

template <class T>
void covering_node_values(std::size_t leaves, Segment range, std::size_t length, std::span<const T> rows,
                          std::span<T> out) {
  const std::vector<TreeNode> nodes = covering_nodes(leaves, range);
  if (rows.size() != range.size() * length || out.size() != nodes.size() * length)
    throw MismatchError("covering_node_values: " + std::to_string(rows.size()) + " leaf values and " +
                        std::to_string(out.size()) + " node values for " + std::to_string(range.size()) +
                        " leaves and " + std::to_string(nodes.size()) + " nodes of length " + std::to_string(length));
  const auto lookup = [&](TreeNode node) -> const T* {
    return node.level == 0 ? rows.data() + (node.index - range.begin) * length : nullptr;
  };
  std::vector<std::vector<T>> scratch(levels(leaves));
  for (std::size_t k = 0; k < nodes.size(); ++k)
    node_value<T>(nodes[k], leaves, lookup, out.subspan(k * length, length), scratch);
}

template <class T>
void OrderedAllReduce<T>::operator()(Communicator& comm, std::size_t leaves, std::size_t length,
                                     std::span<const T> my_rows, std::span<T> out, std::string_view what) {
  const int p = comm.size(), me = comm.rank();
  if (leaves == 0) throw MismatchError("ordered_all_reduce (" + std::string(what) + "): no leaves");
  const Segment my_leaves = segment_of(leaves, p, me);
  if (my_rows.size() != my_leaves.size() * length || out.size() != length)
    throw MismatchError("ordered_all_reduce (" + std::string(what) + "): rank " + std::to_string(me) + " holds " +
                        std::to_string(my_rows.size()) + " values for " + std::to_string(my_leaves.size()) +
                        " leaves of length " + std::to_string(length) + ", and an output of " +
                        std::to_string(out.size()));
  if (scratch_.size() < levels(leaves)) scratch_.resize(levels(leaves));
  const auto leaf_lookup = [&](TreeNode node) -> const T* {
    return node.level == 0 ? my_rows.data() + (node.index - my_leaves.begin) * length : nullptr;
  };
  if (p == 1) {  // the whole tree is here
    node_value<T>(root_of(leaves), leaves, leaf_lookup, out, scratch_);
    return;
  }
  // This rank's covering nodes: a single leaf is read in place, a larger node is summed.
  nodes_of_.resize(static_cast<std::size_t>(p));
  for (int r = 0; r < p; ++r) nodes_of_[static_cast<std::size_t>(r)] = covering_nodes(leaves, segment_of(leaves, p, r));
  const std::vector<TreeNode>& mine = nodes_of_[static_cast<std::size_t>(me)];
  std::size_t summed = 0;
  for (const TreeNode& node : mine) summed += node.level > 0 ? 1 : 0;
  if (node_rows_.size() < summed * length) node_rows_.resize(summed * length);
  node_values_.assign(mine.size(), nullptr);
  for (std::size_t k = 0, s = 0; k < mine.size(); ++k) {
    if (mine[k].level == 0) {
      node_values_[k] = leaf_lookup(mine[k]);
    } else {
      const std::span<T> row(node_rows_.data() + s * length, length);
      node_value<T>(mine[k], leaves, leaf_lookup, row, scratch_);
      node_values_[k] = row.data();
      ++s;
    }
  }

  // Round 1: each owner of a parameter segment gets every other rank's node slices of it.
  // One node: its slices go in place; several: packed peer after peer (one message each).
  const Segment my_segment = segment_of(length, p, me);
  if (mine.size() > 1 && packed_.size() < mine.size() * length) packed_.resize(mine.size() * length);
  received_.resize(static_cast<std::size_t>(p));
  std::vector<Outgoing> outgoing;
  std::vector<Incoming> incoming;
  for (int r = 0; r < p; ++r) {
    if (r == me) continue;
    const auto ru = static_cast<std::size_t>(r);
    const Segment theirs = segment_of(length, p, r);
    if (!mine.empty() && theirs.size() > 0) {
      if (mine.size() == 1) {
        outgoing.push_back({r, std::as_bytes(std::span<const T>(node_values_[0] + theirs.begin, theirs.size()))});
      } else {
        T* block = packed_.data() + mine.size() * theirs.begin;
        for (std::size_t k = 0; k < mine.size(); ++k)
          std::copy_n(node_values_[k] + theirs.begin, theirs.size(), block + k * theirs.size());
        outgoing.push_back({r, std::as_bytes(std::span<const T>(block, mine.size() * theirs.size()))});
      }
    }
    const std::size_t count = nodes_of_[ru].size() * my_segment.size();
    if (count > 0) {
      if (received_[ru].size() < count) received_[ru].resize(count);
      incoming.push_back({r, std::as_writable_bytes(std::span<T>(received_[ru].data(), count))});
    }
  }
  comm.exchange(outgoing, incoming, what);

  // The owner completes the tree over its segment: its own nodes' slices in place, the
  // others' from the messages.
  if (my_segment.size() > 0) {
    const auto lookup = [&](TreeNode node) -> const T* {
      for (int r = 0; r < p; ++r) {
        const auto& nodes = nodes_of_[static_cast<std::size_t>(r)];
        const auto it = std::find(nodes.begin(), nodes.end(), node);
        if (it == nodes.end()) continue;
        const auto k = static_cast<std::size_t>(it - nodes.begin());
        if (r == me) return node_values_[k] + my_segment.begin;
        return received_[static_cast<std::size_t>(r)].data() + k * my_segment.size();
      }
      return nullptr;
    };
    node_value<T>(root_of(leaves), leaves, lookup, out.subspan(my_segment.begin, my_segment.size()), scratch_);
  }
  // Round 2: every rank gets every segment.
  all_gather_segments(comm, out, what);
}

template <class T>
void ordered_all_reduce(Communicator& comm, std::size_t leaves, std::size_t length, std::span<const T> my_rows,
                        std::span<T> out, std::string_view what) {
  OrderedAllReduce<T> reduce;
  reduce(comm, leaves, length, my_rows, out, what);
}

#define DESCENT_INSTANTIATE(T)                                                                                   \
  template void covering_node_values<T>(std::size_t, Segment, std::size_t, std::span<const T>, std::span<T>);    \
  template void ordered_all_reduce<T>(Communicator&, std::size_t, std::size_t, std::span<const T>, std::span<T>, \
                                      std::string_view);
DESCENT_INSTANTIATE(float)
DESCENT_INSTANTIATE(double)
#undef DESCENT_INSTANTIATE
template class OrderedAllReduce<float>;
template class OrderedAllReduce<double>;

}  // namespace descent
