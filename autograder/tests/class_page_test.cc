#include "autograder/core/class_page.h"

#include <catch2/catch.hpp>

#include "autograder/core/files.h"
#include "autograder/tests/scratch.h"

using proctor::Status;
using proctor::SubmissionResult;
using proctor::TestResult;

namespace {

TestResult make_test(const std::string& name, int task, double points, bool passed,
                     const std::string& message = "") {
  TestResult test;
  test.info.name = name;
  test.info.task = task;
  test.info.points = points;
  test.passed = passed;
  test.score = passed ? points : 0;
  test.message = message;
  test.runs = 1;
  test.seconds = passed ? 0.5 : 2.0;
  return test;
}

// A student passing the tests whose names are in `passing` (of "easy",
// "medium", "hard": 1, 1 and 2 points, tasks 1, 1 and 2).
SubmissionResult student(const std::string& id, const std::vector<std::string>& passing) {
  SubmissionResult result;
  result.id = id;
  result.lab = "01_processes";
  const auto passes = [&](const std::string& name) {
    return std::find(passing.begin(), passing.end(), name) != passing.end();
  };
  result.tests = {make_test("easy", 1, 1, passes("easy"), "easy failed"),
                  make_test("medium", 1, 1, passes("medium"), "medium failed"),
                  make_test("hard", 2, 2, passes("hard"), "hard failed")};
  return result;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t found = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++found;
  return found;
}

}  // namespace

TEST_CASE("html_escape leaves no markup and shows control characters") {
  CHECK(proctor::html_escape("<b a=\"1\" c='2'>&</b>") ==
        "&lt;b a=&quot;1&quot; c=&#39;2&#39;&gt;&amp;&lt;/b&gt;");
  CHECK(proctor::html_escape("bell\a") == "bell\\x07");
}

TEST_CASE("the histogram has a bar per point and counts each score once") {
  const std::vector<SubmissionResult> results{student("a", {}), student("b", {"easy", "medium"}),
                                              student("c", {"hard", "easy"}),
                                              student("d", {"easy", "medium", "hard"})};
  const std::string svg = proctor::score_histogram_svg(results);
  CHECK(count(svg, "<rect") == 5);  // 0..4 points
  CHECK(svg.find("0 points: 1 submission(s)") != std::string::npos);
  CHECK(svg.find("1 points: 0 submission(s)") != std::string::npos);
  CHECK(svg.find("2 points: 1 submission(s)") != std::string::npos);
  CHECK(svg.find("3 points: 1 submission(s)") != std::string::npos);
  CHECK(svg.find("4 points: 1 submission(s)") != std::string::npos);

  SubmissionResult big = student("e", {"hard"});
  big.tests[2].info.points = big.tests[2].score = 96;  // 98 points in all: 20 bins of 4.9
  const std::string binned = proctor::score_histogram_svg({big, student("f", {})});
  CHECK(count(binned, "<rect") == 20);
  CHECK(binned.find("0 to 5 points: 1 submission(s)") != std::string::npos);
  CHECK(binned.find("93 to 98 points: 1 submission(s)") != std::string::npos);
}

TEST_CASE("the class page ranks tests hardest first and leaves build errors out of it") {
  SubmissionResult broken = student("zed", {});
  broken.status = Status::build_error;
  broken.problem = "error: expected ';'";
  const std::vector<SubmissionResult> results{student("a", {"easy"}),
                                              student("b", {"easy", "medium"}),
                                              student("c", {"easy", "medium", "hard"}), broken};
  const std::string html = proctor::class_page_html("Lab 01", results, std::nullopt);
  const auto hard = html.find("<td>hard</td>"), medium = html.find("<td>medium</td>"),
             easy = html.find("<td>easy</td>");
  REQUIRE(hard != std::string::npos);
  CHECK(hard < medium);
  CHECK(medium < easy);
  CHECK(html.find("33% (1/3)") != std::string::npos);   // hard: 1 of the 3 that built
  CHECK(html.find("100% (3/3)") != std::string::npos);  // easy
  CHECK(html.find("Among the 3 submissions that built") != std::string::npos);
  CHECK(html.find("href=\"zed/report.html\"") != std::string::npos);
  CHECK(html.find("build_error") != std::string::npos);
  CHECK(html.find("Code similarity") == std::string::npos);
  const std::string linked = proctor::class_page_html(
      "Lab 01", results, proctor::SimilarityLink{"_similarity/index.html", 2, 50, 4, ""});
  CHECK(linked.find("<a href=\"_similarity/index.html\">2 pair(s) at or above 50%</a>") !=
        std::string::npos);
}

TEST_CASE("what a submission wrote reaches the pages as text, never as markup") {
  SubmissionResult hostile = student("mallory", {});
  hostile.tests[0].message = "<script>alert(1)</script><img src=x onerror=alert(2)>";
  hostile.review = {"processes.cc:3: <iframe src=\"javascript:alert(3)\">"};
  hostile.tests[1].info.name = "a test named <b>bold</b>";
  const std::string page = proctor::student_page_html("Lab 01", hostile);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("<img") == std::string::npos);
  CHECK(page.find("<iframe") == std::string::npos);
  CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(page.find("script-src 'none'") != std::string::npos);
  const std::string html = proctor::class_page_html("Lab 01", {hostile}, std::nullopt);
  CHECK(count(html, "<script") == 1);  // the page's own sorting script
  CHECK(html.find("<b>bold") == std::string::npos);
}

TEST_CASE("a student's page lists failed tests with messages, build errors and review notes") {
  SubmissionResult result = student("amy", {"easy"});
  result.review = {"processes.cc:9: std::getenv(\"CATCH\")"};
  const std::string page = proctor::student_page_html("Lab 01", result);
  CHECK(page.find("1/4") != std::string::npos);
  CHECK(page.find("medium failed") != std::string::npos);
  CHECK(page.find("hard failed") != std::string::npos);
  CHECK(page.find("easy failed") == std::string::npos);
  CHECK(page.find("For review") != std::string::npos);
  CHECK(page.find("href=\"../index.html\"") != std::string::npos);

  SubmissionResult broken = student("bob", {});
  broken.status = Status::build_error;
  broken.problem = "processes.cc:3: error: expected ';'";
  const std::string build = proctor::student_page_html("Lab 01", broken);
  CHECK(build.find("Build errors") != std::string::npos);
  CHECK(build.find("expected &#39;;&#39;") != std::string::npos);
  CHECK(build.find("Failed tests") == std::string::npos);  // nothing ran
}

TEST_CASE("write_class_pages writes the class page, a page per student, and links similarity") {
  const auto dir = proctor::testing::scratch_dir("class_page", "pages");
  const std::vector<SubmissionResult> results{student("a", {"easy"}), student("b", {})};
  proctor::write_class_pages(dir, "Lab 01", results);
  CHECK(std::filesystem::exists(dir / "a" / "report.html"));
  CHECK(std::filesystem::exists(dir / "b" / "report.html"));
  CHECK(proctor::read_file(dir / "index.html").find("Code similarity") == std::string::npos);
  std::filesystem::create_directories(dir / proctor::kSimilarityFolder);
  proctor::write_atomically(dir / proctor::kSimilarityFolder / "summary.json",
                            R"({"threshold": 60, "suspicious": 1, "submissions": 2})");
  proctor::write_class_pages(dir, "Lab 01", results);
  CHECK(proctor::read_file(dir / "index.html").find("1 pair(s) at or above 60%") !=
        std::string::npos);
}
