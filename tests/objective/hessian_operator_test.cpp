#include <gtest/gtest.h>

#include <vector>

#include "descent/core/error.hpp"
#include "descent/objective/rosenbrock.hpp"
#include "support/toy_objectives.hpp"

namespace descent {
namespace {

// The default operator multiplies by the Hessian at the point it was made at: a copy of x,
// so changing the caller's vector afterwards changes nothing.
TEST(HessianOperator, DefaultIsHessianVectorAtACopyOfX) {
  const Rosenbrock<double> f(4);
  std::vector<double> x = {-1.2, 1, 0.5, 2};
  const std::vector<double> v = {0.3, -1, 2, 0.25};
  std::vector<double> expected(4), got(4);
  f.hessian_vector(x, v, expected);
  const auto H = f.hessian_at(x);
  x.assign(4, 7.0);
  EXPECT_EQ(H->size(), 4u);
  H->apply(v, got);
  EXPECT_EQ(got, expected);
  EXPECT_FALSE(H->has_diagonal());
  EXPECT_THROW(H->diagonal(got), MismatchError);
}

TEST(HessianOperator, NeedsHessianVectorProductsAndTheRightSize) {
  const Rosenbrock<double> f(3);
  EXPECT_THROW(f.hessian_at(std::vector<double>(2)), MismatchError);
  const testing::DiagonalQuadratic<double> no_products(3, 10);  // gradient only
  EXPECT_THROW(no_products.hessian_at(std::vector<double>(3)), MismatchError);
}

}  // namespace
}  // namespace descent
