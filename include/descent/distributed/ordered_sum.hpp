// A sum across ranks whose bits do not depend on the number of ranks.
//
// Floating-point addition is not associative, so an all-reduce whose order follows the
// ranks (MPI_Allreduce, NCCL's ring) gives different bits on 2 and on 4 ranks, and a run
// cannot be repeated on another machine count. Here the terms are M "leaves" (a batch's M
// shards, say) and their sum is defined by one fixed tree over the leaves, whoever holds
// them: the pairwise tree whose node (level l, index j) covers leaves
// [j 2^l, min((j+1) 2^l, M)) and adds its left child's value and its right child's, in that
// order (a node with one child passes its value on). Each rank holds a contiguous range of
// leaves (segment_of(M, P, rank)), computes the largest tree nodes inside its range, and
// sends each parameter segment of those node values to the rank that owns the segment;
// the owner completes the tree for its segment and the segments are all-gathered. Every
// element of the result is therefore the same sequence of additions on any number of ranks
// (a test checks the bits on 1 to 5 ranks), and one rank alone computes it without a message.
//
// Traffic: with P a power of two dividing M every rank holds one node, and a rank sends and
// receives 2 (P-1)/P of the vector, as a ring all-reduce does. Other rank counts cut their
// ranges into at most 2 log2(M) nodes and send that many slices instead of one.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "descent/distributed/collectives.hpp"

namespace descent {

struct TreeNode {
  int level = 0;
  std::size_t index = 0;
  friend bool operator==(const TreeNode&, const TreeNode&) = default;
};

// The leaves [begin, end) that node covers in a tree over `leaves` leaves.
Segment leaves_of(TreeNode node, std::size_t leaves);

// The tree's root over `leaves` >= 1 leaves.
TreeNode root_of(std::size_t leaves);

// The largest tree nodes inside `range` (a subrange of [0, leaves)), in leaf order; their
// leaves partition the range.
std::vector<TreeNode> covering_nodes(std::size_t leaves, Segment range);

// `rows` holds the leaves of `range` as consecutive rows of `length` values; writes into
// `out` (one row of `length` per node) the value of every node of covering_nodes(leaves,
// range), in that order.
template <class T>
void covering_node_values(std::size_t leaves, Segment range, std::size_t length, std::span<const T> rows,
                          std::span<T> out);

// The sum of all `leaves` rows of `length` values, the leaves spread over the ranks as
// segment_of(leaves, P, rank): `my_rows` holds this rank's rows in leaf order. Every rank's
// `out` (length) receives the same bits, whatever P is. Two rounds of comm (none for P = 1).
//
// The object keeps its buffers from call to call: a reduction every step (data-parallel
// SGD) allocates nothing after the first. It copies no more than the messages need: a node
// that is one leaf is read where it lies, a rank with one node sends slices of it in place,
// and the owner reads its own slices without a message to itself.
template <class T>
class OrderedAllReduce {
 public:
  void operator()(Communicator& comm, std::size_t leaves, std::size_t length, std::span<const T> my_rows,
                  std::span<T> out, std::string_view what);

 private:
  std::vector<T> node_rows_;              // values of this rank's nodes that are not single leaves
  std::vector<const T*> node_values_;     // each node's row: in my_rows or node_rows_
  std::vector<T> packed_;                 // several nodes' slices, peer after peer
  std::vector<std::vector<T>> received_;  // per rank: its nodes' slices of this rank's segment
  std::vector<std::vector<T>> scratch_;   // per tree level: a right child's value
  std::vector<std::vector<TreeNode>> nodes_of_;
};

// One call of OrderedAllReduce<T> (buffers allocated for this call only).
template <class T>
void ordered_all_reduce(Communicator& comm, std::size_t leaves, std::size_t length, std::span<const T> my_rows,
                        std::span<T> out, std::string_view what);

}  // namespace descent
