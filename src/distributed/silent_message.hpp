// The wording of a round that timed out, shared by the transports.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "descent/core/error.hpp"

namespace descent::detail {

// "rank 0: no message from rank 3 within 30 s while all-reducing the gradient"
// ("from ranks 1, 3" for several).
inline std::string silent_message(int rank, const std::vector<int>& silent, double timeout_seconds,
                                  std::string_view what) {
  std::string ranks;
  for (std::size_t k = 0; k < silent.size(); ++k) ranks += (k ? ", " : "") + std::to_string(silent[k]);
  return "rank " + std::to_string(rank) + ": no message from rank" + (silent.size() > 1 ? "s " : " ") + ranks +
         " within " + format_number(timeout_seconds) + " s while " + std::string(what) +
         " (a rank that died or hangs; see its own output)";
}

}  // namespace descent::detail
