// SAGA (Defazio, Bach & Lacoste-Julien, "SAGA: a fast incremental gradient method with
// support for non-strongly convex composite objectives", NeurIPS 2014). A table keeps,
// for every sample, its gradient at the point where it was last drawn, phi_i:
//   direction = grad f_B(x) - (1/|B|) sum_{j in B} grad f_j(phi_j) + (1/n) sum_i grad f_i(phi_i)
// then phi_j <- x for j in B. B holds batch_size indices drawn uniformly with replacement
// (the paper draws one). The table starts at phi_i = x_0: the first call makes one full pass.
//
// Memory. A generalized-linear sum (objective.hpp: grad f_i = s_i(x) u_i + r(x), as in least
// squares and logistic regression) needs only the scalars s_j(phi_j): n numbers plus the
// running mean (1/n) sum s_j u_j, the classic trick for linear models. Its regularizer
// gradient r(x) is the same for every sample and is taken at the current x:
//   direction = (1/|B|) sum_{j in B} (s_j(x) - s_j(phi_j)) u_j + (1/n) sum_i s_i(phi_i) u_i + r(x),
// i.e. SAGA applied to the data terms with the (deterministic) regularizer added exactly;
// without a regularizer the two forms are the same algorithm. Any other finite sum keeps
// the full n x d table of gradients.
#pragma once

#include <vector>

#include "descent/estimator/estimator.hpp"
#include "descent/estimator/sampler.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct SagaOptions {
  static constexpr const char* kName = "SagaOptions";
  std::int64_t batch_size = 1;  // |B| >= 1
  bool scalar_table = true;     // one scalar per sample when the objective is generalized-linear
  static const std::vector<Field<SagaOptions>>& fields();
};

template <class T>
class Saga final : public Estimator<T> {
 public:
  // Throws ConfigError for options outside their ranges. `seed` seeds the sampling stream.
  explicit Saga(SagaOptions options = {}, std::uint64_t seed = 0);
  std::string spec() const override;
  void bind(const Differentiable<T>& objective) override;
  Estimate<T> estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) override;
  void save(BinaryWriter& out) const override;
  void load(BinaryReader& in) override;

  // Whether the bound objective uses the scalar table.
  bool uses_scalar_table() const noexcept { return scalar_; }
  // Numbers kept in the table (n scalars, or n x d gradients), excluding the mean.
  std::size_t table_size() const noexcept { return table_.size(); }

 private:
  T estimate_scalar(std::span<const T> x, std::span<T> direction);
  T estimate_full(std::span<const T> x, std::span<T> direction);
  void initialize(std::span<const T> x);

  SagaOptions options_;
  SamplerPtr sampler_;
  const FiniteSum<T>* sum_ = nullptr;
  bool scalar_ = false;
  bool initialized_ = false;
  std::vector<T> table_;  // s_j(phi_j), or grad f_j(phi_j) row by row
  std::vector<T> mean_;   // (1/n) sum_i of the table's gradients (data terms only in the scalar form)
  std::vector<std::size_t> batch_;
  std::vector<T> slopes_, coefficients_, rows_;  // per-step workspaces (rows_: |B| x d), sized in bind()
};

}  // namespace descent
