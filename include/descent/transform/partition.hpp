// partition(group(...), ..., default=...): a different transform for different parameter
// blocks, as optax's multi_transform or PyTorch's parameter groups. Each block of the
// parameter layout (core/parameter_layout.hpp: "layer0.weight", "layer0.bias", ...) goes
// to the first group that matches it, by a glob on its name and optionally by its number
// of dimensions, else to the default; a block that nothing takes is an error at init(),
// never a silently frozen parameter. Typical uses: no weight decay on biases; Muon on the
// matrices and AdamW on the rest; a smaller learning rate for the first layer.
//
// Each group's transform sees only its own blocks, packed in layout order with the block
// names and shapes kept, so a global-norm clip inside a group clips that group's norm and
// Muon sees its matrices. States are per group and as long as the group.
//
// Cost: a group whose blocks lie next to each other in the flat vector runs in place, in
// one fused pass as it would alone. A group whose blocks are interleaved with another
// group's (the weights of an MLP, between its biases) and whose chain is elementwise runs
// in place too, block by block, with one state per block: elementwise transforms treat
// coordinates independently, so the result is the same as one pass over the group. Only a
// scattered group with a reducing or global member (a clip over the group's norm, Muon's
// matrices) is gathered into a scratch buffer and scattered back.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "descent/transform/transform.hpp"

namespace descent {

struct PartitionGroup {
  // Glob on the block name: '*' any run of characters (dots included), '?' one character.
  std::string match = "*";
  // The block's number of dimensions (0 scalar, 1 vector, 2 matrix, ...); -1 any.
  int ndim = -1;
  TransformPtr transform;
};

// True when `name` matches the glob `pattern` ('*' and '?'), in linear time.
bool glob_match(std::string_view pattern, std::string_view name);

class Partition final : public Transform {
 public:
  // Throws ConfigError for a group without a transform, an ndim below -1, or a pattern a
  // spec cannot write. `fallback` may be null: then every block must match a group.
  Partition(std::vector<PartitionGroup> groups, TransformPtr fallback);

  const std::vector<PartitionGroup>& groups() const noexcept { return groups_; }
  const TransformPtr& fallback() const noexcept { return fallback_; }

  // The index of the group taking `block` (groups().size() for the default); nullopt when
  // nothing takes it.
  std::optional<std::size_t> group_of(const BlockInfo& block) const;

  std::string spec() const override;
  TransformKind kind() const override { return TransformKind::global; }

  TransformState<float> init(const ParameterLayout& layout, float) const override;
  TransformState<double> init(const ParameterLayout& layout, double) const override;

  // The step count lives in the groups' states; partition's own only counts calls.
  void begin_step(TransformState<float>& state, const double*) const override { ++state.count; }
  void begin_step(TransformState<double>& state, const double*) const override { ++state.count; }
  void update_tile(TransformState<float>&, const Tile<float>&) const override;
  void update_tile(TransformState<double>&, const Tile<double>&) const override;

  void update_global(TransformState<float>& state, std::span<float> direction, std::span<const float> params,
                     const ParameterLayout& layout) const override;
  void update_global(TransformState<double>& state, std::span<double> direction, std::span<const double> params,
                     const ParameterLayout& layout) const override;
  // Last in a chain under apply(): each group's pass adds its update into the parameters.
  bool applies_in_place() const override { return true; }
  void apply_global(TransformState<float>& state, std::span<float> direction, std::span<float> params,
                    const ParameterLayout& layout) const override;
  void apply_global(TransformState<double>& state, std::span<double> direction, std::span<double> params,
                    const ParameterLayout& layout) const override;

 private:
  template <class T>
  TransformState<T> build(const ParameterLayout& layout) const;
  // params_out null: the update is left in `direction`; else it is added to params_out (the
  // same memory as params).
  template <class T>
  void run(TransformState<T>& state, std::span<T> direction, std::span<const T> params, T* params_out,
           const ParameterLayout& layout) const;

  std::vector<PartitionGroup> groups_;
  TransformPtr fallback_;
};

TransformPtr partition(std::vector<PartitionGroup> groups, TransformPtr fallback = nullptr);

}  // namespace descent
