// Ranks as threads of one process: a group of communicators that pass messages through a
// shared mailbox. It runs every distributed algorithm of descent without MPI, so the tests
// check them on any machine (an MPI build is then tested again over real processes), and
// simulations can run a few ranks where starting processes would cost more than the work.
// As with processes, each rank needs its own objective: models keep workspaces between
// calls, so one model must not be evaluated by two rank threads at once.
#pragma once

#include <functional>
#include <vector>

#include "descent/distributed/communicator.hpp"

namespace descent {

// `size` communicators (ranks 0..size-1) of one group; size >= 1. Each must be used by one
// thread at a time; the group lives as long as any of them.
std::vector<CommunicatorPtr> thread_group(int size, double timeout_seconds = 60);

// Runs body(communicator) for every rank of a fresh thread_group(size) on its own thread
// and joins them. The first exception thrown by a rank is rethrown after every thread has
// ended (the others then fail their next round by timeout, so keep timeouts short in tests
// that expect a failure).
void run_ranks(int size, const std::function<void(Communicator&)>& body, double timeout_seconds = 60);

}  // namespace descent
