// The OpenMP default: the program runs with OMP_WAIT_POLICY=passive unless the user chose a
// policy (OMP_WAIT_POLICY or GOMP_SPINCOUNT set), as summary.json records.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/cli_runner.hpp"

namespace descent {
namespace {

using testing::Cli;
using testing::read_text;

class WaitPolicy : public Cli {
 protected:
  nlohmann::json openmp(const std::string& env) {
    const auto r = Cli::run_with_env(
        env, "train --data synthetic --model softmax --epochs 1 -q --out '" + file("run").string() + "'");
    EXPECT_EQ(r.status, 0) << r.err;
    return nlohmann::json::parse(read_text(file("run") / "summary.json"))["openmp"];
  }
};

TEST_F(WaitPolicy, PassiveUnlessTheUserChoseAPolicy) {
  const auto passive = openmp("env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT");
  EXPECT_EQ(passive["OMP_WAIT_POLICY"], "passive");
  EXPECT_GE(passive["threads"].get<int>(), 1);
  EXPECT_EQ(openmp("env -u GOMP_SPINCOUNT OMP_WAIT_POLICY=active")["OMP_WAIT_POLICY"], "active");
  const auto spin = openmp("env -u OMP_WAIT_POLICY GOMP_SPINCOUNT=1000");
  EXPECT_TRUE(spin["OMP_WAIT_POLICY"].is_null());
  EXPECT_EQ(spin["GOMP_SPINCOUNT"], "1000");
}

}  // namespace
}  // namespace descent
