// Counter-based random numbers (Philox4x32-10, Salmon et al., "Parallel random numbers:
// as easy as 1, 2, 3", SC 2011). A value is a pure function of (seed, stream, counter),
// so any thread can compute any draw: results never depend on the thread count, and a
// generator's whole state is one counter, which makes checkpoints trivial.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>

namespace descent {

// One independent stream per purpose, so that e.g. drawing more noise never shifts
// which minibatches are sampled.
enum class Stream : std::uint32_t {
  init = 1,      // parameter initialization
  sampling = 2,  // minibatch / index selection
  noise = 3,     // noise added to gradients or labels
  data = 4,      // synthetic data generation, shuffles of datasets
  user = 1000,   // first stream free for applications
};

using Philox4x32 = std::array<std::uint32_t, 4>;

// The Philox4x32 bijection with 10 rounds: counter -> random block under key.
constexpr Philox4x32 philox4x32(Philox4x32 counter, std::array<std::uint32_t, 2> key) {
  constexpr std::uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr std::uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = std::uint64_t{kMul0} * counter[0];
    const std::uint64_t p1 = std::uint64_t{kMul1} * counter[2];
    counter = {static_cast<std::uint32_t>(p1 >> 32) ^ counter[1] ^ key[0], static_cast<std::uint32_t>(p1),
               static_cast<std::uint32_t>(p0 >> 32) ^ counter[3] ^ key[1], static_cast<std::uint32_t>(p0)};
    key[0] += kWeyl0;
    key[1] += kWeyl1;
  }
  return counter;
}

// A sequential view on one (seed, stream): draw k reads block k / 4 of the Philox
// sequence. `position()` is the whole state; `seek()` restores it.
class Random {
 public:
  Random(std::uint64_t seed, Stream stream, std::uint32_t substream = 0)
      : key_{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)},
        stream_(static_cast<std::uint32_t>(stream)),
        substream_(substream) {}

  // The k-th 32-bit draw of this stream, without touching the sequential position.
  std::uint32_t at(std::uint64_t k) const {
    const Philox4x32 block = philox4x32(
        {static_cast<std::uint32_t>(k >> 2), static_cast<std::uint32_t>(k >> 34), stream_, substream_}, key_);
    return block[k & 3u];
  }

  std::uint32_t next_u32() { return at(position_++); }
  std::uint64_t next_u64() {
    const std::uint64_t hi = next_u32();
    return (hi << 32) | next_u32();
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1]: safe for log().
  double uniform_open_zero() { return 1.0 - uniform(); }
  // Standard normal by Box-Muller; uses two uniforms per draw (the second value is
  // discarded so that the position advances by a fixed amount per call).
  double normal() {
    const double u1 = uniform_open_zero();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }
  // Uniform integer in [0, n) without modulo bias (Lemire's method with rejection).
  std::uint64_t below(std::uint64_t n);

  std::uint64_t position() const noexcept { return position_; }
  void seek(std::uint64_t position) noexcept { position_ = position; }

 private:
  std::array<std::uint32_t, 2> key_;
  std::uint32_t stream_;
  std::uint32_t substream_;
  std::uint64_t position_ = 0;
};

inline std::uint64_t Random::below(std::uint64_t n) {
  if (n <= 1) return 0;
  // Rejection keeps the distribution exact: draw 64 bits, accept those below the
  // largest multiple of n.
  const std::uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
  std::uint64_t r;
  do {
    r = next_u64();
  } while (r >= limit);
  return r % n;
}

}  // namespace descent
