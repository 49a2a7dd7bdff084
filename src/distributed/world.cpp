#include "descent/distributed/world.hpp"

#include <mutex>

#include "descent/distributed/mpi_communicator.hpp"

namespace descent {
namespace {

std::mutex world_mutex;
CommunicatorPtr& world_slot() {
  static CommunicatorPtr world;
  return world;
}

}  // namespace

CommunicatorPtr world_communicator() {
  std::lock_guard lock(world_mutex);
  CommunicatorPtr& world = world_slot();
  if (!world) world = self_communicator();
  return world;
}

void set_world_communicator(CommunicatorPtr comm) {
  std::lock_guard lock(world_mutex);
  world_slot() = std::move(comm);
}

CommunicatorPtr launched_world() {
  const int launched = launcher_world_size();
  if (launched <= 1) return self_communicator();
  if (!built_with_mpi())
    throw ConfigError("a launcher started " + std::to_string(launched) +
                      " ranks, but this descent was built without MPI: rebuild with -DDESCENT_WITH_MPI=ON, or run "
                      "one process");
  return mpi_world();
}

}  // namespace descent
