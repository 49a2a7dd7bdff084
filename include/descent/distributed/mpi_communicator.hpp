// MPI as a transport (descent built with -DDESCENT_WITH_MPI=ON; Open MPI from Debian's
// libopenmpi-dev). Ranks are processes started by mpirun; every rank runs the same command.
#pragma once

#include <cstdint>

#include "descent/distributed/communicator.hpp"

namespace descent {

// Whether this build of descent has MPI.
bool built_with_mpi();

// The ranks a launcher (mpirun, srun) started this process among, read from its environment
// (OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_SIZE...); 1 when none did. It lets a build without
// MPI refuse to run as four lone copies that would each train alone.
int launcher_world_size();

// MPI's world: a duplicate of MPI_COMM_WORLD (so descent's messages never match a user's),
// initializing MPI on first use and finalizing it at exit unless the program (or mpi4py)
// initialized it itself. The same communicator on every call. Throws ConfigError in a
// build without MPI.
CommunicatorPtr mpi_world();

// A duplicate of a communicator the program already has, given by its Fortran handle
// (MPI_Comm_c2f; mpi4py's `comm.py2f()`): descent trains on that group, e.g. a split of the
// world. MPI must be initialized. Throws ConfigError in a build without MPI.
CommunicatorPtr mpi_communicator(std::int64_t fortran_handle);

}  // namespace descent
