// The exit status of `descent`, one per kind of outcome, so that scripts can tell a
// diverged run from a mistyped option without parsing text.
#pragma once

namespace descent::cli {

inline constexpr int kExitOk = 0;             // converged, max_steps or time_limit; `list` and --help
inline constexpr int kExitNonFinite = 1;      // the run met NaN/Inf (parameters are the last finite ones)
inline constexpr int kExitUsage = 2;          // bad option, spec, value, file or checkpoint
inline constexpr int kExitInternal = 3;       // anything else: a bug worth reporting
inline constexpr int kExitInterrupted = 130;  // Ctrl-C (128 + SIGINT, the shell's convention)

}  // namespace descent::cli
