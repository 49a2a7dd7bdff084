// Options shared by the two single-output linear models, LeastSquares and
// LogisticRegression.
#pragma once

namespace descent {

struct LinearModelOptions {
  static constexpr const char* kName = "LinearModelOptions";
  // lambda in f_i(w, b) = loss_i + lambda/2 |w|^2; 0 <= lambda < inf. The bias is never
  // penalized (shifting all targets should shift b, not cost anything).
  double l2 = 0;
  // Fit an intercept b (a parameter block "bias" of shape {}).
  bool bias = true;

  // Throws ConfigError "LinearModelOptions::<field> = <value> violates <constraint>".
  void validate() const;
};

}  // namespace descent
