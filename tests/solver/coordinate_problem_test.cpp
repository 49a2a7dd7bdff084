// The coordinate view of the linear models: exact coordinate and block constants against the
// explicit Hessian, partial derivatives and the tracked gradient against the model's own
// gradient through many moves, the list of changed coordinates, and the work counts.
#include "descent/solver/coordinate_problem.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "coordinate_test_problems.hpp"
#include "descent/core/error.hpp"
#include "descent/model/least_squares.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/objective/least_squares_problem.hpp"
#include "descent/objective/rosenbrock.hpp"

namespace descent {
namespace {

using namespace testing;

// M_b from the problem, as an Eigen matrix.
Matrix curvature(CoordinateProblem& problem, const std::vector<std::size_t>& block) {
  std::vector<double> out(block.size() * block.size());
  problem.block_curvature(block, out);
  Matrix M(block.size(), block.size());
  for (std::size_t r = 0; r < block.size(); ++r)
    for (std::size_t c = 0; c < block.size(); ++c)
      M(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = out[r * block.size() + c];
  return M;
}

Matrix sub(const Matrix& H, const std::vector<std::size_t>& block) {
  Matrix S(block.size(), block.size());
  for (std::size_t r = 0; r < block.size(); ++r)
    for (std::size_t c = 0; c < block.size(); ++c)
      S(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) =
          H(static_cast<Eigen::Index>(block[r]), static_cast<Eigen::Index>(block[c]));
  return S;
}

// The constants are sums of n = 30 products of O(1..16) terms taken in another order than
// Eigen's: they agree to n * eps * (sum of |terms|) / n, below 1e-13 relative here.
constexpr double kConstantTolerance = 1e-13;

TEST(CoordinateProblem, LeastSquaresConstantsAreTheExactHessian) {
  const double lambda = 0.1;
  for (bool sparse : {false, true}) {
    const Dataset<double> dense = sparsified(dense_data(30, 5, 4.0, false, 1), sparse ? 0.4 : 0.0, 2);
    const Dataset<double> data = sparse ? to_sparse(dense) : sparsified(dense, 0.0, 0);
    LeastSquares<double> model(data, {.l2 = lambda, .bias = true});
    const auto problem = coordinate_problem<double>(model);
    const Matrix H = least_squares_hessian(data, lambda, true);
    ASSERT_EQ(problem->dimension(), 6u);
    for (std::size_t j = 0; j < 6; ++j) {
      const double Hjj = H(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(j));
      EXPECT_NEAR(problem->coordinate_lipschitz(j), Hjj, kConstantTolerance * Hjj) << "j " << j << " sparse " << sparse;
    }
    EXPECT_EQ(problem->coordinate_lipschitz(5), 1.0);  // the bias: |1|^2 / n, unpenalized
    for (const std::vector<std::size_t>& block :
         {std::vector<std::size_t>{0, 1, 2}, std::vector<std::size_t>{3, 4, 5}, std::vector<std::size_t>{4, 1, 5}}) {
      const Matrix M = curvature(*problem, block), reference = sub(H, block);
      EXPECT_LE((M - reference).cwiseAbs().maxCoeff(), kConstantTolerance * reference.cwiseAbs().maxCoeff());
    }
  }
}

TEST(CoordinateProblem, LogisticConstantsBoundTheHessianAndAreAttainedAtZeroScores) {
  // sigma' <= 1/4 with equality at z = 0: at x = 0 every score is 0, so the Hessian there is
  // c A^T A / n + lambda with c = 1/4, the bound itself; elsewhere it is below it.
  const double lambda = 0.05;
  const Dataset<double> data = to_sparse(sparsified(dense_data(40, 4, 3.0, true, 5), 0.3, 6));
  LogisticRegression<double> model(data, {.l2 = lambda, .bias = true});
  const auto problem = coordinate_problem<double>(model);
  const std::size_t d = problem->dimension();
  const Matrix H0 = logistic_hessian(data, lambda, true, Vector::Zero(static_cast<Eigen::Index>(d)));
  for (std::size_t j = 0; j < d; ++j) {
    const double Hjj = H0(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(j));
    EXPECT_NEAR(problem->coordinate_lipschitz(j), Hjj, kConstantTolerance * Hjj) << "j " << j;
  }
  std::vector<std::size_t> all(d);
  for (std::size_t j = 0; j < d; ++j) all[j] = j;
  const Matrix M = curvature(*problem, all);
  EXPECT_LE((M - H0).cwiseAbs().maxCoeff(), kConstantTolerance * H0.cwiseAbs().maxCoeff());
  Random rng(8, Stream::init);
  for (int trial = 0; trial < 5; ++trial) {
    Vector x(static_cast<Eigen::Index>(d));
    for (Eigen::Index j = 0; j < x.size(); ++j) x(j) = 2 * rng.normal();
    const Matrix H = logistic_hessian(data, lambda, true, x);
    // M - H(x) is positive semidefinite: its least eigenvalue is >= 0 up to rounding.
    const double least = Eigen::SelfAdjointEigenSolver<Matrix>(M - H).eigenvalues()(0);
    EXPECT_GE(least, -1e-14) << "trial " << trial;
  }
}

// A point, then random moves of random blocks; after each the tracked gradient and the value
// must be the model's at the problem's point, and every gradient entry that changed must be
// listed as changed.
template <class Model>
void check_tracking(const Model& model, std::uint64_t seed) {
  const auto problem = coordinate_problem<double>(model);
  const std::size_t d = problem->dimension();
  Random rng(seed, Stream::init);
  std::vector<double> x(d), g(d);
  for (auto& v : x) v = 0.3 * rng.normal();
  problem->set_point(x);
  model.value_and_gradient(x, g);
  // Before tracking, partial derivatives read one column each.
  for (std::size_t j = 0; j < d; ++j) EXPECT_NEAR(problem->partial_derivative(j), g[j], 1e-13) << "j " << j;
  problem->track_gradient();
  ASSERT_TRUE(problem->tracks_gradient());
  for (int step = 0; step < 60; ++step) {
    const std::vector<double> before(problem->tracked_gradient().begin(), problem->tracked_gradient().end());
    const std::size_t size = 1 + rng.below(3);
    std::vector<std::size_t> block;
    while (block.size() < size) {
      const std::size_t j = rng.below(d);
      if (std::find(block.begin(), block.end(), j) == block.end()) block.push_back(j);
    }
    std::vector<double> delta(size);
    for (auto& v : delta) v = 0.2 * rng.normal();
    problem->move(block, delta);
    const auto point = problem->point();
    for (std::size_t k = 0; k < size; ++k) x[block[k]] += delta[k];
    for (std::size_t j = 0; j < d; ++j) ASSERT_EQ(point[j], x[j]);  // the same additions
    const double value = model.value_and_gradient(x, g);
    // The model sums the same terms in another order, and the tracked gradient has taken
    // <= 60 incremental updates of O(1) each: both within 1e-12 of each other.
    EXPECT_NEAR(problem->value(), value, 1e-12) << "step " << step;
    const auto tracked = problem->tracked_gradient();
    const auto changed = problem->changed_coordinates();
    for (std::size_t j = 0; j < d; ++j) {
      EXPECT_NEAR(tracked[j], g[j], 1e-12) << "step " << step << " j " << j;
      if (tracked[j] != before[j])
        EXPECT_NE(std::find(changed.begin(), changed.end(), j), changed.end()) << "unlisted change of " << j;
    }
  }
}

TEST(CoordinateProblem, TrackedGradientFollowsTheModelThroughMoves) {
  const Dataset<double> regression = sparsified(dense_data(50, 8, 3.0, false, 11), 0.6, 12);
  const Dataset<double> classification = sparsified(dense_data(50, 8, 3.0, true, 13), 0.6, 14);
  const Dataset<double> regression_csr = to_sparse(regression), classification_csr = to_sparse(classification);
  for (bool bias : {false, true}) {
    check_tracking(LeastSquares<double>(regression, {.l2 = 0.1, .bias = bias}), 1);
    check_tracking(LeastSquares<double>(regression_csr, {.l2 = 0.0, .bias = bias}), 2);
    check_tracking(LogisticRegression<double>(classification, {.l2 = 0.1, .bias = bias}), 3);
    check_tracking(LogisticRegression<double>(classification_csr, {.l2 = 0.01, .bias = bias}), 4);
  }
}

TEST(CoordinateProblem, SparseMovesListOnlyTheCoordinatesTheyCouple) {
  // Column 0 meets rows 0 and 1 only; those rows hold columns {0, 1} and {0, 2}: moving x_0
  // changes g_0, g_1, g_2 (and not g_3, which shares no row with column 0).
  SparseFeatures<double> f;
  f.rows = 3;
  f.cols = 4;
  f.row_offsets = {0, 2, 4, 5};
  f.columns = {0, 1, 0, 2, 3};
  f.values = {1.0, 2.0, -1.0, 0.5, 3.0};
  const Dataset<double> data(std::move(f), {1.0, 0.0, 2.0});
  LeastSquares<double> model(data, {.l2 = 0.0, .bias = false});
  const auto problem = coordinate_problem<double>(model);
  problem->track_gradient();
  problem->move(std::vector<std::size_t>{0}, std::vector<double>{0.5});
  std::vector<std::size_t> changed(problem->changed_coordinates().begin(), problem->changed_coordinates().end());
  std::sort(changed.begin(), changed.end());
  EXPECT_EQ(changed, (std::vector<std::size_t>{0, 1, 2}));
}

TEST(CoordinateProblem, WorkIsCountedInPasses) {
  // One full gradient is one pass; a coordinate's partial derivative reads its column:
  // nnz(column) / (nnz + n) of a pass with a bias.
  SparseFeatures<double> f;
  f.rows = 3;
  f.cols = 4;
  f.row_offsets = {0, 2, 4, 5};
  f.columns = {0, 1, 0, 2, 3};
  f.values = {1.0, 2.0, -1.0, 0.5, 3.0};
  const Dataset<double> data(std::move(f), {1.0, 0.0, 2.0});
  LeastSquares<double> model(data, {.l2 = 0.0, .bias = true});
  const auto problem = coordinate_problem<double>(model);
  const double entries = 5 + 3;  // nonzeros plus the bias column
  double before = problem->passes();
  std::vector<double> g(5);
  problem->gradient(g);
  EXPECT_DOUBLE_EQ(problem->passes() - before, 1.0);
  before = problem->passes();
  problem->partial_derivative(0);
  EXPECT_DOUBLE_EQ(problem->passes() - before, 2 / entries);
  before = problem->passes();
  problem->move(std::vector<std::size_t>{3}, std::vector<double>{1.0});
  EXPECT_DOUBLE_EQ(problem->passes() - before, 1 / entries);
}

TEST(CoordinateProblem, SyntheticLeastSquaresIsCovered) {
  SyntheticLeastSquares<double> objective({.samples = 20, .features = 4, .seed = 3});
  const auto problem = coordinate_problem<double>(objective);
  for (std::size_t j = 0; j < 4; ++j) {
    double squares = 0;
    for (std::size_t i = 0; i < 20; ++i) squares += objective.row(i)[j] * objective.row(i)[j];
    EXPECT_NEAR(problem->coordinate_lipschitz(j), squares / 20, kConstantTolerance * squares / 20);
  }
  std::vector<double> x(4, 0.5), g(4);
  problem->set_point(x);
  const double value = objective.value_and_gradient(x, g);
  EXPECT_NEAR(problem->value(), value, 1e-12);
  for (std::size_t j = 0; j < 4; ++j) EXPECT_NEAR(problem->partial_derivative(j), g[j], 1e-12);
}

TEST(CoordinateProblem, OtherObjectivesAreMismatches) {
  Rosenbrock<double> rosenbrock(3);
  try {
    coordinate_problem<double>(rosenbrock);
    FAIL() << "no MismatchError";
  } catch (const MismatchError& e) {
    EXPECT_NE(std::string(e.what()).find("'rosenbrock'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("least-squares or logistic-regression"), std::string::npos) << e.what();
  }
  const auto problem = coordinate_problem<double>(LeastSquares<double>(dense_data(5, 2, 1.0, false, 1)));
  EXPECT_THROW(problem->set_point(std::vector<double>(2, 0.0)), MismatchError);  // 3 coordinates with the bias
}

}  // namespace
}  // namespace descent
