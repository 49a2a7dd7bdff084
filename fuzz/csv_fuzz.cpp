// libFuzzer target: read_csv on arbitrary bytes (plain or gzip), float and double,
// without a header (label last) and with a header (label first).
#include <cstdint>

#include "descent/core/error.hpp"
#include "descent/data/csv_reader.hpp"
#include "fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace descent;
  const std::string& path = fuzz::write_input(data, size);
  fuzz::expect_only<Error>([&] { read_csv<float>(path); });
  fuzz::expect_only<Error>([&] { read_csv<double>(path, {.has_header = true, .label_index = 0}); });
  return 0;
}
