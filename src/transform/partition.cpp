#include "descent/transform/partition.hpp"

#include <algorithm>
#include <utility>

#include "descent/core/aligned_buffer.hpp"
#include "descent/core/error.hpp"
#include "descent/core/parallel.hpp"
#include "descent/spec/spec_parser.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/chain.hpp"

namespace descent {

namespace {

// How a group's transform runs over its blocks (see the header's "Cost").
enum class GroupMode {
  in_place,     // the blocks form one contiguous range: one call on that range
  per_segment,  // scattered, elementwise: one call and one state per contiguous range
  gathered,     // scattered, with a reducing or global member: gather, run, scatter
};

struct Segment {
  std::size_t offset = 0;  // in the flat vector
  std::size_t size = 0;
  ParameterLayout layout;  // its blocks, rebased to start at 0
};

struct GroupPlan {
  // Which group (groups().size(): the default). An index, not a pointer: a state outlives the
  // transform that made it (a loaded checkpoint is run by an equal transform built anew).
  std::size_t group = 0;
  GroupMode mode = GroupMode::in_place;
  ParameterLayout layout;  // every block of the group, packed in layout order
  std::vector<Segment> segments;
};

struct PartitionPlan {
  std::size_t size = 0;
  std::size_t blocks = 0;
  std::vector<GroupPlan> groups;  // the groups that take at least one block, in group order
};

bool is_elementwise(const Transform& t) {
  if (const auto* c = dynamic_cast<const Chain*>(&t))
    return std::all_of(c->members().begin(), c->members().end(),
                       [](const TransformPtr& m) { return m->kind() == TransformKind::elementwise; });
  return t.kind() == TransformKind::elementwise;
}

std::string group_spec(const PartitionGroup& g) {
  return "group(match=" + quote_spec_string(g.match, "partition: a group's match pattern") +
         ", ndim=" + std::to_string(g.ndim) + ", transform=" + g.transform->spec() + ")";
}

// Scratch for gathered groups, one pair of buffers per nesting depth (a partition inside a
// gathered group of another), grown to the largest group seen and then kept: steady-state
// steps allocate nothing.
template <class T>
struct GatherScratch {
  AlignedBuffer<T> direction, params;
};

template <class T>
GatherScratch<T>& gather_scratch(std::size_t depth, std::size_t n) {
  thread_local std::vector<GatherScratch<T>> scratch;
  if (scratch.size() <= depth) scratch.resize(depth + 1);
  auto& s = scratch[depth];
  if (s.direction.size() < n) {
    s.direction = AlignedBuffer<T>(n);
    s.params = AlignedBuffer<T>(n);
  }
  return s;
}

thread_local std::size_t gather_depth = 0;

}  // namespace

bool glob_match(std::string_view pattern, std::string_view name) {
  // Greedy matching with one backtrack point (the last '*'): linear in |name| * |pattern|
  // at worst, with no recursion.
  std::size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p, ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Partition::Partition(std::vector<PartitionGroup> groups, TransformPtr fallback)
    : groups_(std::move(groups)), fallback_(std::move(fallback)) {
  if (groups_.empty() && fallback_ == nullptr)
    throw ConfigError("partition: give at least one group(...) or a default=");
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    const auto& g = groups_[i];
    const std::string where = "partition: group " + std::to_string(i + 1);
    if (g.transform == nullptr) throw ConfigError(where + " has no transform");
    if (g.ndim < -1) throw ConfigError(where + ": ndim = " + std::to_string(g.ndim) + " violates ndim >= -1");
    quote_spec_string(g.match, where + "'s match pattern");  // throws when a spec cannot write it
  }
}

std::optional<std::size_t> Partition::group_of(const BlockInfo& block) const {
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    const auto& g = groups_[i];
    if (g.ndim >= 0 && static_cast<std::size_t>(g.ndim) != block.shape.size()) continue;
    if (glob_match(g.match, block.name)) return i;
  }
  if (fallback_) return groups_.size();
  return std::nullopt;
}

std::string Partition::spec() const {
  std::string s = "partition(";
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    if (i) s += ", ";
    s += group_spec(groups_[i]);
  }
  if (fallback_) s += std::string(groups_.empty() ? "" : ", ") + "default=" + fallback_->spec();
  return s + ")";
}

template <class T>
TransformState<T> Partition::build(const ParameterLayout& layout) const {
  auto plan = std::make_shared<PartitionPlan>();
  plan->size = layout.size();
  plan->blocks = layout.blocks().size();
  const std::size_t choices = groups_.size() + 1;
  std::vector<std::size_t> owner(layout.blocks().size());
  for (std::size_t b = 0; b < layout.blocks().size(); ++b) {
    const auto& block = layout.blocks()[b];
    const auto g = group_of(block);
    if (!g) {
      const std::string name = block.name.empty() ? "(unnamed)" : "'" + block.name + "'";
      throw ConfigError("partition: block " + name + " matches no group and there is no default=; add default=" +
                        "<transform> or a group(...) for it");
    }
    owner[b] = *g;
  }
  TransformState<T> state;
  state.owner = spec();
  for (std::size_t g = 0; g < choices; ++g) {
    GroupPlan group;
    group.group = g;
    const Transform& transform = g < groups_.size() ? *groups_[g].transform : *fallback_;
    for (std::size_t b = 0; b < owner.size(); ++b) {
      if (owner[b] != g) continue;
      const auto& block = layout.blocks()[b];
      group.layout.add(block.name, block.shape);
      // Blocks are packed in layout order, so a block that follows the previous block of
      // the group directly extends its segment.
      if (group.segments.empty() || b == 0 || owner[b - 1] != g) {
        group.segments.push_back({block.offset, 0, {}});
      }
      group.segments.back().size += block.size;
      group.segments.back().layout.add(block.name, block.shape);
    }
    if (group.layout.blocks().empty()) continue;
    if (group.segments.size() == 1)
      group.mode = GroupMode::in_place;
    else
      group.mode = is_elementwise(transform) ? GroupMode::per_segment : GroupMode::gathered;
    if (group.mode == GroupMode::per_segment) {
      TransformState<T> holder;
      holder.owner = transform.spec();
      for (const auto& seg : group.segments) holder.children.push_back(transform.init(seg.layout, T{}));
      state.children.push_back(std::move(holder));
    } else {
      state.children.push_back(transform.init(group.layout, T{}));
    }
    plan->groups.push_back(std::move(group));
  }
  state.plan = std::move(plan);
  return state;
}

TransformState<float> Partition::init(const ParameterLayout& layout, float) const { return build<float>(layout); }
TransformState<double> Partition::init(const ParameterLayout& layout, double) const { return build<double>(layout); }

void Partition::update_tile(TransformState<float>&, const Tile<float>&) const {
  throw MismatchError("partition: it needs the whole parameter vector (use descent::update or descent::apply)");
}
void Partition::update_tile(TransformState<double>&, const Tile<double>&) const {
  throw MismatchError("partition: it needs the whole parameter vector (use descent::update or descent::apply)");
}

template <class T>
void Partition::run(TransformState<T>& state, std::span<T> direction, std::span<const T> params, T* params_out,
                    const ParameterLayout& layout) const {
  // One executor run on one range of the group: the update into `d`, or added to `out`.
  const auto step = [](const Transform& t, TransformState<T>& s, std::span<T> d, std::span<const T> p, T* out,
                       const ParameterLayout& l) {
    if (out != nullptr)
      apply(t, s, d, std::span<T>(out, d.size()), l);
    else
      update(t, s, d, p, l);
  };
  const auto* plan = static_cast<const PartitionPlan*>(state.plan.get());
  if (plan == nullptr || state.children.size() != plan->groups.size())
    throw MismatchError("partition: its state was not made by init() of '" + spec() + "'");
  if (plan->size != layout.size() || plan->blocks != layout.blocks().size() || direction.size() != layout.size())
    throw MismatchError("partition: its state was made for " + std::to_string(plan->size) + " parameters in " +
                        std::to_string(plan->blocks) + " blocks, not " + std::to_string(layout.size()) + " in " +
                        std::to_string(layout.blocks().size()));
  for (std::size_t g = 0; g < plan->groups.size(); ++g) {
    const GroupPlan& group = plan->groups[g];
    if (group.group > groups_.size() || (group.group == groups_.size() && !fallback_))
      throw MismatchError("partition: its state was made by another partition than '" + spec() + "'");
    const Transform& transform = group.group < groups_.size() ? *groups_[group.group].transform : *fallback_;
    TransformState<T>& child = state.children[g];
    switch (group.mode) {
      case GroupMode::in_place: {
        const Segment& s = group.segments.front();
        step(transform, child, direction.subspan(s.offset, s.size), params.subspan(s.offset, s.size),
             params_out ? params_out + s.offset : nullptr, group.layout);
        break;
      }
      case GroupMode::per_segment: {
        if (child.children.size() != group.segments.size())
          throw MismatchError("partition: its state does not match the layout");
        for (std::size_t k = 0; k < group.segments.size(); ++k) {
          const Segment& s = group.segments[k];
          step(transform, child.children[k], direction.subspan(s.offset, s.size), params.subspan(s.offset, s.size),
               params_out ? params_out + s.offset : nullptr, s.layout);
        }
        ++child.count;
        break;
      }
      case GroupMode::gathered: {
        const std::size_t n = group.layout.size();
        auto& scratch = gather_scratch<T>(gather_depth, n);
        T* d = scratch.direction.data();
        T* p = scratch.params.data();
        // The copies stream like any pass over memory: on threads, tile by tile.
        std::size_t at = 0;
        for (const Segment& s : group.segments) {
          const T* from_d = direction.data() + s.offset;
          const T* from_p = params.data() + s.offset;
          T* to_d = d + at;
          T* to_p = p + at;
          for_each_tile(s.size, [=](std::size_t begin, std::size_t end) {
            std::copy(from_d + begin, from_d + end, to_d + begin);
            std::copy(from_p + begin, from_p + end, to_p + begin);
          });
          at += s.size;
        }
        ++gather_depth;
        try {
          step(transform, child, std::span<T>(d, n), std::span<const T>(p, n), params_out ? p : nullptr, group.layout);
        } catch (...) {
          --gather_depth;
          throw;
        }
        --gather_depth;
        // Back to where the blocks live: the new parameters, or the update.
        T* const target = params_out != nullptr ? params_out : direction.data();
        const T* const source = params_out != nullptr ? p : d;
        at = 0;
        for (const Segment& s : group.segments) {
          const T* from = source + at;
          T* to = target + s.offset;
          for_each_tile(s.size,
                        [=](std::size_t begin, std::size_t end) { std::copy(from + begin, from + end, to + begin); });
          at += s.size;
        }
        break;
      }
    }
  }
}

void Partition::update_global(TransformState<float>& state, std::span<float> direction, std::span<const float> params,
                              const ParameterLayout& layout) const {
  run<float>(state, direction, params, nullptr, layout);
}
void Partition::update_global(TransformState<double>& state, std::span<double> direction,
                              std::span<const double> params, const ParameterLayout& layout) const {
  run<double>(state, direction, params, nullptr, layout);
}
void Partition::apply_global(TransformState<float>& state, std::span<float> direction, std::span<float> params,
                             const ParameterLayout& layout) const {
  run<float>(state, direction, params, params.data(), layout);
}
void Partition::apply_global(TransformState<double>& state, std::span<double> direction, std::span<double> params,
                             const ParameterLayout& layout) const {
  run<double>(state, direction, params, params.data(), layout);
}

TransformPtr partition(std::vector<PartitionGroup> groups, TransformPtr fallback) {
  return std::make_shared<const Partition>(std::move(groups), std::move(fallback));
}

}  // namespace descent
