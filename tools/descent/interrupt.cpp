#include "interrupt.hpp"

#include <csignal>

namespace descent::cli {

namespace {

// Only a lock-free atomic may be touched from a signal handler.
static_assert(std::atomic<bool>::is_always_lock_free);
std::atomic<bool> interrupted{false};

void on_sigint(int) { interrupted.store(true, std::memory_order_relaxed); }

}  // namespace

const std::atomic<bool>& install_interrupt_handler() {
  struct sigaction action = {};
  action.sa_handler = &on_sigint;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // back to the default after the first signal
  sigaction(SIGINT, &action, nullptr);
  return interrupted;
}

}  // namespace descent::cli
