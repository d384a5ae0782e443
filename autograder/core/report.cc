#include "autograder/core/report.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <pugixml.hpp>
#include <sstream>

#include "autograder/core/files.h"

namespace proctor {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Hidden test messages stay short: enough to know what broke, not a recipe.
constexpr std::size_t kHiddenMessageChars = 200;

std::string shorten(const std::string& text, std::size_t size) {
  std::string first = text.substr(0, text.find('\n'));
  if (first.size() > size) first = first.substr(0, size) + "...";
  return first;
}

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

// Every line of `text` behind `prefix`, control characters made visible: a
// report line that comes from a submission never starts at the margin, where
// the report's own lines ("Score: N/M") are.
std::string indent(const std::string& text, const std::string& prefix) {
  std::istringstream in(visible(text));
  std::string line, out;
  while (std::getline(in, line)) out += prefix + line + "\n";
  return out;
}

std::string csv_field(std::string text) {
  // A cell a spreadsheet would take for a formula is kept as text.
  if (!text.empty() && std::string("=+-@\t\r").find(text.front()) != std::string::npos) {
    text.insert(0, "'");
  }
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::vector<int> class_tasks(const std::vector<SubmissionResult>& results) {
  std::vector<int> tasks;
  for (const auto& result : results) {
    for (const auto& test : result.tests) tasks.push_back(test.info.task);
  }
  std::sort(tasks.begin(), tasks.end());
  tasks.erase(std::unique(tasks.begin(), tasks.end()), tasks.end());
  return tasks;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::string test_number(const SubmissionResult& result, std::size_t index) {
  int task = result.tests[index].info.task;
  int within = 0;
  for (std::size_t i = 0; i <= index; ++i) within += result.tests[i].info.task == task;
  return std::to_string(task) + "." + std::to_string(within);
}

std::string visible(const std::string& text, bool keep_newlines) {
  std::string out;
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\t' && !(c == '\n' && keep_newlines)) || c == 0x7f) {
      char code[8];
      std::snprintf(code, sizeof code, "\\x%02x", c);
      out += code;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string format_points(double points) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", points);
  return buf;
}

std::vector<TaskScore> task_scores(const SubmissionResult& result) {
  std::map<int, TaskScore> tasks;
  for (const auto& test : result.tests) {
    TaskScore& task = tasks[test.info.task];
    task.task = test.info.task;
    task.score += test.score;
    task.max_score += test.info.points;
    task.tests += 1;
    task.passed += test.passed;
  }
  std::vector<TaskScore> out;
  for (const auto& [number, task] : tasks) out.push_back(task);
  return out;
}

double score_on_task(const std::vector<TaskScore>& scores, int task) {
  auto found = std::find_if(scores.begin(), scores.end(),
                            [task](const TaskScore& s) { return s.task == task; });
  return found == scores.end() ? 0 : found->score;
}

json gradescope_results(const SubmissionResult& result) {
  json out;
  out["score"] = result.score();
  out["execution_time"] = result.seconds;
  out["output_format"] = "text";
  out["visibility"] = "visible";
  out["stdout_visibility"] = "hidden";
  std::string output;
  switch (result.status) {
    case Status::graded:
      output = "Lab " + result.lab + ": graded.\n";
      break;
    case Status::build_error:
      output = "Lab " + result.lab + ": your files do not compile, so no test ran.\n" +
               result.problem + "\n";
      break;
    case Status::rejected:
      output =
          "Lab " + result.lab + ": your submission could not be graded.\n" + result.problem + "\n";
      break;
  }
  if (!result.missing.empty()) {
    output += "Missing files (the unmodified skeleton's were graded):";
    for (const auto& file : result.missing) output += " " + file;
    output += "\n";
  }
  if (!result.ignored.empty()) {
    output += "Ignored files (not in the lab's manifest):";
    for (const auto& file : result.ignored) output += " " + file;
    output += "\n";
  }
  out["output"] = visible(output);
  // For the instructor (Gradescope shows extra_data to staff only).
  out["extra_data"] = {{"student", result.id},
                       {"lab", result.lab},
                       {"status", to_string(result.status)},
                       {"submission_digest", result.submission_digest},
                       {"kit_version", result.kit_version},
                       {"review", result.review},
                       {"isolation_warning", result.isolation_warning}};
  out["tests"] = json::array();
  for (std::size_t i = 0; i < result.tests.size(); ++i) {
    const TestResult& test = result.tests[i];
    json entry;
    entry["name"] = test.info.name;
    entry["number"] = test_number(result, i);
    entry["score"] = test.score;
    entry["max_score"] = test.info.points;
    entry["status"] = test.passed ? "passed" : "failed";
    entry["tags"] = {"task" + std::to_string(test.info.task), test.hidden ? "hidden" : "public"};
    entry["visibility"] = test.hidden ? "after_due_date" : "visible";
    entry["output"] =
        visible(test.hidden ? shorten(test.message, kHiddenMessageChars) : test.message);
    out["tests"].push_back(entry);
  }
  return out;
}

std::string junit_xml(const SubmissionResult& result) {
  pugi::xml_document doc;
  auto suites = doc.append_child("testsuites");
  auto suite = suites.append_child("testsuite");
  int failures = 0;
  for (const auto& test : result.tests) failures += !test.passed;
  suite.append_attribute("name") = ("lab" + result.lab + "." + result.id).c_str();
  suite.append_attribute("tests") = static_cast<long long>(result.tests.size());
  suite.append_attribute("failures") = result.status == Status::graded ? failures : 0;
  suite.append_attribute("errors") =
      result.status == Status::graded ? 0 : static_cast<long long>(result.tests.size());
  suite.append_attribute("skipped") = 0;
  suite.append_attribute("time") = result.seconds;
  for (const auto& test : result.tests) {
    auto node = suite.append_child("testcase");
    node.append_attribute("classname") =
        ("lab" + result.lab + ".task" + std::to_string(test.info.task)).c_str();
    node.append_attribute("name") = test.info.name.c_str();
    node.append_attribute("time") = test.seconds;
    if (test.passed) continue;
    auto failure = node.append_child(result.status == Status::graded ? "failure" : "error");
    failure.append_attribute("message") = shorten(test.message, kHiddenMessageChars).c_str();
    failure.text() = test.message.c_str();
  }
  std::ostringstream out;
  doc.save(out, "  ");
  return out.str();
}

std::string task_table(const SubmissionResult& result) {
  std::ostringstream out;
  out << "  " << pad("Task", 8) << pad("Passed", 10) << "Points\n";
  for (const auto& task : task_scores(result)) {
    out << "  " << pad(std::to_string(task.task), 8)
        << pad(std::to_string(task.passed) + "/" + std::to_string(task.tests), 10)
        << format_points(task.score) << "/" << format_points(task.max_score) << "\n";
  }
  out << "Score: " << format_points(result.score()) << "/" << format_points(result.max_score())
      << "\n";
  return out.str();
}

std::string text_report(const SubmissionResult& result) {
  std::ostringstream out;
  out << "Lab " << result.lab << ", submission " << result.id << "\n";
  out << "Source: " << visible(result.source.string(), false) << "\n";
  out << "Status: " << to_string(result.status) << "\n";
  if (!result.isolation_warning.empty()) {
    out << "\nWARNING: " << indent(result.isolation_warning, "  ").substr(2);
  }
  if (!result.problem.empty()) out << "\n" << indent(result.problem, "  ");
  if (!result.missing.empty()) {
    out << "\nMissing files (the unmodified skeleton's were used):\n";
    for (const auto& file : result.missing) out << "  " << visible(file, false) << "\n";
  }
  if (!result.ignored.empty()) {
    out << "\nIgnored files (not in the lab's manifest):\n";
    for (const auto& file : result.ignored) out << "  " << visible(file, false) << "\n";
  }
  if (!result.review.empty()) {
    out << "\nFor the instructor to review (reaches for the test harness; not scored):\n";
    for (const auto& note : result.review) out << "  " << visible(note, false) << "\n";
  }
  bool any_failed = false;
  for (std::size_t i = 0; i < result.tests.size(); ++i) {
    const TestResult& test = result.tests[i];
    if (test.passed || result.status != Status::graded) continue;
    if (!any_failed) out << "\nFailed tests:\n";
    any_failed = true;
    out << "  " << test_number(result, i) << " " << test.info.name << " ("
        << (test.hidden ? "hidden" : "public") << ", 0/" << format_points(test.info.points) << ")\n"
        << indent(test.message, "      ");
  }
  bool any_note = false;
  for (std::size_t i = 0; i < result.tests.size(); ++i) {
    const TestResult& test = result.tests[i];
    if (!test.passed || test.message.empty()) continue;
    if (!any_note) out << "\nNotes on passed tests:\n";
    any_note = true;
    out << "  " << test_number(result, i) << " " << test.info.name << "\n"
        << indent(test.message, "      ");
  }
  out << "\n" << task_table(result);
  return out.str();
}

std::string gradebook_csv(const std::vector<SubmissionResult>& results) {
  const std::vector<int> tasks = class_tasks(results);
  std::ostringstream out;
  out << "student";
  for (int task : tasks) out << ",task" << task;
  out << ",total,max,status\n";
  for (const auto& result : results) {
    out << csv_field(result.id);
    const auto scores = task_scores(result);
    for (int task : tasks) out << "," << format_points(score_on_task(scores, task));
    out << "," << format_points(result.score()) << "," << format_points(result.max_score()) << ","
        << to_string(result.status) << "\n";
  }
  return out.str();
}

std::string class_summary(const std::vector<SubmissionResult>& results,
                          const std::string& kit_version) {
  std::ostringstream out;
  std::vector<double> scores;
  double max_score = 0;
  for (const auto& result : results) {
    scores.push_back(result.score());
    max_score = std::max(max_score, result.max_score());
  }
  double mean = 0;
  for (double s : scores) mean += s / static_cast<double>(scores.size());
  char line[160];
  std::snprintf(line, sizeof line, "Submissions: %zu   mean %.2f/%s   median %s/%s\n",
                scores.size(), mean, format_points(max_score).c_str(),
                format_points(median(scores)).c_str(), format_points(max_score).c_str());
  out << line;
  std::map<Status, int> statuses;
  for (const auto& result : results) ++statuses[result.status];
  out << "Status:";
  for (Status status : {Status::graded, Status::build_error, Status::rejected}) {
    out << "  " << to_string(status) << " " << statuses[status];
  }
  out << "\n";
  std::vector<std::string> stale;
  for (const auto& result : results) {
    if (!kit_version.empty() && result.kit_version != kit_version) stale.push_back(result.id);
  }
  if (!stale.empty()) {
    out << "\nNote: " << stale.size()
        << " result(s) were graded against another version of the kit; grade them again to "
           "bring them up to date:";
    for (const auto& id : stale) out << " " << id;
    out << "\n";
  }
  std::vector<std::string> weak;
  for (const auto& result : results) {
    if (!result.isolation_warning.empty()) weak.push_back(result.id);
  }
  if (!weak.empty()) {
    out << "\nWARNING: " << weak.size()
        << " result(s) were graded with less isolation than the kit's minimum (see each "
           "report.txt):";
    for (const auto& id : weak) out << " " << visible(id, false);
    out << "\n";
  }
  out << "\nPass rate per test:\n";
  std::map<std::string, std::pair<int, int>> rates;
  std::vector<std::string> order;
  for (const auto& result : results) {
    for (const auto& test : result.tests) {
      auto& rate = rates[test.info.name];
      if (rate.second == 0) order.push_back(test.info.name);
      rate.first += test.passed;
      rate.second += 1;
    }
  }
  for (const auto& name : order) {
    auto [passed, total] = rates[name];
    std::snprintf(line, sizeof line, "  %3d%%  ", total ? 100 * passed / total : 0);
    out << line << name << "\n";
  }
  return out.str();
}

void write_submission_outputs(const SubmissionResult& result, const fs::path& dir) {
  write_atomically(dir / "junit.xml", junit_xml(result));
  write_atomically(dir / "report.txt", text_report(result));
  write_atomically(dir / "results.json", gradescope_results(result).dump(2) + "\n");
  // The record last: its presence marks a finished submission.
  write_atomically(dir / "result.json", to_record(result).dump(2) + "\n");
}

std::string class_table(const std::vector<SubmissionResult>& results) {
  const std::vector<int> tasks = class_tasks(results);
  std::size_t width = 12;
  for (const auto& result : results) width = std::max(width, result.id.size() + 2);
  std::string out = "  " + pad("Submission", width);
  for (int task : tasks) out += pad("T" + std::to_string(task), 6);
  out += pad("Score", 8) + "Status\n";
  for (const auto& result : results) {
    out += "  " + pad(result.id, width);
    const auto scores = task_scores(result);
    for (int task : tasks) {
      std::string cell = "-";
      for (const auto& s : scores) {
        if (s.task == task) cell = format_points(s.score) + "/" + format_points(s.max_score);
      }
      out += pad(cell, 6) + (cell.size() >= 6 ? " " : "");
    }
    const std::string score =
        format_points(result.score()) + "/" + format_points(result.max_score());
    out += pad(score, 8) + (score.size() >= 8 ? " " : "") + to_string(result.status) + "\n";
  }
  return out;
}

}  // namespace proctor
