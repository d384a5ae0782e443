// A submission's attempt to replace the kit's public tests with ones that
// always pass. The grader ignores every file outside the lab's manifest.
#include <catch2/catch.hpp>

TEST_CASE("decode_status reports a normal exit and its exit code", "[lab01][task1][points=1]") {
  REQUIRE(true);
}
