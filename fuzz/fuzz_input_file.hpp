// The readers take a path, so each fuzz input is written to one temporary file per
// process (rewritten in place for every input) and read back through the real code
// path, gzip detection included.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace descent::fuzz {

class InputFile {
 public:
  InputFile() {
    const char* tmp = std::getenv("TMPDIR");
    path_ = std::string(tmp != nullptr ? tmp : "/tmp") + "/descent_fuzz_XXXXXX";
    fd_ = mkstemp(path_.data());
    if (fd_ < 0) {
      std::perror("descent fuzz: mkstemp");
      std::abort();
    }
  }
  ~InputFile() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }

  const std::string& write(const std::uint8_t* data, std::size_t size) {
    if (::ftruncate(fd_, 0) != 0 || (size > 0 && ::pwrite(fd_, data, size, 0) != static_cast<ssize_t>(size))) {
      std::perror("descent fuzz: writing the input file");
      std::abort();
    }
    return path_;
  }

 private:
  std::string path_;
  int fd_ = -1;
};

// The one file of this process; a function-local static so it is removed at exit.
inline const std::string& write_input(const std::uint8_t* data, std::size_t size) {
  static InputFile file;
  return file.write(data, size);
}

// Runs f and swallows descent::Error, the documented outcome for malformed input. Any
// other exception escapes, and libFuzzer reports it as a crash.
template <class Error, class F>
void expect_only(F&& f) {
  try {
    f();
  } catch (const Error&) {
  }
}

}  // namespace descent::fuzz
