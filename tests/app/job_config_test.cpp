#include "descent/app/job_config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "descent/core/error.hpp"
#include "descent/spec/registry.hpp"

namespace descent {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_job_config(text, "job.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(JobConfig, ReadsEveryTable) {
  const auto c = parse_job_config(R"toml(
[data]
name = "synthetic"
synthetic_samples = 500
preprocess = "standardize"

[model]
type = "mlp"
hidden = [32, 16]
activation = "tanh"
l2 = 1e-4

[optimizer]
spec = "adamw(lr=3e-4)"

[training]
epochs = 3
batch_size = 64
sampling = "poisson"
seed = 7
precision = "double"

[output]
dir = "out"
checkpoint = false

[compare]
optimizers = ["sgd(lr=0.1)", "adam"]
labels = ["SGD", "Adam"]
target_loss = 0.5
target_accuracy = 0.9
)toml",
                                  "job.toml");
  EXPECT_EQ(c.data.name, "synthetic");
  EXPECT_EQ(c.data.synthetic_samples, 500u);
  EXPECT_EQ(c.model.hidden, (std::vector<std::size_t>{32, 16}));
  EXPECT_EQ(c.model.activation, "tanh");
  EXPECT_DOUBLE_EQ(c.model.l2, 1e-4);
  EXPECT_EQ(c.optimizer, "adamw(lr=3e-4)");
  EXPECT_EQ(c.training.epochs, 3);
  EXPECT_EQ(c.training.sampling, "poisson");
  EXPECT_EQ(c.training.precision, "double");
  EXPECT_FALSE(c.output.checkpoint);
  EXPECT_EQ(c.compare.optimizers.size(), 2u);
  EXPECT_DOUBLE_EQ(c.compare.target_loss, 0.5);
  EXPECT_DOUBLE_EQ(c.compare.target_accuracy, 0.9);
}

TEST(JobConfig, OptimizerGroupsMakeAPartitionWithTheSpecAsDefault) {
  const auto c = parse_job_config(R"toml(
[optimizer]
spec = "adamw(lr=1e-3)"

[[optimizer.groups]]
match = "*.bias"
spec = "adam(lr=1e-3)"

[[optimizer.groups]]
ndim = 2
spec = "sgd(lr=0.1, momentum=0.9)"
)toml",
                                  "job.toml");
  const std::string expected =
      "partition(group(match='*.bias', ndim=-1, transform=" + parse_transform("adam(lr=1e-3)")->spec() +
      "), group(match='*', ndim=2, transform=" + parse_transform("sgd(lr=0.1, momentum=0.9)")->spec() +
      "), default=adamw(lr=1e-3))";
  EXPECT_EQ(c.optimizer, expected);
  EXPECT_EQ(parse_transform(c.optimizer)->spec(), parse_transform(expected)->spec());

  // An error inside a group names the file, the table's line and the group.
  const std::string bad = error_of("[optimizer]\n[[optimizer.groups]]\nmatch = '*'\nspec = 'adam(lr=-1)'\n");
  EXPECT_NE(bad.find("job.toml:2:1: [optimizer.groups[1]]: AdamOptions::lr"), std::string::npos) << bad;
  EXPECT_NE(error_of("[[optimizer.groups]]\nmatch = '*'\n").find("[optimizer.groups[1]] needs spec = "),
            std::string::npos);
  EXPECT_NE(error_of("[[optimizer.groups]]\nspec = 'sgd'\nlr = 1\n").find("unknown key 'lr' in [optimizer.groups[1]]"),
            std::string::npos);
  EXPECT_NE(error_of("[optimizer]\ngroups = 3\n").find("[optimizer].groups must be an array of tables"),
            std::string::npos);
}

TEST(JobConfig, EmptyFileMeansDefaults) {
  const auto c = parse_job_config("", "empty.toml");
  EXPECT_EQ(c.data.name, "fashion-mnist");
  EXPECT_EQ(c.model.kind, "mlp");
  EXPECT_EQ(c.training.epochs, 10);
}

TEST(JobConfig, UnknownKeysNameFileLineColumnAndSuggest) {
  EXPECT_EQ(error_of("[training]\nepoch = 3\n"),
            "job.toml:2:1: unknown key 'epoch' in [training]; did you mean 'epochs'?");
  EXPECT_EQ(error_of("[trainnig]\nepochs = 3\n"), "job.toml:1:2: unknown table [trainnig]; did you mean 'training'?");
}

TEST(JobConfig, WrongTypesAndValuesAreNamed) {
  EXPECT_EQ(error_of("[training]\nepochs = \"ten\"\n"), "job.toml:2:10: [training].epochs must be an integer");
  EXPECT_EQ(error_of("[training]\nepochs = 0\n"), "job.toml:2:10: [training].epochs = 0 violates epochs >= 1");
  EXPECT_EQ(error_of("[model]\nhidden = [64, -1]\n"),
            "job.toml:2:15: [model].hidden must be an array of positive integers");
  EXPECT_EQ(error_of("[model]\ntype = \"mpl\"\n"),
            "job.toml: [model].type = 'mpl' is not allowed; did you mean 'mlp'?");
  EXPECT_EQ(error_of("[compare]\noptimizers = [\"sgd\"]\nlabels = [\"a\", \"b\"]\n"),
            "job.toml: [compare].labels has 2 entries for 1 runs");
  EXPECT_EQ(error_of("[data]\nname = \"files\"\n"),
            "job.toml: [data.train].path is required when [data].name = 'files'");
  EXPECT_EQ(error_of("[compare]\ntarget_accuracy = 1.5\n"),
            "job.toml: [compare].target_accuracy = 1.5 violates target_accuracy <= 1");
}

TEST(JobConfig, ReferenceOptimumIsANumberOrAuto) {
  auto c = parse_job_config("[compare]\nreference_optimum = 0.25\n", "job.toml");
  EXPECT_EQ(c.compare.reference_optimum, 0.25);
  EXPECT_FALSE(c.compare.reference_optimum_auto);
  c = parse_job_config("[compare]\nreference_optimum = \"auto\"\nreference_epochs_factor = 4\n", "job.toml");
  EXPECT_TRUE(c.compare.reference_optimum_auto);
  EXPECT_EQ(c.compare.reference_epochs_factor, 4);
  EXPECT_EQ(error_of("[compare]\nreference_optimum = \"soon\"\n"),
            "job.toml:2:21: [compare].reference_optimum must be a number or \"auto\"");
  EXPECT_EQ(error_of("[compare]\nreference_epochs_factor = 0\n"),
            "job.toml:2:27: [compare].reference_epochs_factor = 0 violates reference_epochs_factor >= 1");
}

TEST(JobConfig, PrivacyTakesADeltaInTheOpenUnitIntervalAndAKnownAccountant) {
  const JobConfig defaults = parse_job_config("", "job.toml");
  EXPECT_EQ(defaults.privacy.delta, 1e-5);
  EXPECT_EQ(defaults.privacy.accountant, "rdp");
  const JobConfig c = parse_job_config("[privacy]\ndelta = 1e-6\naccountant = \"pld\"\n", "job.toml");
  EXPECT_EQ(c.privacy.delta, 1e-6);
  EXPECT_EQ(c.privacy.accountant, "pld");
  EXPECT_EQ(error_of("[privacy]\ndelta = 1\n"), "job.toml: [privacy].delta = 1 violates 0 < delta < 1");
  EXPECT_EQ(error_of("[privacy]\naccountant = \"rpd\"\n"),
            "job.toml: [privacy].accountant = 'rpd' is not allowed; did you mean 'rdp'?");
  EXPECT_EQ(error_of("[privacy]\nepsilon = 1\n").rfind("job.toml:2:1: unknown key 'epsilon' in [privacy]", 0), 0u);
}

TEST(JobConfig, SyntaxErrorsKeepTomlsPosition) {
  const std::string e = error_of("[training\nepochs = 3\n");
  EXPECT_EQ(e.rfind("job.toml:1:", 0), 0u) << e;
}

TEST(JobConfig, MissingFileIsAnIoError) { EXPECT_THROW(load_job_config("/nonexistent/job.toml"), IoError); }

TEST(JobConfig, DataPathsInAFileAreRelativeToTheFileAndOutputsToTheWorkingDirectory) {
  const auto dir = std::filesystem::temp_directory_path() / ("descent_job_config_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "jobs");
  const auto job = dir / "jobs" / "job.toml";
  std::ofstream(job) << "[data]\nname = \"files\"\n[data.train]\npath = \"../data/train.npy\"\nlabels = "
                        "\"../data/y.npy\"\n[data.test]\npath = \"/abs/test.csv\"\n[output]\ndir = \"runs/a\"\n";
  const JobConfig c = load_job_config(job.string());
  EXPECT_EQ(c.data.train.path, (dir / "data" / "train.npy").string());
  EXPECT_EQ(c.data.train.labels_path, (dir / "data" / "y.npy").string());
  EXPECT_EQ(c.data.test.path, "/abs/test.csv");
  EXPECT_EQ(c.output.dir, "runs/a");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace descent
