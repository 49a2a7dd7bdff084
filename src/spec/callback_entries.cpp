// Loop callbacks a spec can name: the three iterate averages and the stationarity stop.
#include "descent/loop/callbacks/iterate_averaging.hpp"
#include "descent/loop/callbacks/stationarity_stop.hpp"
#include "entry.hpp"

namespace descent::spec_detail {

namespace {

// A CallbackSpec making `Callback` from validated `Options` (their own validate()).
template <template <class> class Callback, class Options>
CallbackSpec callback_spec(const std::string& name, EntryKind kind, Options options) {
  options.validate();
  return CallbackSpec(
      to_spec(name, options), kind, [options] { return std::make_shared<Callback<float>>(options); },
      [options] { return std::make_shared<Callback<double>>(options); });
}

Entry averaging_entry(const char* name, AveragingKind kind, std::string summary, std::string reference) {
  IterateAveragingOptions prototype;
  prototype.kind = kind;
  return options_entry<CallbackSpec>(name, EntryKind::averaging, std::move(summary), std::move(reference), prototype,
                                     [name](const IterateAveragingOptions& o) {
                                       return callback_spec<IterateAveraging>(name, EntryKind::averaging, o);
                                     });
}

}  // namespace

std::vector<Entry> callback_entries() {
  std::vector<Entry> v;
  v.push_back(averaging_entry("exponential", AveragingKind::exponential,
                              "returns an exponential moving average of the iterates (bias-corrected)", "-"));
  v.push_back(averaging_entry("polyak", AveragingKind::polyak, "returns the mean of every iterate after start_step",
                              "Polyak & Juditsky, SIAM J. Control Optim. 1992; Ruppert 1988"));
  v.push_back(averaging_entry("tail", AveragingKind::tail,
                              "returns the mean of the iterates of the last tail_fraction of the step budget",
                              "Rakhlin, Shamir & Sridharan, ICML 2012"));
  v.push_back(options_entry<CallbackSpec>(
      "stationarity", EntryKind::stopping,
      "stops once split-R-hat says the iterates are stationary and the MCSE of their average is small; returns "
      "that average",
      "Dhaka et al., Robust, Accurate Stochastic Optimization for Variational Inference, NeurIPS 2020",
      StationarityStopOptions{}, [](const StationarityStopOptions& o) {
        return callback_spec<StationarityStop>("stationarity", EntryKind::stopping, o);
      }));
  return v;
}

}  // namespace descent::spec_detail

namespace descent {

CallbackSpec parse_callback(std::string_view spec) {
  return spec_detail::build<CallbackSpec>(spec, {EntryKind::averaging, EntryKind::stopping}, "callback");
}

CallbackSpec parse_callback(std::string_view spec, EntryKind kind) {
  if (kind != EntryKind::averaging && kind != EntryKind::stopping)
    throw ConfigError("parse_callback: " + describe(kind) + " is not a callback kind");
  return spec_detail::build<CallbackSpec>(spec, {kind}, kind == EntryKind::stopping ? "stopping rule" : "averaging");
}

}  // namespace descent
