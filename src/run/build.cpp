#include "descent/run/build.hpp"

#include "descent/spec/model_kind.hpp"

namespace descent {

template <class T>
std::unique_ptr<Model<T>> build_model(const ModelSpec& spec, const Dataset<T>& data) {
  return find_model_kind(spec.kind).make<T>(spec, data);
}

template <class T>
Parameters<T> initial_parameters(const ModelSpec& spec, const Model<T>& model) {
  return find_model_kind(spec.kind).initial_parameters<T>(model, spec.init_seed);
}

template <class T>
EstimatorPtr<T> build_estimator(const RunSpec& run) {
  return run.estimator ? run.estimator->make<T>(run.training.seed) : nullptr;
}

template <class T>
std::vector<std::shared_ptr<Callback<T>>> build_callbacks(const RunSpec& run) {
  std::vector<std::shared_ptr<Callback<T>>> out;
  for (const CallbackSpec& c : run.callbacks) out.push_back(c.make<T>());
  return out;
}

template <class T>
TrainOptions<T> train_options(const RunSpec& run) {
  TrainOptions<T> o;
  o.epochs = run.training.epochs;
  o.batch_size = run.training.batch_size;
  o.sampling = run.training.sampling;
  o.seed = run.training.seed;
  o.estimator = build_estimator<T>(run);
  o.full_objective = run.training.full_objective;
  o.callbacks = build_callbacks<T>(run);
  return o;
}

SolverRun solver_run(const RunSpec& run, std::int64_t max_steps, std::function<bool()> stop) {
  return SolverRun{.max_steps = max_steps, .seed = run.training.seed, .stop = std::move(stop)};
}

#define DESCENT_INSTANTIATE(T)                                                            \
  template std::unique_ptr<Model<T>> build_model<T>(const ModelSpec&, const Dataset<T>&); \
  template Parameters<T> initial_parameters<T>(const ModelSpec&, const Model<T>&);        \
  template EstimatorPtr<T> build_estimator<T>(const RunSpec&);                            \
  template std::vector<std::shared_ptr<Callback<T>>> build_callbacks<T>(const RunSpec&);  \
  template TrainOptions<T> train_options<T>(const RunSpec&);
DESCENT_INSTANTIATE(float)
DESCENT_INSTANTIATE(double)
#undef DESCENT_INSTANTIATE

}  // namespace descent
