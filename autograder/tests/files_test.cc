#include "autograder/core/files.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "autograder/tests/scratch.h"

namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) {
  return proctor::testing::scratch_dir("files_test", name);
}

}  // namespace

TEST_CASE("read_file names a missing or unreadable file instead of returning nothing") {
  const fs::path dir = scratch("read");
  CHECK_THROWS_WITH(proctor::read_file(dir / "absent.log"),
                    Catch::Contains("absent.log") && Catch::Contains("No such file"));
  CHECK_FALSE(proctor::read_file_if_exists(dir / "absent.log").has_value());
  CHECK_THROWS_WITH(proctor::read_file(dir), Catch::Contains(dir.string()));
  std::ofstream(dir / "empty.log") << "";
  CHECK(proctor::read_file(dir / "empty.log").empty());
  std::ofstream(dir / "text") << "a\nb";
  CHECK(proctor::read_file(dir / "text") == "a\nb");
}

TEST_CASE("write_atomically replaces a file whole and creates its folder") {
  const fs::path dir = scratch("write");
  proctor::write_atomically(dir / "sub" / "out.txt", "one");
  proctor::write_atomically(dir / "sub" / "out.txt", "two");
  CHECK(proctor::read_file(dir / "sub" / "out.txt") == "two");
  CHECK(std::distance(fs::directory_iterator(dir / "sub"), fs::directory_iterator()) == 1);
}

TEST_CASE("digests are SHA-256 of length-framed parts") {
  // Known answer: SHA-256 of "3:abc".
  CHECK(proctor::Digest().add("abc").hex() ==
        "aab5f9ae99b2e38fb462025c8f72f570c9c811705d2a4277dc855d7fa293fe97");
  CHECK(proctor::Digest().add("ab").add("c").hex() != proctor::Digest().add("a").add("bc").hex());
  CHECK(proctor::Digest().add("x").hex() == proctor::Digest().add("x").hex());
}
