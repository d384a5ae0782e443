#include "autograder/core/stage.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include <memory>
#include "autograder/tests/scratch.h"

namespace fs = std::filesystem;

namespace {

struct Entry {
  Entry(std::string name, std::string data, unsigned type = AE_IFREG, std::string link = "")
      : name(std::move(name)), data(std::move(data)), type(type), link(std::move(link)) {}
  std::string name;
  std::string data;
  unsigned type;
  std::string link;
};

fs::path scratch(const std::string& name) {
  return proctor::testing::scratch_dir("stage_test", name);
}

// Writes entries exactly as given: archives crafted the way an attacker would.
fs::path make_archive(const fs::path& dir, const std::string& file,
                      const std::vector<Entry>& entries) {
  const fs::path path = dir / file;
  std::unique_ptr<archive, decltype(&archive_write_free)> writer(archive_write_new(),
                                                                 &archive_write_free);
  if (file.ends_with(".zip")) {
    archive_write_set_format_zip(writer.get());
  } else {
    archive_write_set_format_pax_restricted(writer.get());
    archive_write_add_filter_gzip(writer.get());
  }
  REQUIRE(archive_write_open_filename(writer.get(), path.c_str()) == ARCHIVE_OK);
  for (const auto& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    archive_entry_set_filetype(entry, e.type);
    archive_entry_set_perm(entry, 0644);
    if (!e.link.empty()) archive_entry_set_symlink(entry, e.link.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(e.data.size()));
    archive_write_header(writer.get(), entry);
    archive_write_data(writer.get(), e.data.data(), e.data.size());
    archive_entry_free(entry);
  }
  archive_write_close(writer.get());
  return path;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("a well-formed .tar.gz and .zip unpack in place") {
  for (const std::string name : {"good.tar.gz", "good.zip"}) {
    fs::path dir = scratch(name);
    auto archive = make_archive(dir, name, {{"sub/file.cc", "int x;\n"}, {"top.txt", "hi"}});
    fs::path into = dir / "out";
    fs::create_directories(into);
    proctor::unpack_archive(archive, into);
    CHECK(slurp(into / "sub/file.cc") == "int x;\n");
    CHECK(slurp(into / "top.txt") == "hi");
  }
}

TEST_CASE("hostile archive entries are refused with a reason") {
  struct Case {
    std::vector<Entry> entries;
    std::string reason;
  };
  std::vector<Case> cases = {
      {{{"../escape.cc", "x"}}, "'..'"},
      {{{"/etc/evil", "x"}}, "absolute"},
      {{{"link.cc", "", AE_IFLNK, "/etc/passwd"}}, "link"},
      {{{"fifo", "", AE_IFIFO}}, "special"},
  };
  int n = 0;
  for (const auto& c : cases) {
    fs::path dir = scratch("hostile" + std::to_string(n++));
    auto archive = make_archive(dir, "bad.tar.gz", c.entries);
    fs::path into = dir / "out";
    fs::create_directories(into);
    CHECK_THROWS_WITH(proctor::unpack_archive(archive, into), Catch::Contains(c.reason));
    CHECK_FALSE(fs::exists(dir / "escape.cc"));
  }
}

TEST_CASE("archives over the file count or size limits are refused") {
  fs::path dir = scratch("limits");
  auto many = make_archive(dir, "many.tar.gz", {{"a", "1"}, {"b", "2"}, {"c", "3"}});
  auto big = make_archive(dir, "big.tar.gz", {{"a", std::string(5000, 'x')}});
  proctor::UnpackLimits limits;
  limits.max_files = 2;
  limits.max_file_bytes = 4096;
  fs::create_directories(dir / "o1");
  fs::create_directories(dir / "o2");
  CHECK_THROWS_WITH(proctor::unpack_archive(many, dir / "o1", limits),
                    Catch::Contains("more than 2 files"));
  CHECK_THROWS_WITH(proctor::unpack_archive(big, dir / "o2", limits),
                    Catch::Contains("larger than"));
}

TEST_CASE("something that is not an archive gets a clear error") {
  fs::path dir = scratch("garbage");
  std::ofstream(dir / "x.tar.gz") << "this is not gzip";
  fs::create_directories(dir / "out");
  CHECK_THROWS_WITH(proctor::unpack_archive(dir / "x.tar.gz", dir / "out"),
                    Catch::Contains("x.tar.gz"));
}

TEST_CASE("student ids become safe package names and never take the kit's reserved prefix") {
  CHECK(proctor::safe_id("alice") == "alice");
  CHECK(proctor::safe_id("bob smith@uni") == "bob_smith_uni");
  CHECK(proctor::safe_id("_skeleton") == "s_skeleton");
  CHECK(proctor::safe_id("../..") == "s_____");
  CHECK(proctor::safe_id("") == "s");
}

TEST_CASE("the staged BUILD file is one call to the submission macro") {
  proctor::Lab lab;
  lab.id = "01_processes";
  lab.library = "processes";
  lab.has_hidden_tests = true;
  auto text = proctor::staged_build_file(lab, {"processes.cc"});
  CHECK_THAT(text, Catch::Contains("load(\"//bazel:submission.bzl\", \"submission\")") &&
                       Catch::Contains("srcs = [\"processes.cc\"]") &&
                       Catch::Contains("lab = \"01_processes\"") &&
                       Catch::Contains("library = \"processes\"") &&
                       Catch::Contains("hidden_tests = True"));
  CHECK_THAT(proctor::staged_build_file(lab, {"costs.cc", "ANSWERS.md"}),
             Catch::Contains("\"costs.cc\"") && !Catch::Contains("ANSWERS.md"));
  lab.has_hidden_tests = false;
  CHECK_THAT(proctor::staged_build_file(lab, {"processes.cc"}),
             Catch::Contains("hidden_tests = False"));
}

namespace {

// A kit with one lab of two student files, enough to stage into.
proctor::Kit tiny_kit(const std::string& name) {
  const fs::path root = scratch(name) / "kit";
  fs::create_directories(root / "labs" / "01_processes");
  std::ofstream(root / "WORKSPACE") << "";
  std::ofstream(root / "kit.json") << R"({"edition": "instructor"})";
  std::ofstream(root / "labs/01_processes/lab.json")
      << R"({"title": "P", "library": "processes", "student_files": ["processes.cc", "NOTES.md"]})";
  std::ofstream(root / "labs/01_processes/processes.cc") << "// skeleton\n";
  std::ofstream(root / "labs/01_processes/NOTES.md") << "notes\n";
  return proctor::Kit(root);
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("the lab's files are found at the top, under labs/<lab>/, or alone in a sub-folder") {
  const auto kit = tiny_kit("locate");
  const auto& lab = kit.labs().front();
  const fs::path dir = scratch("locate-submission");
  write(dir / "deep/er/processes.cc", "x");
  auto located = proctor::locate_files(lab, dir);
  REQUIRE(located.found.size() == 1);
  CHECK(located.found[0].second == "deep/er/processes.cc");
  CHECK(located.missing == std::vector<std::string>{"NOTES.md"});
  write(dir / "labs/01_processes/processes.cc", "y");
  CHECK(proctor::locate_files(lab, dir).found[0].second == "labs/01_processes/processes.cc");
  write(dir / "processes.cc", "z");
  CHECK(proctor::locate_files(lab, dir).found[0].second == "processes.cc");
}

TEST_CASE("a lab file found in several sub-folders and not at the top is ambiguous") {
  const auto kit = tiny_kit("ambiguous");
  const fs::path dir = scratch("ambiguous-submission");
  write(dir / "v1/processes.cc", "x");
  write(dir / "v2/processes.cc", "y");
  CHECK_THROWS_WITH(proctor::locate_files(kit.labs().front(), dir),
                    Catch::Contains("v1/processes.cc") && Catch::Contains("v2/processes.cc"));
}

TEST_CASE("a submission with none of the lab's files is rejected with what to upload") {
  const auto kit = tiny_kit("wrong-name");
  const fs::path dir = scratch("wrong-name-submission");
  write(dir / "process.cc", "int x;");
  auto staged = proctor::stage_submission(kit, kit.labs().front(), "s", dir);
  CHECK_THAT(staged.problem, Catch::Contains("none of the files") &&
                                 Catch::Contains("process.cc") &&
                                 Catch::Contains("Upload processes.cc, NOTES.md") &&
                                 Catch::Contains("./proctor pack 01"));
  fs::remove(dir / "process.cc");
  staged = proctor::stage_submission(kit, kit.labs().front(), "s", dir);
  CHECK_THAT(staged.problem, Catch::Contains("It is empty"));
}

TEST_CASE("a folder holding just the pack archive is graded from the archive") {
  const auto kit = tiny_kit("inner");
  const fs::path dir = scratch("inner-submission");
  make_archive(dir, "01_processes-submission.tar.gz",
               {{"labs/01_processes/processes.cc", "int solved;\n"}});
  auto staged = proctor::stage_submission(kit, kit.labs().front(), "s", dir);
  REQUIRE(staged.problem == "");
  CHECK(staged.taken == std::vector<std::string>{"processes.cc"});
  CHECK(staged.missing == std::vector<std::string>{"NOTES.md"});
  CHECK(slurp(kit.root() / staged.package / "processes.cc") == "int solved;\n");
  CHECK(slurp(kit.root() / staged.package / "NOTES.md") == "notes\n");  // The skeleton's.
  CHECK_FALSE(fs::exists(kit.work_dir() / "unpacked" / "01_processes" / "s"));
}

TEST_CASE("the digest follows the graded content, not where it sat or how it was packed") {
  const auto kit = tiny_kit("digest");
  const auto& lab = kit.labs().front();
  const fs::path a = scratch("digest-a");
  const fs::path b = scratch("digest-b");
  write(a / "processes.cc", "int x;\n");
  write(b / "labs/01_processes/processes.cc", "int x;\n");
  const auto first = proctor::stage_submission(kit, lab, "a", a).digest;
  CHECK(first.size() == 64);
  CHECK(proctor::stage_submission(kit, lab, "b", b).digest == first);
  write(a / "processes.cc", "int y;\n");
  CHECK(proctor::stage_submission(kit, lab, "a", a).digest != first);
  write(b / "NOTES.md", "my notes\n");
  CHECK(proctor::stage_submission(kit, lab, "b", b).digest != first);
}

TEST_CASE("source that reaches for the test harness is flagged for review") {
  auto notes = proctor::review_notes("a.cc",
                                     "int x;\n#include <catch2/catch.hpp>\n"
                                     "puts(\"<TestCase name\");\n"
                                     "atexit(f);\ngetenv(\"XML_OUTPUT_FILE\");\n");
  REQUIRE(notes.size() == 4);
  CHECK_THAT(notes[0], Catch::StartsWith("a.cc:2: uses the test framework"));
  CHECK_THAT(notes[3], Catch::StartsWith("a.cc:5: reads the environment"));
}

TEST_CASE("comments are not flagged for review, whatever they mention") {
  CHECK(proctor::review_notes("a.cc",
                              "// Unlike atexit handlers, _exit runs nothing; see getenv(3).\n"
                              "/* Catch::Session is the test framework's,\n"
                              "   OverallResult its report. */\n"
                              "int x; // ptrace would be needed to inspect another process\n")
            .empty());
  // Literals are code: a report forged in a raw string is still flagged, on
  // the line where it starts.
  const auto notes = proctor::review_notes(
      "a.cc", "int y;\nconst char* forged = R\"(<OverallResult success=\"true\"/>)\";\n");
  REQUIRE(notes.size() == 1);
  CHECK_THAT(notes[0], Catch::StartsWith("a.cc:2: writes test-report text"));
}

TEST_CASE("ordinary process code is not flagged") {
  CHECK(proctor::review_notes("a.cc",
                              "try { run(); } catch (const std::exception& e) {}\n"
                              "// the environment and the constructor\n"
                              "::execvp(args[0], args.data());\n")
            .empty());
}

TEST_CASE("includes of files outside the submission are found however they are written") {
  using proctor::compile_time_reach;
  // What students write.
  CHECK(compile_time_reach("a.cc",
                           "#include \"labs/01_processes/processes.h\"\n"
                           "#include <vector>\n#  include <sys/wait.h>\n"
                           "// #include \"/etc/passwd\"\n"
                           "/* #include </etc/passwd> */\n"
                           "const char* s = \"#include </etc/passwd>\";\n"
                           "auto r = R\"(\n#include </etc/passwd>\n)\";\n"
                           "#if __has_include(<pidfd.h>) && __has_include(\"x.h\")\n#endif\n") ==
        "");
  // What reaches outside, each after a first line.
  for (const std::string& hostile : {
           std::string("#include \"/work/solutions/x.cc\"\n"),
           std::string("#include <../../solutions/x.cc>\n"),
           std::string("#define SECRET \"/x\"\n#include SECRET\n"),
           std::string("#/* hidden */include \"/x\"\n"),
           std::string("#inc\\\nlude \"/x\"\n"),
           std::string("asm(\".incbin \\\"/x\\\"\");\n"),
           std::string("#include_next </x>\n"),
           std::string("#embed \"x\"\n"),
           std::string("#if __has_include(</work/solutions/01_processes/processes.cc>)\n"),
           std::string("constexpr bool b = __has_include(\"../hidden/x.cc\");\n"),
           std::string("#define P <x>\n#if __has_include_next(P)\n"),
       }) {
    CAPTURE(hostile);
    CHECK_THAT(compile_time_reach("a.cc", "int x;\n" + hostile),
               Catch::StartsWith("a.cc:2: ") || Catch::StartsWith("a.cc:3: "));
  }
}

TEST_CASE("a link in a submitted folder is refused, never followed") {
  const auto kit = tiny_kit("links");
  // Named as the lab's file, as the reference solution is.
  const fs::path secret = scratch("links-secret") / "processes.cc";
  write(secret, "int the_reference;\n");
  const fs::path dir = scratch("links-submission");
  fs::create_symlink(secret, dir / "processes.cc");
  auto staged = proctor::stage_submission(kit, kit.labs().front(), "s", dir);
  CHECK(staged.problem == "'processes.cc' is a link or not a regular file");
  CHECK_FALSE(fs::exists(kit.root() / staged.package / "processes.cc"));
  // A hard link is a file of the submission's own: taken, as a copy.
  fs::remove(dir / "processes.cc");
  fs::create_hard_link(secret, dir / "processes.cc");
  staged = proctor::stage_submission(kit, kit.labs().front(), "s", dir);
  CHECK(staged.problem == "");
}

TEST_CASE("submissions with the same files share one package, named by its content") {
  const auto kit = tiny_kit("content");
  const auto& lab = kit.labs().front();
  const fs::path alice = scratch("content-alice");
  const fs::path bob = scratch("content-bob");
  const fs::path carol = scratch("content-carol");
  write(alice / "processes.cc", "int solved;\n");
  write(bob / "labs" / "01_processes" / "processes.cc", "int solved;\n");  // Elsewhere, same file.
  write(carol / "processes.cc", "int solved; // mine\n");
  const auto a = proctor::stage_submission(kit, lab, "alice", alice);
  const auto b = proctor::stage_submission(kit, lab, "bob", bob);
  const auto c = proctor::stage_submission(kit, lab, "carol", carol);
  REQUIRE(a.problem.empty());
  REQUIRE(b.problem.empty());
  REQUIRE(c.problem.empty());
  CHECK(a.package == b.package);
  CHECK(a.package != c.package);
  CHECK_THAT(a.package, Catch::StartsWith(".proctor/stage/01_processes/_content/"));
  CHECK(slurp(kit.root() / a.package / "processes.cc") == "int solved;\n");
  CHECK(slurp(kit.root() / c.package / "processes.cc") == "int solved; // mine\n");
  CHECK(fs::exists(kit.root() / a.package / "BUILD"));
  // Nothing is left under the students' own names.
  CHECK_FALSE(fs::exists(kit.root() / ".proctor/stage/01_processes/alice"));
  CHECK_FALSE(fs::exists(kit.root() / ".proctor/stage/01_processes/bob"));
  // Staged again, the same package, still whole.
  CHECK(proctor::stage_submission(kit, lab, "alice", alice).package == a.package);
  CHECK(slurp(kit.root() / a.package / "processes.cc") == "int solved;\n");
  // Packages not staged for a while are swept; those staged now are not.
  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(24 * 30);
  fs::last_write_time(kit.root() / c.package, old);
  proctor::sweep_staged_packages(kit, lab, std::chrono::hours(24 * 7));
  CHECK_FALSE(fs::exists(kit.root() / c.package));
  CHECK(fs::exists(kit.root() / a.package / "processes.cc"));
}
