// Parity with PyTorch: tests/fixtures/torch/*.json hold 50-step float64 trajectories of
// torch.optim optimizers (and lr schedulers) on a 6-d problem, recorded by
// tests/fixtures/generate_torch_fixtures.py. Each is re-run here with the equivalent
// descent spec, and every step's parameters must match. diffgrad.json comes from the
// torch-optimizer package instead (tests/fixtures/generate_torch_optimizer_fixtures.py): its
// DiffGrad evaluates the paper's formula in another order too (lr sqrt(1 - beta2^t) / (1 -
// beta1^t) times (xi m) / sqrt(v), where descent divides by sqrt(v) / sqrt(1 - beta2^t)), and
// xi = 1 / (1 + exp(-|g_prev - g|)) has slope <= 1/4, so the rounding of g_prev - g enters
// it damped: the same few-ulps-per-step argument below holds.
//
// Tolerance: |x_t - x_t(torch)| <= 1e-10 * max_j |x_t(torch)_j|. Both sides evaluate the
// same formulas in double but in different, algebraically equal orders (torch forms
// m + (1 - beta1)(g - m) with lerp, divides sqrt(v) by sqrt(1 - beta2^t) before adding
// eps, sums A (x - c) in BLAS order, uses its own tanh), so each step differs by a few
// ulps: <= ~10 eps ~ 2e-15 relative to the iterate's scale. The step sizes are stable
// (lr * L <= 1.1 for the SGD runs, L ~ 51; Adam-type steps are bounded by lr per coordinate), so
// the iteration does not amplify earlier differences much, and 50 steps accumulate
// ~50 * 2e-15 = 1e-13: 1e-10 leaves a factor 1000 for transient growth. (Measured with
// torch 2.15: <= 7e-16.) A genuine difference of formula is far larger: eps moved inside
// the square root changes Adam's steps here by ~1e-8 each, a missing bias correction by ~1e-2.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "descent/core/aligned_buffer.hpp"
#include "descent/core/error.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/apply.hpp"

namespace descent::testing {
namespace {

using nlohmann::json;

std::filesystem::path fixture_dir() { return std::filesystem::path(DESCENT_FIXTURE_DIR) / "torch"; }

std::vector<std::filesystem::path> fixture_files() {
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(fixture_dir()))
    for (const auto& e : std::filesystem::directory_iterator(fixture_dir()))
      if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw IoError("cannot open " + path.string());
  return json::parse(in);
}

double get(const json& h, const char* key, double fallback) {
  return h.contains(key) ? h[key].get<double>() : fallback;
}
std::string flag(const json& h, const char* key) { return h.contains(key) && h[key].get<bool>() ? "true" : "false"; }
std::string num(double v) { return format_number(v); }

// The learning rate as a descent schedule: torch's scheduler.step() after each optimizer
// step makes update k (0-based) use the scheduler's value at epoch k, as descent does.
std::string learning_rate(const json& fixture) {
  const double lr = fixture["hyperparameters"]["lr"].get<double>();
  const json& s = fixture["scheduler"];
  if (s.is_null()) return num(lr);
  const std::string name = s["name"].get<std::string>();
  if (name == "StepLR")
    return "step_decay(init=" + num(lr) + ", every=" + num(s["step_size"].get<double>()) +
           ", gamma=" + num(s["gamma"].get<double>()) + ")";
  if (name == "ExponentialLR") return "exponential(init=" + num(lr) + ", gamma=" + num(s["gamma"].get<double>()) + ")";
  if (name == "CosineAnnealingLR") {
    // Equal for k <= T_max (torch would rise again afterwards; descent holds eta_min).
    EXPECT_LE(fixture["steps"].get<int>(), s["T_max"].get<int>());
    return "cosine(init=" + num(lr) + ", steps=" + num(s["T_max"].get<double>()) +
           ", end=" + num(s["eta_min"].get<double>()) + ")";
  }
  ADD_FAILURE() << "unknown torch scheduler " << name;
  return num(lr);
}

// torch.optim class and keyword arguments -> descent spec, with torch's defaults.
std::string descent_spec(const json& fixture) {
  const std::string optimizer = fixture["optimizer"].get<std::string>();
  const json& h = fixture["hyperparameters"];
  const std::string lr = learning_rate(fixture);
  if (optimizer == "SGD")
    return "sgd(lr=" + lr + ", momentum=" + num(get(h, "momentum", 0)) + ", nesterov=" + flag(h, "nesterov") +
           ", weight_decay=" + num(get(h, "weight_decay", 0)) + ")";
  if (optimizer == "Adam" || optimizer == "AdamW")
    return std::string(optimizer == "Adam" ? "adam" : "adamw") + "(lr=" + lr + ", beta1=" + num(get(h, "beta1", 0.9)) +
           ", beta2=" + num(get(h, "beta2", 0.999)) + ", eps=" + num(get(h, "eps", 1e-8)) +
           ", weight_decay=" + num(get(h, "weight_decay", optimizer == "Adam" ? 0 : 1e-2)) +
           ", amsgrad=" + flag(h, "amsgrad") + ")";
  if (optimizer == "Adagrad")
    return "adagrad(lr=" + lr + ", lr_decay=" + num(get(h, "lr_decay", 0)) +
           ", weight_decay=" + num(get(h, "weight_decay", 0)) +
           ", initial_accumulator=" + num(get(h, "initial_accumulator_value", 0)) +
           ", eps=" + num(get(h, "eps", 1e-10)) + ")";
  if (optimizer == "RMSprop")
    return "rmsprop(lr=" + lr + ", alpha=" + num(get(h, "alpha", 0.99)) + ", eps=" + num(get(h, "eps", 1e-8)) +
           ", weight_decay=" + num(get(h, "weight_decay", 0)) + ", momentum=" + num(get(h, "momentum", 0)) +
           ", centered=" + flag(h, "centered") + ")";
  // torch-optimizer's DiffGrad (generate_torch_optimizer_fixtures.py) adds eps to sqrt(v)
  // before the bias correction; the fixture has eps = 0, where that and descent's
  // sqrt(v_hat) + eps (the paper's) are the same formula in another order.
  if (optimizer == "DiffGrad") {
    EXPECT_EQ(get(h, "eps", 1e-8), 0.0) << "DiffGrad fixtures must use eps = 0 (see above)";
    return "diffgrad(lr=" + lr + ", beta1=" + num(get(h, "beta1", 0.9)) + ", beta2=" + num(get(h, "beta2", 0.999)) +
           ", eps=0, weight_decay=" + num(get(h, "weight_decay", 0)) + ")";
  }
  ADD_FAILURE() << "unknown torch optimizer " << optimizer;
  return "sgd";
}

// Relative to the iterate's scale; see the comment at the top for the bound.
constexpr double kParityTolerance = 1e-10;

TEST(TorchParity, FixturesCoverEveryTorchOptimizer) {
  std::set<std::string> optimizers;
  for (const auto& path : fixture_files()) optimizers.insert(read_json(path)["optimizer"].get<std::string>());
  for (const char* name : {"SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "DiffGrad"})
    EXPECT_TRUE(optimizers.contains(name)) << name;
}

class TorchParity : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(TorchParity, TrajectoryMatchesEveryStep) {
  const json fixture = read_json(GetParam());
  const auto a = fixture["A"].get<std::vector<std::vector<double>>>();
  const auto c = fixture["c"].get<std::vector<double>>();
  const auto x0 = fixture["x0"].get<std::vector<double>>();
  const auto trajectory = fixture["trajectory"].get<std::vector<std::vector<double>>>();
  const std::size_t n = x0.size();
  ASSERT_EQ(trajectory.size(), fixture["steps"].get<std::size_t>());

  const std::string spec = descent_spec(fixture);
  SCOPED_TRACE(spec + " vs torch " + fixture["torch_version"].get<std::string>());
  const TransformPtr transform = parse_transform(spec);
  const auto layout = ParameterLayout::flat(n);
  auto state = init_state<double>(*transform, layout);
  AlignedBuffer<double> x(n), g(n);
  std::copy(x0.begin(), x0.end(), x.begin());

  for (std::size_t t = 0; t < trajectory.size(); ++t) {
    // The fixture's gradient: A (x - c) + tanh(x).
    for (std::size_t i = 0; i < n; ++i) {
      double s = 0;
      for (std::size_t j = 0; j < n; ++j) s += a[i][j] * (x[j] - c[j]);
      g[i] = s + std::tanh(x[i]);
    }
    apply<double>(*transform, state, g.span(), x.span(), layout);
    const auto& expected = trajectory[t];
    double scale = 0;
    for (double v : expected) scale = std::max(scale, std::abs(v));
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_LE(std::abs(x[i] - expected[i]), kParityTolerance * scale)
          << "step " << t + 1 << ", x[" << i << "] = " << x[i] << ", torch " << expected[i];
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, TorchParity, ::testing::ValuesIn(fixture_files()),
                         [](const auto& info) { return info.param.stem().string(); });

}  // namespace
}  // namespace descent::testing
