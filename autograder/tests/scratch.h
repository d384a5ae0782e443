#pragma once

/// @file
/// @brief An empty folder per test, under Bazel's TEST_TMPDIR.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace proctor::testing {

/// A new, empty folder `<TEST_TMPDIR>/<suite>-<pid>/<name>` (under /tmp
/// outside Bazel); what was there before is removed.
inline std::filesystem::path scratch_dir(const std::string& suite, const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::filesystem::path dir =
      std::filesystem::path(tmp ? tmp : "/tmp") / (suite + "-" + std::to_string(::getpid())) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace proctor::testing
