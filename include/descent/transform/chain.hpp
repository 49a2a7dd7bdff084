// chain(a, b, c): the update of a, fed to b, fed to c, as in optax. Nested chains are
// flattened when built, so a chain's state is simply one child state per member and
// the executor (apply.hpp) sees one flat list it can fuse into tile passes.
#pragma once

#include <vector>

#include "descent/transform/transform.hpp"

namespace descent {

class Chain final : public Transform {
 public:
  explicit Chain(std::vector<TransformPtr> members);

  const std::vector<TransformPtr>& members() const noexcept { return members_; }

  std::string spec() const override;
  TransformKind kind() const override { return TransformKind::chain; }

  TransformState<float> init(const ParameterLayout& layout, float) const override;
  TransformState<double> init(const ParameterLayout& layout, double) const override;

  // Direct per-tile use composes the members in order; it is only possible when every
  // member is elementwise (the executor handles the other kinds itself).
  void begin_step(TransformState<float>& state, const double* reduction) const override;
  void begin_step(TransformState<double>& state, const double* reduction) const override;
  void update_tile(TransformState<float>& state, const Tile<float>& tile) const override;
  void update_tile(TransformState<double>& state, const Tile<double>& tile) const override;

 private:
  template <class T>
  TransformState<T> build(const ParameterLayout& layout) const;
  template <class T>
  void start(TransformState<T>& state) const;
  template <class T>
  void run(TransformState<T>& state, const Tile<T>& tile) const;

  std::vector<TransformPtr> members_;
};

TransformPtr chain(std::vector<TransformPtr> members);

template <class... Ts>
TransformPtr chain(Ts... members) {
  return chain(std::vector<TransformPtr>{TransformPtr(std::move(members))...});
}

}  // namespace descent
