// Estimator specs: the first axis (how a direction is obtained from the objective) named
// in the same grammar as optimizers (spec_parser.hpp), e.g.
//   full_gradient   minibatch(128)   svrg(batch_size=8)   lsvrg(probability=0.001)   saga
// An estimator spec holds the method and its options; the seed is the run's own (the
// CLI's --seed, the job file's seed), so one seed fixes all of a run's randomness. The
// entries are the registry's of kind estimator (`descent list --kind estimator`).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>

#include "descent/estimator/estimator.hpp"

namespace descent {

// A parsed and validated estimator spec, buildable in either precision.
class EstimatorSpec {
 public:
  EstimatorSpec(std::string canonical, std::function<EstimatorPtr<float>(std::uint64_t)> make_float,
                std::function<EstimatorPtr<double>(std::uint64_t)> make_double)
      : canonical_(std::move(canonical)), make_float_(std::move(make_float)), make_double_(std::move(make_double)) {}

  // Every option written out, e.g. "svrg(batch_size=1, epoch_length=0)".
  const std::string& canonical() const noexcept { return canonical_; }

  template <class T>
  EstimatorPtr<T> make(std::uint64_t seed) const {
    if constexpr (std::is_same_v<T, float>) {
      return make_float_(seed);
    } else {
      return make_double_(seed);
    }
  }

 private:
  std::string canonical_;
  std::function<EstimatorPtr<float>(std::uint64_t)> make_float_;
  std::function<EstimatorPtr<double>(std::uint64_t)> make_double_;
};

// Throws ParseError (syntax, unknown names, wrong arguments: with the column) or
// ConfigError (a value outside its range).
EstimatorSpec parse_estimator(std::string_view spec);

}  // namespace descent
