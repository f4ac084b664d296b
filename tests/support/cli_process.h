// Running the `salient` binary (path in the SALIENT_CLI macro) as a process from tests.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "salient/assert.h"

namespace salient::testing_cli {

struct Process {
  int status;          // exit status (128 + signal if killed)
  std::string output;  // stdout and stderr together
};

/// Runs `salient ARGS` through the shell and collects its output.
inline Process run_cli(const std::string& args) {
  const std::string command = std::string(SALIENT_CLI) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  SALIENT_ASSERT(pipe);
  Process r{0, ""};
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) r.output.append(buffer, n);
  const int raw = pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  return r;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// A path in the test temp dir, unique to this process (ctest may run the binary several times
/// at once).
inline std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "salient_" + std::to_string(getpid()) + "_" + name;
}

}  // namespace salient::testing_cli
