// Batch-size scaling rules: the hyperparameters that keep an optimizer's SDE (its
// small-learning-rate limit) the same when the batch grows from B to kappa * B.
//   sgd (no momentum): lr * kappa                      (linear rule; Goyal et al. 2017,
//                                                        Li, Tai & E 2019, Malladi et al. 2022)
//   sgd with momentum, nesterov: 1 - momentum -> kappa (1 - momentum), lr * kappa^2
//       (the linear rule on the normalized heavy ball m <- b m + (1 - b) g, x <- x - eta m,
//        whose eta = lr / (1 - b) in descent's b <- b m + g, x <- x - lr b form)
//   adam, adamw, amsgrad: lr * sqrt(kappa), 1 - beta_i -> kappa (1 - beta_i), eps / sqrt(kappa),
//       adamw's decoupled weight_decay * sqrt(kappa) (square-root rule, Malladi, Lyu,
//        Panigrahi & Arora, On the SDEs and Scaling Rules for Adaptive Gradient Algorithms,
//        NeurIPS 2022; the decay so that lr * weight_decay grows by kappa, as the drift does)
//   rmsprop (no momentum, not centered): lr * sqrt(kappa), 1 - alpha -> kappa (1 - alpha), eps / sqrt(kappa)
// A schedule lr is scaled through its value fields (init, end, value, peak), which every
// built-in schedule's value is proportional to. Coupled weight_decay is part of the loss and stays.
#pragma once

#include <string>
#include <string_view>

namespace descent {

// The spec of `optimizer_spec` rescaled for a batch kappa times larger (kappa < 1: smaller),
// in canonical form. ConfigError naming the optimizer when it has no rule (or a momentum
// RMSProp / centered RMSProp), naming BatchScaling::kappa for kappa not finite or <= 0, and
// naming the field when a scaled decay leaves [0, 1) (1 - momentum times kappa above 1).
// ParseError for a spec that does not parse.
std::string scale_for_batch(std::string_view optimizer_spec, double kappa);

}  // namespace descent
