#include "autograder/core/distribute.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>

#include "autograder/core/bazel.h"
#include "autograder/core/files.h"
#include "autograder/core/stage.h"

namespace proctor {
namespace {

namespace fs = std::filesystem;

// Scratch, build output and version control: never part of a kit copy.
bool is_scratch(const fs::path& relative) {
  const std::string first = relative.begin()->string();
  return first == ".git" || first == ".proctor" || first == "out" || first == "user.bazelrc" ||
         first.rfind("bazel-", 0) == 0;
}

std::vector<ArchiveEntry> kit_files(const Kit& kit, const std::string& prefix, bool keep_hidden) {
  std::vector<ArchiveEntry> entries;
  for (auto it = fs::recursive_directory_iterator(kit.root());
       it != fs::recursive_directory_iterator(); ++it) {
    const fs::path relative = it->path().lexically_relative(kit.root());
    // The grader's own copy keeps the hidden tests and the solutions (Lab 04's
    // hidden tests measure the reference as their yardstick).
    const std::string path = relative.generic_string();
    const bool grader_needs =
        path.rfind("autograder/hidden", 0) == 0 || path.rfind("solutions", 0) == 0;
    if (is_scratch(relative) || (is_instructor_only(relative) && !(keep_hidden && grader_needs))) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || it->is_symlink()) continue;
    const auto perms = fs::status(it->path()).permissions();
    const bool executable = (perms & fs::perms::owner_exec) != fs::perms::none;
    entries.push_back({prefix + relative.string(), it->path(), executable ? 0755 : 0644});
  }
  return entries;
}

std::string gradescope_setup() {
  return R"(#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image. It installs
# the kit's Debian packages and builds the grader and the kit's test objects
# so that each submission only compiles its own files.
set -euo pipefail
cd "$(dirname "$0")/kit"
./proctor --help >/dev/null
)";
}

std::string gradescope_run(const Lab& lab) {
  return R"(#!/usr/bin/env bash
# Gradescope runs this for each submission. AUTOGRADER_ROOT (default
# /autograder) lets the kit's own tests run it against a simulated folder.
set -uo pipefail
root=${AUTOGRADER_ROOT:-/autograder}
kit="$root/source/kit"
results="$root/results"
mkdir -p "$results"
work=$(mktemp -d)
# Whatever the student uploaded (loose files, the `proctor pack` archive, a
# folder, files in a sub-folder) is graded as the one submission; an upload
# without the lab's files gets a results.json that says what to upload.
"$kit/proctor" grade )" +
         lab.id + R"( "$root/submission" --id submission --out "$work/grades"
status=$?
if [[ $status -eq 0 && -f $work/grades/submission/results.json ]]; then
  cp "$work/grades/submission/results.json" "$results/results.json"
  cat "$work/grades/submission/report.txt"
else
  # Never leave Gradescope without a results.json: say what went wrong.
  cat >"$results/results.json" <<JSON
{"score": 0, "output": "The grader could not grade this submission (proctor exit code $status). Please contact your instructor.", "tests": []}
JSON
fi
rm -rf "$work"
exit 0
)";
}

}  // namespace

bool is_instructor_only(const fs::path& relative) {
  const std::string path = relative.generic_string();
  for (const char* prefix :
       {"solutions", "autograder/hidden", "autograder/samples", "autograder/corpus",
        "autograder/tests/golden", "autograder/tests/similarity", "autograder/benchmarks",
        "autograder/release", ".ci"}) {
    const std::string p = prefix;
    if (path == p || path.rfind(p + "/", 0) == 0) return true;
  }
  return false;
}

void write_archive(const fs::path& path, const std::vector<ArchiveEntry>& entries) {
  const fs::path temporary = path.string() + ".tmp-" + std::to_string(::getpid());
  fs::create_directories(fs::absolute(path).parent_path());
  {
    std::unique_ptr<archive, decltype(&archive_write_free)> writer(archive_write_new(),
                                                                   &archive_write_free);
    const std::string name = path.filename().string();
    if (name.size() > 4 && name.substr(name.size() - 4) == ".zip") {
      archive_write_set_format_zip(writer.get());
    } else {
      archive_write_set_format_pax_restricted(writer.get());
      archive_write_add_filter_gzip(writer.get());
    }
    if (archive_write_open_filename(writer.get(), temporary.c_str()) != ARCHIVE_OK) {
      throw std::runtime_error("cannot write '" + path.string() +
                               "': " + archive_error_string(writer.get()));
    }
    for (const auto& item : entries) {
      if (!fs::is_regular_file(item.source)) {
        throw std::runtime_error("cannot read '" + item.source.string() + "'");
      }
      const std::string data = read_file(item.source);
      std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(),
                                                                          &archive_entry_free);
      archive_entry_set_pathname(entry.get(), item.name.c_str());
      archive_entry_set_filetype(entry.get(), AE_IFREG);
      archive_entry_set_perm(entry.get(), item.mode);
      archive_entry_set_size(entry.get(), static_cast<la_int64_t>(data.size()));
      if (archive_write_header(writer.get(), entry.get()) != ARCHIVE_OK ||
          archive_write_data(writer.get(), data.data(), data.size()) < 0) {
        throw std::runtime_error("cannot write '" + path.string() +
                                 "': " + archive_error_string(writer.get()));
      }
    }
    if (archive_write_close(writer.get()) != ARCHIVE_OK) {
      throw std::runtime_error("cannot finish '" + path.string() + "'");
    }
  }
  fs::rename(temporary, path);
}

fs::path pack_submission(const Kit& kit, const Lab& lab) {
  std::optional<FileLock> building;
  building.emplace(build_lock(kit, {}));
  const Staged staged = stage_submission(kit, lab, "_pack", lab.dir);
  if (!staged.problem.empty()) throw std::runtime_error(staged.problem);
  Bazel bazel(kit.root(), kit.work_dir() / "logs");
  const std::string target = staged.label("public_test");
  BuildResult build = bazel.build({target}, "plain");
  building.reset();
  if (!build.built[target]) {
    throw std::runtime_error("your files do not build, so no archive was written:\n" +
                             first_errors(build.errors[target], staged.package + "/") +
                             "Fix the errors (./proctor check " + lab.number +
                             " shows them too) and pack again.");
  }
  std::vector<ArchiveEntry> entries;
  for (const auto& file : lab.student_files) {
    entries.push_back({"labs/" + lab.id + "/" + file, lab.dir / file});
  }
  const fs::path archive = kit.root() / "out" / (lab.id + "-submission.tar.gz");
  write_archive(archive, entries);
  return archive;
}

std::size_t release_kit(const Kit& kit, const fs::path& out) {
  if (kit.edition() != Edition::instructor) {
    throw std::runtime_error("this is a student kit; releases are made from the instructor's kit");
  }
  if (fs::exists(out) && !fs::is_empty(out)) {
    throw std::runtime_error("'" + out.string() + "' exists and is not empty");
  }
  const fs::path root = fs::absolute(out);
  if (root.string().rfind(kit.root().string() + "/", 0) == 0 &&
      !is_scratch(fs::relative(root, kit.root()))) {
    throw std::runtime_error("release into '" + out.string() +
                             "' would put the release inside the kit; choose a folder outside "
                             "it, or under out/");
  }
  auto entries = kit_files(kit, "", false);
  // What makes it a student kit: its own README, its edition recorded, and
  // the unmodified skeletons kept apart from the lab folders students edit
  // (the grader lists the expected tests from them).
  const fs::path scratch = kit.work_dir() / "release";
  std::error_code ec;
  fs::remove_all(scratch, ec);
  write_atomically(scratch / "kit.json", "{\n  \"edition\": \"student\"\n}\n");
  for (auto& entry : entries) {
    if (entry.name == "README.md")
      entry.source = kit.root() / "autograder" / "release" / "README.md";
    if (entry.name == "kit.json") entry.source = scratch / "kit.json";
  }
  for (const Lab& lab : kit.labs()) {
    for (const auto& file : lab.student_files) {
      entries.push_back({"autograder/skeletons/" + lab.id + "/" + file, lab.dir / file, 0644});
    }
  }
  for (const auto& entry : entries) {
    const fs::path target = root / entry.name;
    fs::create_directories(target.parent_path());
    fs::copy_file(entry.source, target);
    fs::permissions(target, static_cast<fs::perms>(entry.mode));
  }
  return entries.size();
}

void export_gradescope(const Kit& kit, const Lab& lab, const fs::path& zip) {
  if (!lab.has_hidden_tests) {
    throw std::runtime_error("lab " + lab.id +
                             " has no hidden tests in this kit (is this a student kit?)");
  }
  const fs::path scratch = kit.work_dir() / "export" / lab.id;
  std::error_code ec;
  fs::remove_all(scratch, ec);
  fs::create_directories(scratch);
  std::ofstream(scratch / "setup.sh") << gradescope_setup();
  std::ofstream(scratch / "run_autograder") << gradescope_run(lab);
  std::vector<ArchiveEntry> entries{{"setup.sh", scratch / "setup.sh", 0755},
                                    {"run_autograder", scratch / "run_autograder", 0755}};
  for (auto& entry : kit_files(kit, "kit/", true)) entries.push_back(std::move(entry));
  write_archive(zip, entries);
}

}  // namespace proctor
