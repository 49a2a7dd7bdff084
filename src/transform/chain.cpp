#include "descent/transform/chain.hpp"

#include <algorithm>

#include "descent/core/error.hpp"

namespace descent {

namespace {
void flatten_into(const TransformPtr& t, std::vector<TransformPtr>& out) {
  if (t == nullptr) throw ConfigError("chain: a member is null");
  if (const auto* c = dynamic_cast<const Chain*>(t.get())) {
    for (const auto& m : c->members()) out.push_back(m);
  } else {
    out.push_back(t);
  }
}
}  // namespace

Chain::Chain(std::vector<TransformPtr> members) {
  for (const auto& m : members) flatten_into(m, members_);
}

std::string Chain::spec() const {
  std::string s = "chain(";
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (i) s += ", ";
    s += members_[i]->spec();
  }
  return s + ")";
}

template <class T>
TransformState<T> Chain::build(const ParameterLayout& layout) const {
  TransformState<T> state;
  state.owner = spec();
  for (const auto& m : members_) state.children.push_back(m->init(layout, T{}));
  return state;
}

TransformState<float> Chain::init(const ParameterLayout& layout, float) const { return build<float>(layout); }
TransformState<double> Chain::init(const ParameterLayout& layout, double) const { return build<double>(layout); }

template <class T>
void Chain::start(TransformState<T>& state) const {
  ++state.count;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (members_[i]->kind() != TransformKind::elementwise)
      throw MismatchError("chain: per-tile use needs elementwise members; '" + members_[i]->spec() +
                          "' is not (use descent::update or descent::apply)");
    members_[i]->begin_step(state.children[i], nullptr);
  }
}

// The tile's redirections (see Tile) belong to the ends of the member list: the first
// member reads `in`, the last one adds to `add_to`, the rest work in place on d.
template <class T>
void Chain::run(TransformState<T>& state, const Tile<T>& tile) const {
  const std::size_t count = members_.size();
  if (count == 0) {
    if (tile.in != nullptr && tile.add_to == nullptr) std::copy_n(tile.in, tile.n, tile.d);
    const T* source = tile.in != nullptr ? tile.in : tile.d;
    if (tile.add_to != nullptr)
      for (std::size_t k = 0; k < tile.n; ++k) tile.add_to[k] += source[k];
    return;
  }
  for (std::size_t i = 0; i < count; ++i) {
    Tile<T> part{tile.d, tile.p, tile.offset, tile.n};
    if (i == 0) part.in = tile.in;
    if (i + 1 == count) part.add_to = tile.add_to;
    members_[i]->update_tile(state.children[i], part);
  }
}

void Chain::begin_step(TransformState<float>& state, const double*) const { start(state); }
void Chain::begin_step(TransformState<double>& state, const double*) const { start(state); }
void Chain::update_tile(TransformState<float>& state, const Tile<float>& tile) const { run(state, tile); }
void Chain::update_tile(TransformState<double>& state, const Tile<double>& tile) const { run(state, tile); }

TransformPtr chain(std::vector<TransformPtr> members) { return std::make_shared<const Chain>(std::move(members)); }

}  // namespace descent
