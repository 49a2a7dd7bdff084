// Muon (transform/muon.hpp) and its Newton-Schulz iteration (transform/newton_schulz.hpp):
//   * the update against the hand-written reference on a tiny matrix layout, for every
//     adjust_lr, with and without Nesterov and weight decay, in float and double;
//   * parity with torch.optim.Muon step by step (tests/fixtures/torch_muon/, recorded by
//     tests/fixtures/generate_torch_muon_fixtures.py with the iteration in float64);
//   * the iteration's promise: NS(X) = U p^k(S / ||X||_F) V^T, singular values in the interval
//     the scalar polynomial predicts, the cubic converging to the polar factor U V^T, and U V^T
//     the steepest-descent direction under the spectral norm;
//   * convergence on a strongly convex matrix quadratic within a derived number of steps;
//   * vector blocks refused by name, thread-count independence, no allocation-bearing surprises.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "descent/core/error.hpp"
#include "descent/core/parallel.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/muon.hpp"
#include "descent/transform/newton_schulz.hpp"
#include "transform/muon_bounds.hpp"
#include "transform/reference_optimizers.hpp"
#include "transform/transform_test_support.hpp"

namespace descent::testing {
namespace {

using Shapes = std::vector<std::vector<std::size_t>>;
using MatrixXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

ParameterLayout layout_of(const Shapes& shapes) {
  ParameterLayout layout;
  for (std::size_t k = 0; k < shapes.size(); ++k) layout.add("w" + std::to_string(k), shapes[k]);
  return layout;
}

double frobenius(const double* x, std::size_t n) {
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += x[i] * x[i];
  return std::sqrt(s);
}

// ---------------------------------------------------------------------------------------------
// 1. The update formula against reference::Muon.

// A 3 x 5 (wide), a 4 x 2 (tall, iterated transposed) and a {2, 2, 3} kernel (a 2 x 6 matrix).
const Shapes kTinyShapes = {{3, 5}, {4, 2}, {2, 2, 3}};
constexpr std::size_t kTinySize = 15 + 8 + 12;

struct FormulaCase {
  std::string adjust_lr;
  bool nesterov;
  double momentum;
  double weight_decay;
};

// Five steps on the positive test data of transform_test_support.hpp, every block compared in
// the Frobenius norm within muon_update_bound (muon_bounds.hpp; its decay condition
// decay ||W_B|| <= rate_B ||O_B|| / 2 is asserted along the way from the reference's values),
// and the momentum buffer element by element within kRoundingBound (a sum of same-signed terms).
template <class T>
void check_formula(const FormulaCase& fc) {
  const std::string spec = "muon(lr=cosine(init=0.1, steps=4, end=0.02), momentum=" + format_number(fc.momentum) +
                           ", nesterov=" + (fc.nesterov ? "true" : "false") +
                           ", weight_decay=" + format_number(fc.weight_decay) + ", adjust_lr=" + fc.adjust_lr + ")";
  SCOPED_TRACE(spec);
  const TransformPtr transform = parse_transform(spec);
  const reference::Muon ref{[](std::size_t) { return kTinyShapes; },
                            reference::cosine_schedule(0.1, 4, 0.02),
                            fc.momentum,
                            fc.nesterov,
                            5,
                            1e-7,
                            fc.weight_decay,
                            fc.adjust_lr};
  const ParameterLayout layout = layout_of(kTinyShapes);
  auto state = init_state<T>(*transform, layout);
  std::vector<T> p(kTinySize);
  for (std::size_t i = 0; i < kTinySize; ++i) p[i] = static_cast<T>(test_param(i));
  reference::Vec ref_p(p.begin(), p.end());
  reference::State ref_state;
  for (std::int64_t t = 1; t <= 5; ++t) {
    std::vector<T> d(kTinySize);
    for (std::size_t i = 0; i < kTinySize; ++i) d[i] = static_cast<T>(test_direction(i, t));
    reference::Vec ref_d(d.begin(), d.end());
    direct_update<T>(*transform, state, d, p, layout);
    ref(ref_d, ref_p, ref_state, t);
    const double lr = reference::cosine_schedule(0.1, 4, 0.02)(t - 1);
    for (const BlockInfo& block : layout.blocks()) {
      const std::size_t rows = block.shape[0], cols = block.size / rows;
      const double decay_norm = lr * fc.weight_decay * frobenius(ref_p.data() + block.offset, block.size);
      // rate ||O|| = ||ref_d + decay W||.
      double o_norm = 0;
      for (std::size_t i = block.offset; i < block.offset + block.size; ++i) {
        const double v = ref_d[i] + lr * fc.weight_decay * ref_p[i];
        o_norm += v * v;
      }
      ASSERT_LE(decay_norm, std::sqrt(o_norm) / 2) << "the bound's decay condition, block " << block.name;
      double error = 0;
      for (std::size_t i = block.offset; i < block.offset + block.size; ++i)
        error += (d[i] - ref_d[i]) * (d[i] - ref_d[i]);
      EXPECT_LE(std::sqrt(error), muon_update_bound(rows, cols, std::numeric_limits<T>::epsilon()) *
                                      frobenius(ref_d.data() + block.offset, block.size))
          << "step " << t << " block " << block.name;
    }
    const auto& buffer = ref_state.buffers.at("momentum_buffer");
    for (std::size_t i = 0; i < kTinySize; ++i)
      EXPECT_LE(std::abs(state.slots[0][i] - buffer[i]), kRoundingBound<T> * std::abs(buffer[i])) << i;
    for (std::size_t i = 0; i < kTinySize; ++i) {
      p[i] += d[i];
      ref_p[i] += ref_d[i];
    }
  }
}

const std::vector<FormulaCase>& formula_cases() {
  static const std::vector<FormulaCase> cases = {
      {"original", true, 0.9, 0.02},
      {"original", false, 0.9, 0.02},
      {"match_rms_adamw", true, 0.8, 0.02},
      {"match_rms_adamw", false, 0.0, 0.0},
      {"spectral_unclamped", true, 0.95, 0.02},
      {"none", false, 0.5, 0.02},
  };
  return cases;
}

TEST(MuonFormula, DoubleMatchesReference) {
  for (const auto& c : formula_cases()) check_formula<double>(c);
}
TEST(MuonFormula, FloatMatchesReference) {
  for (const auto& c : formula_cases()) check_formula<float>(c);
}

TEST(MuonFormula, LearningRateScales) {
  EXPECT_DOUBLE_EQ(muon_lr_scale("original", 8, 2), 2.0);  // sqrt(max(1, 4))
  EXPECT_DOUBLE_EQ(muon_lr_scale("original", 2, 8), 1.0);
  EXPECT_DOUBLE_EQ(muon_lr_scale("match_rms_adamw", 2, 25), 1.0);  // 0.2 sqrt(25)
  EXPECT_DOUBLE_EQ(muon_lr_scale("spectral_unclamped", 2, 8), 0.5);
  EXPECT_DOUBLE_EQ(muon_lr_scale("none", 100, 1), 1.0);
}

TEST(MuonFormula, DefaultsAreTorchs) {
  EXPECT_EQ(parse_transform("muon")->spec(), muon()->spec());
  EXPECT_EQ(muon()->spec(),
            "muon(lr=0.001, momentum=0.95, nesterov=true, weight_decay=0.1, adjust_lr=original, ns_steps=5, "
            "eps=1e-07)");
}

// ---------------------------------------------------------------------------------------------
// Blocks Muon cannot orthogonalize are refused when the state is made, by name.

std::string config_error(const TransformPtr& t, const ParameterLayout& layout) {
  try {
    (void)init_state<float>(*t, layout);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(MuonBlocks, VectorAndScalarBlocksAreRefusedByName) {
  ParameterLayout with_bias;
  with_bias.add("dense.weight", {4, 3});
  with_bias.add("dense.bias", {4});
  const std::string message = config_error(muon(), with_bias);
  EXPECT_NE(message.find("MuonOptions"), std::string::npos) << message;
  EXPECT_NE(message.find("'dense.bias'"), std::string::npos) << message;
  EXPECT_NE(message.find("partition("), std::string::npos) << message;
  ParameterLayout with_scalar;
  with_scalar.add("gain", {});
  EXPECT_NE(config_error(muon(), with_scalar).find("'gain'"), std::string::npos);
  EXPECT_NE(config_error(muon(), ParameterLayout::flat(6)).find("partition("), std::string::npos);
  ParameterLayout matrices;
  matrices.add("a", {4, 3});
  matrices.add("conv", {2, 3, 3, 3});
  EXPECT_EQ(config_error(muon(), matrices), "accepted");
  EXPECT_EQ(init_state<float>(*muon(), matrices).slots.at(0).size(), 12u + 54u);
}

TEST(MuonBlocks, BadOptionsAreRefused) {
  EXPECT_THROW(muon({.momentum = 1}), ConfigError);
  EXPECT_THROW(muon({.ns_steps = 0}), ConfigError);
  EXPECT_THROW(muon({.eps = 0}), ConfigError);
  EXPECT_THROW(muon({.adjust_lr = "sqrt"}), ConfigError);
  EXPECT_THROW(muon_lr_scale("sqrt", 2, 2), ConfigError);
}

// A zero direction with zero decay leaves the parameters and the buffer at zero change: the
// normalization divides by eps, not by ||0|| = 0.
TEST(MuonBlocks, ZeroDirectionGivesAZeroUpdate) {
  const ParameterLayout layout = layout_of(kTinyShapes);
  const TransformPtr t = muon({.weight_decay = 0});
  auto state = init_state<double>(*t, layout);
  std::vector<double> d(kTinySize, 0.0), p(kTinySize, 1.0);
  update<double>(*t, state, d, p, layout);
  for (double v : d) EXPECT_EQ(v, 0.0);
}

// ---------------------------------------------------------------------------------------------
// 2. Parity with torch.optim.Muon, step by step.
//
// Every step t starts from torch's parameters and momentum buffer after step t - 1 and takes
// torch's gradient of step t, so both sides see the same inputs and the comparison measures one
// step's rounding, with no growth along the run. Per block (m x q after the transpose, both
// sides computing the same exact update within their own rounding error):
//   * B~ (momentum, Nesterov) rounds at most 6 times per element relative to |b| + 2|g| on
//     either side (torch's lerp or descent's mu b + (1 - mu) g): a relative input error
//     r <= 6u (||b_prev|| + 2||g||) / ||B~||;
//   * NS: ns_error_bound(m, q, ns_steps, eps, r) (muon_bounds.hpp), for torch's addmm as for
//     Eigen's GEMM (any summation order obeys the same bound);
//   * the update -rate O - decay W and W + update: 2u (rate ||O|| + decay ||W||) + u ||W_t||;
// and the two sides differ by at most twice one side's bound. The buffers, elementwise, by
// twice 4u (|b_prev| + |g|). A difference in the formula (eps added instead of clamped, the lr
// adjustment of another shape, decay by the adjusted lr) is >= 1e-8 relative here, above these
// bounds (about 1e-11).
std::filesystem::path muon_fixture_dir() { return std::filesystem::path(DESCENT_FIXTURE_DIR) / "torch_muon"; }

std::vector<std::filesystem::path> muon_fixtures() {
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(muon_fixture_dir()))
    for (const auto& e : std::filesystem::directory_iterator(muon_fixture_dir()))
      if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string muon_spec(const nlohmann::json& fixture) {
  const auto& h = fixture["hyperparameters"];
  const auto get = [&](const char* key, double fallback) { return h.contains(key) ? h[key].get<double>() : fallback; };
  std::string lr = format_number(get("lr", 1e-3));
  if (!fixture["scheduler"].is_null()) {
    const auto& s = fixture["scheduler"];
    EXPECT_EQ(s["name"].get<std::string>(), "CosineAnnealingLR");
    EXPECT_LE(fixture["steps"].get<int>(), s["T_max"].get<int>());  // torch would rise again after T_max
    lr = "cosine(init=" + lr + ", steps=" + format_number(s["T_max"].get<double>()) +
         ", end=" + format_number(s["eta_min"].get<double>()) + ")";
  }
  const bool nesterov = h.contains("nesterov") ? h["nesterov"].get<bool>() : true;
  const std::string adjust = h.contains("adjust_lr_fn") ? h["adjust_lr_fn"].get<std::string>() : "original";
  return "muon(lr=" + lr + ", momentum=" + format_number(get("momentum", 0.95)) +
         ", nesterov=" + (nesterov ? "true" : "false") + ", weight_decay=" + format_number(get("weight_decay", 0.1)) +
         ", adjust_lr=" + adjust + ", ns_steps=" + format_number(get("ns_steps", 5)) +
         ", eps=" + format_number(get("eps", 1e-7)) + ")";
}

// The blocks of a fixture's list of matrices, flattened row by row, appended to `out`.
void append_blocks(const nlohmann::json& matrices, std::vector<double>& out) {
  for (const auto& m : matrices)
    for (const auto& row : m)
      for (const auto& v : row) out.push_back(v.get<double>());
}

class MuonTorchParity : public ::testing::TestWithParam<std::filesystem::path> {};

TEST(MuonTorchParityFixtures, Exist) { EXPECT_GE(muon_fixtures().size(), 4u); }

TEST_P(MuonTorchParity, EveryStepFromTorchsState) {
  std::ifstream in(GetParam());
  ASSERT_TRUE(in) << GetParam();
  const nlohmann::json fixture = nlohmann::json::parse(in);
  const std::string spec = muon_spec(fixture);
  SCOPED_TRACE(spec + " vs torch " + fixture["torch_version"].get<std::string>());
  ASSERT_EQ(fixture["newton_schulz_dtype"].get<std::string>(), "float64");
  const TransformPtr transform = parse_transform(spec);
  const auto& h = fixture["hyperparameters"];
  const double momentum = h.contains("momentum") ? h["momentum"].get<double>() : 0.95;
  const bool nesterov = h.contains("nesterov") ? h["nesterov"].get<bool>() : true;
  const double weight_decay = h.contains("weight_decay") ? h["weight_decay"].get<double>() : 0.1;
  const int ns_steps = h.contains("ns_steps") ? h["ns_steps"].get<int>() : 5;
  const std::string adjust = h.contains("adjust_lr_fn") ? h["adjust_lr_fn"].get<std::string>() : "original";

  ParameterLayout layout;
  for (std::size_t k = 0; k < fixture["start"].size(); ++k)
    layout.add("w" + std::to_string(k + 1), {fixture["start"][k].size(), fixture["start"][k][0].size()});
  const std::size_t n = layout.size();
  std::vector<double> params, buffer(n, 0.0);
  append_blocks(fixture["start"], params);
  ASSERT_EQ(params.size(), n);
  auto state = init_state<double>(*transform, layout);
  const double u = std::numeric_limits<double>::epsilon() / 2;
  const auto& trajectory = fixture["trajectory"];
  ASSERT_EQ(trajectory.size(), fixture["steps"].get<std::size_t>());

  for (std::size_t t = 0; t < trajectory.size(); ++t) {
    std::vector<double> g, expected_params, expected_buffer;
    append_blocks(trajectory[t]["grad"], g);
    append_blocks(trajectory[t]["params"], expected_params);
    append_blocks(trajectory[t]["momentum_buffer"], expected_buffer);
    // torch's state after step t - 1.
    state.count = static_cast<std::int64_t>(t);
    std::copy(buffer.begin(), buffer.end(), state.slots[0].begin());
    std::vector<double> x = params, d = g;
    apply<double>(*transform, state, std::span<double>(d), std::span<double>(x), layout);
    const double lr = state.step[0];
    for (const BlockInfo& block : layout.blocks()) {
      const std::size_t rows = block.shape[0], cols = block.size / rows;
      const std::size_t b0 = block.offset, b1 = block.offset + block.size;
      double tilde = 0, b_prev = 0, g_norm = 0, w_norm = 0, w_next = 0, error = 0;
      for (std::size_t i = b0; i < b1; ++i) {
        const double b = momentum * buffer[i] + (1 - momentum) * g[i];
        const double bt = nesterov ? (1 - momentum) * g[i] + momentum * b : b;
        tilde += bt * bt;
        b_prev += buffer[i] * buffer[i];
        g_norm += g[i] * g[i];
        w_norm += params[i] * params[i];
        w_next += expected_params[i] * expected_params[i];
        error += (x[i] - expected_params[i]) * (x[i] - expected_params[i]);
      }
      const double r = 6 * u * (std::sqrt(b_prev) + 2 * std::sqrt(g_norm)) / std::sqrt(tilde);
      const std::size_t m = std::min(rows, cols), q = std::max(rows, cols);
      const double rate = lr * muon_lr_scale(adjust, rows, cols);
      const double o_norm = std::sqrt(static_cast<double>(m)) * ns_iterate_max(ns_steps);
      const double one_side = rate * ns_error_bound(m, q, ns_steps, 2 * u, r) +
                              2 * u * (rate * o_norm + lr * weight_decay * std::sqrt(w_norm)) + u * std::sqrt(w_next);
      EXPECT_LE(std::sqrt(error), 2 * one_side) << "step " << t + 1 << " block " << block.name;
      for (std::size_t i = b0; i < b1; ++i)
        EXPECT_LE(std::abs(state.slots[0][i] - expected_buffer[i]), 8 * u * (std::abs(buffer[i]) + std::abs(g[i])))
            << "step " << t + 1 << " momentum_buffer[" << i << "]";
    }
    params = expected_params;
    buffer = expected_buffer;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, MuonTorchParity, ::testing::ValuesIn(muon_fixtures()),
                         [](const auto& info) { return info.param.stem().string(); });

// ---------------------------------------------------------------------------------------------
// 3. Newton-Schulz: what the iteration promises.

// A rows x cols matrix U diag(sigma) V^T with orthonormal U, V from QR of Gaussian matrices.
MatrixXd with_singular_values(std::size_t rows, std::size_t cols, const std::vector<double>& sigma, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  const auto r = static_cast<Eigen::Index>(rows), c = static_cast<Eigen::Index>(cols);
  MatrixXd a(r, r), b(c, c);
  for (Eigen::Index i = 0; i < a.size(); ++i) a.data()[i] = normal(rng);
  for (Eigen::Index i = 0; i < b.size(); ++i) b.data()[i] = normal(rng);
  const MatrixXd u = Eigen::HouseholderQR<MatrixXd>(a).householderQ();
  const MatrixXd v = Eigen::HouseholderQR<MatrixXd>(b).householderQ();
  MatrixXd s = MatrixXd::Zero(r, c);
  for (std::size_t i = 0; i < sigma.size(); ++i)
    s(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(i)) = sigma[i];
  return u * s * v.transpose();
}

MatrixXd run_newton_schulz(const MatrixXd& x, int steps, NewtonSchulzCoefficients k) {
  MatrixXd y = x;
  newton_schulz<double>(std::span<double>(y.data(), static_cast<std::size_t>(y.size())),
                        static_cast<std::size_t>(x.rows()), static_cast<std::size_t>(x.cols()), steps, k, 1e-7);
  return y;
}

// The SVD's own error: Jacobi's backward error is a small multiple of n eps ||X||, so a
// reconstruction from it is good to 100 n eps in these sizes (n <= 9, ||.|| <= 3): 1e-12 covers it.
constexpr double kSvdError = 1e-12;

// NS_5(X) = U p^5(S / ||X||_F) V^T, so its singular values are p^5(s_i), and they lie in
// [min, max] of p^5 over [s_min, 1] (s_min = sigma_min / ||X||_F) — that interval, not [1, 1],
// is what the quintic promises. Wide and tall (iterated transposed) inputs alike.
TEST(NewtonSchulz, QuinticMapsEachSingularValueThroughThePolynomial) {
  const std::vector<double> sigma = {3.0, 1.2, 0.5, 0.2, 0.08, 0.03};
  for (const auto& [rows, cols] : std::vector<std::pair<std::size_t, std::size_t>>{{6, 9}, {9, 6}, {6, 6}}) {
    SCOPED_TRACE(std::to_string(rows) + " x " + std::to_string(cols));
    const MatrixXd x = with_singular_values(rows, cols, sigma, 7 + rows);
    const MatrixXd y = run_newton_schulz(x, 5, kMuonQuintic);
    const Eigen::JacobiSVD<MatrixXd> svd(x, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const double norm = x.norm();
    Eigen::VectorXd mapped = svd.singularValues();
    double lo = 1e300, hi = 0;
    for (Eigen::Index i = 0; i < mapped.size(); ++i) {
      mapped(i) = ns_scalar(mapped(i) / norm, 5);
      lo = std::min(lo, mapped(i));
      hi = std::max(hi, mapped(i));
    }
    const MatrixXd expected = svd.matrixU() * mapped.asDiagonal() * svd.matrixV().transpose();
    const std::size_t m = std::min(rows, cols), q = std::max(rows, cols);
    EXPECT_LE((y - expected).norm(), ns_error_bound(m, q, 5, std::numeric_limits<double>::epsilon(), 0) + kSvdError);

    // The interval the scalar iteration predicts, computed over [s_min, 1].
    const double s_min = sigma.back() / norm;
    double p_lo = 1e300, p_hi = 0;
    for (int i = 0; i <= kScanPoints; ++i) {
      const double v = ns_scalar(scan_point(s_min, 1, i), 5);
      p_lo = std::min(p_lo, v);
      p_hi = std::max(p_hi, v);
    }
    const Eigen::VectorXd out = Eigen::JacobiSVD<MatrixXd>(y).singularValues();
    const double slack = ns_error_bound(m, q, 5, std::numeric_limits<double>::epsilon(), 0) + kSvdError;
    // The grid may miss the interval's ends by up to L^5 times half a grid step (see ns_scalar_min).
    const double grid = std::pow(ns_lipschitz(ns_iterate_max(5)), 5) * (1 - s_min) / kScanPoints / 2;
    EXPECT_GE(out.minCoeff(), p_lo - grid - slack);
    EXPECT_LE(out.maxCoeff(), p_hi + grid + slack);
    EXPECT_NEAR(out.minCoeff(), lo, slack);
    EXPECT_NEAR(out.maxCoeff(), hi, slack);
    // Not the polar factor: the spread is the quintic's design (Jordan: "something like U S' V^T").
    EXPECT_GT(hi - lo, 0.1);
    std::printf(
        "  NS_5 singular values of a %zu x %zu input with s in [%.4f, %.4f]: [%.4f, %.4f]; predicted "
        "interval over [s_min, 1]: [%.4f, %.4f]\n",
        rows, cols, s_min, sigma.front() / norm, out.minCoeff(), out.maxCoeff(), p_lo, p_hi);
  }
  // Over [1/sqrt(3), 1] (the top singular value of a rank <= 3 matrix) p^5 stays >= 0.67,
  // the value transform_cases.hpp's decay condition relies on.
  EXPECT_GE(ns_scalar_min(1 / std::sqrt(3.0), 5), 0.67);
}

// The cubic (1.5, -0.5, 0) converges to U V^T: p(s) = 1.5 s - 0.5 s^3 is increasing on [0, 1]
// with p(1) = 1, so 1 - p^k(s) is largest at s_min; the test takes the first k with
// 1 - p^k(s_min) <= 1e-15 and then expects U V^T within that plus the rounding bound
// (L = max |p'| = 1.5 on [0, 1]).
TEST(NewtonSchulz, CubicConvergesToThePolarFactor) {
  const std::vector<double> sigma = {2.0, 1.0, 0.4, 0.1};
  for (const auto& [rows, cols] : std::vector<std::pair<std::size_t, std::size_t>>{{4, 7}, {7, 4}}) {
    const MatrixXd x = with_singular_values(rows, cols, sigma, 99 + rows);
    const double s_min = sigma.back() / x.norm();
    int steps = 0;
    while (1 - ns_scalar(s_min, steps, kNewtonSchulzCubic) > 1e-15) ++steps;
    ASSERT_LT(steps, 60);
    const MatrixXd y = run_newton_schulz(x, steps, kNewtonSchulzCubic);
    const Eigen::JacobiSVD<MatrixXd> svd(x, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const MatrixXd polar = svd.matrixU() * svd.matrixV().transpose();
    const double bound =
        ns_error_bound(4, 7, steps, std::numeric_limits<double>::epsilon(), 0, kNewtonSchulzCubic) + 2e-15 + kSvdError;
    EXPECT_LE((y - polar).norm(), bound) << steps << " steps";
    EXPECT_LT(bound, 1e-9);  // "to high accuracy": the bound itself is small
  }
}

// Steepest descent under the spectral norm: over ||D||_op <= 1, <G, D> is largest at D = U V^T
// (the polar factor), where it equals the nuclear norm ||G||_* (Hoelder's inequality for the
// Schatten norms). The polar factor comes from the cubic iteration (checked above); random
// feasible D (Gaussian, scaled to spectral norm 1) never beat it.
TEST(NewtonSchulz, PolarFactorIsTheSpectralSteepestDirection) {
  const MatrixXd g = with_singular_values(5, 8, {3.0, 2.0, 1.0, 0.5, 0.25}, 5);
  const double nuclear = 3.0 + 2.0 + 1.0 + 0.5 + 0.25;
  int steps = 0;
  while (1 - ns_scalar(0.25 / g.norm(), steps, kNewtonSchulzCubic) > 1e-15) ++steps;
  const MatrixXd polar = run_newton_schulz(g, steps, kNewtonSchulzCubic);
  const double best = (g.array() * polar.array()).sum();
  EXPECT_NEAR(best, nuclear, 1e-9);
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal;
  for (int trial = 0; trial < 300; ++trial) {
    MatrixXd d(5, 8);
    for (Eigen::Index i = 0; i < d.size(); ++i) d.data()[i] = normal(rng);
    d /= Eigen::JacobiSVD<MatrixXd>(d).singularValues()(0);
    EXPECT_LE((g.array() * d.array()).sum(), best + 1e-9);
  }
}

// The float iteration within its own bound of the double one (small blocks: a 3 x 4 and its
// transpose, the shapes where the worst-case bound is informative).
TEST(NewtonSchulz, FloatWithinItsRoundingBound) {
  const MatrixXd x = with_singular_values(3, 4, {1.0, 0.6, 0.3}, 3);
  const MatrixXd exact = run_newton_schulz(x, 5, kMuonQuintic);
  for (bool transposed : {false, true}) {
    const MatrixXd input = transposed ? MatrixXd(x.transpose()) : x;
    std::vector<float> y(input.data(), input.data() + input.size());
    newton_schulz<float>(y, static_cast<std::size_t>(input.rows()), static_cast<std::size_t>(input.cols()), 5);
    double error = 0;
    for (Eigen::Index i = 0; i < input.rows(); ++i)
      for (Eigen::Index j = 0; j < input.cols(); ++j) {
        const double e = transposed ? exact(j, i) : exact(i, j);
        error += std::pow(y[static_cast<std::size_t>(i * input.cols() + j)] - e, 2);
      }
    // The input's rounding to float is a relative error of u per element.
    const double u = std::numeric_limits<float>::epsilon() / 2;
    EXPECT_LE(std::sqrt(error), ns_error_bound(3, 4, 5, std::numeric_limits<float>::epsilon(), u) + 1e-12);
  }
}

TEST(NewtonSchulz, ZeroStaysZeroAndSizesAreChecked) {
  std::vector<double> zero(12, 0.0);
  newton_schulz<double>(zero, 3, 4, 5);
  for (double v : zero) EXPECT_EQ(v, 0.0);
  std::vector<double> wrong(11, 1.0);
  EXPECT_THROW(newton_schulz<double>(wrong, 3, 4, 5), MismatchError);
}

// A block large enough that the products are cut into panels run on threads
// (src/model/panel_gemm.hpp): the result is the same bits on 1 and 2 threads.
TEST(NewtonSchulz, IndependentOfThreadCount) {
  const std::size_t rows = 130, cols = 150;
  std::vector<float> a(rows * cols);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(std::sin(0.37 * double(i)) * (1 + i % 13));
  std::vector<float> b = a;
  const int previous = num_threads();
  set_num_threads(1);
  newton_schulz<float>(a, rows, cols, 5);
  set_num_threads(2);
  newton_schulz<float>(b, rows, cols, 5);
  set_num_threads(previous);
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float)));
}

// ---------------------------------------------------------------------------------------------
// 4. Convergence on f(W) = 1/2 ||A W - C||_F^2, A square with singular values in
// [sqrt(mu), sqrt(L)] = [1, 1.5]: mu-strongly convex, L-smooth, minimizer W* = A^{-1} C, f* = 0.
//
// Muon with momentum 0, no decay and no lr adjustment steps W <- W - eta O, O = NS_5(G). With
// r = rank bound min(rows, cols), top = max singular value of any iterate (ns_iterate_max) and
// o_min = min of p^5 over [1/sqrt(r), 1]:
//   <G, O> >= sigma_1(G) p^5(sigma_1 / ||G||_F) >= o_min ||G||_F / sqrt(r)   (other terms >= 0),
//   ||O||_F^2 <= r top^2,
// so by L-smoothness f(W - eta O) <= f(W) - eta o_min ||G||_F / sqrt(r) + L eta^2 r top^2 / 2, and
// with ||G||_F^2 >= 2 mu f (strong convexity), while f >= eps := L^2 eta^2 r^3 top^4 / (2 mu o_min^2)
// each step lowers f by at least L eta^2 r top^2 / 2. Hence within N = f_0 / (L eta^2 r top^2 / 2)
// steps some iterate has f < eps.
TEST(MuonConvergence, ReachesTheDerivedNeighbourhoodOfTheOptimum) {
  const std::size_t rows = 3, cols = 3;
  const MatrixXd a = with_singular_values(3, 3, {1.5, 1.2, 1.0}, 21);
  MatrixXd c(3, 3);
  c << 1.0, -2.0, 0.5, 0.3, 1.1, -0.7, -1.4, 0.2, 0.9;
  const double mu = 1.0, lip = 1.5 * 1.5, eta = 0.02;
  const double r = 3, top = ns_iterate_max(5), o_min = ns_scalar_min(1 / std::sqrt(r), 5);
  const double eps = lip * lip * eta * eta * r * r * r * std::pow(top, 4) / (2 * mu * o_min * o_min);
  const auto f = [&](const MatrixXd& w) { return 0.5 * (a * w - c).squaredNorm(); };

  MatrixXd w = MatrixXd::Constant(3, 3, 2.0);
  const double f0 = f(w);
  const auto budget = static_cast<std::size_t>(std::ceil(f0 / (lip * eta * eta * r * top * top / 2)));
  ASSERT_LT(budget, 20000u);
  const TransformPtr t =
      muon({.lr = constant(eta), .momentum = 0, .nesterov = false, .weight_decay = 0, .adjust_lr = "none"});
  ParameterLayout layout;
  layout.add("w", {rows, cols});
  auto state = init_state<double>(*t, layout);
  double best = f0;
  std::size_t reached = 0;
  for (std::size_t k = 1; k <= budget && best >= eps; ++k) {
    MatrixXd g = a.transpose() * (a * w - c);
    apply<double>(*t, state, std::span<double>(g.data(), 9), std::span<double>(w.data(), 9), layout);
    best = std::min(best, f(w));
    reached = k;
  }
  EXPECT_LT(best, eps) << "after " << reached << " of " << budget << " steps";
  std::printf("  f0 = %.3g, eps = %.3g reached after %zu steps (budget %zu)\n", f0, eps, reached, budget);
}

}  // namespace
}  // namespace descent::testing
