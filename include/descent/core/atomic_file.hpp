// Writing a file so that a crash at any moment leaves either the old file or the new
// one, never a mix: write a temporary file in the same folder, fsync it, rename it over
// the target (atomic on POSIX file systems), fsync the folder.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace descent {

// `after_chunk(bytes_written)` is called after each chunk reaches the temporary file;
// tests use it to simulate a crash halfway.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                           const std::function<void(std::size_t)>& after_chunk = {});

// The whole file, or IoError naming it. Refuses files larger than `max_bytes`.
std::string read_file(const std::filesystem::path& path, std::size_t max_bytes = std::size_t{1} << 36);

}  // namespace descent
