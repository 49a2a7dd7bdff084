#include "descent/transform/perturb.hpp"

#include <cmath>
#include <numbers>

#include "descent/core/error.hpp"
#include "descent/core/parallel.hpp"
#include "descent/core/random.hpp"
#include "descent/transform/transform_base.hpp"

namespace descent {

namespace {

const std::vector<std::string>& kind_choices() {
  static const std::vector<std::string> c = {"anticorrelated", "independent"};
  return c;
}

constexpr std::uint32_t kPerturbSubstream = 0x70657274u;  // "pert"

}  // namespace

const std::vector<Field<PerturbOptions>>& PerturbOptions::fields() {
  using O = PerturbOptions;
  static const std::vector<Field<O>> f = {
      {"sigma", &O::sigma, Range::non_negative(), "xi_t ~ N(0, sigma^2 I), iid over the steps t"},
      {"kind", &O::kind, Range::any(),
       "anticorrelated: update + xi_t - xi_{t-1} (Anti-PGD); independent: update + xi_t (PGD)", &kind_choices()},
      {"seed", &O::seed, Range::non_negative(), "seed of the noise stream (counter-based: resumes exactly)"}};
  return f;
}

double perturb_standard_normal(std::int64_t seed, std::int64_t t, std::size_t n, std::size_t j) {
  // Random::normal at position 4 b reads the four words of Philox block b: computing the
  // block once gives the same number as Random(seed, noise, "pert").seek(4 b); normal().
  const std::uint64_t block = static_cast<std::uint64_t>(t) * n + j;
  const auto key = static_cast<std::uint64_t>(seed);
  const Philox4x32 r = philox4x32({static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(block >> 32),
                                   static_cast<std::uint32_t>(Stream::noise), kPerturbSubstream},
                                  {static_cast<std::uint32_t>(key), static_cast<std::uint32_t>(key >> 32)});
  const std::uint64_t first = (std::uint64_t{r[0]} << 32) | r[1];
  const std::uint64_t second = (std::uint64_t{r[2]} << 32) | r[3];
  const double u1 = 1.0 - static_cast<double>(first >> 11) * 0x1.0p-53;  // (0, 1]
  const double u2 = static_cast<double>(second >> 11) * 0x1.0p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

namespace {

// Global rather than elementwise: the counter t n + j needs the position j in the whole vector
// the transform serves and its length n. A partition runs an elementwise transform once per
// scattered segment with a state each, which would repeat the same draws on segments of equal
// length; a global one gets its group gathered into one vector.
class Perturb final : public TransformBase<Perturb, TransformKind::global> {
 public:
  explicit Perturb(PerturbOptions o) : o_(std::move(o)), anticorrelated_(o_.kind == "anticorrelated") { validate(o_); }
  std::string spec() const override { return to_spec("perturb", o_); }

  // No state but the step count: xi_t and xi_{t-1} are regenerated from their counters.
  template <class T>
  void make(TransformState<T>&, const ParameterLayout&) const {}

  template <class T, class Io>
  void tile(TransformState<T>&, const Tile<T>&, Io) const {
    throw MismatchError("perturb is a global transform: run it through descent::update or descent::apply");
  }

  template <class T>
  void global(TransformState<T>& s, std::span<T> direction, std::span<const T>, const ParameterLayout&) const {
    const std::size_t n = direction.size();
    const std::int64_t step = s.count;
    const double sigma = o_.sigma;
    const std::int64_t seed = o_.seed;
    const bool anti = anticorrelated_;
    T* d = direction.data();
    // Each element is a pure function of (seed, step, n, j): any split over threads gives the
    // same bits.
#pragma omp parallel for schedule(static) if (n >= 16 * kTileSize)
    for (std::size_t j = 0; j < n; ++j) {
      double z = perturb_standard_normal(seed, step, n, j);
      if (anti) z -= perturb_standard_normal(seed, step - 1, n, j);
      d[j] = static_cast<T>(static_cast<double>(d[j]) + sigma * z);
    }
  }

 private:
  PerturbOptions o_;
  bool anticorrelated_;
};

}  // namespace

TransformPtr perturb(PerturbOptions options) { return std::make_shared<const Perturb>(std::move(options)); }

}  // namespace descent
