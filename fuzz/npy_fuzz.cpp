// libFuzzer target: read_npy on arbitrary bytes (plain or gzip), float and double, and
// read_npy_dataset with the input as both the features and the labels file.
#include <cstdint>

#include "descent/core/error.hpp"
#include "descent/data/npy_reader.hpp"
#include "fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace descent;
  const std::string& path = fuzz::write_input(data, size);
  fuzz::expect_only<Error>([&] { read_npy<float>(path); });
  fuzz::expect_only<Error>([&] { read_npy<double>(path); });
  fuzz::expect_only<Error>([&] { read_npy_dataset<double>(path, path); });
  return 0;
}
