#include "autograder/core/similarity.h"

#include <catch2/catch.hpp>
#include <set>

#include "autograder/core/files.h"
#include "autograder/tests/scratch.h"

namespace fs = std::filesystem;
using proctor::read_file;
using proctor::write_atomically;

TEST_CASE("the base is taken out line by line, keeping line numbers") {
  const auto base = proctor::base_lines({"int add(int a, int b) {\n  // TODO\n  return 0;\n}\n"});
  CHECK(base.count("int add(int a, int b) {") == 1);
  CHECK(base.count("return 0;") == 1);
  CHECK(base.count("}") == 0);  // punctuation alone is not the skeleton's
  const std::string stripped = proctor::strip_base(
      "int   add(int a, int b)   {\n  int sum = a + b;\n  return 0;\n}\n", base);
  CHECK(stripped == "\n  int sum = a + b;\n\n}\n");
}

TEST_CASE("sim_c++ output is parsed: percentages and runs") {
  const auto percentages = proctor::parse_sim_percentages(
      "File 00000.cc: 2478 tokens, 358 lines\n"
      "Total input: 3 files (3 new, 0 old), 5377 tokens\n\n"
      "00000.cc consists for 100 % of 00001.cc material\n"
      "00001.cc consists for 4 % of 00002.cc material\n");
  REQUIRE(percentages.size() == 2);
  CHECK(percentages[0].from == "00000.cc");
  CHECK(percentages[0].of == "00001.cc");
  CHECK(percentages[0].percent == 100);
  CHECK(percentages[1].percent == 4);
  const auto runs = proctor::parse_sim_runs(
      "File 00000.cc: 2478 tokens, 358 lines\n\n"
      "00000.cc: line 18-358                      |00001.cc: line 20-361                [2478]\n\n"
      "00001.cc: line 211-213                     |00002.cc: line 39-41                   [33]\n");
  REQUIRE(runs.size() == 2);
  CHECK(runs[0].left == "00000.cc");
  CHECK(runs[0].left_first == 18);
  CHECK(runs[0].left_last == 358);
  CHECK(runs[0].right == "00001.cc");
  CHECK(runs[0].right_first == 20);
  CHECK(runs[0].right_last == 361);
  CHECK(runs[0].tokens == 2478);
  CHECK(runs[1].tokens == 33);
}

namespace {

// A one-file lab whose skeleton is a stub of `checksum` and `count_words`.
proctor::Lab tiny_lab(const fs::path& dir) {
  proctor::Lab lab;
  lab.id = "09_tiny";
  lab.dir = dir / "lab";
  lab.skeleton_dir = lab.dir;
  lab.student_files = {"tiny.cc"};
  fs::create_directories(lab.dir);
  write_atomically(lab.dir / "tiny.h",
                   "#pragma once\n#include <string>\nint checksum(const std::string& text);\n"
                   "int count_words(const std::string& text);\n");
  write_atomically(lab.dir / "tiny.cc",
                   "#include \"tiny.h\"\n\nint checksum(const std::string& text) {\n"
                   "  // TODO(student)\n  (void)text;\n  return 0;\n}\n\n"
                   "int count_words(const std::string& text) {\n  // TODO(student)\n"
                   "  (void)text;\n  return 0;\n}\n");
  return lab;
}

const char* kOriginal = R"(#include "tiny.h"

int checksum(const std::string& text) {
  unsigned sum = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    sum = (sum << 5) ^ (sum >> 27) ^ static_cast<unsigned char>(text[i]);
    if (sum % 7 == 3) sum += 11;
  }
  return static_cast<int>(sum & 0x7fffffff);
}

int count_words(const std::string& text) {
  int words = 0;
  bool inside = false;
  for (char c : text) {
    const bool letter = c != ' ' && c != '\n' && c != '\t';
    if (letter && !inside) ++words;
    inside = letter;
  }
  return words;
}
)";

// The same code: renamed, reordered, re-commented, re-laid out.
const char* kDisguised = R"(#include "tiny.h"
// word counting first
int count_words(const std::string& s)
{
    int n = 0; bool in_word = false;
    for (char ch : s)
    {
        const bool is_letter = ch != ' ' && ch != '\n' && ch != '\t';
        if (is_letter && !in_word) ++n;
        in_word = is_letter;
    }
    return n;
}
int checksum(const std::string& s)
{
    unsigned h = 0;
    for (std::size_t k = 0; k < s.size(); ++k)
    {
        h = (h << 5) ^ (h >> 27) ^ static_cast<unsigned char>(s[k]);
        if (h % 7 == 3) h += 11;
    }
    return static_cast<int>(h & 0x7fffffff);
}
)";

const char* kIndependent = R"(#include "tiny.h"
#include <sstream>

int checksum(const std::string& text) {
  long total = 17;
  for (unsigned char c : text) total = (total * 31 + c) % 1000003;
  return static_cast<int>(total);
}

int count_words(const std::string& text) {
  std::istringstream in(text);
  std::string word;
  int n = 0;
  while (in >> word) n++;
  return n;
}
)";

}  // namespace

TEST_CASE("a disguised copy ranks first; the skeleton and unreadable submissions are left out") {
  const auto dir = proctor::testing::scratch_dir("similarity", "class");
  const proctor::Lab lab = tiny_lab(dir);
  const fs::path class_dir = dir / "class";
  const std::vector<std::pair<std::string, std::string>> files{
      {"ana", kOriginal},
      {"ben", kDisguised},
      {"cy", kIndependent},
      {"dee", read_file(lab.dir / "tiny.cc")},
      {"fay", std::string(kOriginal) + "// mine\n"}};
  std::vector<proctor::Submission> submissions;
  for (const auto& [id, text] : files) {
    write_atomically(class_dir / id / "tiny.cc", text);
    submissions.push_back({id, class_dir / id});
  }
  fs::create_directories(class_dir / "eve");
  write_atomically(class_dir / "eve" / "notes.txt", "no code here");
  submissions.push_back({"eve", class_dir / "eve"});

  proctor::SimilarityOptions options;
  options.out = dir / "report";
  const auto report = proctor::compare_submissions(lab, submissions, options, dir / "scratch");
  CHECK(report.compared == std::vector<std::string>{"ana", "ben", "cy", "fay"});
  REQUIRE(report.left_out.size() == 2);
  CHECK(report.left_out[0].first == "dee");
  CHECK(report.left_out[0].second == "nothing beyond the skeleton");
  CHECK(report.left_out[1].first == "eve");
  CHECK(report.left_out[1].second.find("holds none of the files lab 09_tiny grades") !=
        std::string::npos);
  // Every pair among the three copies, however sim attributed their
  // material at first; nothing else.
  REQUIRE(report.pairs.size() >= 3);
  CHECK(report.suspicious == 3);
  std::set<std::pair<std::string, std::string>> suspicious;
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(report.pairs[i].score() >= options.threshold);
    suspicious.insert({report.pairs[i].first, report.pairs[i].second});
  }
  CHECK(suspicious == std::set<std::pair<std::string, std::string>>{
                          {"ana", "ben"}, {"ana", "fay"}, {"ben", "fay"}});
  for (std::size_t i = 3; i < report.pairs.size(); ++i) {
    CHECK(report.pairs[i].score() < options.threshold);
  }
  CHECK(report.groups == std::vector<std::vector<std::string>>{{"ana", "ben", "fay"}});
  CHECK(fs::exists(options.out / "pairs" / "ana--ben.html"));
  CHECK(read_file(options.out / "pairs.csv").rfind("first,second,", 0) == 0);
  CHECK(read_file(options.out / "summary.json").find("\"suspicious\": 3") != std::string::npos);
  const std::string page = read_file(options.out / "pairs" / "ana--ben.html");
  CHECK(page.find("id=\"a-run-1\"") != std::string::npos);
  CHECK(page.find("id=\"b-run-1\"") != std::string::npos);
  CHECK(!fs::exists(dir / "scratch"));  // cleaned up

  options.threshold = 0;
  CHECK_THROWS_WITH(proctor::compare_submissions(lab, submissions, options, dir / "scratch"),
                    Catch::Contains("from 1 to 100"));
  options.threshold = 50;
  CHECK_THROWS_WITH(
      proctor::compare_submissions(lab, {submissions[0], submissions[3]}, options, dir / "scratch"),
      Catch::Contains("fewer than two submissions"));
}
