// The run layer: every model of the registry builds through build_model, a RunSpec becomes
// the same train() options a caller would write by hand (and the same run, bit for bit),
// and parse_at keeps an error's type while naming where the spec came from.
#include "descent/run/build.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "descent/core/error.hpp"
#include "descent/data/gaussian_clusters.hpp"
#include "descent/estimator/loopless_svrg.hpp"
#include "descent/loop/callbacks/iterate_averaging.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/model/mlp.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/sgd.hpp"

namespace descent {
namespace {

Dataset<float> clusters(std::size_t classes) {
  return gaussian_clusters<float>({.samples = 60, .features = 5, .classes = classes, .seed = 1}, 1).train;
}

TEST(BuildModel, BuildsEveryModelOfTheRegistry) {
  const Dataset<float> binary = clusters(2);  // labels 0 and 1 suit every kind
  for (const RegistryEntry* e : entries_of(EntryKind::model)) {
    SCOPED_TRACE(e->name);
    ModelSpec spec;
    spec.kind = e->name;
    const auto model = build_model<float>(spec, binary);
    const Parameters<float> start = initial_parameters<float>(spec, *model);
    EXPECT_EQ(start.size(), model->dimension());
    std::vector<float> g(model->dimension());
    EXPECT_TRUE(std::isfinite(model->value_and_gradient(start.flat(), g)));
  }
}

TEST(BuildModel, SizesAndInitializationFollowTheSpec) {
  const Dataset<float> data = clusters(3);
  ModelSpec m;
  m.kind = "softmax";
  EXPECT_EQ(build_model<float>(m, data)->dimension(), 3u * 5u + 3u);
  m.bias = false;
  EXPECT_EQ(build_model<float>(m, data)->dimension(), 3u * 5u);
  m.kind = "mlp";
  m.hidden = {4};
  const auto mlp = build_model<float>(m, data);
  EXPECT_EQ(mlp->dimension(), 4u * 5 + 4 + 3 * 4 + 3);
  const Parameters<float> p = initial_parameters<float>(m, *mlp);
  // The registry's initializer is the MLP's own (He for ReLU) from init_seed.
  const Parameters<float> direct = static_cast<const Mlp<float>&>(*mlp).initial_parameters(m.init_seed);
  ASSERT_EQ(p.size(), direct.size());
  for (std::size_t i = 0; i < p.size(); ++i) ASSERT_EQ(p.flat()[i], direct.flat()[i]) << i;
  double norm = 0;
  for (float v : p.flat()) norm += v * v;
  EXPECT_GT(norm, 0.0);  // not zeros
  m.kind = "least_squares";
  m.bias = true;
  const auto linear = build_model<float>(m, data);
  EXPECT_EQ(linear->dimension(), 5u + 1u);
  const Parameters<float> zero = initial_parameters<float>(m, *linear);
  for (float v : zero.flat()) EXPECT_EQ(v, 0.0f);  // linear models start at 0
  m.kind = "logistic";                             // labels 0..2 are not binary
  EXPECT_THROW(build_model<float>(m, data), MismatchError);
}

TEST(BuildModel, RejectsUnknownKindsAndOptionsOutOfRange) {
  const Dataset<float> data = clusters(2);
  ModelSpec m;
  m.kind = "mpl";
  try {
    build_model<float>(m, data);
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "unknown model 'mpl'; did you mean 'mlp'?");
  }
  // Every numeric constraint the registry documents is the one the model's options check.
  int checked = 0;
  for (const RegistryEntry* e : entries_of(EntryKind::model)) {
    for (const ParameterDoc& p : e->parameters) {
      if (!p.has_constraint || (p.name != "l2" && p.name != "num_classes")) continue;
      SCOPED_TRACE(e->name + "." + p.name);
      ModelSpec bad;
      bad.kind = e->name;
      if (p.name == "l2") bad.l2 = p.outside;
      if (p.name == "num_classes") bad.num_classes = static_cast<std::size_t>(p.outside);
      try {
        build_model<float>(bad, data);
        ADD_FAILURE() << "accepted";
      } catch (const ConfigError& error) {
        EXPECT_NE(std::string(error.what()).find(e->options + "::" + p.name + " = " + format_number(p.outside)),
                  std::string::npos)
            << error.what();
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 6);  // l2 of all four, num_classes of softmax and mlp
  m.kind = "mlp";
  m.activation = "sigmoid";
  EXPECT_THROW(build_model<float>(m, data), ConfigError);
}

TEST(TrainOptionsFromRunSpec, CarriesEverySettingAndBuildsFreshCallbacks) {
  RunSpec run;
  run.training = {.epochs = 3, .batch_size = 7, .sampling = Sampling::poisson, .seed = 11, .full_objective = true};
  run.estimator = parse_estimator("lsvrg(batch_size=2)");
  run.callbacks.push_back(parse_callback("tail(tail_fraction=0.25)", EntryKind::averaging));
  run.callbacks.push_back(parse_callback("stationarity"));
  const TrainOptions<double> o = train_options<double>(run);
  EXPECT_EQ(o.epochs, 3);
  EXPECT_EQ(o.batch_size, 7u);
  EXPECT_EQ(o.sampling, Sampling::poisson);
  EXPECT_EQ(o.seed, 11u);
  EXPECT_TRUE(o.full_objective);
  ASSERT_NE(o.estimator, nullptr);
  EXPECT_EQ(o.estimator->spec(), "lsvrg(batch_size=2, probability=0)");
  ASSERT_EQ(o.callbacks.size(), 2u);
  EXPECT_NE(dynamic_cast<IterateAveraging<double>*>(o.callbacks[0].get()), nullptr);
  // Each build is a new set of objects: two runs never share a callback's or estimator's state.
  const TrainOptions<double> again = train_options<double>(run);
  EXPECT_NE(again.callbacks[0].get(), o.callbacks[0].get());
  EXPECT_NE(again.estimator.get(), o.estimator.get());
  EXPECT_EQ(run.estimator_description(), "lsvrg(batch_size=2, probability=0)");
  run.estimator.reset();
  EXPECT_EQ(train_options<double>(run).estimator, nullptr);
  EXPECT_EQ(run.estimator_description(), "minibatch (poisson, batch 7)");
}

// Assembling through the run layer changes nothing: the same run as TrainOptions written by
// hand, bit for bit.
TEST(TrainOptionsFromRunSpec, TrainsBitForBitAsHandWrittenOptions) {
  const Dataset<double> data =
      gaussian_clusters<double>({.samples = 80, .features = 4, .classes = 2, .seed = 3}, 1).train;
  RunSpec run;
  run.model.kind = "logistic";
  run.model.l2 = 0.01;
  run.optimizer = parse_transform("sgd(lr=0.1, momentum=0.5)");
  run.estimator = parse_estimator("lsvrg(batch_size=4)");
  run.training = {.epochs = 4, .batch_size = 4, .sampling = Sampling::shuffle, .seed = 5, .full_objective = false};
  run.callbacks.push_back(parse_callback("polyak(start_step=10)", EntryKind::averaging));

  const auto model = build_model<double>(run.model, data);
  Parameters<double> x = initial_parameters<double>(run.model, *model);
  TrainOptions<double> options = train_options<double>(run);
  options.progress = false;
  options.quiet = true;
  const TrainResult<double> assembled = train(*model, x, *run.optimizer, options);

  const LogisticRegression<double> by_hand_model(data, LinearModelOptions{.l2 = 0.01});
  Parameters<double> y(by_hand_model.layout());
  TrainOptions<double> by_hand;
  by_hand.epochs = 4;
  by_hand.batch_size = 4;
  by_hand.seed = 5;
  by_hand.estimator = std::make_shared<LooplessSvrg<double>>(LooplessSvrgOptions{.batch_size = 4}, 5);
  by_hand.callbacks.push_back(std::make_shared<IterateAveraging<double>>(IterateAveragingOptions{.start_step = 10}));
  by_hand.progress = false;
  by_hand.quiet = true;
  const TrainResult<double> direct = train(by_hand_model, y, *sgd({.lr = constant(0.1), .momentum = 0.5}), by_hand);

  ASSERT_EQ(x.size(), y.size());
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x.flat()[i], y.flat()[i]) << i;
  ASSERT_EQ(assembled.history.size(), direct.history.size());
  for (std::size_t e = 0; e < direct.history.size(); ++e)
    EXPECT_EQ(assembled.history[e].train_loss, direct.history[e].train_loss) << e;
}

TEST(ParseAt, NamesTheOriginAndKeepsTheErrorType) {
  try {
    parse_at("--estimator", [] { return parse_estimator("svgr"); });
    FAIL() << "accepted";
  } catch (const ParseError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("--estimator: unknown estimator 'svgr'; did you mean 'svrg'?", 0), 0u)
        << e.what();
    EXPECT_EQ(e.column(), 1u);
  }
  try {
    parse_at("job.toml: [training].average",
             [] { return parse_callback("tail(tail_fraction=2)", EntryKind::averaging); });
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(
        std::string(e.what()).rfind("job.toml: [training].average: IterateAveragingOptions::tail_fraction = 2", 0), 0u)
        << e.what();
  }
  EXPECT_THROW(parse_at("x", [] { return parse_callback("cosine", EntryKind::averaging); }), ParseError);
}

TEST(ParseSampling, NamesTheChoices) {
  for (Sampling s : {Sampling::shuffle, Sampling::replacement, Sampling::poisson})
    EXPECT_EQ(parse_sampling(to_string(s)), s);
  try {
    parse_sampling("shufle");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "'shufle' is not one of shuffle, replacement, poisson; did you mean 'shuffle'?");
  }
}

TEST(TrainOptions, RefusesOptimizerNumbersTheRunsPrecisionCannotHold) {
  RunSpec run;
  run.optimizer = parse_transform("sgd(lr=1e300)");
  try {
    train_options<float>(run);
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("lr = 1e+300 overflows float precision"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(train_options<double>(run));  // fits a double
  run.optimizer = parse_transform("adam(lr=warmup(cosine(1e-50, 10), 5))");
  EXPECT_THROW(train_options<float>(run), ConfigError);  // rounds to 0: no step at all
  run.optimizer = parse_transform("adam(lr=3e38)");  // just below float's largest
  EXPECT_NO_THROW(train_options<float>(run));
}

}  // namespace
}  // namespace descent
