// The group this process trains in. A front end sets it once (the CLI: MPI's world when
// mpirun started several ranks and the run asks for --distributed); library code that
// builds a distributed estimator from a spec takes it from here, as MPI code takes
// MPI_COMM_WORLD. Unset, it is a group of one.
#pragma once

#include "descent/distributed/communicator.hpp"

namespace descent {

CommunicatorPtr world_communicator();
void set_world_communicator(CommunicatorPtr comm);  // null: back to a group of one

// The world a run should use: MPI's when a launcher started several ranks, else a group of
// one. ConfigError when a launcher started several ranks of a build without MPI (each
// would train alone and write the same files).
CommunicatorPtr launched_world();

}  // namespace descent
