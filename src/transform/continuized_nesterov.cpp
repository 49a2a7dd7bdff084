#include "descent/transform/continuized_nesterov.hpp"

#include <cmath>
#include <limits>

#include "descent/core/random.hpp"
#include "descent/transform/transform_base.hpp"

namespace descent {

const std::vector<Field<ContinuizedNesterovOptions>>& ContinuizedNesterovOptions::fields() {
  static const std::vector<Field<ContinuizedNesterovOptions>> f = {
      {"lr", &ContinuizedNesterovOptions::lr, Range::positive(), "gamma = 1/L: x <- x - lr grad f(x) at each event"},
      {"mu", &ContinuizedNesterovOptions::mu, Range::non_negative(),
       "strong convexity: mixing rate sqrt(mu lr), z step sqrt(lr/mu); 0: the convex schedule"},
      {"seed", &ContinuizedNesterovOptions::seed, Range::non_negative(), "seed of the Exp(1) waiting times"}};
  return f;
}

double continuized_waiting_time(std::int64_t seed, std::int64_t k) {
  Random clock(static_cast<std::uint64_t>(seed), Stream::noise, /*substream=*/0x6e657374u);
  clock.seek(2 * static_cast<std::uint64_t>(k - 1));  // uniform_open_zero reads two 32-bit draws
  return -std::log(clock.uniform_open_zero());
}

namespace {

// step[]: 0 gamma, 1 gamma', 2 alpha, 3 beta, 4 first event (1) or not (0):
//   x+ = p - gamma g,  z+ = z - gamma' g,
//   x_next = alpha x+ + (1 - alpha) z+,  z_next = beta x+ + (1 - beta) z+   (the mixing).
// scalars[0]: T_k, the time of the current event (0 before the first).
class ContinuizedNesterov final : public TransformBase<ContinuizedNesterov> {
 public:
  explicit ContinuizedNesterov(ContinuizedNesterovOptions o) : o_(o) {
    validate(o_);
    require(o_.mu * o_.lr <= 1, ContinuizedNesterovOptions::kName, "mu", o_.mu,
            "mu <= 1 / lr (mu <= L: strong convexity cannot exceed smoothness)");
  }
  std::string spec() const override { return to_spec("continuized_nesterov", o_); }

  template <class T>
  void make(TransformState<T>& s, const ParameterLayout& layout) const {
    s.add_slot("z", layout.size());
    s.add_scalar("event_time", 0);
  }
  template <class T>
  void prepare(TransformState<T>& s, const double*) const {
    const std::int64_t k = s.count;
    const double now = k == 1 ? continuized_waiting_time(o_.seed, 1) : s.scalars[0];
    const double next = now + continuized_waiting_time(o_.seed, k + 1);
    s.step[0] = o_.lr;
    if (o_.mu > 0) {
      const double rate = std::sqrt(o_.mu * o_.lr);             // eta = eta'
      const double decay = std::exp(-2 * rate * (next - now));  // x - z shrinks at rate eta + eta'
      s.step[1] = std::sqrt(o_.lr / o_.mu);
      s.step[2] = (1 + decay) / 2;  // x + z is conserved when eta = eta'
      s.step[3] = (1 - decay) / 2;
    } else {
      // eta_t = 2/t, eta' = 0: z stays, x - z scales by (t/t')^2 from t to t'.
      s.step[1] = o_.lr * now / 2;
      s.step[2] = (now / next) * (now / next);
      s.step[3] = 0;
    }
    s.step[4] = k == 1 ? 1 : 0;
    s.scalars[0] = next;
  }
  template <class T, class Io>
  void tile(TransformState<T>& s, const Tile<T>& t, Io io) const {
    const T gamma = static_cast<T>(s.step[0]), gamma_z = static_cast<T>(s.step[1]);
    const T alpha = static_cast<T>(s.step[2]), beta = static_cast<T>(s.step[3]);
    T* z = s.slots[0].data() + t.offset;
    const T* p = t.p;
    if (s.step[4] != 0)  // z_0 = x_0
      for (std::size_t i = 0; i < t.n; ++i) z[i] = p[i];
    // In terms of the gap z+ - x+ = (z - p) + (gamma - gamma') g, so that the update is
    // formed without subtracting p from a number close to it (x_next - p would lose the
    // digits of a small step):
    //   x_next - p = -gamma g + (1 - alpha) gap,   z_next = x+ + (1 - beta) gap.
    const T keep_x = T(1) - alpha, keep_z = T(1) - beta;
#pragma omp simd
    for (std::size_t i = 0; i < t.n; ++i) {
      const T g = io.load(i);
      const T gap = (z[i] - p[i]) + (gamma - gamma_z) * g;
      z[i] = (p[i] - gamma * g) + keep_z * gap;
      io.store(i, -gamma * g + keep_x * gap);
    }
  }

 private:
  ContinuizedNesterovOptions o_;
};

}  // namespace

TransformPtr continuized_nesterov(ContinuizedNesterovOptions options) {
  return std::make_shared<const ContinuizedNesterov>(options);
}

}  // namespace descent
