// NumPy's .npy files (format versions 1.0, 2.0 and 3.0): the magic "\x93NUMPY", a
// version, a header length, a Python dict literal
//   {'descr': '<f8', 'fortran_order': False, 'shape': (60000, 784), }
// and the raw elements. The dict is parsed strictly: exactly these three keys, each
// once. Supported dtypes: |u1 |i1 <i2 <u2 <i4 <u4 <i8 <u8 <f4 <f8, little-endian only
// (big-endian and structured dtypes are errors), C order only, 1-d or 2-d. Files may be
// gzip-compressed. Errors are FormatError "<path>: byte <offset>: <reason>".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "descent/core/aligned_buffer.hpp"
#include "descent/data/dataset.hpp"

namespace descent {

template <class T>
struct NpyArray {
  std::string descr;                 // the dtype as written in the header, e.g. "<f8"
  std::vector<std::uint64_t> shape;  // 1 or 2 dimensions (0 from read_npy_bytes: a scalar)
  AlignedBuffer<T> values;           // product(shape) elements, row-major, converted to T
};

// Reads a 1-d or 2-d array. fortran_order True is accepted only for 1-d arrays, whose
// bytes are the same in both orders. Integers convert to T exactly up to 2^24 (float)
// or 2^53 (double); NaN, infinities, and float64 values beyond float's range when T is
// float, are errors.
template <class T>
NpyArray<T> read_npy(const std::string& path);

// The same from the bytes of a .npy file held in memory (an entry of a .npz archive);
// `name` stands for the path in messages. Also reads 0-d arrays (shape (), one element).
template <class T>
NpyArray<T> read_npy_bytes(std::string name, std::string bytes);

// Features (n, d) -- or (n,), read as one column -- and labels (n,) or (n, 1) as a
// dense dataset.
template <class T>
Dataset<T> read_npy_dataset(const std::string& features_path, const std::string& labels_path);

}  // namespace descent
