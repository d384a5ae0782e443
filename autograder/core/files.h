#pragma once

/// @file
/// @brief Small file helpers shared by the grader's modules.
/// @ingroup grader

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace proctor {

/// The whole content of `path`, or "" if it cannot be read.
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace proctor
