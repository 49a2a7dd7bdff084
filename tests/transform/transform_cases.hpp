// The table that drives the generic transform tests: for every optimizer and transform
// of the registry, one or more configurations, each a spec string (built through
// parse_transform, as users build them) paired with the scalar reference of the same
// algorithm. Hyperparameters are non-default, weight decay is nonzero wherever an
// optimizer has it, and several learning rates are schedules.
//
// registry_coverage_test.cpp checks that every registry optimizer and transform has a
// row here, so a newly registered optimizer fails the suite until it has a reference.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "descent/core/parameter_layout.hpp"
#include "descent/spec/registry.hpp"
#include "transform/muon_bounds.hpp"
#include "transform/reference_optimizers.hpp"

namespace descent::testing {

// Registry entries that refuse blocks of fewer than 2 dimensions (muon orthogonalizes
// matrices): the generic tests give them matrix_test_layout instead of a flat vector.
inline bool needs_matrix_blocks(const std::string& entry) { return entry == "muon" || entry == "lanton"; }

// Matrix blocks packing n elements, every block of 2 or more dimensions: a 3-d kernel
// {2, 2, 2} (a 2 x 4 matrix), a tall {q, 3} (iterated transposed), a wide {3, w} and a column
// for the rest; below 16 elements a {2, n/2} and a {1, 1} when n is odd. Three rows at most in
// the smaller dimension keep the Gram matrices small, the orthogonalization cheap on 1e5
// elements, and the rounding bound of muon_bounds.hpp moderate.
inline std::vector<std::vector<std::size_t>> matrix_test_shapes(std::size_t n) {
  std::vector<std::vector<std::size_t>> shapes;
  if (n < 16) {
    if (n >= 2) shapes.push_back({2, n / 2});
    if (n % 2 == 1) shapes.push_back({1, 1});
    return shapes;
  }
  shapes.push_back({2, 2, 2});
  std::size_t rest = n - 8;
  const std::size_t tall = rest / 6;
  shapes.push_back({tall, 3});
  rest -= 3 * tall;
  const std::size_t wide = rest / 3;
  shapes.push_back({3, wide});
  rest -= 3 * wide;
  if (rest > 0) shapes.push_back({rest, 1});
  return shapes;
}

inline ParameterLayout matrix_test_layout(std::size_t n) {
  ParameterLayout layout;
  const auto shapes = matrix_test_shapes(n);
  for (std::size_t k = 0; k < shapes.size(); ++k) layout.add("w" + std::to_string(k), shapes[k]);
  return layout;
}

// The layout the generic tests give `entry` for n parameters.
inline ParameterLayout test_layout(const std::string& entry, std::size_t n) {
  return needs_matrix_blocks(entry) ? matrix_test_layout(n) : ParameterLayout::flat(n);
}

struct TransformCase {
  std::string label;  // unique, a valid GoogleTest name
  std::string entry;  // registry entry it exercises
  std::string spec;   // the transform under test
  reference::Update reference;
  // False for the two-point heavy-ball reference, whose state (the previous parameters)
  // holds the same information as descent's momentum buffer in another form.
  bool slots_comparable = true;
  // True where an update element is a small difference of large terms by the algorithm's
  // nature (a simplex update sums to zero, so some of its elements are near 0): the update is
  // then compared relative to max(|update|, |p|), the scale of the weight it changes.
  bool update_relative_to_params = false;
  // Set for transforms that mix the elements of a block (muon): the comparisons with the
  // reference then go block by block of layout(n) in the Frobenius norm,
  //   ||d_B - ref_B|| <= block_bound(rows, cols, epsilon of T) ||ref_B||,
  // as no element-by-element relative bound holds through an orthogonalization's cancellations.
  double (*block_bound)(std::size_t rows, std::size_t cols, double eps) = nullptr;

  TransformPtr make() const { return parse_transform(spec); }
  ParameterLayout layout(std::size_t n) const { return test_layout(entry, n); }
};

inline const std::vector<TransformCase>& transform_cases() {
  namespace r = reference;
  static const std::vector<TransformCase> cases = {
      {"sgd", "sgd", "sgd(lr=0.05, weight_decay=0.1)", r::Sgd{r::constant_schedule(0.05), 0.1}},
      {"sgd_step_decay", "sgd", "sgd(lr=step_decay(init=0.05, every=2, gamma=0.5), weight_decay=0.1)",
       r::Sgd{r::step_decay_schedule(0.05, 2, 0.5), 0.1}},
      {"momentum", "momentum", "momentum(lr=0.05, momentum=0.8, weight_decay=0.1)", r::HeavyBall{0.05, 0.8, 0.1},
       false},
      {"sgd_momentum_cosine", "sgd", "sgd(lr=cosine(init=0.05, steps=4, end=0.01), momentum=0.8, weight_decay=0.1)",
       r::SgdMomentum{r::cosine_schedule(0.05, 4, 0.01), 0.8, 0.1}},
      {"nesterov", "nesterov", "nesterov(lr=0.05, momentum=0.8, weight_decay=0.1)",
       r::Nesterov{r::constant_schedule(0.05), 0.8, 0.1}},
      {"sgd_nesterov_exponential", "sgd",
       "sgd(lr=exponential(init=0.05, gamma=0.9), momentum=0.7, nesterov=true, weight_decay=0.05)",
       r::Nesterov{r::exponential_schedule(0.05, 0.9), 0.7, 0.05}},
      {"adam", "adam", "adam(lr=0.02, beta1=0.8, beta2=0.9995, eps=1e-6, weight_decay=0.1)",
       r::Adam{r::constant_schedule(0.02), 0.8, 0.9995, 1e-6, 0.1}},
      {"adam_warmup_cosine", "adam",
       "adam(lr=warmup(after=cosine(init=0.02, steps=6, end=0.002), steps=2, start=0.1), beta1=0.85, beta2=0.99, "
       "eps=1e-7, weight_decay=0.05)",
       r::Adam{r::warmup_schedule(r::cosine_schedule(0.02, 6, 0.002), 2, 0.1), 0.85, 0.99, 1e-7, 0.05}},
      {"adam_amsgrad", "adam", "adam(lr=0.02, beta1=0.7, beta2=0.99, eps=1e-6, weight_decay=0.1, amsgrad=true)",
       r::Adam{r::constant_schedule(0.02), 0.7, 0.99, 1e-6, 0.1, false, true}},
      {"adamw", "adamw", "adamw(lr=0.02, beta1=0.85, beta2=0.99, eps=1e-7, weight_decay=0.05)",
       r::Adam{r::constant_schedule(0.02), 0.85, 0.99, 1e-7, 0.05, true}},
      {"adamw_amsgrad_linear", "adamw",
       "adamw(lr=linear_decay(init=0.02, steps=4, end=0.005), beta1=0.8, beta2=0.9995, eps=1e-6, weight_decay=0.2, "
       "amsgrad=true)",
       r::Adam{r::linear_decay_schedule(0.02, 4, 0.005), 0.8, 0.9995, 1e-6, 0.2, true, true}},
      {"amsgrad", "amsgrad", "amsgrad(lr=0.02, beta1=0.8, beta2=0.9995, eps=1e-6, weight_decay=0.1)",
       r::Adam{r::constant_schedule(0.02), 0.8, 0.9995, 1e-6, 0.1, false, true}},
      {"adagrad", "adagrad", "adagrad(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator=0.2, eps=1e-6)",
       r::Adagrad{r::constant_schedule(0.1), 0.05, 0.1, 0.2, 1e-6}},
      {"adagrad_linear", "adagrad",
       "adagrad(lr=linear_decay(init=0.1, steps=4, end=0.02), lr_decay=0.1, weight_decay=0.05, eps=1e-8)",
       r::Adagrad{r::linear_decay_schedule(0.1, 4, 0.02), 0.1, 0.05, 0, 1e-8}},
      // With decay (its own reduction of g + wd p) and without (the direction's squared norm).
      {"adagrad_norm", "adagrad_norm", "adagrad_norm(lr=0.5, b0=0.3, weight_decay=0.1)",
       r::AdagradNorm{r::constant_schedule(0.5), 0.3, 0.1}},
      {"adagrad_norm_cosine", "adagrad_norm", "adagrad_norm(lr=cosine(init=0.5, steps=4, end=0.1), b0=2)",
       r::AdagradNorm{r::cosine_schedule(0.5, 4, 0.1), 2, 0}},
      {"rmsprop", "rmsprop", "rmsprop(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1)",
       r::Rmsprop{r::constant_schedule(0.01), 0.9, 1e-6, 0.1}},
      {"rmsprop_centered", "rmsprop", "rmsprop(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1, centered=true)",
       r::Rmsprop{r::constant_schedule(0.01), 0.9, 1e-6, 0.1, 0, true}},
      {"rmsprop_momentum", "rmsprop", "rmsprop(lr=0.01, alpha=0.95, eps=1e-7, weight_decay=0.05, momentum=0.7)",
       r::Rmsprop{r::constant_schedule(0.01), 0.95, 1e-7, 0.05, 0.7}},
      {"rmsprop_centered_momentum", "rmsprop",
       "rmsprop(lr=step_decay(init=0.01, every=3, gamma=0.3), alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.6, "
       "centered=true)",
       r::Rmsprop{r::step_decay_schedule(0.01, 3, 0.3), 0.9, 1e-6, 0.1, 0.6, true}},
      {"clip_by_value", "clip_by_value", "clip_by_value(limit=0.9)", r::ClipByValue{0.9}},
      // Active: the test directions have norm about sqrt(n) > 2. Inactive: far above it.
      {"clip_by_global_norm", "clip_by_global_norm", "clip_by_global_norm(max_norm=2)", r::ClipByGlobalNorm{2}},
      {"clip_by_global_norm_inactive", "clip_by_global_norm", "clip_by_global_norm(max_norm=1e6)",
       r::ClipByGlobalNorm{1e6}},
      {"weight_decay", "weight_decay", "weight_decay(rate=0.01)", r::WeightDecay{r::constant_schedule(0.01)}},
      {"weight_decay_exponential", "weight_decay", "weight_decay(rate=exponential(init=0.02, gamma=0.8))",
       r::WeightDecay{r::exponential_schedule(0.02, 0.8)}},
      // Sliding past the window (m = 3 in 5 steps), and static with a frozen and a renewed
      // window (steps 1-2 enter, 3-4 do not, 5 does). A damping of the order of ||d||^2 / m
      // keeps F^{-1} d well away from a small difference of large terms at these sizes.
      {"mfac", "mfac", "mfac(m=3, damping=10)", r::Mfac{3, 10}},
      {"mfac_static_refresh", "mfac", "mfac(m=2, damping=4, dynamic=false, refresh=4)", r::Mfac{2, 4, false, 4}},
      // Muon on matrix_test_layout, with and without Nesterov, two lr adjustments, a schedule.
      // weight_decay = 0.004 keeps decay ||W_B|| <= rate_B ||O_B|| / 2 on every block B of the
      // tests (muon_update_bound's condition): ||W_B||_F <= 1.4 sqrt(size_B) + 5 lr sqrt(3) 1.21,
      // at most 60 for the largest block (3 x 597), where the adjust_lr factor is >= 1 and
      // ||O_B|| >= 0.67 (p^5 over [1/sqrt(3), 1], checked in muon_test.cpp): 0.004 * 60 = 0.24
      // <= 0.335. The small blocks ({2, 2, 2}, {2, 1}, {1, 1}) have factors >= 0.2 under
      // match_rms_adamw and ||W_B|| <= 4: 0.016 <= 0.2 * 0.67 / 2.
      {"muon", "muon",
       "muon(lr=0.02, momentum=0.9, nesterov=true, weight_decay=0.004, adjust_lr=original, ns_steps=5, eps=1e-7)",
       r::Muon{matrix_test_shapes, r::constant_schedule(0.02), 0.9, true, 5, 1e-7, 0.004, "original"}, true, false,
       [](std::size_t rows, std::size_t cols, double eps) { return muon_update_bound(rows, cols, eps); }},
      {"muon_heavy_ball_cosine_match_rms", "muon",
       "muon(lr=cosine(init=0.02, steps=4, end=0.005), momentum=0.8, nesterov=false, weight_decay=0.004, "
       "adjust_lr=match_rms_adamw)",
       r::Muon{matrix_test_shapes, r::cosine_schedule(0.02, 4, 0.005), 0.8, false, 5, 1e-7, 0.004, "match_rms_adamw"},
       true, false, [](std::size_t rows, std::size_t cols, double eps) { return muon_update_bound(rows, cols, eps); }},
      // LANTON: Muon's bound plus the relative error of the block's rate eta_l. The rate is
      // lr ((alpha + H_min) / (alpha + H_l))^(1/4), H a convex combination of squared nuclear
      // norms, each computed in double from exact differences (of T values, rounded once in
      // double): so it errs relatively by at most lanton_rate_error (muon_bounds.hpp). Same
      // weight decay as muon's rows: eta_l <= lr keeps muon_update_bound's decay condition.
      {"lanton", "lanton",
       "lanton(lr=0.02, momentum=0.9, nesterov=true, weight_decay=0.004, adjust_lr=original, ns_steps=5, eps=1e-7, "
       "beta2=0.8, alpha=1e-4)",
       r::Lanton{matrix_test_shapes, r::constant_schedule(0.02), 0.9, true, 5, 1e-7, 0.004, "original", 0.8, 1e-4},
       true, false,
       [](std::size_t rows, std::size_t cols,
          double eps) { return muon_update_bound(rows, cols, eps) + lanton_rate_error(); }},
      {"lanton_heavy_ball_cosine_match_rms", "lanton",
       "lanton(lr=cosine(init=0.02, steps=4, end=0.005), momentum=0.8, nesterov=false, weight_decay=0.004, "
       "adjust_lr=match_rms_adamw, beta2=0.5)",
       r::Lanton{matrix_test_shapes, r::cosine_schedule(0.02, 4, 0.005), 0.8, false, 5, 1e-7, 0.004, "match_rms_adamw",
                 0.5, 1e-8},
       true, false,
       [](std::size_t rows, std::size_t cols,
          double eps) { return muon_update_bound(rows, cols, eps) + lanton_rate_error(); }},
      {"add_decayed_weights", "add_decayed_weights", "add_decayed_weights(coefficient=0.1)", r::AddDecayedWeights{0.1}},
      {"scale_by_schedule", "scale_by_schedule", "scale_by_schedule(schedule=exponential(init=0.5, gamma=0.9))",
       r::ScaleBySchedule{r::exponential_schedule(0.5, 0.9)}},
      {"scale_by_negative_constant", "scale_by_schedule", "scale_by_schedule(schedule=-0.3)",
       r::ScaleBySchedule{r::constant_schedule(-0.3)}},
      // Chains: a reducing member first (its own read-only pass), in the middle (its norm
      // taken from the previous pass's output), twice in a row, and last.
      {"chain_clip_adam_decay", "chain",
       "chain(clip_by_global_norm(max_norm=2), adam(lr=0.02, beta1=0.8, beta2=0.99, eps=1e-6), "
       "weight_decay(rate=0.01))",
       r::Chain{{r::ClipByGlobalNorm{2}, r::Adam{r::constant_schedule(0.02), 0.8, 0.99, 1e-6},
                 r::WeightDecay{r::constant_schedule(0.01)}}}},
      {"chain_adam_clip_scale", "chain",
       "chain(adam(lr=1, beta1=0.8, beta2=0.99, eps=1e-6), clip_by_global_norm(max_norm=0.5), "
       "scale_by_schedule(schedule=cosine(init=0.2, steps=4, end=0.05)))",
       r::Chain{{r::Adam{r::constant_schedule(1), 0.8, 0.99, 1e-6}, r::ClipByGlobalNorm{0.5},
                 r::ScaleBySchedule{r::cosine_schedule(0.2, 4, 0.05)}}}},
      {"chain_decay_clip_clip_rmsprop", "chain",
       "chain(add_decayed_weights(coefficient=0.1), clip_by_global_norm(max_norm=3), clip_by_global_norm(max_norm=2), "
       "rmsprop(lr=0.01, alpha=0.9, eps=1e-6, momentum=0.5))",
       r::Chain{{r::AddDecayedWeights{0.1}, r::ClipByGlobalNorm{3}, r::ClipByGlobalNorm{2},
                 r::Rmsprop{r::constant_schedule(0.01), 0.9, 1e-6, 0, 0.5}}}},
      // adagrad_norm reducing the previous pass's output, with decay (reading p there too),
      // and followed by another reducing member.
      {"chain_decay_adagrad_norm_clip", "chain",
       "chain(add_decayed_weights(coefficient=0.1), adagrad_norm(lr=0.5, b0=0.5, weight_decay=0.05), "
       "clip_by_global_norm(max_norm=0.2))",
       r::Chain{{r::AddDecayedWeights{0.1}, r::AdagradNorm{r::constant_schedule(0.5), 0.5, 0.05},
                 r::ClipByGlobalNorm{0.2}}}},
      // A global member between an element-wise pass and a reducing one, then an element-wise
      // member. No member after mfac keeps its output in a slot: the slots are compared element
      // by element, and an element of F^{-1} d may be a small difference of large terms.
      {"chain_decay_mfac_clip_scale", "chain",
       "chain(add_decayed_weights(coefficient=0.1), mfac(m=3, damping=10), clip_by_global_norm(max_norm=0.02), "
       "scale_by_schedule(schedule=-0.5))",
       r::Chain{{r::AddDecayedWeights{0.1}, r::Mfac{3, 10}, r::ClipByGlobalNorm{0.02},
                 r::ScaleBySchedule{r::constant_schedule(-0.5)}}}},
      {"optimism", "optimism", "optimism(strength=0.7)", r::Optimism{0.7}},
      {"optimism_after_sgd", "chain", "chain(sgd(lr=0.05, momentum=0.5), optimism(strength=1))",
       r::Chain{{r::SgdMomentum{r::constant_schedule(0.05), 0.5, 0}, r::Optimism{1}}}},
      {"optimism_after_adam", "chain", "chain(adam(lr=0.02, beta1=0.8, beta2=0.99, eps=1e-6), optimism(strength=0.5))",
       r::Chain{{r::Adam{r::constant_schedule(0.02), 0.8, 0.99, 1e-6}, r::Optimism{0.5}}}},
      // Continuized Nesterov's update is -lr g + (1 - alpha)(z+ - x+): a sum of terms of the
      // size of p and of the step z - p, and z+ - x+ = (z - p) + (lr - gamma') g is a small
      // difference once z and p approach each other. Each term is formed with a few roundings
      // (<= 6 u of |p| + |gamma' g| <= 2 |p| here: lr = 0.05, gamma' <= 0.32 at these steps, |g|
      // <= 1.6, |p| >= 0.6), so the update is compared relative to max(|u|, |p|): <= 12 u < 64 u.
      // z itself is not compared element by element (slots_comparable = false): its elements pass
      // near 0, where a relative comparison means nothing; every later update reads it, so an
      // error in z shows there.
      {"continuized_nesterov_strongly_convex", "continuized_nesterov", "continuized_nesterov(lr=0.05, mu=0.5, seed=7)",
       r::ContinuizedNesterov{0.05, 0.5, 7}, false, true},
      {"continuized_nesterov_convex", "continuized_nesterov", "continuized_nesterov(lr=0.05, mu=0, seed=3)",
       r::ContinuizedNesterov{0.05, 0, 3}, false, true},
      // Partition over the generic tests' flat layout (one unnamed vector block): the block
      // goes to the default when no pattern matches, to a group by its ndim otherwise, and the
      // partition's state holds the taking group's state as its one child. Multi-block layouts
      // are tested in partition_test.cpp.
      {"partition_default_adam", "partition",
       "partition(group(match='w*', ndim=-1, transform=sgd(lr=1)), default=adam(lr=0.02, beta1=0.8, beta2=0.99, "
       "eps=1e-6, weight_decay=0.1))",
       r::Chain{{r::Adam{r::constant_schedule(0.02), 0.8, 0.99, 1e-6, 0.1}}}},
      {"partition_ndim_chain", "partition",
       "partition(group(ndim=1, transform=chain(clip_by_global_norm(max_norm=2), rmsprop(lr=0.01, alpha=0.9, "
       "eps=1e-6))), default=sgd)",
       r::Chain{{r::Chain{{r::ClipByGlobalNorm{2}, r::Rmsprop{r::constant_schedule(0.01), 0.9, 1e-6}}}}}},
      {"chain_value_sgd_clip_last", "chain",
       "chain(clip_by_value(limit=1.2), nesterov(lr=0.05, momentum=0.6), clip_by_global_norm(max_norm=0.05))",
       r::Chain{{r::ClipByValue{1.2}, r::Nesterov{r::constant_schedule(0.05), 0.6, 0}, r::ClipByGlobalNorm{0.05}}}},
      // diffGrad: the friction 1 / (1 + exp(-|g_prev - g|)) has slope <= 1/4 and value >= 1/2,
      // so the rounding of g_prev - g enters the update relatively at most 1/2 as much: Adam's bound holds.
      {"diffgrad", "diffgrad", "diffgrad(lr=0.02, beta1=0.8, beta2=0.9995, eps=1e-6, weight_decay=0.1)",
       r::DiffGrad{r::constant_schedule(0.02), 0.8, 0.9995, 1e-6, 0.1}},
      {"diffgrad_cosine", "diffgrad", "diffgrad(lr=cosine(init=0.02, steps=4, end=0.002), beta1=0.7, beta2=0.99)",
       r::DiffGrad{r::cosine_schedule(0.02, 4, 0.002), 0.7, 0.99, 1e-8, 0}},
      // Coordinate-wise clipping on 7 coordinates: floor(7 * 0.3) = 2 and floor(7 * 0.5) = 3 clipped;
      // floor(7 * 0.1) = 0 leaves the direction unchanged.
      {"coordinate_clip", "coordinate_clip", "coordinate_clip(fraction=0.3)", r::CoordinateClip{0.3}},
      {"coordinate_clip_half", "coordinate_clip", "coordinate_clip(fraction=0.5)", r::CoordinateClip{0.5}},
      {"coordinate_clip_none", "coordinate_clip", "coordinate_clip(fraction=0.1)", r::CoordinateClip{0.1}},
      // Noise injection: the update plus sigma (z_t - z_{t-1}) or sigma z_t, one rounding of a sum
      // of terms no larger than a few sigma (no cancellation beyond the noise's own).
      {"perturb_anticorrelated", "perturb", "perturb(sigma=0.3, kind=anticorrelated, seed=5)",
       r::Perturb{0.3, true, 5}},
      {"perturb_independent_after_sgd", "chain", "chain(sgd(lr=0.05), perturb(sigma=0.2, kind=independent, seed=2))",
       r::Chain{{r::Sgd{r::constant_schedule(0.05), 0}, r::Perturb{0.2, false, 2}}}},
      {"normalize", "normalize", "normalize(eps=1e-6)", r::Normalize{1e-6}},
      // exp(-lr g) - 1 in [-0.53, -0.22] for lr = 0.5 and g in [0.5, 1.5]: no cancellation.
      {"exponentiated_gradient", "exponentiated_gradient", "exponentiated_gradient(lr=0.5)",
       r::ExponentiatedGradient{r::constant_schedule(0.5)}},
      {"exponentiated_gradient_exponential", "exponentiated_gradient",
       "exponentiated_gradient(lr=exponential(init=0.8, gamma=0.7))",
       r::ExponentiatedGradient{r::exponential_schedule(0.8, 0.7)}},
      // The simplex update u_i = p_i (e^{x_i} - 1), x_i = -lr g_i - log Z, sums to 0 once p is on
      // the simplex, so some u_i are near 0: it is compared relative to max(|u_i|, p_i), one step at
      // a time (update_relative_to_params). Relative to p_i, descent's error is p_i e^{x_i} |dx_i|
      // + 2u with dx_i <= u (|lr g_i| + 2 |log Z| + 22) (product, log of a 7-term sum of exps,
      // subtraction); here lr g <= 1.5, |log Z| <= 1.6 (log Z in [0.29, 1.6] at the first step,
      // where sum p = 7.1, and in [-1.5, -0.5] on the simplex), and e^{x_i} <= e^{lr (max g - min g)}
      // = e. The reference's p e^{-lr g} / Z - p errs by e^{x_i} (lr g + 1 + 8 + 1) u + u relative to
      // p_i. Together <= e (26.7 + 11.5) u + 3u = 107 u = 54 eps < 64 eps in double; in float the
      // exponent is formed in double from the float inputs and only the final rounding is float's.
      {"exponentiated_gradient_simplex", "exponentiated_gradient", "exponentiated_gradient(lr=1, simplex=true)",
       r::ExponentiatedGradient{r::constant_schedule(1), true}, true, true},
      {"chain_coordinate_clip_sgd", "chain", "chain(coordinate_clip(fraction=0.3), sgd(lr=0.05, momentum=0.5))",
       r::Chain{{r::CoordinateClip{0.3}, r::SgdMomentum{r::constant_schedule(0.05), 0.5, 0}}}},
      {"chain_normalize_sgd", "chain", "chain(normalize(eps=1e-12), sgd(lr=0.1))",
       r::Chain{{r::Normalize{1e-12}, r::Sgd{r::constant_schedule(0.1), 0}}}},
      {"chain_clip_exponentiated_gradient_simplex", "chain",
       "chain(clip_by_value(limit=1.2), exponentiated_gradient(lr=1, simplex=true))",
       r::Chain{{r::ClipByValue{1.2}, r::ExponentiatedGradient{r::constant_schedule(1), true}}}, true, true},
  };
  return cases;
}

// GoogleTest prints a failing parameter with this (the spec says all there is to know).
inline void PrintTo(const TransformCase& c, std::ostream* os) { *os << c.spec; }

// GoogleTest parameter name: the case's label.
struct CaseLabel {
  template <class Info>
  std::string operator()(const Info& info) const {
    return info.param.label;
  }
};

}  // namespace descent::testing
