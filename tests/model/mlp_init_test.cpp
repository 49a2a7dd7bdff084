// Mlp::initialize: He and Glorot variances, zero biases, reproducibility.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/core/error.hpp"
#include "descent/model/mlp.hpp"
#include "model_test_support.hpp"

namespace descent::testing {
namespace {

struct Moments {
  double mean = 0, variance = 0;
  std::size_t count = 0;
};

Moments moments(std::span<const float> v) {
  Moments m;
  m.count = v.size();
  for (float x : v) m.mean += x;
  m.mean /= static_cast<double>(v.size());
  for (float x : v) m.variance += (x - m.mean) * (x - m.mean);
  m.variance /= static_cast<double>(v.size() - 1);
  return m;
}

// For N independent N(0, s^2) draws the sample mean has standard deviation s / sqrt N and
// the sample variance s^2 sqrt(2 / (N - 1)). Five standard deviations: a correct generator
// fails with probability < 1e-6 per check, a wrong scale (e.g. 1/fan_in instead of 2/fan_in,
// a factor 2) is off by hundreds of standard deviations at these N.
void expect_normal(const Moments& m, double expected_variance, const std::string& what) {
  const double n = static_cast<double>(m.count);
  EXPECT_NEAR(m.mean, 0.0, 5 * std::sqrt(expected_variance / n)) << what;
  EXPECT_NEAR(m.variance, expected_variance, 5 * expected_variance * std::sqrt(2 / (n - 1))) << what;
}

Dataset<float> wide_dataset(std::size_t d) { return dense_dataset<float>(std::vector<double>(2 * d, 0.5), d, {0, 1}); }

TEST(MlpInit, ReluLayersGetHeVariance) {
  const auto data = wide_dataset(300);
  const Mlp<float> model(data, {.hidden = {200, 100}, .activation = Activation::relu, .num_classes = 10});
  const auto params = model.initial_parameters(42);
  const std::size_t fan_in[] = {300, 200, 100};
  for (std::size_t l = 0; l < 3; ++l) {
    const std::string name = "layer" + std::to_string(l);
    const auto w = params.block(name + ".weight");
    expect_normal(moments(w.values), 2.0 / static_cast<double>(fan_in[l]), name);
    for (float b : params.block(name + ".bias").values) EXPECT_EQ(b, 0.0f);
  }
}

TEST(MlpInit, TanhAndGeluLayersGetGlorotVariance) {
  const auto data = wide_dataset(300);
  for (Activation act : {Activation::tanh, Activation::gelu}) {
    const Mlp<float> model(data, {.hidden = {200}, .activation = act, .num_classes = 10});
    const auto params = model.initial_parameters(43);
    expect_normal(moments(params.block("layer0.weight").values), 2.0 / (300 + 200), "layer0");
    expect_normal(moments(params.block("layer1.weight").values), 2.0 / (200 + 10), "layer1");
  }
}

TEST(MlpInit, IsReproducibleAndEachLayerHasItsOwnStream) {
  const auto data = wide_dataset(20);
  const Mlp<float> a(data, {.hidden = {8, 6}});
  const Mlp<float> b(data, {.hidden = {8, 9}});
  const auto pa = a.initial_parameters(7);
  const auto pa2 = a.initial_parameters(7);
  const auto other_seed = a.initial_parameters(8);
  EXPECT_TRUE(std::equal(pa.flat().begin(), pa.flat().end(), pa2.flat().begin()));
  EXPECT_FALSE(std::equal(pa.flat().begin(), pa.flat().end(), other_seed.flat().begin()));
  // Changing layer 1's width changes neither layer 0's draws nor (its fan-in aside) the
  // stream layer 1 draws from.
  const auto pb = b.initial_parameters(7);
  const auto wa = pa.block("layer0.weight").values, wb = pb.block("layer0.weight").values;
  EXPECT_TRUE(std::equal(wa.begin(), wa.end(), wb.begin()));
}

TEST(MlpInit, RejectsParametersOfAnotherLayout) {
  const auto data = wide_dataset(20);
  const Mlp<float> model(data, {.hidden = {8}});
  Parameters<float> wrong(ParameterLayout::flat(model.dimension()));
  try {
    model.initialize(wrong, 1);
    FAIL() << "expected MismatchError";
  } catch (const MismatchError& e) {
    EXPECT_NE(std::string(e.what()).find("mlp: the parameters"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace descent::testing
