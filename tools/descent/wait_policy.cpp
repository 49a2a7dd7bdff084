#include "wait_policy.hpp"

#include <unistd.h>

#include <cstdlib>

namespace descent::cli {

void use_passive_wait_policy_by_default(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return;
  if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
  // The same program, arguments and environment (now with the policy); the variable being
  // set is what stops a second exec.
  execv("/proc/self/exe", argv);
}

}  // namespace descent::cli
