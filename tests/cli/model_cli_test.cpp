// Your own data from the command line, and the model file end to end: `descent train
// --train FILE` in every format (libsvm with +1/-1 labels, CSV with a named label column,
// npy, idx), `--output model.npz`, then `descent predict` and `descent evaluate` on the
// test file, whose numbers equal the last epoch's held-out evaluation of the training run.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "data/data_test_support.hpp"
#include "support/cli_runner.hpp"

namespace descent {
namespace {

using testing::Cli;
using testing::lines_of;
using testing::read_text;
namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// Two overlapping Gaussian blobs in R^3, written with a fixed generator so that the files
// are the same on every machine: rows (x, y) with y in {0, 1}.
struct Rows {
  std::vector<std::array<double, 3>> x;
  std::vector<int> y;
};
Rows blobs(std::size_t n, std::uint32_t seed) {
  Rows r;
  std::uint32_t state = seed;
  const auto uniform = [&] {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) * 0x1p-24;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const int y = static_cast<int>(i % 2);
    std::array<double, 3> x{};
    for (double& v : x) v = (y ? 0.8 : -0.8) + 2 * (uniform() - 0.5) + 2 * (uniform() - 0.5);
    x[2] = std::round(x[2] * 4) / 4;
    r.x.push_back(x);
    r.y.push_back(y);
  }
  return r;
}

std::string number(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

std::string libsvm_text(const Rows& r) {
  std::string t;
  for (std::size_t i = 0; i < r.y.size(); ++i) {
    t += r.y[i] ? "+1" : "-1";
    for (std::size_t j = 0; j < 3; ++j)
      if (r.x[i][j] != 0) t += " " + std::to_string(j + 1) + ":" + number(r.x[i][j]);
    t += "\n";
  }
  return t;
}

std::string csv_text(const Rows& r) {
  std::string t = "a,label,b,c\n";
  for (std::size_t i = 0; i < r.y.size(); ++i)
    t += number(r.x[i][0]) + "," + std::to_string(r.y[i]) + "," + number(r.x[i][1]) + "," + number(r.x[i][2]) + "\n";
  return t;
}

std::string npy_features(const Rows& r) {
  std::vector<double> v;
  for (const auto& row : r.x) v.insert(v.end(), row.begin(), row.end());
  return test::npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (" + std::to_string(r.y.size()) + ", 3), }",
                         test::little_endian(v));
}

std::string npy_labels(const Rows& r) {
  std::vector<std::int64_t> v(r.y.begin(), r.y.end());
  return test::npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (" + std::to_string(r.y.size()) + ",), }",
                         test::little_endian(v));
}

std::string idx_features(const Rows& r) {
  std::vector<float> v;
  for (const auto& row : r.x)
    for (double x : row) v.push_back(static_cast<float>(x));
  return test::idx_bytes(0x0D, {static_cast<std::uint32_t>(r.y.size()), 3}, test::big_endian(v));
}

std::string idx_labels(const Rows& r) {
  std::string bytes(r.y.begin(), r.y.end());
  return test::idx_bytes(0x08, {static_cast<std::uint32_t>(r.y.size())}, bytes);
}

// The last metrics.csv row: test_loss and test_accuracy.
std::pair<double, double> last_held_out(const fs::path& csv) {
  const auto lines = lines_of(read_text(csv));
  std::vector<std::string> f;
  std::stringstream in(lines.back());
  for (std::string field; std::getline(in, field, ',');) f.push_back(field);
  return {std::stod(f.at(3)), std::stod(f.at(4))};
}

class OwnData : public Cli {
 protected:
  // Trains logistic regression on train/test files and checks that `descent evaluate`
  // on the test file gives the last epoch's held-out numbers exactly.
  void train_and_evaluate(const std::string& data_flags, const std::string& test_flags) {
    const std::string model = file("model.npz").string();
    const auto r = run("train " + data_flags +
                       " --model logistic --preprocess standardize --optimizer 'sgd(lr=0.5)' "
                       "--epochs 3 --batch-size 16 -q --out '" +
                       file("run").string() + "' --output '" + model + "'");
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(fs::exists(model));
    const auto [test_loss, test_accuracy] = last_held_out(file("run") / "metrics.csv");
    EXPECT_GT(test_accuracy, 0.75);  // the blobs overlap, but a linear rule separates most rows
    const auto e = run("evaluate --model '" + model + "' " + test_flags + " --json");
    ASSERT_EQ(e.status, 0) << e.err;
    const auto j = nlohmann::json::parse(e.out);
    EXPECT_EQ(j["mean_loss"].get<double>(), test_loss);
    EXPECT_EQ(j["accuracy"].get<double>(), test_accuracy);
    const auto confusion = j["confusion"];
    ASSERT_EQ(confusion.size(), 2u);
    EXPECT_EQ(confusion[0][0].get<int>() + confusion[0][1].get<int>() + confusion[1][0].get<int>() +
                  confusion[1][1].get<int>(),
              j["samples"].get<int>());
    const auto p = run("predict --model '" + model + "' " + test_flags + " --output '" + file("p.csv").string() + "'");
    ASSERT_EQ(p.status, 0) << p.err;
    const auto lines = lines_of(read_text(file("p.csv")));
    ASSERT_EQ(lines.size(), j["samples"].get<std::size_t>() + 1);
    EXPECT_EQ(lines[0], "prediction,proba_0,proba_1");
    // The predictions' hits are the accuracy: count rows whose prediction matches the
    // confusion matrix's diagonal.
    std::size_t positive_predictions = 0;
    for (std::size_t i = 1; i < lines.size(); ++i) positive_predictions += lines[i].rfind("1,", 0) == 0;
    EXPECT_EQ(positive_predictions, confusion[0][1].get<std::size_t>() + confusion[1][1].get<std::size_t>());
  }
};

TEST_F(OwnData, TrainsLogisticRegressionOnAPlusMinusOneLibsvmFile) {
  write(file("train.libsvm"), libsvm_text(blobs(200, 1)));
  write(file("test.libsvm"), libsvm_text(blobs(80, 2)));
  train_and_evaluate("--train '" + file("train.libsvm").string() + "' --test '" + file("test.libsvm").string() + "'",
                     "--data '" + file("test.libsvm").string() + "'");
  // The model keeps the file's -1/+1 convention: its predictions are -1 or 1.
  for (std::size_t i = 1; const auto& line : lines_of(read_text(file("p.csv")))) {
    if (i++ == 1) continue;
    EXPECT_TRUE(line.rfind("1,", 0) == 0 || line.rfind("-1,", 0) == 0) << line;
  }
}

TEST_F(OwnData, TrainsOnACsvFileWithANamedLabelColumn) {
  write(file("train.csv"), csv_text(blobs(200, 3)));
  write(file("test.csv"), csv_text(blobs(80, 4)));
  train_and_evaluate(
      "--train '" + file("train.csv").string() + "' --test '" + file("test.csv").string() + "' --label-column label",
      "--data '" + file("test.csv").string() + "' --label-column label");
}

TEST_F(OwnData, TrainsOnNpyFiles) {
  const Rows train = blobs(200, 5), test = blobs(80, 6);
  write(file("x.npy"), npy_features(train));
  write(file("y.npy"), npy_labels(train));
  write(file("tx.npy"), npy_features(test));
  write(file("ty.npy"), npy_labels(test));
  train_and_evaluate("--train '" + file("x.npy").string() + "' --train-labels '" + file("y.npy").string() +
                         "' --test '" + file("tx.npy").string() + "' --test-labels '" + file("ty.npy").string() + "'",
                     "--data '" + file("tx.npy").string() + "' --labels '" + file("ty.npy").string() + "'");
}

TEST_F(OwnData, TrainsOnIdxFilesWithAnExplicitFormat) {
  const Rows train = blobs(200, 7), test = blobs(80, 8);
  write(file("x.idx"), idx_features(train));
  write(file("y.idx"), idx_labels(train));
  write(file("tx.idx"), idx_features(test));
  write(file("ty.idx"), idx_labels(test));
  train_and_evaluate(
      "--format idx --train '" + file("x.idx").string() + "' --train-labels '" + file("y.idx").string() + "' --test '" +
          file("tx.idx").string() + "' --test-labels '" + file("ty.idx").string() + "'",
      "--format idx --data '" + file("tx.idx").string() + "' --labels '" + file("ty.idx").string() + "'");
}

TEST_F(OwnData, PredictsUnlabeledCsvAndNpyFeatures) {
  const Rows train = blobs(200, 9);
  write(file("train.csv"), csv_text(train));
  ASSERT_EQ(run("train --train '" + file("train.csv").string() +
                "' --label-column label --model softmax --epochs 2 -q --out '" + file("run").string() + "'")
                .status,
            0);
  const std::string model = (file("run") / "model.npz").string();  // the default place
  std::string unlabeled = "a,b,c\n1,2,3\n-1,-2,-3\n";
  write(file("new.csv"), unlabeled);
  const auto r = run("predict --model '" + model + "' --data '" + file("new.csv").string() + "' --header");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "prediction,proba_0,proba_1");
  // The same rows as npy features without labels: the same predictions.
  const std::vector<double> v = {1, 2, 3, -1, -2, -3};
  write(file("new.npy"),
        test::npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", test::little_endian(v)));
  const auto n = run("predict --model '" + model + "' --data '" + file("new.npy").string() + "'");
  ASSERT_EQ(n.status, 0) << n.err;
  EXPECT_EQ(n.out, r.out);
}

TEST_F(OwnData, BadModelFilesAndDataAreOneClearLine) {
  write(file("junk.npz"), "not a zip archive at all, just text");
  const auto junk = run("predict --model '" + file("junk.npz").string() + "' --data x.csv");
  EXPECT_EQ(junk.status, 2);
  EXPECT_EQ(junk.err, "descent predict: " + file("junk.npz").string() +
                          ": not a .npz archive (no ZIP end-of-directory record)\n");
  write(file("train.csv"), csv_text(blobs(50, 1)));
  ASSERT_EQ(run("train --train '" + file("train.csv").string() +
                "' --label-column label --model logistic "
                "--epochs 1 -q --out '" +
                file("run").string() + "'")
                .status,
            0);
  write(file("wide.csv"), "1,2,3,4,5\n");
  const auto wide =
      run("predict --model '" + (file("run") / "model.npz").string() + "' --data '" + file("wide.csv").string() + "'");
  EXPECT_EQ(wide.status, 2);
  EXPECT_EQ(wide.err, "descent predict: " + file("wide.csv").string() + ": 5 features, the model takes 3\n");
  const auto format = run("train --train '" + file("train.csv").string() + "' --format parquet -q");
  EXPECT_EQ(format.status, 2);
  EXPECT_EQ(format.err, "descent train: --format: 'parquet' is not one of libsvm, csv, idx, npy, auto\n");
}

}  // namespace
}  // namespace descent
