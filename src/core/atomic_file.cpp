#include "descent/core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "descent/core/error.hpp"

namespace descent {

namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw IoError("cannot " + what + " '" + path.string() + "': " + std::strerror(errno));
}

// Closes a descriptor on scope exit so every error path releases it.
struct Descriptor {
  int fd;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                           const std::function<void(std::size_t)>& after_chunk) {
  const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const std::filesystem::path temporary = path.string() + ".tmp-" + std::to_string(::getpid());
  {
    Descriptor file{::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (file.fd < 0) fail("create", temporary);
    constexpr std::size_t kChunk = std::size_t{1} << 20;
    std::size_t written = 0;
    while (written < bytes.size()) {
      const std::size_t want = std::min(kChunk, bytes.size() - written);
      const ssize_t n = ::write(file.fd, bytes.data() + written, want);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int saved = errno;
        ::unlink(temporary.c_str());
        errno = saved;
        fail("write", temporary);
      }
      written += static_cast<std::size_t>(n);
      if (after_chunk) after_chunk(written);
    }
    if (::fsync(file.fd) != 0) {
      ::unlink(temporary.c_str());
      fail("sync", temporary);
    }
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temporary.c_str());
    errno = saved;
    fail("rename into", path);
  }
  // The rename is durable only once the folder entry is on disk.
  Descriptor dir{::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (dir.fd >= 0) ::fsync(dir.fd);
}

std::string read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("open", path);
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) fail("read", path);
  if (static_cast<std::size_t>(size) > max_bytes)
    throw IoError("'" + path.string() + "' is " + std::to_string(size) + " bytes, more than the limit of " +
                  std::to_string(max_bytes));
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), size)) fail("read", path);
  return bytes;
}

}  // namespace descent
