#include "autograder/core/result.h"

#include <stdexcept>

namespace proctor {
namespace {

using nlohmann::json;

// Bump when the record's shape changes: older records are then regraded.
constexpr int kRecordFormat = 1;

}  // namespace

std::string to_string(Status status) {
  switch (status) {
    case Status::graded:
      return "graded";
    case Status::build_error:
      return "build_error";
    case Status::rejected:
      return "rejected";
  }
  return "unknown";
}

Status parse_status(const std::string& text) {
  for (Status status : {Status::graded, Status::build_error, Status::rejected}) {
    if (to_string(status) == text) return status;
  }
  throw std::runtime_error("unknown status '" + text + "'");
}

double SubmissionResult::score() const {
  double total = 0;
  for (const auto& test : tests) total += test.score;
  return total;
}

double SubmissionResult::max_score() const {
  double total = 0;
  for (const auto& test : tests) total += test.info.points;
  return total;
}

json to_record(const SubmissionResult& result) {
  json tests = json::array();
  for (const auto& test : result.tests) {
    tests.push_back({{"name", test.info.name},
                     {"tags", test.info.tags},
                     {"task", test.info.task},
                     {"points", test.info.points},
                     {"hidden", test.hidden},
                     {"passed", test.passed},
                     {"score", test.score},
                     {"message", test.message},
                     {"seconds", test.seconds},
                     {"runs", test.runs}});
  }
  return {{"format", kRecordFormat},
          {"id", result.id},
          {"lab", result.lab},
          {"source", result.source.string()},
          {"submission_digest", result.submission_digest},
          {"kit_version", result.kit_version},
          {"status", to_string(result.status)},
          {"problem", result.problem},
          {"ignored", result.ignored},
          {"missing", result.missing},
          {"review", result.review},
          {"isolation_warning", result.isolation_warning},
          {"seconds", result.seconds},
          {"tests", tests}};
}

SubmissionResult from_record(const json& record) {
  try {
    if (record.at("format").get<int>() != kRecordFormat) {
      throw std::runtime_error("record format " + record.at("format").dump() + ", expected " +
                               std::to_string(kRecordFormat));
    }
    SubmissionResult result;
    result.id = record.at("id").get<std::string>();
    result.lab = record.at("lab").get<std::string>();
    result.source = record.at("source").get<std::string>();
    result.submission_digest = record.at("submission_digest").get<std::string>();
    result.kit_version = record.at("kit_version").get<std::string>();
    result.status = parse_status(record.at("status").get<std::string>());
    result.problem = record.at("problem").get<std::string>();
    result.ignored = record.at("ignored").get<std::vector<std::string>>();
    result.missing = record.at("missing").get<std::vector<std::string>>();
    result.review = record.at("review").get<std::vector<std::string>>();
    // Absent from records written before the field existed.
    result.isolation_warning = record.value("isolation_warning", "");
    result.seconds = record.at("seconds").get<double>();
    for (const json& entry : record.at("tests")) {
      TestResult test;
      test.info.name = entry.at("name").get<std::string>();
      test.info.tags = entry.at("tags").get<std::string>();
      test.info.task = entry.at("task").get<int>();
      test.info.points = entry.at("points").get<double>();
      test.hidden = entry.at("hidden").get<bool>();
      test.passed = entry.at("passed").get<bool>();
      test.score = entry.at("score").get<double>();
      test.message = entry.at("message").get<std::string>();
      test.seconds = entry.at("seconds").get<double>();
      test.runs = entry.at("runs").get<int>();
      result.tests.push_back(std::move(test));
    }
    return result;
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("not a proctor result record: ") + e.what());
  }
}

}  // namespace proctor
