// The transform axis's entries: optimizers, transforms and schedules, each documented
// from its Options struct's field table.
#include "descent/transform/adagrad.hpp"
#include "descent/transform/adagrad_norm.hpp"
#include "descent/transform/adam.hpp"
#include "descent/transform/chain.hpp"
#include "descent/transform/clip_by_global_norm.hpp"
#include "descent/transform/clip_by_value.hpp"
#include "descent/transform/continuized_nesterov.hpp"
#include "descent/transform/coordinate_clip.hpp"
#include "descent/transform/diffgrad.hpp"
#include "descent/transform/exponentiated_gradient.hpp"
#include "descent/transform/lanton.hpp"
#include "descent/transform/mfac.hpp"
#include "descent/transform/muon.hpp"
#include "descent/transform/normalize.hpp"
#include "descent/transform/optimism.hpp"
#include "descent/transform/partition.hpp"
#include "descent/transform/perturb.hpp"
#include "descent/transform/rmsprop.hpp"
#include "descent/transform/scale_by_schedule.hpp"
#include "descent/transform/schedule_options.hpp"
#include "descent/transform/sgd.hpp"
#include "descent/transform/table_schedule.hpp"
#include "descent/transform/weight_decay.hpp"
#include "entry.hpp"

namespace descent::spec_detail {

// chain(t1, t2, ...): positional transforms only; the Chain flattens nested chains.
Entry chain_entry() {
  Entry e;
  e.doc.name = "chain";
  e.doc.kind = EntryKind::transform;
  e.doc.summary = "applies its transforms in order, each to the output of the one before (nested chains flatten)";
  e.doc.reference = "-";
  ParameterDoc members;
  members.name = "transforms";
  members.type = "transforms";
  members.doc = "any number of positional optimizer or transform calls, e.g. chain(clip_by_global_norm(1), adam)";
  e.doc.parameters.push_back(members);
  e.make = Make<TransformPtr>([](const SpecCall& call, const Source& src) {
    std::vector<TransformPtr> parts;
    for (const auto& arg : call.args) {
      if (arg.key)
        src.fail("'chain' takes only positional transforms, found the named argument '" + *arg.key + "'", arg.column);
      const auto* member = std::get_if<std::shared_ptr<SpecCall>>(&arg.value.value);
      if (!member)
        src.fail("'chain' takes transforms (e.g. adam(lr=1e-3)), found " + describe_value(arg.value), arg.value.column);
      parts.push_back(build_transform(**member, src));
    }
    return chain(std::move(parts));
  });
  return e;
}

// group(match, transform, ndim): one rule of a partition. Positional arguments are told
// apart by their type (a quoted string is the pattern, a call the transform), so both
// group('*.bias', adam) and group(muon, ndim=2) read naturally.
PartitionGroup build_group(const SpecCall& call, const Source& src) {
  if (call.name != "group")
    src.fail("'partition' takes group(...) rules and default=<transform>, found a call to '" + call.name +
                 "' (write group('*', " + call.name + "(...)) or default=" + call.name + "(...))",
             call.column);
  PartitionGroup g;
  g.transform = nullptr;
  bool match_set = false, ndim_set = false;
  for (const auto& arg : call.args) {
    const auto* text = std::get_if<SpecString>(&arg.value.value);
    const auto* member = std::get_if<std::shared_ptr<SpecCall>>(&arg.value.value);
    const auto* number = std::get_if<double>(&arg.value.value);
    std::string key;
    if (arg.key) {
      key = *arg.key;
    } else if (text) {
      key = "match";
    } else if (member) {
      key = "transform";
    } else {
      src.fail("'group' takes a quoted name pattern, a transform and ndim=, found " + describe_value(arg.value),
               arg.value.column);
    }
    if (key == "match") {
      if (!text)
        src.fail(
            "argument 'match' of 'group' expects a quoted pattern such as '*.bias', found " + describe_value(arg.value),
            arg.value.column);
      if (match_set) src.fail("'group' got two patterns", arg.column);
      g.match = text->text;
      match_set = true;
    } else if (key == "transform") {
      if (!member)
        src.fail("argument 'transform' of 'group' expects a transform (e.g. adam(lr=1e-3)), found " +
                     describe_value(arg.value),
                 arg.value.column);
      if (g.transform) src.fail("'group' got two transforms", arg.column);
      g.transform = build_transform(**member, src);
    } else if (key == "ndim") {
      if (!number || *number != std::floor(*number) || *number < -1 || *number > 64)
        src.fail(
            "argument 'ndim' of 'group' expects an integer from -1 (any) to 64, found " + describe_value(arg.value),
            arg.value.column);
      if (ndim_set) src.fail("'group' got two values for ndim", arg.column);
      g.ndim = static_cast<int>(*number);
      ndim_set = true;
    } else {
      src.fail("'group' has no argument '" + key + "' (it takes match, transform and ndim)", arg.column);
    }
  }
  if (!g.transform) src.fail("'group' needs a transform, e.g. group('*.bias', adam(lr=1e-3))", call.column);
  return g;
}

// partition(group(...), ..., default=<transform>).
Entry partition_entry() {
  Entry e;
  e.doc.name = "partition";
  e.doc.kind = EntryKind::transform;
  e.doc.summary =
      "a transform per group of parameter blocks: each block goes to the first group(match, transform, ndim) whose "
      "name glob and number of dimensions fit it, else to default (as optax's multi_transform or torch's parameter "
      "groups)";
  e.doc.reference = "-";
  ParameterDoc groups;
  groups.name = "groups";
  groups.type = "groups";
  groups.doc =
      "positional group(match, transform, ndim=-1) rules, tried in order: match is a quoted glob on the block name "
      "('*' any run of characters, '?' one), ndim the block's number of dimensions (-1 any), e.g. "
      "group('*.bias', adam(lr=1e-3)), group(muon, ndim=2)";
  e.doc.parameters.push_back(groups);
  ParameterDoc fallback;
  fallback.name = "default";
  fallback.type = "transform";
  fallback.doc = "the transform of every block no group takes; without it such a block is an error";
  e.doc.parameters.push_back(fallback);
  e.make = Make<TransformPtr>([](const SpecCall& call, const Source& src) {
    std::vector<PartitionGroup> rules;
    TransformPtr fallback;
    for (const auto& arg : call.args) {
      const auto* member = std::get_if<std::shared_ptr<SpecCall>>(&arg.value.value);
      if (arg.key) {
        if (*arg.key != "default")
          src.fail("'partition' has no argument '" + *arg.key + "' (it takes group(...) rules and default=)",
                   arg.column);
        if (!member)
          src.fail("argument 'default' of 'partition' expects a transform, found " + describe_value(arg.value),
                   arg.value.column);
        if (fallback) src.fail("'partition' got two defaults", arg.column);
        fallback = build_transform(**member, src);
        continue;
      }
      if (!member) src.fail("'partition' takes group(...) rules, found " + describe_value(arg.value), arg.value.column);
      rules.push_back(build_group(**member, src));
    }
    if (rules.empty() && !fallback) src.fail("'partition' needs at least one group(...) or a default=", call.column);
    return partition(std::move(rules), std::move(fallback));
  });
  return e;
}

// table('schedule.txt', peak=0.1): a schedule file's multipliers times peak. A custom entry
// because a file name is a quoted string, which no Options field holds.
Entry table_schedule_entry() {
  Entry e;
  e.doc.name = "table";
  e.doc.kind = EntryKind::schedule;
  e.doc.options = "TableScheduleOptions";
  e.doc.summary =
      "peak * m_k, m_k the k-th multiplier of a schedule file (one per line, '#' comments; the last holds after "
      "the end), e.g. a schedule written by `descent refine-schedule`";
  e.doc.reference =
      "Defazio, Cutkosky, Mehta & Mishchenko, Optimal Linear Decay Learning Rate Schedules and Further Refinements, "
      "arXiv:2310.07831 (refined schedules)";
  ParameterDoc file;
  file.name = "file";
  file.type = "quoted path";
  file.doc = "the schedule file, relative to the working directory";
  e.doc.parameters.push_back(file);
  ParameterDoc peak;
  peak.name = "peak";
  peak.type = "number";
  peak.default_value = "1";
  peak.constraint = "peak > 0";
  peak.has_constraint = true;
  peak.outside = 0;
  peak.doc = "value = peak * m_k (the refined multipliers have maximum 1)";
  e.doc.parameters.push_back(peak);
  e.make = Make<SchedulePtr>([](const SpecCall& call, const Source& src) {
    std::optional<std::string> path;
    double peak = 1;
    bool peak_set = false;
    for (std::size_t i = 0; i < call.args.size(); ++i) {
      const auto& arg = call.args[i];
      const std::string key = arg.key ? *arg.key : (i == 0 ? "file" : i == 1 ? "peak" : "");
      if (key == "file") {
        const auto* text = std::get_if<SpecString>(&arg.value.value);
        if (!text)
          src.fail("argument 'file' of 'table' expects a quoted path such as 'schedule.txt', found " +
                       describe_value(arg.value),
                   arg.value.column);
        if (path) src.fail("'table' got two files", arg.column);
        path = text->text;
      } else if (key == "peak") {
        const auto* number = std::get_if<double>(&arg.value.value);
        if (!number)
          src.fail("argument 'peak' of 'table' expects a number, found " + describe_value(arg.value), arg.value.column);
        if (peak_set) src.fail("'table' got two values for peak", arg.column);
        peak = *number;
        peak_set = true;
      } else {
        src.fail(key.empty() ? "'table' takes at most 2 positional arguments (file, peak)"
                             : "'table' has no argument '" + key + "' (it takes file and peak)",
                 arg.column);
      }
    }
    if (!path) src.fail("'table' needs a quoted file, e.g. table('schedule.txt', peak=0.1)", call.column);
    return table_schedule(*path, peak);
  });
  return e;
}

std::vector<Entry> transform_entries() {
  using K = EntryKind;
  std::vector<Entry> v;
  // Optimizers.
  v.push_back(options_entry<TransformPtr>(
      "adagrad", K::optimizer, "AdaGrad: per-coordinate steps divided by the root of the summed squared gradients",
      "Duchi, Hazan & Singer, JMLR 2011", AdagradOptions{}, [](const AdagradOptions& o) { return adagrad(o); }));
  v.push_back(options_entry<TransformPtr>(
      "adagrad_norm", K::optimizer,
      "AdaGrad-Norm: one step size for all coordinates, lr divided by the root of the summed squared gradient norms",
      "Ward, Wu & Bottou, AdaGrad stepsizes: sharp convergence over nonconvex landscapes, ICML 2019 / JMLR 2020",
      AdagradNormOptions{}, [](const AdagradNormOptions& o) { return adagrad_norm(o); }));
  v.push_back(options_entry<TransformPtr>(
      "adam", K::optimizer, "Adam: bias-corrected estimates of the gradient's first two moments",
      "Kingma & Ba, ICLR 2015", AdamOptions{}, [](const AdamOptions& o) { return adam(o); }));
  v.push_back(options_entry<TransformPtr>(
      "adamw", K::optimizer, "AdamW: Adam with decoupled weight decay (default 0.01)", "Loshchilov & Hutter, ICLR 2019",
      AdamOptions{.weight_decay = 1e-2}, [](const AdamOptions& o) { return adamw(o); }));
  v.push_back(options_entry<TransformPtr>("amsgrad", K::optimizer,
                                          "AMSGrad: Adam dividing by the running maximum of the second moment",
                                          "Reddi, Kale & Kumar, ICLR 2018", AdamOptions{.amsgrad = true},
                                          [](const AdamOptions& o) { return amsgrad(o); }, {"amsgrad"}));
  v.push_back(options_entry<TransformPtr>("momentum", K::optimizer, "SGD with heavy-ball momentum (default 0.9)",
                                          "Polyak, USSR Comput. Math. Math. Phys. 1964", SgdOptions{.momentum = 0.9},
                                          [](const SgdOptions& o) { return sgd(o); }, {"nesterov"}));
  v.push_back(options_entry<TransformPtr>("nesterov", K::optimizer, "SGD with Nesterov momentum (default 0.9)",
                                          "Sutskever, Martens, Dahl & Hinton, ICML 2013",
                                          SgdOptions{.momentum = 0.9, .nesterov = true},
                                          [](const SgdOptions& o) { return sgd(o); }, {"nesterov"}));
  v.push_back(options_entry<TransformPtr>(
      "continuized_nesterov", K::optimizer,
      "continuized Nesterov acceleration: x and z mix continuously and step at the times of a Poisson clock (lr = "
      "1/L; mu > 0 for the strongly convex rate)",
      "Even, Berthier, Bach, Flammarion, Gaillard, Hendrikx, Massoulie & Taylor, NeurIPS 2021",
      ContinuizedNesterovOptions{}, [](const ContinuizedNesterovOptions& o) { return continuized_nesterov(o); }));
  v.push_back(options_entry<TransformPtr>("rmsprop", K::optimizer,
                                          "RMSProp: steps divided by a running root mean square of the gradients",
                                          "Tieleman & Hinton, Coursera lecture 6.5, 2012", RmspropOptions{},
                                          [](const RmspropOptions& o) { return rmsprop(o); }));
  v.push_back(options_entry<TransformPtr>(
      "sgd", K::optimizer, "stochastic gradient descent, optionally with (Nesterov) momentum",
      "Robbins & Monro, Ann. Math. Statist. 1951", SgdOptions{}, [](const SgdOptions& o) { return sgd(o); }));
  v.push_back(options_entry<TransformPtr>(
      "muon", K::optimizer,
      "Muon: momentum orthogonalized by Newton-Schulz per weight matrix (matrix blocks only: route biases and other "
      "vectors elsewhere with partition(group(ndim=2, muon(lr=0.02)), default=adamw(lr=1e-3)))",
      "Jordan et al., Muon: An optimizer for hidden layers in neural networks, 2024; Liu et al., Muon is Scalable "
      "for LLM Training, 2025 (match_rms_adamw)",
      MuonOptions{}, [](const MuonOptions& o) { return muon(o); }));
  v.push_back(options_entry<TransformPtr>(
      "lanton", K::optimizer,
      "LANTON: Muon with noise-adaptive layerwise learning rates, each matrix block's rate scaled down by its "
      "gradient noise in the nuclear norm (matrix blocks only, as muon)",
      "Hao, Gong, Xu, Wang & Liu, Noise-Adaptive Layerwise Learning Rates, arXiv 2510.14009, 2025", LantonOptions{},
      [](const LantonOptions& o) { return lanton(o); }));
  // Transforms.
  v.push_back(options_entry<TransformPtr>(
      "add_decayed_weights", K::transform,
      "coupled L2 decay: adds coefficient * p to the gradient (put it before an optimizer)", "-",
      AddDecayedWeightsOptions{},
      [](const AddDecayedWeightsOptions& o) { return add_decayed_weights(o.coefficient); }));
  v.push_back(chain_entry());
  v.push_back(options_entry<TransformPtr>(
      "clip_by_global_norm", K::transform, "rescales the whole direction to a Euclidean norm of at most max_norm",
      "Pascanu, Mikolov & Bengio, ICML 2013", ClipByGlobalNormOptions{},
      [](const ClipByGlobalNormOptions& o) { return clip_by_global_norm(o.max_norm); }));
  v.push_back(options_entry<TransformPtr>("clip_by_value", K::transform, "clamps every coordinate to [-limit, limit]",
                                          "-", ClipByValueOptions{},
                                          [](const ClipByValueOptions& o) { return clip_by_value(o.limit); }));
  v.push_back(options_entry<TransformPtr>(
      "mfac", K::transform,
      "M-FAC: multiplies the direction by the inverse of damping I + (1/m) sum g_i g_i^T over a window of the last "
      "m directions (put it before an optimizer: chain(mfac(m=16), sgd(lr=1e-3, momentum=0.9)))",
      "Frantar, Kurtic & Alistarh, M-FAC: Efficient Matrix-Free Approximations of Second-Order Information, "
      "NeurIPS 2021",
      MfacOptions{}, [](const MfacOptions& o) { return mfac(o); }));
  v.push_back(options_entry<TransformPtr>(
      "optimism", K::transform,
      "extrapolates the update before it by the previous one: (1 + c) u_t - c u_{t-1} (after sgd: optimistic GD; "
      "after adam: Optimistic Adam)",
      "Rakhlin & Sridharan, NeurIPS 2013; Daskalakis, Ilyas, Syrgkanis & Zeng, ICLR 2018", OptimismOptions{},
      [](const OptimismOptions& o) { return optimism(o); }));
  v.push_back(partition_entry());
  v.push_back(options_entry<TransformPtr>(
      "scale_by_schedule", K::transform, "multiplies the update by a schedule's value s(t)", "-",
      ScaleByScheduleOptions{}, [](const ScaleByScheduleOptions& o) { return scale_by_schedule(o.schedule); }));
  v.push_back(options_entry<TransformPtr>(
      "weight_decay", K::transform,
      "decoupled weight decay: subtracts rate * p from the update (put it after an optimizer)",
      "Loshchilov & Hutter, ICLR 2019", WeightDecayOptions{},
      [](const WeightDecayOptions& o) { return weight_decay(o); }));
  // diffGrad, exponentiated gradient, coordinate-wise clipping and normalization (issue 15).
  v.push_back(options_entry<TransformPtr>(
      "diffgrad", K::optimizer,
      "diffGrad: Adam whose first moment is damped per coordinate by 1 / (1 + exp(-|g_prev - g|)), in [1/2, 1)",
      "Dubey et al., diffGrad: An Optimization Method for Convolutional Neural Networks, IEEE TNNLS 2020",
      DiffGradOptions{}, [](const DiffGradOptions& o) { return diffgrad(o); }));
  v.push_back(options_entry<TransformPtr>(
      "exponentiated_gradient", K::optimizer,
      "multiplicative updates for positive weights: p <- p exp(-lr g), divided by the sum on the simplex "
      "(simplex=true); put it last in a chain",
      "Kivinen & Warmuth, Exponentiated Gradient versus Gradient Descent for Linear Predictors, Inf. Comput. 1997",
      ExponentiatedGradientOptions{}, [](const ExponentiatedGradientOptions& o) { return exponentiated_gradient(o); }));
  v.push_back(options_entry<TransformPtr>(
      "coordinate_clip", K::transform,
      "clips the floor(fraction * n) coordinates largest in magnitude to the next largest magnitude (a quantile of "
      "|d| over all coordinates)",
      "Pan & Li, Toward Understanding Why Adam Converges Faster Than SGD for Transformers, 2023",
      CoordinateClipOptions{}, [](const CoordinateClipOptions& o) { return coordinate_clip(o.fraction); }));
  v.push_back(options_entry<TransformPtr>(
      "normalize", K::transform,
      "divides the direction by its Euclidean norm: chain(normalize, sgd(lr=eta)) is normalized gradient descent",
      "Nacson et al., Convergence of Gradient Descent on Separable Data, AISTATS 2019", NormalizeOptions{},
      [](const NormalizeOptions& o) { return normalize(o); }));
  v.push_back(options_entry<TransformPtr>(
      "perturb", K::transform,
      "adds Gaussian noise to the update (put it after an optimizer): xi_t - xi_{t-1} (anticorrelated, Anti-PGD) or "
      "xi_t (independent, PGD), xi_t ~ N(0, sigma^2 I) iid from a counter-based stream",
      "Orvieto, Kersting, Proske, Bach & Lucchi, Anticorrelated Noise Injection for Improved Generalization, ICML 2022",
      PerturbOptions{}, [](const PerturbOptions& o) { return perturb(o); }));
  // Schedules.
  auto schedule = [](const auto& o) { return make_schedule(o); };
  v.push_back(options_entry<SchedulePtr>("constant", K::schedule, "the same value at every step", "-",
                                         ConstantScheduleOptions{}, schedule));
  v.push_back(options_entry<SchedulePtr>(
      "cosine", K::schedule, "end + (init - end) * (1 + cos(pi * min(t, steps) / steps)) / 2",
      "Loshchilov & Hutter, ICLR 2017 (SGDR, one cycle)", CosineOptions{}, schedule));
  v.push_back(
      options_entry<SchedulePtr>("exponential", K::schedule, "init * gamma^t", "-", ExponentialOptions{}, schedule));
  v.push_back(options_entry<SchedulePtr>("linear_decay", K::schedule, "end + (init - end) * max(0, 1 - t / steps)", "-",
                                         LinearDecayOptions{}, schedule));
  v.push_back(options_entry<SchedulePtr>("step_decay", K::schedule, "init * gamma^floor(t / every)", "-",
                                         StepDecayOptions{}, schedule));
  v.push_back(options_entry<SchedulePtr>(
      "warmup", K::schedule,
      "rises linearly from start * after(0) to after(0) over steps, then follows after(t - steps)",
      "Goyal et al., arXiv:1706.02677, 2017", WarmupOptions{}, schedule));
  // Warmup-stable-decay and file-driven (refined) schedules.
  v.push_back(options_entry<SchedulePtr>(
      "wsd", K::schedule,
      "warmup-stable-decay: linear rise over warmup steps, init until the last decay steps of steps, then a "
      "linear, cosine or 1 - sqrt decay to end",
      "Hu et al., MiniCPM, arXiv:2404.06395, 2024; Hagele et al., Scaling Laws and Compute-Optimal Training "
      "Beyond Fixed Training Durations, NeurIPS 2024 (1 - sqrt)",
      WsdOptions{}, schedule));
  v.push_back(table_schedule_entry());
  return v;
}

}  // namespace descent::spec_detail
