#include "descent/distributed/ordered_sum.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
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
// received node), else the sum of its children's, left then right. scratch[level] is a
// buffer for the right child at each level.
template <class T>
void node_value(TreeNode node, std::size_t leaves, const std::function<const T*(TreeNode)>& lookup, std::span<T> out,
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
  std::vector<T>& r = scratch[static_cast<std::size_t>(node.level)];
  r.resize(out.size());
  node_value(right, leaves, lookup, std::span<T>(r), scratch);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = out[i] + r[i];
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
  const std::function<const T*(TreeNode)> lookup = [&](TreeNode node) -> const T* {
    return node.level == 0 ? rows.data() + (node.index - range.begin) * length : nullptr;
  };
  std::vector<std::vector<T>> scratch(static_cast<std::size_t>(root_of(std::max<std::size_t>(leaves, 1)).level) + 1);
  for (std::size_t k = 0; k < nodes.size(); ++k)
    node_value(nodes[k], leaves, lookup, out.subspan(k * length, length), scratch);
}

template <class T>
void ordered_all_reduce(Communicator& comm, std::size_t leaves, std::size_t length, std::span<const T> my_rows,
                        std::span<T> out, std::string_view what) {
  const int p = comm.size(), me = comm.rank();
  if (leaves == 0) throw MismatchError("ordered_all_reduce (" + std::string(what) + "): no leaves");
  const Segment my_leaves = segment_of(leaves, p, me);
  if (my_rows.size() != my_leaves.size() * length || out.size() != length)
    throw MismatchError("ordered_all_reduce (" + std::string(what) + "): rank " + std::to_string(me) + " holds " +
                        std::to_string(my_rows.size()) + " values for " + std::to_string(my_leaves.size()) +
                        " leaves of length " + std::to_string(length) + ", and an output of " +
                        std::to_string(out.size()));
  // Round 0 (local): the values of this rank's covering nodes.
  const std::vector<TreeNode> my_nodes = covering_nodes(leaves, my_leaves);
  std::vector<T> node_rows(my_nodes.size() * length);
  covering_node_values<T>(leaves, my_leaves, length, my_rows, node_rows);

  // Round 1: slices of node values to the owners of the parameter segments. Rank r's
  // message to owner s is its nodes' segment-s slices, node after node.
  std::vector<std::vector<T>> send(static_cast<std::size_t>(p)), received(static_cast<std::size_t>(p));
  std::vector<std::vector<TreeNode>> nodes_of(static_cast<std::size_t>(p));
  const Segment my_segment = segment_of(length, p, me);
  std::vector<Outgoing> outgoing;
  std::vector<Incoming> incoming;
  for (int r = 0; r < p; ++r) {
    const auto ru = static_cast<std::size_t>(r);
    nodes_of[ru] = covering_nodes(leaves, segment_of(leaves, p, r));
    const Segment theirs = segment_of(length, p, r);
    if (!my_nodes.empty() && theirs.size() > 0) {
      send[ru].resize(my_nodes.size() * theirs.size());
      for (std::size_t k = 0; k < my_nodes.size(); ++k)
        std::copy_n(node_rows.begin() + static_cast<std::ptrdiff_t>(k * length + theirs.begin), theirs.size(),
                    send[ru].begin() + static_cast<std::ptrdiff_t>(k * theirs.size()));
      outgoing.push_back({r, std::as_bytes(std::span<const T>(send[ru]))});
    }
    if (!nodes_of[ru].empty() && my_segment.size() > 0) {
      received[ru].resize(nodes_of[ru].size() * my_segment.size());
      incoming.push_back({r, std::as_writable_bytes(std::span<T>(received[ru]))});
    }
  }
  comm.exchange(outgoing, incoming, what);

  // The owner completes the tree over its segment from the received nodes.
  if (my_segment.size() > 0) {
    const std::function<const T*(TreeNode)> lookup = [&](TreeNode node) -> const T* {
      for (int r = 0; r < p; ++r) {
        const auto& nodes = nodes_of[static_cast<std::size_t>(r)];
        const auto it = std::find(nodes.begin(), nodes.end(), node);
        if (it != nodes.end())
          return received[static_cast<std::size_t>(r)].data() +
                 static_cast<std::size_t>(it - nodes.begin()) * my_segment.size();
      }
      return nullptr;
    };
    std::vector<std::vector<T>> scratch(static_cast<std::size_t>(root_of(leaves).level) + 1);
    node_value<T>(root_of(leaves), leaves, lookup, out.subspan(my_segment.begin, my_segment.size()), scratch);
  }
  // Round 2: every rank gets every segment.
  all_gather_segments(comm, out, what);
}

#define DESCENT_INSTANTIATE(T)                                                                                   \
  template void covering_node_values<T>(std::size_t, Segment, std::size_t, std::span<const T>, std::span<T>);    \
  template void ordered_all_reduce<T>(Communicator&, std::size_t, std::size_t, std::span<const T>, std::span<T>, \
                                      std::string_view);
DESCENT_INSTANTIATE(float)
DESCENT_INSTANTIATE(double)
#undef DESCENT_INSTANTIATE

}  // namespace descent
