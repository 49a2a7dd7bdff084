// `descent privacy`: epsilon for a noise multiplier, the noise multiplier for an epsilon, and
// usage errors that name the option to fix.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "support/cli_runner.hpp"

namespace descent {
namespace {

using testing::Cli;
using testing::read_text;

// Issue 13's point: 7.3291111714841742 at order 3.9 (tests/fixtures/privacy/rdp_golden.csv).
TEST_F(Cli, PrivacyPrintsEpsilonAndTheBestOrder) {
  const auto r = run("privacy --sigma 1.5 --q 0.04 --steps 2250 --delta 1e-5");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "accountant: rdp\nepsilon: 7.329111171\nbest order: 3.9\n");
  EXPECT_EQ(r.err, "");
}

// The PLD accountant on the same point: dp_accounting 0.6.0's PLD gives 6.7687874
// (tests/fixtures/privacy/pld_golden.csv), tighter than RDP's 7.329.
TEST_F(Cli, PrivacyWithThePldAccountant) {
  const auto r = run("privacy --sigma 1.5 --q 0.04 --steps 2250 --delta 1e-5 --accountant pld");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("accountant: pld(discretization_interval=1e-04, tail_mass=1e-15, connect_dots=true)\n"
                        "epsilon: ",
                        0),
            0u)
      << r.out;
  // The FFT's rounding differs between builds in the 9th digit; dp_accounting's own figure
  // is 6.7687874, and both sit within N h of the exact epsilon on the same grid.
  const double epsilon = std::stod(r.out.substr(r.out.find("epsilon: ") + 9));
  EXPECT_NEAR(epsilon, 6.7687874, 1e-5);
}

TEST_F(Cli, PrivacyFindsTheNoiseMultiplierForAnEpsilon) {
  const auto r = run("privacy --epsilon 7.3291111714841742 --q 0.04 --steps 2250 --delta 1e-5 --accountant rdp");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto at = r.out.find("noise multiplier: ");
  ASSERT_NE(at, std::string::npos) << r.out;
  const double sigma = std::stod(r.out.substr(at + 18));
  EXPECT_GE(sigma, 1.5 * (1 - 1e-9));  // printed to 10 digits; the bracket is [sigma*, sigma* (1 + 1e-6)]
  EXPECT_LE(sigma, 1.5 * (1 + 1e-6));
  EXPECT_NE(r.out.find("(the smallest noise multiplier with epsilon <= 7.329111171, to a relative 1e-06)"),
            std::string::npos)
      << r.out;
}

TEST_F(Cli, PrivacyUsageErrorsNameTheOption) {
  auto r = run("privacy --sigma 0 --q 0.04 --steps 10 --delta 1e-5");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent privacy: --sigma: GaussianSteps::noise_multiplier = 0 violates noise_multiplier > 0\n");
  r = run("privacy --sigma 1 --q 1.5 --steps 10 --delta 1e-5");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent privacy: --q: GaussianSteps::sampling_rate = 1.5 violates 0 < sampling_rate <= 1\n");
  r = run("privacy --sigma 1 --q 0.5 --steps -3 --delta 1e-5");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent privacy: --steps: GaussianSteps::steps = -3 violates steps >= 0\n");
  r = run("privacy --sigma 1 --q 0.5 --steps 10 --delta 2");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent privacy: --delta: RdpAccountant::delta = 2 violates 0 < delta < 1\n");
  r = run("privacy --sigma 1 --q 0.5 --steps 10 --delta 1e-5 --accountant moments");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent privacy: --accountant: accountant = 'moments' is not one of rdp, pld\n");
  r = run("privacy --q 0.5 --steps 10 --delta 1e-5");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "descent privacy: --sigma: give either --sigma (to print epsilon) or --epsilon (to print the noise "
            "multiplier)\n");
  r = run("privacy --sigma 1 --epsilon 2 --q 0.5 --steps 10 --delta 1e-5");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("excludes"), std::string::npos) << r.err;
  r = run("privacy --epsilon -1 --q 0.5 --steps 10 --delta 1e-5");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent privacy: --epsilon: NoiseCalibration::target_epsilon = -1 violates target_epsilon > 0\n");
  r = run("privacy --epsilon 1e-9 --q 1 --steps 1000000 --delta 1e-5");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("cannot be reached: even noise_multiplier = 10000"), std::string::npos) << r.err;
  // sigma so small that the RDP is infinite at every order.
  r = run("privacy --sigma 1e-160 --q 0.5 --steps 1 --delta 1e-5");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no order gives a finite epsilon"), std::string::npos) << r.err;
}

// A private run end to end: the epoch is 1/q steps, the summary reports the epsilon of its
// ledger by the chosen accountant (the same figure `descent privacy` prints for that ledger),
// and a resumed run's ledger counts the steps before the resume.
TEST_F(Cli, PrivateTrainingReportsTheEpsilonItSpent) {
  const auto train = [&](const char* out) {
    return "train --data synthetic --model softmax --optimizer 'momentum(lr=0.1)' -q "
           "--estimator 'dp_sgd(clip_norm=1, noise_multiplier=1.2, rate=0.05)' --privacy-delta 1e-6 --out '" +
           file(out).string() + "' ";
  };
  const std::string common = train("dp");
  auto r = run(common + "--epochs 1");
  ASSERT_EQ(r.status, 0) << r.err;
  auto summary = nlohmann::json::parse(read_text(file("dp") / "summary.json"));
  EXPECT_EQ(summary["epochs"][0]["step"], 20);  // n / (q n) = 1 / 0.05 steps an epoch
  auto privacy = summary["privacy"];
  EXPECT_EQ(privacy["accountant"], "rdp");
  EXPECT_EQ(privacy["steps"], 20);
  EXPECT_EQ(privacy["sampling_rate"], 0.05);
  EXPECT_EQ(privacy["noise_multiplier"], 1.2);
  EXPECT_EQ(privacy["delta"], 1e-6);
  auto alone = run("privacy --sigma 1.2 --q 0.05 --steps 20 --delta 1e-6");
  ASSERT_EQ(alone.status, 0) << alone.err;
  EXPECT_NEAR(privacy["epsilon"].get<double>(), std::stod(alone.out.substr(alone.out.find("epsilon: ") + 9)),
              1e-9 * privacy["epsilon"].get<double>());  // printed to 10 digits

  // Two more epochs from the checkpoint: 60 steps in the ledger, a larger epsilon.
  r = run(common + "--epochs 3 --resume");
  ASSERT_EQ(r.status, 0) << r.err;
  summary = nlohmann::json::parse(read_text(file("dp") / "summary.json"));
  EXPECT_EQ(summary["privacy"]["steps"], 60);
  EXPECT_GT(summary["privacy"]["epsilon"].get<double>(), privacy["epsilon"].get<double>());

  // The PLD accountant on the same ledger: tighter.
  r = run(train("dp_pld") + "--epochs 1 --accountant pld");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto pld = nlohmann::json::parse(read_text(file("dp_pld") / "summary.json"))["privacy"];
  EXPECT_EQ(pld["accountant"].get<std::string>().rfind("pld(", 0), 0u);
  EXPECT_LT(pld["epsilon"].get<double>(), privacy["epsilon"].get<double>());

  const std::string plain =
      "train --data synthetic --model softmax --epochs 1 -q --out '" + file("bad").string() + "' ";
  r = run(plain + "--estimator 'dp_sgd(rate=0.05)' --privacy-delta 0");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--privacy-delta: 0 violates 0 < delta < 1"), std::string::npos) << r.err;
  r = run(plain + "--estimator 'dp_sgd(noise_multiplier=0)'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("DpSgdOptions::noise_multiplier = 0 violates noise_multiplier > 0"), std::string::npos) << r.err;
}

// A comparison of a private and an ordinary run: the report lists what the private one spent,
// results.json carries its privacy report, and the ordinary run has none.
TEST_F(Cli, CompareReportsThePrivateRunsEpsilon) {
  const auto r = run("compare --data synthetic --model softmax --epochs 1 -q --out '" + file("cmp").string() +
                     "' --compare 'momentum(lr=0.1)' --compare-estimator 'dp_sgd(rate=0.05)' "
                     "--compare-estimator 'minibatch(32)'");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string report = read_text(file("cmp") / "report.md");
  EXPECT_NE(report.find("Privacy, by the rdp accountant:"), std::string::npos) << report;
  EXPECT_NE(report.find("epsilon = "), std::string::npos) << report;
  const auto results = nlohmann::json::parse(read_text(file("cmp") / "results.json"));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0]["privacy"]["steps"], 20);
  EXPECT_GT(results[0]["privacy"]["epsilon"].get<double>(), 0);
  EXPECT_FALSE(results[1].contains("privacy"));
}

}  // namespace
}  // namespace descent
