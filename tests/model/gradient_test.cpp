// Every model's analytic gradient against central differences (objective/gradient_check.hpp,
// whose tolerances are derived from the step and the rounding of f), in float64, for the
// full objective and for a minibatch with repeated indices.
#include <gtest/gtest.h>

#include "descent/objective/gradient_check.hpp"
#include "model_cases.hpp"

namespace descent::testing {
namespace {

class ModelGradient : public ::testing::TestWithParam<ModelCase> {};

TEST_P(ModelGradient, FullObjectiveMatchesCentralDifferences) {
  const ModelCase& c = GetParam();
  const auto data = case_dataset(c, 13, 5, 11);
  const auto model = c.make(data);
  const auto x = random_parameters<double>(model->dimension(), 3);
  const auto result = check_gradient<double>(*model, x);
  EXPECT_TRUE(result.ok) << result.describe();
  EXPECT_EQ(result.checked, model->dimension());
}

TEST_P(ModelGradient, MinibatchWithRepeatsMatchesCentralDifferences) {
  const ModelCase& c = GetParam();
  const auto data = case_dataset(c, 13, 5, 12);
  const auto model = c.make(data);
  const FixedBatch<double> batch(*model, {7, 2, 7, 12, 0, 2, 2});
  const auto x = random_parameters<double>(model->dimension(), 4);
  const auto result = check_gradient<double>(batch, x);
  EXPECT_TRUE(result.ok) << result.describe();
}

INSTANTIATE_TEST_SUITE_P(AllModels, ModelGradient, ::testing::ValuesIn(model_cases()), case_name);

}  // namespace
}  // namespace descent::testing
