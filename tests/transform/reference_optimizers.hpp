// Scalar reference implementations of every transform, in double, written from the
// papers and from the pseudo-code of the PyTorch / optax documentation, one plain loop
// per algorithm and nothing shared with src/transform. The fast, tiled, templated code
// is tested against these.
//
// Every reference rewrites a direction d (a gradient, or what an earlier transform made
// of it) into an update, for the 1-based step t, reading the parameters p before the
// step:  update(d, p, state, t).  step(...) is the optimizer view: p <- p + update(g).
// Per-parameter buffers are named after torch.optim's state keys (exp_avg, sum, ...) so
// that a test can compare them with descent's state slots of the same meaning.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "descent/core/random.hpp"
#include "transform/reference_schedules.hpp"

namespace descent::reference {

using Vec = std::vector<double>;

struct State {
  std::map<std::string, Vec> buffers;
  std::vector<State> children;  // one per member of a reference chain

  // The buffer `name`, created with n copies of `initial` on first use.
  Vec& buffer(const std::string& name, std::size_t n, double initial = 0) {
    return buffers.try_emplace(name, n, initial).first->second;
  }
};

using Update = std::function<void(Vec& d, const Vec& p, State& state, std::int64_t t)>;

// One optimizer step: d = grad, d <- update(d), params <- params + d.
inline void step(const Update& update, Vec& params, const Vec& grad, State& state, std::int64_t t) {
  Vec d = grad;
  update(d, params, state, t);
  for (std::size_t i = 0; i < params.size(); ++i) params[i] += d[i];
}

// SGD (Robbins & Monro 1951) with coupled L2 decay (torch.optim.SGD, momentum = 0):
//   p <- p - lr_t (g + wd p)
struct Sgd {
  ScheduleFn lr = constant_schedule(1e-2);
  double weight_decay = 0;

  void operator()(Vec& d, const Vec& p, State&, std::int64_t t) const {
    const double rate = lr(t - 1);
    for (std::size_t i = 0; i < d.size(); ++i) d[i] = -rate * (d[i] + weight_decay * p[i]);
  }
};

// Polyak's heavy ball (1964), in its original two-point form and for a constant step:
//   p_{t+1} = p_t - lr g_t + beta (p_t - p_{t-1}),   with p_0 = p_1 (no momentum at t = 1),
// g_t including the coupled decay wd p_t. For a constant lr this is the same iteration as
// torch.optim.SGD(momentum = beta), which keeps a buffer b instead of p_{t-1}.
struct HeavyBall {
  double lr = 1e-2;
  double beta = 0.9;
  double weight_decay = 0;

  void operator()(Vec& d, const Vec& p, State& state, std::int64_t t) const {
    Vec& previous = state.buffer("previous_params", d.size());
    if (t == 1) previous = p;  // p_0 = p_1
    for (std::size_t i = 0; i < d.size(); ++i) {
      const double g = d[i] + weight_decay * p[i];
      d[i] = -lr * g + beta * (p[i] - previous[i]);
      previous[i] = p[i];
    }
  }
};

// Nesterov momentum in the form of torch.optim.SGD(nesterov = True) (after Sutskever,
// Martens, Dahl & Hinton 2013), gradients taken at the current iterate:
//   b_t = mu b_{t-1} + g_t  (b_0 = 0),   p <- p - lr_t (g_t + mu b_t)
struct Nesterov {
  ScheduleFn lr = constant_schedule(1e-2);
  double momentum = 0.9;
  double weight_decay = 0;

  void operator()(Vec& d, const Vec& p, State& state, std::int64_t t) const {
    Vec& b = state.buffer("momentum_buffer", d.size());
    const double rate = lr(t - 1);
    for (std::size_t i = 0; i < d.size(); ++i) {
      const double g = d[i] + weight_decay * p[i];
      b[i] = momentum * b[i] + g;
      d[i] = -rate * (g + momentum * b[i]);
    }
  }
};

// SGD with momentum in torch.optim.SGD's buffer form (momentum > 0, nesterov = False):
//   b_t = mu b_{t-1} + g_t (b_1 = g_1),   p <- p - lr_t b_t.
// Needed where the learning rate varies, where the two-point heavy-ball form differs.
struct SgdMomentum {
  ScheduleFn lr = constant_schedule(1e-2);
  double momentum = 0.9;
  double weight_decay = 0;

  void operator()(Vec& d, const Vec& p, State& state, std::int64_t t) const {
    Vec& b = state.buffer("momentum_buffer", d.size());
    const double rate = lr(t - 1);
    for (std::size_t i = 0; i < d.size(); ++i) {
      const double g = d[i] + weight_decay * p[i];
      b[i] = t == 1 ? g : momentum * b[i] + g;
      d[i] = -rate * b[i];
    }
  }
};

// Adam, Algorithm 1 of Kingma & Ba (ICLR 2015):
//   m_t = beta1 m + (1 - beta1) g,  v_t = beta2 v + (1 - beta2) g^2,
//   mhat = m_t / (1 - beta1^t),  vhat = v_t / (1 - beta2^t),  p <- p - lr_t mhat / (sqrt(vhat) + eps)
// with the variants of torch.optim.Adam / AdamW:
//   coupled decay (Adam):      g <- g + wd p before the moments;
//   decoupled decay (AdamW, Loshchilov & Hutter 2019): p <- p (1 - lr_t wd), i.e. -lr_t wd p more;
//   amsgrad (Reddi et al. 2018, as torch): vmax = max(vmax, v_t) replaces v_t in vhat.
struct Adam {
  ScheduleFn lr = constant_schedule(1e-3);
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
  bool decoupled = false;
  bool amsgrad = false;

  void operator()(Vec& d, const Vec& p, State& state, std::int64_t t) const {
    const std::size_t n = d.size();
    Vec& m = state.buffer("exp_avg", n);
    Vec& v = state.buffer("exp_avg_sq", n);
    Vec* vmax = amsgrad ? &state.buffer("max_exp_avg_sq", n) : nullptr;
    const double rate = lr(t - 1);
    const double bias1 = 1 - std::pow(beta1, static_cast<double>(t));
    const double bias2 = 1 - std::pow(beta2, static_cast<double>(t));
    for (std::size_t i = 0; i < n; ++i) {
      double g = d[i];
      if (!decoupled) g += weight_decay * p[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      double second = v[i];
      if (vmax) {
        (*vmax)[i] = std::max((*vmax)[i], v[i]);
        second = (*vmax)[i];
      }
      const double m_hat = m[i] / bias1;
      const double v_hat = second / bias2;
      d[i] = -rate * m_hat / (std::sqrt(v_hat) + eps);
      if (decoupled) d[i] -= rate * weight_decay * p[i];
    }
  }
};

// AdaGrad, diagonal form (Duchi, Hazan & Singer, JMLR 2011), as torch.optim.Adagrad:
//   g <- g + wd p,  s <- s + g^2 (s_0 = initial_accumulator),
//   p <- p - lr_t / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps)
struct Adagrad {
  ScheduleFn lr = constant_schedule(1e-2);
  double lr_decay = 0;
  double weight_decay = 0;
  double initial_accumulator = 0;
  double eps = 1e-10;

  void operator()(Vec& d, const Vec& p, State& state, std::int64_t t) const {
    Vec& sum = state.buffer("sum", d.size(), initial_accumulator);
    const double rate = lr(t - 1) / (1 + static_cast<double>(t - 1) * lr_decay);
    for (std::size_t i = 0; i < d.size(); ++i) {
      const double g = d[i] + weight_decay * p[i];
      sum[i] += g * g;
      d[i] = -rate * g / (std::sqrt(sum[i]) + eps);
    }
  }
};

// AdaGrad-Norm, Algorithm 1 of Ward, Wu & Bottou (ICML 2019 / JMLR 2020), with descent's
// coupled decay: g <- g + wd p,  b^2 <- b^2 + ||g||^2 (b^2 = b0^2 at first, the current g
// included before the step),  p <- p - lr_t g / b. b^2 is a one-element buffer.
struct AdagradNorm {
  ScheduleFn lr = constant_schedule(1);
  double b0 = 0.01;
  double weight_decay = 0;

  void operator()(Vec& d, const Vec& p, State& state, std::int64_t t) const {
    double& b_squared = state.buffer("b_squared", 1, b0 * b0)[0];
    Vec g(d.size());
    for (std::size_t i = 0; i < d.size(); ++i) {
      g[i] = d[i] + weight_decay * p[i];
      b_squared += g[i] * g[i];
    }
    const double b = std::sqrt(b_squared);
    for (std::size_t i = 0; i < d.size(); ++i) d[i] = -lr(t - 1) * g[i] / b;
  }
};

// RMSProp (Tieleman & Hinton 2012), centered variant (Graves 2013), as torch.optim.RMSprop:
//   g <- g + wd p,  s <- alpha s + (1 - alpha) g^2,  a <- alpha a + (1 - alpha) g (centered),
//   r = sqrt(s - a^2) + eps (centered) or sqrt(s) + eps,
//   momentum > 0: b <- mu b + g / r, p <- p - lr_t b;  otherwise p <- p - lr_t g / r.
struct Rmsprop {
  ScheduleFn lr = constant_schedule(1e-2);
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0;
  double momentum = 0;
  bool centered = false;

  void operator()(Vec& d, const Vec& p, State& state, std::int64_t t) const {
    const std::size_t n = d.size();
    Vec& s = state.buffer("square_avg", n);
    Vec* a = centered ? &state.buffer("grad_avg", n) : nullptr;
    Vec* b = momentum > 0 ? &state.buffer("momentum_buffer", n) : nullptr;
    const double rate = lr(t - 1);
    for (std::size_t i = 0; i < n; ++i) {
      const double g = d[i] + weight_decay * p[i];
      s[i] = alpha * s[i] + (1 - alpha) * g * g;
      double variance = s[i];
      if (a) {
        (*a)[i] = alpha * (*a)[i] + (1 - alpha) * g;
        variance -= (*a)[i] * (*a)[i];
      }
      const double r = std::sqrt(variance) + eps;
      if (b) {
        (*b)[i] = momentum * (*b)[i] + g / r;
        d[i] = -rate * (*b)[i];
      } else {
        d[i] = -rate * g / r;
      }
    }
  }
};

// d_i <- min(max(d_i, -limit), limit)  (torch.nn.utils.clip_grad_value_, optax.clip).
struct ClipByValue {
  double limit = 1;

  void operator()(Vec& d, const Vec&, State&, std::int64_t) const {
    for (double& x : d) x = std::min(std::max(x, -limit), limit);
  }
};

// Pascanu, Mikolov & Bengio (ICML 2013), optax.clip_by_global_norm:
//   d <- d * max_norm / ||d||_2  when ||d||_2 > max_norm.
struct ClipByGlobalNorm {
  double max_norm = 1;

  void operator()(Vec& d, const Vec&, State&, std::int64_t) const {
    double squares = 0;
    for (double x : d) squares += x * x;
    const double norm = std::sqrt(squares);
    if (norm <= max_norm) return;
    for (double& x : d) x = x * max_norm / norm;
  }
};

// Decoupled weight decay (Loshchilov & Hutter 2019) on an update: d <- d - rate_t p.
struct WeightDecay {
  ScheduleFn rate = constant_schedule(1e-4);

  void operator()(Vec& d, const Vec& p, State&, std::int64_t t) const {
    const double r = rate(t - 1);
    for (std::size_t i = 0; i < d.size(); ++i) d[i] -= r * p[i];
  }
};

// Coupled L2 decay on a gradient, the gradient of coefficient/2 ||p||^2 (optax.add_decayed_weights):
//   d <- d + coefficient p.
struct AddDecayedWeights {
  double coefficient = 1e-4;

  void operator()(Vec& d, const Vec& p, State&, std::int64_t) const {
    for (std::size_t i = 0; i < d.size(); ++i) d[i] += coefficient * p[i];
  }
};

// d <- s(t - 1) d  (optax.scale_by_schedule).
struct ScaleBySchedule {
  ScheduleFn schedule = constant_schedule(1);

  void operator()(Vec& d, const Vec&, State&, std::int64_t t) const {
    const double s = schedule(t - 1);
    for (double& x : d) x *= s;
  }
};

// M-FAC (Frantar, Kurtic & Alistarh, NeurIPS 2021), its formulas in their direct form,
// recomputed from the window at every step (O(m^2 d); descent keeps coefficients instead):
//   the direction enters the window (dynamic: every step; static: steps 1..m, or the first
//   m steps of every `refresh`), taking ring slot `next` (the oldest once m are in);
//   F = damping I + (1/m) sum_{i in window} g_i g_i^T, the window's slots in slot order:
//   v_i = F_i^{-1} g_i = g_i / damping - sum_{j<i} v_j (v_j . g_i) / (m + g_j . v_j),
//   d <- F^{-1} d = d / damping - sum_i v_i (v_i . d) / (m + g_i . v_i).
// The window is kept in buffers named as descent's slots (gradient_0, ...); "ring" holds
// the next slot and the number of directions in the window.
struct Mfac {
  std::size_t m = 16;
  double damping = 1e-4;
  bool dynamic = true;
  std::int64_t refresh = 0;

  void operator()(Vec& d, const Vec&, State& state, std::int64_t t) const {
    const std::size_t n = d.size();
    std::vector<Vec*> window;
    for (std::size_t i = 0; i < m; ++i) window.push_back(&state.buffer("gradient_" + std::to_string(i), n));
    Vec& ring = state.buffer("ring", 2);
    const auto window_size = static_cast<std::int64_t>(m);
    const bool enters = dynamic || (refresh == 0 ? t <= window_size : (t - 1) % refresh < window_size);
    if (enters) {
      const auto next = static_cast<std::size_t>(ring[0]);
      *window[next] = d;
      ring[0] = static_cast<double>((next + 1) % m);
      ring[1] = std::min(ring[1] + 1, static_cast<double>(m));
    }
    const auto filled = static_cast<std::size_t>(ring[1]);
    const auto dot = [](const Vec& a, const Vec& b) {
      double s = 0;
      for (std::size_t k = 0; k < a.size(); ++k) s += a[k] * b[k];
      return s;
    };
    std::vector<Vec> v;
    std::vector<double> denominator;
    for (std::size_t i = 0; i < filled; ++i) {
      const Vec& g = *window[i];
      Vec vi(n);
      for (std::size_t k = 0; k < n; ++k) vi[k] = g[k] / damping;
      for (std::size_t j = 0; j < i; ++j) {
        const double c = dot(v[j], g) / denominator[j];
        for (std::size_t k = 0; k < n; ++k) vi[k] -= c * v[j][k];
      }
      denominator.push_back(static_cast<double>(m) + dot(g, vi));
      v.push_back(std::move(vi));
    }
    Vec out(n);
    for (std::size_t k = 0; k < n; ++k) out[k] = d[k] / damping;
    for (std::size_t i = 0; i < filled; ++i) {
      const double c = dot(v[i], d) / denominator[i];
      for (std::size_t k = 0; k < n; ++k) out[k] -= c * v[i][k];
    }
    d = out;
  }
};

// Optimism (Rakhlin & Sridharan 2013; Daskalakis et al. 2018), after an optimizer's update u:
//   u'_t = (1 + c) u_t - c u_{t-1},  u_0 = 0.
struct Optimism {
  double strength = 1;

  void operator()(Vec& d, const Vec&, State& state, std::int64_t) const {
    Vec& previous = state.buffer("previous_update", d.size());
    for (std::size_t i = 0; i < d.size(); ++i) {
      const double u = d[i];
      d[i] = (1 + strength) * u - strength * previous[i];
      previous[i] = u;
    }
  }
};

// Noise injection (Orvieto et al. 2022) after the update u of the transforms before it:
//   independent     u + sigma z_t,              anticorrelated   u + sigma (z_t - z_{t-1}),
// z_t[j] the standard normal number t n + j of Random(seed, noise, "pert"), read sequentially
// (seek to the draw's first word, then normal()).
struct Perturb {
  double sigma = 0.01;
  bool anticorrelated = true;
  std::int64_t seed = 0;

  static double z(std::int64_t seed, std::int64_t t, std::size_t n, std::size_t j) {
    Random noise(static_cast<std::uint64_t>(seed), Stream::noise, 0x70657274u);
    noise.seek(4 * (static_cast<std::uint64_t>(t) * n + j));
    return noise.normal();
  }

  void operator()(Vec& d, const Vec&, State&, std::int64_t t) const {
    for (std::size_t j = 0; j < d.size(); ++j) {
      const double now = z(seed, t, d.size(), j);
      d[j] += sigma * (anticorrelated ? now - z(seed, t - 1, d.size(), j) : now);
    }
  }
};

// Continuized Nesterov (Even et al. 2021), one Poisson event per call. The event times are
// sums of Exp(1) waiting times -log(U_k), U_k uniform in (0, 1] read from the seed's noise
// stream (substream "nest"), two 32-bit draws per time. At event k (time T_k) the gradient
// g is taken at x = p; then
//   x+ = p - lr g,  z+ = z - gamma' g,   (z starts at x_0)
// and x, z mix until T_{k+1} by the exact solution of dx = eta (z - x), dz = eta' (x - z):
//   mu > 0: eta = eta' = sqrt(mu lr), gamma' = sqrt(lr / mu); x - z decays as exp(-2 eta s)
//           while x + z stays;
//   mu = 0: eta = 2/t, eta' = 0, gamma' = lr T_k / 2; x - z scales by (T_k / T_{k+1})^2.
struct ContinuizedNesterov {
  double lr = 1e-2;
  double mu = 0;
  std::int64_t seed = 0;

  static double waiting_time(std::int64_t seed, std::int64_t k) {
    Random clock(static_cast<std::uint64_t>(seed), Stream::noise, 0x6e657374u);
    clock.seek(2 * static_cast<std::uint64_t>(k - 1));
    return -std::log(clock.uniform_open_zero());
  }

  void operator()(Vec& d, const Vec& p, State& state, std::int64_t t) const {
    Vec& z = state.buffer("z", d.size());
    Vec& time = state.buffer("event_time", 1);  // T_t, kept as a one-element buffer
    if (t == 1) {
      z = p;
      time[0] = waiting_time(seed, 1);
    }
    const double now = time[0], next = now + waiting_time(seed, t + 1);
    const double gamma_z = mu > 0 ? std::sqrt(lr / mu) : lr * now / 2;
    // x(s) - z(s) = (x+ - z+) r(s) with r = exp(-2 eta s) (mu > 0) or (T_k / T_{k+1})^2
    // (mu = 0); x + z is conserved when eta = eta', z when eta' = 0. Written with the step
    // x_next - p formed directly (not as a difference of nearby numbers):
    //   mu > 0: x_next = x+ + (1 - r)/2 (z+ - x+),  z_next = z+ - (1 - r)/2 (z+ - x+)
    //   mu = 0: x_next = x+ + (1 - r) (z+ - x+),    z_next = z+
    const double r = mu > 0 ? std::exp(-2 * std::sqrt(mu * lr) * (next - now)) : (now / next) * (now / next);
    const double pull = mu > 0 ? (1 - r) / 2 : 1 - r;
    for (std::size_t i = 0; i < d.size(); ++i) {
      const double gap = (z[i] - p[i]) - (gamma_z - lr) * d[i];  // z+ - x+
      const double z_plus = z[i] - gamma_z * d[i];
      d[i] = -lr * d[i] + pull * gap;
      z[i] = mu > 0 ? z_plus - pull * gap : z_plus;
    }
    time[0] = next;
  }
};

// Muon (Jordan et al. 2024) as torch.optim.Muon computes it, block by block, with the
// Newton-Schulz iteration written out as plain loops. For each matrix block W (rows x cols,
// the block's trailing dimensions flattened into cols) with direction g:
//   B <- mu B + (1 - mu) g;   B~ = nesterov ? (1 - mu) g + mu B : B
//   X_0 = B~ / max(||B~||_F, eps), transposed when rows > cols;
//   X <- a X + (b A + c A A) X with A = X X^T, ns_steps times, transposed back: O
//   update = -lr_t wd W - lr_t s O,  s = sqrt(max(1, rows/cols)) (original),
//            0.2 sqrt(max(rows, cols)) (match_rms_adamw), sqrt(rows/cols) (spectral_unclamped), 1 (none).
// `shapes` gives the blocks' shapes (packed in order) for a parameter vector of n elements.
inline Vec newton_schulz(const Vec& g, std::size_t rows, std::size_t cols, int steps, double a, double b, double c,
                         double eps) {
  const bool tall = rows > cols;
  const std::size_t m = tall ? cols : rows;
  const std::size_t q = tall ? rows : cols;
  double norm = 0;
  for (double v : g) norm += v * v;
  norm = std::max(std::sqrt(norm), eps);
  Vec x(m * q);  // m x q, row-major
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) (tall ? x[j * q + i] : x[i * q + j]) = g[i * cols + j] / norm;
  for (int step = 0; step < steps; ++step) {
    Vec gram(m * m, 0.0), poly(m * m, 0.0), next(m * q, 0.0);
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < m; ++j)
        for (std::size_t k = 0; k < q; ++k) gram[i * m + j] += x[i * q + k] * x[j * q + k];
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < m; ++j) {
        double square = 0;
        for (std::size_t k = 0; k < m; ++k) square += gram[i * m + k] * gram[k * m + j];
        poly[i * m + j] = b * gram[i * m + j] + c * square;
      }
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < q; ++j) {
        double sum = a * x[i * q + j];
        for (std::size_t k = 0; k < m; ++k) sum += poly[i * m + k] * x[k * q + j];
        next[i * q + j] = sum;
      }
    x = next;
  }
  Vec out(rows * cols);
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) out[i * cols + j] = tall ? x[j * q + i] : x[i * q + j];
  return out;
}

struct Muon {
  std::function<std::vector<std::vector<std::size_t>>(std::size_t n)> shapes;
  ScheduleFn lr = constant_schedule(1e-3);
  double momentum = 0.95;
  bool nesterov = true;
  int ns_steps = 5;
  double eps = 1e-7;
  double weight_decay = 0.1;
  std::string adjust_lr = "original";
  double a = 3.4445, b = -4.7750, c = 2.0315;

  void operator()(Vec& d, const Vec& p, State& state, std::int64_t t) const {
    Vec& buf = state.buffer("momentum_buffer", d.size());
    const double rate = lr(t - 1);
    std::size_t offset = 0;
    for (const auto& shape : shapes(d.size())) {
      const std::size_t rows = shape.at(0);
      std::size_t size = 1;
      for (std::size_t extent : shape) size *= extent;
      const std::size_t cols = size / rows;
      Vec tilde(size);
      for (std::size_t i = 0; i < size; ++i) {
        const double g = d[offset + i];
        buf[offset + i] = momentum * buf[offset + i] + (1 - momentum) * g;
        tilde[i] = nesterov ? (1 - momentum) * g + momentum * buf[offset + i] : buf[offset + i];
      }
      const Vec o = newton_schulz(tilde, rows, cols, ns_steps, a, b, c, eps);
      const double r = static_cast<double>(rows), k = static_cast<double>(cols);
      double scale = 1;
      if (adjust_lr == "original") scale = std::sqrt(std::max(1.0, r / k));
      if (adjust_lr == "match_rms_adamw") scale = 0.2 * std::sqrt(std::max(r, k));
      if (adjust_lr == "spectral_unclamped") scale = std::sqrt(r / k);
      for (std::size_t i = 0; i < size; ++i) d[offset + i] = -rate * weight_decay * p[offset + i] - rate * scale * o[i];
      offset += size;
    }
  }
};

// The nuclear norm ||X||_* (sum of singular values) of a rows x cols row-major matrix: the
// square roots of the eigenvalues of the smaller Gram matrix, the eigenvalues found by cyclic
// Jacobi rotations (Golub & Van Loan, Matrix Computations, 8.5) until the off-diagonal part
// is below 1e-30 of the Frobenius norm squared.
inline double nuclear_norm(const Vec& x, std::size_t rows, std::size_t cols) {
  const bool tall = rows > cols;
  const std::size_t m = tall ? cols : rows;
  const std::size_t q = tall ? rows : cols;
  auto at = [&](std::size_t i, std::size_t k) { return tall ? x[k * cols + i] : x[i * cols + k]; };
  Vec a(m * m, 0.0);
  double total = 0;
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < m; ++j) {
      for (std::size_t k = 0; k < q; ++k) a[i * m + j] += at(i, k) * at(j, k);
      total += a[i * m + j] * a[i * m + j];
    }
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0;
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < m; ++j)
        if (i != j) off += a[i * m + j] * a[i * m + j];
    if (off <= 1e-30 * total) break;
    for (std::size_t p = 0; p < m; ++p)
      for (std::size_t r = p + 1; r < m; ++r) {
        if (a[p * m + r] == 0) continue;
        // The rotation (c, s) that zeroes a_pr: t = tan(theta) from cot(2 theta) = (a_rr - a_pp) / (2 a_pr).
        const double theta = (a[r * m + r] - a[p * m + p]) / (2 * a[p * m + r]);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (std::size_t k = 0; k < m; ++k) {  // A <- A J (columns p, r)
          const double akp = a[k * m + p], akr = a[k * m + r];
          a[k * m + p] = c * akp - s * akr;
          a[k * m + r] = s * akp + c * akr;
        }
        for (std::size_t k = 0; k < m; ++k) {  // A <- J^T A (rows p, r)
          const double apk = a[p * m + k], ark = a[r * m + k];
          a[p * m + k] = c * apk - s * ark;
          a[r * m + k] = s * apk + c * ark;
        }
      }
  }
  double sum = 0;
  for (std::size_t i = 0; i < m; ++i) sum += std::sqrt(std::max(a[i * m + i], 0.0));
  return sum;
}

// LANTON (Hao, Gong, Xu, Wang & Liu, arXiv 2510.14009, 2025, Algorithm 1) on Muon's LMO, with
// the previous step's gradient standing in for the paper's second sample. For each block l
// with gradient G (this step's direction) and G_prev (the last step's; none at t = 1):
//   H_l <- beta2 H_l + (1 - beta2) ||G - G_prev||_*^2   (t >= 2; H_l = 0 before)
//   a_l = 1 / sqrt(alpha + H_l),  eta_l = lr_t sqrt(a_l / max_k a_k)
//   Muon's B, B~ and O = NS(B~) (as Muon above), update = -eta_l wd W - eta_l s O.
// The noise estimates are the buffer noise_estimate, one element per block.
struct Lanton {
  std::function<std::vector<std::vector<std::size_t>>(std::size_t n)> shapes;
  ScheduleFn lr = constant_schedule(0.02);
  double momentum = 0.95;
  bool nesterov = true;
  int ns_steps = 5;
  double eps = 1e-7;
  double weight_decay = 0;
  std::string adjust_lr = "original";
  double beta2 = 0.9;
  double alpha = 1e-8;

  void operator()(Vec& d, const Vec& p, State& state, std::int64_t t) const {
    const auto blocks = shapes(d.size());
    Vec& previous = state.buffer("previous_gradient", d.size());
    Vec& noise = state.buffer("noise_estimate", blocks.size());
    std::vector<std::size_t> offsets, rows_of, cols_of;
    std::size_t offset = 0;
    for (const auto& shape : blocks) {
      std::size_t size = 1;
      for (std::size_t extent : shape) size *= extent;
      offsets.push_back(offset);
      rows_of.push_back(shape.at(0));
      cols_of.push_back(size / shape.at(0));
      offset += size;
    }
    for (std::size_t l = 0; l < blocks.size(); ++l) {
      const std::size_t size = rows_of[l] * cols_of[l];
      Vec difference(size);
      for (std::size_t i = 0; i < size; ++i) difference[i] = d[offsets[l] + i] - previous[offsets[l] + i];
      if (t >= 2) {
        const double norm = nuclear_norm(difference, rows_of[l], cols_of[l]);
        noise[l] = beta2 * noise[l] + (1 - beta2) * norm * norm;
      }
      for (std::size_t i = 0; i < size; ++i) previous[offsets[l] + i] = d[offsets[l] + i];
    }
    double a_max = 0;
    for (double h : noise) a_max = std::max(a_max, 1 / std::sqrt(alpha + h));
    Vec& buf = state.buffer("momentum_buffer", d.size());
    const double rate = lr(t - 1);
    for (std::size_t l = 0; l < blocks.size(); ++l) {
      const std::size_t size = rows_of[l] * cols_of[l];
      const double eta = rate * std::sqrt((1 / std::sqrt(alpha + noise[l])) / a_max);
      Vec tilde(size);
      for (std::size_t i = 0; i < size; ++i) {
        const double g = d[offsets[l] + i];
        buf[offsets[l] + i] = momentum * buf[offsets[l] + i] + (1 - momentum) * g;
        tilde[i] = nesterov ? (1 - momentum) * g + momentum * buf[offsets[l] + i] : buf[offsets[l] + i];
      }
      const Vec o = newton_schulz(tilde, rows_of[l], cols_of[l], ns_steps, 3.4445, -4.7750, 2.0315, eps);
      const double r = static_cast<double>(rows_of[l]), k = static_cast<double>(cols_of[l]);
      double scale = 1;
      if (adjust_lr == "original") scale = std::sqrt(std::max(1.0, r / k));
      if (adjust_lr == "match_rms_adamw") scale = 0.2 * std::sqrt(std::max(r, k));
      if (adjust_lr == "spectral_unclamped") scale = std::sqrt(r / k);
      for (std::size_t i = 0; i < size; ++i)
        d[offsets[l] + i] = -eta * weight_decay * p[offsets[l] + i] - eta * scale * o[i];
    }
  }
};

// The members in order, each on the output of the one before, each with its own state.
struct Chain {
  std::vector<Update> members;

  void operator()(Vec& d, const Vec& p, State& state, std::int64_t t) const {
    state.children.resize(members.size());
    for (std::size_t k = 0; k < members.size(); ++k) members[k](d, p, state.children[k], t);
  }
};

// diffGrad, Algorithm 1 of Dubey et al. (IEEE TNNLS 2020), with descent's coupled decay:
//   g <- g + wd p,  m, v as Adam,  xi = 1 / (1 + exp(-|g_prev - g|)) (g_prev = 0 at t = 1),
//   p <- p - lr_t xi mhat / (sqrt(vhat) + eps),  g_prev <- g.
struct DiffGrad {
  ScheduleFn lr = constant_schedule(1e-3);
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;

  void operator()(Vec& d, const Vec& p, State& state, std::int64_t t) const {
    const std::size_t n = d.size();
    Vec& m = state.buffer("exp_avg", n);
    Vec& v = state.buffer("exp_avg_sq", n);
    Vec& previous = state.buffer("previous_grad", n);
    const double bias1 = 1 - std::pow(beta1, static_cast<double>(t));
    const double bias2 = 1 - std::pow(beta2, static_cast<double>(t));
    for (std::size_t i = 0; i < n; ++i) {
      const double g = d[i] + weight_decay * p[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      const double xi = 1 / (1 + std::exp(-std::abs(previous[i] - g)));
      previous[i] = g;
      d[i] = -lr(t - 1) * xi * (m[i] / bias1) / (std::sqrt(v[i] / bias2) + eps);
    }
  }
};

// Coordinate-wise clipping of Pan & Li (2023) by its definition: sort |d| in decreasing
// order, tau = the entry at index floor(n * fraction), clamp every d_i to [-tau, tau].
struct CoordinateClip {
  double fraction = 0.1;

  void operator()(Vec& d, const Vec&, State&, std::int64_t) const {
    const auto k = static_cast<std::size_t>(static_cast<double>(d.size()) * fraction);
    if (k == 0) return;
    Vec sorted;
    for (double x : d) sorted.push_back(std::abs(x));
    std::sort(sorted.begin(), sorted.end(), [](double a, double b) { return a > b; });
    const double tau = sorted[k];
    for (double& x : d) x = std::min(std::max(x, -tau), tau);
  }
};

// d <- d / max(||d||_2, eps).
struct Normalize {
  double eps = 1e-30;

  void operator()(Vec& d, const Vec&, State&, std::int64_t) const {
    double squares = 0;
    for (double x : d) squares += x * x;
    const double norm = std::max(std::sqrt(squares), eps);
    for (double& x : d) x /= norm;
  }
};

// Exponentiated gradient (Kivinen & Warmuth 1997) as the new weights minus the old:
//   orthant: p' = p exp(-lr_t g);  simplex: p' = p exp(-lr_t g) / sum_j p_j exp(-lr_t g_j);
//   d <- p' - p.
struct ExponentiatedGradient {
  ScheduleFn lr = constant_schedule(0.1);
  bool simplex = false;

  void operator()(Vec& d, const Vec& p, State&, std::int64_t t) const {
    const double rate = lr(t - 1);
    Vec next(d.size());
    double z = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
      next[i] = p[i] * std::exp(-rate * d[i]);
      z += next[i];
    }
    for (std::size_t i = 0; i < d.size(); ++i) d[i] = (simplex ? next[i] / z : next[i]) - p[i];
  }
};

}  // namespace descent::reference
