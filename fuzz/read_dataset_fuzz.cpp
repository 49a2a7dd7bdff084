// libFuzzer target: format detection and read_dataset with format "auto" on arbitrary
// bytes, so inputs reach whichever reader the content selects.
#include <cstdint>

#include "descent/core/error.hpp"
#include "descent/data/read_dataset.hpp"
#include "fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace descent;
  const std::string& path = fuzz::write_input(data, size);
  fuzz::expect_only<Error>([&] {
    const std::string format = detect_format(path);
    DatasetSpec spec{.format = "auto", .path = path};
    if (format == "idx" || format == "npy") spec.labels_path = path;
    read_dataset<float>(spec);
  });
  return 0;
}
