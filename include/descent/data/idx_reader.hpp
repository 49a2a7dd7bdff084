// The IDX format of MNIST, Fashion-MNIST, EMNIST and KMNIST: a 4-byte magic
// (0x00 0x00 <type> <number of dimensions>), the dimensions as big-endian 32-bit
// integers, then the elements, big-endian, in row-major order. Files may be
// gzip-compressed (recognized by their magic bytes, not their name). Errors are
// FormatError "<path>: byte <offset>: <reason>", offsets counting uncompressed bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "descent/core/aligned_buffer.hpp"
#include "descent/data/dataset.hpp"

namespace descent {

// The element types IDX defines, by their code in the third magic byte.
enum class IdxType : std::uint8_t {
  uint8 = 0x08,
  int8 = 0x09,
  int16 = 0x0B,
  int32 = 0x0C,
  float32 = 0x0D,
  float64 = 0x0E,
};

template <class T>
struct IdxArray {
  IdxType type = IdxType::uint8;    // the element type in the file
  std::vector<std::uint64_t> dims;  // as in the header, outermost first
  AlignedBuffer<T> values;          // product(dims) elements, row-major, converted to T
};

// Reads any IDX file. Integer elements convert to T exactly up to 2^24 (float) or
// 2^53 (double); float64 values beyond float's range are an error when T is float, and
// so are NaN and infinities.
template <class T>
IdxArray<T> read_idx(const std::string& path);

// An images file and its labels file as a dense dataset: one row per entry of the
// images' first dimension, the remaining dimensions flattened into columns (28 x 28
// pixels -> 784 columns, values kept as stored: 0..255 for MNIST). The labels file must
// be 1-d with one label per row.
template <class T>
Dataset<T> read_idx_dataset(const std::string& images_path, const std::string& labels_path);

}  // namespace descent
