#include "descent/distributed/collectives.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <string>

namespace descent {

Segment segment_of(std::size_t length, int ranks, int rank) {
  const auto p = static_cast<std::size_t>(ranks), r = static_cast<std::size_t>(rank);
  const std::size_t base = length / p, extra = length % p;
  const std::size_t begin = r * base + std::min(r, extra);
  return {begin, begin + base + (r < extra ? 1 : 0)};
}

namespace {

template <class T>
std::span<const std::byte> bytes_of(std::span<const T> s) {
  return std::as_bytes(s);
}
template <class T>
std::span<std::byte> writable_bytes_of(std::span<T> s) {
  return std::as_writable_bytes(s);
}

}  // namespace

template <class T>
void broadcast(Communicator& comm, std::span<T> data, int root, std::string_view what) {
  if (root < 0 || root >= comm.size())
    throw MismatchError("broadcast (" + std::string(what) + "): root " + std::to_string(root) +
                        " is not a rank of a group of " + std::to_string(comm.size()));
  if (comm.size() == 1) return;
  std::vector<Outgoing> out;
  std::vector<Incoming> in;
  if (comm.rank() == root) {
    for (int r = 0; r < comm.size(); ++r)
      if (r != root) out.push_back({r, bytes_of(std::span<const T>(data))});
  } else {
    in.push_back({root, writable_bytes_of(data)});
  }
  comm.exchange(out, in, what);
}

template <class T>
void all_gather_segments(Communicator& comm, std::span<T> data, std::string_view what) {
  const int p = comm.size(), me = comm.rank();
  if (p == 1) return;
  const Segment mine = segment_of(data.size(), p, me);
  std::vector<Outgoing> out;
  std::vector<Incoming> in;
  for (int r = 0; r < p; ++r) {
    if (r == me) continue;
    const Segment theirs = segment_of(data.size(), p, r);
    out.push_back({r, bytes_of(std::span<const T>(data.subspan(mine.begin, mine.size())))});
    in.push_back({r, writable_bytes_of(data.subspan(theirs.begin, theirs.size()))});
  }
  comm.exchange(out, in, what);
}

namespace {

// Every rank's `value`, indexed by rank (one round: an all-to-all of one number).
std::vector<double> all_values(Communicator& comm, double value, std::string_view what) {
  const int p = comm.size();
  std::vector<double> values(static_cast<std::size_t>(p));
  values[static_cast<std::size_t>(comm.rank())] = value;
  if (p == 1) return values;
  std::vector<Outgoing> out;
  std::vector<Incoming> in;
  for (int r = 0; r < p; ++r) {
    if (r == comm.rank()) continue;
    out.push_back({r, std::as_bytes(std::span<const double>(&value, 1))});
    in.push_back({r, std::as_writable_bytes(std::span<double>(&values[static_cast<std::size_t>(r)], 1))});
  }
  comm.exchange(out, in, what);
  return values;
}

}  // namespace

double all_max(Communicator& comm, double value, std::string_view what) {
  const std::vector<double> values = all_values(comm, value, what);
  return *std::max_element(values.begin(), values.end());
}

void check_same_on_every_rank(Communicator& comm, const std::string& text, std::string_view what) {
  if (comm.size() == 1) return;
  // First agree on a fingerprint (length and hash), then name the ranks that differ.
  std::uint64_t mine[2] = {text.size(), std::hash<std::string>{}(text)};
  std::vector<std::uint64_t> root(2);
  std::copy(mine, mine + 2, root.begin());
  broadcast(comm, std::span<std::uint64_t>(root), 0, what);
  const double differs = (root[0] != mine[0] || root[1] != mine[1]) ? 1.0 : 0.0;
  // Every rank learns which ranks differ.
  const int p = comm.size();
  const std::vector<double> flags = all_values(comm, differs, what);
  std::string ranks;
  for (int r = 0; r < p; ++r)
    if (flags[static_cast<std::size_t>(r)] != 0) ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
  if (!ranks.empty())
    throw MismatchError(std::string(what) + ": rank(s) " + ranks +
                        " were started with settings that differ from rank 0's; every rank must run the same command");
}

#define DESCENT_INSTANTIATE(T)                                                    \
  template void broadcast<T>(Communicator&, std::span<T>, int, std::string_view); \
  template void all_gather_segments<T>(Communicator&, std::span<T>, std::string_view);
DESCENT_INSTANTIATE(float)
DESCENT_INSTANTIATE(double)
DESCENT_INSTANTIATE(std::byte)
DESCENT_INSTANTIATE(std::uint64_t)
#undef DESCENT_INSTANTIATE

}  // namespace descent
