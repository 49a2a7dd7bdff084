// The estimator axis's entries: spec names -> estimator factories, documented from the
// options' field tables like every other kind.
#include <memory>

#include "descent/distributed/diff2.hpp"
#include "descent/distributed/gradient_coded_estimator.hpp"
#include "descent/estimator/adaptive_batch.hpp"
#include "descent/estimator/adaptive_loopless_svrg.hpp"
#include "descent/estimator/dp_sgd.hpp"
#include "descent/estimator/full_gradient.hpp"
#include "descent/estimator/igt.hpp"
#include "descent/estimator/importance_sampling.hpp"
#include "descent/estimator/label_noise.hpp"
#include "descent/estimator/loopless_svrg.hpp"
#include "descent/estimator/micro_batch_aggregation.hpp"
#include "descent/estimator/minibatch.hpp"
#include "descent/estimator/saga.hpp"
#include "descent/estimator/sam.hpp"
#include "descent/estimator/svrg.hpp"
#include "entry.hpp"

namespace descent::spec_detail {

namespace {

// Minibatch's spec options (its C++ options also carry the seed, which a spec does not).
struct MinibatchSpecOptions {
  static constexpr const char* kName = "MinibatchOptions";
  std::int64_t batch_size = 32;
  static const std::vector<Field<MinibatchSpecOptions>>& fields() {
    static const std::vector<Field<MinibatchSpecOptions>> f = {
        {"batch_size", &MinibatchSpecOptions::batch_size, Range::at_least(1),
         "samples per step, in shuffled epochs (without replacement)"}};
    return f;
  }
};

struct NoOptions {
  static constexpr const char* kName = "FullGradientOptions";
  static const std::vector<Field<NoOptions>>& fields() {
    static const std::vector<Field<NoOptions>> f;
    return f;
  }
};

// Binding, validation and the canonical spec (the bare name for an estimator without
// options) are out of line for the reason of option_binding.hpp's set_schedule: inlined for
// an Options without fields, g++ 12 warns -Warray-bounds about member reads it cannot prove
// unreachable.
template <class Options>
[[gnu::noinline]] Options bound_options(const SpecCall& call, const Source& src) {
  const Options options = bind(call, Options{}, {}, src);
  validate(options);
  return options;
}

template <class Options>
[[gnu::noinline]] std::string canonical_of(const std::string& name, const Options& options) {
  return Options::fields().empty() ? name : to_spec(name, options);
}

// `build<T>(options, seed)` makes the estimator. The canonical spec is written from the
// spec's options (not the estimator's spec(), which may describe more, as minibatch's names
// its sampler), so that it always parses back.
template <class Options, class Build>
Entry estimator_entry(std::string name, std::string summary, std::string reference, Build build) {
  Entry e;
  e.doc = {
      name,          EntryKind::estimator, std::move(summary), std::move(reference), describe_fields(Options{}, {}),
      Options::kName};
  e.make = Make<EstimatorSpec>([name, build](const SpecCall& call, const Source& src) {
    const Options options = bound_options<Options>(call, src);
    auto make_float = [build, options](std::uint64_t seed) { return build.template operator()<float>(options, seed); };
    auto make_double = [build, options](std::uint64_t seed) {
      return build.template operator()<double>(options, seed);
    };
    return EstimatorSpec(canonical_of(name, options), make_float, make_double);
  });
  return e;
}

}  // namespace

std::vector<Entry> estimator_entries() {
  std::vector<Entry> v;
  v.push_back(estimator_entry<AdaptiveBatchOptions>(
      "adaptive_batch",
      "minibatch gradient whose batch grows when a variance test on its per-sample gradients fails (0 norm, 1 "
      "inner product, 2 coordinate-wise); with adagrad / adagrad_norm: AdAdaGrad / AdAdaGrad-Norm",
      "Lau, Liu & Kolar (AdAdaGrad), 2024; Byrd et al., Math. Prog. 2012; Bollapragada, Byrd & Nocedal, SIOPT 2018",
      []<class T>(const AdaptiveBatchOptions& o, std::uint64_t seed) -> EstimatorPtr<T> {
        return std::make_shared<AdaptiveBatch<T>>(o, seed);
      }));
  v.push_back(estimator_entry<Diff2Options>(
      "diff2",
      "DIFF2-GD on simulated clients (Algorithms 1-3): each client sends the clipped mean of its gradients every "
      "restart-th step and the clipped mean of its gradient differences between consecutive iterates (radius "
      "proportional to the step) otherwise, each with its share of Gaussian noise; the server averages them "
      "(weight 1/P) and accumulates them (SARAH-style) into a private gradient whose noise shrinks with the step; "
      "record-level DP of the average",
      "Murata & Suzuki, ICML 2023 (arXiv:2302.03884)",
      []<class T>(const Diff2Options& o, std::uint64_t seed) -> EstimatorPtr<T> {
        return std::make_shared<Diff2<T>>(o, seed);
      }));
  v.push_back(estimator_entry<DpSgdOptions>(
      "dp_sgd",
      "differentially private SGD: per-sample gradients clipped to clip_norm (ghost clipping on models), Gaussian "
      "noise of std noise_multiplier * clip_norm on their sum, divided by the expected batch size; Poisson or "
      "shuffled batches; any transform after it (dp_sgd + adam = DP-Adam)",
      "Abadi et al., CCS 2016; Goodfellow, arXiv:1510.01799 (per-example norms); Li et al., ICLR 2022 (ghost "
      "clipping)",
      []<class T>(const DpSgdOptions& o, std::uint64_t seed) -> EstimatorPtr<T> {
        return std::make_shared<DpSgd<T>>(o, seed);
      }));
  v.push_back(estimator_entry<NoOptions>(
      "full_gradient", "the exact gradient grad f(x); one pass over the data of a finite sum", "-",
      []<class T>(const NoOptions&, std::uint64_t) -> EstimatorPtr<T> { return std::make_shared<FullGradient<T>>(); }));
  v.push_back(estimator_entry<GradientCodedOptions>(
      "gradient_coded",
      "the full (or minibatch) gradient from a simulated cluster of n workers of which s may straggle: each worker "
      "sends a coded combination of s + 1 partitions' gradients, the master decodes the exact sum from the first "
      "n - s answers; reports simulated time per step",
      "Tandon, Lei, Dimakis & Karampatziakis, ICML 2017",
      []<class T>(const GradientCodedOptions& o, std::uint64_t seed) -> EstimatorPtr<T> {
        return std::make_shared<GradientCoded<T>>(o, seed);
      }));
  v.push_back(estimator_entry<ImportanceSamplingOptions>(
      "importance",
      "importance sampling: p_i proportional to the last seen |grad f_i| (mixed with uniform), unbiased by 1/(n p_i)",
      "Lu et al. (PA&DA), CVPR 2023",
      []<class T>(const ImportanceSamplingOptions& o, std::uint64_t seed) -> EstimatorPtr<T> {
        return std::make_shared<ImportanceSampling<T>>(o, seed);
      }));
  v.push_back(estimator_entry<LabelNoiseOptions>(
      "label_noise",
      "minibatch gradient at labels noised afresh each step: y + sigma N(0, 1) (regression), or another class "
      "drawn uniformly with probability flip_probability (classification)",
      "Damian, Ma & Lee, NeurIPS 2021", []<class T>(const LabelNoiseOptions& o, std::uint64_t seed) -> EstimatorPtr<T> {
        return std::make_shared<LabelNoise<T>>(o, seed);
      }));
  v.push_back(estimator_entry<IgtOptions>(
      "igt",
      "implicit gradient transport: a running average of gradients taken at x + gamma/(1-gamma) (x - x_prev), "
      "exact for quadratics (gamma 0: the anytime average t/(t+1))",
      "Arnold, Manzagol, Babanezhad, Mitliagkas & Le Roux, NeurIPS 2019",
      []<class T>(const IgtOptions& o, std::uint64_t seed) -> EstimatorPtr<T> {
        return std::make_shared<Igt<T>>(o, seed);
      }));
  v.push_back(estimator_entry<LooplessSvrgOptions>(
      "lsvrg", "loopless SVRG: control variate at a snapshot refreshed with probability p after each step",
      "Kovalev, Horvath & Richtarik, ALT 2020",
      []<class T>(const LooplessSvrgOptions& o, std::uint64_t seed) -> EstimatorPtr<T> {
        return std::make_shared<LooplessSvrg<T>>(o, seed);
      }));
  v.push_back(estimator_entry<AdaptiveLooplessSvrgOptions>(
      "lsvrg_as", "L-SVRG with adaptive sampling: p learned online from observed |grad f_i(x) - grad f_i(w)|^2",
      "Zhao, Lyu & Kolar, TMLR 2023",
      []<class T>(const AdaptiveLooplessSvrgOptions& o, std::uint64_t seed) -> EstimatorPtr<T> {
        return std::make_shared<AdaptiveLooplessSvrg<T>>(o, seed);
      }));
  v.push_back(estimator_entry<MinibatchSpecOptions>(
      "minibatch", "mean gradient of batch_size samples, in shuffled epochs", "Robbins & Monro, 1951",
      []<class T>(const MinibatchSpecOptions& o, std::uint64_t seed) -> EstimatorPtr<T> {
        return std::make_shared<Minibatch<T>>(
            MinibatchOptions{.batch_size = static_cast<std::size_t>(o.batch_size), .seed = seed});
      }));
  v.push_back(estimator_entry<SagaOptions>(
      "saga", "incremental gradient with a table of each sample's last gradient (one scalar for linear models)",
      "Defazio, Bach & Lacoste-Julien, NeurIPS 2014",
      []<class T>(const SagaOptions& o, std::uint64_t seed) -> EstimatorPtr<T> {
        return std::make_shared<Saga<T>>(o, seed);
      }));
  v.push_back(estimator_entry<SamOptions>(
      "sam", "sharpness-aware: the gradient at x + rho g/|g| (ASAM: element-wise scaled by |x| + eta), same batch",
      "Foret, Kleiner, Mobahi & Neyshabur, ICLR 2021; Kwon et al. (ASAM), ICML 2021",
      []<class T>(const SamOptions& o, std::uint64_t seed) -> EstimatorPtr<T> {
        return std::make_shared<Sam<T>>(o, seed);
      }));
  v.push_back(estimator_entry<SvrgOptions>(
      "svrg", "stochastic variance-reduced gradient: control variate at a snapshot retaken every epoch",
      "Johnson & Zhang, NeurIPS 2013", []<class T>(const SvrgOptions& o, std::uint64_t seed) -> EstimatorPtr<T> {
        return std::make_shared<Svrg<T>>(o, seed);
      }));
  // Coherent-gradient aggregation of micro-batch gradients (issue 15).
  v.push_back(estimator_entry<MedianOfMeansOptions>(
      "median_of_means",
      "the batch cut into k micro-batches; the direction is the coordinate-wise median of their mean gradients (M3)",
      "Zielinski, Krishnan & Chatterjee, Weak and strong gradient directions, 2020; Chatterjee, Coherent Gradients, "
      "ICLR 2020",
      []<class T>(const MedianOfMeansOptions& o, std::uint64_t seed) -> EstimatorPtr<T> {
        return std::make_shared<MicroBatchAggregation<T>>(o, seed);
      }));
  v.push_back(estimator_entry<WinsorizedMeanOptions>(
      "winsorized_mean",
      "the batch cut into k micro-batches (k = batch_size: per-example); per coordinate the c largest and c smallest "
      "of their gradients are clamped to the nearest kept value before the mean",
      "Chatterjee, Coherent Gradients, ICLR 2020 (winsorized gradient descent)",
      []<class T>(const WinsorizedMeanOptions& o, std::uint64_t seed) -> EstimatorPtr<T> {
        return std::make_shared<MicroBatchAggregation<T>>(o, seed);
      }));
  v.push_back(estimator_entry<GradientSurgeryOptions>(
      "gradient_surgery",
      "PCGrad across k micro-batches: each micro-batch gradient is projected onto the normal plane of every other "
      "it conflicts with (negative inner product), in a random order, and the results are averaged",
      "Yu, Kumar, Gupta, Levine, Hausman & Finn, Gradient Surgery for Multi-Task Learning, NeurIPS 2020",
      []<class T>(const GradientSurgeryOptions& o, std::uint64_t seed) -> EstimatorPtr<T> {
        return std::make_shared<MicroBatchAggregation<T>>(o, seed);
      }));
  return v;
}

}  // namespace descent::spec_detail

namespace descent {

EstimatorSpec parse_estimator(std::string_view spec) {
  return spec_detail::build<EstimatorSpec>(spec, {EntryKind::estimator}, "estimator");
}

}  // namespace descent
