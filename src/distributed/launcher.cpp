// What works in every build: whether MPI is compiled in, and how many ranks a launcher
// started. mpi_world() itself is in mpi/ (MPI builds) or below (others).
#include <cstdlib>
#include <string>

#include "descent/distributed/mpi_communicator.hpp"

namespace descent {

bool built_with_mpi() {
#ifdef DESCENT_HAS_MPI
  return true;
#else
  return false;
#endif
}

int launcher_world_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS"}) {
    if (const char* value = std::getenv(name)) {
      char* end = nullptr;
      const long size = std::strtol(value, &end, 10);
      if (end != value && *end == '\0' && size >= 1) return static_cast<int>(size);
    }
  }
  return 1;
}

#ifndef DESCENT_HAS_MPI
CommunicatorPtr mpi_world() {
  throw ConfigError(
      "this descent was built without MPI: rebuild with -DDESCENT_WITH_MPI=ON (scripts/setup installs Open MPI)");
}
CommunicatorPtr mpi_communicator(std::int64_t) { return mpi_world(); }
#endif

}  // namespace descent
