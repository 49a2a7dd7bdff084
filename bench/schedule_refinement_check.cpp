// The check of docs/algorithms.md, "Schedule refinement": minibatch SGD on noisy least
// squares with linear decay, then rerun with the schedule refined (Defazio et al.,
// arXiv:2310.07831) from that run's own gradient norms; prints f - f* of both, mean of 10
// seeds, for 3 problems, 3 learning rates and 3 median-filter widths. It computes, it does
// not time (no Google Benchmark); about 2 s in Release.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "descent/spec/registry.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/schedule.hpp"
#include "descent/transform/schedule_refinement.hpp"
#include "descent/transform/sgd.hpp"
#include "descent/transform/table_schedule.hpp"

using namespace descent;
struct Problem {
  int n = 400, d = 20;
  std::vector<double> A, b;
  double fopt = 0;
};
double loss(const Problem& p, const std::vector<double>& x) {
  double s = 0;
  for (int i = 0; i < p.n; ++i) {
    double r = -p.b[i];
    for (int j = 0; j < p.d; ++j) r += p.A[i * p.d + j] * x[j];
    s += r * r;
  }
  return 0.5 * s / p.n;
}
double run(const Problem& p, SchedulePtr lr, int T, int B, unsigned seed, std::vector<double>* norms) {
  TransformPtr t = sgd({lr, 0, false, 0});
  const auto layout = ParameterLayout::flat(p.d);
  auto st = init_state<double>(*t, layout);
  std::vector<double> x(p.d, 0.0), g(p.d);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pick(0, p.n - 1);
  for (int k = 0; k < T; ++k) {
    std::fill(g.begin(), g.end(), 0.0);
    for (int m = 0; m < B; ++m) {
      const int i = pick(rng);
      double r = -p.b[i];
      for (int j = 0; j < p.d; ++j) r += p.A[i * p.d + j] * x[j];
      for (int j = 0; j < p.d; ++j) g[j] += r * p.A[i * p.d + j] / B;
    }
    double nn = 0;
    for (double v : g) nn += v * v;
    if (norms) norms->push_back(std::sqrt(nn));
    apply<double>(*t, st, g, x, layout);
  }
  return loss(p, x) - p.fopt;
}
// f(x) = |A x - b|^2 / (2n), b = A x* + 0.5 noise, columns scaled from sqrt(0.1) to sqrt(2).
int main() {
  for (int trial = 0; trial < 3; ++trial) {
    Problem p;
    std::mt19937_64 rng(100 + trial);
    std::normal_distribution<double> N;
    p.A.resize(p.n * p.d);
    p.b.resize(p.n);
    std::vector<double> xs(p.d);
    for (auto& v : xs) v = N(rng);
    for (int i = 0; i < p.n; ++i) {
      double s = 0;
      for (int j = 0; j < p.d; ++j) {
        p.A[i * p.d + j] = N(rng) * std::sqrt(0.1 + 1.9 * j / (p.d - 1));
        s += p.A[i * p.d + j] * xs[j];
      }
      p.b[i] = s + 0.5 * N(rng);
    }
    // f* from a long full-gradient run (conditioning is mild): 20000 GD steps.
    std::vector<double> x(p.d, 0.0), g(p.d);
    for (int it = 0; it < 20000; ++it) {
      std::fill(g.begin(), g.end(), 0.0);
      for (int i = 0; i < p.n; ++i) {
        double r = -p.b[i];
        for (int j = 0; j < p.d; ++j) r += p.A[i * p.d + j] * x[j];
        for (int j = 0; j < p.d; ++j) g[j] += r * p.A[i * p.d + j] / p.n;
      }
      for (int j = 0; j < p.d; ++j) x[j] -= 0.2 * g[j];
    }
    p.fopt = loss(p, x);
    const int T = 1000, B = 4;
    for (double lr : {0.02, 0.05, 0.1}) {
      for (int window : {1, 101, 201}) {
        double fl = 0, fr = 0;
        const int seeds = 10;
        for (int s = 0; s < seeds; ++s) {
          std::vector<double> norms;
          fl += run(p, linear_decay(lr, T), T, B, s, &norms) / seeds;
          const auto w = refine_schedule(norms, {.median_window = window});
          fr += run(p, table_schedule(w, lr), T, B, 1000 + s, nullptr) / seeds;
        }
        std::printf("problem %d lr %.2f window %3d: linear_decay %.5f refined %.5f (f - f*, mean of 10 seeds)\n", trial,
                    lr, window, fl, fr);
      }
    }
  }
}
