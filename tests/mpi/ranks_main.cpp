// main() of the tests that run on every rank under mpirun: MPI is started through
// descent's mpi_world() (as the CLI starts it), and only rank 0 prints GoogleTest's
// progress; a failure on any rank makes that rank, and so mpirun, exit non-zero.
#include <gtest/gtest.h>

#include "descent/distributed/mpi_communicator.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const descent::CommunicatorPtr world = descent::mpi_world();
  if (world->rank() != 0) {
    ::testing::TestEventListeners& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int status = RUN_ALL_TESTS();
  if (status != 0 && world->size() > 1)
    world->abort("a test failed on this rank (run with -np 1 to see its output, or look above)", status);
  return status;
}
