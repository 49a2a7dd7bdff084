// Robust ways to combine k gradient estimates g_1..g_k of one objective (the mean gradients of
// the k micro-batches of a step, estimator/micro_batch_aggregation.hpp) into one direction,
// instead of their plain mean. `rows` holds the g_i as k rows of d = out.size() numbers.
//
//   coordinate_median     out_j = median_i g_ij (the mean of the two middle values for even
//                         k): "median of means" (M3) when the g_i are micro-batch means
//                         (Zielinski, Krishnan & Chatterjee, "Weak and strong gradient
//                         directions: explaining memorization, generalization, and hardness
//                         of examples at scale", 2020).
//   winsorized_mean       out_j = (1/k) sum_i clamp(g_ij, s_(c+1), s_(k-c)), s the sorted
//                         column: the c largest and the c smallest values of each coordinate
//                         are pulled in to the nearest value kept (Chatterjee, "Coherent
//                         Gradients", ICLR 2020, winsorized gradient descent over per-example
//                         gradients; k = batch size gives exactly that).
//   project_conflicting   PCGrad (Yu, Kumar, Gupta, Levine, Hausman & Finn, "Gradient Surgery
//                         for Multi-Task Learning", NeurIPS 2020, Algorithm 1): each g_i is
//                         projected, in turn for j in its own random order of the others, onto
//                         the normal plane of g_j whenever it conflicts with it,
//                           w_i <- w_i - (w_i . g_j / |g_j|^2) g_j   if w_i . g_j < 0,
//                         starting from w_i = g_i and testing the updated w_i against the
//                         original g_j; out = (1/k) sum_i w_i (the mean, not PCGrad's sum, so
//                         that it equals the minibatch gradient when no pair conflicts).
//
// Column sums and dot products are accumulated in double, means as a first value plus the mean
// excess over it, so that identical rows give exactly that row (every order statistic is the
// row's value, no projection happens, every excess is 0).
#pragma once

#include <cstddef>
#include <span>

namespace descent {

// scratch: at least k numbers. Throws MismatchError when rows.size() != k * out.size().
template <class T>
void coordinate_median(std::span<const T> rows, std::size_t k, std::span<T> out, std::span<T> scratch);

// Needs 2 c < k (ConfigError otherwise, naming WinsorizedMeanOptions::c); scratch: k numbers.
template <class T>
void winsorized_mean(std::span<const T> rows, std::size_t k, std::size_t c, std::span<T> out, std::span<T> scratch);

// order: k rows of k - 1 indices, row i a permutation of {0..k-1} \ {i} (the order in which
// g_i meets the others; MismatchError otherwise). work: d numbers. A g_j of norm 0 never
// conflicts (its dot product is 0).
template <class T>
void project_conflicting(std::span<const T> rows, std::size_t k, std::span<const std::size_t> order, std::span<T> out,
                         std::span<T> work);

}  // namespace descent
