// libFuzzer target: read_libsvm on arbitrary bytes (plain or gzip), float and double,
// with default options and with 0-based indices and a fixed dimension.
#include <cstdint>

#include "descent/core/error.hpp"
#include "descent/data/libsvm_reader.hpp"
#include "fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace descent;
  const std::string& path = fuzz::write_input(data, size);
  fuzz::expect_only<Error>([&] { read_libsvm<float>(path); });
  fuzz::expect_only<Error>([&] { read_libsvm<double>(path, {.zero_based = true, .dimension = 16}); });
  return 0;
}
