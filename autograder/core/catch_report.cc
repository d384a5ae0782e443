#include "autograder/core/catch_report.h"

#include <pugixml.hpp>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace proctor {
namespace {

std::string trim(const std::string& text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

void collect_messages(const pugi::xml_node& node, std::ostringstream& out) {
  for (const auto& child : node.children()) {
    const std::string kind = child.name();
    if (kind == "Expression" && std::string(child.attribute("success").value()) == "false") {
      out << child.attribute("type").value() << "( " << trim(child.child_value("Original"))
          << " ) failed at line " << child.attribute("line").value()
          << "\n  with: " << trim(child.child_value("Expanded")) << "\n";
    } else if (kind == "Exception" || kind == "FatalErrorCondition") {
      out << (kind == "Exception" ? "unexpected exception: " : "fatal error: ")
          << trim(child.child_value()) << "\n";
    } else if (kind == "Info" || kind == "Warning" || kind == "Failure") {
      out << (kind == "Info" ? "" : kind + ": ") << trim(child.child_value()) << "\n";
    } else if (kind == "Section") {
      collect_messages(child, out);
    }
  }
}

}  // namespace

std::vector<TestCaseInfo> parse_test_list(const std::string& listing) {
  std::vector<TestCaseInfo> tests;
  std::istringstream in(listing);
  std::string line;
  static const std::regex task_tag(R"(\[task(\d+)\])");
  static const std::regex points_tag(R"(\[points=(\d+(\.\d+)?)\])");
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto tab = line.find('\t');
    if (tab == std::string::npos) throw std::runtime_error("malformed test list line: " + line);
    TestCaseInfo test{line.substr(0, tab), line.substr(tab + 1)};
    std::smatch match;
    if (!std::regex_search(test.tags, match, task_tag) ||
        (test.task = std::stoi(match[1]), !std::regex_search(test.tags, match, points_tag))) {
      throw std::runtime_error("test '" + test.name + "' lacks [taskK] and [points=N] tags");
    }
    test.points = std::stod(match[1]);
    tests.push_back(std::move(test));
  }
  return tests;
}

CaseVerdict read_case_verdict(const std::string& xml, const std::string& name) {
  CaseVerdict verdict;
  if (xml.empty()) {
    verdict.problem = "the run ended before the test framework wrote its report";
    return verdict;
  }
  pugi::xml_document doc;
  auto parsed = doc.load_string(xml.c_str());
  int roots = 0;
  for (const auto& root : doc.children("Catch")) {
    (void)root;
    ++roots;
  }
  if (roots > 1) {
    verdict.problem =
        "the test runner reported more than once: a forked child returned into it instead of "
        "calling _exit";
    return verdict;
  }
  pugi::xml_node test_case;
  for (const auto& node : doc.child("Catch").child("Group").children("TestCase")) {
    if (test_case) {
      verdict.problem = "the report holds more than one test case";
      return verdict;
    }
    test_case = node;
  }
  if (!test_case) {
    verdict.problem = "the run ended before the test case started or reported";
    return verdict;
  }
  if (name != test_case.attribute("name").value()) {
    verdict.problem =
        std::string("the report names another test case: ") + test_case.attribute("name").value();
    return verdict;
  }
  std::ostringstream messages;
  collect_messages(test_case, messages);
  verdict.messages = messages.str();
  auto overall = test_case.child("OverallResult");
  if (!parsed || !overall) {
    verdict.problem = "the run ended early, in the middle of the test case";
    return verdict;
  }
  verdict.found = true;
  verdict.success = std::string(overall.attribute("success").value()) == "true";
  return verdict;
}

std::string escape_test_spec(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c == '\\' || c == '[' || c == ']' || c == ',' || c == '*' || c == '"' || c == '~' ||
        c == '#') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

}  // namespace proctor
