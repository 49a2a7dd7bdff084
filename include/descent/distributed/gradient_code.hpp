// Gradient codes (Tandon, Lei, Dimakis & Karampatziakis, "Gradient Coding: Avoiding Stragglers
// in Distributed Learning", ICML 2017): n workers, k = n data partitions with gradient sums
// g_1 .. g_k, and an encoding matrix B (n x k) whose row i holds the coefficients worker i
// applies to the partitions it stores; worker i sends m_i = sum_j B_ij g_j. A code tolerates s
// stragglers when, for every set F of n - s responding workers, some vector a satisfies
//   a^T B_F = 1^T,   so that   sum_{i in F} a_i m_i = sum_j g_j,
// the full gradient sum, whichever s workers never answer. Each row has s + 1 nonzeros: a
// worker stores s + 1 partitions, the least any code tolerating s stragglers can (the paper's
// Theorem 1), so each worker computes s + 1 times what it would without coding.
//
// Two constructions from the paper:
//   fractional  (needs (s + 1) | n) workers in groups of s + 1; every member of group g stores
//               partitions g(s+1) .. g(s+1) + s and sends their plain sum (B_ij = 1). s
//               stragglers cannot silence a whole group, so the master adds one message per
//               group: a_i = 1 for the first responder of each group, 0 elsewhere. Exact in
//               any arithmetic (no division).
//   cyclic      worker i stores partitions i, i+1, .., i+s (mod n). Algorithm 1 of the paper:
//               draw H (s x n) with H 1 = 0 (Gaussian entries, the last column minus the sum
//               of the others), then fill each row so that H b_i = 0: b_ii = 1 and the other
//               s entries solve H[:, S_i \ i] x = -H[:, i]. Every row lies in null(H), which
//               has dimension n - s and contains 1; any n - s rows are (with probability one)
//               independent, so they span null(H) and reach 1. Decoding solves the small
//               system B_F^T a = 1 (n equations, n - s unknowns, consistent) by Householder
//               QR with column pivoting.
//
// Conditioning. A random H can make some B_F nearly singular, and the decoded sum then
// amplifies rounding. decode() therefore reports, next to a:
//   residual       max_j |(a^T B_F)_j - 1|, computed in double;
//   tolerance      the bound a backward-stable solve of a consistent system meets (below);
//   amplification  max_j sum_{i in F} |a_i| |B_ij|: how much the rounding of the workers'
//                  messages and of the master's sum can grow (see below).
// QR least squares is backward stable (Higham, "Accuracy and Stability of Numerical
// Algorithms", Thm 20.3): the computed a solves the problem with B_F^T + E, ||E||_F <= gamma
// ||B_F||_F, gamma = c m p u for an m x p matrix (u = 2^-53, c a small constant; we take c = 10).
// Since the exact system is consistent, its residual is at most ||E a|| twice over plus the
// rounding of the residual's own evaluation (<= gamma amplification), so
//   tolerance = gamma (2 ||B_F||_F ||a||_2 + sqrt(k) + amplification),  gamma = 10 n (n - s) u.
// A residual above it means B_F does not reach 1 to working precision; decode() throws
// instead of returning a wrong gradient.
// Error of a decoded gradient. With messages formed and combined in a precision of unit
// roundoff u_T, the decoded sum equals sum_j (1 + r_j + e_j) g_j where r is the residual above
// and |e_j| <= (s + 1 + n - s) u_T (sum_i |a_i| |B_ij|) to first order (each worker adds s + 1
// terms, the master n - s), hence
//   || decoded - sum_j g_j || <= (residual + (n + 1) u_T amplification) sum_j ||g_j||.
// The tests use this bound; amplification is 1 for the fractional code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "descent/spec/hyperparameters.hpp"

namespace descent {

// The largest number of workers a code is built for: B is dense (n x n doubles) and a cyclic
// decode costs O(n^3), both meant for a simulated cluster, not for a data center.
inline constexpr std::int64_t kMaxGradientCodeWorkers = 1024;

// The substream of Stream::user that draws the cyclic code's H (the straggler delays use
// kStragglerSubstream, straggler_simulator.hpp), so that neither shifts the other.
inline constexpr std::uint32_t kGradientCodeSubstream = 0x6763;  // "gc"

struct GradientCodeOptions {
  static constexpr const char* kName = "GradientCodeOptions";
  std::int64_t workers = 3;     // n in [1, kMaxGradientCodeWorkers]; the partitions are k = n
  std::int64_t stragglers = 1;  // s in [0, n): workers that may never answer
  std::string code = "cyclic";  // cyclic or fractional ((s + 1) must divide n)
  static const std::vector<std::string>& code_choices();
  static const std::vector<Field<GradientCodeOptions>>& fields();
  // Throws ConfigError "GradientCodeOptions::<field> = <value> violates <constraint>".
  void validate() const;
};

// The checks GradientCodeOptions::validate() makes beyond its field table, with `owner` as the
// options' name in messages (the estimator's options carry the same three fields):
// stragglers < workers, and workers divisible by stragglers + 1 for the fractional code.
void validate_gradient_code_shape(const char* owner, std::int64_t workers, std::int64_t stragglers,
                                  const std::string& code);

// One decoding: the master's coefficients for the workers it heard from.
struct GradientDecoding {
  std::vector<std::size_t> workers;  // the n - s workers decoded from (the first of the responders)
  std::vector<double> coefficients;  // a_i for workers[i]
  double residual = 0;               // max_j |(a^T B_F)_j - 1|
  double tolerance = 0;              // the bound residual met (see the header's comment)
  double amplification = 0;          // max_j sum_i |a_i| |B_{workers[i], j}| (>= 1)
};

class GradientCode {
 public:
  // Fractional: deterministic (seed unused). Cyclic: Algorithm 1 with H's entries standard
  // normals from Random(seed, Stream::user, kGradientCodeSubstream), drawn again (the stream
  // continues) in the probability-zero event that an s x s system of the construction is
  // singular to working precision. Throws ConfigError for invalid options.
  explicit GradientCode(GradientCodeOptions options = {}, std::uint64_t seed = 0);

  // Algorithm 1 with a given H (s x n, row-major): the deterministic core of the cyclic code,
  // for reproducing the paper's examples. Throws ConfigError for invalid n and s, MismatchError
  // when h has not s n entries, Error when a row of H does not sum to zero (to
  // 2 n u sum_j |h_rj|, the rounding of the sum) or an s x s system is singular.
  static GradientCode cyclic_from_null_space(std::size_t workers, std::size_t stragglers, std::span<const double> h);

  std::size_t workers() const noexcept { return workers_; }        // n
  std::size_t stragglers() const noexcept { return stragglers_; }  // s
  std::size_t partitions() const noexcept { return workers_; }     // k = n
  const std::string& code() const noexcept { return code_; }
  // "cyclic(workers=6, stragglers=2)"
  std::string spec() const;

  // B, row-major n x k.
  std::span<const double> encoding() const noexcept { return encoding_; }
  double coefficient(std::size_t worker, std::size_t partition) const {
    return encoding_[worker * workers_ + partition];
  }
  // The s + 1 partitions worker i stores (cyclic: i, i+1, .. mod n; fractional: its group's).
  std::span<const std::size_t> partitions_of(std::size_t worker) const;

  // The master's coefficients from `responders` (distinct worker indices, in order of
  // arrival): the first n - s of them are used. Throws MismatchError for fewer than n - s
  // responders, a repeated one or an index >= n; Error when the residual exceeds the
  // tolerance (an ill-conditioned B_F).
  GradientDecoding decode(std::span<const std::size_t> responders) const;

 private:
  struct Unfilled {};  // a tag: the shape, B still zero (keeps brace-initialized options unambiguous)
  GradientCode(Unfilled, std::size_t workers, std::size_t stragglers, std::string code);
  // Fills row i of a cyclic B from H; false when the s x s system is singular.
  bool fill_cyclic_rows(std::span<const double> h);

  std::size_t workers_ = 0;
  std::size_t stragglers_ = 0;
  std::string code_;
  std::vector<double> encoding_;      // n x n
  std::vector<std::size_t> support_;  // n x (s + 1): partitions_of(i)
};

}  // namespace descent
