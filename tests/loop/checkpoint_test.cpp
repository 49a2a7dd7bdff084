#include "descent/loop/checkpoint.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "descent/core/atomic_file.hpp"
#include "descent/estimator/minibatch.hpp"
#include "descent/loop/callbacks/checkpointer.hpp"
#include "descent/loop/minimize.hpp"
#include "descent/transform/adam.hpp"
#include "descent/transform/chain.hpp"
#include "descent/transform/clip_by_global_norm.hpp"
#include "descent/transform/sgd.hpp"
#include "support/toy_objectives.hpp"

namespace descent {
namespace {

using testing::CentresSum;

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("descent_ckpt_" + std::to_string(::getpid()) + "_" + name);
}

// A run with every kind of state: a scheduled Adam behind a clip (moments, counts), a
// minibatch estimator (RNG position, permutation, cursor).
struct TrainingRun {
  CentresSum<double> objective{37, 5};
  TransformPtr transform = chain(clip_by_global_norm(0.5), adam({.lr = cosine(0.05, 40)}));
  Parameters<double> params{ParameterLayout::flat(5), 0.25};
  TransformState<double> state = transform->init(params.layout(), 0.0);

  Summary<double> go(std::int64_t max_steps, const std::filesystem::path& checkpoint = {},
                     const std::filesystem::path& resume = {}) {
    MinimizeOptions<double> options{.max_steps = max_steps};
    options.estimator = std::make_shared<Minibatch<double>>(MinibatchOptions{.batch_size = 8, .seed = 42});
    if (!checkpoint.empty())
      options.callbacks.push_back(std::make_shared<Checkpointer<double>>(checkpoint, CheckpointerOptions{.every = 3}));
    options.resume_from = resume.string();
    return minimize(objective, params, *transform, state, options);
  }
};

TEST(Checkpoint, ResumeContinuesBitForBit) {
  TrainingRun uninterrupted;
  uninterrupted.go(20);

  const auto path = temp_path("resume.ckpt");
  {
    TrainingRun first;
    first.go(10, path);  // stops at step 10 and writes its final checkpoint
  }
  TrainingRun resumed;  // fresh objects, as in a new process
  const auto summary = resumed.go(20, {}, path);
  EXPECT_EQ(summary.steps, 20);
  EXPECT_EQ(std::memcmp(resumed.params.data(), uninterrupted.params.data(), 5 * sizeof(double)), 0);
  for (std::size_t c = 0; c < 2; ++c)
    for (std::size_t k = 0; k < uninterrupted.state.children[c].slots.size(); ++k)
      EXPECT_EQ(std::memcmp(resumed.state.children[c].slots[k].data(), uninterrupted.state.children[c].slots[k].data(),
                            5 * sizeof(double)),
                0);
  EXPECT_EQ(summary.sample_gradients, 4 * 37);  // 37 = 4 * 8 + 5: an epoch is 5 batches, 20 steps are 4 epochs
  std::filesystem::remove(path);
}

TEST(Checkpoint, TruncatedOrCorruptedFilesAreRefusedAndTheRunIsUntouched) {
  const auto path = temp_path("good.ckpt");
  TrainingRun writer;
  writer.go(6, path);
  const std::string good = read_file(path);

  auto expect_refused = [&](const std::string& bytes, const std::string& needle) {
    const auto bad = temp_path("bad.ckpt");
    {
      std::ofstream out(bad, std::ios::binary);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    TrainingRun reader;
    const std::vector<double> before(reader.params.flat().begin(), reader.params.flat().end());
    try {
      reader.go(10, {}, bad);
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(bad.string()), std::string::npos) << e.what();
    }
    EXPECT_TRUE(std::equal(before.begin(), before.end(), reader.params.flat().begin()));
    EXPECT_EQ(reader.state.children[1].count, 0);
    std::filesystem::remove(bad);
  };
  expect_refused(good.substr(0, good.size() / 2), "checksum mismatch");
  expect_refused(good.substr(0, 5), "bad magic");
  std::string flipped = good;
  flipped[good.size() / 3] ^= 0x10;
  expect_refused(flipped, "checksum mismatch");
  std::string wrong_magic = good;
  wrong_magic[0] = 'X';
  expect_refused(wrong_magic, "bad magic");
  std::filesystem::remove(path);
}

TEST(Checkpoint, CheckpointOfAnotherRunIsAMismatch) {
  const auto path = temp_path("other.ckpt");
  TrainingRun writer;
  writer.go(3, path);
  TrainingRun other;
  other.transform = chain(clip_by_global_norm(0.5), sgd());
  other.state = other.transform->init(other.params.layout(), 0.0);
  try {
    other.go(5, {}, path);
    FAIL();
  } catch (const MismatchError& e) {
    EXPECT_NE(std::string(e.what()).find("was written for transform"), std::string::npos) << e.what();
  }
  EXPECT_THROW(TrainingRun{}.go(5, {}, temp_path("missing.ckpt")), IoError);
  std::filesystem::remove(path);
}

TEST(Checkpoint, CrashWhileWritingLeavesThePreviousFileLoadable) {
  const auto path = temp_path("crash.ckpt");
  TrainingRun writer;
  writer.go(4, path);
  const std::string before = read_file(path);

  // A child process starts overwriting the checkpoint and dies after the first chunk,
  // before the rename: the real file must still be the old, complete one.
  const std::string big(3u << 20, 'x');
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    write_file_atomically(path, big, [](std::size_t) { ::_exit(7); });
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 7);
  EXPECT_EQ(read_file(path), before);
  TrainingRun reader;
  EXPECT_NO_THROW(reader.go(6, {}, path));
  for (const auto& entry : std::filesystem::directory_iterator(path.parent_path()))
    if (entry.path().string().rfind(path.string() + ".tmp-", 0) == 0) std::filesystem::remove(entry.path());
  std::filesystem::remove(path);
}

TEST(Checkpoint, KilledWriterNeverLeavesAHalfFile) {
  // A child rewrites a large checkpoint in a loop and is killed at an arbitrary moment.
  // Whenever that is, the file at `path` is one complete checkpoint.
  const auto path = temp_path("killed.ckpt");
  CentresSum<double> objective(10, 400'000);
  auto transform = adam();
  Parameters<double> params(ParameterLayout::flat(400'000), 1.0);
  auto state = transform->init(params.layout(), 0.0);
  auto estimator = std::make_shared<Minibatch<double>>(MinibatchOptions{.batch_size = 2});
  estimator->bind(objective);
  LoopCounters counters;
  LoopView<double> loop{objective, params, *transform, state, *estimator, counters, 10};
  save_checkpoint(path, loop);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    for (int i = 0;; ++i) {
      counters.step = i;
      save_checkpoint(path, loop);
    }
  }
  ::usleep(150'000);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_NO_THROW(load_checkpoint(path, loop));
  for (const auto& entry : std::filesystem::directory_iterator(path.parent_path()))
    if (entry.path().string().rfind(path.string() + ".tmp-", 0) == 0) std::filesystem::remove(entry.path());
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace descent
