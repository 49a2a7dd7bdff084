#include "descent/transform/perturb.hpp"

#include <cmath>
#include <numbers>

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

class Perturb final : public TransformBase<Perturb> {
 public:
  explicit Perturb(PerturbOptions o) : o_(std::move(o)), anticorrelated_(o_.kind == "anticorrelated") { validate(o_); }
  std::string spec() const override { return to_spec("perturb", o_); }

  template <class T>
  void make(TransformState<T>& s, const ParameterLayout& layout) const {
    // The draw index t n + j needs n; a scalar (saved) rather than the layout, so that a
    // state loaded for another size is told apart by load_state's slot checks and by this.
    s.add_scalar("dimension", static_cast<double>(layout.size()));
  }
  template <class T, class Io>
  void tile(TransformState<T>& s, const Tile<T>& t, Io io) const {
    const auto n = static_cast<std::size_t>(s.scalars[0]);
    const std::int64_t step = s.count;
    const double sigma = o_.sigma;
    for (std::size_t i = 0; i < t.n; ++i) {
      const std::size_t j = t.offset + i;
      double z = perturb_standard_normal(o_.seed, step, n, j);
      if (anticorrelated_) z -= perturb_standard_normal(o_.seed, step - 1, n, j);
      io.store(i, static_cast<T>(static_cast<double>(io.load(i)) + sigma * z));
    }
  }

 private:
  PerturbOptions o_;
  bool anticorrelated_;
};

}  // namespace

TransformPtr perturb(PerturbOptions options) { return std::make_shared<const Perturb>(std::move(options)); }

}  // namespace descent
