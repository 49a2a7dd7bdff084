// Runs the `descent` program as a user would, for end-to-end tests: a fresh temporary
// folder per test, the command's exit status, stdout and stderr. Tests skip when the
// build has no CLI (DESCENT_BUILD_CLI=OFF).
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace descent::testing {

#ifdef DESCENT_CLI_PATH
inline const char* const kCli = DESCENT_CLI_PATH;
#else
inline const char* const kCli = nullptr;
#endif

namespace fs = std::filesystem;

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

struct Result {
  int status = -1;
  std::string out;
  std::string err;
};

class Cli : public ::testing::Test {
 public:
  void SetUp() override {
    if (kCli == nullptr) GTEST_SKIP() << "built without the CLI";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("descent_cli_test_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  fs::path file(const std::string& name) const { return dir_ / name; }

  // Runs `descent <args>` through the shell (args are written shell-quoted).
  Result run(const std::string& args) const {
    const std::string command = std::string("'") + kCli + "' " + args + " >'" + file("stdout").string() + "' 2>'" +
                                file("stderr").string() + "'";
    const int raw = std::system(command.c_str());
    Result r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = read_text(file("stdout"));
    r.err = read_text(file("stderr"));
    return r;
  }

  std::vector<double> read_parameters(const std::string& name) const {
    std::vector<double> x;
    for (const auto& line : lines_of(read_text(file(name)))) x.push_back(std::strtod(line.c_str(), nullptr));
    return x;
  }

  fs::path dir_;
};

}  // namespace descent::testing
