// Ctrl-C as a request, not a kill: the first SIGINT sets a flag that the loop polls
// between steps (MinimizeOptions::interrupt), so the run ends with its summary, its
// logs flushed, its last checkpoint and its --output written. The handler resets
// itself, so a second Ctrl-C kills a program that is stuck before reaching the loop.
#pragma once

#include <atomic>

namespace descent::cli {

// Installs the SIGINT handler and returns the flag it sets.
const std::atomic<bool>& install_interrupt_handler();

}  // namespace descent::cli
