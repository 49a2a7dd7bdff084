// The model file: save -> load gives the same model bit for bit (spec, labels,
// preprocessing, parameters, predictions) for every kind and both precisions; the bytes
// are reproducible; and foreign, newer, misshapen, truncated or damaged files are refused
// with a FormatError naming the file and what is wrong.
#include "descent/run/model_file.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "descent/core/atomic_file.hpp"
#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "descent/data/gaussian_clusters.hpp"
#include "descent/data/npz_archive.hpp"
#include "descent/run/build.hpp"

namespace descent {
namespace {

namespace fs = std::filesystem;

class ModelFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("descent_model_file_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
};

template <class T>
struct Kept {
  ClustersSplit<T> raw;
  TrainedModel<T> model;
};

template <class T>
Kept<T> kept_model(const std::string& kind, const std::string& preprocess, std::optional<std::int64_t> positive = {}) {
  ClustersSplit<T> raw =
      gaussian_clusters<T>({.samples = 80, .features = 5, .classes = kind == "least_squares" ? 2u : 3u, .seed = 2}, 30);
  Dataset<T> train = raw.train;
  if (positive)
    one_vs_rest(train, static_cast<T>(*positive), BinaryEncoding::zero_one);
  else if (kind == "logistic")
    for (T& y : train.labels()) y = y == T(2) ? T(1) : T(-1);  // the -1/+1 convention
  const FittedPreprocessing pre = FittedPreprocessing::fit(preprocess, train);
  pre.apply(train);
  ModelSpec spec;
  spec.kind = kind;
  spec.hidden = {4, 3};
  spec.activation = "gelu";
  spec.l2 = 0.25;
  const auto model = build_model<T>(spec, train);
  Parameters<T> params(model->layout());
  Random random(9, Stream::user);
  for (std::size_t i = 0; i < params.size(); ++i) params[i] = static_cast<T>(random.normal());
  TrainedModel<T> kept = TrainedModel<T>::keep(spec, *model, pre, positive, std::move(params));
  kept.set_training_info(R"j({"optimizer": "sgd(lr=0.1)"})j");
  return {std::move(raw), std::move(kept)};
}

template <class T>
void expect_same(const TrainedModel<T>& a, const TrainedModel<T>& b, const Dataset<T>& data) {
  EXPECT_EQ(a.spec().kind, b.spec().kind);
  EXPECT_EQ(a.spec().hidden, b.spec().hidden);
  EXPECT_EQ(a.spec().activation, b.spec().activation);
  EXPECT_EQ(a.spec().num_classes, b.spec().num_classes);
  EXPECT_EQ(a.spec().l2, b.spec().l2);
  EXPECT_EQ(a.features(), b.features());
  EXPECT_EQ(a.label_encoding().positive_class, b.label_encoding().positive_class);
  EXPECT_EQ(a.label_encoding().negative_label, b.label_encoding().negative_label);
  EXPECT_EQ(a.preprocessing().kind, b.preprocessing().kind);
  EXPECT_EQ(a.preprocessing().center, b.preprocessing().center);
  EXPECT_EQ(a.preprocessing().first, b.preprocessing().first);
  EXPECT_EQ(a.preprocessing().second, b.preprocessing().second);
  ASSERT_TRUE(a.parameters().layout() == b.parameters().layout());
  for (std::size_t i = 0; i < a.parameters().size(); ++i) EXPECT_EQ(a.parameters()[i], b.parameters()[i]) << i;
  EXPECT_EQ(a.predict(data), b.predict(data));
  if (a.is_classifier()) EXPECT_EQ(a.predict_proba(data), b.predict_proba(data));
}

template <class T>
void round_trip(const std::string& path, const std::string& kind, const std::string& preprocess,
                std::optional<std::int64_t> positive = {}) {
  SCOPED_TRACE(kind + ", " + preprocess);
  const Kept<T> kept = kept_model<T>(kind, preprocess, positive);
  save_model(path, kept.model);
  LoadedModel loaded = load_model(path);
  ASSERT_TRUE(std::holds_alternative<TrainedModel<T>>(loaded));
  const auto& back = std::get<TrainedModel<T>>(loaded);
  expect_same(kept.model, back, kept.raw.test);
  EXPECT_EQ(back.training_info(), "{\"optimizer\":\"sgd(lr=0.1)\"}");
}

TEST_F(ModelFile, RoundTripsEveryKindInBothPrecisionsBitForBit) {
  for (const char* kind : {"least_squares", "logistic", "softmax", "mlp"})
    for (const char* preprocess : {"none", "scale", "standardize"}) {
      round_trip<float>(file("m.npz"), kind, preprocess);
      round_trip<double>(file("m.npz"), kind, preprocess);
    }
  round_trip<float>(file("m.npz"), "logistic", "scale", 1);  // one class against the rest
}

TEST_F(ModelFile, TheSameModelGivesTheSameBytes) {
  const Kept<float> kept = kept_model<float>("mlp", "standardize");
  save_model(file("a.npz"), kept.model);
  save_model(file("b.npz"), kept.model);
  EXPECT_EQ(read_file(file("a.npz")), read_file(file("b.npz")));
}

TEST_F(ModelFile, SavingReplacesAnOldFileAndLeavesNoTemporaryBehind) {
  const Kept<float> first = kept_model<float>("softmax", "none");
  const Kept<double> second = kept_model<double>("mlp", "scale");
  save_model(file("m.npz"), first.model);
  save_model(file("m.npz"), second.model);
  EXPECT_TRUE(std::holds_alternative<TrainedModel<double>>(load_model(file("m.npz"))));
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(fs::path(file("m.npz")).parent_path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
}

TEST_F(ModelFile, LoadsInTheOtherPrecisionOnRequest) {
  const Kept<float> kept = kept_model<float>("mlp", "standardize");
  save_model(file("m.npz"), kept.model);
  const TrainedModel<double> wide = load_model_as<double>(file("m.npz"));
  for (std::size_t i = 0; i < wide.parameters().size(); ++i)
    EXPECT_EQ(wide.parameters()[i], static_cast<double>(kept.model.parameters()[i]));  // widening is exact
}

// The model file `path` rewritten with its metadata text changed by `edit` (and entries
// dropped or replaced by `entries`).
void rewrite(
    const std::string& from, const std::string& to, const std::function<void(std::string&)>& edit,
    const std::function<bool(const std::string&)>& keep = [](const std::string&) { return true; }) {
  const NpzArchive archive(from);
  NpzWriter writer;
  for (const std::string& name : archive.names()) {
    if (!keep(name)) continue;
    const NpyArray<double> a = archive.read<double>(name);
    if (name == "metadata") {
      std::string text(a.values.size(), '\0');
      for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>(static_cast<int>(a.values[i]));
      edit(text);
      writer.add<std::uint8_t>(name, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, {text.size()});
    } else if (a.descr == "<f4") {
      std::vector<float> v(a.values.begin(), a.values.end());
      writer.add<float>(name, v, a.shape);
    } else {
      writer.add<double>(name, a.values.span(), a.shape);
    }
  }
  write_file_atomically(to, writer.finish());
}

void replace(std::string& text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << text;
  text.replace(at, from.size(), to);
}

std::string error_of(const std::string& path) {
  try {
    load_model(path);
  } catch (const FormatError& e) {
    return std::string("FormatError: ") + e.what();
  } catch (const IoError& e) {
    return std::string("IoError: ") + e.what();
  } catch (const std::exception& e) {
    return std::string("other: ") + e.what();
  }
  return "no exception";
}

TEST_F(ModelFile, RefusesAForeignNpzListingWhatItHolds) {
  NpzWriter writer;
  const std::vector<double> v = {1, 2};
  writer.add<double>("x", v, {2});
  write_file_atomically(file("foreign.npz"), writer.finish());
  EXPECT_EQ(error_of(file("foreign.npz")),
            "FormatError: " + file("foreign.npz") + ": not a descent model file (no 'metadata' entry; its entries: x)");
}

TEST_F(ModelFile, RefusesAnotherFormatTagANewerVersionAndAnUnknownDtype) {
  save_model(file("m.npz"), kept_model<float>("softmax", "none").model);
  rewrite(file("m.npz"), file("tag.npz"), [](std::string& t) { replace(t, "\"descent-model\"", "\"other\""); });
  EXPECT_EQ(error_of(file("tag.npz")), "FormatError: " + file("tag.npz") +
                                           ": not a descent model file (metadata 'format' is not \"descent-model\")");
  rewrite(file("m.npz"), file("v2.npz"), [](std::string& t) { replace(t, "\"version\": 1", "\"version\": 2"); });
  EXPECT_EQ(error_of(file("v2.npz")), "FormatError: " + file("v2.npz") +
                                          ": model file version 2: this descent reads version 1 (the file is newer: "
                                          "update descent)");
  rewrite(file("m.npz"), file("f16.npz"), [](std::string& t) { replace(t, "\"float32\"", "\"float16\""); });
  EXPECT_EQ(error_of(file("f16.npz")),
            "FormatError: " + file("f16.npz") + ": metadata: dtype 'float16' (float32 or float64)");
}

TEST_F(ModelFile, RefusesAMissingOrMisshapenBlock) {
  save_model(file("m.npz"), kept_model<float>("mlp", "none").model);
  rewrite(
      file("m.npz"), file("missing.npz"), [](std::string&) {},
      [](const std::string& name) { return name != "layer1.bias"; });
  EXPECT_EQ(error_of(file("missing.npz")), "FormatError: " + file("missing.npz") + ": missing entry 'layer1.bias'");
  // The arrays are those of hidden = [4, 3]; metadata claiming [4, 2] no longer matches them.
  rewrite(file("m.npz"), file("shape.npz"), [](std::string& t) {
    auto meta = nlohmann::json::parse(t);
    meta["model"]["hidden"] = {4, 2};
    t = meta.dump();
  });
  const std::string shape_error = error_of(file("shape.npz"));
  EXPECT_EQ(shape_error.rfind("FormatError: " + file("shape.npz") + ": metadata: block ", 0), 0u) << shape_error;
}

TEST_F(ModelFile, RefusesAModelTheRegistryCannotBuild) {
  save_model(file("m.npz"), kept_model<float>("mlp", "none").model);
  rewrite(file("m.npz"), file("kind.npz"), [](std::string& t) { replace(t, "\"mlp\"", "\"transformer\""); });
  const std::string e = error_of(file("kind.npz"));
  EXPECT_EQ(e.rfind("FormatError: " + file("kind.npz") + ": the model it describes cannot be built: ", 0), 0u) << e;
}

TEST_F(ModelFile, EveryTruncationIsRefusedNamingTheFile) {
  save_model(file("m.npz"), kept_model<double>("logistic", "standardize").model);
  const std::string good = read_file(file("m.npz"));
  for (std::size_t keep = 0; keep < good.size(); keep += 7) {
    write_file_atomically(file("t.npz"), good.substr(0, keep));
    const std::string e = error_of(file("t.npz"));
    EXPECT_EQ(e.rfind("FormatError: " + file("t.npz") + ": ", 0), 0u) << keep << " bytes: " << e;
  }
}

TEST_F(ModelFile, AFlippedByteAnywhereIsRefusedOrLoadsAValidModel) {
  // Flips in the metadata, the arrays or the ZIP records: a FormatError, or (a flip in a
  // byte no reader looks at) the same model.
  const Kept<float> kept = kept_model<float>("softmax", "scale");
  save_model(file("m.npz"), kept.model);
  const std::string good = read_file(file("m.npz"));
  std::size_t refused = 0;
  for (std::size_t at = 0; at < good.size(); at += 3) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x21);
    write_file_atomically(file("f.npz"), bad);
    const std::string e = error_of(file("f.npz"));
    if (e == "no exception") {
      expect_same(kept.model, std::get<TrainedModel<float>>(load_model(file("f.npz"))), kept.raw.test);
      continue;
    }
    ++refused;
    EXPECT_EQ(e.rfind("FormatError: " + file("f.npz") + ": ", 0), 0u) << "byte " << at << ": " << e;
  }
  EXPECT_GT(refused, good.size() / 3 / 2);
}

TEST_F(ModelFile, AMissingFileIsAnIoErrorNamingIt) {
  const std::string e = error_of(file("absent.npz"));
  EXPECT_EQ(e.rfind("IoError: ", 0), 0u) << e;
  EXPECT_NE(e.find(file("absent.npz")), std::string::npos) << e;
}

}  // namespace
}  // namespace descent
