#include "autograder/core/samples.h"

#include <fstream>
#include <stdexcept>

#include "autograder/core/files.h"
#include "autograder/core/process.h"
#include "autograder/core/report.h"

namespace proctor {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void diff(const json& expected, const json& actual, const std::string& where,
          std::vector<std::string>& out) {
  if (expected.is_object() && actual.is_object()) {
    for (const auto& [key, value] : expected.items()) {
      if (!actual.contains(key)) {
        out.push_back(where + "." + key + ": missing");
      } else {
        diff(value, actual[key], where + "." + key, out);
      }
    }
    for (const auto& [key, value] : actual.items()) {
      if (!expected.contains(key))
        out.push_back(where + "." + key + ": unexpected " + value.dump());
    }
  } else if (expected.is_array() && actual.is_array()) {
    if (expected.size() != actual.size()) {
      out.push_back(where + ": " + std::to_string(expected.size()) + " entries expected, " +
                    std::to_string(actual.size()) + " found");
    }
    for (std::size_t i = 0; i < std::min(expected.size(), actual.size()); ++i) {
      diff(expected[i], actual[i], where + "[" + std::to_string(i) + "]", out);
    }
  } else if (expected != actual) {
    out.push_back(where + ": expected " + expected.dump() + ", got " + actual.dump());
  }
}

// A patch with its @NAME@ placeholders filled in, written beside `dir`.
fs::path fill_placeholders(const fs::path& patch, const fs::path& dir,
                           const std::map<std::string, std::string>& placeholders) {
  std::string text = read_file(patch);
  std::string out;
  for (std::size_t at = 0;;) {
    const auto open = text.find('@', at);
    const auto close = open == std::string::npos ? open : text.find('@', open + 1);
    const std::string name =
        close == std::string::npos ? "" : text.substr(open + 1, close - open - 1);
    const bool placeholder =
        !name.empty() && name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == std::string::npos;
    if (!placeholder) {
      out += text.substr(at, open == std::string::npos ? std::string::npos : open + 1 - at);
      if (open == std::string::npos) break;
      at = open + 1;
      continue;
    }
    const auto value = placeholders.find(name);
    if (value == placeholders.end()) {
      throw std::runtime_error(patch.string() + " uses @" + name + "@, which is not given");
    }
    out += text.substr(at, open - at) + value->second;
    at = close + 1;
  }
  const fs::path filled = dir.string() + ".patch";
  write_atomically(filled, out);
  return filled;
}

}  // namespace

std::vector<Sample> materialize_samples(const Kit& kit, const Lab& lab, SampleSet set,
                                        const std::map<std::string, std::string>& placeholders) {
  const bool corpus = set == SampleSet::corpus;
  const fs::path source = kit.root() / "autograder" / (corpus ? "corpus" : "samples") / lab.id;
  const fs::path manifest_file = source / (corpus ? "corpus.json" : "samples.json");
  std::vector<Sample> samples;
  if (!fs::exists(manifest_file) || !lab.has_solution) return samples;
  std::ifstream in(manifest_file);
  json manifest;
  try {
    manifest = json::parse(in);
  } catch (const json::exception& e) {
    throw std::runtime_error(manifest_file.string() + ": " + e.what());
  }
  const fs::path root = kit.work_dir() / (corpus ? "corpus" : "samples") / lab.id;
  std::error_code ec;
  fs::remove_all(root, ec);
  for (const json& entry : manifest) {
    Sample sample;
    sample.name = entry.at("name").get<std::string>();
    sample.about = entry.value("about", "");
    sample.expect = entry.value("expect", "");
    sample.needs = entry.value("needs", std::vector<std::string>{});
    sample.correct = entry.value("correct", false);
    sample.unsettled = entry.value("unsettled", std::vector<std::string>{});
    sample.submission.id = sample.name;
    if (entry.contains("archive")) {
      sample.submission.path = source / entry["archive"].get<std::string>();
    } else if (entry.contains("folder")) {
      sample.submission.path = source / entry["folder"].get<std::string>();
    } else {
      const std::string base = entry.at("base").get<std::string>();
      const fs::path from = base == "solution" ? kit.root() / "solutions" / lab.id : lab.dir;
      const fs::path dir = root / sample.name;
      fs::create_directories(dir);
      for (const auto& file : lab.student_files) {
        // A solution holds code only; written answers come from the skeleton.
        if (fs::exists(from / file)) fs::copy_file(from / file, dir / file);
      }
      if (entry.contains("extra")) {
        // Files the submission adds beside its own (for example grader-owned
        // files it tries to replace).
        fs::copy(source / entry["extra"].get<std::string>(), dir,
                 fs::copy_options::recursive | fs::copy_options::overwrite_existing);
      }
      if (entry.contains("patch")) {
        const fs::path patch =
            fill_placeholders(source / entry["patch"].get<std::string>(), dir, placeholders);
        Exit applied = run_logged({"patch", "--quiet", "--forward", "--no-backup-if-mismatch",
                                   "-p1", "-d", dir.string(), "-i", patch.string()},
                                  dir, dir.string() + ".patch.log");
        if (!applied.ok()) {
          throw std::runtime_error("sample patch " + patch.string() + " no longer applies; see " +
                                   dir.string() + ".patch.log");
        }
      }
      sample.submission.path = dir;
    }
    samples.push_back(std::move(sample));
  }
  return samples;
}

json golden_view(const SubmissionResult& result, const std::vector<std::string>& unsettled) {
  json view;
  view["status"] = to_string(result.status);
  double score = result.score();
  view["max_score"] = result.max_score();
  view["ignored"] = result.ignored;
  view["tests"] = json::array();
  const json full = gradescope_results(result);
  for (const auto& test : full["tests"]) {
    const bool pinned = std::find(unsettled.begin(), unsettled.end(),
                                  test["name"].get<std::string>()) == unsettled.end();
    if (!pinned) score -= test["score"].get<double>();
    view["tests"].push_back({{"name", test["name"]},
                             {"status", pinned ? test["status"] : json("unsettled")},
                             {"score", pinned ? test["score"] : json(nullptr)},
                             {"max_score", test["max_score"]},
                             {"visibility", test["visibility"]}});
  }
  view["score"] = score;
  return view;
}

fs::path golden_path(const Kit& kit, const Lab& lab, const std::string& name, SampleSet set) {
  const fs::path golden = kit.root() / "autograder" / "tests" / "golden";
  return (set == SampleSet::corpus ? golden / "corpus" : golden) / lab.id / (name + ".json");
}

std::vector<std::string> golden_differences(const json& expected, const json& actual) {
  std::vector<std::string> out;
  diff(expected, actual, "", out);
  return out;
}

}  // namespace proctor
