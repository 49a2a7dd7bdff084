#include "descent/estimator/dp_sgd.hpp"

#include <sys/random.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <numbers>
#include <string>
#include <type_traits>

#include "descent/core/error.hpp"
#include "descent/core/size_check.hpp"
#include "finite_sum_binding.hpp"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace descent {

const std::vector<std::string>& DpSgdOptions::sampling_choices() {
  static const std::vector<std::string> c = {"poisson", "shuffle"};
  return c;
}

const std::vector<std::string>& DpSgdOptions::clipping_choices() {
  static const std::vector<std::string> c = {"flat", "per_layer"};
  return c;
}

const std::vector<Field<DpSgdOptions>>& DpSgdOptions::fields() {
  using O = DpSgdOptions;
  static const std::vector<Field<O>> f = {
      {"clip_norm", &O::clip_norm, Range::positive(), "C: each sample's gradient is scaled into the ball of radius C"},
      {"noise_multiplier", &O::noise_multiplier, Range::positive(),
       "sigma: N(0, sigma^2 C^2) is added to each coordinate of the clipped sum"},
      {"sampling", &O::sampling, Range::any(),
       "poisson: each sample joins a batch with probability rate; shuffle: epochs cut into batches of batch_size",
       &sampling_choices()},
      {"rate", &O::rate, Range{0, 1, true, false}, "q of poisson sampling; the noisy sum is divided by q n"},
      {"batch_size", &O::batch_size, Range::at_least(1),
       "samples per batch of shuffle sampling, the divisor of the sum"},
      {"clipping", &O::clipping, Range::any(),
       "flat: |g_i| <= C; per_layer: each layer's part of g_i within C / sqrt(layers)", &clipping_choices()},
      {"secure", &O::secure, Range::any(),
       "noise from the system's secure generator (getrandom) instead of the seeded stream; not reproducible"}};
  return f;
}

void DpSgdOptions::validate() const { descent::validate(*this); }

namespace {

// Pairs of normals per tile: the tile's uniforms, radii and angles stay in L1.
constexpr std::size_t kPairsPerTile = 512;
// Below this many tiles the noise is drawn on one thread (an OpenMP region costs a few
// microseconds; a tile of 512 pairs about as much).
constexpr std::size_t kMinTilesForThreads = 4;

// 53 random bits as a double in [0, 1), as Random::uniform() makes it: (word >> 11) 2^-53.
// The integer is converted exactly without a 64-bit conversion instruction (x86 has none on
// vectors before AVX-512), so that the loops over a tile vectorize: its top 52 bits become a
// double through the exponent (2^52 + v is exact below 2^53), its last bit likewise.
inline double unit_interval(std::uint64_t word) {
  constexpr std::uint64_t kTwo52 = 0x4330000000000000u;  // the bits of 2^52
  const std::uint64_t v = word >> 11;
  const double high = std::bit_cast<double>(kTwo52 | (v >> 1)) - 0x1.0p52;
  const double low = std::bit_cast<double>(kTwo52 | (v & 1u)) - 0x1.0p52;
  return (2 * high + low) * 0x1.0p-53;
}

// out[2m] (and out[2m + 1] when < count) += stddev z for the `pairs` Box-Muller pairs whose
// uniforms come from first_words[m] (u1 = 1 - unit_interval: in (0, 1], safe for log) and
// second_words[m] (u2).
template <class T>
void box_muller_tile(const std::uint64_t* first_words, const std::uint64_t* second_words, std::size_t pairs, T stddev,
                     T* out, std::size_t count) {
  alignas(64) double radius[kPairsPerTile];
  alignas(64) T angle[kPairsPerTile];
  alignas(64) T cosine[kPairsPerTile];
  alignas(64) T sine[kPairsPerTile];
  for (std::size_t m = 0; m < pairs; ++m) {
    radius[m] = 1.0 - unit_interval(first_words[m]);
    angle[m] = static_cast<T>(2 * std::numbers::pi * unit_interval(second_words[m]));
  }
  // The radius in double (Eigen vectorizes log in double): sqrt(-2 ln u1) reaches 8.6 for the
  // smallest u1 = 2^-53, where a float u1 would stop at 5.8 standard deviations.
  using DoubleArray = Eigen::Map<Eigen::Array<double, Eigen::Dynamic, 1>, Eigen::Aligned32>;
  using TArray = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>, Eigen::Aligned32>;
  const auto n = static_cast<Eigen::Index>(pairs);
  DoubleArray r(radius, n);
  r = (-2.0 * r.log()).sqrt();
  if constexpr (std::is_same_v<T, float>) {
    // Eigen vectorizes float sine and cosine (accurate to a few ulp, with range reduction).
    TArray(cosine, n) = TArray(angle, n).cos();
    TArray(sine, n) = TArray(angle, n).sin();
  } else {
    // Double: libm's, which the compiler may fuse into one sincos call.
    for (std::size_t m = 0; m < pairs; ++m) {
      cosine[m] = std::cos(angle[m]);
      sine[m] = std::sin(angle[m]);
    }
  }
  const std::size_t full = std::min(pairs, count / 2);  // pairs whose both values are used
  for (std::size_t m = 0; m < full; ++m) {
    const T scaled = stddev * static_cast<T>(radius[m]);
    out[2 * m] += scaled * cosine[m];
    out[2 * m + 1] += scaled * sine[m];
  }
  if (full < pairs) out[2 * full] += stddev * static_cast<T>(radius[full]) * cosine[full];
}

// The words of the pairs first .. first + count - 1 (count <= kPairsPerTile) of the Philox
// noise stream from `position` (a multiple of 4): pair m reads draws position + 4 m .. + 3,
// one Philox block r, as Random reads them (next_u64 takes the earlier draw as the high
// word): first_words[m] = r0 r1, second_words[m] = r2 r3. Blocks are computed side by side
// with each 32-bit counter word in a 64-bit lane, where one 32 x 32 -> 64-bit product per
// lane is a single instruction (AVX2: vpmuludq, four blocks at a time); the bijection is
// philox4x32's (random.hpp), which the scalar loop spells out for other targets.
void philox_words(const std::array<std::uint32_t, 2>& key, std::uint64_t position, std::uint64_t first,
                  std::size_t count, std::uint64_t* first_words, std::uint64_t* second_words) {
  constexpr std::uint64_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u, kLow = 0xFFFFFFFFu;
  constexpr std::uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  constexpr std::uint64_t kStream = static_cast<std::uint64_t>(Stream::noise), kSubstream = 0;
  std::array<std::uint64_t, 10> k0, k1;  // the key schedule
  k0[0] = key[0];
  k1[0] = key[1];
  for (std::size_t r = 1; r < 10; ++r) {
    k0[r] = static_cast<std::uint32_t>(k0[r - 1] + kWeyl0);
    k1[r] = static_cast<std::uint32_t>(k1[r - 1] + kWeyl1);
  }
  const std::uint64_t block0 = (position >> 2) + first;
  std::size_t m = 0;
#if defined(__AVX2__)
  const __m256i mul0 = _mm256_set1_epi64x(static_cast<long long>(kMul0));
  const __m256i mul1 = _mm256_set1_epi64x(static_cast<long long>(kMul1));
  const __m256i low = _mm256_set1_epi64x(static_cast<long long>(kLow));
  // Eight blocks per iteration in two independent groups of four: a round is a chain of a
  // product (5 cycles) and two one-cycle operations, so one group alone would wait on latency.
  constexpr std::size_t kGroups = 2;
  for (; m + 4 * kGroups <= count; m += 4 * kGroups) {
    __m256i c0[kGroups], c1[kGroups], c2[kGroups], c3[kGroups];
    for (std::size_t g = 0; g < kGroups; ++g) {
      const __m256i block = _mm256_add_epi64(_mm256_set1_epi64x(static_cast<long long>(block0 + m + 4 * g)),
                                             _mm256_set_epi64x(3, 2, 1, 0));
      c0[g] = _mm256_and_si256(block, low);
      c1[g] = _mm256_srli_epi64(block, 32);
      c2[g] = _mm256_set1_epi64x(static_cast<long long>(kStream));
      c3[g] = _mm256_set1_epi64x(static_cast<long long>(kSubstream));
    }
    for (std::size_t r = 0; r < 10; ++r) {
      const __m256i key0 = _mm256_set1_epi64x(static_cast<long long>(k0[r]));
      const __m256i key1 = _mm256_set1_epi64x(static_cast<long long>(k1[r]));
      for (std::size_t g = 0; g < kGroups; ++g) {
        const __m256i p0 = _mm256_mul_epu32(c0[g], mul0);
        const __m256i p1 = _mm256_mul_epu32(c2[g], mul1);
        c0[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), c1[g]), key0);
        c1[g] = _mm256_and_si256(p1, low);
        c2[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), c3[g]), key1);
        c3[g] = _mm256_and_si256(p0, low);
      }
    }
    for (std::size_t g = 0; g < kGroups; ++g) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(first_words + m + 4 * g),
                          _mm256_or_si256(_mm256_slli_epi64(c0[g], 32), c1[g]));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(second_words + m + 4 * g),
                          _mm256_or_si256(_mm256_slli_epi64(c2[g], 32), c3[g]));
    }
  }
#endif
  for (; m < count; ++m) {
    const std::uint64_t block = block0 + m;
    std::uint64_t c0 = block & kLow, c1 = block >> 32, c2 = kStream, c3 = kSubstream;
    for (std::size_t r = 0; r < 10; ++r) {
      const std::uint64_t p0 = kMul0 * c0, p1 = kMul1 * c2;
      c0 = (p1 >> 32) ^ c1 ^ k0[r];
      c1 = p1 & kLow;
      c2 = (p0 >> 32) ^ c3 ^ k1[r];
      c3 = p0 & kLow;
    }
    first_words[m] = (c0 << 32) | c1;
    second_words[m] = (c2 << 32) | c3;
  }
}

// Fills `bytes` from getrandom(2), which may return fewer bytes than asked (above 32 MiB, or
// interrupted by a signal).
void system_random_bytes(void* bytes, std::size_t size) {
  auto* p = static_cast<unsigned char*>(bytes);
  while (size > 0) {
    const ssize_t got = getrandom(p, size, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw Error(std::string("dp_sgd: getrandom(2) failed: ") + std::strerror(errno));
    }
    p += got;
    size -= static_cast<std::size_t>(got);
  }
}

std::uint64_t system_random_u64() {
  std::uint64_t v = 0;
  system_random_bytes(&v, sizeof v);
  return v;
}

}  // namespace

template <class T>
std::uint64_t add_gaussian_noise(std::uint64_t seed, std::uint64_t position, T stddev, std::span<T> out) {
  if (position % 4 != 0)
    throw MismatchError("add_gaussian_noise: position " + std::to_string(position) + " is not a multiple of 4");
  const std::array<std::uint32_t, 2> key = {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)};
  const std::size_t count = out.size();
  const std::size_t pairs = (count + 1) / 2;
  const std::size_t tiles = (pairs + kPairsPerTile - 1) / kPairsPerTile;
  const auto tile = [&](std::size_t t) {
    const std::size_t first = t * kPairsPerTile;
    const std::size_t n = std::min(kPairsPerTile, pairs - first);
    alignas(64) std::uint64_t first_words[kPairsPerTile];
    alignas(64) std::uint64_t second_words[kPairsPerTile];
    philox_words(key, position, first, n, first_words, second_words);
    box_muller_tile(first_words, second_words, n, stddev, out.data() + 2 * first, count - 2 * first);
  };
  // Every value depends on its index only: the tiles may run on any threads.
  if (tiles >= kMinTilesForThreads) {
#pragma omp parallel for schedule(static)
    for (std::size_t t = 0; t < tiles; ++t) tile(t);
  } else {
    for (std::size_t t = 0; t < tiles; ++t) tile(t);
  }
  return 4 * static_cast<std::uint64_t>(pairs);
}

template <class T>
void add_secure_gaussian_noise(T stddev, std::span<T> out) {
  const std::size_t count = out.size();
  const std::size_t pairs = (count + 1) / 2;
  // The words are read on this thread (an exception cannot leave a parallel region), then
  // transformed in tiles like the Philox words.
  // Kept per thread across calls: a fresh buffer of this size would be mapped and faulted in
  // page by page at every step.
  thread_local std::vector<std::uint64_t> words;
  words.resize(2 * pairs);
  system_random_bytes(words.data(), words.size() * sizeof(std::uint64_t));
  // Through a pointer: inside the parallel region `words` would name each thread's own buffer.
  const std::uint64_t* filled = words.data();
  const std::size_t tiles = (pairs + kPairsPerTile - 1) / kPairsPerTile;
  const auto tile = [&](std::size_t t) {
    const std::size_t first = t * kPairsPerTile;
    // Any 16 bytes make a pair: the first half of the words gives the radii, the second the angles.
    box_muller_tile(filled + first, filled + pairs + first, std::min(kPairsPerTile, pairs - first), stddev,
                    out.data() + 2 * first, count - 2 * first);
  };
  if (tiles >= kMinTilesForThreads) {
#pragma omp parallel for schedule(static)
    for (std::size_t t = 0; t < tiles; ++t) tile(t);
  } else {
    for (std::size_t t = 0; t < tiles; ++t) tile(t);
  }
}

template <class T>
DpSgd<T>::DpSgd(DpSgdOptions options, std::uint64_t seed) : options_(std::move(options)), seed_(seed) {
  options_.validate();
  // A secure run keys its batches with a secret drawn from the system: amplification by
  // subsampling assumes that nobody knows which samples a step used.
  const std::uint64_t sampling_key = options_.secure ? system_random_u64() : seed;
  if (options_.sampling == "poisson") {
    sampler_ = poisson_sampler(options_.rate, sampling_key);
  } else {
    sampler_ = shuffle_sampler(static_cast<std::size_t>(options_.batch_size), sampling_key);
  }
  clipping_ = {.norm = options_.clip_norm, .per_group = options_.clipping == "per_layer"};
}

template <class T>
std::string DpSgd<T>::spec() const {
  return to_spec("dp_sgd", options_);
}

template <class T>
void DpSgd<T>::bind(const Differentiable<T>& objective) {
  const FiniteSum<T>& sum = detail::require_finite_sum(objective, "dp_sgd");
  samples_ = sum.num_samples();
  sampler_->bind(samples_);
  const double n = static_cast<double>(samples_);
  expected_batch_ =
      options_.sampling == "poisson"
          ? options_.rate * n
          : static_cast<double>(std::min<std::size_t>(static_cast<std::size_t>(options_.batch_size), samples_));
  batch_.reserve(static_cast<std::size_t>(std::ceil(expected_batch_)));
  sum_ = &sum;
}

template <class T>
std::optional<double> DpSgd<T>::samples_per_step(std::size_t n) const {
  if (options_.sampling == "poisson") return options_.rate * static_cast<double>(n);
  return static_cast<double>(std::min<std::size_t>(static_cast<std::size_t>(options_.batch_size), n));
}

template <class T>
std::optional<GaussianSteps> DpSgd<T>::privacy_ledger() const {
  if (options_.sampling == "shuffle" && samples_ == 0)
    throw MismatchError(
        "dp_sgd: the privacy ledger of shuffled batches needs the number of samples (call bind() first)");
  const double q = options_.sampling == "poisson" ? options_.rate : expected_batch_ / static_cast<double>(samples_);
  return GaussianSteps{.noise_multiplier = options_.noise_multiplier, .sampling_rate = q, .steps = steps_};
}

template <class T>
Estimate<T> DpSgd<T>::estimate(const Differentiable<T>&, std::span<const T> x, std::span<T> direction) {
  detail::require_bound(sum_, "dp_sgd");
  // Checked before the batch is drawn, so that a refused call leaves the streams where they were.
  detail::require_size(*sum_, "parameters", x.size(), sum_->dimension());
  detail::require_size(*sum_, "direction", direction.size(), sum_->dimension());
  sampler_->next(batch_);
  // sum_k clip_C(grad loss_k(x)): the only place the data enter, with sensitivity C (adding or
  // removing one sample moves the sum by at most C).
  const T value = sum_->clipped_gradient_sum(x, batch_, clipping_, direction);
  // The Gaussian mechanism on the sum: noise of standard deviation sigma C on every
  // coordinate, drawn even for an empty batch (its absence would tell that the batch was empty).
  const T stddev = static_cast<T>(options_.noise_multiplier * options_.clip_norm);
  if (options_.secure) {
    add_secure_gaussian_noise(stddev, direction);
  } else {
    noise_position_ += add_gaussian_noise(seed_, noise_position_, stddev, direction);
  }
  // Divided by the expected batch size, a constant: dividing by the drawn |B| would make the
  // divisor depend on the data's presence, and the sum's sensitivity would no longer be C / E|B|.
  const T inverse = static_cast<T>(1 / expected_batch_);
  for (T& v : direction) v *= inverse;
  // grad r(x) after the noise, unclipped: r does not depend on any sample, so adding it costs
  // no privacy, and clipping it with the data would shrink the regularization of samples with
  // large gradients and bias the direction for no gain.
  sum_->add_unclipped_gradient(x, direction);
  ++steps_;
  return {value, 1, static_cast<std::int64_t>(batch_.size())};
}

template <class T>
void DpSgd<T>::save(BinaryWriter& out) const {
  out.f64(options_.clip_norm);
  out.f64(options_.noise_multiplier);
  out.string(options_.sampling);
  out.f64(options_.rate);
  out.i64(options_.batch_size);
  out.string(options_.clipping);
  out.u8(options_.secure ? 1 : 0);
  out.i64(steps_);
  out.u64(noise_position_);
  sampler_->save(out);
}

template <class T>
void DpSgd<T>::load(BinaryReader& in) {
  // The state only means something for the options it was saved with: a different C, sigma
  // or sampling would silently change the ledger.
  const auto expect_number = [&](const char* what, double saved, double mine) {
    if (saved != mine && !(std::isnan(saved) && std::isnan(mine)))
      in.fail(std::string("dp_sgd state was saved with ") + what + " = " + format_number(saved) +
              ", this estimator has " + format_number(mine));
  };
  const auto expect_name = [&](const char* what, const std::string& saved, const std::string& mine) {
    if (saved != mine)
      in.fail(std::string("dp_sgd state was saved with ") + what + " = " + saved + ", this estimator has " + mine);
  };
  expect_number("clip_norm", in.f64("dp_sgd clip_norm"), options_.clip_norm);
  expect_number("noise_multiplier", in.f64("dp_sgd noise_multiplier"), options_.noise_multiplier);
  expect_name("sampling", in.string("dp_sgd sampling"), options_.sampling);
  expect_number("rate", in.f64("dp_sgd rate"), options_.rate);
  expect_number("batch_size", static_cast<double>(in.i64("dp_sgd batch_size")),
                static_cast<double>(options_.batch_size));
  expect_name("clipping", in.string("dp_sgd clipping"), options_.clipping);
  expect_number("secure", in.u8("dp_sgd secure"), options_.secure ? 1 : 0);
  const std::int64_t steps = in.i64("dp_sgd steps");
  if (steps < 0) in.fail("dp_sgd: negative step count");
  const std::uint64_t position = in.u64("dp_sgd noise position");
  if (position % 4 != 0) in.fail("dp_sgd: noise position is not a multiple of 4");
  sampler_->load(in);  // checks everything before assigning; the last read that can fail
  steps_ = steps;
  noise_position_ = position;
}

template std::uint64_t add_gaussian_noise<float>(std::uint64_t, std::uint64_t, float, std::span<float>);
template std::uint64_t add_gaussian_noise<double>(std::uint64_t, std::uint64_t, double, std::span<double>);
template void add_secure_gaussian_noise<float>(float, std::span<float>);
template void add_secure_gaussian_noise<double>(double, std::span<double>);
template class DpSgd<float>;
template class DpSgd<double>;

}  // namespace descent
