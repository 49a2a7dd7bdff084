// libFuzzer target: read_idx on arbitrary bytes (plain or gzip), float and double, and
// read_idx_dataset with the input as both the images and the labels file.
#include <cstdint>

#include "descent/core/error.hpp"
#include "descent/data/idx_reader.hpp"
#include "fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace descent;
  const std::string& path = fuzz::write_input(data, size);
  fuzz::expect_only<Error>([&] { read_idx<float>(path); });
  fuzz::expect_only<Error>([&] { read_idx<double>(path); });
  fuzz::expect_only<Error>([&] { read_idx_dataset<float>(path, path); });
  return 0;
}
