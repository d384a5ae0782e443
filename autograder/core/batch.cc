#include "autograder/core/batch.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>

#include "autograder/core/class_page.h"
#include "autograder/core/files.h"
#include "autograder/core/report.h"

namespace proctor {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kMarker[] = "grades.json";
constexpr char kRecord[] = "result.json";
constexpr char kShardRecord[] = "shard.json";
constexpr char kMergeRecord[] = "merged.json";

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
    : dir_(fs::absolute(std::move(dir)).lexically_normal()),
      lab_(lab.id),
      title_("Lab " + lab.id + ": " + lab.title) {
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
  // A similarity report may come first: `proctor similar` writes into the
  // default results folder before any grade.
  const auto only_similarity = [this] {
    for (const auto& entry : fs::directory_iterator(dir_)) {
      if (entry.path().filename() != kSimilarityFolder) return false;
    }
    return true;
  };
  if (fs::exists(dir_) && !only_similarity()) {
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
  proctor::write_class_pages(dir_, title_, results);
  return results;
}

void ResultStore::write_class_pages() const { proctor::write_class_pages(dir_, title_, all()); }

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

Shard parse_shard(const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument("--shard '" + text + "': " + why +
                                 " (give I/N: part I of N, from 1/N to N/N)");
  };
  const auto slash = text.find('/');
  if (slash == std::string::npos) throw bad("no '/'");
  const auto number = [&](const std::string& digits) {
    if (digits.empty() || digits.size() > 5 ||
        !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); }))
      throw bad("'" + digits + "' is not a whole number");
    return std::stoi(digits);
  };
  Shard shard{number(text.substr(0, slash)), number(text.substr(slash + 1))};
  if (shard.count < 1 || shard.count > 10000) throw bad("N must be from 1 to 10000");
  if (shard.index < 1 || shard.index > shard.count) throw bad("I must be from 1 to N");
  return shard;
}

int shard_of(const std::string& id, int count) {
  Digest digest;
  const std::string hex = digest.add(id).hex();
  // The first 60 bits: plenty, and exact in an unsigned 64-bit number.
  const std::uint64_t value = std::stoull(hex.substr(0, 15), nullptr, 16);
  return static_cast<int>(value % static_cast<std::uint64_t>(count)) + 1;
}

std::vector<Submission> in_shard(const std::vector<Submission>& submissions, const Shard& shard) {
  std::vector<Submission> out;
  for (const auto& submission : submissions) {
    if (shard_of(submission.id, shard.count) == shard.index) out.push_back(submission);
  }
  return out;
}

void record_shard(const ResultStore& store, const Shard& shard,
                  const std::vector<Submission>& submissions, const std::string& kit_version) {
  const fs::path file = store.dir() / kShardRecord;
  const std::string part = std::to_string(shard.index) + "/" + std::to_string(shard.count);
  if (const auto text = read_file_if_exists(file)) {
    const json recorded = json::parse(*text, nullptr, false);
    if (!recorded.is_object() || !recorded.contains("index") || !recorded.contains("count"))
      throw std::runtime_error(file.string() + " is damaged");
    const std::string other = std::to_string(recorded["index"].get<int>()) + "/" +
                              std::to_string(recorded["count"].get<int>());
    if (other != part) {
      throw std::runtime_error("'" + store.dir().string() + "' holds part " + other +
                               " of a class, not part " + part +
                               "; grade each part into its own folder");
    }
  } else if (!store.all().empty()) {
    throw std::runtime_error("'" + store.dir().string() +
                             "' holds results of a whole class; grade part " + part +
                             " into its own folder");
  }
  json students = json::array();
  for (const auto& submission : submissions) students.push_back(submission.id);
  write_atomically(file, json{{"index", shard.index},
                              {"count", shard.count},
                              {"kit_version", kit_version},
                              {"students", students}}
                                 .dump(2) +
                             "\n");
}

std::string results_lab(const fs::path& dir) {
  const auto marker = read_file_if_exists(dir / kMarker);
  if (!marker) {
    throw std::runtime_error("'" + dir.string() + "' is not a proctor results folder (it has no " +
                             kMarker + ")");
  }
  const json recorded = json::parse(*marker, nullptr, false);
  if (!recorded.is_object() || !recorded.contains("lab") || !recorded["lab"].is_string())
    throw std::runtime_error((dir / kMarker).string() + " is damaged: no \"lab\"");
  return recorded["lab"].get<std::string>();
}

Merged merge_shards(const Lab& lab, const fs::path& out, const std::vector<fs::path>& parts) {
  if (parts.empty()) throw std::invalid_argument("merge needs the results folder of every part");
  struct Part {
    fs::path dir;
    int index = 0;
    std::vector<std::string> students;
  };
  std::vector<Part> found;
  Merged merged;
  std::string version;
  fs::path version_from;
  for (const auto& raw : parts) {
    const fs::path dir = fs::absolute(raw).lexically_normal();
    const auto marker = read_file_if_exists(dir / kMarker);
    const auto shard_text = read_file_if_exists(dir / kShardRecord);
    if (!marker || !shard_text) {
      throw std::runtime_error(
          "'" + raw.string() + "' is not a part of a sharded class (" +
          (marker ? std::string("it has no ") + kShardRecord + ": graded without --shard?"
                  : std::string("not a proctor results folder: it has no ") + kMarker) +
          ")");
    }
    const json lab_record = json::parse(*marker, nullptr, false);
    const json shard = json::parse(*shard_text, nullptr, false);
    if (!lab_record.is_object() || !lab_record.contains("lab") || !shard.is_object() ||
        !shard.contains("index") || !shard.contains("count") || !shard.contains("students") ||
        !shard.contains("kit_version")) {
      throw std::runtime_error("'" + raw.string() + "' has a damaged " + kMarker + " or " +
                               kShardRecord);
    }
    const std::string part_lab = lab_record["lab"].get<std::string>();
    const int count = shard["count"].get<int>();
    if (merged.parts == 0) {
      merged.lab = lab.id;
      merged.parts = count;
    }
    if (part_lab != lab.id) {
      throw std::runtime_error("'" + raw.string() + "' holds lab " + part_lab + ", '" +
                               parts.front().string() + "' lab " + lab.id +
                               "; merge the parts of one lab at a time");
    }
    if (count != merged.parts) {
      throw std::runtime_error("'" + raw.string() + "' is a part of " + std::to_string(count) +
                               ", '" + parts.front().string() + "' a part of " +
                               std::to_string(merged.parts) +
                               "; merge the parts of one split of the class");
    }
    const std::string part_version = shard["kit_version"].get<std::string>();
    if (version.empty()) {
      version = part_version;
      version_from = raw;
    }
    if (part_version != version) {
      throw std::runtime_error("'" + raw.string() + "' and '" + version_from.string() +
                               "' were graded against different kit versions (" +
                               part_version.substr(0, 12) + " and " + version.substr(0, 12) +
                               "); grade every part with the same kit");
    }
    Part part{dir, shard["index"].get<int>(), shard["students"].get<std::vector<std::string>>()};
    for (const auto& other : found) {
      if (other.index == part.index) {
        throw std::runtime_error("part " + std::to_string(part.index) + "/" +
                                 std::to_string(count) + " is given twice: '" + other.dir.string() +
                                 "' and '" + dir.string() + "'");
      }
    }
    found.push_back(std::move(part));
  }
  std::vector<int> missing;
  for (int index = 1; index <= merged.parts; ++index) {
    if (std::none_of(found.begin(), found.end(), [&](const Part& p) { return p.index == index; }))
      missing.push_back(index);
  }
  if (!missing.empty()) {
    std::string list;
    for (int index : missing) list += (list.empty() ? "" : ", ") + std::to_string(index);
    throw std::runtime_error("part(s) " + list + " of " + std::to_string(merged.parts) +
                             " missing: merge needs the results folder of every part");
  }
  // Every student of every part, with a result of this kit version.
  std::map<std::string, fs::path> students;
  for (const auto& part : found) {
    const ResultStore store(part.dir, lab);
    std::vector<std::string> absent;
    for (const auto& id : part.students) {
      if (students.count(id)) {
        throw std::runtime_error("student " + id + " is in two parts: '" +
                                 students[id].parent_path().string() + "' and '" +
                                 part.dir.string() + "'");
      }
      const auto result = store.find(id);
      if (!result) {
        absent.push_back(id);
        continue;
      }
      if (result->kit_version != version) {
        throw std::runtime_error("the result of " + id + " in '" + part.dir.string() +
                                 "' was graded against another kit version than its part "
                                 "records; grade that part again with the same command");
      }
      students[id] = part.dir / id;
    }
    if (!absent.empty()) {
      throw std::runtime_error("'" + part.dir.string() + "' (part " + std::to_string(part.index) +
                               "/" + std::to_string(merged.parts) + ") has no result for " +
                               std::to_string(absent.size()) + " of its " +
                               std::to_string(part.students.size()) +
                               " students (first: " + absent.front() +
                               "): its grading did not finish; run the same grade command "
                               "again, it resumes");
    }
  }
  // The merged folder: new, empty, or an earlier merge of this lab.
  const fs::path target = fs::absolute(out).lexically_normal();
  for (const auto& part : found) {
    if (part.dir == target) throw std::runtime_error("merge into a new folder, not into a part");
  }
  if (fs::exists(target / kMarker) && !fs::exists(target / kMergeRecord)) {
    throw std::runtime_error("'" + target.string() +
                             "' holds graded results; merge into a new folder");
  }
  if (fs::exists(target / kMergeRecord)) {
    const ResultStore earlier(target, lab);  // Refuses another lab's.
    for (const auto& entry : fs::directory_iterator(target)) fs::remove_all(entry.path());
  }
  const ResultStore store(target, lab);
  for (const auto& [id, from] : students) {
    fs::copy(from, target / id, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  }
  json part_dirs = json::array();
  for (int index = 1; index <= merged.parts; ++index) {
    for (const auto& part : found)
      if (part.index == index) part_dirs.push_back(part.dir.string());
  }
  write_atomically(target / kMergeRecord,
                   json{{"parts", part_dirs}, {"kit_version", version}}.dump(2) + "\n");
  merged.students = store.write_class_files(version).size();
  return merged;
}

BatchOutcome grade_batch(const Kit& kit, const Lab& lab, const std::vector<Submission>& submissions,
                         const ResultStore& store, const BatchOptions& options) {
  auto say = [&](const std::string& line) {
    if (options.grading.progress) options.grading.progress(line);
  };
  if (!options.shard && fs::exists(store.dir() / kShardRecord)) {
    throw std::runtime_error("'" + store.dir().string() +
                             "' holds a part of a class (graded with --shard); grade the whole "
                             "class into its own folder, or merge the parts");
  }
  const std::string version = kit_version(kit, lab, options.grading);
  std::vector<Submission> part = submissions;
  if (options.shard) {
    part = in_shard(submissions, *options.shard);
    record_shard(store, *options.shard, part, version);
    say("part " + std::to_string(options.shard->index) + "/" +
        std::to_string(options.shard->count) + " of the class: " + std::to_string(part.size()) +
        " of " + std::to_string(submissions.size()) + " submission(s)");
  }
  const std::vector<Staged> staged = stage_submissions(kit, lab, part);
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
