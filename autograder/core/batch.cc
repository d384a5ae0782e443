#include "autograder/core/batch.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>

#include "autograder/core/files.h"
#include "autograder/core/report.h"

namespace proctor {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kMarker[] = "grades.json";
constexpr char kRecord[] = "result.json";

std::string id_of(const fs::path& path) {
  std::string name = path.filename().string();
  for (const std::string suffix : {".tar.gz", ".tgz", ".tar", ".zip"}) {
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      name.resize(name.size() - suffix.size());
      break;
    }
  }
  return safe_id(name);
}

// True if `dir` holds one of the lab's files itself (rather than one folder
// or archive per student).
bool holds_lab_files(const Lab& lab, const fs::path& dir) {
  for (const auto& file : lab.student_files) {
    if (fs::exists(dir / file) || fs::exists(dir / "labs" / lab.id / file)) return true;
  }
  return false;
}

}  // namespace

ResultStore::ResultStore(fs::path dir, const Lab& lab)
    : dir_(fs::absolute(std::move(dir)).lexically_normal()), lab_(lab.id) {
  const fs::path marker = dir_ / kMarker;
  if (const auto text = read_file_if_exists(marker)) {
    const json recorded = json::parse(*text, nullptr, false);
    const std::string other =
        recorded.is_object() && recorded.contains("lab") && recorded["lab"].is_string()
            ? recorded["lab"].get<std::string>()
            : "";
    if (other.empty()) throw std::runtime_error(marker.string() + " is damaged: no \"lab\"");
    if (other != lab.id) {
      throw std::runtime_error(
          "'" + dir_.string() + "' holds results of lab " + other + ", not of lab " + lab.id +
          "; grade each lab into its own folder (the default is out/grades/" + lab.id + ")");
    }
    return;
  }
  if (fs::exists(dir_) && !fs::is_directory(dir_)) {
    throw std::runtime_error("'" + dir_.string() + "' is not a folder");
  }
  if (fs::exists(dir_) && !fs::is_empty(dir_)) {
    throw std::runtime_error("'" + dir_.string() +
                             "' is not empty and is not a proctor results folder (it has no " +
                             kMarker + "); choose an empty or new folder");
  }
  write_atomically(marker, json{{"lab", lab.id}}.dump(2) + "\n");
}

std::optional<SubmissionResult> ResultStore::find(const std::string& id) const {
  const fs::path file = dir_ / id / kRecord;
  const auto text = read_file_if_exists(file);
  if (!text) return std::nullopt;
  const json record = json::parse(*text, nullptr, false);
  SubmissionResult result;
  try {
    if (record.is_discarded()) throw std::runtime_error("not JSON");
    result = from_record(record);
  } catch (const std::exception& e) {
    throw std::runtime_error(file.string() + " is damaged (" + e.what() +
                             "); delete it to grade that student again");
  }
  if (result.lab != lab_ || result.id != id) {
    throw std::runtime_error(file.string() + " is the result of " + result.id + " in lab " +
                             result.lab + ", not of " + id + " in lab " + lab_);
  }
  return result;
}

void ResultStore::save(const SubmissionResult& result) const {
  if (result.lab != lab_) {
    throw std::logic_error("a result of lab " + result.lab + " saved among lab " + lab_ + "'s");
  }
  write_submission_outputs(result, dir_ / result.id);
}

std::vector<SubmissionResult> ResultStore::all() const {
  std::vector<std::string> ids;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (entry.is_directory() && fs::exists(entry.path() / kRecord)) {
      ids.push_back(entry.path().filename().string());
    }
  }
  std::sort(ids.begin(), ids.end());
  std::vector<SubmissionResult> results;
  for (const auto& id : ids) results.push_back(*find(id));
  return results;
}

std::vector<SubmissionResult> ResultStore::write_class_files(const std::string& kit_version) const {
  std::vector<SubmissionResult> results = all();
  write_atomically(dir_ / "gradebook.csv", gradebook_csv(results));
  write_atomically(dir_ / "summary.txt", class_summary(results, kit_version));
  return results;
}

std::string to_string(Reason reason) {
  switch (reason) {
    case Reason::new_submission:
      return "new";
    case Reason::changed:
      return "changed";
    case Reason::kit_changed:
      return "kit changed";
    case Reason::regrade:
      return "regrade requested";
    case Reason::unchanged:
      return "unchanged";
  }
  return "unknown";
}

Reason resume_reason(const std::optional<SubmissionResult>& recorded, const Staged& staged,
                     const std::string& kit_version, bool regrade) {
  if (!recorded) return Reason::new_submission;
  if (regrade) return Reason::regrade;
  if (recorded->submission_digest != staged.digest) return Reason::changed;
  if (recorded->kit_version != kit_version) return Reason::kit_changed;
  return Reason::unchanged;
}

std::vector<Submission> collect_submissions(const Lab& lab, const std::vector<std::string>& paths) {
  std::vector<Submission> out;
  auto add = [&out](const fs::path& path) {
    const std::string id = id_of(path);
    std::string unique = id;
    for (int n = 2;
         std::any_of(out.begin(), out.end(), [&](const Submission& s) { return s.id == unique; });
         ++n) {
      unique = id + "-" + std::to_string(n);
    }
    out.push_back({unique, fs::absolute(path)});
  };
  for (const auto& raw : paths) {
    const fs::path path(raw);
    if (!fs::exists(path))
      throw std::runtime_error("cannot open '" + raw + "': No such file or directory");
    if (!fs::is_directory(path) || holds_lab_files(lab, path)) {
      add(path);
      continue;
    }
    std::vector<fs::path> entries;
    for (const auto& entry : fs::directory_iterator(path)) {
      if (entry.is_directory() || is_archive(entry.path())) entries.push_back(entry.path());
    }
    std::sort(entries.begin(), entries.end());
    if (entries.empty()) {
      throw std::runtime_error("'" + raw + "' holds neither " + lab.student_files.front() +
                               " nor one folder or archive per student");
    }
    for (const auto& entry : entries) add(entry);
  }
  return out;
}

BatchOutcome grade_batch(const Kit& kit, const Lab& lab, const std::vector<Submission>& submissions,
                         const ResultStore& store, const BatchOptions& options) {
  auto say = [&](const std::string& line) {
    if (options.grading.progress) options.grading.progress(line);
  };
  const std::string version = kit_version(kit, lab, options.grading);
  const std::vector<Staged> staged = stage_submissions(kit, lab, submissions);
  BatchOutcome outcome;
  std::vector<Staged> todo;
  std::map<Reason, int> counts;
  std::map<std::string, SubmissionResult> kept;
  for (const auto& one : staged) {
    auto recorded = store.find(one.id);
    const Reason reason = resume_reason(recorded, one, version, options.regrade);
    outcome.plan.emplace_back(one.id, reason);
    ++counts[reason];
    if (reason == Reason::unchanged) {
      kept.emplace(one.id, std::move(*recorded));
    } else {
      todo.push_back(one);
      if (reason == Reason::changed || reason == Reason::kit_changed) {
        say(one.id + ": " + to_string(reason) + " since it was graded; grading it again");
      }
    }
  }
  std::string line = "grading " + std::to_string(todo.size()) + " of " +
                     std::to_string(staged.size()) + " submission(s) of lab " + lab.id;
  std::string why;
  for (Reason reason : {Reason::new_submission, Reason::changed, Reason::kit_changed,
                        Reason::regrade, Reason::unchanged}) {
    if (counts[reason] == 0) continue;
    why += (why.empty() ? ": " : ", ") + std::to_string(counts[reason]) + " " + to_string(reason);
  }
  say(line + why + (counts[Reason::unchanged] ? " (kept)" : ""));

  std::map<std::string, SubmissionResult> graded;
  if (!todo.empty()) {
    GradeOptions grading = options.grading;
    grading.kit_version = version;
    std::mutex lock;
    grading.on_result = [&](const SubmissionResult& result) {
      std::lock_guard<std::mutex> guard(lock);
      store.save(result);
      if (options.grading.on_result) options.grading.on_result(result);
    };
    for (auto& result : grade(kit, lab, todo, grading))
      graded.emplace(result.id, std::move(result));
  }
  for (const auto& one : staged) {
    auto found = graded.find(one.id);
    outcome.results.push_back(found != graded.end() ? found->second : kept.at(one.id));
  }
  outcome.class_results = store.write_class_files(version);
  return outcome;
}

}  // namespace proctor
