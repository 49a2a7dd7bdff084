// Runs the `descent` program as a user would, for end-to-end tests: a fresh temporary
// folder per test, the command's exit status, stdout and stderr. Tests skip when the
// build has no CLI (DESCENT_BUILD_CLI=OFF).
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
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
  Result run(const std::string& args) const { return run_with_env("", args); }
  // The same behind `prefix`, e.g. "env -u OMP_WAIT_POLICY".
  Result run_with_env(const std::string& prefix, const std::string& args) const {
    const std::string command = prefix + (prefix.empty() ? "" : " ") + "'" + kCli + "' " + args + " >'" +
                                file("stdout").string() + "' 2>'" + file("stderr").string() + "'";
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

// Starts `descent <args>` in the background with stdout and stderr to `log`; returns its
// pid. Everything the child does before exec is async-signal-safe (the log is opened first).
inline pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<char*> argv{const_cast<char*>(kCli)};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::execv(kCli, argv.data());
    ::_exit(127);
  }
  ::close(fd);
  return pid;
}

// Waits until `path` exists (true) or `seconds` pass (false).
inline bool wait_for_file(const fs::path& path, int seconds = 60) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!fs::exists(path) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return fs::exists(path);
}

// Sends SIGINT (Ctrl-C) and returns the exit status, or -1 if the child did not exit normally.
inline int interrupt_and_wait(pid_t pid) {
  ::kill(pid, SIGINT);
  int raw = 0;
  if (::waitpid(pid, &raw, 0) != pid || !WIFEXITED(raw)) return -1;
  return WEXITSTATUS(raw);
}

}  // namespace descent::testing
