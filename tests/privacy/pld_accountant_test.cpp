// The PLD accountant: its one-step discretization against hand-written formulas, the
// Gaussian mechanism's analytic privacy profile (Balle & Wang 2018), Google dp_accounting's
// golden values (tests/fixtures/privacy/make_pld_golden.py), and its input checks.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "descent/core/binary_io.hpp"
#include "descent/core/error.hpp"
#include "descent/privacy/pld_accountant.hpp"

namespace descent {
namespace {

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

// Balle & Wang 2018, Theorem 8: the Gaussian mechanism with sensitivity 1 and noise sigma is
// (eps, delta)-DP exactly for delta = Phi(1/(2 sigma) - eps sigma) - e^eps Phi(-1/(2 sigma) - eps sigma).
double gaussian_delta(double sigma, double eps) {
  return normal_cdf(0.5 / sigma - eps * sigma) - std::exp(eps) * normal_cdf(-0.5 / sigma - eps * sigma);
}
// The loss of one subsampled Gaussian step written as the formula of the task (remove:
// log((1-q) + q exp((2x-1)/(2 sigma^2))), x ~ (1-q) N(0, s^2) + q N(1, s^2); add: its
// negative, x ~ N(0, s^2)), and the x where it equals a given value, by bisection on the
// forward formula (independent of the closed-form inverse in the library).
struct HandLoss {
  double sigma, q;
  double remove_loss(double x) const { return std::log((1 - q) + q * std::exp((2 * x - 1) / (2 * sigma * sigma))); }
  // x with remove_loss(x) = l; -infinity below the loss's infimum log(1 - q).
  double solve(double l) const {
    if (l <= std::log1p(-q)) return -std::numeric_limits<double>::infinity();
    double lo = -80, hi = 80;
    for (int i = 0; i < 300; ++i) {
      const double mid = 0.5 * (lo + hi);
      (remove_loss(mid) < l ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  }
  double mixture_cdf(double x) const { return (1 - q) * normal_cdf(x / sigma) + q * normal_cdf((x - 1) / sigma); }
  double gaussian_cdf(double x) const { return normal_cdf(x / sigma); }
  // P and Q of {l_lo < L <= l_hi}.
  std::pair<double, double> bin(Adjacency a, double l_lo, double l_hi) const {
    if (a == Adjacency::remove) {  // L increasing in x: x in (x(l_lo), x(l_hi)]
      const double x0 = solve(l_lo), x1 = solve(l_hi);
      return {mixture_cdf(x1) - mixture_cdf(x0), gaussian_cdf(x1) - gaussian_cdf(x0)};
    }
    // add: L = -remove_loss(x), decreasing in x: x in [x(-l_hi), x(-l_lo)), P = N(0), Q = mixture
    const double x0 = solve(-l_hi), x1 = solve(-l_lo);
    return {gaussian_cdf(x1) - gaussian_cdf(x0), mixture_cdf(x1) - mixture_cdf(x0)};
  }
};

// Bisection brackets x to within 160 / 2^300, far below double resolution, so the reference
// bin probabilities carry only the rounding of normal_cdf (relative 1e-16 of values <= 1)
// and of the library's own differences: 1e-14 absolute covers both with a wide margin.
constexpr double kBinTolerance = 1e-14;

TEST(PldDiscretization, RoundUpPutsEachBinsMassOnItsUpperEnd) {
  const HandLoss hand{1.0, 0.3};
  PldAccountantOptions options;
  options.discretization_interval = 0.05;
  options.connect_dots = false;
  for (Adjacency a : {Adjacency::remove, Adjacency::add}) {
    const PrivacyLossDistribution pld = subsampled_gaussian_loss(hand.sigma, hand.q, a, options);
    ASSERT_GT(pld.mass.size(), 20u);
    double total = pld.infinite_mass;
    for (std::size_t i = 0; i < pld.mass.size(); ++i) {
      // Grid point i is the loss (first_index + i) h exactly.
      EXPECT_EQ(pld.loss(i), static_cast<double>(pld.first_index + static_cast<std::int64_t>(i)) * 0.05);
      total += pld.mass[i];
      if (i == 0) continue;  // the bottom point also holds the cut lower tail, checked below
      const double expected = hand.bin(a, pld.loss(i) - 0.05, pld.loss(i)).first;
      EXPECT_NEAR(pld.mass[i], expected, kBinTolerance) << "bin " << i;
    }
    // The bottom point holds all of P(L <= its loss); the top tail is infinite loss.
    EXPECT_NEAR(pld.mass[0], hand.bin(a, -1e3, pld.loss(0)).first, kBinTolerance);
    EXPECT_NEAR(pld.infinite_mass, hand.bin(a, pld.loss(pld.mass.size() - 1), 1e3).first, kBinTolerance);
    EXPECT_LE(pld.infinite_mass, options.tail_mass);
    EXPECT_NEAR(total, 1.0, 1e-14);
    // Loss bounds of the formula: remove L > log(1 - q), add L < -log(1 - q); rounding up
    // keeps the bottom above the infimum minus one bin.
    if (a == Adjacency::remove) EXPECT_GE(pld.loss(0), std::log1p(-hand.q) - 0.05);
    if (a == Adjacency::add) EXPECT_LE(pld.loss(pld.mass.size() - 1), -std::log1p(-hand.q) + 0.05);
  }
}

TEST(PldDiscretization, ConnectTheDotsSplitsEachBinKeepingTheRatiosMean) {
  const HandLoss hand{0.8, 0.2};
  const double h = 0.1;
  PldAccountantOptions options;
  options.discretization_interval = h;
  for (Adjacency a : {Adjacency::remove, Adjacency::add}) {
    const PrivacyLossDistribution pld = subsampled_gaussian_loss(hand.sigma, hand.q, a, options);
    // The bin (l - h, l] with probabilities (P, Q) gives its upper end the P-mass
    // (P - e^(l-h) Q) / (1 - e^-h) and its lower end the rest, so that under Q the ratio
    // e^L keeps its mean: (upper e^-l + lower e^-(l-h)) = Q.
    std::vector<double> expected(pld.mass.size(), 0.0);
    expected[0] = hand.bin(a, -1e3, pld.loss(0)).first;
    for (std::size_t i = 1; i < pld.mass.size(); ++i) {
      const double l = pld.loss(i);
      const auto [p, q] = hand.bin(a, l - h, l);
      const double upper = (p - std::exp(l - h) * q) / (1 - std::exp(-h));
      expected[i] += upper;
      expected[i - 1] += p - upper;
      // Q-mass kept: the two shares' Q-masses add to the bin's Q.
      EXPECT_NEAR(upper * std::exp(-l) + (p - upper) * std::exp(-(l - h)), q, 1e-13) << "bin " << i;
    }
    // The split divides P - e^(l-h) Q by 1 - e^-h ~ 0.1: P and Q are differences of
    // probabilities <= 1, each off by up to 2 ulp(1) = 4.4e-16 in both computations, so a
    // share is off by up to 2 * 4.4e-16 (1 + e^l) / (1 - e^-h), from each of its two bins.
    for (std::size_t i = 0; i < pld.mass.size(); ++i) {
      const double split = 4 * 4.4e-16 * (1 + std::exp(pld.loss(i) + h)) / (1 - std::exp(-h));
      EXPECT_NEAR(pld.mass[i], expected[i], kBinTolerance + split) << i;
    }
  }
}

// The rounding of the library's sums of ~1e5 probabilities (each relative 1e-16): 1e5 * 1e-16
// = 1e-11, doubled for the reference's own evaluation.
constexpr double kSumRounding = 2e-11;

TEST(PldDiscretization, FullBatchStepIsTheGaussianMechanismWithinOneBin) {
  // q = 1: one step is the Gaussian mechanism. The reported delta is an upper bound, and the
  // loss moved by less than one bin h: delta(eps) <= delta_exact(eps - h) + truncated mass.
  const double sigma = 1.3, h = 1e-4;
  for (bool dots : {false, true}) {
    PldAccountantOptions options;
    options.connect_dots = dots;
    for (Adjacency a : {Adjacency::remove, Adjacency::add}) {
      const PrivacyLossDistribution pld = subsampled_gaussian_loss(sigma, 1.0, a, options);
      for (double eps : {0.0, 0.3, 1.0, 2.0, 3.5}) {
        const double d = pld.delta(eps);
        EXPECT_GE(d, gaussian_delta(sigma, eps) - kSumRounding) << eps;
        EXPECT_LE(d, gaussian_delta(sigma, eps - h) + pld.truncated_mass + kSumRounding) << eps;
      }
      if (dots) {
        // Connect the dots matches the exact profile at grid points (its chords pass through
        // them), up to the cut tails.
        for (double eps : {0.5, 1.5, 3.0})
          EXPECT_NEAR(pld.delta(eps), gaussian_delta(sigma, eps), pld.truncated_mass + kSumRounding) << eps;
      }
    }
  }
}

// Composition: each FFT convolution of vectors a, b returns every entry with an absolute
// error below about log2(n) * 1.1e-16 * |a|_2 |b|_2 <= 25 * 1.1e-16 (|a|_2 <= |a|_1 <= 1), so
// the sum over n <= 2^20 entries is off by at most 2^10 * 3e-15 ~ 3e-12 (Cauchy-Schwarz) per
// convolution; 10 convolutions and margin: 1e-10.
constexpr double kFftRounding = 1e-10;

TEST(PldComposition, SixteenFullBatchStepsAreOneGaussianWithAQuarterOfTheNoise) {
  const double sigma = 2.0, h = 1e-4;
  const int steps = 16;
  const double combined = sigma / std::sqrt(static_cast<double>(steps));  // sigma / sqrt(N)
  for (bool dots : {false, true}) {
    PldAccountantOptions options;
    options.connect_dots = dots;
    for (Adjacency a : {Adjacency::remove, Adjacency::add}) {
      const PrivacyLossDistribution pld =
          self_compose(subsampled_gaussian_loss(sigma, 1.0, a, options), steps, options.tail_mass);
      for (double eps : {0.5, 1.0, 2.0, 4.0}) {
        // N steps move the loss by less than N h (see pld_accountant.hpp).
        const double d = pld.delta(eps);
        EXPECT_GE(d, gaussian_delta(combined, eps) - kFftRounding) << eps;
        EXPECT_LE(d, gaussian_delta(combined, eps - steps * h) + pld.truncated_mass + kFftRounding) << eps;
      }
      for (double delta : {1e-3, 1e-5, 1e-8}) {
        // epsilon(delta) inverts the discrete delta(eps) exactly; by the bracket above the
        // exact profile at the answer is at most delta, and at the answer minus N h at least
        // delta (up to the cut tails and rounding).
        const double eps = pld.epsilon(delta);
        EXPECT_NEAR(pld.delta(eps), delta, 1e-9 * delta);
        EXPECT_LE(gaussian_delta(combined, eps), delta + kFftRounding) << delta;
        EXPECT_GE(gaussian_delta(combined, eps - steps * h), delta - pld.truncated_mass - kFftRounding) << delta;
      }
    }
  }
}

TEST(PldComposition, ConnectTheDotsIsNeverLooserThanRoundingUp) {
  // Rounding up is a further mean-preserving spread of connect the dots (pld_accountant.hpp),
  // so its deltas dominate, step by step and after composition.
  PldAccountantOptions round_up, dots;
  round_up.connect_dots = false;
  round_up.discretization_interval = dots.discretization_interval = 1e-3;
  for (Adjacency a : {Adjacency::remove, Adjacency::add}) {
    const auto r = self_compose(subsampled_gaussian_loss(1.2, 0.05, a, round_up), 300, 1e-15);
    const auto c = self_compose(subsampled_gaussian_loss(1.2, 0.05, a, dots), 300, 1e-15);
    for (double eps : {0.1, 0.5, 1.0, 2.0}) EXPECT_LE(c.delta(eps), r.delta(eps) + kFftRounding) << eps;
  }
}

TEST(PldComposition, SquaringAgreesWithStepByStepComposition) {
  PldAccountantOptions options;
  options.discretization_interval = 1e-3;
  const auto one = subsampled_gaussian_loss(1.0, 0.1, Adjacency::remove, options);
  PrivacyLossDistribution chain = one;
  for (int i = 1; i < 11; ++i) chain = compose(chain, one, options.tail_mass);
  const auto squared = self_compose(one, 11, options.tail_mass);
  for (double eps : {0.0, 0.5, 1.0, 2.0}) EXPECT_NEAR(chain.delta(eps), squared.delta(eps), kFftRounding);
  // Zero copies: no loss at all.
  const auto none = self_compose(one, 0, options.tail_mass);
  EXPECT_EQ(none.mass.size(), 1u);
  EXPECT_EQ(none.delta(0.0), 0.0);
}

struct GoldenRow {
  double sigma, q;
  std::int64_t steps;
  double delta, eps_pld, eps_pld_fine, eps_pld_round_up, eps_rdp, delta_pld_eps2;
};

std::vector<GoldenRow> golden_rows() {
  std::ifstream in(std::filesystem::path(DESCENT_FIXTURE_DIR) / "privacy" / "pld_golden.csv");
  EXPECT_TRUE(in.good()) << "missing tests/fixtures/privacy/pld_golden.csv";
  std::vector<GoldenRow> rows;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::istringstream fields(line);
    std::vector<double> v;
    std::string cell;
    while (std::getline(fields, cell, ',')) v.push_back(std::stod(cell));
    EXPECT_EQ(v.size(), 9u) << line;
    if (v.size() != 9) continue;
    rows.push_back({v[0], v[1], static_cast<std::int64_t>(v[2]), v[3], v[4], v[5], v[6], v[7], v[8]});
  }
  EXPECT_GE(rows.size(), 6u);
  return rows;
}

// The golden rows' accountants (default options), built once for the tests below: each
// costs 0.05 to 0.5 s in Release.
const std::vector<PldAccountant>& golden_accountants() {
  static const std::vector<PldAccountant> accountants = [] {
    std::vector<PldAccountant> v;
    for (const GoldenRow& row : golden_rows()) {
      v.emplace_back();
      v.back().compose({row.sigma, row.q, row.steps});
    }
    return v;
  }();
  return accountants;
}

// One test for all golden checks: the accountants cost 2 s in Release (25 s under ASan), and
// each test runs in its own process under ctest.
TEST(PldGolden, AgreesWithDpAccountingWithinTheDiscretizationBoundAndBeatsRdp) {
  const std::vector<GoldenRow> rows = golden_rows();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const GoldenRow& row = rows[i];
    SCOPED_TRACE("sigma " + std::to_string(row.sigma) + " q " + std::to_string(row.q) + " steps " +
                 std::to_string(row.steps));
    const PldAccountant& accountant = golden_accountants()[i];
    const double h = 1e-4, fine_h = 1e-5, n = static_cast<double>(row.steps);
    // Every pessimistic discretization with interval h lies in [eps_exact, eps_exact + N h]
    // (pld_accountant.hpp; dp_accounting documents its estimate as pessimistic in the same
    // way). So ours and dp_accounting's at h are within N h of each other, and ours lies in
    // [eps_fine - N h_fine, eps_fine + N h] around dp_accounting's finer value. 1e-6 covers
    // the cut tails (<= 1e-10 of delta, over slopes d delta / d eps >= delta) and rounding.
    const double ours = accountant.epsilon(row.delta);
    EXPECT_NEAR(ours, row.eps_pld, n * h + 1e-6);
    EXPECT_GE(ours, row.eps_pld_fine - n * fine_h - 1e-6);
    EXPECT_LE(ours, row.eps_pld_fine + n * h + 1e-6);
    // Same method (connect the dots) on the same grid: the two differ only by what each cuts
    // from the tails (ours: truncated_mass; dp_accounting cuts 1e-15 per composition as we
    // do, so at most as much) and by rounding. A delta difference t moves epsilon by
    // t / |d delta / d eps|; 1e-7 for the rounding of the two conversions.
    const double slope = (accountant.delta(ours - 1e-3) - accountant.delta(ours + 1e-3)) / 2e-3;
    const double cut = std::max(accountant.distribution(Adjacency::remove).truncated_mass,
                                accountant.distribution(Adjacency::add).truncated_mass);
    EXPECT_NEAR(ours, row.eps_pld, 2 * cut / slope + 1e-7);
    // The PLD is tighter than Renyi DP (dp_accounting's RdpAccountant) at every point.
    EXPECT_LT(ours, row.eps_rdp);
    // dp_accounting's delta d at epsilon 2 lies in [delta_exact(2), delta_exact(2 - N h)], so
    // the exact epsilon at d lies in [2 - N h, 2] and ours at d in [2 - N h, 2 + N h].
    if (row.delta_pld_eps2 > 0 && row.delta_pld_eps2 < 1)
      EXPECT_NEAR(accountant.epsilon(row.delta_pld_eps2), 2.0, n * h + 1e-6);
    // And our own conversions invert each other.
    const double d = accountant.delta(2.0);
    if (d > 0 && d < 1) EXPECT_NEAR(accountant.epsilon(d), 2.0, 1e-9);
  }
}

TEST(PldGolden, RoundingUpAgreesWithDpAccountingsRoundingUp) {
  // The point (sigma 1.5, q 0.04, 2250 steps) with every loss rounded up: the same
  // grid and method as dp_accounting's use_connect_dots=False, so the tolerance of the test
  // above applies; and it is looser than connect the dots by about N h / 2.
  const GoldenRow row = golden_rows().at(0);
  ASSERT_EQ(row.steps, 2250);
  PldAccountantOptions options;
  options.connect_dots = false;
  PldAccountant accountant(options);
  accountant.compose({row.sigma, row.q, row.steps});
  const double rounded = accountant.epsilon(row.delta);
  EXPECT_NEAR(rounded, row.eps_pld_round_up, 2250 * 1e-4 + 1e-6);
  const double slope = (accountant.delta(rounded - 1e-3) - accountant.delta(rounded + 1e-3)) / 2e-3;
  EXPECT_NEAR(rounded, row.eps_pld_round_up,
              2 * accountant.distribution(Adjacency::remove).truncated_mass / slope + 1e-7);
  EXPECT_GE(rounded, row.eps_pld);  // connect the dots is the tighter (checked against ours above)
}

// The property tests below use a 10 times coarser grid than the default: 10 times faster,
// and the properties hold for any interval.
PldAccountantOptions coarse() {
  PldAccountantOptions options;
  options.discretization_interval = 1e-3;
  return options;
}

TEST(PldAccountantTest, EpsilonGrowsWithStepsAndFallsWithNoise) {
  double previous = 0;
  for (std::int64_t steps : {100, 400, 1600}) {
    PldAccountant accountant(coarse());
    accountant.compose({1.5, 0.04, steps});
    const double eps = accountant.epsilon(1e-5);
    EXPECT_GT(eps, previous) << steps;
    previous = eps;
  }
  previous = std::numeric_limits<double>::infinity();
  for (double sigma : {0.8, 1.2, 2.0, 4.0}) {
    PldAccountant accountant(coarse());
    accountant.compose({sigma, 0.04, 500});
    const double eps = accountant.epsilon(1e-5);
    EXPECT_LT(eps, previous) << sigma;
    previous = eps;
  }
}

TEST(PldAccountantTest, LedgerMergesEqualEntriesAndComposesInAnyOrder) {
  PldAccountant a(coarse()), b(coarse()), c(coarse());
  EXPECT_EQ(a.epsilon(1e-5), 0.0);
  EXPECT_EQ(a.delta(1.0), 0.0);
  a.compose({1.0, 0.02, 100});
  a.compose({1.0, 0.02, 50});
  a.compose({1.0, 0.02, 0});
  ASSERT_EQ(a.ledger().size(), 1u);
  EXPECT_EQ(a.ledger()[0].steps, 150);
  b.compose({1.0, 0.02, 150});
  EXPECT_EQ(a.epsilon(1e-5), b.epsilon(1e-5));
  // A schedule: the order of heterogeneous entries does not matter (convolution commutes;
  // the FFT's rounding and the tails cut differ, by far less than 1e-8 in epsilon).
  a.compose({2.0, 0.1, 30});
  c.compose({2.0, 0.1, 30});
  c.compose({1.0, 0.02, 150});
  ASSERT_EQ(a.ledger().size(), 2u);
  EXPECT_NEAR(a.epsilon(1e-5), c.epsilon(1e-5), 1e-8);
  // The answer follows the ledger: more steps, more epsilon.
  const double before = a.epsilon(1e-5);
  a.compose({2.0, 0.1, 30});
  EXPECT_GT(a.epsilon(1e-5), before);
  EXPECT_EQ(a.spec(), "pld(discretization_interval=0.001, tail_mass=1e-15, connect_dots=true)");
  EXPECT_EQ(PldAccountant().spec(), "pld(discretization_interval=1e-04, tail_mass=1e-15, connect_dots=true)");
}

template <class F>
void expect_config_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no ConfigError mentioning " << needle;
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(PldAccountantTest, RefusesBadInputByName) {
  PldAccountant accountant;
  accountant.compose({1.0, 0.01, 10});
  for (double d : {0.0, 1.0, -0.5, 2.0, std::nan("")})
    expect_config_error([&] { accountant.epsilon(d); }, "PldAccountant::delta");
  for (double e : {-1.0, -1e-9, std::nan(""), std::numeric_limits<double>::infinity()})
    expect_config_error([&] { accountant.delta(e); }, "PldAccountant::epsilon");
  for (double h : {0.0, -1e-4, std::nan("")})
    expect_config_error([&] { PldAccountant bad(PldAccountantOptions{h}); },
                        "PldAccountantOptions::discretization_interval");
  expect_config_error([&] { PldAccountant bad(PldAccountantOptions{1e-4, 0.0}); }, "PldAccountantOptions::tail_mass");
  expect_config_error([&] { accountant.compose({0.0, 0.01, 10}); }, "GaussianSteps::noise_multiplier");
  expect_config_error([&] { accountant.compose({1.0, 1.5, 10}); }, "GaussianSteps::sampling_rate");
  expect_config_error([&] { accountant.compose({1.0, 0.01, -1}); }, "GaussianSteps::steps");
  ASSERT_EQ(accountant.ledger().size(), 1u);  // nothing changed on error
  // No finite epsilon: the cut tails are infinite loss, of probability far above 1e-30.
  expect_config_error([&] { accountant.epsilon(1e-30); }, "no finite epsilon");
  // A grid too fine for the loss's range is refused before anything is allocated.
  PldAccountant fine(PldAccountantOptions{1e-12});
  fine.compose({1.0, 1.0, 1});
  expect_config_error([&] { fine.epsilon(1e-5); }, "PldAccountantOptions::discretization_interval");
}

TEST(PldAccountantTest, SaveLoadRoundTripAndCorruptStreamsRefused) {
  PldAccountantOptions options;
  options.discretization_interval = 2e-4;
  options.connect_dots = false;
  PldAccountant saved(options);
  saved.compose({1.1, 0.02, 300});
  saved.compose({2.0, 0.05, 40});
  BinaryWriter out;
  saved.save(out);

  PldAccountant loaded;  // other settings, empty ledger: all replaced
  BinaryReader in(out.bytes(), "memory");
  loaded.load(in);
  EXPECT_EQ(in.remaining(), 0u);
  EXPECT_EQ(loaded.spec(), saved.spec());
  ASSERT_EQ(loaded.ledger().size(), 2u);
  EXPECT_EQ(loaded.ledger()[1].noise_multiplier, 2.0);
  EXPECT_EQ(loaded.ledger()[0].steps, 300);
  // The distribution is recomputed from the ledger: the same operations, the same bits.
  EXPECT_EQ(loaded.epsilon(1e-5), saved.epsilon(1e-5));
  EXPECT_EQ(loaded.delta(1.0), saved.delta(1.0));

  const std::string& bytes = out.bytes();
  PldAccountant target;
  target.compose({3.0, 0.5, 7});
  const auto refused = [&](const std::string& data) {
    BinaryReader reader(data, "corrupt");
    EXPECT_THROW(target.load(reader), FormatError);
    ASSERT_EQ(target.ledger().size(), 1u);  // unchanged
    EXPECT_EQ(target.ledger()[0].steps, 7);
  };
  refused(bytes.substr(0, bytes.size() - 1));  // truncated
  refused(bytes.substr(0, 10));
  std::string magic = bytes;
  magic[10] = 'X';
  refused(magic);
  // The first ledger entry's noise multiplier made negative (its sign bit is the last
  // byte of the 8-byte value that follows the 8-byte ledger length).
  const std::size_t header = 8 + std::string("descent.pld_accountant").size() + 4 + 8 + 8 + 1;
  std::string negative = bytes;
  negative[header + 8 + 7] = static_cast<char>(negative[header + 8 + 7] | 0x80);
  refused(negative);
  std::string huge = bytes;  // a ledger length that the stream cannot hold
  huge[header + 6] = 0x7f;
  refused(huge);
  std::string flag = bytes;  // connect_dots flag neither 0 nor 1
  flag[header - 1] = 5;
  refused(flag);
}

}  // namespace
}  // namespace descent
