// NpzWriter and NpzArchive: archives NumPy wrote (stored and deflated), round trips of our
// own archives, and every kind of damage a model file can suffer (truncation, flipped
// bytes, foreign files), each refused with a FormatError that names the file.
#include "descent/data/npz_archive.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <vector>

#include "data/data_test_support.hpp"

namespace descent {
namespace {

using test::corpus;
using test::error_of;
using test::TempDir;

void expect_numpy_arrays(const NpzArchive& archive) {
  EXPECT_EQ(archive.names(), (std::vector<std::string>{"a", "b", "s", "u"}));
  const auto a = archive.read<double>("a");
  EXPECT_EQ(a.descr, "<f8");
  EXPECT_EQ(a.shape, (std::vector<std::uint64_t>{2, 3}));
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(a.values[i], static_cast<double>(i) / 4);
  const auto b = archive.read<float>("b");
  EXPECT_EQ(b.shape, (std::vector<std::uint64_t>{4}));
  EXPECT_EQ(b.values[0], 1.5f);
  EXPECT_EQ(b.values[1], -2.0f);
  const auto s = archive.read<double>("s");
  EXPECT_TRUE(s.shape.empty());  // 0-d
  ASSERT_EQ(s.values.size(), 1u);
  EXPECT_EQ(s.values[0], 7.25);
  const auto u = archive.read<double>("u");
  EXPECT_EQ(u.descr, "|u1");
  EXPECT_EQ(u.values[2], 255.0);
}

TEST(NpzArchive, ReadsWhatNumpySavezWrites) { expect_numpy_arrays(NpzArchive(corpus("npz/savez.npz"))); }

TEST(NpzArchive, ReadsWhatNumpySavezCompressedWrites) {
  expect_numpy_arrays(NpzArchive(corpus("npz/savez_compressed.npz")));
}

std::string small_archive() {
  NpzWriter w;
  const std::vector<double> m = {1, 2, 3, 4, 5, 6};
  const std::vector<float> v = {0.5f, -1.25f};
  const std::vector<double> scalar = {3.5};
  w.add<double>("layer0.weight", m, {2, 3});
  w.add<float>("layer0.bias", v, {2});
  w.add<double>("bias", scalar, {});
  return w.finish();
}

TEST(NpzWriter, RoundTripsNamesShapesAndValuesBitForBit) {
  TempDir dir;
  const std::string path = test::write_file(dir.file("m.npz"), small_archive());
  const NpzArchive archive(path);
  EXPECT_EQ(archive.names(), (std::vector<std::string>{"layer0.weight", "layer0.bias", "bias"}));
  EXPECT_TRUE(archive.contains("bias"));
  EXPECT_FALSE(archive.contains("layer1.weight"));
  const auto w = archive.read<double>("layer0.weight");
  EXPECT_EQ(w.shape, (std::vector<std::uint64_t>{2, 3}));
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(w.values[i], static_cast<double>(i + 1));
  const auto b = archive.read<float>("layer0.bias");
  EXPECT_EQ(b.descr, "<f4");
  EXPECT_EQ(b.values[1], -1.25f);
  const auto s = archive.read<double>("bias");
  EXPECT_TRUE(s.shape.empty());
  EXPECT_EQ(s.values[0], 3.5);
}

TEST(NpzWriter, TheSameArraysGiveTheSameBytes) { EXPECT_EQ(small_archive(), small_archive()); }

TEST(NpzWriter, EntriesStartOn64ByteBoundariesAndCarryTheirCrc) {
  // The payload of each .npy sits at a multiple of 64 inside its entry (numpy's layout);
  // the CRC-32 of the whole entry is in the local header at offset 14.
  const std::string bytes = small_archive();
  ASSERT_EQ(bytes.substr(0, 4), std::string("PK\x03\x04", 4));
  const auto u32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  const auto u16 = [&](std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at]) |
                                      (static_cast<unsigned char>(bytes[at + 1]) << 8));
  };
  const std::size_t name_length = u16(26), extra_length = u16(28), size = u32(22);
  const std::size_t data = 30 + name_length + extra_length;
  EXPECT_EQ(bytes.substr(30, name_length), "layer0.weight.npy");
  const std::string entry = bytes.substr(data, size);
  EXPECT_EQ(crc32(0, reinterpret_cast<const Bytef*>(entry.data()), static_cast<uInt>(entry.size())), u32(14));
  const std::size_t header_length = static_cast<unsigned char>(entry[8]) | (static_cast<unsigned char>(entry[9]) << 8);
  EXPECT_EQ((10 + header_length) % 64, 0u);
  EXPECT_EQ(entry.size(), 10 + header_length + 6 * sizeof(double));
}

TEST(NpzArchive, RefusesAFileThatIsNotAZipArchive) {
  TempDir dir;
  const std::string path = test::write_file(dir.file("x.npz"), std::string(100, 'x'));
  EXPECT_EQ(error_of([&] { NpzArchive a(path); }),
            "FormatError: " + path + ": not a .npz archive (no ZIP end-of-directory record)");
}

TEST(NpzArchive, RefusesAMissingEntryByName) {
  TempDir dir;
  const std::string path = test::write_file(dir.file("m.npz"), small_archive());
  const NpzArchive archive(path);
  EXPECT_EQ(error_of([&] { archive.read<double>("layer9.weight"); }),
            "FormatError: " + path + ": no array 'layer9.weight' (the archive holds layer0.weight, layer0.bias, bias)");
}

TEST(NpzArchive, EveryTruncationIsAFormatErrorNeverACrash) {
  TempDir dir;
  const std::string good = small_archive();
  for (std::size_t keep = 0; keep < good.size(); ++keep) {
    const std::string path = test::write_file(dir.file("t.npz"), good.substr(0, keep));
    const std::string error = error_of([&] {
      const NpzArchive archive(path);
      for (const auto& name : archive.names()) archive.read<double>(name);
    });
    EXPECT_EQ(error.rfind("FormatError: " + path + ": ", 0), 0u) << "kept " << keep << " bytes: " << error;
  }
}

TEST(NpzArchive, AFlippedByteIsFoundOrHarmless) {
  // Each byte in turn flipped: the archive either still reads (a byte of a name's
  // padding, a version field) or gives a FormatError; never another exception or a crash.
  // Flips inside an entry's data are caught by its CRC-32.
  TempDir dir;
  const std::string good = small_archive();
  std::size_t refused = 0;
  for (std::size_t at = 0; at < good.size(); ++at) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x5a);
    const std::string path = test::write_file(dir.file("f.npz"), bad);
    const std::string error = error_of([&] {
      const NpzArchive archive(path);
      for (const auto& name : archive.names()) archive.read<double>(name);
    });
    if (error == "no exception") continue;
    ++refused;
    EXPECT_EQ(error.rfind("FormatError: " + path + ": ", 0), 0u) << "byte " << at << ": " << error;
  }
  EXPECT_GT(refused, good.size() / 2);
}

TEST(NpzArchive, ADamagedEntryIsCaughtByItsCrc) {
  TempDir dir;
  std::string bad = small_archive();
  // The last byte of the first entry's payload: the 6th double of layer0.weight.
  const std::size_t name_length = 17;
  const std::size_t data = 30 + name_length;
  const std::size_t header_length = static_cast<unsigned char>(bad[data + 8]);
  bad[data + 10 + header_length + 47] ^= 1;
  const std::string path = test::write_file(dir.file("c.npz"), bad);
  const NpzArchive archive(path);
  EXPECT_EQ(error_of([&] { archive.read<double>("layer0.weight"); }),
            "FormatError: " + path + ": layer0.weight.npy: CRC-32 mismatch (the entry is damaged)");
}

}  // namespace
}  // namespace descent
