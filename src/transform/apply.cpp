#include "descent/transform/apply.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/core/parallel.hpp"
#include "descent/transform/chain.hpp"

namespace descent {

namespace {

template <class T>
struct Member {
  const Transform* transform;
  TransformState<T>* state;
};

// The flat member list of a transform: a chain's members, or the transform alone.
template <class T>
std::size_t gather(const Transform& transform, TransformState<T>& state, Member<T>* out, std::size_t cap) {
  if (const auto* c = dynamic_cast<const Chain*>(&transform)) {
    const auto& members = c->members();
    if (members.size() > cap) throw MismatchError("chain: too many members for the executor");
    if (state.children.size() != members.size())
      throw MismatchError("chain state does not match the chain " + c->spec());
    ++state.count;
    for (std::size_t i = 0; i < members.size(); ++i) out[i] = {members[i].get(), &state.children[i]};
    return members.size();
  }
  out[0] = {&transform, &state};
  return 1;
}

// True when every slot of the state tree has n elements. Runs every step, so it only
// compares sizes; check_state builds the message when it fails. Without it a state made
// for fewer parameters (or a chain state whose member slots are short) would be read
// past its end. Only a chain's children cover the same parameters as the chain; other
// transforms with children (partition: one per group) check their children's sizes
// themselves when they run them.
template <class T>
bool slots_fit(const Transform& transform, const TransformState<T>& state, std::size_t n) {
  for (const auto& slot : state.slots)
    if (slot.size() != n) return false;
  if (const auto* c = dynamic_cast<const Chain*>(&transform)) {
    if (state.children.size() != c->members().size()) return false;
    for (std::size_t i = 0; i < state.children.size(); ++i)
      if (!slots_fit(*c->members()[i], state.children[i], n)) return false;
  }
  return true;
}

// The arrays one pass streams through, so that each tile can ask for the lines of a tile
// further on before it works on its own. The hardware prefetchers stop at 4 KiB page
// boundaries, and a tile of floats is one page per array, so every tile of every array
// would otherwise start with a memory latency. It matters most for a read-only pass over
// one array (the global norm): measured on arrays beyond the caches, 17.5 GB/s without,
// 22.5 GB/s with a distance of two tiles; passes over several arrays gain a few percent.
inline constexpr std::size_t kPrefetchDistance = 2;

template <class T>
struct PassStreams {
  static constexpr std::size_t kMax = 24;  // arrays beyond this many are not prefetched
  const T* read[kMax];
  std::size_t reads = 0;
  T* written[kMax];
  std::size_t writes = 0;

  void add_read(const T* a) {
    if (reads < kMax) read[reads++] = a;
  }
  void add_written(T* a) {
    if (writes < kMax) written[writes++] = a;
  }
  // Prefetches tile t of every array (nothing when t is past the end).
  void prefetch_tile(std::size_t t, std::size_t tiles, std::size_t n) const {
    if (t >= tiles) return;
    const std::size_t begin = t * kTileSize, len = std::min(kTileSize, n - begin);
    constexpr std::size_t kLine = 64 / sizeof(T);
    for (std::size_t a = 0; a < reads; ++a)
      for (std::size_t k = 0; k < len; k += kLine) __builtin_prefetch(read[a] + begin + k, 0, 3);
    for (std::size_t a = 0; a < writes; ++a)
      for (std::size_t k = 0; k < len; k += kLine) __builtin_prefetch(written[a] + begin + k, 1, 3);
  }
};

// Scratch for reduction partials: grows to the largest size seen, then stays, so
// steady-state steps do not allocate.
std::vector<double>& reduction_scratch(std::size_t size) {
  thread_local std::vector<double> scratch;
  if (scratch.size() < size) scratch.resize(size);
  return scratch;
}

template <class T>
void run(const Transform& transform, TransformState<T>& state, std::span<T> direction, std::span<const T> params,
         T* params_out, const ParameterLayout& layout, std::optional<double> direction_squared_norm) {
  // Cheap shape checks only: the owner check builds strings, so it runs when a state
  // is loaded (check_state), not every step.
  if (!slots_fit(transform, state, params.size())) check_state(transform, state, params.size());
  if (direction.size() != params.size())
    throw MismatchError("transform: direction has " + std::to_string(direction.size()) + " elements, parameters " +
                        std::to_string(params.size()));
  constexpr std::size_t kMaxMembers = 64;
  Member<T> members[kMaxMembers];
  const std::size_t count = gather(transform, state, members, kMaxMembers);

  const std::size_t n = direction.size();
  const std::size_t tiles = tile_count(n);
  T* d = direction.data();
  const T* p = params.data();

  // totals[] of the reducing member that starts the current pass, if its reduction was
  // already computed by the previous pass.
  bool reduction_ready = false;
  std::size_t i = 0;
  while (i < count) {
    Member<T> head = members[i];
    const TransformKind head_kind = head.transform->kind();

    if (head_kind == TransformKind::global) {
      head.transform->begin_step(*head.state, nullptr);
      if (i + 1 == count && params_out != nullptr && head.transform->applies_in_place()) {
        head.transform->apply_global(*head.state, direction, std::span<T>(params_out, n), layout);
        return;  // the update is in the parameters already
      }
      head.transform->update_global(*head.state, direction, params, layout);
      ++i;
      continue;
    }

    if (head_kind == TransformKind::reducing) {
      const std::size_t r = head.transform->reduction_size();
      if (r > 16) throw MismatchError("transform: reduction_size above 16 is not supported");
      double totals[16] = {};
      if (i == 0 && direction_squared_norm.has_value() && head.transform->reduces_to_squared_norm()) {
        // The caller computed exactly this total (see apply.hpp): no pass at all.
        totals[0] = *direction_squared_norm;
      } else {
        double* part = reduction_scratch(tiles * r).data();
        if (!reduction_ready) {
          // Read-only pass over the incoming direction.
          PassStreams<T> reduce_streams;
          reduce_streams.add_read(d);
#pragma omp parallel for schedule(static) if (tiles >= kMinTilesForThreads)
          for (std::size_t t = 0; t < tiles; ++t) {
            const std::size_t begin = t * kTileSize;
            const std::size_t len = std::min(kTileSize, n - begin);
            reduce_streams.prefetch_tile(t + kPrefetchDistance, tiles, n);
            std::fill_n(part + t * r, r, 0.0);
            head.transform->reduce_tile(*head.state, Tile<T>{d + begin, p + begin, begin, len}, part + t * r);
          }
        }
        for (std::size_t t = 0; t < tiles; ++t)
          for (std::size_t k = 0; k < r; ++k) totals[k] += part[t * r + k];
      }
      head.transform->begin_step(*head.state, totals);
    } else {
      head.transform->begin_step(*head.state, nullptr);
    }

    // Extend the pass over following elementwise members.
    std::size_t end = i + 1;
    while (end < count && members[end].transform->kind() == TransformKind::elementwise) {
      members[end].transform->begin_step(*members[end].state, nullptr);
      ++end;
    }
    const bool last_pass = end == count;
    // A reducing member right after this pass gets its partials from this pass.
    const Member<T>* next_reducer =
        (!last_pass && members[end].transform->kind() == TransformKind::reducing) ? &members[end] : nullptr;
    const std::size_t next_r = next_reducer ? next_reducer->transform->reduction_size() : 0;
    double* next_part = next_reducer ? reduction_scratch(tiles * next_r).data() : nullptr;
    PassStreams<T> streams;
    streams.add_read(d);
    if (last_pass && params_out != nullptr)
      streams.add_written(params_out);
    else
      streams.add_read(p);
    for (std::size_t m = i; m < end; ++m)
      for (auto& slot : members[m].state->slots) streams.add_written(slot.data());

#pragma omp parallel for schedule(static) if (tiles >= kMinTilesForThreads)
    for (std::size_t t = 0; t < tiles; ++t) {
      const std::size_t begin = t * kTileSize;
      const std::size_t len = std::min(kTileSize, n - begin);
      streams.prefetch_tile(t + kPrefetchDistance, tiles, n);
      // Each member reads the previous one's output: the first reads the direction in
      // memory, the last writes the direction in memory or adds to the parameters, and
      // the ones between (and the ends, when there are several) use an L1 buffer. A pass
      // of one member is thus a single loop over all its arrays.
      alignas(kAlignment) T buffer[kTileSize];
      T* const memory = d + begin;
      const bool adds = last_pass && params_out != nullptr;
      for (std::size_t m = i; m < end; ++m) {
        const bool first = m == i, last = m + 1 == end;
        T* const input = first ? memory : buffer;
        Tile<T> tile{input, p + begin, begin, len};
        if (last && adds) {
          tile.add_to = params_out + begin;
        } else {
          T* const output = last ? memory : buffer;
          if (output != input) {
            tile.in = input;
            tile.d = output;
          }
        }
        members[m].transform->update_tile(*members[m].state, tile);
      }
      if (next_reducer) {
        std::fill_n(next_part + t * next_r, next_r, 0.0);
        next_reducer->transform->reduce_tile(*next_reducer->state, Tile<T>{memory, p + begin, begin, len},
                                             next_part + t * next_r);
      }
    }
    reduction_ready = next_reducer != nullptr;
    i = end;
  }
  // A list that ended in a global member leaves its update in `direction`.
  if (params_out != nullptr && count > 0 && members[count - 1].transform->kind() == TransformKind::global) {
#pragma omp parallel for schedule(static) if (tiles >= kMinTilesForThreads)
    for (std::size_t t = 0; t < tiles; ++t) {
      const std::size_t begin = t * kTileSize;
      const std::size_t len = std::min(kTileSize, n - begin);
      for (std::size_t k = 0; k < len; ++k) params_out[begin + k] += d[begin + k];
    }
  }
}

}  // namespace

template <class T>
void check_state(const Transform& transform, const TransformState<T>& state, std::size_t n) {
  const std::string spec = transform.spec();
  if (state.owner != spec)
    throw MismatchError("transform state was made by '" + state.owner + "', not by '" + spec + "'");
  const auto check_slots = [n](const Transform& t, const TransformState<T>& s, const auto& self) -> void {
    for (std::size_t k = 0; k < s.slots.size(); ++k)
      if (s.slots[k].size() != n)
        throw MismatchError("transform state slot '" + s.slot_names[k] + "' of '" + s.owner + "' has " +
                            std::to_string(s.slots[k].size()) + " elements, parameters " + std::to_string(n));
    if (const auto* c = dynamic_cast<const Chain*>(&t)) {
      if (s.children.size() != c->members().size())
        throw MismatchError("chain state does not match the chain " + c->spec());
      for (std::size_t i = 0; i < s.children.size(); ++i) self(*c->members()[i], s.children[i], self);
    }
  };
  check_slots(transform, state, check_slots);
}

template <class T>
void update(const Transform& transform, TransformState<T>& state, std::span<T> direction, std::span<const T> params,
            const ParameterLayout& layout, std::optional<double> direction_squared_norm) {
  run<T>(transform, state, direction, params, nullptr, layout, direction_squared_norm);
}

template <class T>
void apply(const Transform& transform, TransformState<T>& state, std::span<T> direction, std::span<T> params,
           const ParameterLayout& layout, std::optional<double> direction_squared_norm) {
  run<T>(transform, state, direction, std::span<const T>(params.data(), params.size()), params.data(), layout,
         direction_squared_norm);
}

template void update<float>(const Transform&, TransformState<float>&, std::span<float>, std::span<const float>,
                            const ParameterLayout&, std::optional<double>);
template void update<double>(const Transform&, TransformState<double>&, std::span<double>, std::span<const double>,
                             const ParameterLayout&, std::optional<double>);
template void apply<float>(const Transform&, TransformState<float>&, std::span<float>, std::span<float>,
                           const ParameterLayout&, std::optional<double>);
template void apply<double>(const Transform&, TransformState<double>&, std::span<double>, std::span<double>,
                            const ParameterLayout&, std::optional<double>);
template void check_state<float>(const Transform&, const TransformState<float>&, std::size_t);
template void check_state<double>(const Transform&, const TransformState<double>&, std::size_t);

}  // namespace descent
