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

/// What a test saw, in words: each expectation that does not hold adds one
/// sentence saying what was expected and what happened instead, so that a
/// failure teaches rather than compares two joined strings. report() is
/// "ok" when every expectation held.
class Findings {
 public:
  /// Notes `sentence` unless `held`.
  void expect(bool held, const std::string& sentence) {
    if (!held) said_ += sentence + "\n";
  }
  /// Notes "expected WHAT to be WANT, but it was GOT" (and `pitfall`, the
  /// handout's name for the usual cause, if given) unless `got == want`.
  template <typename Got, typename Want>
  void expect_equal(const std::string& what, const Got& got, const Want& want,
                    const std::string& pitfall = "") {
    if (got == want) return;
    std::ostringstream sentence;
    sentence << std::boolalpha << "expected " << what << " to be " << want << ", but it was "
             << got;
    if (!pitfall.empty()) sentence << " (" << pitfall << ")";
    said_ += sentence.str() + "\n";
  }
  /// "ok", or every sentence noted, one per line.
  std::string report() const { return said_.empty() ? "ok" : said_; }

 private:
  std::string said_;
};

}  // namespace testing
