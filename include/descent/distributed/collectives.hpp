// Collectives as rounds of Communicator::exchange. Each names what it is for in errors.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "descent/distributed/communicator.hpp"

namespace descent {

// The half-open range of `length` items that rank r of `ranks` owns: contiguous and balanced
// (the first length % ranks ranks get one more). Used for parameter segments and for a
// batch's shards alike.
struct Segment {
  std::size_t begin = 0, end = 0;
  std::size_t size() const { return end - begin; }
};
Segment segment_of(std::size_t length, int ranks, int rank);

// Every rank's `data` becomes root's (one round: root sends to every other rank).
template <class T>
void broadcast(Communicator& comm, std::span<T> data, int root, std::string_view what);

// Every rank holds its own segment_of(data.size(), size, rank) of `data` and receives the
// others' (one round: each rank sends its segment to every other rank).
template <class T>
void all_gather_segments(Communicator& comm, std::span<T> data, std::string_view what);

// The largest of every rank's `value` (one round: an all-to-all of one number), for
// agreeing on a stop or a maximum. Exact, so every rank gets the same bits.
double all_max(Communicator& comm, double value, std::string_view what);

// Throws MismatchError naming the ranks whose `text` differs from rank 0's (one round):
// ranks that were started with different settings must not train together.
void check_same_on_every_rank(Communicator& comm, const std::string& text, std::string_view what);

}  // namespace descent
