#include "descent/loop/summary.hpp"

#include <cstdio>

namespace descent {

std::string to_string(Termination termination) {
  switch (termination) {
    case Termination::converged:
      return "converged";
    case Termination::max_steps:
      return "max_steps";
    case Termination::time_limit:
      return "time_limit";
    case Termination::non_finite:
      return "non_finite";
    case Termination::user_stop:
      return "user_stop";
    case Termination::no_progress:
      return "no_progress";
  }
  return "unknown";
}

template <class T>
std::string describe(const Summary<T>& s) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer,
                "termination: %s%s%s\nsteps: %lld\nfinal value: %.10g\nfinal gradient norm: %.6g\n"
                "objective calls: %lld\nsample gradients: %lld\n"
                "time: %.3f s (estimate %.3f s, transform %.3f s, callbacks %.3f s)\n",
                to_string(s.termination).c_str(), s.message.empty() ? "" : " - ", s.message.c_str(),
                static_cast<long long>(s.steps), static_cast<double>(s.final_value),
                static_cast<double>(s.final_gradient_norm), static_cast<long long>(s.objective_calls),
                static_cast<long long>(s.sample_gradients), s.timings.total_s, s.timings.estimate_s,
                s.timings.transform_s, s.timings.callbacks_s);
  return buffer;
}

template std::string describe<float>(const Summary<float>&);
template std::string describe<double>(const Summary<double>&);

}  // namespace descent
