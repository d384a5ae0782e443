#include "autograder/core/lab.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>
#include <stdexcept>

#include "autograder/core/files.h"

namespace proctor {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<Config>& known_configs() {
  static const std::vector<Config> configs{"plain", "asan", "ubsan", "tsan"};
  return configs;
}

std::vector<Config> read_configs(const json& manifest, const char* key,
                                 const std::vector<Config>& fallback, const fs::path& file) {
  if (!manifest.contains(key)) return fallback;
  auto configs = manifest.at(key).get<std::vector<Config>>();
  for (const auto& config : configs) {
    if (std::find(known_configs().begin(), known_configs().end(), config) ==
        known_configs().end()) {
      throw std::runtime_error(file.string() + ": unknown configuration '" + config + "' in \"" +
                               key + "\" (use plain, asan, ubsan or tsan)");
    }
  }
  if (configs.empty()) throw std::runtime_error(file.string() + ": \"" + key + "\" is empty");
  return configs;
}

Edition read_edition(const fs::path& root) {
  const fs::path file = root / "kit.json";
  const auto text = read_file_if_exists(file);
  if (!text)
    throw std::runtime_error("'" + root.string() + "' is not a kit checkout (no kit.json)");
  try {
    const std::string edition = json::parse(*text).at("edition").get<std::string>();
    if (edition == "instructor") return Edition::instructor;
    if (edition == "student") return Edition::student;
    throw std::runtime_error(file.string() + ": \"edition\" is '" + edition +
                             "' (use instructor or student)");
  } catch (const json::exception& e) {
    throw std::runtime_error(file.string() + ": " + e.what());
  }
}

}  // namespace

std::string to_string(Edition edition) {
  return edition == Edition::student ? "student" : "instructor";
}

Lab load_lab(const fs::path& kit_root, const fs::path& lab_dir, Edition edition) {
  Lab lab;
  lab.dir = lab_dir;
  lab.id = lab_dir.filename().string();
  static const std::regex id_shape(R"((\d\d)_[a-z0-9_]+)");
  std::smatch match;
  if (!std::regex_match(lab.id, match, id_shape)) {
    throw std::runtime_error("lab folder '" + lab.id + "' is not named NN_topic");
  }
  lab.number = match[1];
  const fs::path manifest_file = lab_dir / "lab.json";
  json manifest;
  try {
    manifest = json::parse(read_file(manifest_file));
    lab.title = manifest.at("title").get<std::string>();
    lab.library = manifest.at("library").get<std::string>();
    lab.student_files = manifest.at("student_files").get<std::vector<std::string>>();
    lab.test_timeout_seconds = manifest.value("test_timeout_seconds", 30);
    lab.runs = manifest.value("runs", 1);
    lab.parallel_tests = manifest.value("parallel_tests", true);
    lab.grade_configs = read_configs(manifest, "grade_configs", {"plain"}, manifest_file);
    lab.selftest_configs = read_configs(manifest, "selftest_configs", {"plain"}, manifest_file);
    lab.sample_configs = read_configs(manifest, "sample_configs", lab.grade_configs, manifest_file);
    for (const Config& config : lab.sample_configs) {
      if (std::find(lab.grade_configs.begin(), lab.grade_configs.end(), config) ==
          lab.grade_configs.end()) {
        throw std::runtime_error(manifest_file.string() + ": \"sample_configs\" names '" + config +
                                 "', which is not in \"grade_configs\"");
      }
    }
  } catch (const json::exception& e) {
    throw std::runtime_error(manifest_file.string() + ": " + e.what());
  }
  static const std::regex plain_file(R"([A-Za-z0-9_][A-Za-z0-9_.-]*\.(cc|h|md|txt))");
  for (const auto& file : lab.student_files) {
    if (!std::regex_match(file, plain_file)) {
      throw std::runtime_error(manifest_file.string() + ": student file '" + file +
                               "' must be a plain .cc, .h, .md or .txt name in the lab folder");
    }
  }
  if (lab.student_files.empty() || lab.runs < 1 || lab.test_timeout_seconds < 1) {
    throw std::runtime_error(manifest_file.string() +
                             ": needs student_files, runs >= 1 and test_timeout_seconds >= 1");
  }
  static const std::regex identifier(R"([A-Za-z_][A-Za-z0-9_]*)");
  if (!std::regex_match(lab.library, identifier)) {
    throw std::runtime_error(manifest_file.string() +
                             ": \"library\" must be the name given to "
                             "lab() in the lab's BUILD file, not '" +
                             lab.library + "'");
  }
  if (edition == Edition::student) {
    lab.skeleton_dir = kit_root / "autograder" / "skeletons" / lab.id;
  } else {
    lab.skeleton_dir = lab_dir;
    lab.has_hidden_tests = fs::exists(kit_root / "autograder" / "hidden" / lab.id / "BUILD");
    lab.has_solution = fs::exists(kit_root / "solutions" / lab.id / "BUILD");
  }
  return lab;
}

Kit::Kit(fs::path root) : root_(fs::absolute(std::move(root)).lexically_normal()) {
  if (!fs::exists(root_ / "WORKSPACE") || !fs::is_directory(root_ / "labs")) {
    throw std::runtime_error("'" + root_.string() +
                             "' is not a kit checkout (no WORKSPACE and labs/)");
  }
  edition_ = read_edition(root_);
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(root_ / "labs")) {
    if (entry.is_directory() && fs::exists(entry.path() / "lab.json")) dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  for (const auto& dir : dirs) labs_.push_back(load_lab(root_, dir, edition_));
}

const Lab& Kit::find(const std::string& name) const {
  for (const auto& lab : labs_) {
    if (lab.id == name || lab.number == name || (name.size() == 1 && lab.number == "0" + name)) {
      return lab;
    }
  }
  std::string known;
  for (const auto& lab : labs_) known += (known.empty() ? "" : ", ") + lab.id;
  throw std::runtime_error("no lab '" + name + "' (labs: " + known + ")");
}

}  // namespace proctor
