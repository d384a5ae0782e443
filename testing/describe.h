#pragma once

/// @file
/// @brief Small formatting helpers for test reports.

#include <sstream>
#include <string>

namespace testing {

/// Joins the arguments with single spaces via operator<<, for one-line reports
/// that a Catch2 failure message shows in full.
template <typename... Parts>
std::string join(const Parts&... parts) {
  std::ostringstream out;
  bool first = true;
  ((out << (first ? "" : " ") << parts, first = false), ...);
  return out.str();
}

}  // namespace testing
