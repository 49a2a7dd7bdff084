// The OpenMP wait policy the program runs with. libgomp's threads spin after each parallel
// region before they sleep; when another process shares the cores, the spinning threads
// take the time the working ones need, and a run gets 3-15x slower
// (bench/omp_wait_policy/run.sh; docs/benchmarks.md). Sleeping at once (passive) costs
// nothing measurable when the machine is idle, so it is the default.
#pragma once

namespace descent::cli {

// Unless the user chose a policy (OMP_WAIT_POLICY or GOMP_SPINCOUNT set), sets
// OMP_WAIT_POLICY=passive and runs the program again with it: libgomp reads the variable
// once, when it is loaded, before main. Returns only when the policy is in effect or the
// exec failed (then the run goes on with libgomp's default).
void use_passive_wait_policy_by_default(char** argv);

}  // namespace descent::cli
